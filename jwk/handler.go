package jwk

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

	"github.com/jwtpair/jwt"
)

// ContentType is the media type of a JWK Set (RFC 7517 §8.5). It is what
// a [Handler] sends; clients that expect application/json accept it, as
// the widespread JOSE libraries do.
const ContentType = "application/jwk-set+json"

// DefaultMaxAge is the max-age a [Handler] sends unless HandlerConfig
// says otherwise: 5 minutes, short enough that a key added to a [KeyRing]
// reaches every cache soon, long enough to spare the issuer.
const DefaultMaxAge = 5 * time.Minute

// Source gives the keys a [Handler] publishes. [*KeyRing] and
// [*StaticSet] are Sources.
type Source interface {
	// PublicSet returns the keys to publish now. The handler publishes
	// only their public members and refuses a key with no alg. It reuses
	// its encoding of a set while PublicSet returns the same *Set, so a
	// source must return a new set, never modify one, when keys change.
	PublicSet() (*Set, error)
}

// StaticSet is a [Source] of keys fixed when it is made. It is safe for
// concurrent use.
type StaticSet struct{ set *Set }

// NewStaticSet returns a source that publishes the public keys of
// verifiers, each a verifier or signer of the jwt package, with its key ID
// as kid or, when it has none, its RFC 7638 thumbprint; its algorithm as
// alg; and use "sig". At least one key is needed ([jwt.ErrInvalidKey]); a
// [jwt.HMAC] is refused with [jwt.ErrKeyMismatch], and two keys with one
// key ID with [jwt.ErrDuplicateKeyID].
func NewStaticSet(verifiers ...jwt.Verifier) (*StaticSet, error) {
	if len(verifiers) == 0 {
		return nil, fmt.Errorf("%w: no key to publish", jwt.ErrInvalidKey)
	}
	set := &Set{}
	seen := make(map[string]bool, len(verifiers))
	for _, v := range verifiers {
		if v == nil {
			return nil, fmt.Errorf("%w: nil verifier", jwt.ErrInvalidKey)
		}
		k, err := Public(v)
		if err != nil {
			return nil, err
		}
		if k.KeyID == "" {
			if k.KeyID, err = k.Thumbprint(); err != nil {
				return nil, err
			}
		}
		if seen[k.KeyID] {
			return nil, fmt.Errorf("%w: %q", jwt.ErrDuplicateKeyID, k.KeyID)
		}
		seen[k.KeyID] = true
		set.Keys = append(set.Keys, k)
	}
	return &StaticSet{set: set}, nil
}

// PublicSet returns the keys of s. The set must not be modified.
func (s *StaticSet) PublicSet() (*Set, error) { return s.set, nil }

// HandlerConfig configures a [Handler]. The zero value is ready to use.
type HandlerConfig struct {
	// MaxAge is sent as Cache-Control max-age, in whole seconds: how long
	// clients may use the set without asking again. Zero means
	// DefaultMaxAge. A negative MaxAge is refused with [jwt.ErrConfig].
	MaxAge time.Duration
	// NoCache sends Cache-Control no-cache instead of a max-age, which
	// makes clients revalidate before each use (they then get 304 Not
	// Modified while the set is unchanged). MaxAge must then be zero.
	// False (the default) sends max-age.
	NoCache bool
}

// Handler serves a JWK Set, as at /.well-known/jwks.json, for the
// verifiers of another service, such as a [RemoteSet]. It answers GET and
// HEAD with the public members of its source's keys, each with kid and
// alg, as [ContentType]; with Cache-Control max-age; and with a strong
// ETag, the SHA-256 of the body, answering a matching If-None-Match with
// 304 Not Modified. Other methods get 405 with Allow: GET, HEAD. When the
// source fails, or holds a key that cannot be published, it answers 500
// with a fixed body that says nothing of the keys.
//
// A Handler is safe for concurrent use, and its encoding is computed once
// per set.
type Handler struct {
	src          Source
	cacheControl string
	last         atomic.Pointer[setBody]
}

// setBody is the encoding of one set.
type setBody struct {
	set  *Set
	body []byte
	etag string
}

// NewHandler returns a handler serving src. It encodes src's keys once
// and returns the error of a source that fails or holds a key that cannot
// be published: a secret, a key of an unknown type, or a key without alg
// ([jwt.ErrInvalidKey]). A configuration that cannot work, such as a
// negative MaxAge, is refused with [jwt.ErrConfig].
func NewHandler(src Source, cfg HandlerConfig) (*Handler, error) {
	switch {
	case src == nil:
		return nil, fmt.Errorf("%w: no key source", jwt.ErrInvalidKey)
	case cfg.MaxAge < 0:
		return nil, fmt.Errorf("%w: negative MaxAge", jwt.ErrConfig)
	case cfg.NoCache && cfg.MaxAge != 0:
		return nil, fmt.Errorf("%w: NoCache with a MaxAge", jwt.ErrConfig)
	}
	h := &Handler{src: src, cacheControl: "no-cache"}
	if !cfg.NoCache {
		age := cfg.MaxAge
		if age == 0 {
			age = DefaultMaxAge
		}
		h.cacheControl = "public, max-age=" + strconv.FormatInt(int64(age/time.Second), 10)
	}
	if _, err := h.body(); err != nil {
		return nil, err
	}
	return h, nil
}

// body returns the encoding of the source's current set.
func (h *Handler) body() (*setBody, error) {
	set, err := h.src.PublicSet()
	if err != nil {
		return nil, err
	}
	if b := h.last.Load(); b != nil && b.set == set {
		return b, nil
	}
	data, err := encodePublic(set)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	b := &setBody{set: set, body: data, etag: `"` + base64.RawURLEncoding.EncodeToString(sum[:]) + `"`}
	h.last.Store(b)
	return b, nil
}

// encodePublic encodes the public part of every key of set, with kid
// (the thumbprint when the key has none) and alg.
func encodePublic(set *Set) ([]byte, error) {
	if set == nil {
		return nil, fmt.Errorf("%w: no key set", jwt.ErrInvalidKey)
	}
	pub := &Set{Keys: make([]*Key, 0, len(set.Keys))}
	for i, k := range set.Keys {
		var p *Key
		if k != nil {
			p = k.Public()
		}
		if p == nil {
			return nil, fmt.Errorf("%w: key %d has no public part to publish", jwt.ErrInvalidKey, i)
		}
		switch p.Key.(type) {
		case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		default:
			return nil, fmt.Errorf("%w: key %d is not a public key", jwt.ErrInvalidKey, i)
		}
		if p.Algorithm == "" {
			return nil, fmt.Errorf("%w: key %d has no alg", jwt.ErrInvalidKey, i)
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
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	hd.Set("Content-Type", ContentType)
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
