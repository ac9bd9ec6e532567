package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/sqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests reach the database through a proxy that fails on command,
// and check that the Store fails closed: while the database is down, hangs
// or loses a reply, every call returns an error, never a success or an
// answer that lets a token through, and returns by its context's
// deadline; once the database is back, every call works again.

// target returns the address of srv's server, for a proxy to dial.
func target(t *testing.T, srv server) string {
	t.Helper()
	if srv.dialect == sqlstore.Postgres {
		return net.JoinHostPort(pgConfig.Host, strconv.Itoa(int(pgConfig.Port)))
	}
	require.Equal(t, "tcp", myConfig.Net, "the fault tests need the MySQL server on TCP")
	return myConfig.Addr
}

// faultFixture is a store reached through a proxy, and a pair manager on
// it.
type faultFixture struct {
	proxy *proxy
	db    *sql.DB
	store *sqlstore.Store
	pairs *jwt.Pairs
}

func newFaultFixture(t *testing.T, srv server) faultFixture {
	t.Helper()
	px := newProxy(t, target(t, srv))
	db := srv.open(t, px.Addr())
	s := newStore(t, db, srv.dialect, nil)
	key, err := jwt.NewHMAC(jwt.HS256, pairSecret)
	require.NoError(t, err)
	pairs, err := jwt.NewPairs(jwt.PairConfig{Signer: key, Rotate: true, Store: s})
	require.NoError(t, err)
	return faultFixture{proxy: px, db: db, store: s, pairs: pairs}
}

// call is one call of the Store or of the pair manager.
type call struct {
	name string
	run  func(ctx context.Context) error
}

// calls returns a call of every Store method, and the pair manager's
// Refresh, Revoke and VerifyAnyType, on the session of pair, with ids
// that n makes unique.
func (f faultFixture) calls(pair jwt.Pair, sid string, n int) []call {
	now := time.Now()
	id := fmt.Sprintf("fault-%d", n)
	return []call{
		{"Create", func(ctx context.Context) error { return f.store.Create(ctx, session(id, "u", now)) }},
		{"Session", func(ctx context.Context) error { _, err := f.store.Session(ctx, sid); return err }},
		{"Refresh", func(ctx context.Context) error {
			_, _, err := f.store.Refresh(ctx, sid, "other", id, id, now, now.Add(time.Hour))
			return err
		}},
		{"End", func(ctx context.Context) error { return f.store.End(ctx, id+"-unknown", now.Add(time.Hour)) }},
		{"EndAll", func(ctx context.Context) error { _, err := f.store.EndAll(ctx, "nobody"); return err }},
		{"List", func(ctx context.Context) error { _, err := f.store.List(ctx, "alice"); return err }},
		{"Prune", func(ctx context.Context) error { _, err := f.store.Prune(ctx); return err }},
		{"Migrate", func(ctx context.Context) error { return f.store.Migrate(ctx) }},
		{"Pairs.Refresh", func(ctx context.Context) error { _, err := f.pairs.Refresh(ctx, pair.Refresh); return err }},
		{"Pairs.VerifyAnyType", func(ctx context.Context) error { return f.pairs.VerifyAnyType(ctx, pair.Refresh, nil) }},
		{"Pairs.Revoke", func(ctx context.Context) error { return f.pairs.Revoke(ctx, pair.Refresh) }},
	}
}

// failAll runs every call with a context of the given timeout and checks
// that each fails within limit, with an error matching want unless want
// is nil; it returns the longest a call took.
func failAll(t *testing.T, calls []call, timeout, limit time.Duration, want error) time.Duration {
	t.Helper()
	var longest time.Duration
	for _, c := range calls {
		ctx, cancel := context.WithTimeout(t.Context(), timeout)
		start := time.Now()
		err := c.run(ctx)
		took := time.Since(start)
		cancel()
		longest = max(longest, took)
		assert.Error(t, err, "%s succeeded while the database could not answer", c.name)
		assert.NotErrorIs(t, err, jwt.ErrNoSession, "%s: a failure taken for an unknown session", c.name)
		assert.Less(t, took, limit, "%s took too long to fail: %v", c.name, err)
		if want != nil {
			assert.ErrorIs(t, err, want, c.name)
		}
	}
	return longest
}

// recovered checks that the session sid is as it was and that the pair
// manager refreshes pair again, once the proxy forwards.
func (f faultFixture) recovered(t *testing.T, pair jwt.Pair, sid string, want jwt.Session) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	got, err := f.store.Session(ctx, sid)
	require.NoError(t, err, "the first call after the database came back")
	assert.Equal(t, want, got, "the failed calls changed nothing")
	_, err = f.pairs.Refresh(ctx, pair.Refresh)
	require.NoError(t, err)
	_, err = f.store.List(ctx, "alice")
	require.NoError(t, err)
}

