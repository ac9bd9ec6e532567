package jwk_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	src, err := jwk.NewStaticSet(keys...)
	require.NoError(t, err)
	return serve(newHandler(t, src, jwk.HandlerConfig{}), http.MethodGet, nil).Body.Bytes()
}

const issuerURL = "https://issuer.test/.well-known/jwks.json"

// newRemote returns a RemoteSet of iss over handlerTransport, closed
// when the test ends.
func newRemote(t testing.TB, iss http.Handler, opts jwk.RemoteSetConfig) *jwk.RemoteSet {
	t.Helper()
	opts.Client = &http.Client{Transport: handlerTransport{iss}}
	r, err := jwk.NewRemoteSet(context.Background(), issuerURL, opts)
	require.NoError(t, err)
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRemoteSetVerifies(t *testing.T) {
	ring, err := jwk.NewKeyRing(ecKey(t), jwk.KeyRingConfig{})
	require.NoError(t, err)
	srv := httptest.NewServer(newHandler(t, ring, jwk.HandlerConfig{}))
	defer srv.Close()
	remote, err := jwk.NewRemoteSet(context.Background(), srv.URL, jwk.RemoteSetConfig{})
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

// TestRemoteSetUnknownKidStorm: a flood of tokens with a kid the set
// does not hold causes one fetch, not one per token.
func TestRemoteSetUnknownKidStorm(t *testing.T) {
	clk := newClock()
	iss := newIssuer(respond(http.StatusOK, "max-age=3600", setOf(t, edKey(t, 1).WithKeyID("known"))))
	srv := httptest.NewServer(iss)
	defer srv.Close()
	remote, err := jwk.NewRemoteSet(context.Background(), srv.URL, jwk.RemoteSetConfig{Now: clk.Now})
	require.NoError(t, err)
	defer remote.Close()
	require.EqualValues(t, 1, iss.fetches.Load())

	clk.Advance(jwk.DefaultMinRefreshInterval)
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

// TestRemoteSetCoalescesFetches holds the fetch until every caller
// waits, so that only sharing, not the rate limit, can keep the count at
// one.
func TestRemoteSetCoalescesFetches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		known := edKey(t, 1).WithKeyID("known")
		newKey := edKey(t, 2).WithKeyID("new")
		iss := newIssuer(respond(http.StatusOK, "", setOf(t, known)))
		remote := newRemote(t, iss, jwk.RemoteSetConfig{MinRefreshInterval: time.Nanosecond})
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

func TestRemoteSetFindsNewKey(t *testing.T) {
	clk := newClock()
	old, next := edKey(t, 1).WithKeyID("old"), ecKey(t).WithKeyID("next")
	iss := newIssuer(respond(http.StatusOK, "max-age=3600", setOf(t, old)))
	remote := newRemote(t, iss, jwk.RemoteSetConfig{Now: clk.Now})
	iss.serve(respond(http.StatusOK, "max-age=3600", setOf(t, old, next)))
	tok, err := jwt.Sign(next, claimsAt(clk.Now(), 2*time.Hour))
	require.NoError(t, err)
	expect := jwt.Expect{Now: clk.Now}

	clk.Advance(jwk.DefaultMinRefreshInterval - time.Second)
	require.ErrorIs(t, expect.Verify(tok, remote, nil), jwt.ErrUnknownKey, "at most one fetch per MinRefreshInterval")
	assert.EqualValues(t, 1, iss.fetches.Load())

	clk.Advance(time.Second)
	require.NoError(t, expect.Verify(tok, remote, nil))
	assert.EqualValues(t, 2, iss.fetches.Load())
	assert.Equal(t, time.Minute, jwk.DefaultMinRefreshInterval)
}

func TestRemoteSetBackgroundRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k1, k2 := edKey(t, 1).WithKeyID("k1"), edKey(t, 2).WithKeyID("k2")
		iss := newIssuer(respond(http.StatusOK, "max-age=100", setOf(t, k1)))
		remote := newRemote(t, iss, jwk.RemoteSetConfig{MinRefreshInterval: 10 * time.Second})
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

func TestRemoteSetDropsRemovedKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ring, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{})
		require.NoError(t, err)
		old, err := jwt.Sign(ring, claimsAt(time.Now(), 24*time.Hour))
		require.NoError(t, err)
		oldKID := ring.KeyID()
		newKID, err := ring.Add(edKey(t, 2))
		require.NoError(t, err)
		require.NoError(t, ring.Promote(newKID))
		remote := newRemote(t, newHandler(t, ring, jwk.HandlerConfig{MaxAge: time.Minute}), jwk.RemoteSetConfig{})
		require.NoError(t, jwt.Verify(old, remote, nil))

		require.NoError(t, ring.Remove(oldKID))
		time.Sleep(45 * time.Second)
		synctest.Wait()
		require.ErrorIs(t, jwt.Verify(old, remote, nil), jwt.ErrUnknownKey)
		remote.Close()
	})
}

