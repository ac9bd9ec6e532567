package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/sqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixture is a store on one server with its own table and clock.
type fixture struct {
	db    *sql.DB
	store *sqlstore.Store
	clock *clock
}

func newFixture(t *testing.T, srv server) fixture {
	t.Helper()
	db := srv.open(t, "")
	c := newClock()
	return fixture{db: db, store: newStore(t, db, srv.dialect, c.Now), clock: c}
}

// forEachServer runs test once per server, as a parallel subtest.
func forEachServer(t *testing.T, list []server, test func(t *testing.T, srv server)) {
	for _, srv := range list {
		t.Run(srv.name, func(t *testing.T) {
			t.Parallel()
			test(t, srv)
		})
	}
}

// session returns a new session of subject created now, expiring in an
// hour.
func session(id, subject string, now time.Time) jwt.Session {
	return jwt.Session{ID: id, Subject: subject, Created: now, Refreshed: now, Expires: now.Add(time.Hour), Token: id + "-t0"}
}

func TestNewConfig(t *testing.T) {
	db := servers[0].open(t, "")
	tests := []struct {
		name string
		db   *sql.DB
		cfg  sqlstore.Config
	}{
		{name: "nil db", cfg: sqlstore.Config{Dialect: sqlstore.Postgres}},
		{name: "no dialect", db: db},
		{name: "unknown dialect", db: db, cfg: sqlstore.Config{Dialect: 3}},
		{name: "uppercase prefix", db: db, cfg: sqlstore.Config{Dialect: sqlstore.Postgres, TablePrefix: "Auth_"}},
		{name: "prefix with a dot", db: db, cfg: sqlstore.Config{Dialect: sqlstore.Postgres, TablePrefix: "auth.jwt_"}},
		{name: "prefix with a quote", db: db, cfg: sqlstore.Config{Dialect: sqlstore.MySQL, TablePrefix: "a`b"}},
		{name: "prefix starting with a digit", db: db, cfg: sqlstore.Config{Dialect: sqlstore.MySQL, TablePrefix: "1_"}},
		{name: "prefix too long", db: db, cfg: sqlstore.Config{Dialect: sqlstore.MySQL, TablePrefix: strings.Repeat("a", 41)}},
		{name: "negative PruneBatch", db: db, cfg: sqlstore.Config{Dialect: sqlstore.MySQL, PruneBatch: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := sqlstore.New(tt.db, tt.cfg)
			require.ErrorIs(t, err, jwt.ErrConfig)
			assert.Nil(t, s)
		})
	}
}

func TestNewDefaults(t *testing.T) {
	db := servers[0].open(t, "")
	s, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.Postgres})
	require.NoError(t, err)
	assert.Equal(t, "jwt_sessions", s.Table(), "TablePrefix defaults to jwt_")
	assert.Equal(t, sqlstore.DefaultPruneBatch, sqlstore.PruneBatch(s), "PruneBatch defaults to DefaultPruneBatch")
	assert.Equal(t, 1000, sqlstore.DefaultPruneBatch)

	s, err = sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.MySQL, TablePrefix: "auth_", PruneBatch: 7})
	require.NoError(t, err)
	assert.Equal(t, "auth_sessions", s.Table())
	assert.Equal(t, 7, sqlstore.PruneBatch(s))
}

// TestNowDefault pins that a nil Now means time.Now: a session that
// expires a second from the wall clock's now is live, and one that
// expired a second ago is not kept.
func TestNowDefault(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		db := srv.open(t, "")
		s := newStore(t, db, srv.dialect, nil)
		ctx := t.Context()
		now := time.Now()
		live := session("live", "u", now)
		live.Expires = now.Add(time.Minute)
		require.NoError(t, s.Create(ctx, live))
		_, err := s.Session(ctx, "live")
		require.NoError(t, err)
		gone := session("gone", "u", now)
		gone.Expires = now.Add(-time.Second)
		require.NoError(t, s.Create(ctx, gone))
		_, err = s.Session(ctx, "gone")
		require.ErrorIs(t, err, jwt.ErrNoSession)
	})
}

