package redisstore_test

import (
	"context"
	"net"
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
// key prefix and one signing key. Whatever one instance records, every
// other must see.

var pairSecret = []byte("redisstore-test-secret-of-32-byt")

// pairsNow is the time of every instance, fixed so that the tests do not
// depend on the wall clock. The Store works out its TTLs from the same
// clock, so entries live as long as the tokens they describe.
func pairsNow() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

// newInstance returns one service instance: a rotating Pairs over a Store
// of its own on client, under prefix.
func newInstance(tb testing.TB, client redis.UniversalClient, prefix string) *jwt.Pairs {
	tb.Helper()
	key, err := jwt.NewHMAC(jwt.HS256, pairSecret)
	require.NoError(tb, err)
	p, err := jwt.NewPairs(jwt.PairConfig{
		Signer: key,
		Expect: jwt.Expect{Now: pairsNow},
		Rotate: true,
		Store:  redisstore.New(client, redisstore.Config{Prefix: prefix, Now: pairsNow}),
	})
	require.NoError(tb, err)
	return p
}

// twoInstances returns two service instances sharing the Redis at
// REDIS_ADDR under a prefix of their own, each through its own client.
func twoInstances(tb testing.TB) (a, b *jwt.Pairs) {
	tb.Helper()
	clientA, clientB := newClient(tb), newClient(tb)
	prefix := testPrefix(tb, clientA)
	return newInstance(tb, clientA, prefix), newInstance(tb, clientB, prefix)
}

func TestPairsRotatedOnOneRefusedOnOther(t *testing.T) {
	a, b := twoInstances(t)
	ctx := t.Context()
	pair, err := a.Issue(ctx, "42", nil)
	require.NoError(t, err)

	rotated, err := a.Refresh(ctx, pair.Refresh)
	require.NoError(t, err)
	require.NotEmpty(t, rotated.Refresh)

	_, err = b.Refresh(ctx, pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "a token consumed on A is refused on B")
	assert.ErrorIs(t, err, jwt.ErrReused, "and its second use is reuse")
	assert.ErrorIs(t, b.VerifyAnyType(ctx, pair.Refresh, nil), jwt.ErrRevoked)
}

func TestPairsConcurrentRefreshAcrossInstances(t *testing.T) {
	a, b := twoInstances(t)
	ctx := t.Context()
	pair, err := a.Issue(ctx, "42", nil)
	require.NoError(t, err)

	const n = 100
	instances := [2]*jwt.Pairs{a, b}
	results := make([]jwt.Pair, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			results[i], errs[i] = instances[i%2].Refresh(ctx, pair.Refresh)
		})
	}
	close(start)
	wg.Wait()

	successes := 0
	for i, err := range errs {
		if err == nil {
			successes++
			assert.NotEmpty(t, results[i].Refresh)
			continue
		}
		assert.ErrorIs(t, err, jwt.ErrRevoked, "refresh %d", i)
		assert.Equal(t, jwt.Pair{}, results[i], "a refused refresh returns no tokens")
	}
	assert.Equal(t, 1, successes, "exactly one of %d refreshes over two instances succeeds", n)
}

func TestPairsReuseOnOneRevokesSessionOnOther(t *testing.T) {
	a, b := twoInstances(t)
	ctx := t.Context()
	pair, err := a.Issue(ctx, "42", nil)
	require.NoError(t, err)
	other, err := a.Issue(ctx, "43", nil) // another login, on the same instance
	require.NoError(t, err)

	// The owner rotates twice on A; a thief replays the first token on B.
	first, err := a.Refresh(ctx, pair.Refresh)
	require.NoError(t, err)
	newest, err := a.Refresh(ctx, first.Refresh)
	require.NoError(t, err)
	_, err = b.Refresh(ctx, pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrReused, "the replay on B is reuse")

	_, err = a.Refresh(ctx, newest.Refresh)
	assert.ErrorIs(t, err, jwt.ErrRevoked, "A refuses the newest token of the login after the reuse on B")
	assert.ErrorIs(t, a.VerifyAnyType(ctx, newest.Refresh, nil), jwt.ErrRevoked)

	_, err = a.Refresh(ctx, other.Refresh)
	assert.NoError(t, err, "another login is left alone")
}

func TestPairsLogoutOnOneSeenOnOther(t *testing.T) {
	a, b := twoInstances(t)
	ctx := t.Context()
	pair, err := a.Issue(ctx, "42", nil)
	require.NoError(t, err)
	require.NoError(t, b.VerifyAnyType(ctx, pair.Refresh, nil), "valid on B before the logout")

	require.NoError(t, a.Revoke(ctx, pair.Refresh))

	_, err = b.Refresh(ctx, pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "B refuses a token logged out on A")
	assert.NotErrorIs(t, err, jwt.ErrReused, "a logged-out token is not reuse")
	assert.ErrorIs(t, b.Revoke(ctx, pair.Refresh), jwt.ErrRevoked, "B sees it as revoked already")
	assert.ErrorIs(t, b.VerifyAnyType(ctx, pair.Refresh, nil), jwt.ErrRevoked)
}

// silentServer accepts connections and never answers: a Redis that hangs.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestPairsRedisDownFailsClosed pins that an instance whose Redis cannot
// answer refuses with an error every call that asks the store, and that
// the failed calls leave the token as it was for an instance that can.
func TestPairsRedisDownFailsClosed(t *testing.T) {
	live := newClient(t)
	prefix := testPrefix(t, live)
	healthy := newInstance(t, live, prefix)

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
			return redis.NewClient(&redis.Options{
				Addr:        silentServer(t),
				ReadTimeout: 200 * time.Millisecond,
				MaxRetries:  -1,
			})
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
			down := newInstance(t, client, prefix)
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			pair, err := healthy.Issue(ctx, "42", nil)
			require.NoError(t, err)

			got, err := down.Refresh(ctx, pair.Refresh)
			require.Error(t, err, "Refresh fails closed")
			assert.Equal(t, jwt.Pair{}, got, "and returns no tokens")
			assert.Error(t, down.Revoke(ctx, pair.Refresh), "Revoke fails")
			assert.Error(t, down.VerifyAnyType(ctx, pair.Refresh, nil), "VerifyAnyType fails")
			assert.Error(t, down.RevokeSession(ctx, "a-session"), "RevokeSession fails")
			assert.NoError(t, down.VerifyAccess(ctx, pair.Access, nil), "VerifyAccess does not ask the store")

			_, err = healthy.Refresh(ctx, pair.Refresh)
			assert.NoError(t, err, "the failed calls consumed and revoked nothing")
		})
	}
}

// BenchmarkPairs measures a rotating refresh with the Store in Redis on
// loopback: one round trip for Revoked and one for Consume, on top of the
// signing. The root package's BenchmarkPairs/RefreshRotate is the same
// refresh on a MemoryStore.
func BenchmarkPairs(b *testing.B) {
	client := newClient(b)
	p := newInstance(b, client, testPrefix(b, client))
	ctx := b.Context()

	b.Run("RefreshRotate", func(b *testing.B) {
		pair, err := p.Issue(ctx, "42", nil)
		if err != nil {
			b.Fatal(err)
		}
		tok := pair.Refresh
		b.ReportAllocs()
		for b.Loop() {
			pair, err := p.Refresh(ctx, tok)
			if err != nil {
				b.Fatal(err)
			}
			tok = pair.Refresh
		}
	})
}
