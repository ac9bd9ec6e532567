package jwt_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// ---- the handler ----

func serve(h http.Handler, method string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/.well-known/jwks.json", nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func newHandler(t testing.TB, src jwt.JWKSSource, opts jwt.JWKSHandlerOptions) *jwt.JWKSHandler {
	t.Helper()
	h, err := jwt.NewJWKSHandler(src, opts)
	require.NoError(t, err)
	return h
}

func TestJWKSHandlerGet(t *testing.T) {
	rsaSigner, err := jwt.NewRSASigner(jwt.RS256, rsaTestKey(t))
	require.NoError(t, err)
	ec := ecKey(t).WithKeyID("ec-1")
	src, err := jwt.NewStaticJWKS(rsaSigner, ec, edKey(t, 1).Public())
	require.NoError(t, err)
	rec := serve(newHandler(t, src, jwt.JWKSHandlerOptions{}), http.MethodGet, nil)

	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/jwk-set+json", rec.Header().Get("Content-Type"))
	assert.Equal(t, "public, max-age=300", rec.Header().Get("Cache-Control"), "max-age defaults to 5 minutes")
	assert.Equal(t, 5*time.Minute, jwt.DefaultJWKSMaxAge)
	assert.Regexp(t, `^"[A-Za-z0-9_-]{43}"$`, rec.Header().Get("ETag"), "a strong ETag")
	assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))

	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &raw))
	require.Len(t, raw.Keys, 3)
	for _, k := range raw.Keys {
		for _, private := range []string{"d", "p", "q", "dp", "dq", "qi", "k"} {
			assert.NotContains(t, k, private, "public members only")
		}
		assert.NotEmpty(t, k["kid"])
		assert.NotEmpty(t, k["alg"])
		assert.Equal(t, "sig", k["use"])
	}
	assert.Equal(t, "RS256", raw.Keys[0]["alg"])
	assert.Equal(t, "ec-1", raw.Keys[1]["kid"])
	set, err := jwt.ParseJWKSet(rec.Body.Bytes())
	require.NoError(t, err)
	tp, err := set.Keys[0].Thumbprint()
	require.NoError(t, err)
	assert.Equal(t, tp, set.Keys[0].KeyID, "kid defaults to the thumbprint")
	_, err = set.KeySet()
	require.NoError(t, err)
}

func TestJWKSHandlerHead(t *testing.T) {
	src, err := jwt.NewStaticJWKS(edKey(t, 1))
	require.NoError(t, err)
	h := newHandler(t, src, jwt.JWKSHandlerOptions{})
	get := serve(h, http.MethodGet, nil)
	head := serve(h, http.MethodHead, nil)
	require.Equal(t, http.StatusOK, head.Code)
	assert.Empty(t, head.Body.Bytes())
	for _, name := range []string{"Content-Type", "Cache-Control", "ETag", "Content-Length"} {
		assert.Equal(t, get.Header().Get(name), head.Header().Get(name), name)
	}
	assert.NotEmpty(t, head.Header().Get("Content-Length"))
}

func TestJWKSHandlerMethodNotAllowed(t *testing.T) {
	src, err := jwt.NewStaticJWKS(edKey(t, 1))
	require.NoError(t, err)
	h := newHandler(t, src, jwt.JWKSHandlerOptions{})
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		t.Run(method, func(t *testing.T) {
			rec := serve(h, method, nil)
			assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
			assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
			assert.NotContains(t, rec.Body.String(), "keys")
		})
	}
}

func TestJWKSHandlerConditionalGet(t *testing.T) {
	src, err := jwt.NewStaticJWKS(edKey(t, 1))
	require.NoError(t, err)
	h := newHandler(t, src, jwt.JWKSHandlerOptions{})
	etag := serve(h, http.MethodGet, nil).Header().Get("ETag")
	tests := []struct {
		name        string
		ifNoneMatch []string
		wantStatus  int
	}{
		{name: "none", wantStatus: http.StatusOK},
		{name: "same tag", ifNoneMatch: []string{etag}, wantStatus: http.StatusNotModified},
		{name: "weak form of the tag", ifNoneMatch: []string{"W/" + etag}, wantStatus: http.StatusNotModified},
		{name: "tag in a list", ifNoneMatch: []string{`"a", W/"b,c" ,` + etag}, wantStatus: http.StatusNotModified},
		{name: "tag in a second field", ifNoneMatch: []string{`"a"`, etag}, wantStatus: http.StatusNotModified},
		{name: "star", ifNoneMatch: []string{"*"}, wantStatus: http.StatusNotModified},
		{name: "other tag", ifNoneMatch: []string{`"other"`}, wantStatus: http.StatusOK},
		{name: "tag without quotes", ifNoneMatch: []string{strings.Trim(etag, `"`)}, wantStatus: http.StatusOK},
		{name: "unterminated tag", ifNoneMatch: []string{etag[:len(etag)-1]}, wantStatus: http.StatusOK},
		{name: "empty", ifNoneMatch: []string{""}, wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(h, http.MethodGet, http.Header{"If-None-Match": tt.ifNoneMatch})
			require.Equal(t, tt.wantStatus, rec.Code)
			assert.Equal(t, etag, rec.Header().Get("ETag"))
			assert.Equal(t, "public, max-age=300", rec.Header().Get("Cache-Control"))
			if tt.wantStatus == http.StatusNotModified {
				assert.Empty(t, rec.Body.Bytes())
			} else {
				assert.NotEmpty(t, rec.Body.Bytes())
			}
		})
	}
}

