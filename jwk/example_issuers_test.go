package jwk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
)

// exampleProvider serves what an OpenID provider publishes: its metadata
// at /.well-known/openid-configuration and its keys at /keys, here one
// Ed25519 key without alg, as some providers publish keys.
func exampleProvider(key jwt.Verifier) *httptest.Server {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q}`, srv.URL, srv.URL+"/keys")
	})
	k, _ := jwk.Public(key)
	k.Algorithm = "" // published without alg
	set, _ := (&jwk.Set{Keys: []*jwk.Key{k}}).MarshalJSON()
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, _ *http.Request) { w.Write(set) })
	return srv
}

func ExampleNewIssuers() {
	signer := exampleKey(1, "2030-01")
	provider := exampleProvider(signer)
	defer provider.Close()
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

	issuers, err := jwk.NewIssuers(context.Background(), jwk.IssuersConfig{Issuers: []jwk.IssuerConfig{{
		Issuer:                provider.URL, // discovery: the keys' URL comes from its metadata
		Audience:              jwt.Audience{"https://api.example"},
		AllowMissingTokenType: true,
		Expect:                jwt.Expect{Now: func() time.Time { return now }},
	}}})
	if err != nil {
		panic(err)
	}
	defer issuers.Close()

	token := func(iss, aud string) string {
		tok, _ := jwt.Sign(signer, jwt.Claims{Issuer: iss, Subject: "alice", Audience: jwt.Audience{aud}, Expiry: jwt.NewNumericDate(now.Add(time.Hour))})
		return tok
	}
	var c jwt.Claims
	err = issuers.VerifyAccess(context.Background(), token(provider.URL, "https://api.example"), &c)
	fmt.Println(c.Subject, err)
	err = issuers.VerifyAccess(context.Background(), token(provider.URL, "https://other.example"), nil)
	fmt.Println(errors.Is(err, jwt.ErrAudience))
	err = issuers.VerifyAccess(context.Background(), token("https://evil.example", "https://api.example"), nil)
	fmt.Println(errors.Is(err, jwt.ErrIssuer))
	// Output:
	// alice <nil>
	// true
	// true
}
