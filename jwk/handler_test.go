package jwk_test

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
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func serve(h http.Handler, method string, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/.well-known/jwks.json", nil)
	for k, vs := range header {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func newHandler(t testing.TB, src jwk.Source, opts jwk.HandlerConfig) *jwk.Handler {
	t.Helper()
	h, err := jwk.NewHandler(src, opts)
	require.NoError(t, err)
	return h
}

func TestHandlerGet(t *testing.T) {
	rsaSigner, err := jwt.NewRSASigner(jwt.RS256, rsaTestKey(t))
	require.NoError(t, err)
	ec := ecKey(t).WithKeyID("ec-1")
	src, err := jwk.NewStaticSet(rsaSigner, ec, edKey(t, 1).Public())
	require.NoError(t, err)
	rec := serve(newHandler(t, src, jwk.HandlerConfig{}), http.MethodGet, nil)

	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "application/jwk-set+json", rec.Header().Get("Content-Type"))
	assert.Equal(t, "public, max-age=300", rec.Header().Get("Cache-Control"), "max-age defaults to 5 minutes")
	assert.Equal(t, 5*time.Minute, jwk.DefaultMaxAge)
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
	set, err := jwk.ParseSet(rec.Body.Bytes())
	require.NoError(t, err)
	tp, err := set.Keys[0].Thumbprint()
	require.NoError(t, err)
	assert.Equal(t, tp, set.Keys[0].KeyID, "kid defaults to the thumbprint")
	_, err = set.KeySet()
	require.NoError(t, err)
}

func TestHandlerHead(t *testing.T) {
	src, err := jwk.NewStaticSet(edKey(t, 1))
	require.NoError(t, err)
	h := newHandler(t, src, jwk.HandlerConfig{})
	get := serve(h, http.MethodGet, nil)
	head := serve(h, http.MethodHead, nil)
	require.Equal(t, http.StatusOK, head.Code)
	assert.Empty(t, head.Body.Bytes())
	for _, name := range []string{"Content-Type", "Cache-Control", "ETag", "Content-Length"} {
		assert.Equal(t, get.Header().Get(name), head.Header().Get(name), name)
	}
	assert.NotEmpty(t, head.Header().Get("Content-Length"))
}

func TestHandlerMethodNotAllowed(t *testing.T) {
	src, err := jwk.NewStaticSet(edKey(t, 1))
	require.NoError(t, err)
	h := newHandler(t, src, jwk.HandlerConfig{})
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		t.Run(method, func(t *testing.T) {
			rec := serve(h, method, nil)
			assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)
			assert.Equal(t, "GET, HEAD", rec.Header().Get("Allow"))
			assert.NotContains(t, rec.Body.String(), "keys")
		})
	}
}

func TestHandlerConditionalGet(t *testing.T) {
	src, err := jwk.NewStaticSet(edKey(t, 1))
	require.NoError(t, err)
	h := newHandler(t, src, jwk.HandlerConfig{})
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

func TestHandlerMaxAge(t *testing.T) {
	src, err := jwk.NewStaticSet(edKey(t, 1))
	require.NoError(t, err)
	tests := []struct {
		name string
		cfg  jwk.HandlerConfig
		want string
	}{
		{name: "zero means the default", want: "public, max-age=300"},
		{name: "whole seconds", cfg: jwk.HandlerConfig{MaxAge: 90 * time.Second}, want: "public, max-age=90"},
		{name: "fractions dropped", cfg: jwk.HandlerConfig{MaxAge: 1500 * time.Millisecond}, want: "public, max-age=1"},
		{name: "NoCache", cfg: jwk.HandlerConfig{NoCache: true}, want: "no-cache"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(newHandler(t, src, tt.cfg), http.MethodGet, nil)
			assert.Equal(t, tt.want, rec.Header().Get("Cache-Control"))
		})
	}
}

func TestHandlerFollowsRing(t *testing.T) {
	r, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{})
	require.NoError(t, err)
	h := newHandler(t, r, jwk.HandlerConfig{})
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

// sourceFunc is a Source of a function.
type sourceFunc func() (*jwk.Set, error)

