package jwk

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtpair/jwt"
)

// Defaults of [RemoteSetConfig].
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

// RemoteSetConfig configures a [RemoteSet]. The zero value is ready to
// use. A negative duration is refused with [jwt.ErrConfig].
type RemoteSetConfig struct {
	// Client makes the requests. Nil means http.DefaultClient. Each
	// request is bounded by Timeout whatever the client's own timeout. A
	// redirect to a URL that NewRemoteSet would refuse, such as http to a
	// host that is not loopback, is refused before the client's own
	// CheckRedirect is asked.
	Client *http.Client
	// Timeout bounds each fetch, including a fetch that VerifierFor waits
	// for. Zero means DefaultFetchTimeout.
	Timeout time.Duration
	// MinRefreshInterval is the shortest lifetime given to a fetched set,
	// whatever its Cache-Control says, and the shortest time between the
	// start of a fetch and the start of a fetch caused by a token with an
	// unknown kid, or by the lack of a usable set. Zero means
	// DefaultMinRefreshInterval.
	MinRefreshInterval time.Duration
	// MaxRefreshInterval is the longest lifetime given to a fetched set,
	// and its lifetime when the response has no Cache-Control max-age.
	// Zero means DefaultMaxRefreshInterval; a value below the minimum
	// counts as the minimum.
	MaxRefreshInterval time.Duration
	// MaxStale is how long after the end of its lifetime a set is still
	// used while refreshes fail: an issuer that is briefly down does not
	// stop its tokens from verifying, and one that stays down does not keep
	// its old keys trusted forever. Zero means DefaultMaxStale.
	MaxStale time.Duration
	// NoStale drops a set at the end of its lifetime: it is never used
	// stale, and tokens stop verifying as soon as the issuer cannot be
	// reached. MaxStale must then be zero. False (the default) uses a
	// stale set for MaxStale.
	NoStale bool
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
	// that fails, from the goroutine that made it, before any caller
	// waiting for the fetch goes on. It must not block. Nil means failures
	// are seen only through the errors of VerifierFor, Ready and
	// NewRemoteSet.
	OnFetchError func(err error)

	// Algorithms lists the algorithms the keys may verify, as
	// KeysConfig.Algorithms does: nil means each key's alg, or for a key
	// without alg the algorithm its type is commonly published for (RS256
	// for RSA, the curve's ES algorithm for EC, EdDSA and Ed25519 for
	// Ed25519). An HMAC algorithm is refused with [jwt.ErrConfig]: a
	// published set holds no secret.
	Algorithms []jwt.Algorithm
	// OnSkippedKey, when not nil, is called for each key left out of each
	// set fetched, with its kid (empty when it has none) and why: a key
	// too weak ([jwt.ErrWeakKey]), of a type or curve this package does
	// not implement, or malformed ([jwt.ErrInvalidKey]), for encryption,
	// private, or not fitting its alg ([jwt.ErrKeyMismatch]), with an alg
	// the jwt package does not implement or Algorithms does not allow
	// ([jwt.ErrUnsupportedAlgorithm]), or sharing its kid with another key
	// ([jwt.ErrDuplicateKeyID]). It is called from the goroutine that
	// fetched, and must not block. Nil means skipped keys are seen only
	// when no key is left, in the error of the fetch.
	OnSkippedKey func(kid string, err error)
	// StartUnready makes the constructor return without waiting for the
	// first fetch, which then runs in the background and, while it fails,
	// is retried after about a second, then two, four and so on up to
	// MinRefreshInterval, each wait drawn at random between its half and
	// its whole so that instances started together do not retry
	// together. Until a set arrives, VerifierFor refuses every token with
	// an error wrapping [ErrKeySetUnavailable], and Ready says when it
	// has arrived. Set it in a service that may start before the issuer
	// can be reached, as services started together do, and ask Ready from
	// the service's readiness check.
	//
	// False (the default): the constructor fetches before returning and
	// fails when it cannot, so that a wrong URL, a wrong issuer or a set
	// with no usable key stops the service at start, where it is seen,
	// rather than making every request fail.
	StartUnready bool
}

