package jwk_test

import (
	"context"
	"crypto/elliptic"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hosts answers each request with the handler of its host.
type hosts map[string]http.Handler

func (h hosts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p, ok := h[r.URL.Host]; ok {
		p.ServeHTTP(w, r)
		return
	}
	http.NotFound(w, r)
}

const (
	issuerA = "https://a.test"
	issuerB = "https://b.test/tenant"
)

// twoIssuers is a fleet of two providers: A signs ES256 with a key
// published with alg, B Ed25519 with a key published without.
type twoIssuers struct {
	a, b   jwt.Signer
	client *http.Client
}

func newTwoIssuers(t testing.TB) *twoIssuers {
	a := ecSigner(t, jwt.ES256, elliptic.P256(), "a-1")
	b := edKey(t, 2).WithKeyID("b-1")
	pa := &provider{metadataPath: "/.well-known/openid-configuration", metadata: metadataOf(issuerA, issuerA+"/keys"),
		keys: []byte(`{"keys":[` + string(publicJWK(t, a, "a-1", jwt.ES256)) + `]}`)}
	pb := &provider{metadataPath: "/tenant/.well-known/openid-configuration", metadata: metadataOf(issuerB, "https://b.test/keys"),
		keys: []byte(`{"keys":[` + string(publicJWK(t, b, "b-1", "")) + `]}`)}
	return &twoIssuers{a: a, b: b, client: &http.Client{Transport: handlerTransport{hosts{"a.test": pa, "b.test": pb}}}}
}

func (f *twoIssuers) config() jwk.IssuersConfig {
	return jwk.IssuersConfig{
		Issuers: []jwk.IssuerConfig{
			{Issuer: issuerA, Audience: jwt.Audience{"api"}, AllowMissingTokenType: true},
			{Issuer: issuerB, Audience: jwt.Audience{"api", "https://api.example"}, AllowMissingTokenType: true},
		},
		RemoteSet: jwk.RemoteSetConfig{Client: f.client},
	}
}

func (f *twoIssuers) issuers(t testing.TB) *jwk.Issuers {
	t.Helper()
	s, err := jwk.NewIssuers(context.Background(), f.config())
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// claims returns the claims of a token of iss for aud, valid for an hour.
func claims(iss string, aud ...string) map[string]any {
	now := time.Now()
	c := map[string]any{"iss": iss, "sub": "alice", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if len(aud) > 0 {
		c["aud"] = aud
	}
	return c
}

func sign(t testing.TB, s jwt.Signer, c map[string]any) string {
	t.Helper()
	tok, err := jwt.Sign(s, c)
	require.NoError(t, err)
	return tok
}

func TestIssuersChooseByIss(t *testing.T) {
	f := newTwoIssuers(t)
	s := f.issuers(t)
	tests := []struct {
		name  string
		token string
	}{
		{name: "A", token: sign(t, f.a, claims(issuerA, "api"))},
		{name: "B, first audience", token: sign(t, f.b, claims(issuerB, "api"))},
		{name: "B, second audience", token: sign(t, f.b, claims(issuerB, "other", "https://api.example"))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c jwt.Claims
			require.NoError(t, s.VerifyAccess(context.Background(), tt.token, &c))
			assert.Equal(t, "alice", c.Subject)
		})
	}
	// B's key has no alg: it verifies the two names of Ed25519.
	ed, err := jwt.NewEdDSASigner(jwt.Ed25519, edKey(t, 2).PrivateKey())
	require.NoError(t, err)
	require.NoError(t, s.VerifyAccess(context.Background(), sign(t, ed.WithKeyID("b-1"), claims(issuerB, "api")), nil))
}

func TestIssuersRefuse(t *testing.T) {
	f := newTwoIssuers(t)
	s := f.issuers(t)
	other := ecSigner(t, jwt.ES256, elliptic.P256(), "a-1") // a forged key with A's kid
	good := sign(t, f.a, claims(issuerA, "api"))
	dot := strings.IndexByte(good, '.')
	expired := claims(issuerA, "api")
	expired["iat"], expired["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
	noIss := claims(issuerA, "api")
	delete(noIss, "iss")
	foldedIss := claims("https://evil.test", "api")
	foldedIss["ISS"] = issuerA
	tests := []struct {
		name    string
		token   string
		wantErr error
	}{
		{name: "an issuer not configured", token: sign(t, f.a, claims("https://evil.test", "api")), wantErr: jwt.ErrIssuer},
		{name: "no iss", token: sign(t, f.a, noIss), wantErr: jwt.ErrIssuer},
		{name: "iss in another case does not choose", token: sign(t, f.a, foldedIss), wantErr: jwt.ErrIssuer},
		{name: "iss not a string", token: sign(t, f.a, map[string]any{"iss": []string{issuerA}, "exp": time.Now().Add(time.Hour).Unix()}), wantErr: jwt.ErrMalformed},
		{name: "names A, signed by B", token: sign(t, f.b, claims(issuerA, "api")), wantErr: jwt.ErrUnknownKey},
		{name: "names B, signed by A", token: sign(t, f.a, claims(issuerB, "api")), wantErr: jwt.ErrUnknownKey},
		{name: "names A, forged key with A's kid", token: sign(t, other, claims(issuerA, "api")), wantErr: jwt.ErrSignature},
		{name: "B's audience at A", token: sign(t, f.a, claims(issuerA, "https://api.example")), wantErr: jwt.ErrAudience},
		{name: "no audience", token: sign(t, f.a, claims(issuerA)), wantErr: jwt.ErrAudience},
		{name: "expired", token: sign(t, f.a, expired), wantErr: jwt.ErrExpired},
		{name: "tampered payload", token: good[:dot+1] + jwtB64.EncodeToString([]byte(`{"iss":"https://a.test","aud":"api","sub":"root","exp":4102444800}`)) + good[strings.LastIndexByte(good, '.'):], wantErr: jwt.ErrSignature},
		{name: "two parts", token: good[:strings.LastIndexByte(good, '.')], wantErr: jwt.ErrMalformed},
		{name: "payload not JSON", token: "e30." + jwtB64.EncodeToString([]byte(`iss`)) + ".c2ln", wantErr: jwt.ErrMalformed},
		{name: "iss twice", token: "e30." + jwtB64.EncodeToString([]byte(`{"iss":"https://evil.test","iss":"https://a.test"}`)) + ".c2ln", wantErr: jwt.ErrMalformed},
		{name: "too large", token: good + strings.Repeat("A", jwt.DefaultMaxLength), wantErr: jwt.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := jwt.Claims{Subject: "left over"}
			err := s.VerifyAccess(context.Background(), tt.token, &c)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Zero(t, c, "dst is left zero")
		})
	}
	require.ErrorIs(t, s.VerifyAccess(context.Background(), good, jwt.Claims{}), jwt.ErrDestination)
}

func TestIssuersRFC9068(t *testing.T) {
	f := newTwoIssuers(t)
	cfg := f.config()
	cfg.Issuers[0].AllowMissingTokenType = false
	cfg.Issuers[0].RFC9068 = true
	s, err := jwk.NewIssuers(context.Background(), cfg)
	require.NoError(t, err)
	defer s.Close()
	at, err := jwt.SignHeader(f.a, jwt.Header{Type: "at+jwt"}, claims(issuerA, "api"))
	require.NoError(t, err)
	require.NoError(t, s.VerifyAccess(context.Background(), at, nil))
	require.ErrorIs(t, s.VerifyAccess(context.Background(), sign(t, f.a, claims(issuerA, "api")), nil), jwt.ErrType, "an ID token's typ")
	refresh := claims(issuerA, "api")
	refresh["token_type"] = "refresh"
	at, err = jwt.SignHeader(f.a, jwt.Header{Type: "at+jwt"}, refresh)
	require.NoError(t, err)
	require.ErrorIs(t, s.VerifyAccess(context.Background(), at, nil), jwt.ErrWrongTokenType)
}

// TestIssuersClockSkew pins the clock skew an issuer's zero Expect
// allows: nbf and iat up to 30 seconds ahead, exp with no leeway.
func TestIssuersClockSkew(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	f := newTwoIssuers(t)
	at := func(iat, nbf, exp time.Duration) string {
		c := claims(issuerA, "api")
		c["iat"], c["nbf"], c["exp"] = now.Add(iat).Unix(), now.Add(nbf).Unix(), now.Add(exp).Unix()
		return sign(t, f.a, c)
	}
	tests := []struct {
		name        string
		noClockSkew bool
		token       string
		wantErr     error
	}{
		{name: "iat and nbf 30 s ahead", token: at(30*time.Second, 30*time.Second, time.Hour)},
		{name: "iat 31 s ahead", token: at(31*time.Second, 0, time.Hour), wantErr: jwt.ErrIssuedInFuture},
		{name: "nbf 31 s ahead", token: at(0, 31*time.Second, time.Hour), wantErr: jwt.ErrNotYetValid},
		{name: "exp not widened", token: at(-time.Hour, -time.Hour, 0), wantErr: jwt.ErrExpired},
		{name: "NoClockSkew: iat 1 s ahead", noClockSkew: true, token: at(time.Second, 0, time.Hour), wantErr: jwt.ErrIssuedInFuture},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := f.config()
			cfg.Issuers[0].Expect = jwt.Expect{Now: func() time.Time { return now }, NoClockSkew: tt.noClockSkew}
			s, err := jwk.NewIssuers(context.Background(), cfg)
			require.NoError(t, err)
			defer s.Close()
			require.ErrorIs(t, s.VerifyAccess(context.Background(), tt.token, nil), tt.wantErr)
		})
	}
	assert.Equal(t, 30*time.Second, jwt.DefaultClockSkew)
}