func TestRemoteSetLifetime(t *testing.T) {
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
			remote := newRemote(t, iss, jwk.RemoteSetConfig{Now: clk.Now, NoStale: true})
			iss.serve(respond(http.StatusServiceUnavailable, "", nil))

			clk.Advance(tt.want - time.Second)
			_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.NoError(t, err)
			clk.Advance(time.Second)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.ErrorIs(t, err, jwk.ErrKeySetUnavailable)
			require.ErrorIs(t, err, jwk.ErrKeySetFetch)
		})
	}
	assert.Equal(t, time.Hour, jwk.DefaultMaxRefreshInterval)
}

func TestRemoteSetRefreshBounds(t *testing.T) {
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
		{name: "zero minimum means the default", cc: "max-age=1", want: jwk.DefaultMinRefreshInterval},
		{name: "zero maximum means the default", want: jwk.DefaultMaxRefreshInterval},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			iss := newIssuer(respond(http.StatusOK, tt.cc, setOf(t, k)))
			remote := newRemote(t, iss, jwk.RemoteSetConfig{Now: clk.Now, NoStale: true, MinRefreshInterval: tt.min, MaxRefreshInterval: tt.max})
			iss.serve(respond(http.StatusServiceUnavailable, "", nil))
			clk.Advance(tt.want - time.Second)
			_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.NoError(t, err)
			clk.Advance(time.Second)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.ErrorIs(t, err, jwk.ErrKeySetUnavailable)
		})
	}
}

func TestRemoteSetMaxStale(t *testing.T) {
	k := edKey(t, 1).WithKeyID("k")
	tests := []struct {
		name     string
		maxStale time.Duration
		noStale  bool
		want     time.Duration // after the end of the lifetime
	}{
		{name: "defaults to 15 minutes", maxStale: 0, want: 15 * time.Minute},
		{name: "own", maxStale: time.Minute, want: time.Minute},
		{name: "none with NoStale", noStale: true, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			iss := newIssuer(respond(http.StatusOK, "max-age=600", setOf(t, k)))
			var fetchErrs atomic.Int64
			remote := newRemote(t, iss, jwk.RemoteSetConfig{Now: clk.Now, MaxStale: tt.maxStale, NoStale: tt.noStale, OnFetchError: func(err error) {
				assert.ErrorIs(t, err, jwk.ErrKeySetFetch)
				fetchErrs.Add(1)
			}})
			iss.serve(respond(http.StatusBadGateway, "", nil))
			clk.Advance(10*time.Minute + tt.want - time.Second)
			_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.NoError(t, err, "a stale set is used while refreshes fail")
			assert.EqualValues(t, 1, iss.fetches.Load(), "readers of a usable set do not fetch")
			clk.Advance(time.Second)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.ErrorIs(t, err, jwk.ErrKeySetUnavailable)
			assert.EqualValues(t, 1, fetchErrs.Load())
		})
	}
	assert.Equal(t, 15*time.Minute, jwk.DefaultMaxStale)
}

func TestRemoteSetRecoversAfterOutage(t *testing.T) {
	clk := newClock()
	k := edKey(t, 1).WithKeyID("k")
	good := respond(http.StatusOK, "max-age=60", setOf(t, k))
	iss := newIssuer(good)
	remote := newRemote(t, iss, jwk.RemoteSetConfig{Now: clk.Now, NoStale: true})
	iss.serve(respond(http.StatusInternalServerError, "", nil))
	clk.Advance(time.Minute)
	_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
	require.ErrorIs(t, err, jwk.ErrKeySetUnavailable)
	iss.serve(good)
	_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
	require.ErrorIs(t, err, jwk.ErrKeySetUnavailable, "no second fetch within MinRefreshInterval")
	assert.EqualValues(t, 2, iss.fetches.Load())
	clk.Advance(time.Minute)
	_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
	require.NoError(t, err)
}

