package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/redisstore"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests run the pair manager as a service with several instances
// behind a load balancer: each instance has its own jwt.Pairs, its own
// redisstore.Store and its own Redis client, and they share one Redis, one
// key prefix, one signing key and one clock. Whatever one instance
// records, every other must see.

var pairSecret = []byte("redisstore-test-secret-of-32-byt")

// newInstance returns one service instance: a rotating Pairs over a Store
// of its own on client, under prefix, on clock c. edit, when not nil,
// changes the configuration first.
func newInstance(tb testing.TB, client redis.UniversalClient, prefix string, c *clock, edit func(*jwt.PairConfig)) *jwt.Pairs {
	tb.Helper()
	key, err := jwt.NewHMAC(jwt.HS256, pairSecret)
	require.NoError(tb, err)
	cfg := jwt.PairConfig{
		Signer: key,
		Expect: jwt.Expect{Now: c.Now},
		Rotate: true,
		Store:  newStore(tb, client, redisstore.Config{Prefix: prefix, Now: c.Now}),
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := jwt.NewPairs(cfg)
	require.NoError(tb, err)
	return p
}

// instances returns n service instances sharing the Redis at REDIS_ADDR
// under a prefix of their own, each through its own client, and their
// clock.
func instances(tb testing.TB, n int, edit func(*jwt.PairConfig)) ([]*jwt.Pairs, *clock) {
	tb.Helper()
	c := newClock()
	first := newClient(tb)
	prefix := testPrefix(tb, first)
	out := []*jwt.Pairs{newInstance(tb, first, prefix, c, edit)}
	for len(out) < n {
		out = append(out, newInstance(tb, newClient(tb), prefix, c, edit))
	}
	return out, c
}

// jti returns the id of a token issued on clock c.
func jti(t *testing.T, c *clock, token string) string {
	t.Helper()
	var claims jwt.Claims
	key, err := jwt.NewHMAC(jwt.HS256, pairSecret)
	require.NoError(t, err)
	require.NoError(t, jwt.Expect{Now: c.Now}.Verify(token, key, &claims))
	return claims.ID
}

func TestPairsRotatedOnOneRefusedOnOther(t *testing.T) {
	p, c := instances(t, 2, nil)
	a, b := p[0], p[1]
	ctx := t.Context()
	pair, err := a.Issue(ctx, "42", nil)
	require.NoError(t, err)

	rotated, err := a.Refresh(ctx, pair.Refresh)
	require.NoError(t, err)
	require.NotEmpty(t, rotated.Refresh)
	assert.ErrorIs(t, b.VerifyAnyType(ctx, pair.Refresh, nil), jwt.ErrRevoked, "the replaced token is not current on B")
	require.NoError(t, b.VerifyAnyType(ctx, rotated.Refresh, nil), "its successor is")

	c.Advance(jwt.DefaultReuseGrace + time.Second)
	_, err = b.Refresh(ctx, pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "a token rotated on A is refused on B after the grace")
	assert.ErrorIs(t, err, jwt.ErrReused, "and its second use is reuse")
	_, err = a.Refresh(ctx, rotated.Refresh)
	assert.ErrorIs(t, err, jwt.ErrRevoked, "which ended the session on A too")
}

// TestPairsConcurrentRefreshAcrossInstances refreshes one token at once
// on three instances: with the default grace every refresh gets the one
// new refresh token; with NoReuseGrace exactly one wins.
func TestPairsConcurrentRefreshAcrossInstances(t *testing.T) {
	const n = 60
	refreshAll := func(t *testing.T, p []*jwt.Pairs) ([]jwt.Pair, []error) {
		pair, err := p[0].Issue(t.Context(), "42", nil)
		require.NoError(t, err)
		results := make([]jwt.Pair, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				results[i], errs[i] = p[i%len(p)].Refresh(t.Context(), pair.Refresh)
			})
		}
		close(start)
		wg.Wait()
		return results, errs
	}

	t.Run("default grace", func(t *testing.T) {
		p, c := instances(t, 3, nil)
		results, errs := refreshAll(t, p)
		ids := map[string]int{}
		for i, err := range errs {
			require.NoError(t, err, "refresh %d", i)
			ids[jti(t, c, results[i].Refresh)]++
		}
		t.Logf("%d concurrent refreshes on 3 instances: all succeeded, %d distinct new refresh tokens", n, len(ids))
		assert.Len(t, ids, 1, "every refresh got the one new refresh token")
		assert.NoError(t, p[2].VerifyAnyType(t.Context(), results[0].Refresh, nil), "which is the session's current one")
	})
	t.Run("NoReuseGrace", func(t *testing.T) {
		p, _ := instances(t, 3, func(cfg *jwt.PairConfig) { cfg.NoReuseGrace = true })
		results, errs := refreshAll(t, p)
		won, reused, revoked := 0, 0, 0
		var winner jwt.Pair
		for i, err := range errs {
			switch {
			case err == nil:
				won++
				winner = results[i]
			case errors.Is(err, jwt.ErrReused):
				reused++
				fallthrough
			default:
				require.ErrorIs(t, err, jwt.ErrRevoked, "refresh %d", i)
				revoked++
				assert.Equal(t, jwt.Pair{}, results[i], "a refused refresh returns no tokens")
			}
		}
		t.Logf("%d concurrent refreshes on 3 instances: %d won, %d refused (%d as reuse)", n, won, revoked, reused)
		assert.Equal(t, 1, won, "exactly one refresh wins")
		assert.Positive(t, reused, "the others are reuse, or refused once a reuse has ended the session")
		_, err := p[1].Refresh(t.Context(), winner.Refresh)
		assert.ErrorIs(t, err, jwt.ErrRevoked, "the reuse ended the session: the winner's token is refused too")
	})
}