func TestIssuersMiddleware(t *testing.T) {
	f := newTwoIssuers(t)
	s := f.issuers(t)
	type myClaims struct {
		jwt.Claims
		Scope string `json:"scope"`
	}
	mw, err := jwt.NewMiddleware(jwt.MiddlewareConfig{Verifier: s, NewClaims: func() any { return new(myClaims) }})
	require.NoError(t, err)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwt.ClaimsFrom[*myClaims](r.Context())
		fmt.Fprint(w, c.Issuer, " ", c.Subject, " ", c.Scope)
	}))
	withScope := claims(issuerB, "api")
	withScope["scope"] = "read"
	tests := []struct {
		name     string
		token    string
		wantCode int
		wantBody string
	}{
		{name: "A", token: sign(t, f.a, claims(issuerA, "api")), wantCode: http.StatusOK, wantBody: issuerA + " alice "},
		{name: "B", token: sign(t, f.b, withScope), wantCode: http.StatusOK, wantBody: issuerB + " alice read"},
		{name: "other issuer", token: sign(t, f.a, claims("https://evil.test", "api")), wantCode: http.StatusUnauthorized},
		{name: "other audience", token: sign(t, f.b, claims(issuerB, "elsewhere")), wantCode: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Authorization", "Bearer "+tt.token)
			h.ServeHTTP(rec, req)
			assert.Equal(t, tt.wantCode, rec.Code)
			if tt.wantBody != "" {
				assert.Equal(t, tt.wantBody, rec.Body.String())
			}
		})
	}
}