func TestRemoteSetBadResponses(t *testing.T) {
	k := edKey(t, 1).WithKeyID("k")
	good := setOf(t, k)
	huge := append(append([]byte(nil), good...), strings.Repeat(" ", jwk.MaxSetSize)...)
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
		// (An Ed25519 key without alg is usable: it verifies EdDSA and
		// Ed25519. An X448 key is not.)
		{name: "no usable key", handler: respond(http.StatusOK, "", []byte(`{"keys":[{"kty":"OKP","crv":"X448","kid":"n","x":"mwj3zDG34-Z9ItWuoSEHSic70rg94Jxj-qc9LCLF2bvINmRyQdlT1AxbEtqIEg1TF3-A5TLEH6A"}]}`))},
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
			opts := jwk.RemoteSetConfig{Timeout: 500 * time.Millisecond}

			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			remote, err := jwk.NewRemoteSet(context.Background(), srv.URL, opts)
			require.ErrorIs(t, err, jwk.ErrKeySetFetch, "the first fetch")
			assert.Nil(t, remote)

			clk := newClock()
			iss := newIssuer(respond(http.StatusOK, "", good))
			srv2 := httptest.NewServer(iss)
			defer srv2.Close()
			var fetchErr atomic.Pointer[error]
			opts.Now = clk.Now
			opts.OnFetchError = func(err error) { fetchErr.Store(&err) }
			remote, err = jwk.NewRemoteSet(context.Background(), srv2.URL, opts)
			require.NoError(t, err)
			defer remote.Close()
			iss.serve(tt.handler)
			clk.Advance(time.Minute)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "other"})
			require.ErrorIs(t, err, jwt.ErrUnknownKey)
			require.NotNil(t, fetchErr.Load(), "a refetch was made and failed")
			require.ErrorIs(t, *fetchErr.Load(), jwk.ErrKeySetFetch)
			_, err = remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
			require.NoError(t, err, "the old set is kept")
		})
	}
}

func TestRemoteSetRevalidates(t *testing.T) {
	clk := newClock()
	src, err := jwk.NewStaticSet(edKey(t, 1).WithKeyID("k"))
	require.NoError(t, err)
	var notModified atomic.Int64
	h := newHandler(t, src, jwk.HandlerConfig{MaxAge: time.Minute})
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
	remote := newRemote(t, iss, jwk.RemoteSetConfig{Now: clk.Now, NoStale: true})
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

func TestRemoteSetFetchTimeout(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration
		want    time.Duration
	}{
		{name: "defaults to 10 seconds", timeout: 0, want: 10 * time.Second},
		{name: "own", timeout: 3 * time.Second, want: 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				hang := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
				start := time.Now()
				_, err := jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{Timeout: tt.timeout, Client: &http.Client{Transport: handlerTransport{hang}}})
				require.ErrorIs(t, err, jwk.ErrKeySetFetch)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, tt.want, time.Since(start))
			})
		})
	}
	assert.Equal(t, 10*time.Second, jwk.DefaultFetchTimeout)
}

func TestRemoteSetRetriesInBackground(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := edKey(t, 1).WithKeyID("k")
		good := respond(http.StatusOK, "max-age=100", setOf(t, k))
		iss := newIssuer(good)
		remote := newRemote(t, iss, jwk.RemoteSetConfig{MinRefreshInterval: 20 * time.Second})
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

func TestRemoteSetClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := edKey(t, 1).WithKeyID("k")
		iss := newIssuer(respond(http.StatusOK, "max-age=60", setOf(t, k)))
		remote := newRemote(t, iss, jwk.RemoteSetConfig{})
		require.NoError(t, remote.Close())
		require.NoError(t, remote.Close(), "twice")
		time.Sleep(time.Hour)
		synctest.Wait()
		assert.EqualValues(t, 1, iss.fetches.Load(), "no refresh after Close")
		_, err := remote.VerifierFor(context.Background(), jwt.Header{KeyID: "k"})
		require.ErrorIs(t, err, jwk.ErrKeySetUnavailable, "the set ran out and cannot be fetched")
		assert.EqualValues(t, 1, iss.fetches.Load(), "no fetch after Close")
		// synctest.Test fails if a goroutine of the bubble is left.
	})
}