func TestDialectString(t *testing.T) {
	assert.Equal(t, "postgres", sqlstore.Postgres.String())
	assert.Equal(t, "mysql", sqlstore.MySQL.String())
	assert.Equal(t, "Dialect(0)", sqlstore.Dialect(0).String())
}

func TestRoundTrip(t *testing.T) {
	forEachServer(t, servers, func(t *testing.T, srv server) {
		f := newFixture(t, srv)
		ctx := t.Context()
		now := f.clock.Now()
		want := jwt.Session{
			ID: "s1", Subject: "ünïcode subject", Created: now.Add(-time.Minute), Refreshed: now,
			Expires: now.Add(time.Hour), Token: "t1", Previous: "t0", Nonce: "n0",
		}
		require.NoError(t, f.store.Create(ctx, want))
		got, err := f.store.Session(ctx, "s1")
		require.NoError(t, err)
		assert.Equal(t, want, got)

		// Times are kept to the microsecond; the zero time stays zero.
		odd := jwt.Session{ID: "s2", Subject: "u", Refreshed: now.Add(1234567 * time.Nanosecond), Expires: now.Add(time.Hour), Token: "t"}
		require.NoError(t, f.store.Create(ctx, odd))
		got, err = f.store.Session(ctx, "s2")
		require.NoError(t, err)
		assert.True(t, got.Created.IsZero())
		assert.Equal(t, now.Add(1234*time.Microsecond), got.Refreshed)

		// Ids compare byte by byte: no case folding, no padding.
		for _, id := range []string{"S1", "s1 ", " s1"} {
			_, err := f.store.Session(ctx, id)
			assert.ErrorIs(t, err, jwt.ErrNoSession, "%q", id)
		}
	})
}

func TestCreate(t *testing.T) {
	forEachServer(t, servers, func(t *testing.T, srv server) {
		f := newFixture(t, srv)
		ctx := t.Context()
		now := f.clock.Now()

		require.NoError(t, f.store.Create(ctx, session("a", "u", now)))
		err := f.store.Create(ctx, session("a", "v", now))
		require.ErrorIs(t, err, jwt.ErrStoreExists)
		got, err := f.store.Session(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, "u", got.Subject, "a refused Create changes nothing")

		// An expired session is not kept, but its id may not be taken
		// while held.
		dead := session("a", "v", now)
		dead.Expires = now
		require.ErrorIs(t, f.store.Create(ctx, dead), jwt.ErrStoreExists)
		dead.ID = "b"
		require.NoError(t, f.store.Create(ctx, dead))
		_, err = f.store.Session(ctx, "b")
		require.ErrorIs(t, err, jwt.ErrNoSession)

		// Once a session has expired, its id is free, before Prune too.
		f.clock.Advance(time.Hour)
		next := session("a", "w", f.clock.Now())
		require.NoError(t, f.store.Create(ctx, next))
		got, err = f.store.Session(ctx, "a")
		require.NoError(t, err)
		assert.Equal(t, next, got)

		// Create never records an ended session.
		ended := session("c", "u", f.clock.Now())
		ended.Ended = true
		require.NoError(t, f.store.Create(ctx, ended))
		got, err = f.store.Session(ctx, "c")
		require.NoError(t, err)
		assert.False(t, got.Ended)
	})
}

