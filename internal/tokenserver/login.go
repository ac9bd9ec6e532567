package tokenserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/simplejwt"
)

// The defaults of LoginLimits.
const (
	DefaultFailuresPerAccount = 10
	DefaultFailuresPerAddress = 50
	DefaultFailureWindow      = 15 * time.Minute
)

// LoginLimits protect the login route, POST /api/token/, whose password
// check is made slow on purpose (PBKDF2, about a tenth of a second of
// CPU): a bound on the checks running at once, so that a flood of logins
// cannot starve the other routes of CPU, and limits on failed logins per
// account and per client address, so that passwords cannot be guessed at
// speed. The zero value is the defaults.
type LoginLimits struct {
	// Concurrency is the most password checks at once. A login that
	// finds every slot taken waits, if fewer than Queue logins already
	// wait, and is otherwise answered at once with 503 and Retry-After.
	// Zero means half the processors the Go runtime runs goroutines on
	// (GOMAXPROCS), at least one, which leaves the other half to the
	// routes that are fast. The checks run on threads of their own at the
	// lowest priority, where the system has one per thread (Linux), so
	// that the fast routes go first when the CPUs are contended, and
	// they let other goroutines run every half millisecond. With
	// GOMAXPROCS 1 a check shares the one processor with everything else,
	// and the other routes may wait up to 10 ms behind it, the interval at
	// which the Go scheduler then looks for network input: give the
	// server at least two CPUs.
	Concurrency int
	// Queue is the most logins that wait for a slot. Zero means twice
	// Concurrency; negative means none wait.
	//
	// One client address (an IPv6 client's /64) holds at most half of
	// the places, slots and queue together, and at least one: a flood of
	// logins from one address leaves room for the others.
	Queue int

	// FailuresPerAccount is how many failed logins one username may have
	// in Window; past it, logins for that username are answered 429 with
	// Retry-After until the window ends, whatever the password. Zero
	// means DefaultFailuresPerAccount (10).
	FailuresPerAccount int
	// FailuresPerAddress is the same for one client address (an IPv6
	// client's /64). Zero means DefaultFailuresPerAddress (50).
	//
	// An attempt is counted from when its password check starts until
	// it succeeds, so the limits may refuse a login early by as many
	// checks as run at once, on every instance sharing the Counter.
	FailuresPerAddress int
	// Window is the length of the windows the failures are counted in.
	// Zero means DefaultFailureWindow (15 minutes).
	Window time.Duration
}

// loginGuard is the Authenticator of the login route: it applies the
// LoginLimits around the accounts' own check (see Authenticate for the
// order), and refuses a login with the errors simplejwt answers 429 and
// 503 with Retry-After.
type loginGuard struct {
	accounts   simplejwt.Authenticator
	counter    Counter
	slots      chan struct{}
	queue      int64
	waiting    atomic.Int64
	perClient  int // places, slots and queue, that one client may hold
	mu         sync.Mutex
	held       map[string]int // places held, by client address key
	perAccount int64
	perAddress int64
	window     time.Duration
	log        *slog.Logger
}

func newLoginGuard(l LoginLimits, accounts simplejwt.Authenticator, counter Counter, log *slog.Logger) *loginGuard {
	n := l.Concurrency
	if n <= 0 {
		n = max(1, runtime.GOMAXPROCS(0)/2)
	}
	q := l.Queue
	switch {
	case q == 0:
		q = 2 * n
	case q < 0:
		q = 0
	}
	g := &loginGuard{
		accounts:   accounts,
		counter:    counter,
		slots:      make(chan struct{}, n),
		queue:      int64(q),
		perClient:  max(1, (n+q)/2),
		held:       make(map[string]int),
		perAccount: int64(l.FailuresPerAccount),
		perAddress: int64(l.FailuresPerAddress),
		window:     l.Window,
		log:        log,
	}
	if g.perAccount <= 0 {
		g.perAccount = DefaultFailuresPerAccount
	}
	if g.perAddress <= 0 {
		g.perAddress = DefaultFailuresPerAddress
	}
	if g.window <= 0 {
		g.window = DefaultFailureWindow
	}
	return g
}

// Authenticate checks username and password within the limits, in this
// order: a login is refused at once when every check slot is taken and
// the queue is full (503), when the account or the address has already
// reached its limit (429), or when its client holds as many places as one
// may (503); otherwise it takes a slot, waiting in the queue if need be,
// and counts itself on both counters before the password is checked. Counting while it holds a slot means that at most
// as many attempts as there are slots, on each instance, are counted but
// not yet decided. The count is taken back when the attempt succeeds, or
// when concurrent attempts took a counter past its limit meanwhile (429),
// so that only failed logins stay counted.
func (g *loginGuard) Authenticate(ctx context.Context, username, password string) (string, map[string]any, error) {
	if g.full() {
		return "", nil, busy(ctx)
	}
	client, _ := clientFrom(ctx)
	addr := addrKey(client)
	keys := []string{"user:" + hashName(username), "addr:" + addr}
	if err := g.count(ctx, keys, 0); err != nil {
		return "", nil, err
	}
	if !g.hold(addr) {
		return "", nil, busy(ctx)
	}
	defer g.release(addr)
	if !g.acquire(ctx) {
		return "", nil, busy(ctx)
	}
	defer func() { <-g.slots }()
	if err := g.count(ctx, keys, 1); err != nil {
		return "", nil, err
	}
	sub, extra, err := g.accounts.Authenticate(ctx, username, password)
	if !errors.Is(err, jwt.ErrNoActiveAccount) {
		g.refund(ctx, keys)
	}
	return sub, extra, err
}

