package jwt

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// JWKSContentType is the media type of a JWK Set (RFC 7517 §8.5). It is
// what [JWKSHandler] sends; clients that expect application/json accept it,
// as the widespread JOSE libraries do.
const JWKSContentType = "application/jwk-set+json"

// DefaultJWKSMaxAge is the max-age a [JWKSHandler] sends unless
// JWKSHandlerOptions.MaxAge says otherwise: 5 minutes, short enough that a
// key added to a [KeyRing] reaches every cache soon, long enough to spare
// the issuer.
const DefaultJWKSMaxAge = 5 * time.Minute

// JWKSSource gives the keys a [JWKSHandler] publishes. [*KeyRing] and
// [*StaticJWKS] are JWKSSources.
type JWKSSource interface {
	// PublicJWKSet returns the keys to publish now. The handler publishes
	// only their public members and refuses a key with no alg. It reuses
	// its encoding of a set while PublicJWKSet returns the same *JWKSet, so
	// a source must return a new set, never modify one, when keys change.
	PublicJWKSet() (*JWKSet, error)
}

// StaticJWKS is a [JWKSSource] of keys fixed when it is made.
type StaticJWKS struct{ set *JWKSet }

// NewStaticJWKS returns a source that publishes the public keys of
// verifiers, each a verifier or signer of this package, with its key ID as
// kid or, when it has none, its RFC 7638 thumbprint; its algorithm as alg;
// and use "sig". At least one key is needed ([ErrInvalidKey]); an [HMAC] is
// refused with [ErrKeyMismatch], and two keys with one key ID with
// [ErrDuplicateKeyID].
func NewStaticJWKS(verifiers ...Verifier) (*StaticJWKS, error) {
	if len(verifiers) == 0 {
		return nil, fmt.Errorf("%w: no key to publish", ErrInvalidKey)
	}
	set := &JWKSet{}
	seen := make(map[string]bool, len(verifiers))
	for _, v := range verifiers {
		if v == nil {
			return nil, fmt.Errorf("%w: nil verifier", ErrInvalidKey)
		}
		k, err := PublicJWK(v)
		if err != nil {
			return nil, err
		}
		if k.KeyID == "" {
			if k.KeyID, err = k.Thumbprint(); err != nil {
				return nil, err
			}
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("%w: %q", ErrDuplicateKeyID, k.KeyID)
		}
		seen[k.KeyID] = true
		set.Keys = append(set.Keys, k)
	}
	return &StaticJWKS{set: set}, nil
}

// PublicJWKSet returns the keys of s. The set must not be modified.
func (s *StaticJWKS) PublicJWKSet() (*JWKSet, error) { return s.set, nil }

// JWKSHandlerOptions configure a [JWKSHandler]. The zero value is ready to
// use.
type JWKSHandlerOptions struct {
	// MaxAge is sent as Cache-Control max-age, in whole seconds: how long
	// clients may use the set without asking again. Zero means
	// DefaultJWKSMaxAge; negative sends "no-cache", which makes clients
	// revalidate before each use (they then get 304 Not Modified while the
	// set is unchanged).
	MaxAge time.Duration
}

// JWKSHandler serves a JWK Set, as at /.well-known/jwks.json, for the
// verifiers of another service, such as a [RemoteKeySet]. It answers GET
// and HEAD with the public members of its source's keys, each with kid and
// alg, as [JWKSContentType]; with Cache-Control max-age; and with a strong
// ETag, the SHA-256 of the body, answering a matching If-None-Match with
// 304 Not Modified. Other methods get 405 with Allow: GET, HEAD. When the
// source fails, or holds a key that cannot be published, it answers 500
// with a fixed body that says nothing of the keys.
//
// A JWKSHandler is safe for concurrent use, and its encoding is computed
// once per set.
type JWKSHandler struct {
	src          JWKSSource
	cacheControl string
	last         atomic.Pointer[jwksBody]
}