func TestRemoteSetContextEnds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iss := newIssuer(respond(http.StatusOK, "max-age=60", setOf(t, edKey(t, 1).WithKeyID("k"))))
		ctx, cancel := context.WithCancel(context.Background())
		remote, err := jwk.NewRemoteSet(ctx, issuerURL, jwk.RemoteSetConfig{Client: &http.Client{Transport: handlerTransport{iss}}})
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

func TestRemoteSetCloseGoroutines(t *testing.T) {
	iss := newIssuer(respond(http.StatusOK, "", setOf(t, edKey(t, 1).WithKeyID("k"))))
	before := settledGoroutines()
	remote, err := jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{Client: &http.Client{Transport: handlerTransport{iss}}})
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

func TestNewRemoteSetURL(t *testing.T) {
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
		{name: "http to another host", url: "http://issuer.test/jwks.json", wantErr: jwk.ErrKeySetURL},
		{name: "http to another host, allowed", url: "http://issuer.test/jwks.json", allowHTTP: true},
		{name: "other scheme", url: "ftp://issuer.test/jwks.json", wantErr: jwk.ErrKeySetURL},
		{name: "relative", url: "/jwks.json", wantErr: jwk.ErrKeySetURL},
		{name: "not a URL", url: "https://[::1", wantErr: jwk.ErrKeySetURL},
		{name: "opaque", url: "https:issuer.test", wantErr: jwk.ErrKeySetURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(respond(http.StatusOK, "", body))
			r, err := jwk.NewRemoteSet(context.Background(), tt.url, jwk.RemoteSetConfig{
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

func TestNewRemoteSetConfigRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  jwk.RemoteSetConfig
	}{
		{name: "negative Timeout", cfg: jwk.RemoteSetConfig{Timeout: -time.Second}},
		{name: "negative MinRefreshInterval", cfg: jwk.RemoteSetConfig{MinRefreshInterval: -time.Second}},
		{name: "negative MaxRefreshInterval", cfg: jwk.RemoteSetConfig{MaxRefreshInterval: -time.Second}},
		{name: "negative MaxStale", cfg: jwk.RemoteSetConfig{MaxStale: -time.Second}},
		{name: "NoStale with a MaxStale", cfg: jwk.RemoteSetConfig{NoStale: true, MaxStale: time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss := newIssuer(respond(http.StatusOK, "", setOf(t, edKey(t, 1))))
			tt.cfg.Client = &http.Client{Transport: handlerTransport{iss}}
			r, err := jwk.NewRemoteSet(context.Background(), issuerURL, tt.cfg)
			require.ErrorIs(t, err, jwt.ErrConfig)
			assert.Nil(t, r)
			assert.EqualValues(t, 0, iss.fetches.Load())
		})
	}
}

// TestRemoteSetWaitEndsWithContext: a caller whose context ends stops
// waiting for the fetch it shares, and gets the answer of a failed fetch;
// the fetch goes on for the callers still waiting.
func TestRemoteSetWaitEndsWithContext(t *testing.T) {
	tests := []struct {
		name   string
		kid    string
		expire bool // the set's lifetime has ended
		want   error
	}{
		{name: "unknown kid", kid: "next", want: jwt.ErrUnknownKey},
		{name: "no usable set", kid: "known", expire: true, want: jwk.ErrKeySetUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				clk := newClock()
				known, next := edKey(t, 1).WithKeyID("known"), edKey(t, 2).WithKeyID("next")
				iss := newIssuer(respond(http.StatusOK, "max-age=600", setOf(t, known)))
				remote := newRemote(t, iss, jwk.RemoteSetConfig{Now: clk.Now, NoStale: true})
				gate := make(chan struct{})
				iss.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					<-gate
					respond(http.StatusOK, "max-age=600", setOf(t, known, next)).ServeHTTP(w, r)
				}))
				if tt.expire {
					clk.Advance(10 * time.Minute)
				} else {
					clk.Advance(jwk.DefaultMinRefreshInterval)
				}
				h := jwt.Header{Algorithm: jwt.EdDSA, KeyID: tt.kid}

				patient := make(chan error, 1)
				go func() {
					_, err := remote.VerifierFor(context.Background(), h)
					patient <- err
				}()
				synctest.Wait() // the fetch hangs, the patient caller waits
				assert.EqualValues(t, 2, iss.fetches.Load())

				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				start := time.Now()
				v, err := remote.VerifierFor(ctx, h)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				require.ErrorIs(t, err, tt.want, "the answer of a fetch that failed")
				assert.Nil(t, v)
				assert.Equal(t, time.Second, time.Since(start), "the wait ends with the context")

				close(gate)
				require.NoError(t, <-patient, "the fetch went on for the caller still waiting")
				assert.EqualValues(t, 2, iss.fetches.Load(), "one fetch for both callers")
				remote.Close()
			})
		})
	}
}

