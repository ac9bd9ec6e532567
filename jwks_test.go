package jwt_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
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
