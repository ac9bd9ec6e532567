package redisstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The fault tests start a redis-server of their own and kill it, stall it,
// restart it empty or from its append-only file, or lose a reply between
// it and the client, while pair managers use it. A service must then fail
// closed (a Store that cannot answer is an error, never a token let
// through and never a logout) and, once Redis is back, keep every session
// whose state Redis kept.

// readmeOptions are the client settings the README recommends.
func readmeOptions() redis.Options {
	return redis.Options{
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
	}
}

// faultPairs returns a rotating pair manager over a Store on client, on
// clock c, that checks sessions on access too. edit, when not nil,
// changes the configuration first.
func faultPairs(t *testing.T, client redis.UniversalClient, c *clock, edit func(*jwt.PairConfig)) *jwt.Pairs {
	return newInstance(t, client, redisstore.DefaultPrefix, c, func(cfg *jwt.PairConfig) {
		cfg.RevokeAccess = true
		if edit != nil {
			edit(cfg)
		}
	})
}

// issue logs n subjects in and returns their pairs.
func issue(t *testing.T, p *jwt.Pairs, n int) []jwt.Pair {
	t.Helper()
	out := make([]jwt.Pair, n)
	for i := range out {
		var err error
		out[i], err = p.Issue(t.Context(), "user-"+string(rune('a'+i%26)), nil)
		require.NoError(t, err)
	}
	return out
}

// tally counts the outcomes of calls made during a fault.
type tally struct {
	mu                sync.Mutex
	calls, ok, failed int
	late              int           // calls started after the fault
	revoked           int           // failures that said the token was revoked
	unexplained       int           // failures neither unavailable nor past their deadline
	lateOK            int           // successes of calls started after the fault
	slowest           time.Duration // the longest call that ended after the fault
}

// add counts the outcome of a call that took took, started after the
// fault when late is set, and ended after it when ended is set.
func (c *tally) add(err error, late, ended bool, took time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls++
	if late {
		c.late++
	}
	switch {
	case err == nil:
		c.ok++
		if late {
			c.lateOK++
		}
	default:
		c.failed++
		if errors.Is(err, jwt.ErrRevoked) {
			c.revoked++
		}
		if !errors.Is(err, jwt.ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded) {
			c.unexplained++
		}
	}
	if ended {
		c.slowest = max(c.slowest, took)
	}
}

// user is one user's client during a fault test: the pair manager it
// refreshes through, and, when not nil, a clock of its own that moves a
// second before each refresh.
type user struct {
	p *jwt.Pairs
	c *clock
}

// traffic refreshes the pairs over and over, the pair i as users[i], one
// goroutine each, with a deadline of a second per call, until stop is
// closed. Each keeps the newest refresh token it was given; after is set
// once the fault has happened. It returns the refresh tokens held at the
// end.
func traffic(users []user, pairs []jwt.Pair, stop <-chan struct{}, after *atomic.Bool, c *tally) []string {
	held := make([]string, len(pairs))
	var wg sync.WaitGroup
	for i := range pairs {
		held[i] = pairs[i].Refresh
		u := users[i]
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if u.c != nil {
					u.c.Advance(time.Second)
				}
				late := after.Load()
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				start := time.Now()
				next, err := u.p.Refresh(ctx, held[i])
				if err == nil {
					err = u.p.VerifyAccess(ctx, next.Access, nil)
				}
				c.add(err, late, after.Load(), time.Since(start))
				cancel()
				if err == nil {
					held[i] = next.Refresh
				}
				if late {
					time.Sleep(10 * time.Millisecond) // the store is down: no need to spin
				}
			}
		})
	}
	wg.Wait()
	return held
}