// TestRemoteSetCloseStopsFetch: Close ends a fetch that a caller which
// stopped waiting left running, and returns once it has.
func TestRemoteSetCloseStopsFetch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clk := newClock()
		iss := newIssuer(respond(http.StatusOK, "max-age=600", setOf(t, edKey(t, 1).WithKeyID("k"))))
		remote := newRemote(t, iss, jwk.RemoteSetConfig{Now: clk.Now})
		iss.serve(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
		clk.Advance(jwk.DefaultMinRefreshInterval)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := remote.VerifierFor(ctx, jwt.Header{KeyID: "other"})
		require.ErrorIs(t, err, context.Canceled)
		require.ErrorIs(t, err, jwt.ErrUnknownKey)
		synctest.Wait()
		assert.EqualValues(t, 2, iss.fetches.Load(), "the fetch started and goes on")
		start := time.Now()
		require.NoError(t, remote.Close())
		assert.Zero(t, time.Since(start), "Close ends the fetch at once")
		// synctest.Test fails if a goroutine of the bubble is left.
	})
}

func TestRemoteSetConstructorContext(t *testing.T) {
	iss := newIssuer(respond(http.StatusOK, "", setOf(t, edKey(t, 1))))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r, err := jwk.NewRemoteSet(ctx, issuerURL, jwk.RemoteSetConfig{Client: &http.Client{Transport: handlerTransport{iss}}})
	require.ErrorIs(t, err, jwk.ErrKeySetFetch)
	assert.Nil(t, r)
}

// FuzzRemoteSetBody feeds any body to a RemoteSet: it must not panic, a
// body it takes must be a JWK Set document, and a secret key in it is
// never used, whatever the other keys.
func FuzzRemoteSetBody(f *testing.F) {
	f.Add(setOf(f, edKey(f, 1)), "max-age=60")
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA","alg":"HS256"}]}`), "no-cache")
	f.Add([]byte(`{"keys":[]}`), "max-age=-1, max-age=\"")
	f.Add([]byte(`{"keys":[{"kty":"oct","kid":"k","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","alg":"HS256"},`+string(publicJWK(f, edKey(f, 1), "k", ""))+`]}`), "")
	f.Fuzz(func(t *testing.T, body []byte, cc string) {
		iss := respond(http.StatusOK, "", body)
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header()["Cache-Control"] = []string{cc}
			iss.ServeHTTP(w, r)
		})
		r, err := jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{Client: &http.Client{Transport: handlerTransport{h}}})
		if err != nil {
			require.ErrorIs(t, err, jwk.ErrKeySetFetch)
			return
		}
		defer r.Close()
		var doc struct {
			Keys []json.RawMessage `json:"keys"`
		}
		require.NoError(t, json.Unmarshal(body, &doc))
		for _, raw := range doc.Keys {
			k, err := jwk.ParseKey(raw)
			if err != nil {
				continue
			}
			if _, secret := k.Key.([]byte); !secret {
				continue
			}
			for _, alg := range []jwt.Algorithm{jwt.HS256, jwt.HS384, jwt.HS512} {
				v, err := r.VerifierFor(context.Background(), jwt.Header{Algorithm: alg, KeyID: k.KeyID})
				if err == nil {
					require.NotEqual(t, alg, v.Algorithm(), "a secret key is used")
				}
			}
		}
	})
}

