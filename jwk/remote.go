package jwk

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
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
	// request is bounded by Timeout whatever the client's own timeout.
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
	// are seen only through the errors of VerifierFor and NewRemoteSet.
	OnFetchError func(err error)
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
	return nil
}

// RemoteSet is the [jwt.Keys] of a service that verifies the tokens of
// another: it fetches the issuer's JWK Set from a URL, keeps it, and gives
// the key a token's kid names. Give it to [jwt.Verify] as any other Keys.
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
// it, each for at most Timeout and no longer than its own context lasts.
// Otherwise the kid is refused with [jwt.ErrUnknownKey].
//
// Only keys meant for signatures with an alg of the jwt package are used,
// as [Set.KeySet] decides; a set holding a private or secret key, or no
// usable key, is refused, as is a body larger than [MaxSetSize].
//
// A RemoteSet is safe for concurrent use. Close stops its goroutines.
type RemoteSet struct {
	url        string
	client     *http.Client
	timeout    time.Duration
	minRefresh time.Duration
	maxRefresh time.Duration
	maxStale   time.Duration
	now        func() time.Time
	onError    func(error)

	ctx      context.Context // ends with Close or the constructor's context
	cancel   context.CancelFunc
	done     chan struct{}  // closed when the refresh goroutine returns
	fetchers sync.WaitGroup // the fetches VerifierFor started

	state atomic.Pointer[remoteState]

	mu        sync.Mutex // guards the fields below; never held during I/O
	call      *fetchCall // the fetch in flight, nil when none
	lastFetch time.Time  // start of the last fetch
	lastErr   error      // error of the last fetch
	closed    bool       // Close was called: no fetch starts
}

// remoteState is one fetched set. It does not change once stored.
type remoteState struct {
	keys      *jwt.KeySet
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
// A URL that cannot be used is refused with [ErrKeySetURL], a
// configuration that cannot work with [jwt.ErrConfig].
//
// ctx is also the life of the key set: when it is done, the refresh
// goroutine stops, as Close stops it. Pass a context that lasts as long as
// the service, such as context.Background, not a request's context.
func NewRemoteSet(ctx context.Context, rawURL string, cfg RemoteSetConfig) (*RemoteSet, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if err := checkKeySetURL(rawURL, cfg.InsecureAllowHTTP); err != nil {
		return nil, err
	}
	r := &RemoteSet{
		url:        rawURL,
		client:     cfg.Client,
		timeout:    cmp.Or(cfg.Timeout, DefaultFetchTimeout),
		minRefresh: cmp.Or(cfg.MinRefreshInterval, DefaultMinRefreshInterval),
		maxRefresh: cmp.Or(cfg.MaxRefreshInterval, DefaultMaxRefreshInterval),
		maxStale:   cmp.Or(cfg.MaxStale, DefaultMaxStale),
		now:        cfg.Now,
		onError:    cfg.OnFetchError,
		done:       make(chan struct{}),
	}
	if r.client == nil {
		r.client = http.DefaultClient
	}
	r.maxRefresh = max(r.maxRefresh, r.minRefresh)
	if cfg.NoStale {
		r.maxStale = 0
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.ctx, r.cancel = context.WithCancel(ctx)
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

// VerifierFor returns the key of the set whose key ID is kid (a token
// without kid gets the key only when the set holds exactly one). When kid
// is not in the set, it fetches the set again, unless a fetch began less
// than MinRefreshInterval ago, and looks once more: a kid still unknown is
// refused with [jwt.ErrUnknownKey]. When there is no usable set, it tries
// to fetch one in the same way, and returns an error wrapping
// [ErrKeySetUnavailable] when that fails.
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
	r.mu.Unlock()
	if c.err != nil && r.onError != nil {
		r.onError(c.err)
	}
	close(c.done)
}

// fetch makes one request and stores the set it gets.
func (r *RemoteSet) fetch() error {
	if err := r.ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	ctx, cancel := context.WithTimeout(r.ctx, r.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeySetFetch, err)
	}
	req.Header.Set("Accept", ContentType+", application/json")
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
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxSetSize+1))
	if err != nil {
		return fmt.Errorf("%w: reading the body: %w", ErrKeySetFetch, err)
	}
	if len(body) > MaxSetSize {
		return fmt.Errorf("%w: body larger than %d bytes", ErrKeySetFetch, MaxSetSize)
	}
	set, err := parseSet(body, true)
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

// run is the refresh goroutine: it fetches the set when three quarters of
// its lifetime have passed, and after a failure every MinRefreshInterval,
// until the context ends. Its first wait, wait, is computed before it
// starts, so that the schedule does not depend on when it first runs.
func (r *RemoteSet) run(wait time.Duration) {
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
			if err := r.refetch(r.ctx, false, false); err != nil {
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