// count adds delta, 0 to look or 1 to count an attempt, to the counters
// of keys, the account's and the address's, and returns the refusal of the
// attempt, or nil when it may go on. It is refused when a counter has
// reached its limit (after the attempt: gone past it) or failed; then
// count has taken back what it added.
func (g *loginGuard) count(ctx context.Context, keys []string, delta int64) error {
	limits := [2]int64{g.perAccount, g.perAddress}
	var wait time.Duration
	for i, k := range keys {
		n, left, err := g.counter.Add(ctx, k, delta, g.window)
		if err != nil {
			if delta != 0 {
				g.refund(ctx, keys[:i])
			}
			g.log.LogAttrs(ctx, slog.LevelError, "login limits: counter failed", slog.String("error", err.Error()))
			return refuse(ctx, "login_counter_failed", jwt.ErrUnavailable, time.Second)
		}
		if n-delta >= limits[i] {
			wait = max(wait, left)
		}
	}
	if wait == 0 {
		return nil
	}
	if delta != 0 {
		g.refund(ctx, keys)
	}
	return refuse(ctx, "login_throttled", simplejwt.ErrThrottled, wait)
}

// refund takes back an attempt counted on keys. It must not be lost to a
// client that went away.
func (g *loginGuard) refund(ctx context.Context, keys []string) {
	ctx = context.WithoutCancel(ctx)
	for _, k := range keys {
		if _, _, err := g.counter.Add(ctx, k, -1, g.window); err != nil {
			g.log.LogAttrs(ctx, slog.LevelError, "login limits: counter failed", slog.String("error", err.Error()))
		}
	}
}

// full reports whether every password check slot is taken and the queue
// is full: a login now would be refused.
func (g *loginGuard) full() bool {
	return len(g.slots) == cap(g.slots) && g.waiting.Load() >= g.queue
}

// hold takes a place, a slot or one in the queue, for the client address
// key addr, and reports false when the client holds perClient already.
func (g *loginGuard) hold(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held[addr] >= g.perClient {
		return false
	}
	g.held[addr]++
	return true
}

// holdsAll reports whether the client address key addr holds as many
// places as one may: a login from it now would be refused.
func (g *loginGuard) holdsAll(addr string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.held[addr] >= g.perClient
}

// release gives back a place that hold took.
func (g *loginGuard) release(addr string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.held[addr]--; g.held[addr] == 0 {
		delete(g.held, addr)
	}
}

// acquire takes a password check slot: at once, or after waiting for one
// if fewer than queue logins wait. It reports false when it got none.
func (g *loginGuard) acquire(ctx context.Context) bool {
	select {
	case g.slots <- struct{}{}:
		return true
	default:
	}
	if g.waiting.Add(1) > g.queue {
		g.waiting.Add(-1)
		return false
	}
	defer g.waiting.Add(-1)
	select {
	case g.slots <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

// route wraps the login route, h being the token routes, so that a flood
// of logins is refused before its bodies are read or its counters
// touched, the cheapest answer there is, when every place is taken or its
// client holds as many as one may: with 503 and Retry-After, as simplejwt
// answers the refusal of busy.
func (g *loginGuard) route(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/token/" || r.Method != http.MethodPost {
			h.ServeHTTP(w, r)
			return
		}
		client, _ := clientFrom(r.Context())
		if !g.full() && !g.holdsAll(addrKey(client)) {
			h.ServeHTTP(w, r)
			return
		}
		wait := busyWait()
		refuse(r.Context(), "login_busy", jwt.ErrUnavailable, wait)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Retry-After", strconv.FormatInt(seconds(wait), 10))
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"detail": unavailable})
	})
}

// refuse returns the refusal of a login for reason, an error wrapping why
// (what simplejwt answers: simplejwt.ErrThrottled or jwt.ErrUnavailable)
// with wait for its Retry-After, and tells the access log the reason.
func refuse(ctx context.Context, reason string, why error, wait time.Duration) error {
	info := requestFrom(ctx)
	info.mu.Lock()
	info.refused = reason
	info.mu.Unlock()
	return simplejwt.RetryAfter(fmt.Errorf("tokenserver: %s: %w", reason, why), wait)
}

// busy is the refusal of a login that finds every slot taken and the
// queue full.
func busy(ctx context.Context) error {
	return refuse(ctx, "login_busy", jwt.ErrUnavailable, busyWait())
}

// busyWait is the Retry-After of a login refused for want of a slot: 1 or
// 2 seconds at random, so that the clients that wait as they are told do
// not all come back at once.
func busyWait() time.Duration {
	return time.Duration(1+rand.N(2)) * time.Second
}

// unavailable is the detail of the answer to a flood of logins: Django
// REST framework's, as simplejwt answers jwt.ErrUnavailable.
const unavailable = "Service temporarily unavailable, try again later."

// seconds is d in whole seconds, rounded up, at least 1: the value of a
// Retry-After header.
func seconds(d time.Duration) int64 {
	return max(1, int64((d+time.Second-1)/time.Second))
}

// hashName is the key of a username in the counters: a hash, so that keys
// have a bounded length and the shared store holds no usernames.
func hashName(username string) string {
	h := sha256.Sum256([]byte(username))
	return hex.EncodeToString(h[:16])
}