// FuzzHandlerIfNoneMatch: any If-None-Match gives 200 with the set or
// 304 without it, never a panic.
func FuzzHandlerIfNoneMatch(f *testing.F) {
	src, err := jwk.NewStaticSet(edKey(f, 1))
	require.NoError(f, err)
	h := newHandler(f, src, jwk.HandlerConfig{})
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

func BenchmarkRemoteSetVerify(b *testing.B) {
	k := edKey(b, 1).WithKeyID("k")
	iss := newIssuer(respond(http.StatusOK, "", setOf(b, k)))
	remote := newRemote(b, iss, jwk.RemoteSetConfig{})
	tok, err := jwt.Sign(k, claimsAt(time.Now(), time.Hour))
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		if err := jwt.Verify(tok, remote, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHandler(b *testing.B) {
	r, err := jwk.NewKeyRing(edKey(b, 1), jwk.KeyRingConfig{})
	require.NoError(b, err)
	h := newHandler(b, r, jwk.HandlerConfig{})
	req := httptest.NewRequest(http.MethodGet, "/.well-known/jwks.json", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}

// TestRemoteSetSkipsUnusableKeys: one weak key, one of an unknown curve,
// one of an unknown type and one for encryption beside a good key: the
// good key verifies, and each other is reported with why.
func TestRemoteSetSkipsUnusableKeys(t *testing.T) {
	data, err := os.ReadFile("testdata/weak-unknown.json")
	require.NoError(t, err)
	type skip struct {
		kid string
		err error
	}
	var skipped []skip
	remote := newRemote(t, respond(http.StatusOK, "", data), jwk.RemoteSetConfig{
		OnSkippedKey: func(kid string, err error) { skipped = append(skipped, skip{kid, err}) },
	})
	require.Len(t, skipped, 4)
	want := []struct {
		kid string
		err error
	}{
		{"x448", jwt.ErrInvalidKey},
		{"foo", jwt.ErrInvalidKey},
		{"legacy-1024", jwt.ErrWeakKey},
		{"enc", jwt.ErrKeyMismatch},
	}
	for i, w := range want {
		assert.Equal(t, w.kid, skipped[i].kid)
		assert.ErrorIs(t, skipped[i].err, w.err, w.kid)
		assert.Contains(t, skipped[i].err.Error(), `kid "`+w.kid+`"`)
	}

	// The good key has no alg: an Ed25519 key verifies EdDSA and Ed25519.
	for _, alg := range []jwt.Algorithm{jwt.EdDSA, jwt.Ed25519} {
		s, err := jwt.NewEdDSASigner(alg, rfc8037Key(t))
		require.NoError(t, err)
		tok, err := jwt.Sign(s.WithKeyID("good"), claimsAt(time.Now(), time.Minute))
		require.NoError(t, err)
		require.NoError(t, jwt.Verify(tok, remote, nil), alg)
	}
	weak, err := jwt.Sign(edKey(t, 3).WithKeyID("legacy-1024"), claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Verify(weak, remote, nil), jwt.ErrUnknownKey, "a skipped key verifies nothing")
}

// rfc8037Key returns the Ed25519 private key of RFC 8037 A.1, whose
// public half is the good key of testdata/weak-unknown.json.
func rfc8037Key(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	seed, err := jwtB64.DecodeString("nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A")
	require.NoError(t, err)
	return ed25519.NewKeyFromSeed(seed)
}

// TestRemoteSetNoUsableKey: a set whose every key is left out is refused
// with an error that says why for each, by kid.
func TestRemoteSetNoUsableKey(t *testing.T) {
	data, err := os.ReadFile("testdata/weak-unknown.json")
	require.NoError(t, err)
	var doc map[string][]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &doc))
	doc["keys"] = doc["keys"][:4] // all but the good key
	body, err := json.Marshal(doc)
	require.NoError(t, err)
	_, err = jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{Client: &http.Client{Transport: handlerTransport{respond(http.StatusOK, "", body)}}})
	require.ErrorIs(t, err, jwk.ErrKeySetFetch)
	require.ErrorIs(t, err, jwt.ErrWeakKey)
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
	for _, kid := range []string{"legacy-1024", "x448", "foo", "enc"} {
		assert.Contains(t, err.Error(), `(kid "`+kid+`"): `)
	}
}

// TestRemoteSetStrictDocument: leniency is per key; a document that is
// not a JWK Set is refused whole, whatever keys it seems to hold.
func TestRemoteSetStrictDocument(t *testing.T) {
	good := string(setOf(t, edKey(t, 1).WithKeyID("k")))
	tests := []struct {
		name string
		body string
	}{
		{name: "duplicate keys member", body: `{"keys":[],` + good[1:]},
		{name: "trailing data", body: good + `{}`},
		{name: "keys member in another case", body: `{"Keys":[]}`},
		{name: "keys not an array", body: `{"keys":{}}`},
		{name: "invalid UTF-8", body: "{\"keys\":[],\"x\":\"\xff\"}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{Client: &http.Client{Transport: handlerTransport{respond(http.StatusOK, "", []byte(tt.body))}}})
			require.ErrorIs(t, err, jwk.ErrKeySetFetch)
			require.ErrorIs(t, err, jwt.ErrInvalidKey)
		})
	}
}