// TestFaultKilled kills Redis with SIGKILL in the middle of refreshes:
// every call made after returns an error within its deadline, none
// succeeds and none says the token is revoked.
func TestFaultKilled(t *testing.T) {
	srv := startRedis(t)
	p := faultPairs(t, srv.Client(readmeOptions()), newClock(), nil)
	pairs := issue(t, p, 8)
	var c tally
	var after atomic.Bool
	// The calls go on past the deadline of those in flight at the kill.
	stop := killAfter(srv, 300*time.Millisecond, &after, 1500*time.Millisecond)
	traffic(slices.Repeat([]user{{p: p}}, len(pairs)), pairs, stop, &after, &c)

	t.Logf("killed mid-traffic: %d calls, %d succeeded, %d failed (%d as revoked); %d started after the kill, %d of them succeeded; slowest call that ended after the kill %v",
		c.calls, c.ok, c.failed, c.revoked, c.late, c.lateOK, c.slowest.Round(time.Millisecond))
	assert.Positive(t, c.ok, "the calls before the kill succeeded")
	assert.Positive(t, c.failed, "the calls after the kill failed")
	assert.Zero(t, c.lateOK, "no call succeeds once Redis is dead")
	assert.Zero(t, c.revoked, "a dead store is an error, not a logout")
	assert.Zero(t, c.unexplained, "a dead store is unavailable (jwt.ErrUnavailable), or the call's deadline passed")
	assert.Less(t, c.slowest, 2*time.Second, "calls return by their deadline")
}

// TestFaultRestartedEmpty restarts Redis without its data: every token
// issued before is refused, as revoked, and new logins work.
func TestFaultRestartedEmpty(t *testing.T) {
	srv := startRedis(t)
	p := faultPairs(t, srv.Client(readmeOptions()), newClock(), nil)
	ctx := t.Context()
	pairs := issue(t, p, 5)
	for i, pair := range pairs {
		next, err := p.Refresh(ctx, pair.Refresh)
		require.NoError(t, err)
		pairs[i] = next
	}

	srv.Kill()
	srv.Restart()

	refused := 0
	for _, pair := range pairs {
		_, err := p.Refresh(ctx, pair.Refresh)
		require.ErrorIs(t, err, jwt.ErrRevoked, "a refresh token of a session Redis lost is refused")
		assert.NotErrorIs(t, err, jwt.ErrReused)
		assert.ErrorIs(t, p.VerifyAccess(ctx, pair.Access, nil), jwt.ErrRevoked, "so is its access token")
		refused++
	}
	fresh, err := p.Issue(ctx, "user-a", nil)
	require.NoError(t, err, "a new login works")
	next, err := p.Refresh(ctx, fresh.Refresh)
	require.NoError(t, err, "and refreshes")
	require.NoError(t, p.VerifyAccess(ctx, next.Access, nil))
	t.Logf("restarted empty: %d of %d sessions refused, new login and refresh work", refused, len(pairs))
}

// TestFaultStalled stops Redis with SIGSTOP: a call with a deadline of
// 300 ms returns with an error by then, on a client that ignores
// contexts and on one with no read timeout at all, and Redis works again
// once continued.
func TestFaultStalled(t *testing.T) {
	srv := startRedis(t)
	const deadline = 300 * time.Millisecond
	for _, tt := range []struct {
		name string
		opt  redis.Options
	}{
		{"default client", redis.Options{}},
		{"no read timeout", redis.Options{ReadTimeout: -1, WriteTimeout: -1}},
		{"README settings", readmeOptions()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			client := srv.Client(tt.opt)
			c := newClock()
			p := faultPairs(t, client, c, nil)
			store := newStore(t, client, redisstore.Config{Timeout: deadline, Now: c.Now})
			pair, err := p.Issue(t.Context(), "user-a", nil)
			require.NoError(t, err)

			srv.Stall()
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			start := time.Now()
			_, err = p.Refresh(ctx, pair.Refresh)
			byContext := time.Since(start)
			cancel()
			require.ErrorIs(t, err, context.DeadlineExceeded)
			start = time.Now()
			_, err = store.List(context.Background(), "user-a")
			byTimeout := time.Since(start)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorIs(t, err, jwt.ErrUnavailable, "no reply within Config.Timeout")
			srv.Resume()

			t.Logf("stalled, %s: Pairs.Refresh with a %v deadline returned after %v; Store.List with Config.Timeout %v after %v",
				tt.name, deadline, byContext.Round(time.Millisecond), deadline, byTimeout.Round(time.Millisecond))
			assert.Less(t, byContext, time.Second)
			assert.Less(t, byTimeout, time.Second)
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				_, err := p.Refresh(t.Context(), pair.Refresh)
				assert.NoError(c, err)
			}, 10*time.Second, 50*time.Millisecond, "the session works once Redis continues")
		})
	}
}