func TestPairsReuseOnOneEndsSessionOnOther(t *testing.T) {
	p, c := instances(t, 2, nil)
	a, b := p[0], p[1]
	ctx := t.Context()
	pair, err := a.Issue(ctx, "42", nil)
	require.NoError(t, err)
	other, err := a.Issue(ctx, "43", nil) // another login, on the same instance
	require.NoError(t, err)

	// The owner rotates twice on A; later a thief replays the first token on B.
	first, err := a.Refresh(ctx, pair.Refresh)
	require.NoError(t, err)
	newest, err := a.Refresh(ctx, first.Refresh)
	require.NoError(t, err)
	c.Advance(jwt.DefaultReuseGrace + time.Second)
	_, err = b.Refresh(ctx, pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrReused, "the replay on B is reuse")

	_, err = a.Refresh(ctx, newest.Refresh)
	assert.ErrorIs(t, err, jwt.ErrRevoked, "A refuses the newest token of the login after the reuse on B")
	assert.ErrorIs(t, a.VerifyAnyType(ctx, newest.Refresh, nil), jwt.ErrRevoked)

	_, err = a.Refresh(ctx, other.Refresh)
	assert.NoError(t, err, "another login is left alone")
}

func TestPairsLogoutOnOneSeenOnOther(t *testing.T) {
	p, _ := instances(t, 3, func(cfg *jwt.PairConfig) { cfg.RevokeAccess = true })
	a, b, c := p[0], p[1], p[2]
	ctx := t.Context()
	pair, err := a.Issue(ctx, "42", nil)
	require.NoError(t, err)
	require.NoError(t, b.VerifyAnyType(ctx, pair.Refresh, nil), "valid on B before the logout")

	require.NoError(t, a.Revoke(ctx, pair.Refresh))

	_, err = b.Refresh(ctx, pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "B refuses a token logged out on A")
	assert.NotErrorIs(t, err, jwt.ErrReused, "a logged-out token is not reuse")
	assert.ErrorIs(t, b.Revoke(ctx, pair.Refresh), jwt.ErrRevoked, "B sees it as revoked already")
	assert.ErrorIs(t, c.VerifyAccess(ctx, pair.Access, nil), jwt.ErrRevoked, "C refuses its access token")
}