func TestRemoteSetAlgorithms(t *testing.T) {
	priv := rsaTestKey(t)
	body := []byte(`{"keys":[` + string(publicJWK(t, rsaSigner(t, jwt.RS256, priv, ""), "rsa", "")) + `]}`)
	remote := newRemote(t, respond(http.StatusOK, "", body), jwk.RemoteSetConfig{Algorithms: []jwt.Algorithm{jwt.PS256}})
	tok, err := jwt.Sign(rsaSigner(t, jwt.PS256, priv, "rsa"), claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	require.NoError(t, jwt.Verify(tok, remote, nil))
	tok, err = jwt.Sign(rsaSigner(t, jwt.RS256, priv, "rsa"), claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Verify(tok, remote, nil), jwt.ErrAlgorithm)

	for _, algs := range [][]jwt.Algorithm{{jwt.HS256}, {"none"}} {
		_, err = jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{Algorithms: algs})
		require.ErrorIs(t, err, jwt.ErrConfig, algs)
	}
}

// TestRemoteSetStartUnready: an issuer that is down at start does not stop
// the set from being made. Tokens are refused (503 material, not 401)
// until the keys arrive; retries back off from a second up to
// MinRefreshInterval, with jitter; Ready waits for the keys.
func TestRemoteSetStartUnready(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := edKey(t, 1).WithKeyID("k")
		var fetchedAt []time.Time
		start := time.Now()
		down := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fetchedAt = append(fetchedAt, time.Now())
			w.WriteHeader(http.StatusServiceUnavailable)
		})
		iss := newIssuer(down)
		remote, err := jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{
			Client:       &http.Client{Transport: handlerTransport{iss}},
			StartUnready: true,
		})
		require.NoError(t, err)
		defer remote.Close()

		synctest.Wait() // the first fetch has failed
		tok, err := jwt.Sign(k, claimsAt(time.Now(), time.Hour))
		require.NoError(t, err)
		err = jwt.Verify(tok, remote, nil)
		require.ErrorIs(t, err, jwk.ErrKeySetUnavailable)
		assert.ErrorIs(t, err, jwt.ErrUnknownKey, "no key is known for the token")
		assert.ErrorIs(t, err, jwt.ErrUnavailable, "the token may be good: a middleware answers 503")

		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = remote.Ready(ctx)
		cancel()
		require.ErrorIs(t, err, jwk.ErrKeySetUnavailable)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, jwk.ErrKeySetFetch, "with the last fetch's error")

		time.Sleep(10 * time.Minute)
		synctest.Wait()
		require.Greater(t, len(fetchedAt), 7)
		for i := 1; i < len(fetchedAt); i++ {
			gap := fetchedAt[i].Sub(fetchedAt[i-1])
			full := min(time.Second<<(i-1), jwk.DefaultMinRefreshInterval)
			assert.GreaterOrEqual(t, gap, full/2, "retry %d", i)
			assert.LessOrEqual(t, gap, full, "retry %d", i)
		}
		assert.Equal(t, start, fetchedAt[0], "the first fetch starts at once")

		iss.serve(respond(http.StatusOK, "", setOf(t, k)))
		ready := make(chan error)
		go func() { ready <- remote.Ready(context.Background()) }()
		time.Sleep(jwk.DefaultMinRefreshInterval)
		require.NoError(t, <-ready)
		require.NoError(t, jwt.Verify(tok, remote, nil))
		done, cancel := context.WithCancel(context.Background())
		cancel()
		require.NoError(t, remote.Ready(done), "a done context asks without waiting")
	})
}