// TestFaultLostReply loses the reply of the first Refresh script on the
// way back from Redis, which carried it out: the retry of the client, and
// that of the application within the grace, find the session as the
// lost call left it, and the user stays logged in.
func TestFaultLostReply(t *testing.T) {
	srv := startRedis(t)
	marker := []byte(redisstore.RefreshScript.Hash())
	for _, tt := range []struct {
		name  string
		stall bool // whether the proxy keeps the connection open
		opt   redis.Options
		edit  func(*jwt.PairConfig)
		// appRetries is set where the client does not retry and the
		// application calls Pairs.Refresh again.
		appRetries bool
		// reused is set where the session must end: the documented
		// cost of NoReuseGrace when the application retries.
		reused bool
	}{
		{name: "client retry, connection closed, NoReuseGrace", opt: redis.Options{},
			edit: func(cfg *jwt.PairConfig) { cfg.NoReuseGrace = true }},
		{name: "client retry, connection stalled, NoReuseGrace", stall: true, opt: redis.Options{ReadTimeout: 300 * time.Millisecond},
			edit: func(cfg *jwt.PairConfig) { cfg.NoReuseGrace = true }},
		{name: "client retry, README settings", opt: readmeOptions()},
		{name: "application retry within the grace", opt: redis.Options{MaxRetries: -1}, appRetries: true},
		{name: "application retry, NoReuseGrace", opt: redis.Options{MaxRetries: -1}, appRetries: true, reused: true,
			edit: func(cfg *jwt.PairConfig) { cfg.NoReuseGrace = true }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			proxy := newProxy(t, srv.Addr(), marker, tt.stall)
			opt := tt.opt
			opt.Addr = proxy.Addr()
			client := redis.NewClient(&opt)
			t.Cleanup(func() { client.Close() })
			require.NoError(t, redisstore.RefreshScript.Load(ctx, client).Err(), "the script is loaded, so the call is EVALSHA")
			c := newClock()
			p := faultPairs(t, client, c, tt.edit)
			store := newStore(t, client, redisstore.Config{Now: c.Now})
			pair, err := p.Issue(ctx, "user-a", nil)
			require.NoError(t, err)
			sid := sessionOf(t, c, pair.Refresh)

			proxy.Arm()
			next, err := p.Refresh(ctx, pair.Refresh)
			require.Equal(t, int32(1), proxy.dropped.Load(), "the reply was dropped")
			attempts := 1
			if tt.appRetries {
				require.Error(t, err, "without client retries the lost reply is an error")
				assert.NotErrorIs(t, err, jwt.ErrRevoked)
				next, err = p.Refresh(ctx, pair.Refresh)
				attempts++
			}
			if tt.reused {
				require.ErrorIs(t, err, jwt.ErrReused, "with NoReuseGrace the application's retry is reuse")
				ses, err := store.Session(ctx, sid)
				require.NoError(t, err)
				assert.True(t, ses.Ended)
				t.Logf("lost reply, %s: %d Pairs.Refresh calls, session ended (the documented cost)", tt.name, attempts)
				return
			}
			require.NoError(t, err, "the retried refresh is recognised")
			ses, err := store.Session(ctx, sid)
			require.NoError(t, err)
			assert.False(t, ses.Ended, "the session survives")
			assert.Equal(t, ses.Token, jti(t, c, next.Refresh), "the new refresh token is the one the lost call recorded")
			next, err = p.Refresh(ctx, next.Refresh)
			require.NoError(t, err, "and it refreshes")
			require.NoError(t, p.VerifyAccess(ctx, next.Access, nil))
			t.Logf("lost reply, %s: %d Pairs.Refresh calls, %d reply dropped, session alive", tt.name, attempts, proxy.dropped.Load())
		})
	}
}

