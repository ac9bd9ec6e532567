package oidctest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiClaims are the claims of the provider's access tokens that the
// service reads.
type apiClaims struct {
	jwt.Claims
	ClientID string `json:"client_id"`
}

// issuerConfig is the policy of the service for the tokens of p: its
// issuer found by discovery, the service's audience, and no token type
// claim (the provider's access tokens are typed "JWT", not "at+jwt").
func issuerConfig(p *provider) jwk.IssuerConfig {
	return jwk.IssuerConfig{Issuer: p.issuer, Audience: jwt.Audience{apiAudience}, AllowMissingTokenType: true}
}

func newIssuers(t testing.TB, cfg jwk.IssuersConfig) *jwk.Issuers {
	t.Helper()
	s, err := jwk.NewIssuers(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// api is a service behind jwt.NewMiddleware with v: it answers with the
// token's issuer, subject and client_id.
func api(t testing.TB, v jwt.AccessVerifier) http.Handler {
	t.Helper()
	mw, err := jwt.NewMiddleware(jwt.MiddlewareConfig{Verifier: v, NewClaims: func() any { return new(apiClaims) }})
	require.NoError(t, err)
	return mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwt.ClaimsFrom[*apiClaims](r.Context())
		fmt.Fprintf(w, "%s %s %s", c.Issuer, c.Subject, c.ClientID)
	}))
}

func call(h http.Handler, token string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/api", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	h.ServeHTTP(rec, req)
	return rec
}

// TestGenuineTokens: tokens the provider signs with RS256 (its key
// published without alg, as Entra ID does), PS256, ES256 (without alg
// too) and EdDSA are accepted through discovery, by the Issuers and by
// the middleware in front of a handler.
func TestGenuineTokens(t *testing.T) {
	keys := []*opKey{rs256Key(t), ps256Key(t), es256Key(t, "ec-1"), edDSAKey(t)}
	p := startProvider(t, keys...)
	s := newIssuers(t, jwk.IssuersConfig{Issuers: []jwk.IssuerConfig{issuerConfig(p)}})
	h := api(t, s)
	for _, k := range keys {
		t.Run(string(k.alg), func(t *testing.T) {
			p.signWith(k)
			tok := p.token(t, "svc", "svc-secret")
			u, err := jwt.DecodeUnverified(tok)
			require.NoError(t, err)
			assert.Equal(t, jwt.Algorithm(k.alg), u.Header.Algorithm, "signed by the provider with the key asked for")
			assert.Equal(t, k.id, u.Header.KeyID)

			var c apiClaims
			require.NoError(t, s.VerifyAccess(context.Background(), tok, &c))
			assert.Equal(t, p.issuer, c.Issuer)
			assert.Equal(t, jwt.Audience{apiAudience}, c.Audience)
			assert.Equal(t, "svc", c.ClientID)

			rec := call(h, tok)
			assert.Equal(t, http.StatusOK, rec.Code)
			assert.Equal(t, p.issuer+" svc svc", rec.Body.String())
		})
	}
	assert.EqualValues(t, 1, p.jwksFetches.Load(), "one fetch of the keys for every token")
}

// TestRefused: what must not pass, each through the middleware (401) and
// with its error class.
func TestRefused(t *testing.T) {
	rs := rs256Key(t)
	p := startProvider(t, es256Key(t, "ec-1"), rs)
	other := startProvider(t, es256Key(t, "ec-1")) // a provider the service does not trust
	s := newIssuers(t, jwk.IssuersConfig{Issuers: []jwk.IssuerConfig{issuerConfig(p)}})
	h := api(t, s)

	good := p.token(t, "svc", "svc-secret")
	parts := strings.Split(good, ".")
	forger, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	forge := func(kid string) string {
		f, err := jwt.NewECDSASigner(jwt.ES256, forger)
		require.NoError(t, err)
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		tok, err := jwt.SignRaw(f.WithKeyID(kid), jwt.Header{}, payload)
		require.NoError(t, err)
		return tok
	}
	tampered := func() string {
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		payload = []byte(strings.Replace(string(payload), `"sub":"svc"`, `"sub":"adm"`, 1))
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	}()
	confused := func() string {
		// HS256 with the bytes of the provider's RSA public key as the
		// secret, naming that key: the classic algorithm confusion.
		der, err := x509.MarshalPKIXPublicKey(rs.priv.Public())
		require.NoError(t, err)
		mac, err := jwt.NewHMAC(jwt.HS256, der)
		require.NoError(t, err)
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		require.NoError(t, err)
		tok, err := jwt.SignRaw(mac.WithKeyID(rs.id), jwt.Header{}, payload)
		require.NoError(t, err)
		return tok
	}()

	expiredIssuers := func() *jwk.Issuers {
		ic := issuerConfig(p)
		ic.Expect.Now = func() time.Time { return time.Now().Add(time.Hour) } // the provider's tokens last 5 minutes
		return newIssuers(t, jwk.IssuersConfig{Issuers: []jwk.IssuerConfig{ic}})
	}()
	rfc9068 := func() *jwk.Issuers {
		ic := issuerConfig(p)
		ic.AllowMissingTokenType, ic.RFC9068 = false, true
		return newIssuers(t, jwk.IssuersConfig{Issuers: []jwk.IssuerConfig{ic}})
	}()

	tests := []struct {
		name    string
		verify  *jwk.Issuers
		token   string
		wantErr error
	}{
		{name: "tampered payload", verify: s, token: tampered, wantErr: jwt.ErrSignature},
		{name: "expired", verify: expiredIssuers, token: good, wantErr: jwt.ErrExpired},
		{name: "other audience", verify: s, token: p.token(t, "other", "other-secret"), wantErr: jwt.ErrAudience},
		{name: "other issuer", verify: s, token: other.token(t, "svc", "svc-secret"), wantErr: jwt.ErrIssuer},
		{name: "forged key, the provider's kid", verify: s, token: forge("ec-1"), wantErr: jwt.ErrSignature},
		{name: "forged key, a kid of its own", verify: s, token: forge("forged"), wantErr: jwt.ErrUnknownKey},
		{name: "HS256 with the RSA public key", verify: s, token: confused, wantErr: jwt.ErrAlgorithm},
		{name: "RFC 9068 policy: typ JWT is not at+jwt", verify: rfc9068, token: good, wantErr: jwt.ErrType},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, tt.verify.VerifyAccess(context.Background(), tt.token, nil), tt.wantErr)
			rec := call(api(t, tt.verify), tt.token)
			assert.Equal(t, http.StatusUnauthorized, rec.Code)
			assert.Contains(t, rec.Header().Get("WWW-Authenticate"), `error="invalid_token"`)
		})
	}
	require.Equal(t, http.StatusOK, call(h, good).Code, "the genuine token still passes")
}