func TestJWKSHandlerMaxAge(t *testing.T) {
	src, err := jwt.NewStaticJWKS(edKey(t, 1))
	require.NoError(t, err)
	tests := []struct {
		name   string
		maxAge time.Duration
		want   string
	}{
		{name: "zero means the default", maxAge: 0, want: "public, max-age=300"},
		{name: "whole seconds", maxAge: 90 * time.Second, want: "public, max-age=90"},
		{name: "fractions dropped", maxAge: 1500 * time.Millisecond, want: "public, max-age=1"},
		{name: "negative", maxAge: -1, want: "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(newHandler(t, src, jwt.JWKSHandlerOptions{MaxAge: tt.maxAge}), http.MethodGet, nil)
			assert.Equal(t, tt.want, rec.Header().Get("Cache-Control"))
		})
	}
}

func TestJWKSHandlerFollowsRing(t *testing.T) {
	r, err := jwt.NewKeyRing(edKey(t, 1), jwt.KeyRingOptions{})
	require.NoError(t, err)
	h := newHandler(t, r, jwt.JWKSHandlerOptions{})
	before := serve(h, http.MethodGet, nil)
	again := serve(h, http.MethodGet, nil)
	assert.Equal(t, before.Header().Get("ETag"), again.Header().Get("ETag"))
	assert.Equal(t, before.Body.String(), again.Body.String())

	kid, err := r.Add(edKey(t, 2))
	require.NoError(t, err)
	after := serve(h, http.MethodGet, http.Header{"If-None-Match": {before.Header().Get("ETag")}})
	require.Equal(t, http.StatusOK, after.Code, "a new key changes the tag")
	assert.NotEqual(t, before.Header().Get("ETag"), after.Header().Get("ETag"))
	assert.Contains(t, after.Body.String(), kid)
}

// sourceFunc is a JWKSSource of a function.
type sourceFunc func() (*jwt.JWKSet, error)

func (f sourceFunc) PublicJWKSet() (*jwt.JWKSet, error) { return f() }

func TestNewJWKSHandlerRefuses(t *testing.T) {
	edPub := edKey(t, 1).PublicKey()
	tests := []struct {
		name    string
		src     jwt.JWKSSource
		wantErr error
	}{
		{name: "nil source", src: nil, wantErr: jwt.ErrInvalidKey},
		{name: "source fails", src: sourceFunc(func() (*jwt.JWKSet, error) { return nil, jwt.ErrWeakKey }), wantErr: jwt.ErrWeakKey},
		{name: "nil set", src: sourceFunc(func() (*jwt.JWKSet, error) { return nil, nil }), wantErr: jwt.ErrInvalidKey},
		{name: "secret key", src: sourceFunc(func() (*jwt.JWKSet, error) {
			return &jwt.JWKSet{Keys: []*jwt.JWK{{Key: make([]byte, 32), Algorithm: jwt.HS256, KeyID: "s"}}}, nil
		}), wantErr: jwt.ErrInvalidKey},
		{name: "key without alg", src: sourceFunc(func() (*jwt.JWKSet, error) {
			return &jwt.JWKSet{Keys: []*jwt.JWK{{Key: edPub, KeyID: "e"}}}, nil
		}), wantErr: jwt.ErrInvalidKey},
		{name: "nil key", src: sourceFunc(func() (*jwt.JWKSet, error) { return &jwt.JWKSet{Keys: []*jwt.JWK{nil}}, nil }), wantErr: jwt.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := jwt.NewJWKSHandler(tt.src, jwt.JWKSHandlerOptions{})
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, h)
		})
	}
}

func TestJWKSHandlerPublishesOnlyPublicMembers(t *testing.T) {
	priv := edKey(t, 1)
	src := sourceFunc(func() (*jwt.JWKSet, error) {
		return &jwt.JWKSet{Keys: []*jwt.JWK{{Key: priv.PrivateKey(), Algorithm: jwt.EdDSA, KeyID: "e"}}}, nil
	})
	rec := serve(newHandler(t, src, jwt.JWKSHandlerOptions{}), http.MethodGet, nil)
	require.Equal(t, http.StatusOK, rec.Code)
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &raw))
	require.Len(t, raw.Keys, 1)
	assert.NotContains(t, raw.Keys[0], "d")
	assert.Equal(t, jwtB64.EncodeToString(priv.PublicKey()), raw.Keys[0]["x"])
}

func TestJWKSHandlerSourceFailsLater(t *testing.T) {
	var fail atomic.Bool
	ok, err := jwt.NewStaticJWKS(edKey(t, 1))
	require.NoError(t, err)
	src := sourceFunc(func() (*jwt.JWKSet, error) {
		if fail.Load() {
			return nil, errors.New("secret detail")
		}
		return ok.PublicJWKSet()
	})
	h := newHandler(t, src, jwt.JWKSHandlerOptions{})
	fail.Store(true)
	rec := serve(h, http.MethodGet, nil)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.NotContains(t, rec.Body.String(), "secret detail")
	assert.Empty(t, rec.Header().Get("ETag"))
}