// TestFaultLostCreateReply loses the reply of the Create script of a login
// on the way back from Redis, which carried it out: the client's retry
// finds the session it created, and the login succeeds.
func TestFaultLostCreateReply(t *testing.T) {
	srv := startRedis(t)
	marker := []byte(redisstore.CreateScript.Hash())
	for _, tt := range []struct {
		name  string
		stall bool
		opt   redis.Options
	}{
		{name: "connection closed", opt: redis.Options{}},
		{name: "connection stalled", stall: true, opt: redis.Options{ReadTimeout: 300 * time.Millisecond}},
		{name: "README settings", opt: readmeOptions()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			proxy := newProxy(t, srv.Addr(), marker, tt.stall)
			opt := tt.opt
			opt.Addr = proxy.Addr()
			client := redis.NewClient(&opt)
			t.Cleanup(func() { client.Close() })
			require.NoError(t, redisstore.CreateScript.Load(ctx, client).Err(), "the script is loaded, so the call is EVALSHA")
			c := newClock()
			p := faultPairs(t, client, c, nil)
			store := newStore(t, client, redisstore.Config{Now: c.Now})

			subject := "user-" + tt.name // the subtests share the server
			proxy.Arm()
			pair, err := p.Issue(ctx, subject, nil)
			require.Equal(t, int32(1), proxy.dropped.Load(), "the reply was dropped")
			require.NoError(t, err, "the client's retry of the Create is recognised")
			ses, err := store.Session(ctx, sessionOf(t, c, pair.Refresh))
			require.NoError(t, err)
			assert.Equal(t, jti(t, c, pair.Refresh), ses.Token)
			list, err := store.List(ctx, subject)
			require.NoError(t, err)
			assert.Len(t, list, 1, "one session")
			next, err := p.Refresh(ctx, pair.Refresh)
			require.NoError(t, err, "the login's refresh token works")
			require.NoError(t, p.VerifyAccess(ctx, next.Access, nil))
		})
	}
}

// sessionOf returns the session id of a token issued on clock c.
func sessionOf(t *testing.T, c *clock, token string) string {
	t.Helper()
	var claims struct {
		jwt.Claims
		SID string `json:"sid"`
	}
	key, err := jwt.NewHMAC(jwt.HS256, pairSecret)
	require.NoError(t, err)
	require.NoError(t, jwt.Expect{Now: c.Now}.Verify(token, key, &claims))
	return claims.SID
}

// TestFaultCrashWithAOF kills Redis with SIGKILL during refreshes with
// the append-only file on (appendfsync everysec) and restarts it from
// the file: the sessions whose refreshes were in flight survive, and
// logouts the file kept stay. Then the same crash losing the tail of the
// file, as a machine crash loses what was not yet synced: refreshes lost
// with it are healed by the pair manager, and logouts lost with it are
// undone, the cost the README states.
func TestFaultCrashWithAOF(t *testing.T) {
	for _, lostTail := range []bool{false, true} {
		name := "kill"
		if lostTail {
			name = "kill, the last writes lost"
		}
		t.Run(name, func(t *testing.T) { crashWithAOF(t, lostTail) })
	}
}

func crashWithAOF(t *testing.T, lostTail bool) {
	srv := startRedis(t, "--appendonly", "yes", "--appendfsync", "everysec")
	c := newClock()
	client := srv.Client(readmeOptions())
	p := faultPairs(t, client, c, nil)
	ctx := t.Context()
	const early, late = 10, 5 // sessions logged out before and after the synced point
	pairs := issue(t, p, 40)
	for i := range pairs {
		next, err := p.Refresh(ctx, pairs[i].Refresh)
		require.NoError(t, err)
		pairs[i] = next
	}
	for _, pair := range pairs[:early] {
		require.NoError(t, p.Revoke(ctx, pair.Refresh))
	}
	aof := aofFile(t, srv.dir)
	synced := fileSize(t, aof) // what a machine crash would keep, in the second case

	c.Advance(2 * time.Second)
	for _, pair := range pairs[early : early+late] {
		require.NoError(t, p.Revoke(ctx, pair.Refresh))
	}
	// Each user refreshes on a clock of its own, a second later each
	// time, so that every refresh token of a session has an iat of its
	// own: the pair manager heals a lost refresh by a newer iat than the
	// store's last refresh, to the second.
	busy := pairs[early+late:]
	users := make([]user, len(busy))
	for i := range users {
		uc := &clock{now: c.Now()}
		users[i] = user{p: faultPairs(t, client, uc, nil), c: uc}
	}
	var tl tally
	var after atomic.Bool
	held := traffic(users, busy, killAfter(srv, 300*time.Millisecond, &after, 100*time.Millisecond), &after, &tl)
	if lostTail {
		require.NoError(t, os.Truncate(aof, synced))
	}
	srv.Restart()
	reconnect(t, client)

	kinds := compare(t, newStore(t, client, redisstore.Config{Now: c.Now}), users, held)
	alive := 0
	for i, tok := range held {
		u := users[i]
		u.c.Advance(time.Second) // within the grace of its last refresh
		next, err := u.p.Refresh(ctx, tok)
		if assert.NoError(t, err, "session %d, whose refreshes were in flight, survives", i) {
			_, err = u.p.Refresh(ctx, next.Refresh)
			if assert.NoError(t, err, "and refreshes again") {
				alive++
			}
		}
	}
	assert.Equal(t, early, refused(t, p, pairs[:early]), "a logout the file kept stays")
	undone := late - refused(t, p, pairs[early:early+late])
	if lostTail {
		assert.Equal(t, late, undone, "a logout lost with the file's tail is undone")
	} else {
		assert.Zero(t, undone, "a logout the file kept stays")
	}
	t.Logf("AOF everysec, %s: %d refreshes before the kill (%d succeeded, %d failed, %d as revoked); after the restart the store had %d sessions current, %d a refresh ahead of its user (reply lost), %d behind (refresh lost); %d of %d alive after a refresh, %d of %d early logouts kept, %d of %d late logouts undone",
		map[bool]string{false: "kill -9", true: "kill -9 and the unsynced tail lost"}[lostTail],
		tl.calls, tl.ok, tl.failed, tl.revoked, kinds["current"], kinds["reply lost"], kinds["refresh lost"], alive, len(held), early, early, undone, late)
	assert.Zero(t, tl.revoked, "no refresh was refused as revoked during the traffic")
}

