package jwk_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
)

// exampleKey returns a fixed Ed25519 key, so that the output is the same
// on every run. Use fresh random keys in a real program.
func exampleKey(b byte, kid string) *jwt.EdDSASigner {
	k, err := jwt.NewEdDSASigner(jwt.EdDSA, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize)))
	if err != nil {
		panic(err)
	}
	return k.WithKeyID(kid)
}

func ExampleKeyRing() {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	ring, err := jwk.NewKeyRing(exampleKey(1, "2030-01"), jwk.KeyRingConfig{TokenLifetime: time.Hour, Now: clock})
	if err != nil {
		panic(err)
	}
	claims := func() jwt.Claims { return jwt.Claims{Subject: "alice", Expiry: jwt.NewNumericDate(now.Add(time.Hour))} }
	old, _ := jwt.Sign(ring, claims())

	// Publish the next key first, and promote it once every verifier has
	// fetched the set again.
	if _, err := ring.Add(exampleKey(2, "2030-02")); err != nil {
		panic(err)
	}
	now = now.Add(10 * time.Minute)
	if err := ring.Promote("2030-02"); err != nil {
		panic(err)
	}
	tok, _ := jwt.Sign(ring, claims())
	u, _ := jwt.DecodeUnverified(tok)
	fmt.Println("signing with:", u.Header.KeyID)
	fmt.Println("old token:", jwt.Expect{Now: clock}.Verify(old, ring, nil))

	// An hour after its retirement the old key leaves the ring, and so do
	// tokens it signed, even those whose exp is still ahead.
	now = now.Add(time.Hour)
	set, _ := ring.PublicSet()
	fmt.Println("published keys:", len(set.Keys))
	late, _ := jwt.Sign(exampleKey(1, "2030-01"), claims())
	fmt.Println("token of the retired key refused:", errors.Is(jwt.Expect{Now: clock}.Verify(late, ring, nil), jwt.ErrUnknownKey))
	// Output:
	// signing with: 2030-02
	// old token: <nil>
	// published keys: 1
	// token of the retired key refused: true
}

func ExampleNewHandler() {
	ring, err := jwk.NewKeyRing(exampleKey(1, "2030-01"), jwk.KeyRingConfig{})
	if err != nil {
		panic(err)
	}
	h, err := jwk.NewHandler(ring, jwk.HandlerConfig{MaxAge: 10 * time.Minute})
	if err != nil {
		panic(err)
	}
	// In a server: mux.Handle("GET /.well-known/jwks.json", h)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control"))
	fmt.Println(rec.Body.String())
	// Output:
	// 200 application/jwk-set+json public, max-age=600
	// {"keys":[{"kty":"OKP","kid":"2030-01","use":"sig","alg":"EdDSA","crv":"Ed25519","x":"iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w"}]}
}

func ExampleNewRemoteSet() {
	// The issuer publishes its keys.
	ring, _ := jwk.NewKeyRing(exampleKey(1, "2030-01"), jwk.KeyRingConfig{})
	h, _ := jwk.NewHandler(ring, jwk.HandlerConfig{})
	issuer := httptest.NewServer(h)
	defer issuer.Close()
	tok, _ := jwt.Sign(ring, jwt.Claims{Subject: "alice", Expiry: jwt.NewNumericDate(time.Now().Add(time.Minute))})

	// Another service verifies its tokens with them.
	keys, err := jwk.NewRemoteSet(context.Background(), issuer.URL, jwk.RemoteSetConfig{})
	if err != nil {
		panic(err)
	}
	defer keys.Close()
	var c jwt.Claims
	if err := jwt.Verify(tok, keys, &c); err != nil {
		panic(err)
	}
	fmt.Println("verified:", c.Subject)
	// Output:
	// verified: alice
}