func TestNewStaticJWKS(t *testing.T) {
	seed, err := b64(rfc8037Seed)
	require.NoError(t, err)
	rfcKey, err := jwt.NewEdDSASigner(edPrivate(seed))
	require.NoError(t, err)
	hmacKey, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32))
	require.NoError(t, err)

	src, err := jwt.NewStaticJWKS(rfcKey)
	require.NoError(t, err)
	set, err := src.PublicJWKSet()
	require.NoError(t, err)
	assert.Equal(t, rfc8037Thumbprint, set.Keys[0].KeyID, "kid defaults to the RFC 7638 thumbprint")

	tests := []struct {
		name    string
		keys    []jwt.Verifier
		wantErr error
	}{
		{name: "no key", wantErr: jwt.ErrInvalidKey},
		{name: "nil key", keys: []jwt.Verifier{nil}, wantErr: jwt.ErrInvalidKey},
		{name: "HMAC", keys: []jwt.Verifier{hmacKey}, wantErr: jwt.ErrKeyMismatch},
		{name: "same key twice", keys: []jwt.Verifier{rfcKey, rfcKey.Public()}, wantErr: jwt.ErrDuplicateKeyID},
		{name: "same kid twice", keys: []jwt.Verifier{edKey(t, 1).WithKeyID("a"), edKey(t, 2).WithKeyID("a")}, wantErr: jwt.ErrDuplicateKeyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := jwt.NewStaticJWKS(tt.keys...)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, s)
		})
	}
}

// ---- the remote key set ----

// handlerTransport answers requests with a handler in the caller's
// goroutine: no network, so that tests run under synctest.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	return rec.Result(), nil
}

// issuer is a JWK Set endpoint whose answer a test changes, and which
// counts requests.
type issuer struct {
	fetches atomic.Int64
	mu      sync.Mutex
	h       http.Handler
	seen    []http.Header
}

func newIssuer(h http.Handler) *issuer { return &issuer{h: h} }

func (i *issuer) serve(h http.Handler) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.h = h
}

func (i *issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	i.fetches.Add(1)
	i.mu.Lock()
	h := i.h
	i.seen = append(i.seen, r.Header.Clone())
	i.mu.Unlock()
	h.ServeHTTP(w, r)
}

func (i *issuer) lastRequest() http.Header {
	i.mu.Lock()
	defer i.mu.Unlock()
	return i.seen[len(i.seen)-1]
}

// respond answers with status, Cache-Control cc (none when empty) and body.
func respond(status int, cc string, body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		w.WriteHeader(status)
		w.Write(body)
	})
}

// setOf returns the JWK Set body of keys.
func setOf(t testing.TB, keys ...jwt.Verifier) []byte {
	t.Helper()
	src, err := jwt.NewStaticJWKS(keys...)
	require.NoError(t, err)
	return serve(newHandler(t, src, jwt.JWKSHandlerOptions{}), http.MethodGet, nil).Body.Bytes()
}

const issuerURL = "https://issuer.test/.well-known/jwks.json"