// killAfter kills srv after wait, then sets after, and closes the channel
// it returns linger later.
func killAfter(srv *redisServer, wait time.Duration, after *atomic.Bool, linger time.Duration) <-chan struct{} {
	stop := make(chan struct{})
	go func() {
		time.Sleep(wait)
		srv.Kill()
		after.Store(true)
		time.Sleep(linger)
		close(stop)
	}()
	return stop
}

// compare counts how the store left the session of each held token,
// issued on the clock of its user: as the token's (current), one refresh
// ahead of it, whose reply was lost (the grace serves it), or behind it,
// having lost a refresh (the pair manager heals it).
func compare(t *testing.T, store *redisstore.Store, users []user, held []string) map[string]int {
	t.Helper()
	kinds := map[string]int{}
	for i, tok := range held {
		uc := users[i].c
		ses, err := store.Session(t.Context(), sessionOf(t, uc, tok))
		require.NoError(t, err)
		switch jti(t, uc, tok) {
		case ses.Token:
			kinds["current"]++
		case ses.Previous:
			kinds["reply lost"]++
		default:
			kinds["refresh lost"]++
		}
	}
	return kinds
}

// refused returns how many of pairs p refuses to refresh as revoked, and
// requires the others to refresh.
func refused(t *testing.T, p *jwt.Pairs, pairs []jwt.Pair) int {
	t.Helper()
	n := 0
	for _, pair := range pairs {
		_, err := p.Refresh(t.Context(), pair.Refresh)
		if errors.Is(err, jwt.ErrRevoked) {
			n++
		} else {
			require.NoError(t, err)
		}
	}
	return n
}

// reconnect waits until client reaches Redis again. After failed dials,
// go-redis fails fast with the last dial error and tries again once a
// second, so a Redis that is back may take a second to be seen.
func reconnect(t *testing.T, client *redis.Client) {
	t.Helper()
	start := time.Now()
	require.Eventually(t, func() bool { return client.Ping(t.Context()).Err() == nil }, 10*time.Second, 10*time.Millisecond)
	t.Logf("the client reached the restarted Redis after %v", time.Since(start).Round(time.Millisecond))
}

// aofFile returns the append-only file Redis writes to now in dir: the
// last incremental file of Redis 7, or the one file of earlier versions.
func aofFile(t *testing.T, dir string) string {
	t.Helper()
	incr, err := filepath.Glob(filepath.Join(dir, "appendonlydir", "*.incr.aof"))
	require.NoError(t, err)
	if len(incr) > 0 {
		slices.Sort(incr)
		return incr[len(incr)-1]
	}
	return filepath.Join(dir, "appendonly.aof")
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	return fi.Size()
}