func TestRefresh(t *testing.T) {
	forEachServer(t, servers, func(t *testing.T, srv server) {
		f := newFixture(t, srv)
		ctx := t.Context()
		now := f.clock.Now()
		s0 := session("s", "u", now)
		require.NoError(t, f.store.Create(ctx, s0))
		at := now.Add(time.Minute)

		// A wrong token changes nothing.
		got, done, err := f.store.Refresh(ctx, "s", "other", "t1", "n1", at, at.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, done)
		assert.Equal(t, s0, got)

		// The current token: done, and the session changed. Expires
		// only grows.
		got, done, err = f.store.Refresh(ctx, "s", s0.Token, "t1", "n1", at, now.Add(time.Minute))
		require.NoError(t, err)
		assert.True(t, done)
		want := s0
		want.Previous, want.Token, want.Nonce, want.Refreshed = s0.Token, "t1", "n1", at
		assert.Equal(t, want, got)
		stored, err := f.store.Session(ctx, "s")
		require.NoError(t, err)
		assert.Equal(t, want, stored)

		// The same call again (a lost reply, retried): done, nothing
		// changed.
		got, done, err = f.store.Refresh(ctx, "s", s0.Token, "t1", "n1", at.Add(time.Second), at.Add(2*time.Hour))
		require.NoError(t, err)
		assert.True(t, done)
		assert.Equal(t, want, got)
		// The replaced token with another nonce: not done.
		got, done, err = f.store.Refresh(ctx, "s", s0.Token, "t2", "n2", at, at.Add(time.Hour))
		require.NoError(t, err)
		assert.False(t, done)
		assert.Equal(t, want, got)

		// Without rotation (to is from), the same call twice changes
		// nothing the second time, and is done both times: on MySQL
		// without clientFoundRows the UPDATE of a row to the values it
		// has would count no row.
		at2 := at.Add(time.Minute)
		exp2 := at2.Add(2 * time.Hour)
		for range 2 {
			got, done, err = f.store.Refresh(ctx, "s", "t1", "t1", "n3", at2, exp2)
			require.NoError(t, err)
			assert.True(t, done)
			assert.Equal(t, jwt.Session{ID: "s", Subject: "u", Created: now, Refreshed: at2, Expires: exp2,
				Token: "t1", Previous: "t1", Nonce: "n3"}, got)
		}

		// An ended session is never refreshed.
		require.NoError(t, f.store.End(ctx, "s", time.Time{}))
		got, done, err = f.store.Refresh(ctx, "s", "t1", "t4", "n4", at2, exp2)
		require.NoError(t, err)
		assert.False(t, done)
		assert.True(t, got.Ended)
		assert.Equal(t, "t1", got.Token)

		// Unknown and expired sessions.
		_, _, err = f.store.Refresh(ctx, "none", "t", "t", "n", at, exp2)
		require.ErrorIs(t, err, jwt.ErrNoSession)
		require.NoError(t, f.store.Create(ctx, session("x", "u", f.clock.Now())))
		f.clock.Advance(time.Hour)
		_, _, err = f.store.Refresh(ctx, "x", "x-t0", "t", "n", f.clock.Now(), f.clock.Now().Add(time.Hour))
		require.ErrorIs(t, err, jwt.ErrNoSession)

		for _, args := range [][4]string{{"", "a", "b", "c"}, {"s", "", "b", "c"}, {"s", "a", "", "c"}, {"s", "a", "b", ""}} {
			_, _, err := f.store.Refresh(ctx, args[0], args[1], args[2], args[3], at, at)
			assert.ErrorIs(t, err, jwt.ErrStoreEmptyID, "%q", args)
		}
	})
}