// newRemote returns a RemoteKeySet of iss over handlerTransport, closed
// when the test ends.
func newRemote(t testing.TB, iss http.Handler, opts jwt.RemoteKeySetOptions) *jwt.RemoteKeySet {
	t.Helper()
	opts.Client = &http.Client{Transport: handlerTransport{iss}}
	r, err := jwt.NewRemoteKeySet(context.Background(), issuerURL, opts)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRemoteKeySetVerifies(t *testing.T) {
	ring, err := jwt.NewKeyRing(ecKey(t), jwt.KeyRingOptions{})
	require.NoError(t, err)
	srv := httptest.NewServer(newHandler(t, ring, jwt.JWKSHandlerOptions{}))
	defer srv.Close()
	remote, err := jwt.NewRemoteKeySet(context.Background(), srv.URL, jwt.RemoteKeySetOptions{})
	require.NoError(t, err)
	defer remote.Close()

	tok, err := jwt.Sign(ring, claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	var c jwt.Claims
	require.NoError(t, jwt.Verify(tok, remote, &c))
	assert.Equal(t, "alice", c.Subject)

	// The key's algorithm is pinned: the same kid with EdDSA is refused.
	forged, err := jwt.Sign(edKey(t, 1).WithKeyID(ring.KeyID()), claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Verify(forged, remote, nil), jwt.ErrAlgorithm)
}

// TestRemoteKeySetUnknownKidStorm: a flood of tokens with a kid the set
// does not hold causes one fetch, not one per token.
func TestRemoteKeySetUnknownKidStorm(t *testing.T) {
	clk := newClock()
	iss := newIssuer(respond(http.StatusOK, "max-age=3600", setOf(t, edKey(t, 1).WithKeyID("known"))))
	srv := httptest.NewServer(iss)
	defer srv.Close()
	remote, err := jwt.NewRemoteKeySet(context.Background(), srv.URL, jwt.RemoteKeySetOptions{Now: clk.Now})
	require.NoError(t, err)
	defer remote.Close()
	require.EqualValues(t, 1, iss.fetches.Load())

	clk.Advance(jwt.DefaultMinRefreshInterval)
	tok, err := jwt.Sign(edKey(t, 2).WithKeyID("unknown"), claimsAt(clk.Now(), time.Hour))
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 1000)
	for i := range errs {
		wg.Go(func() { errs[i] = jwt.Expect{Now: clk.Now}.Verify(tok, remote, nil) })
	}
	wg.Wait()
	for _, err := range errs {
		require.ErrorIs(t, err, jwt.ErrUnknownKey)
	}
	assert.EqualValues(t, 2, iss.fetches.Load())
}

// TestRemoteKeySetCoalescesFetches holds the fetch until every caller
// waits, so that only sharing, not the rate limit, can keep the count at
// one.
func TestRemoteKeySetCoalescesFetches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		known := edKey(t, 1).WithKeyID("known")
		newKey := edKey(t, 2).WithKeyID("new")
		iss := newIssuer(respond(http.StatusOK, "", setOf(t, known)))
		remote := newRemote(t, iss, jwt.RemoteKeySetOptions{MinRefreshInterval: time.Nanosecond})
		gate := make(chan struct{})
		iss.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-gate
			respond(http.StatusOK, "", setOf(t, known, newKey)).ServeHTTP(w, r)
		}))
		time.Sleep(time.Nanosecond) // past the rate limit
		tok, err := jwt.Sign(newKey, claimsAt(time.Now(), time.Hour))
		require.NoError(t, err)
		var wg sync.WaitGroup
		errs := make([]error, 1000)
		for i := range errs {
			wg.Go(func() { errs[i] = jwt.Verify(tok, remote, nil) })
		}
		synctest.Wait() // every caller is waiting
		assert.EqualValues(t, 2, iss.fetches.Load())
		close(gate)
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		assert.EqualValues(t, 2, iss.fetches.Load())
		remote.Close()
	})
}

func TestRemoteKeySetFindsNewKey(t *testing.T) {
	clk := newClock()
	old, next := edKey(t, 1).WithKeyID("old"), ecKey(t).WithKeyID("next")
	iss := newIssuer(respond(http.StatusOK, "max-age=3600", setOf(t, old)))
	remote := newRemote(t, iss, jwt.RemoteKeySetOptions{Now: clk.Now})
	iss.serve(respond(http.StatusOK, "max-age=3600", setOf(t, old, next)))
	tok, err := jwt.Sign(next, claimsAt(clk.Now(), 2*time.Hour))
	require.NoError(t, err)
	expect := jwt.Expect{Now: clk.Now}

	clk.Advance(jwt.DefaultMinRefreshInterval - time.Second)
	require.ErrorIs(t, expect.Verify(tok, remote, nil), jwt.ErrUnknownKey, "at most one fetch per MinRefreshInterval")
	assert.EqualValues(t, 1, iss.fetches.Load())

	clk.Advance(time.Second)
	require.NoError(t, expect.Verify(tok, remote, nil))
	assert.EqualValues(t, 2, iss.fetches.Load())
	assert.Equal(t, time.Minute, jwt.DefaultMinRefreshInterval)
}

func TestRemoteKeySetBackgroundRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k1, k2 := edKey(t, 1).WithKeyID("k1"), edKey(t, 2).WithKeyID("k2")
		iss := newIssuer(respond(http.StatusOK, "max-age=100", setOf(t, k1)))
		remote := newRemote(t, iss, jwt.RemoteKeySetOptions{MinRefreshInterval: 10 * time.Second})
		start := time.Now()

		gate := make(chan struct{})
		iss.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-gate
			respond(http.StatusOK, "max-age=100", setOf(t, k2)).ServeHTTP(w, r)
		}))
		time.Sleep(74 * time.Second)
		synctest.Wait()
		assert.EqualValues(t, 1, iss.fetches.Load(), "no refresh before three quarters of the lifetime")
		time.Sleep(time.Second)
		synctest.Wait()
		assert.EqualValues(t, 2, iss.fetches.Load(), "the refresh starts before the set expires")
		assert.Equal(t, 75*time.Second, time.Since(start))

		// The refresh hangs; readers go on with the cached set.
		v, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k1"})
		require.NoError(t, err)
		assert.Equal(t, jwt.EdDSA, v.Algorithm())

		close(gate)
		synctest.Wait()
		_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k1"})
		require.ErrorIs(t, err, jwt.ErrUnknownKey, "a key that left the set is no longer trusted")
		_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k2"})
		require.NoError(t, err)
		assert.EqualValues(t, 2, iss.fetches.Load())

		time.Sleep(75 * time.Second)
		synctest.Wait()
		assert.EqualValues(t, 3, iss.fetches.Load(), "and again, three quarters into the new set's lifetime")
		remote.Close()
	})
}

func TestRemoteKeySetDropsRemovedKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ring, err := jwt.NewKeyRing(edKey(t, 1), jwt.KeyRingOptions{})
		require.NoError(t, err)
		old, err := jwt.Sign(ring, claimsAt(time.Now(), 24*time.Hour))
		require.NoError(t, err)
		oldKID := ring.KeyID()
		newKID, err := ring.Add(edKey(t, 2))
		require.NoError(t, err)
		require.NoError(t, ring.Promote(newKID))
		remote := newRemote(t, newHandler(t, ring, jwt.JWKSHandlerOptions{MaxAge: time.Minute}), jwt.RemoteKeySetOptions{})
		require.NoError(t, jwt.Verify(old, remote, nil))

		require.NoError(t, ring.Remove(oldKID))
		time.Sleep(45 * time.Second)
		synctest.Wait()
		require.ErrorIs(t, jwt.Verify(old, remote, nil), jwt.ErrUnknownKey)
		remote.Close()
	})
}

func TestRemoteKeySetLifetime(t *testing.T) {
	k := edKey(t, 1).WithKeyID("k")
	body := setOf(t, k)
	tests := []struct {
		name         string
		cacheControl []string
		age          string
		want         time.Duration
	}{
		{name: "max-age", cacheControl: []string{"max-age=300"}, want: 300 * time.Second},
		{name: "no Cache-Control: MaxRefreshInterval, 1 hour by default", want: time.Hour},
		{name: "raised to MinRefreshInterval, 1 minute by default", cacheControl: []string{"max-age=5"}, want: time.Minute},
		{name: "capped at MaxRefreshInterval", cacheControl: []string{"max-age=86400"}, want: time.Hour},
		{name: "with other directives", cacheControl: []string{"public, max-age=600, must-revalidate"}, want: 600 * time.Second},
		{name: "directive name in capitals", cacheControl: []string{"MAX-AGE=120"}, want: 120 * time.Second},
		{name: "quoted", cacheControl: []string{`max-age="120"`}, want: 120 * time.Second},
		{name: "smallest of several", cacheControl: []string{"max-age=300", "max-age=120"}, want: 120 * time.Second},
		{name: "invalid max-age counts as 0", cacheControl: []string{"max-age=soon"}, want: time.Minute},
		{name: "no-cache", cacheControl: []string{"no-cache"}, want: time.Minute},
		{name: "no-store", cacheControl: []string{"no-store, max-age=600"}, want: time.Minute},
		{name: "huge max-age", cacheControl: []string{"max-age=99999999999999999999999"}, want: time.Hour},
		{name: "less Age", cacheControl: []string{"max-age=600"}, age: "100", want: 500 * time.Second},
		{name: "invalid Age ignored", cacheControl: []string{"max-age=600"}, age: "-5", want: 600 * time.Second},
		{name: "unrelated directives only", cacheControl: []string{"public"}, want: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			iss := newIssuer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				for _, v := range tt.cacheControl {
					w.Header().Add("Cache-Control", v)
				}
				if tt.age != "" {
					w.Header().Set("Age", tt.age)
				}
				w.Write(body)
			}))
			remote := newRemote(t, iss, jwt.RemoteKeySetOptions{Now: clk.Now, MaxStale: -1})
			iss.serve(respond(http.StatusServiceUnavailable, "", nil))

			clk.Advance(tt.want - time.Second)
			_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.NoError(t, err)
			clk.Advance(time.Second)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.ErrorIs(t, err, jwt.ErrKeySetUnavailable)
			require.ErrorIs(t, err, jwt.ErrKeySetFetch)
		})
	}
	assert.Equal(t, time.Hour, jwt.DefaultMaxRefreshInterval)
}

func TestRemoteKeySetRefreshBounds(t *testing.T) {
	k := edKey(t, 1).WithKeyID("k")
	tests := []struct {
		name     string
		min, max time.Duration
		cc       string
		want     time.Duration
	}{
		{name: "own minimum", min: 10 * time.Minute, cc: "max-age=60", want: 10 * time.Minute},
		{name: "own maximum", max: 2 * time.Minute, cc: "max-age=600", want: 2 * time.Minute},
		{name: "maximum below minimum counts as minimum", min: 5 * time.Minute, max: time.Minute, cc: "max-age=1", want: 5 * time.Minute},
		{name: "negative minimum means the default", min: -1, cc: "max-age=1", want: jwt.DefaultMinRefreshInterval},
		{name: "negative maximum means the default", max: -1, want: jwt.DefaultMaxRefreshInterval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			iss := newIssuer(respond(http.StatusOK, tt.cc, setOf(t, k)))
			remote := newRemote(t, iss, jwt.RemoteKeySetOptions{Now: clk.Now, MaxStale: -1, MinRefreshInterval: tt.min, MaxRefreshInterval: tt.max})
			iss.serve(respond(http.StatusServiceUnavailable, "", nil))
			clk.Advance(tt.want - time.Second)
			_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.NoError(t, err)
			clk.Advance(time.Second)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.ErrorIs(t, err, jwt.ErrKeySetUnavailable)
		})
	}
}

