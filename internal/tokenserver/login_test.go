package tokenserver

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

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

// login posts a form login to h from the peer address peer, with the
// X-Forwarded-For values xff, and returns the answer.
func login(h http.Handler, peer, username, password string, xff ...string) *httptest.ResponseRecorder {
	form := url.Values{"username": {username}, "password": {password}}
	r := httptest.NewRequest(http.MethodPost, "/api/token/", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.RemoteAddr = peer
	for _, v := range xff {
		r.Header.Add("X-Forwarded-For", v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func assertThrottled(t *testing.T, w *httptest.ResponseRecorder, retryAfter string) {
	t.Helper()
	status, body := decode(t, w)
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Equal(t, retryAfter, w.Header().Get("Retry-After"))
	assert.Equal(t, map[string]any{"detail": "Request was throttled. Expected available in " + retryAfter + " seconds."}, body)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
}

// TestPasswordGuessingThrottledPerAccount checks that failed logins for
// one username, from any number of addresses, lock that username out for
// the rest of the window, the right password included, and no other.
func TestPasswordGuessingThrottledPerAccount(t *testing.T) {
	c := newClock()
	var log syncBuffer
	h := newTestServer(t, Config{
		Login:   LoginLimits{FailuresPerAccount: 3, FailuresPerAddress: 100, Window: time.Minute},
		Counter: &MemoryCounter{Now: c.Now},
		Logger:  newJSONLogger(&log),
	})
	for i, peer := range []string{"192.0.2.1:1", "192.0.2.2:1", "192.0.2.3:1"} {
		assert.Equal(t, http.StatusUnauthorized, login(h, peer, "admin", "guess").Code, "guess %d", i)
	}
	c.Advance(15 * time.Second)
	assertThrottled(t, login(h, "192.0.2.4:1", "admin", "admin@123"), "45")
	assert.Contains(t, log.String(), `"status":429,`)
	assert.Contains(t, log.String(), `"outcome":"login_throttled"`)
	assert.Equal(t, http.StatusUnauthorized, login(h, "192.0.2.4:1", "nobody", "x").Code, "other usernames are not affected")
	c.Advance(46 * time.Second)
	assert.Equal(t, http.StatusOK, login(h, "192.0.2.4:1", "admin", "admin@123").Code, "a new window")
}

// TestPasswordSprayingThrottledPerAddress checks that failed logins from
// one address, for any usernames, lock that address out, and no other.
func TestPasswordSprayingThrottledPerAddress(t *testing.T) {
	c := newClock()
	h := newTestServer(t, Config{
		Login:   LoginLimits{FailuresPerAccount: 100, FailuresPerAddress: 3, Window: time.Minute},
		Counter: &MemoryCounter{Now: c.Now},
	})
	for _, user := range []string{"admin", "root", "alice"} {
		assert.Equal(t, http.StatusUnauthorized, login(h, "192.0.2.1:1", user, "guess").Code)
	}
	assertThrottled(t, login(h, "192.0.2.1:1", "bob", "guess"), "60")
	assert.Equal(t, http.StatusOK, login(h, "192.0.2.2:1", "admin", "admin@123").Code, "other addresses are not affected")
	// An IPv6 client is counted by its /64, which it may hold whole.
	for i, peer := range []string{"[2001:db8::1]:1", "[2001:db8::2]:1", "[2001:db8::3]:1"} {
		assert.Equal(t, http.StatusUnauthorized, login(h, peer, "admin", "guess").Code, "guess %d", i)
	}
	assertThrottled(t, login(h, "[2001:db8::ffff]:1", "admin", "guess"), "60")
}

// TestForwardedForSpoofingDoesNotDodgeLimits checks that a client that
// writes X-Forwarded-For itself is still counted under its own address:
// behind a trusted proxy the address the proxy appended counts, and
// without one the header is ignored.
func TestForwardedForSpoofingDoesNotDodgeLimits(t *testing.T) {
	for _, tt := range []struct {
		name, peer, trusted string
		xff                 func(i int) []string
	}{
		{name: "direct client", peer: "198.51.100.7:1", xff: func(i int) []string { return []string{"203.0.113." + string(rune('1'+i))} }},
		{name: "behind a trusted proxy", peer: "127.0.0.1:1", trusted: "127.0.0.1", xff: func(i int) []string {
			return []string{"203.0.113." + string(rune('1'+i)) + ", 198.51.100.7"}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			trusted, err := ParseTrustedProxies(tt.trusted)
			require.NoError(t, err)
			h := newTestServer(t, Config{
				Login:          LoginLimits{FailuresPerAccount: 100, FailuresPerAddress: 2, Window: time.Minute},
				Counter:        &MemoryCounter{Now: newClock().Now},
				TrustedProxies: trusted,
			})
			assert.Equal(t, http.StatusUnauthorized, login(h, tt.peer, "a", "x", tt.xff(0)...).Code)
			assert.Equal(t, http.StatusUnauthorized, login(h, tt.peer, "b", "x", tt.xff(1)...).Code)
			assert.Equal(t, http.StatusTooManyRequests, login(h, tt.peer, "c", "x", tt.xff(2)...).Code)
		})
	}
}

// TestDistributedGuessingCountedAcrossInstances checks that two servers
// sharing one Counter, as the instances behind nginx share Redis, count
// guesses together.
func TestDistributedGuessingCountedAcrossInstances(t *testing.T) {
	counter := &MemoryCounter{Now: newClock().Now}
	cfg := Config{Login: LoginLimits{FailuresPerAccount: 4, Window: time.Minute}, Counter: counter}
	a, b := newTestServer(t, cfg), newTestServer(t, cfg)
	for i := range 4 {
		h := []http.Handler{a, b}[i%2]
		assert.Equal(t, http.StatusUnauthorized, login(h, "192.0.2.1:1", "admin", "guess").Code)
	}
	assert.Equal(t, http.StatusTooManyRequests, login(a, "192.0.2.9:1", "admin", "guess").Code)
	assert.Equal(t, http.StatusTooManyRequests, login(b, "192.0.2.9:1", "admin", "admin@123").Code)
}

func TestSuccessfulLoginsAreNotCounted(t *testing.T) {
	h := newTestServer(t, Config{Login: LoginLimits{FailuresPerAccount: 2, FailuresPerAddress: 2}})
	for range 6 {
		require.Equal(t, http.StatusOK, login(h, "192.0.2.1:1", "admin", "admin@123").Code)
	}
	assert.Equal(t, http.StatusUnauthorized, login(h, "192.0.2.1:1", "admin", "guess").Code, "one failure, under the limit")
}

// TestConcurrentGoodLoginsDoNotLockOut checks that a burst of successful
// logins from one address, four times its limit on failures, such as the
// users of an office behind one NAT address, is not throttled, now or
// afterwards: only the attempts being checked (two at a time here) are
// counted besides the failures.
func TestConcurrentGoodLoginsDoNotLockOut(t *testing.T) {
	counter := &MemoryCounter{}
	// Places for all 20 from the one address: half of 2 slots and 40 in
	// the queue.
	h := newTestServer(t, Config{Login: LoginLimits{FailuresPerAddress: 5, Concurrency: 2, Queue: 40}, Counter: counter})
	var wg sync.WaitGroup
	codes := make(chan int, 20)
	for range 20 {
		wg.Go(func() { codes <- login(h, "192.0.2.1:1", "admin", "admin@123").Code })
	}
	wg.Wait()
	close(codes)
	for code := range codes {
		assert.Equal(t, http.StatusOK, code)
	}
	n, _, err := counter.Add(context.Background(), "addr:192.0.2.1", 0, time.Minute)
	require.NoError(t, err)
	assert.Zero(t, n, "successful logins leave nothing counted")
}

func TestLoginLimitsDefaults(t *testing.T) {
	g := newLoginGuard(LoginLimits{Concurrency: 3}, testUsers(t), &MemoryCounter{}, discard)
	assert.Equal(t, 3, cap(g.slots))
	assert.Equal(t, int64(6), g.queue, "twice Concurrency")
	assert.Equal(t, int64(DefaultFailuresPerAccount), g.perAccount)
	assert.Equal(t, int64(DefaultFailuresPerAddress), g.perAddress)
	assert.Equal(t, DefaultFailureWindow, g.window)
	g = newLoginGuard(LoginLimits{Queue: -1}, testUsers(t), &MemoryCounter{}, discard)
	assert.GreaterOrEqual(t, cap(g.slots), 1)
	assert.Equal(t, int64(0), g.queue)
}

// gatedUsers returns the test accounts with password checks that each
// send on checking when they start and wait until gate is closed.
func gatedUsers(t *testing.T) (users *Users, checking, gate chan struct{}) {
	users = testUsers(t)
	gate = make(chan struct{})
	checking = make(chan struct{}, 4)
	users.derive = func(pw string, salt []byte, iter int) []byte {
		checking <- struct{}{}
		<-gate
		return derivePBKDF2(pw, salt, iter)
	}
	return users, checking, gate
}

// TestLoginFloodAnsweredAtOnce checks the bound on password checks: with
// one check at a time and one login waiting, a third login is answered
// 503 with Retry-After at once, and the first two succeed.
func TestLoginFloodAnsweredAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users, checking, gate := gatedUsers(t)
		var log syncBuffer
		h := newTestServer(t, Config{Users: users, Logger: newJSONLogger(&log), Login: LoginLimits{Concurrency: 1, Queue: 1}})
		answers := make(chan *httptest.ResponseRecorder, 2)
		for _, peer := range []string{"192.0.2.1:1", "192.0.2.2:1"} {
			go func() { answers <- login(h, peer, "admin", "admin@123") }()
		}
		<-checking
		synctest.Wait() // the second login waits for the slot
		w := login(h, "192.0.2.3:1", "admin", "admin@123")
		status, body := decode(t, w)
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Contains(t, []string{"1", "2"}, w.Header().Get("Retry-After"), "spread over two seconds")
		assert.Equal(t, map[string]any{"detail": "Service temporarily unavailable, try again later."}, body)
		close(gate)
		for range 2 {
			assert.Equal(t, http.StatusOK, (<-answers).Code)
		}
		assert.Contains(t, log.String(), `"outcome":"login_busy"`)
	})
}

// TestLoginFloodFromOneAddressLeavesRoom checks that one client address
// holds at most half of the places, slots and queue together: with one
// slot and two places in the queue, a second login from the address that
// holds the slot is refused at once, and two other clients still get in.
func TestLoginFloodFromOneAddressLeavesRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		users, checking, gate := gatedUsers(t)
		var log syncBuffer
		h := newTestServer(t, Config{Users: users, Logger: newJSONLogger(&log), Login: LoginLimits{Concurrency: 1, Queue: 2}})
		answers := make(chan *httptest.ResponseRecorder, 3)
		go func() { answers <- login(h, "192.0.2.1:1", "admin", "admin@123") }()
		<-checking // 192.0.2.1 holds the slot

		w := login(h, "192.0.2.1:2", "admin", "admin@123")
		assert.Equal(t, http.StatusServiceUnavailable, w.Code, "a second place for 192.0.2.1")
		assert.NotEmpty(t, w.Header().Get("Retry-After"))
		assert.Equal(t, http.StatusServiceUnavailable, login(h, "192.0.2.1:3", "", "").Code,
			"refused before its body is read: that body would be 400")
		for _, peer := range []string{"192.0.2.2:1", "[2001:db8::1]:1"} {
			go func() { answers <- login(h, peer, "admin", "admin@123") }()
		}
		synctest.Wait() // both wait in the queue
		assert.Equal(t, http.StatusServiceUnavailable, login(h, "192.0.2.3:1", "admin", "admin@123").Code, "every place is taken")
		close(gate)
		for range 3 {
			assert.Equal(t, http.StatusOK, (<-answers).Code)
		}
		assert.Contains(t, log.String(), `"outcome":"login_busy"`)
	})
}

// TestCounterFailureRefusesLogins checks that the login limits fail
// closed: a Counter that cannot answer stops logins with 503, never lets
// them through uncounted.
func TestCounterFailureRefusesLogins(t *testing.T) {
	var log syncBuffer
	h := newTestServer(t, Config{Counter: failingCounter{}, Logger: newJSONLogger(&log)})
	w := login(h, "192.0.2.1:1", "admin", "admin@123")
	status, body := decode(t, w)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Equal(t, map[string]any{"detail": "Service temporarily unavailable, try again later."}, body)
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Contains(t, log.String(), `"outcome":"login_counter_failed"`)
}

type failingCounter struct{}

func (failingCounter) Add(context.Context, string, int64, time.Duration) (int64, time.Duration, error) {
	return 0, 0, errors.New("counter unreachable")
}