// TestIssuersJWKSURL: an issuer with a JWKSURL is not discovered, and its
// Issuer may be any string, as Google's accounts.google.com.
func TestIssuersJWKSURL(t *testing.T) {
	f := newTwoIssuers(t)
	cfg := f.config()
	cfg.Issuers = []jwk.IssuerConfig{{Issuer: "a.test", JWKSURL: "https://a.test/keys", Audience: jwt.Audience{"api"}, AllowMissingTokenType: true}}
	s, err := jwk.NewIssuers(context.Background(), cfg)
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.VerifyAccess(context.Background(), sign(t, f.a, claims("a.test", "api")), nil))
}

func TestNewIssuersConfig(t *testing.T) {
	ok := jwk.IssuerConfig{Issuer: issuerA, Audience: jwt.Audience{"api"}, AllowMissingTokenType: true}
	with := func(change func(*jwk.IssuerConfig)) []jwk.IssuerConfig {
		c := ok
		change(&c)
		return []jwk.IssuerConfig{c}
	}
	tests := []struct {
		name      string
		issuers   []jwk.IssuerConfig
		remoteSet jwk.RemoteSetConfig
		wantErr   error
	}{
		{name: "no issuer", wantErr: jwt.ErrConfig},
		{name: "empty Issuer", issuers: with(func(c *jwk.IssuerConfig) { c.Issuer = "" }), wantErr: jwt.ErrConfig},
		{name: "an issuer twice", issuers: []jwk.IssuerConfig{ok, ok}, wantErr: jwt.ErrConfig},
		{name: "no Audience", issuers: with(func(c *jwk.IssuerConfig) { c.Audience = nil }), wantErr: jwt.ErrConfig},
		{name: "Expect.Issuer", issuers: with(func(c *jwk.IssuerConfig) { c.Expect.Issuer = issuerA }), wantErr: jwt.ErrConfig},
		{name: "Expect.Audience", issuers: with(func(c *jwk.IssuerConfig) { c.Expect.Audience = jwt.Audience{"api"} }), wantErr: jwt.ErrConfig},
		{name: "negative Expect.Leeway", issuers: with(func(c *jwk.IssuerConfig) { c.Expect.Leeway = -time.Second }), wantErr: jwt.ErrConfig},
		{name: "negative Expect.ClockSkew", issuers: with(func(c *jwk.IssuerConfig) { c.Expect.ClockSkew = -time.Second }), wantErr: jwt.ErrConfig},
		{name: "RFC9068 with another Expect.Type", issuers: with(func(c *jwk.IssuerConfig) { c.RFC9068, c.Expect.Type = true, "JWT" }), wantErr: jwt.ErrConfig},
		{name: "negative RemoteSet.Timeout", issuers: []jwk.IssuerConfig{ok}, remoteSet: jwk.RemoteSetConfig{Timeout: -time.Second}, wantErr: jwt.ErrConfig},
		{name: "negative RemoteSet.MaxStale", issuers: []jwk.IssuerConfig{ok}, remoteSet: jwk.RemoteSetConfig{MaxStale: -time.Second}, wantErr: jwt.ErrConfig},
		{name: "Issuer over http", issuers: with(func(c *jwk.IssuerConfig) { c.Issuer = "http://a.test" }), wantErr: jwk.ErrKeySetURL},
		{name: "Issuer not a URL, no JWKSURL", issuers: with(func(c *jwk.IssuerConfig) { c.Issuer = "a.test" }), wantErr: jwk.ErrKeySetURL},
		{name: "JWKSURL over http", issuers: with(func(c *jwk.IssuerConfig) { c.JWKSURL = "http://a.test/keys" }), wantErr: jwk.ErrKeySetURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked sync.Map
			tt.remoteSet.Client = &http.Client{Transport: handlerTransport{http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked.Store(r.URL.String(), true)
				http.NotFound(w, r)
			})}}
			s, err := jwk.NewIssuers(context.Background(), jwk.IssuersConfig{Issuers: tt.issuers, RemoteSet: tt.remoteSet})
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, s)
			asked.Range(func(k, _ any) bool { t.Errorf("fetched %v", k); return true })
		})
	}
}