// check refuses a configuration that cannot work.
func (c *RemoteSetConfig) check() error {
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"Timeout", c.Timeout},
		{"MinRefreshInterval", c.MinRefreshInterval},
		{"MaxRefreshInterval", c.MaxRefreshInterval},
		{"MaxStale", c.MaxStale},
	} {
		if d.v < 0 {
			return fmt.Errorf("%w: negative %s", jwt.ErrConfig, d.name)
		}
	}
	if c.NoStale && c.MaxStale != 0 {
		return fmt.Errorf("%w: NoStale with a MaxStale", jwt.ErrConfig)
	}
	return checkAlgorithms(c.Algorithms, true)
}

// RemoteSet is the [jwt.Keys] of a service that verifies the tokens of
// another: it fetches the issuer's JWK Set from a URL, given or found by
// discovery ([NewDiscoveredSet]), keeps it, and gives the key a token's
// kid names, for the token's alg. Give it to [jwt.Verify] as any other
// Keys.
//
// The lifetime of a fetched set is the response's Cache-Control max-age
// (less its Age; no-cache and no-store count as 0), kept between
// MinRefreshInterval and MaxRefreshInterval. A goroutine fetches the set
// again when three quarters of its lifetime have passed, sending the ETag
// it got, so that a 304 Not Modified renews the set without sending it.
// Readers never wait for this refresh. A new set replaces the old whole:
// keys that left it are no longer trusted. A fetch that fails keeps the old
// set, which is used until MaxStale after the end of its lifetime while
// the goroutine retries every MinRefreshInterval. With no set to use (at
// the start with StartUnready, or past MaxStale) it retries sooner: after
// about a second, then two, four and so on up to MinRefreshInterval, each
// wait drawn at random between its half and its whole.
//
// A token whose kid is not in the set makes VerifierFor fetch the set
// again, at most once per MinRefreshInterval, so that a key the issuer has
// just added is found; concurrent callers share one request and wait for
// it, each for at most Timeout and no longer than its own context lasts.
// Otherwise the kid is refused with [jwt.ErrUnknownKey].
//
// The set is read leniently per key and strictly as a document, since an
// identity provider's set often holds keys this package cannot or should
// not use beside those that sign its tokens. Each key is used as [Keys]
// uses it, with the algorithms of RemoteSetConfig.Algorithms; a key that
// cannot be used (too weak, of an unknown type or curve, for encryption,
// private, malformed, with an alg the jwt package does not implement) is
// left out and reported to OnSkippedKey, and the others are used. A set
// with no usable key is refused with an error that says why each key was
// left out, and so is a body that is not one strict JSON object with a
// keys array, or is larger than [MaxSetSize].
//
// A RemoteSet is safe for concurrent use. Close stops its goroutines.
type RemoteSet struct {
	issuer     string // the issuer whose metadata names the set's URL; empty when the URL is given
	allowHTTP  bool
	client     *http.Client
	timeout    time.Duration
	minRefresh time.Duration
	maxRefresh time.Duration
	maxStale   time.Duration
	now        func() time.Time
	onError    func(error)
	onSkipped  func(string, error)
	algorithms []jwt.Algorithm

	// url is the set's URL: given, or found by the first discovery that
	// succeeds. Only fetch uses it, and fetches never overlap.
	url string

	ctx      context.Context // ends with Close or the constructor's context
	cancel   context.CancelFunc
	done     chan struct{}  // closed when the refresh goroutine returns
	fetchers sync.WaitGroup // the fetches VerifierFor started

	state atomic.Pointer[remoteState]

	mu        sync.Mutex    // guards the fields below; never held during I/O
	call      *fetchCall    // the fetch in flight, nil when none
	lastFetch time.Time     // start of the last fetch
	lastErr   error         // error of the last fetch
	closed    bool          // Close was called: no fetch starts
	changed   chan struct{} // closed, and replaced, when a fetch ends
}

