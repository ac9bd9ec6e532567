package jwt

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
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

// Defaults of [RemoteKeySetOptions].
const (
	// DefaultFetchTimeout bounds each fetch of a remote JWK Set.
	DefaultFetchTimeout = 10 * time.Second
	// DefaultMinRefreshInterval is the shortest time between two fetches
	// caused by tokens with an unknown kid, and the shortest lifetime of a
	// fetched set.
	DefaultMinRefreshInterval = time.Minute
	// DefaultMaxRefreshInterval is the longest lifetime of a fetched set,
	// and its lifetime when the response has no Cache-Control max-age.
	DefaultMaxRefreshInterval = time.Hour
	// DefaultMaxStale is how long a set stays in use after its lifetime
	// while every refresh fails.
	DefaultMaxStale = 15 * time.Minute
)

// RemoteKeySetOptions configure a [RemoteKeySet]. The zero value is ready
// to use.
type RemoteKeySetOptions struct {
	// Client makes the requests. Nil means http.DefaultClient. Each
	// request is bounded by Timeout whatever the client's own timeout.
	Client *http.Client
	// Timeout bounds each fetch, including a fetch that VerifierFor waits
	// for. Zero (or negative) means DefaultFetchTimeout.
	Timeout time.Duration
	// MinRefreshInterval is the shortest lifetime given to a fetched set,
	// whatever its Cache-Control says, and the shortest time between the
	// start of a fetch and the start of a fetch caused by a token with an
	// unknown kid, or by the lack of a usable set. Zero (or negative)
	// means DefaultMinRefreshInterval.
	MinRefreshInterval time.Duration
	// MaxRefreshInterval is the longest lifetime given to a fetched set,
	// and its lifetime when the response has no Cache-Control max-age.
	// Zero (or negative) means DefaultMaxRefreshInterval; a value below
	// MinRefreshInterval counts as MinRefreshInterval.
	MaxRefreshInterval time.Duration
	// MaxStale is how long after the end of its lifetime a set is still
	// used while refreshes fail: an issuer that is briefly down does not
	// stop its tokens from verifying, and one that stays down does not keep
	// its old keys trusted forever. Zero means DefaultMaxStale; negative
	// means not at all, so that a set is dropped at the end of its
	// lifetime.
	MaxStale time.Duration
	// InsecureAllowHTTP allows an http URL to a host that is not a
	// loopback address. Keys fetched in clear can be replaced by anyone on
	// the path, who can then sign tokens that verify: set it only on a
	// network you trust entirely. By default (false) the URL must be https,
	// or http to localhost or a loopback address.
	InsecureAllowHTTP bool
	// Now returns the current time. Nil means time.Now. The background
	// refresh sleeps on real timers for the durations Now's times give.
	Now func() time.Time
	// OnFetchError, when not nil, is called with the error of every fetch
	// that fails, from the goroutine that made it: the background refresh
	// or a VerifierFor that fetched. It must not block. Nil means failures
	// are seen only through the errors of VerifierFor and NewRemoteKeySet.
	OnFetchError func(err error)
}

// RemoteKeySet is the [Keys] of a service that verifies the tokens of
// another: it fetches the issuer's JWK Set from a URL, keeps it, and gives
// the key a token's kid names. Give it to [Verify] as any other Keys.
//
// The lifetime of a fetched set is the response's Cache-Control max-age
// (less its Age; no-cache and no-store count as 0), kept between
// MinRefreshInterval and MaxRefreshInterval. A goroutine fetches the set
// again when three quarters of its lifetime have passed, sending the ETag
// it got, so that a 304 Not Modified renews the set without sending it.
// Readers never wait for this refresh. A new set replaces the old whole:
// keys that left it are no longer trusted. A fetch that fails keeps the old
// set, which is used until MaxStale after the end of its lifetime while
// the goroutine retries every MinRefreshInterval.
//
// A token whose kid is not in the set makes VerifierFor fetch the set
// again, at most once per MinRefreshInterval, so that a key the issuer has
// just added is found; concurrent callers share one request and wait for
// it, for at most Timeout. Otherwise the kid is refused with
// [ErrUnknownKey].
//
// Only keys meant for signatures with an alg of this package are used, as
// [JWKSet.KeySet] decides; a set holding a secret ("oct") key, or no usable
// key, is refused, as is a body larger than MaxJWKSetSize.
//
// A RemoteKeySet is safe for concurrent use. Close stops its goroutine.
type RemoteKeySet struct {
	url        string
	client     *http.Client
	timeout    time.Duration
	minRefresh time.Duration
	maxRefresh time.Duration
	maxStale   time.Duration
	now        func() time.Time
	onError    func(error)

	ctx    context.Context // ends with Close or the constructor's context
	cancel context.CancelFunc
	done   chan struct{} // closed when the refresh goroutine returns

	state atomic.Pointer[remoteState]

	mu        sync.Mutex // guards the fields below; never held during I/O
	call      *fetchCall // the fetch in flight, nil when none
	lastFetch time.Time  // start of the last fetch
	lastErr   error      // error of the last fetch
}