func TestRemoteKeySetMaxStale(t *testing.T) {
	k := edKey(t, 1).WithKeyID("k")
	tests := []struct {
		name     string
		maxStale time.Duration
		want     time.Duration // after the end of the lifetime
	}{
		{name: "defaults to 15 minutes", maxStale: 0, want: 15 * time.Minute},
		{name: "own", maxStale: time.Minute, want: time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			iss := newIssuer(respond(http.StatusOK, "max-age=600", setOf(t, k)))
			var fetchErrs atomic.Int64
			remote := newRemote(t, iss, jwt.RemoteKeySetOptions{Now: clk.Now, MaxStale: tt.maxStale, OnFetchError: func(err error) {
				assert.ErrorIs(t, err, jwt.ErrKeySetFetch)
				fetchErrs.Add(1)
			}})
			iss.serve(respond(http.StatusBadGateway, "", nil))
			clk.Advance(10*time.Minute + tt.want - time.Second)
			_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.NoError(t, err, "a stale set is used while refreshes fail")
			assert.EqualValues(t, 1, iss.fetches.Load(), "readers of a usable set do not fetch")
			clk.Advance(time.Second)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.ErrorIs(t, err, jwt.ErrKeySetUnavailable)
			assert.EqualValues(t, 1, fetchErrs.Load())
		})
	}
	assert.Equal(t, 15*time.Minute, jwt.DefaultMaxStale)
}

func TestRemoteKeySetRecoversAfterOutage(t *testing.T) {
	clk := newClock()
	k := edKey(t, 1).WithKeyID("k")
	good := respond(http.StatusOK, "max-age=60", setOf(t, k))
	iss := newIssuer(good)
	remote := newRemote(t, iss, jwt.RemoteKeySetOptions{Now: clk.Now, MaxStale: -1})
	iss.serve(respond(http.StatusInternalServerError, "", nil))
	clk.Advance(time.Minute)
	_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
	require.ErrorIs(t, err, jwt.ErrKeySetUnavailable)
	iss.serve(good)
	_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
	require.ErrorIs(t, err, jwt.ErrKeySetUnavailable, "no second fetch within MinRefreshInterval")
	assert.EqualValues(t, 2, iss.fetches.Load())
	clk.Advance(time.Minute)
	_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
	require.NoError(t, err)
}

func TestRemoteKeySetBadResponses(t *testing.T) {
	k := edKey(t, 1).WithKeyID("k")
	good := setOf(t, k)
	huge := append(append([]byte(nil), good...), strings.Repeat(" ", jwt.MaxJWKSetSize)...)
	tests := []struct {
		name    string
		handler http.Handler
	}{
		{name: "server error", handler: respond(http.StatusInternalServerError, "", good)},
		{name: "not found", handler: respond(http.StatusNotFound, "", good)},
		{name: "not modified without having asked", handler: respond(http.StatusNotModified, "", nil)},
		{name: "malformed JSON", handler: respond(http.StatusOK, "", []byte(`{"keys":[`))},
		{name: "not a set", handler: respond(http.StatusOK, "", []byte(`[]`))},
		{name: "body over 1 MiB", handler: respond(http.StatusOK, "", huge)},
		{name: "no usable key", handler: respond(http.StatusOK, "", []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"n","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))},
		{name: "encryption key only", handler: respond(http.StatusOK, "", []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"n","use":"enc","alg":"EdDSA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))},
		{name: "secret key", handler: respond(http.StatusOK, "", []byte(`{"keys":[{"kty":"oct","kid":"s","alg":"HS256","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}`))},
		// A published set never holds a private key; refusing it before
		// validating its members keeps a hostile set from costing
		// milliseconds of RSA checks per key.
		{name: "private key", handler: respond(http.StatusOK, "", []byte(`{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","alg":"EdDSA","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}`))},
		{name: "connection dropped", handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })},
		{name: "too slow", handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Long enough for a quick answer on a loaded machine; "too slow"
			// waits it out twice.
			opts := jwt.RemoteKeySetOptions{Timeout: 500 * time.Millisecond}

			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			remote, err := jwt.NewRemoteKeySet(context.Background(), srv.URL, opts)
			require.ErrorIs(t, err, jwt.ErrKeySetFetch, "the first fetch")
			assert.Nil(t, remote)

			clk := newClock()
			iss := newIssuer(respond(http.StatusOK, "", good))
			srv2 := httptest.NewServer(iss)
			defer srv2.Close()
			var fetchErr atomic.Pointer[error]
			opts.Now = clk.Now
			opts.OnFetchError = func(err error) { fetchErr.Store(&err) }
			remote, err = jwt.NewRemoteKeySet(context.Background(), srv2.URL, opts)
			require.NoError(t, err)
			defer remote.Close()
			iss.serve(tt.handler)
			clk.Advance(time.Minute)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "other"})
			require.ErrorIs(t, err, jwt.ErrUnknownKey)
			require.NotNil(t, fetchErr.Load(), "a refetch was made and failed")
			require.ErrorIs(t, *fetchErr.Load(), jwt.ErrKeySetFetch)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.NoError(t, err, "the old set is kept")
		})
	}
}