// jwksBody is the encoding of one set.
type jwksBody struct {
	set  *JWKSet
	body []byte
	etag string
}

// NewJWKSHandler returns a handler serving src. It encodes src's keys once
// and returns the error of a source that fails or holds a key that cannot
// be published: a secret, a key of an unknown type, or a key without alg
// ([ErrInvalidKey]).
func NewJWKSHandler(src JWKSSource, opts JWKSHandlerOptions) (*JWKSHandler, error) {
	if src == nil {
		return nil, fmt.Errorf("%w: no key source", ErrInvalidKey)
	}
	h := &JWKSHandler{src: src, cacheControl: "no-cache"}
	if opts.MaxAge >= 0 {
		age := opts.MaxAge
		if age == 0 {
			age = DefaultJWKSMaxAge
		}
		h.cacheControl = "public, max-age=" + strconv.FormatInt(int64(age/time.Second), 10)
	}
	if _, err := h.body(); err != nil {
		return nil, err
	}
	return h, nil
}

// body returns the encoding of the source's current set.
func (h *JWKSHandler) body() (*jwksBody, error) {
	set, err := h.src.PublicJWKSet()
	if err != nil {
		return nil, err
	}
	if b := h.last.Load(); b != nil && b.set == set {
		return b, nil
	}
	data, err := encodePublicJWKS(set)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	b := &jwksBody{set: set, body: data, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`}
	h.last.Store(b)
	return b, nil
}

// encodePublicJWKS encodes the public part of every key of set, with kid
// (the thumbprint when the key has none) and alg.
func encodePublicJWKS(set *JWKSet) ([]byte, error) {
	if set == nil {
		return nil, fmt.Errorf("%w: no key set", ErrInvalidKey)
	}
	pub := &JWKSet{Keys: make([]*JWK, 0, len(set.Keys))}
	for i, k := range set.Keys {
		var p *JWK
		if k != nil {
			p = k.Public()
		}
		if p == nil {
			return nil, fmt.Errorf("%w: key %d has no public part to publish", ErrInvalidKey, i)
		}
		switch p.Key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			return nil, fmt.Errorf("%w: key %d is not a public key", ErrInvalidKey, i)
		}
		if p.Algorithm == "" {
			return nil, fmt.Errorf("%w: key %d has no alg", ErrInvalidKey, i)
		}
		p.Certificates = nil
		if p.KeyID == "" {
			tp, err := p.Thumbprint()
			if err != nil {
				return nil, err
			}
			p.KeyID = tp
		}
		pub.Keys = append(pub.Keys, p)
	}
	return pub.MarshalJSON()
}

// ServeHTTP answers a request for the JWK Set.
func (h *JWKSHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	b, err := h.body()
	if err != nil {
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Cache-Control", h.cacheControl)
	hd.Set("ETag", b.etag)
	if etagMatches(r.Header.Values("If-None-Match"), b.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hd.Set("Content-Type", JWKSContentType)
	hd.Set("Content-Length", strconv.Itoa(len(b.body)))
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(b.body) //nolint:errcheck // the client went away; nothing to do
	}
}

// etagMatches reports whether the If-None-Match field values match etag,
// with the weak comparison RFC 9110 §13.1.2 prescribes: "*", or a listed
// entity tag whose opaque part equals etag's, W/ or not.
func etagMatches(values []string, etag string) bool {
	for _, v := range values {
		for {
			v = strings.TrimLeft(v, " \t,")
			if v == "" {
				break
			}
			if v[0] == '*' {
				return true
			}
			v = strings.TrimPrefix(v, "W/")
			if v == "" || v[0] != '"' {
				break // not an entity tag: ignore the rest of the field
			}
			end := strings.IndexByte(v[1:], '"')
			if end < 0 {
				break
			}
			if v[:end+2] == etag {
				return true
			}
			v = v[end+2:]
		}
	}
	return false
}