func TestEnd(t *testing.T) {
	forEachServer(t, servers, func(t *testing.T, srv server) {
		f := newFixture(t, srv)
		ctx := t.Context()
		now := f.clock.Now()
		s := session("s", "u", now)
		require.NoError(t, f.store.Create(ctx, s))

		// Ending keeps the session until the later of the two times.
		require.NoError(t, f.store.End(ctx, "s", now.Add(time.Minute)))
		got, err := f.store.Session(ctx, "s")
		require.NoError(t, err)
		s.Ended = true
		assert.Equal(t, s, got)
		require.NoError(t, f.store.End(ctx, "s", now.Add(2*time.Hour)))
		got, err = f.store.Session(ctx, "s")
		require.NoError(t, err)
		s.Expires = now.Add(2 * time.Hour)
		assert.Equal(t, s, got, "ending again only lengthens")
		require.NoError(t, f.store.End(ctx, "s", time.Time{}))
		got, err = f.store.Session(ctx, "s")
		require.NoError(t, err)
		assert.Equal(t, s, got)

		// An unknown session is recorded ended, with no subject, until
		// expires; with an expires already passed, nothing is recorded.
		require.NoError(t, f.store.End(ctx, "u1", now.Add(time.Hour)))
		got, err = f.store.Session(ctx, "u1")
		require.NoError(t, err)
		assert.Equal(t, jwt.Session{ID: "u1", Expires: now.Add(time.Hour), Ended: true}, got)
		require.NoError(t, f.store.End(ctx, "u2", now))
		_, err = f.store.Session(ctx, "u2")
		require.ErrorIs(t, err, jwt.ErrNoSession)

		// A session that has expired but is still in the table is not
		// held: End records the id anew.
		require.NoError(t, f.store.Create(ctx, session("old", "u", now.Add(-2*time.Hour))))
		require.NoError(t, f.store.End(ctx, "old", now.Add(time.Hour)))
		got, err = f.store.Session(ctx, "old")
		require.NoError(t, err)
		assert.Equal(t, jwt.Session{ID: "old", Expires: now.Add(time.Hour), Ended: true}, got)

		assert.ErrorIs(t, f.store.End(ctx, "", now.Add(time.Hour)), jwt.ErrStoreEmptyID)
	})
}

func TestEndAllAndList(t *testing.T) {
	forEachServer(t, servers, func(t *testing.T, srv server) {
		f := newFixture(t, srv)
		ctx := t.Context()
		now := f.clock.Now()
		var want []jwt.Session
		for i := range 5 {
			s := session(fmt.Sprintf("s%d", 4-i), "u", now.Add(time.Duration(i)*time.Second))
			require.NoError(t, f.store.Create(ctx, s))
			want = append(want, s)
		}
		same := session("s9", "u", now) // created with s4: after it by id
		require.NoError(t, f.store.Create(ctx, same))
		want = append(want[:1], append([]jwt.Session{same}, want[1:]...)...)
		require.NoError(t, f.store.Create(ctx, session("v1", "v", now)))
		require.NoError(t, f.store.Create(ctx, session("short", "u", now.Add(-59*time.Minute))))
		f.clock.Advance(time.Minute) // "short" expires

		list, err := f.store.List(ctx, "u")
		require.NoError(t, err)
		assert.Equal(t, want, list)

		require.NoError(t, f.store.End(ctx, "s2", time.Time{}))
		n, err := f.store.EndAll(ctx, "u")
		require.NoError(t, err)
		assert.Equal(t, 5, n, "EndAll counts the sessions it ended")
		n, err = f.store.EndAll(ctx, "u")
		require.NoError(t, err)
		assert.Zero(t, n)
		list, err = f.store.List(ctx, "u")
		require.NoError(t, err)
		assert.Empty(t, list)
		got, err := f.store.Session(ctx, "s0")
		require.NoError(t, err)
		assert.True(t, got.Ended)

		list, err = f.store.List(ctx, "v")
		require.NoError(t, err)
		assert.Len(t, list, 1)
		list, err = f.store.List(ctx, "")
		require.NoError(t, err)
		assert.Empty(t, list)
		_, err = f.store.EndAll(ctx, "")
		assert.ErrorIs(t, err, jwt.ErrStoreEmptyID)
	})
}