// TestTwoProviders: two providers, each with its own keys and audience;
// each token is checked with the keys of the provider its iss names.
func TestTwoProviders(t *testing.T) {
	p1 := startProvider(t, es256Key(t, "ec-1"))
	p2 := startProvider(t, edDSAKey(t))
	ic2 := issuerConfig(p2)
	ic2.Audience = jwt.Audience{"https://unused.example", otherAudience}
	s := newIssuers(t, jwk.IssuersConfig{Issuers: []jwk.IssuerConfig{issuerConfig(p1), ic2}})
	h := api(t, s)

	assert.Equal(t, http.StatusOK, call(h, p1.token(t, "svc", "svc-secret")).Code)
	rec := call(h, p2.token(t, "other", "other-secret"))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, p2.issuer+" other other", rec.Body.String())
	// Each issuer's audiences are its own.
	require.ErrorIs(t, s.VerifyAccess(context.Background(), p1.token(t, "other", "other-secret"), nil), jwt.ErrAudience)
	require.ErrorIs(t, s.VerifyAccess(context.Background(), p2.token(t, "svc", "svc-secret"), nil), jwt.ErrAudience)
}

// clock is a settable clock for RemoteSetConfig.Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestKeyRotation: the provider publishes a new key and signs with it;
// the service fetches the set again on the unknown kid, at most once per
// MinRefreshInterval, without a restart.
func TestKeyRotation(t *testing.T) {
	k1 := es256Key(t, "ec-1")
	p := startProvider(t, k1)
	clk := &clock{t: time.Now()}
	s := newIssuers(t, jwk.IssuersConfig{
		Issuers:   []jwk.IssuerConfig{issuerConfig(p)},
		RemoteSet: jwk.RemoteSetConfig{Now: clk.Now},
	})
	h := api(t, s)
	old := p.token(t, "svc", "svc-secret")
	require.Equal(t, http.StatusOK, call(h, old).Code)
	require.EqualValues(t, 1, p.jwksFetches.Load())

	p.signWith(es256Key(t, "ec-2"))
	rotated := p.token(t, "svc", "svc-secret")
	u, err := jwt.DecodeUnverified(rotated)
	require.NoError(t, err)
	require.Equal(t, "ec-2", u.Header.KeyID)

	clk.Advance(30 * time.Second)
	require.ErrorIs(t, s.VerifyAccess(context.Background(), rotated, nil), jwt.ErrUnknownKey, "within MinRefreshInterval of the last fetch")
	assert.EqualValues(t, 1, p.jwksFetches.Load())

	clk.Advance(jwk.DefaultMinRefreshInterval)
	assert.Equal(t, http.StatusOK, call(h, rotated).Code, "the new key is fetched")
	assert.EqualValues(t, 2, p.jwksFetches.Load())
	assert.Equal(t, http.StatusOK, call(h, old).Code, "the old key is still published")
	assert.EqualValues(t, 2, p.jwksFetches.Load())
}

// TestProviderDownAtStart: a service started before its provider comes
// up with StartUnready: not ready, answering 503 with Retry-After, then
// ready and verifying once the provider answers, with no restart.
func TestProviderDownAtStart(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens: connections are refused
	issuer := "http://" + addr + "/"
	s := newIssuers(t, jwk.IssuersConfig{
		Issuers:   []jwk.IssuerConfig{{Issuer: issuer, Audience: jwt.Audience{apiAudience}, AllowMissingTokenType: true}},
		RemoteSet: jwk.RemoteSetConfig{StartUnready: true},
	})
	h := api(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	err = s.Ready(ctx)
	cancel()
	require.ErrorIs(t, err, jwk.ErrKeySetUnavailable)
	require.ErrorIs(t, err, jwk.ErrDiscovery, "the last fetch's error: discovery failed")

	// A token of that issuer while it is down: 503, not 401.
	k := es256Key(t, "ec-1")
	signer, err := jwt.NewECDSASigner(jwt.ES256, k.priv.(*ecdsa.PrivateKey))
	require.NoError(t, err)
	early, err := jwt.Sign(signer.WithKeyID("ec-1"), jwt.Claims{Issuer: issuer, Audience: jwt.Audience{apiAudience}, Expiry: jwt.NewNumericDate(time.Now().Add(time.Minute))})
	require.NoError(t, err)
	rec := call(h, early)
	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "1", rec.Header().Get("Retry-After"))

	l, err = net.Listen("tcp", addr)
	require.NoError(t, err, "the port was taken meanwhile")
	p := startProviderOn(t, l, k)
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, s.Ready(ctx))
	assert.Equal(t, http.StatusOK, call(h, p.token(t, "svc", "svc-secret")).Code)
}