// TestRemoteSetStartUnreadyReadyAtOnce: with the issuer up, the first
// fetch starts at once and Ready returns when it ends.
func TestRemoteSetStartUnreadyReadyAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := edKey(t, 1).WithKeyID("k")
		iss := newIssuer(respond(http.StatusOK, "", setOf(t, k)))
		remote, err := jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{
			Client:       &http.Client{Transport: handlerTransport{iss}},
			StartUnready: true,
		})
		require.NoError(t, err)
		require.NoError(t, remote.Ready(context.Background()))
		assert.EqualValues(t, 1, iss.fetches.Load())
		require.NoError(t, remote.Close())
		require.NoError(t, remote.Ready(context.Background()), "the set fetched stays in use")
	})
}

func TestRemoteSetReadyAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iss := newIssuer(respond(http.StatusBadGateway, "", nil))
		remote, err := jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{
			Client:       &http.Client{Transport: handlerTransport{iss}},
			StartUnready: true,
		})
		require.NoError(t, err)
		synctest.Wait()
		require.NoError(t, remote.Close())
		err = remote.Ready(context.Background())
		require.ErrorIs(t, err, jwk.ErrKeySetUnavailable, "closed with no set: Ready does not wait forever")
	})
}

// TestRemoteSetMiddlewareUnavailable: while the keys cannot be had, the
// middleware answers 503 with Retry-After, and 200 once they arrive.
func TestRemoteSetMiddlewareUnavailable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		k := edKey(t, 1).WithKeyID("k")
		iss := newIssuer(respond(http.StatusServiceUnavailable, "", nil))
		remote, err := jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{
			Client:       &http.Client{Transport: handlerTransport{iss}},
			StartUnready: true,
		})
		require.NoError(t, err)
		defer remote.Close()
		access, err := jwt.NewAccessTokens(jwt.AccessConfig{Keys: remote, AllowMissingTokenType: true})
		require.NoError(t, err)
		mw, err := jwt.NewMiddleware(jwt.MiddlewareConfig{Verifier: access})
		require.NoError(t, err)
		h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }))
		tok, err := jwt.Sign(k, claimsAt(time.Now(), time.Hour))
		require.NoError(t, err)
		request := func() *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			h.ServeHTTP(rec, req)
			return rec
		}
		synctest.Wait()
		rec := request()
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
		assert.Equal(t, "1", rec.Header().Get("Retry-After"))

		iss.serve(respond(http.StatusOK, "", setOf(t, k)))
		require.NoError(t, remote.Ready(context.Background()))
		assert.Equal(t, http.StatusOK, request().Code)
	})
}

// TestRemoteSetRedirectToHTTP: a redirect may not take the fetch from
// https to http on another host.
func TestRemoteSetRedirectToHTTP(t *testing.T) {
	redirect := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Scheme == "https" || r.Host == "issuer.test" {
			http.Redirect(w, r, "http://evil.test/jwks.json", http.StatusFound)
			return
		}
		respond(http.StatusOK, "", setOf(t, edKey(t, 1).WithKeyID("k"))).ServeHTTP(w, r)
	})
	_, err := jwk.NewRemoteSet(context.Background(), issuerURL, jwk.RemoteSetConfig{Client: &http.Client{Transport: handlerTransport{redirect}}})
	require.ErrorIs(t, err, jwk.ErrKeySetFetch)
	require.ErrorIs(t, err, jwk.ErrKeySetURL)
}
