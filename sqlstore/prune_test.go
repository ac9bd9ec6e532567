package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/sqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPruneKeepsTableSize runs a service for a while: logins with a
// lifetime of 30 minutes, a few logouts, and Prune every 10 minutes. After
// each Prune the table holds exactly the sessions that have not expired,
// ended or not.
func TestPruneKeepsTableSize(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		ctx := t.Context()
		db := srv.open(t, "")
		c := newClock()
		// A small batch, so that each Prune takes several statements.
		s := newStoreOn(t, db, sqlstore.Config{Dialect: srv.dialect, TablePrefix: newPrefix(), Now: c.Now, PruneBatch: 7})
		const perRound, rounds = 40, 8
		var expiries []time.Time
		for round := range rounds {
			for i := range perRound {
				now := c.Now()
				ses := session(fmt.Sprintf("r%d-%d", round, i), fmt.Sprintf("u%d", i%5), now)
				ses.Expires = now.Add(30 * time.Minute)
				require.NoError(t, s.Create(ctx, ses))
				expiries = append(expiries, ses.Expires)
				if i%10 == 0 {
					require.NoError(t, s.End(ctx, ses.ID, now.Add(35*time.Minute)))
					expiries[len(expiries)-1] = now.Add(35 * time.Minute)
				}
				c.Advance(15 * time.Second)
			}
			require.NoError(t, s.End(ctx, fmt.Sprintf("unknown-%d", round), c.Now().Add(time.Minute)))
			expiries = append(expiries, c.Now().Add(time.Minute))

			n, err := s.Prune(ctx)
			require.NoError(t, err)
			live := 0
			for _, e := range expiries {
				if e.After(c.Now()) {
					live++
				}
			}
			assert.Equal(t, len(expiries)-live, n, "round %d: rows pruned", round)
			assert.Equal(t, live, countRows(t, db, s), "round %d: rows left", round)
			expiries = keepAfter(expiries, c.Now())
		}
		n, err := s.Prune(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "nothing left to prune")
	})
}

func keepAfter(ts []time.Time, now time.Time) []time.Time {
	var out []time.Time
	for _, t := range ts {
		if t.After(now) {
			out = append(out, t)
		}
	}
	return out
}

// TestPruneConcurrent prunes one table from several pools at once: every
// expired row is deleted once, and no live row.
func TestPruneConcurrent(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		ctx := t.Context()
		db := srv.open(t, "")
		c := newClock()
		prefix := newPrefix()
		s := newStoreOn(t, db, sqlstore.Config{Dialect: srv.dialect, TablePrefix: prefix, Now: c.Now, PruneBatch: 10})
		now := c.Now()
		for i := range 300 {
			ses := session(fmt.Sprintf("s%d", i), "u", now)
			if i%3 == 0 {
				ses.Expires = now.Add(2 * time.Hour)
			}
			require.NoError(t, s.Create(ctx, ses))
		}
		c.Advance(90 * time.Minute)
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for range 4 {
			p, err := sqlstore.New(srv.open(t, ""), sqlstore.Config{Dialect: srv.dialect, TablePrefix: prefix, Now: c.Now, PruneBatch: 10})
			require.NoError(t, err)
			wg.Go(func() {
				n, err := p.Prune(ctx)
				assert.NoError(t, err)
				mu.Lock()
				total += n
				mu.Unlock()
			})
		}
		wg.Wait()
		assert.Equal(t, 200, total)
		assert.Equal(t, 100, countRows(t, db, s))
		list, err := s.List(ctx, "u")
		require.NoError(t, err)
		assert.Len(t, list, 100)
	})
}

// TestExpiredIgnoredBeforePrune checks that a session whose time has
// passed is gone for every method before Prune deletes its row.
func TestExpiredIgnoredBeforePrune(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		f := newFixture(t, srv)
		ctx := t.Context()
		ses := session("s", "u", f.clock.Now())
		require.NoError(t, f.store.Create(ctx, ses))
		f.clock.Advance(time.Hour)
		_, err := f.store.Session(ctx, "s")
		require.ErrorIs(t, err, jwt.ErrNoSession)
		_, _, err = f.store.Refresh(ctx, "s", ses.Token, "t1", "n1", f.clock.Now(), f.clock.Now().Add(time.Hour))
		require.ErrorIs(t, err, jwt.ErrNoSession)
		n, err := f.store.EndAll(ctx, "u")
		require.NoError(t, err)
		assert.Zero(t, n)
		list, err := f.store.List(ctx, "u")
		require.NoError(t, err)
		assert.Empty(t, list)
		assert.Equal(t, 1, countRows(t, f.db, f.store))
		n, err = f.store.Prune(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		assert.Zero(t, countRows(t, f.db, f.store))
	})
}