// remoteState is one fetched set. It does not change once stored.
type remoteState struct {
	keys      *KeySet
	etag      string
	expires   time.Time // end of the set's lifetime
	refreshAt time.Time // when the goroutine fetches it again
}

// fetchCall is one fetch, shared by every caller that asks while it runs.
type fetchCall struct {
	done chan struct{}
	err  error
}

// NewRemoteKeySet returns a RemoteKeySet for the JWK Set at rawURL, which
// must be https (or see InsecureAllowHTTP), and fetches it before
// returning: a set that cannot be fetched is an error wrapping
// [ErrKeySetFetch], and nothing is left running. The fetch is bounded by ctx
// and by opts.Timeout.
//
// ctx is also the life of the key set: when it is done, the refresh
// goroutine stops, as Close stops it. Pass a context that lasts as long as
// the service, such as context.Background, not a request's context.
func NewRemoteKeySet(ctx context.Context, rawURL string, opts RemoteKeySetOptions) (*RemoteKeySet, error) {
	if err := checkKeySetURL(rawURL, opts.InsecureAllowHTTP); err != nil {
		return nil, err
	}
	r := &RemoteKeySet{
		url:        rawURL,
		client:     opts.Client,
		timeout:    opts.Timeout,
		minRefresh: opts.MinRefreshInterval,
		maxRefresh: opts.MaxRefreshInterval,
		maxStale:   opts.MaxStale,
		now:        opts.Now,
		onError:    opts.OnFetchError,
		done:       make(chan struct{}),
	}
	if r.client == nil {
		r.client = http.DefaultClient
	}
	if r.timeout <= 0 {
		r.timeout = DefaultFetchTimeout
	}
	if r.minRefresh <= 0 {
		r.minRefresh = DefaultMinRefreshInterval
	}
	if r.maxRefresh <= 0 {
		r.maxRefresh = DefaultMaxRefreshInterval
	}
	r.maxRefresh = max(r.maxRefresh, r.minRefresh)
	if r.maxStale == 0 {
		r.maxStale = DefaultMaxStale
	}
	r.maxStale = max(r.maxStale, 0)
	if r.now == nil {
		r.now = time.Now
	}
	r.ctx, r.cancel = context.WithCancel(ctx)
	if err := r.refetch(false); err != nil {
		r.cancel()
		return nil, err
	}
	go r.run(r.state.Load().refreshAt.Sub(r.now()))
	return r, nil
}

func checkKeySetURL(rawURL string, allowHTTP bool) error {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return fmt.Errorf("%w: not an absolute URL", ErrKeySetURL)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); allowHTTP || host == "localhost" || ip != nil && ip.IsLoopback() {
			return nil
		}
		return fmt.Errorf("%w: http to a host that is not loopback", ErrKeySetURL)
	}
	return fmt.Errorf("%w: scheme is neither https nor http", ErrKeySetURL)
}

// Close stops the refresh goroutine and any fetch in flight, and returns
// once the goroutine has returned. The set already fetched stays in use,
// for as long as it would be, but is never fetched again. Close may be
// called more than once; it always returns nil.
func (r *RemoteKeySet) Close() error {
	r.cancel()
	<-r.done
	return nil
}

// usable returns the set, unless there is none or it is stale past
// MaxStale at now.
func (r *RemoteKeySet) usable(now time.Time) *remoteState {
	st := r.state.Load()
	if st == nil || !now.Before(st.expires.Add(r.maxStale)) {
		return nil
	}
	return st
}

// VerifierFor returns the key of the set whose key ID is kid (a token
// without kid gets the key only when the set holds exactly one). When kid
// is not in the set, it fetches the set again, unless a fetch began less
// than MinRefreshInterval ago, and looks once more: a kid still unknown is
// refused with [ErrUnknownKey]. When there is no usable set, it tries to
// fetch one in the same way, and returns an error wrapping
// [ErrKeySetUnavailable] when that fails.
func (r *RemoteKeySet) VerifierFor(ctx context.Context, h Header) (Verifier, error) {
	if st := r.usable(r.now()); st != nil {
		v, err := st.keys.VerifierFor(ctx, h)
		if !errors.Is(err, ErrUnknownKey) {
			return v, err
		}
	}
	err := r.refetch(true)
	st := r.usable(r.now())
	if st == nil {
		if err == nil {
			return nil, ErrKeySetUnavailable
		}
		return nil, fmt.Errorf("%w: %w", ErrKeySetUnavailable, err)
	}
	return st.keys.VerifierFor(ctx, h)
}

// matchHeader is the fast path of Verify: the key whose tokens have
// exactly this encoded header.
func (r *RemoteKeySet) matchHeader(enc string) (Verifier, *Header) {
	if st := r.usable(r.now()); st != nil {
		return st.keys.matchHeader(enc)
	}
	return nil, nil
}