// issue logs subject in and returns the pair, its session id and the
// session.
func (f faultFixture) issue(t *testing.T, subject string) (jwt.Pair, string, jwt.Session) {
	t.Helper()
	pair, err := f.pairs.Issue(t.Context(), subject, nil)
	require.NoError(t, err)
	list, err := f.store.List(t.Context(), subject)
	require.NoError(t, err)
	require.Len(t, list, 1)
	return pair, list[0].ID, list[0]
}

// TestFaultDown: the database goes away, connections and all, and comes
// back, as a server that restarts does.
func TestFaultDown(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		f := newFaultFixture(t, srv)
		for round := range 2 {
			pair, sid, ses := f.issue(t, fmt.Sprintf("alice-%d", round))
			f.proxy.Down()
			longest := failAll(t, f.calls(pair, sid, round), 2*time.Second, time.Second, jwt.ErrUnavailable)
			t.Logf("%s down: every call failed, the slowest in %v", srv.name, longest.Round(time.Millisecond))
			f.proxy.Up()
			f.recovered(t, pair, sid, ses)
		}
	})
}

// TestFaultRestart: the server closes every connection and takes new ones
// at once, as a quick restart does, while the pool holds connections that
// were in use a moment ago. A call on a dead connection fails, closed, at
// most once per connection (pgx checks a connection before reuse only
// when it has been idle for a second; the MySQL driver checks every time),
// and then every call works and the sessions are as they were.
func TestFaultRestart(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		f := newFaultFixture(t, srv)
		pair, sid, ses := f.issue(t, "alice")
		// Use every connection of the pool, twice, so that each has been
		// reset and used lately, as in a busy service.
		for range 2 {
			var conns []*sql.Conn
			for range maxConns {
				c, err := f.db.Conn(t.Context())
				require.NoError(t, err)
				require.NoError(t, c.QueryRowContext(t.Context(), "SELECT 1").Scan(new(int)))
				conns = append(conns, c)
			}
			for _, c := range conns {
				c.Close()
			}
		}
		f.proxy.Drop()
		failed := 0
		for range 2 * maxConns {
			got, err := f.store.Session(t.Context(), sid)
			if err != nil {
				failed++
				continue
			}
			require.Equal(t, ses, got)
		}
		t.Logf("%s restart: %d of %d calls failed", srv.name, failed, 2*maxConns)
		assert.LessOrEqual(t, failed, maxConns, "more failed calls than dead connections")
		f.recovered(t, pair, sid, ses)
	})
}

// TestFaultStall: the database stops answering, on open connections and
// new ones. A call with a 300 ms deadline returns an error within about a
// second; once the database answers again, calls work.
func TestFaultStall(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		f := newFaultFixture(t, srv)
		pair, sid, ses := f.issue(t, "alice")
		f.proxy.Stall()
		calls := f.calls(pair, sid, 0)
		longest := failAll(t, calls, 300*time.Millisecond, time.Second, context.DeadlineExceeded)
		t.Logf("%s stall: every call failed, the slowest in %v", srv.name, longest.Round(time.Millisecond))
		f.proxy.Up()
		f.recovered(t, pair, sid, ses)
	})
}

// TestFaultCut: the connection breaks while a refresh is under way, after
// its UPDATE has reached the database and before the reply has come
// back. The refresh returns an error, though the database recorded it;
// the same call made again is recognised (same from and nonce) and done,
// and any other refresh with that token is not.
func TestFaultCut(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		f := newFaultFixture(t, srv)
		ctx := t.Context()
		now := time.Now()
		ses := session("cut", "u", now)
		require.NoError(t, f.store.Create(ctx, ses))

		f.proxy.CutOn("nonce-of-the-cut")
		start := time.Now()
		_, _, err := f.store.Refresh(ctx, "cut", ses.Token, "t1", "nonce-of-the-cut", now, now.Add(time.Hour))
		took := time.Since(start)
		require.Error(t, err, "a refresh whose reply was lost succeeded")
		t.Logf("%s cut: the refresh failed in %v: %v", srv.name, took.Round(time.Millisecond), err)
		assert.Less(t, took, time.Second)
		f.proxy.Up()

		got, err := f.store.Session(ctx, "cut")
		require.NoError(t, err)
		assert.Equal(t, "t1", got.Token, "the UPDATE reached the database before the cut")
		again, done, err := f.store.Refresh(ctx, "cut", ses.Token, "t1", "nonce-of-the-cut", now, now.Add(time.Hour))
		require.NoError(t, err)
		assert.True(t, done, "the repeated call is done")
		assert.Equal(t, got, again)
		_, done, err = f.store.Refresh(ctx, "cut", ses.Token, "t2", "another-nonce", now, now.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, done, "another refresh with the replaced token")

		// A read cut mid-way fails too.
		f.proxy.CutOn("cut")
		_, err = f.store.Session(ctx, "cut")
		require.Error(t, err)
		f.proxy.Up()
		_, err = f.store.Session(ctx, "cut")
		require.NoError(t, err)
	})
}