func (f sourceFunc) PublicSet() (*jwk.Set, error) { return f() }

func TestNewHandlerRefuses(t *testing.T) {
	edPub := edKey(t, 1).PublicKey()
	static, err := jwk.NewStaticSet(edKey(t, 1))
	require.NoError(t, err)
	tests := []struct {
		name    string
		src     jwk.Source
		cfg     jwk.HandlerConfig
		wantErr error
	}{
		{name: "nil source", src: nil, wantErr: jwt.ErrInvalidKey},
		{name: "negative MaxAge", src: static, cfg: jwk.HandlerConfig{MaxAge: -time.Second}, wantErr: jwt.ErrConfig},
		{name: "NoCache with a MaxAge", src: static, cfg: jwk.HandlerConfig{MaxAge: time.Minute, NoCache: true}, wantErr: jwt.ErrConfig},
		{name: "source fails", src: sourceFunc(func() (*jwk.Set, error) { return nil, jwt.ErrWeakKey }), wantErr: jwt.ErrWeakKey},
		{name: "nil set", src: sourceFunc(func() (*jwk.Set, error) { return nil, nil }), wantErr: jwt.ErrInvalidKey},
		{name: "secret key", src: sourceFunc(func() (*jwk.Set, error) {
			return &jwk.Set{Keys: []*jwk.Key{{Key: make([]byte, 32), Algorithm: jwt.HS256, KeyID: "s"}}}, nil
		}), wantErr: jwt.ErrInvalidKey},
		{name: "key without alg", src: sourceFunc(func() (*jwk.Set, error) {
			return &jwk.Set{Keys: []*jwk.Key{{Key: edPub, KeyID: "e"}}}, nil
		}), wantErr: jwt.ErrInvalidKey},
		{name: "nil key", src: sourceFunc(func() (*jwk.Set, error) { return &jwk.Set{Keys: []*jwk.Key{nil}}, nil }), wantErr: jwt.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := jwk.NewHandler(tt.src, tt.cfg)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, h)
		})
	}
}

func TestHandlerPublishesOnlyPublicMembers(t *testing.T) {
	priv := edKey(t, 1)
	src := sourceFunc(func() (*jwk.Set, error) {
		return &jwk.Set{Keys: []*jwk.Key{{Key: priv.PrivateKey(), Algorithm: jwt.EdDSA, KeyID: "e"}}}, nil
	})
	rec := serve(newHandler(t, src, jwk.HandlerConfig{}), http.MethodGet, nil)
	require.Equal(t, http.StatusOK, rec.Code)
	var raw struct {
		Keys []map[string]any `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &raw))
	require.Len(t, raw.Keys, 1)
	assert.NotContains(t, raw.Keys[0], "d")
	assert.Equal(t, jwtB64.EncodeToString(priv.PublicKey()), raw.Keys[0]["x"])
}

func TestHandlerSourceFailsLater(t *testing.T) {
	var fail atomic.Bool
	ok, err := jwk.NewStaticSet(edKey(t, 1))
	require.NoError(t, err)
	src := sourceFunc(func() (*jwk.Set, error) {
		if fail.Load() {
			return nil, errors.New("secret detail")
		}
		return ok.PublicSet()
	})
	h := newHandler(t, src, jwk.HandlerConfig{})
	fail.Store(true)
	rec := serve(h, http.MethodGet, nil)
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.NotContains(t, rec.Body.String(), "secret detail")
	assert.Empty(t, rec.Header().Get("ETag"))
}

func TestNewStaticSet(t *testing.T) {
	seed, err := b64(rfc8037Seed)
	require.NoError(t, err)
	rfcKey, err := jwt.NewEdDSASigner(jwt.EdDSA, edPrivate(seed))
	require.NoError(t, err)
	hmacKey, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32))
	require.NoError(t, err)

	src, err := jwk.NewStaticSet(rfcKey)
	require.NoError(t, err)
	set, err := src.PublicSet()
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
			s, err := jwk.NewStaticSet(tt.keys...)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, s)
		})
	}
}