// refetch fetches the set, or waits for the fetch in flight. When limited,
// it does not start a fetch within MinRefreshInterval of the start of the
// last one, and returns the last fetch's error instead. It never holds mu
// during I/O.
func (r *RemoteKeySet) refetch(limited bool) error {
	r.mu.Lock()
	if c := r.call; c != nil {
		r.mu.Unlock()
		<-c.done
		return c.err
	}
	now := r.now()
	if limited && !r.lastFetch.IsZero() && now.Sub(r.lastFetch) < r.minRefresh {
		err := r.lastErr
		r.mu.Unlock()
		return err
	}
	c := &fetchCall{done: make(chan struct{})}
	r.call = c
	r.lastFetch = now
	r.mu.Unlock()

	c.err = r.fetch()

	r.mu.Lock()
	r.call = nil
	r.lastErr = c.err
	r.mu.Unlock()
	close(c.done)
	if c.err != nil && r.onError != nil {
		r.onError(c.err)
	}
	return c.err
}

// fetch makes one request and stores the set it gets.
func (r *RemoteKeySet) fetch() error {
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("%w: key set is closed", ErrKeySetFetch)
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	req.Header.Set("Accept", JWKSContentType+", application/json")
	old := r.state.Load()
	if old != nil && old.etag != "" {
		req.Header.Set("If-None-Match", old.etag)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && old != nil && old.etag != "" {
		now := r.now()
		ttl := r.lifetime(resp.Header)
		r.state.Store(&remoteState{keys: old.keys, etag: old.etag, expires: now.Add(ttl), refreshAt: now.Add(ttl - ttl/4)})
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: status %d", ErrKeySetFetch, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxJWKSetSize+1))
	if err != nil {
		return fmt.Errorf("%w: reading the body: %w", ErrKeySetFetch, err)
	}
	if len(body) > MaxJWKSetSize {
		return fmt.Errorf("%w: body larger than %d bytes", ErrKeySetFetch, MaxJWKSetSize)
	}
	set, err := parseJWKSet(body, true)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	keys, err := set.KeySet()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	now := r.now()
	ttl := r.lifetime(resp.Header)
	r.state.Store(&remoteState{keys: keys, etag: resp.Header.Get("ETag"), expires: now.Add(ttl), refreshAt: now.Add(ttl - ttl/4)})
	return nil
}

// lifetime is the lifetime of a set fetched with the response header h:
// max-age less Age, kept between the refresh bounds.
func (r *RemoteKeySet) lifetime(h http.Header) time.Duration {
	ttl, ok := maxAge(h.Values("Cache-Control"))
	if !ok {
		return r.maxRefresh
	}
	if age, ok := deltaSeconds(strings.TrimSpace(h.Get("Age"))); ok {
		ttl -= age
	}
	return min(max(ttl, r.minRefresh), r.maxRefresh)
}

// maxAge reads the freshness lifetime of the Cache-Control field values
// (RFC 9111 §5.2.2): the smallest max-age when there are several, 0 for
// no-cache or no-store or a max-age that is not a number; ok is false when
// none of these is present.
func maxAge(values []string) (d time.Duration, ok bool) {
	d = time.Duration(1<<63 - 1)
	for _, v := range values {
		for dir := range strings.SplitSeq(v, ",") {
			name, arg, _ := strings.Cut(strings.TrimSpace(dir), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-cache", "no-store":
				d, ok = 0, true
			case "max-age":
				age, valid := deltaSeconds(strings.Trim(strings.TrimSpace(arg), `"`))
				if !valid {
					age = 0
				}
				d, ok = min(d, age), true
			}
		}
	}
	if !ok {
		return 0, false
	}
	return d, true
}

// deltaSeconds parses delta-seconds (RFC 9111 §1.2.2), capping values too
// large for a Duration.
func deltaSeconds(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1<<32 {
			n = n*10 + int64(c-'0')
		}
	}
	return time.Duration(min(n, 1<<32)) * time.Second, true
}

// run is the refresh goroutine: it fetches the set when three quarters of
// its lifetime have passed, and after a failure every MinRefreshInterval,
// until the context ends. Its first wait, wait, is computed before it
// starts, so that the schedule does not depend on when it first runs.
func (r *RemoteKeySet) run(wait time.Duration) {
	defer close(r.done)
	var retryAt time.Time
	st := r.state.Load()
	for {
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-r.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		if r.ctx.Err() != nil {
			return
		}
		if cur := r.state.Load(); cur == st {
			if err := r.refetch(false); err != nil {
				retryAt = r.now().Add(r.minRefresh)
			} else {
				retryAt = time.Time{}
			}
		} // else a VerifierFor fetched meanwhile: follow the new set
		st = r.state.Load()
		next := st.refreshAt
		if next.Before(retryAt) {
			next = retryAt
		}
		wait = next.Sub(r.now())
	}
}