// remoteState is one fetched set. It does not change once stored.
type remoteState struct {
	keys      *Keys
	etag      string
	expires   time.Time // end of the set's lifetime
	refreshAt time.Time // when the goroutine fetches it again
}

// fetchCall is one fetch, shared by every caller that asks while it runs.
type fetchCall struct {
	done chan struct{} // closed once err is set
	err  error
}

// NewRemoteSet returns a RemoteSet for the JWK Set at rawURL, which must
// be https (or see InsecureAllowHTTP), and fetches it before returning: a
// set that cannot be fetched is an error wrapping [ErrKeySetFetch], and
// nothing is left running. The fetch is bounded by ctx and by cfg.Timeout.
// With cfg.StartUnready it returns at once and fetches in the background.
// A URL that cannot be used is refused with [ErrKeySetURL], a
// configuration that cannot work with [jwt.ErrConfig].
//
// ctx is also the life of the key set: when it is done, the refresh
// goroutine stops, as Close stops it. Pass a context that lasts as long as
// the service, such as context.Background, not a request's context.
func NewRemoteSet(ctx context.Context, rawURL string, cfg RemoteSetConfig) (*RemoteSet, error) {
	if err := checkKeySetURL(rawURL, cfg.InsecureAllowHTTP); err != nil {
		return nil, err
	}
	return newRemoteSet(ctx, "", rawURL, cfg)
}

// NewDiscoveredSet returns a RemoteSet for the keys of the issuer whose
// identifier is issuer, such as "https://login.example.com/tenant/v2.0",
// as NewRemoteSet does for a URL it is given. The set's URL is the
// jwks_uri of the issuer's metadata, fetched from the URL of OpenID
// Connect Discovery 1.0 (issuer + "/.well-known/openid-configuration")
// or, when that answers another status than 200 OK, from the URL of
// [RFC 8414] (https://host/.well-known/oauth-authorization-server/path).
// The metadata's issuer must equal issuer exactly, as both specifications
// require: otherwise the metadata is refused with [ErrDiscovery], so that
// one issuer's document can never stand for another's. The jwks_uri must
// pass the rules of NewRemoteSet's URL.
//
// issuer must be an absolute https URL without query or fragment (or
// http, see InsecureAllowHTTP), else [ErrKeySetURL] is returned. The
// metadata is fetched as part of the first fetch of the set, under the
// same Timeout, and again before each fetch until it succeeds once; the
// URL it gives is then kept for the life of the RemoteSet. Errors of
// discovery wrap [ErrKeySetFetch] and [ErrDiscovery].
//
// [RFC 8414]: https://www.rfc-editor.org/rfc/rfc8414
func NewDiscoveredSet(ctx context.Context, issuer string, cfg RemoteSetConfig) (*RemoteSet, error) {
	if err := checkIssuerURL(issuer, cfg.InsecureAllowHTTP); err != nil {
		return nil, err
	}
	return newRemoteSet(ctx, issuer, "", cfg)
}