func TestRemoteKeySetRevalidates(t *testing.T) {
	clk := newClock()
	src, err := jwt.NewStaticJWKS(edKey(t, 1).WithKeyID("k"))
	require.NoError(t, err)
	var notModified atomic.Int64
	h := newHandler(t, src, jwt.JWKSHandlerOptions{MaxAge: time.Minute})
	iss := newIssuer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code == http.StatusNotModified {
			notModified.Add(1)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	remote := newRemote(t, iss, jwt.RemoteKeySetOptions{Now: clk.Now, MaxStale: -1})
	etag := serve(h, http.MethodGet, nil).Header().Get("ETag")
	assert.Equal(t, "application/jwk-set+json, application/json", iss.lastRequest().Get("Accept"))

	clk.Advance(time.Minute)
	_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
	require.NoError(t, err)
	assert.Equal(t, etag, iss.lastRequest().Get("If-None-Match"))
	assert.EqualValues(t, 1, notModified.Load(), "304 renews the set")
	clk.Advance(time.Minute - time.Second)
	_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
	require.NoError(t, err)
	assert.EqualValues(t, 2, iss.fetches.Load())
}

func TestRemoteKeySetFetchTimeout(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		want    time.Duration
	}{
		{name: "defaults to 10 seconds", timeout: 0, want: 10 * time.Second},
		{name: "negative means the default", timeout: -1, want: jwt.DefaultFetchTimeout},
		{name: "own", timeout: 3 * time.Second, want: 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				hang := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
				start := time.Now()
				_, err := jwt.NewRemoteKeySet(context.Background(), issuerURL, jwt.RemoteKeySetOptions{Timeout: tt.timeout, Client: &http.Client{Transport: handlerTransport{hang}}})
				require.ErrorIs(t, err, jwt.ErrKeySetFetch)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, tt.want, time.Since(start))
			})
		})
	}
	assert.Equal(t, 10*time.Second, jwt.DefaultFetchTimeout)
}

func TestRemoteKeySetRetriesInBackground(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := edKey(t, 1).WithKeyID("k")
		good := respond(http.StatusOK, "max-age=100", setOf(t, k))
		iss := newIssuer(good)
		remote := newRemote(t, iss, jwt.RemoteKeySetOptions{MinRefreshInterval: 20 * time.Second})
		iss.serve(respond(http.StatusServiceUnavailable, "", nil))
		time.Sleep(75 * time.Second) // refresh fails
		synctest.Wait()
		assert.EqualValues(t, 2, iss.fetches.Load())
		time.Sleep(20 * time.Second) // retried after MinRefreshInterval
		synctest.Wait()
		assert.EqualValues(t, 3, iss.fetches.Load())
		iss.serve(good)
		time.Sleep(20 * time.Second)
		synctest.Wait()
		assert.EqualValues(t, 4, iss.fetches.Load())
		time.Sleep(74 * time.Second) // back on schedule
		synctest.Wait()
		assert.EqualValues(t, 4, iss.fetches.Load())
		remote.Close()
	})
}

func TestRemoteKeySetClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := edKey(t, 1).WithKeyID("k")
		iss := newIssuer(respond(http.StatusOK, "max-age=60", setOf(t, k)))
		remote := newRemote(t, iss, jwt.RemoteKeySetOptions{})
		require.NoError(t, remote.Close())
		require.NoError(t, remote.Close(), "twice")
		time.Sleep(time.Hour)
		synctest.Wait()
		assert.EqualValues(t, 1, iss.fetches.Load(), "no refresh after Close")
		_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
		require.ErrorIs(t, err, jwt.ErrKeySetUnavailable, "the set ran out and cannot be fetched")
		assert.EqualValues(t, 1, iss.fetches.Load(), "no fetch after Close")
		// synctest.Test fails if a goroutine of the bubble is left.
	})
}

func TestRemoteKeySetContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iss := newIssuer(respond(http.StatusOK, "max-age=60", setOf(t, edKey(t, 1).WithKeyID("k"))))
		ctx, cancel := context.WithCancel(context.Background())
		remote, err := jwt.NewRemoteKeySet(ctx, issuerURL, jwt.RemoteKeySetOptions{Client: &http.Client{Transport: handlerTransport{iss}}})
		require.NoError(t, err)
		cancel()
		synctest.Wait()
		time.Sleep(time.Hour)
		synctest.Wait()
		assert.EqualValues(t, 1, iss.fetches.Load())
		_ = remote
		// No Close: the bubble ends only if the goroutine has returned.
	})
}

