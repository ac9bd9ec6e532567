package sqlstore_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/sqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the pair manager as a service with two instances behind
// a load balancer: each has its own jwt.Pairs, Store and connection pool,
// and they share one table and one signing key.

var pairSecret = []byte("sqlstore-test-secret-of-32-bytes")

// twoInstances returns two instances configured by cfg (Signer and Store
// are set here) on one new table of srv, each through its own pool.
func twoInstances(t *testing.T, srv server, cfg jwt.PairConfig) (a, b *jwt.Pairs) {
	t.Helper()
	key, err := jwt.NewHMAC(jwt.HS256, pairSecret)
	require.NoError(t, err)
	prefix := newPrefix()
	instance := func() *jwt.Pairs {
		s := newStoreOn(t, srv.open(t, ""), sqlstore.Config{Dialect: srv.dialect, TablePrefix: prefix})
		c := cfg
		c.Signer, c.Store = key, s
		p, err := jwt.NewPairs(c)
		require.NoError(t, err)
		return p
	}
	return instance(), instance()
}

// refreshAll presents token to n concurrent refreshes, alternating between
// the instances, and returns what each got.
func refreshAll(t *testing.T, instances []*jwt.Pairs, token string, n int) ([]jwt.Pair, []error) {
	pairs, errs := make([]jwt.Pair, n), make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			pairs[i], errs[i] = instances[i%len(instances)].Refresh(t.Context(), token)
		})
	}
	close(start)
	wg.Wait()
	return pairs, errs
}

const racers, rounds = 12, 5

// TestPairsConcurrentRefreshGrace: with the default grace, concurrent
// refreshes of one token on two instances all get the one new refresh
// token, which then works on either.
func TestPairsConcurrentRefreshGrace(t *testing.T) {
	forEachServer(t, servers, func(t *testing.T, srv server) {
		a, b := twoInstances(t, srv, jwt.PairConfig{Rotate: true})
		ctx := t.Context()
		for round := range rounds {
			pair, err := a.Issue(ctx, fmt.Sprintf("user-%d", round), nil)
			require.NoError(t, err)
			got, errs := refreshAll(t, []*jwt.Pairs{a, b}, pair.Refresh, racers)
			for i := range racers {
				require.NoError(t, errs[i], "racer %d", i)
				assert.NotEmpty(t, got[i].Access)
				assert.Equal(t, got[0].Refresh, got[i].Refresh, "racer %d got another refresh token", i)
			}
			require.NotEqual(t, pair.Refresh, got[0].Refresh)
			next, err := b.Refresh(ctx, got[0].Refresh)
			require.NoError(t, err)
			require.NoError(t, a.VerifyAnyType(ctx, next.Refresh, nil))
		}
	})
}

// TestPairsConcurrentRefreshNoGrace: without a grace, exactly one of the
// concurrent refreshes of one token on two instances succeeds; the others
// are reuse, which ends the session.
func TestPairsConcurrentRefreshNoGrace(t *testing.T) {
	forEachServer(t, servers, func(t *testing.T, srv server) {
		a, b := twoInstances(t, srv, jwt.PairConfig{Rotate: true, NoReuseGrace: true})
		ctx := t.Context()
		for round := range rounds {
			pair, err := a.Issue(ctx, fmt.Sprintf("user-%d", round), nil)
			require.NoError(t, err)
			got, errs := refreshAll(t, []*jwt.Pairs{a, b}, pair.Refresh, racers)
			winners := 0
			var winner jwt.Pair
			for i := range racers {
				if errs[i] == nil {
					winners++
					winner = got[i]
					continue
				}
				assert.ErrorIs(t, errs[i], jwt.ErrRevoked, "racer %d", i)
			}
			require.Equal(t, 1, winners, "refreshes that succeeded")
			// The others were reuse: the session has ended, the
			// winner's token with it.
			_, err = b.Refresh(ctx, winner.Refresh)
			assert.ErrorIs(t, err, jwt.ErrRevoked)
		}
	})
}

// TestPairsAcrossInstances: what one instance records, the other sees.
func TestPairsAcrossInstances(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		a, b := twoInstances(t, srv, jwt.PairConfig{Rotate: true, NoReuseGrace: true})
		ctx := t.Context()

		// Rotated on a, reuse on b ends the session on both.
		p1, err := a.Issue(ctx, "alice", nil)
		require.NoError(t, err)
		p2, err := a.Refresh(ctx, p1.Refresh)
		require.NoError(t, err)
		_, err = b.Refresh(ctx, p1.Refresh)
		require.ErrorIs(t, err, jwt.ErrReused)
		_, err = a.Refresh(ctx, p2.Refresh)
		require.ErrorIs(t, err, jwt.ErrRevoked)

		// A logout on b is seen by a.
		p3, err := a.Issue(ctx, "alice", nil)
		require.NoError(t, err)
		require.NoError(t, b.Revoke(ctx, p3.Refresh))
		_, err = a.Refresh(ctx, p3.Refresh)
		require.ErrorIs(t, err, jwt.ErrRevoked)

		// Sessions and RevokeSubject span the instances.
		p4, err := a.Issue(ctx, "bob", nil)
		require.NoError(t, err)
		p5, err := b.Issue(ctx, "bob", nil)
		require.NoError(t, err)
		list, err := a.Sessions(ctx, "bob")
		require.NoError(t, err)
		assert.Len(t, list, 2)
		n, err := b.RevokeSubject(ctx, "bob")
		require.NoError(t, err)
		assert.Equal(t, 2, n)
		for _, p := range []jwt.Pair{p4, p5} {
			_, err = a.Refresh(ctx, p.Refresh)
			assert.ErrorIs(t, err, jwt.ErrRevoked)
		}
	})
}