// newRemoteSet is NewRemoteSet with a URL already checked, or with an
// issuer to discover it from when url is empty.
func newRemoteSet(ctx context.Context, issuer, url string, cfg RemoteSetConfig) (*RemoteSet, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	r := &RemoteSet{
		issuer:     issuer,
		url:        url,
		allowHTTP:  cfg.InsecureAllowHTTP,
		client:     redirectChecked(cfg.Client, cfg.InsecureAllowHTTP),
		timeout:    cmp.Or(cfg.Timeout, DefaultFetchTimeout),
		minRefresh: cmp.Or(cfg.MinRefreshInterval, DefaultMinRefreshInterval),
		maxRefresh: cmp.Or(cfg.MaxRefreshInterval, DefaultMaxRefreshInterval),
		maxStale:   cmp.Or(cfg.MaxStale, DefaultMaxStale),
		now:        cfg.Now,
		onError:    cfg.OnFetchError,
		onSkipped:  cfg.OnSkippedKey,
		algorithms: slices.Clone(cfg.Algorithms),
		done:       make(chan struct{}),
		changed:    make(chan struct{}),
	}
	r.maxRefresh = max(r.maxRefresh, r.minRefresh)
	if cfg.NoStale {
		r.maxStale = 0
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.ctx, r.cancel = context.WithCancel(ctx)
	if cfg.StartUnready {
		go r.run(0)
		return r, nil
	}
	// The first fetch runs here: there is no other caller to share it.
	if err := r.refetch(r.ctx, false, false); err != nil {
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
	return checkScheme(u, allowHTTP)
}

// checkScheme accepts https, and http to a loopback host or when
// allowHTTP is set.
func checkScheme(u *url.URL, allowHTTP bool) error {
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

// redirectChecked returns a copy of c (nil: http.DefaultClient) that
// refuses to follow a redirect to a URL NewRemoteSet would refuse, such
// as http to a host that is not loopback, before asking c's own
// CheckRedirect, if any, or stopping after 10 redirects as the default
// does.
func redirectChecked(c *http.Client, allowHTTP bool) *http.Client {
	if c == nil {
		c = http.DefaultClient
	}
	cc := *c
	next := c.CheckRedirect
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if err := checkScheme(req.URL, allowHTTP); err != nil {
			return fmt.Errorf("redirected: %w", err)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &cc
}

// Close stops the refresh goroutine and any fetch in flight, and returns
// once every goroutine of r has returned. The set already fetched stays in
// use, for as long as it would be, but is never fetched again. Close may
// be called more than once; it always returns nil.
func (r *RemoteSet) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	<-r.done
	r.fetchers.Wait()
	return nil
}

// usable returns the set, unless there is none or it is stale past
// MaxStale at now.
func (r *RemoteSet) usable(now time.Time) *remoteState {
	st := r.state.Load()
	if st == nil || !now.Before(st.expires.Add(r.maxStale)) {
		return nil
	}
	return st
}

// Ready returns nil once r holds a set it may use, waiting for one while
// it has none: at the start with StartUnready, or after the set went
// stale past MaxStale. When ctx ends first, or r is closed with no set,
// it returns an error wrapping [ErrKeySetUnavailable], the error of the
// last fetch, if any, and ctx.Err(). It never starts a fetch of its own.
//
// A readiness check asks it with the probe's context, or with one that
// is already done to answer without waiting; a service that must not
// take requests before it can verify them waits on it at start.
func (r *RemoteSet) Ready(ctx context.Context) error {
	for {
		r.mu.Lock()
		changed, last := r.changed, r.lastErr
		r.mu.Unlock()
		if r.usable(r.now()) != nil {
			return nil
		}
		select {
		case <-changed:
		case <-r.ctx.Done():
			return unavailable(last, errors.New("the key set is closed"))
		case <-ctx.Done():
			return unavailable(last, fmt.Errorf("stopped waiting for the key set: %w", ctx.Err()))
		}
	}
}

// unavailable is ErrKeySetUnavailable with the last fetch's error, if
// any, and why the caller stopped waiting.
func unavailable(last, why error) error {
	if last == nil {
		return fmt.Errorf("%w: %w", ErrKeySetUnavailable, why)
	}
	return fmt.Errorf("%w: %w; %w", ErrKeySetUnavailable, last, why)
}

// VerifierFor returns the key of the set whose key ID is kid, for the
// token's alg (a token without kid gets the key only when the set holds
// exactly one; an alg the key does not verify is refused with
// [jwt.ErrAlgorithm]). When kid is not in the set, it fetches the set
// again, unless a fetch began less than MinRefreshInterval ago, and looks
// once more: a kid still unknown is refused with [jwt.ErrUnknownKey]. When
// there is no usable set, it tries to fetch one in the same way, and
// returns an error wrapping [ErrKeySetUnavailable] when that fails. That
// error does not wrap jwt.ErrUnknownKey, so that a [jwt.Middleware]
// answers 503 Service Unavailable: the token may well be good, and its
// client should try again rather than drop it.
//
// When ctx is done before the fetch it waits for, VerifierFor stops
// waiting and answers as if that fetch had failed, with an error that
// also wraps ctx.Err(). The fetch goes on, bounded by Timeout, for the
// other callers.
func (r *RemoteSet) VerifierFor(ctx context.Context, h jwt.Header) (jwt.Verifier, error) {
	if st := r.usable(r.now()); st != nil {
		v, err := st.keys.VerifierFor(ctx, h)
		if !errors.Is(err, jwt.ErrUnknownKey) {
			return v, err
		}
	}
	err := r.refetch(ctx, true, true)
	st := r.usable(r.now())
	if st == nil {
		if err == nil {
			return nil, ErrKeySetUnavailable
		}
		return nil, fmt.Errorf("%w: %w", ErrKeySetUnavailable, err)
	}
	v, kerr := st.keys.VerifierFor(ctx, h)
	if kerr != nil && err != nil && errors.Is(err, ctx.Err()) {
		return nil, fmt.Errorf("%w: %w", kerr, err)
	}
	return v, kerr
}

// refetch fetches the set, or waits for the fetch in flight. When limited,
// it does not start a fetch within MinRefreshInterval of the start of the
// last one, and returns the last fetch's error instead. A fetch it starts
// runs in a goroutine of its own when detach is true, so that the caller
// can stop waiting when ctx is done while others still wait; otherwise it
// runs in the caller's goroutine. It never holds mu during I/O.
func (r *RemoteSet) refetch(ctx context.Context, limited, detach bool) error {
	r.mu.Lock()
	c := r.call
	if c == nil {
		if r.closed {
			r.mu.Unlock()
			return fmt.Errorf("%w: the key set is closed", ErrKeySetFetch)
		}
		if err := r.ctx.Err(); err != nil {
			r.mu.Unlock()
			return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
		}
		now := r.now()
		if limited && !r.lastFetch.IsZero() && now.Sub(r.lastFetch) < r.minRefresh {
			err := r.lastErr
			r.mu.Unlock()
			return err
		}
		c = &fetchCall{done: make(chan struct{})}
		r.call = c
		r.lastFetch = now
		if !detach {
			r.mu.Unlock()
			r.complete(c)
			return c.err
		}
		r.fetchers.Add(1) // under mu, so never after Close began waiting
		go func() {
			defer r.fetchers.Done()
			r.complete(c)
		}()
	}
	r.mu.Unlock()
	select {
	case <-c.done:
		return c.err
	case <-ctx.Done():
		return fmt.Errorf("stopped waiting for the key set: %w", ctx.Err())
	}
}

// complete makes the fetch c and publishes its outcome.
func (r *RemoteSet) complete(c *fetchCall) {
	c.err = r.fetch()
	r.mu.Lock()
	r.call = nil
	r.lastErr = c.err
	close(r.changed)
	r.changed = make(chan struct{})
	r.mu.Unlock()
	if c.err != nil && r.onError != nil {
		r.onError(c.err)
	}
	close(c.done)
}

// fetch makes one fetch, discovering the set's URL first if it must, and
// stores the set it gets.
func (r *RemoteSet) fetch() error {
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	if r.url == "" {
		u, err := r.discover(ctx)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
		}
		r.url = u
	}
	old := r.state.Load()
	etag := ""
	if old != nil {
		etag = old.etag
	}
	resp, err := r.get(ctx, r.url, ContentType+", application/json", etag)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && etag != "" {
		r.store(old.keys, etag, resp.Header)
		return nil
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: status %d", ErrKeySetFetch, resp.StatusCode)
	}
	body, err := readBody(resp.Body, MaxSetSize)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	keys, err := r.parse(body)
	if err != nil {
		return err
	}
	r.store(keys, resp.Header.Get("ETag"), resp.Header)
	return nil
}

// get makes a GET request for url, sending accept and, when not empty,
// etag as If-None-Match.
func (r *RemoteSet) get(ctx context.Context, url, accept, etag string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// readBody reads a body of at most limit bytes.
func readBody(body io.Reader, limit int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	if len(b) > limit {
		return nil, fmt.Errorf("body larger than %d bytes", limit)
	}
	return b, nil
}

// parse reads a fetched set: strictly as a document, leniently per key.
// Each key left out goes to OnSkippedKey; a set with no key left is an
// error that lists why each was left out.
func (r *RemoteSet) parse(body []byte) (*Keys, error) {
	var skipped []error
	skip := func(i int, kid string, err error) {
		if kid != "" {
			err = fmt.Errorf("key %d (kid %q): %w", i, kid, err)
		} else {
			err = fmt.Errorf("key %d: %w", i, err)
		}
		skipped = append(skipped, err)
		if r.onSkipped != nil {
			r.onSkipped(kid, err)
		}
	}
	var failed []int // the indexes of the keys that did not parse
	set, err := parseSetKeys(body, true, func(i int, raw json.RawMessage, err error) error {
		failed = append(failed, i)
		skip(i, rawKeyID(raw), err)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	// pos maps the keys that parsed to their indexes in the set.
	pos := make([]int, 0, len(set.Keys))
	for i := 0; len(pos) < len(set.Keys); i++ {
		if len(failed) > 0 && failed[0] == i {
			failed = failed[1:]
			continue
		}
		pos = append(pos, i)
	}
	keys, err := buildKeys(set.Keys, r.algorithms, func(i int, k *Key, err error, _ bool) {
		skip(pos[i], k.KeyID, err)
	})
	if err != nil {
		format, args := "%w: %w", []any{ErrKeySetFetch, err}
		for _, s := range skipped {
			format += "; %w"
			args = append(args, s)
		}
		return nil, fmt.Errorf(format, args...)
	}
	return keys, nil
}

// store stores keys, fetched with the response header h, as the set.
func (r *RemoteSet) store(keys *Keys, etag string, h http.Header) {
	now := r.now()
	ttl := r.lifetime(h)
	r.state.Store(&remoteState{keys: keys, etag: etag, expires: now.Add(ttl), refreshAt: now.Add(ttl - ttl/4)})
}

// lifetime is the lifetime of a set fetched with the response header h:
// max-age less Age, kept between the refresh bounds.
func (r *RemoteSet) lifetime(h http.Header) time.Duration {
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

// firstRetryDelay is the first wait of the background goroutine after a
// fetch fails while there is no usable set. It doubles with each failure,
// up to MinRefreshInterval.
const firstRetryDelay = time.Second

// run is the refresh goroutine: it fetches the set when three quarters of
// its lifetime have passed and, after a failure, again after retryDelay,
// until the context ends. Its first wait, wait, is computed before it
// starts, so that the schedule does not depend on when it first runs.
func (r *RemoteSet) run(wait time.Duration) {
	defer close(r.done)
	var retryAt time.Time
	failures := 0
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
			if err := r.refetch(r.ctx, false, false); err != nil {
				failures++
				retryAt = r.now().Add(r.retryDelay(failures))
			} else {
				failures, retryAt = 0, time.Time{}
			}
		} // else a VerifierFor fetched meanwhile: follow the new set
		st = r.state.Load()
		next := retryAt
		if st != nil && st.refreshAt.After(next) {
			next = st.refreshAt
		}
		wait = next.Sub(r.now())
	}
}

// retryDelay is the wait after the nth failed fetch in a row. While a set
// is usable it is MinRefreshInterval: the issuer is spared and tokens
// still verify. Without one, it starts at firstRetryDelay and doubles up
// to MinRefreshInterval, each wait drawn at random between its half and
// its whole, so that services started together while the issuer is down
// do not all retry at once.
func (r *RemoteSet) retryDelay(n int) time.Duration {
	if r.usable(r.now()) != nil {
		return r.minRefresh
	}
	d := r.minRefresh
	if n <= 30 {
		d = min(firstRetryDelay<<(n-1), d)
	}
	return d/2 + rand.N(d/2+1)
}