// TestPairsRevokeSubjectAcrossInstances logs a subject out everywhere on
// A, from sessions started and used on B and C.
func TestPairsRevokeSubjectAcrossInstances(t *testing.T) {
	p, _ := instances(t, 3, func(cfg *jwt.PairConfig) { cfg.RevokeAccess = true })
	a, b, c := p[0], p[1], p[2]
	ctx := t.Context()
	var pairs []jwt.Pair
	for _, inst := range []*jwt.Pairs{b, c, b} {
		pair, err := inst.Issue(ctx, "42", nil)
		require.NoError(t, err)
		pair, err = inst.Refresh(ctx, pair.Refresh)
		require.NoError(t, err)
		pairs = append(pairs, pair)
	}
	bystander, err := c.Issue(ctx, "43", nil)
	require.NoError(t, err)
	list, err := a.Sessions(ctx, "42")
	require.NoError(t, err)
	require.Len(t, list, 3, "A lists the sessions started on B and C")

	n, err := a.RevokeSubject(ctx, "42")
	require.NoError(t, err)
	assert.Equal(t, 3, n)

	for i, pair := range pairs {
		_, err := p[(i+1)%3].Refresh(ctx, pair.Refresh)
		assert.ErrorIs(t, err, jwt.ErrRevoked, "session %d", i)
		assert.ErrorIs(t, b.VerifyAccess(ctx, pair.Access, nil), jwt.ErrRevoked, "session %d", i)
	}
	list, err = c.Sessions(ctx, "42")
	require.NoError(t, err)
	assert.Empty(t, list)
	_, err = b.Refresh(ctx, bystander.Refresh)
	assert.NoError(t, err, "another subject is left alone")
	_, err = b.Issue(ctx, "42", nil)
	assert.NoError(t, err, "a new login works")
}

// TestPairsRedisDownFailsClosed pins that an instance whose Redis cannot
// answer refuses with an error every call that asks the store, never
// with ErrRevoked, and that the failed calls leave the session as it was
// for an instance that can.
func TestPairsRedisDownFailsClosed(t *testing.T) {
	live := newClient(t)
	prefix := testPrefix(t, live)
	c := newClock()
	healthy := newInstance(t, live, prefix, c, nil)

	tests := []struct {
		name   string
		client func(t *testing.T) *redis.Client
	}{
		{"connection refused", func(t *testing.T) *redis.Client {
			return redis.NewClient(&redis.Options{
				Addr:          "127.0.0.1:1", // nothing listens on port 1
				DialTimeout:   200 * time.Millisecond,
				DialerRetries: 1,
				MaxRetries:    -1,
			})
		}},
		{"no answer", func(t *testing.T) *redis.Client {
			return redis.NewClient(&redis.Options{Addr: silentServer(t), ReadTimeout: 200 * time.Millisecond, MaxRetries: -1})
		}},
		{"client closed", func(t *testing.T) *redis.Client {
			c := redis.NewClient(&redis.Options{Addr: live.Options().Addr})
			require.NoError(t, c.Close())
			return c
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := tt.client(t)
			t.Cleanup(func() { client.Close() })
			down := newInstance(t, client, prefix, c, nil)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			pair, err := healthy.Issue(ctx, "42", nil)
			require.NoError(t, err)

			for name, err := range map[string]error{
				"Refresh":       second(down.Refresh(ctx, pair.Refresh)),
				"Issue":         second(down.Issue(ctx, "42", nil)),
				"Revoke":        down.Revoke(ctx, pair.Refresh),
				"VerifyAnyType": down.VerifyAnyType(ctx, pair.Refresh, nil),
				"RevokeSession": down.RevokeSession(ctx, "a-session"),
				"RevokeSubject": second(down.RevokeSubject(ctx, "42")),
				"Sessions":      second(down.Sessions(ctx, "42")),
			} {
				require.Error(t, err, "%s fails closed", name)
				assert.NotErrorIs(t, err, jwt.ErrRevoked, "%s: a store that cannot answer is not a logout", name)
			}
			assert.NoError(t, down.VerifyAccess(ctx, pair.Access, nil), "VerifyAccess does not ask the store")

			_, err = healthy.Refresh(ctx, pair.Refresh)
			assert.NoError(t, err, "the failed calls changed nothing")
		})
	}
}

// second returns the error of a call that returns a value and an error.
func second[T any](_ T, err error) error { return err }