func TestInvalidID(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		f := newFixture(t, srv)
		ctx := t.Context()
		now := f.clock.Now()
		long := strings.Repeat("x", sqlstore.MaxIDLength+1)
		for _, id := range []string{long, "a\x00b", "\xff"} {
			require.ErrorIs(t, f.store.Create(ctx, session(id, "u", now)), sqlstore.ErrInvalidID)
			require.ErrorIs(t, f.store.Create(ctx, session("s", id, now)), sqlstore.ErrInvalidID)
			_, _, err := f.store.Refresh(ctx, "s", id, "t", "n", now, now)
			require.ErrorIs(t, err, sqlstore.ErrInvalidID)
			require.ErrorIs(t, f.store.End(ctx, id, now.Add(time.Hour)), sqlstore.ErrInvalidID)
			_, err = f.store.Session(ctx, id)
			require.ErrorIs(t, err, jwt.ErrNoSession)
			n, err := f.store.EndAll(ctx, id)
			require.NoError(t, err)
			assert.Zero(t, n)
			list, err := f.store.List(ctx, id)
			require.NoError(t, err)
			assert.Empty(t, list)
		}
		// The longest id fits.
		longest := strings.Repeat("é", sqlstore.MaxIDLength/2)
		ses := session(longest, longest, now)
		ses.Token = longest
		require.NoError(t, f.store.Create(ctx, ses))
		got, err := f.store.Session(ctx, longest)
		require.NoError(t, err)
		assert.Equal(t, longest, got.Subject)
	})
}

// TestContextDone checks that a method given a done context returns its
// error.
func TestContextDone(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		f := newFixture(t, srv)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		now := f.clock.Now()
		calls := map[string]func() error{
			"Create":  func() error { return f.store.Create(ctx, session("s", "u", now)) },
			"Session": func() error { _, err := f.store.Session(ctx, "s"); return err },
			"Refresh": func() error {
				_, _, err := f.store.Refresh(ctx, "s", "a", "b", "n", now, now)
				return err
			},
			"End":     func() error { return f.store.End(ctx, "s", now.Add(time.Hour)) },
			"EndAll":  func() error { _, err := f.store.EndAll(ctx, "u"); return err },
			"List":    func() error { _, err := f.store.List(ctx, "u"); return err },
			"Prune":   func() error { _, err := f.store.Prune(ctx); return err },
			"Migrate": func() error { return f.store.Migrate(ctx) },
		}
		for name, call := range calls {
			assert.ErrorIs(t, call(), context.Canceled, name)
		}
	})
}

// TestRefreshConcurrent races refreshes of one token from two connection
// pools: exactly one is done, and the others see the winner's session.
func TestRefreshConcurrent(t *testing.T) {
	forEachServer(t, servers, func(t *testing.T, srv server) {
		f := newFixture(t, srv)
		other, err := sqlstore.New(srv.open(t, ""), sqlstore.Config{Dialect: srv.dialect, TablePrefix: strings.TrimSuffix(f.store.Table(), "sessions"), Now: f.clock.Now})
		require.NoError(t, err)
		stores := []*sqlstore.Store{f.store, other}
		ctx := t.Context()
		now := f.clock.Now()
		const rounds, racers = 10, 16
		for round := range rounds {
			sid := fmt.Sprintf("s%d", round)
			require.NoError(t, f.store.Create(ctx, session(sid, "u", now)))
			var wg sync.WaitGroup
			results := make([]jwt.Session, racers)
			dones := make([]bool, racers)
			start := make(chan struct{})
			for i := range racers {
				wg.Go(func() {
					<-start
					s, done, err := stores[i%2].Refresh(ctx, sid, sid+"-t0", fmt.Sprintf("t%d", i), fmt.Sprintf("n%d", i), now, now.Add(2*time.Hour))
					assert.NoError(t, err)
					results[i], dones[i] = s, done
				})
			}
			close(start)
			wg.Wait()
			winner := -1
			for i, done := range dones {
				if done {
					require.Equal(t, -1, winner, "two refreshes of one token were done")
					winner = i
				}
			}
			require.NotEqual(t, -1, winner, "no refresh was done")
			for i, s := range results {
				assert.Equal(t, fmt.Sprintf("t%d", winner), s.Token, "racer %d", i)
			}
		}
	})
}