// TestIssuersOneDown: by default one issuer that cannot be fetched fails
// NewIssuers, naming it, with nothing left running; with StartUnready
// the others work while it is down, and Ready names it.
func TestIssuersOneDown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newTwoIssuers(t)
		cfg := f.config()
		cfg.Issuers[1].Issuer = "https://down.test"
		_, err := jwk.NewIssuers(context.Background(), cfg)
		require.ErrorIs(t, err, jwk.ErrKeySetFetch)
		assert.Contains(t, err.Error(), `issuer "https://down.test"`)
		synctest.Wait() // no goroutine left, or the bubble would not end

		cfg.RemoteSet.StartUnready = true
		s, err := jwk.NewIssuers(context.Background(), cfg)
		require.NoError(t, err)
		defer s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		err = s.Ready(ctx)
		require.ErrorIs(t, err, jwk.ErrKeySetUnavailable)
		assert.Contains(t, err.Error(), `issuer "https://down.test"`)
		require.NoError(t, s.VerifyAccess(context.Background(), sign(t, f.a, claims(issuerA, "api")), nil))
		err = s.VerifyAccess(context.Background(), sign(t, f.a, claims("https://down.test", "api")), nil)
		require.ErrorIs(t, err, jwk.ErrKeySetUnavailable)
	})
}

func TestIssuersHooksNameTheIssuer(t *testing.T) {
	f := newTwoIssuers(t)
	cfg := f.config()
	var mu sync.Mutex
	var fetchErrs, skipped []error
	cfg.RemoteSet.OnFetchError = func(err error) { mu.Lock(); fetchErrs = append(fetchErrs, err); mu.Unlock() }
	cfg.RemoteSet.OnSkippedKey = func(_ string, err error) { mu.Lock(); skipped = append(skipped, err); mu.Unlock() }
	cfg.RemoteSet.Algorithms = []jwt.Algorithm{jwt.EdDSA} // A's ES256 key is left out
	_, err := jwk.NewIssuers(context.Background(), cfg)
	require.ErrorIs(t, err, jwk.ErrKeySetFetch)
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, skipped, 1)
	assert.ErrorIs(t, skipped[0], jwt.ErrUnsupportedAlgorithm)
	assert.Contains(t, skipped[0].Error(), `issuer "https://a.test": key 0 (kid "a-1")`)
	require.Len(t, fetchErrs, 1)
	assert.Contains(t, fetchErrs[0].Error(), `issuer "https://a.test"`)
}