// settledGoroutines returns the goroutine count once goroutines left by
// earlier tests (closing connections) have gone.
func settledGoroutines() int {
	n := runtime.NumGoroutine()
	for range 200 {
		time.Sleep(5 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}

func TestRemoteKeySetCloseGoroutines(t *testing.T) {
	iss := newIssuer(respond(http.StatusOK, "", setOf(t, edKey(t, 1).WithKeyID("k"))))
	before := settledGoroutines()
	remote, err := jwt.NewRemoteKeySet(context.Background(), issuerURL, jwt.RemoteKeySetOptions{Client: &http.Client{Transport: handlerTransport{iss}}})
	require.NoError(t, err)
	assert.Equal(t, before+1, runtime.NumGoroutine(), "one refresh goroutine")
	require.NoError(t, remote.Close())
	// The goroutine may still be returning once Close has seen it finish.
	// (Not require.Eventually: it runs the condition in a goroutine.)
	for i := 0; i < 1000 && runtime.NumGoroutine() > before; i++ {
		time.Sleep(time.Millisecond)
	}
	assert.Equal(t, before, runtime.NumGoroutine())
}

func TestNewRemoteKeySetURL(t *testing.T) {
	body := setOf(t, edKey(t, 1))
	tests := []struct {
		name      string
		url       string
		allowHTTP bool
		wantErr   error
	}{
		{name: "https", url: "https://issuer.test/jwks.json"},
		{name: "http to 127.0.0.1", url: "http://127.0.0.1:8080/jwks.json"},
		{name: "http to ::1", url: "http://[::1]/jwks.json"},
		{name: "http to localhost", url: "http://localhost/jwks.json"},
		{name: "http to another host", url: "http://issuer.test/jwks.json", wantErr: jwt.ErrKeySetURL},
		{name: "http to another host, allowed", url: "http://issuer.test/jwks.json", allowHTTP: true},
		{name: "other scheme", url: "ftp://issuer.test/jwks.json", wantErr: jwt.ErrKeySetURL},
		{name: "relative", url: "/jwks.json", wantErr: jwt.ErrKeySetURL},
		{name: "not a URL", url: "https://[::1", wantErr: jwt.ErrKeySetURL},
		{name: "opaque", url: "https:issuer.test", wantErr: jwt.ErrKeySetURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(respond(http.StatusOK, "", body))
			r, err := jwt.NewRemoteKeySet(context.Background(), tt.url, jwt.RemoteKeySetOptions{
				Client:            &http.Client{Transport: handlerTransport{iss}},
				InsecureAllowHTTP: tt.allowHTTP,
			})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, r)
				assert.EqualValues(t, 0, iss.fetches.Load())
				return
			}
			require.NoError(t, err)
			require.NoError(t, r.Close())
		})
	}
}

func TestRemoteKeySetConstructorContext(t *testing.T) {
	iss := newIssuer(respond(http.StatusOK, "", setOf(t, edKey(t, 1))))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := jwt.NewRemoteKeySet(ctx, issuerURL, jwt.RemoteKeySetOptions{Client: &http.Client{Transport: handlerTransport{iss}}})
	require.ErrorIs(t, err, jwt.ErrKeySetFetch)
	assert.Nil(t, r)
}

// FuzzRemoteKeySetBody feeds any body to a RemoteKeySet: it must not
// panic, and a set it takes must hold only usable public keys.
func FuzzRemoteKeySetBody(f *testing.F) {
	f.Add(setOf(f, edKey(f, 1)), "max-age=60")
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA","alg":"HS256"}]}`), "no-cache")
	f.Add([]byte(`{"keys":[]}`), "max-age=-1, max-age=\"")
	f.Fuzz(func(t *testing.T, body []byte, cc string) {
		iss := respond(http.StatusOK, "", body)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Cache-Control"] = []string{cc}
			iss.ServeHTTP(w, r)
		})
		r, err := jwt.NewRemoteKeySet(context.Background(), issuerURL, jwt.RemoteKeySetOptions{Client: &http.Client{Transport: handlerTransport{h}}})
		if err != nil {
			require.ErrorIs(t, err, jwt.ErrKeySetFetch)
			return
		}
		defer r.Close()
		set, err := jwt.ParseJWKSet(body)
		require.NoError(t, err)
		for _, k := range set.Keys {
			_, secret := k.Key.([]byte)
			require.False(t, secret)
		}
	})
}

// FuzzJWKSHandlerIfNoneMatch: any If-None-Match gives 200 with the set or
// 304 without it, never a panic.
func FuzzJWKSHandlerIfNoneMatch(f *testing.F) {
	src, err := jwt.NewStaticJWKS(edKey(f, 1))
	require.NoError(f, err)
	h := newHandler(f, src, jwt.JWKSHandlerOptions{})
	etag := serve(h, http.MethodGet, nil).Header().Get("ETag")
	for _, seed := range []string{etag, "W/" + etag, "*", `"a", ` + etag, `W/"`, `"`, ",,,"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, inm string) {
		rec := serve(h, http.MethodGet, http.Header{"If-None-Match": {inm}})
		switch rec.Code {
		case http.StatusOK:
			require.NotEmpty(t, rec.Body.Bytes())
		case http.StatusNotModified:
			require.Empty(t, rec.Body.Bytes())
			require.True(t, strings.Contains(inm, strings.Trim(etag, `"`)) || strings.Contains(inm, "*"))
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}

func BenchmarkRemoteKeySetVerify(b *testing.B) {
	k := edKey(b, 1).WithKeyID("k")
	iss := newIssuer(respond(http.StatusOK, "", setOf(b, k)))
	remote := newRemote(b, iss, jwt.RemoteKeySetOptions{})
	tok, err := jwt.Sign(k, claimsAt(time.Now(), time.Hour))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := jwt.Verify(tok, remote, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJWKSHandler(b *testing.B) {
	r, err := jwt.NewKeyRing(edKey(b, 1), jwt.KeyRingOptions{})
	require.NoError(b, err)
	h := newHandler(b, r, jwt.JWKSHandlerOptions{})
	req := httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
