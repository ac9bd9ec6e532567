package redisstore_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jwtpair/jwt/redisstore"
	"github.com/jwtpair/jwt/storetest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newClient returns a client for the Redis at REDIS_ADDR, or skips the test
// when the variable is unset.
func newClient(tb testing.TB) *redis.Client {
	tb.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		tb.Skip("REDIS_ADDR is not set; start a local redis-server and run " +
			"REDIS_ADDR=127.0.0.1:6379 go test ./... in redisstore/")
	}
	client := redis.NewClient(&redis.Options{Addr: addr})
	tb.Cleanup(func() { client.Close() })
	require.NoError(tb, client.Ping(tb.Context()).Err(), "Redis at REDIS_ADDR=%s", addr)
	return client
}

// testPrefix returns a key prefix unique to this test, and deletes every
// key under it when the test ends.
func testPrefix(tb testing.TB, client *redis.Client) string {
	tb.Helper()
	prefix := "jwtpair-test:" + rand.Text()[:16] + ":"
	tb.Cleanup(func() { deleteKeys(tb, client, prefix) })
	return prefix
}

// deleteKeys deletes every key that starts with prefix.
func deleteKeys(tb testing.TB, client *redis.Client, prefix string) {
	ctx := context.Background() // the test's context is done by cleanup time
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("listing test keys: %v", err)
		return
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := client.Del(ctx, keys[:n]...).Err(); err != nil {
			tb.Errorf("deleting test keys: %v", err)
			return
		}
		keys = keys[n:]
	}
}

func TestStore(t *testing.T) {
	client := newClient(t)
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		prefix := testPrefix(t, client)
		return storetest.Harness{Store: redisstore.New(client, redisstore.Config{Prefix: prefix})}
	})
}

func TestStoreDefaultPrefix(t *testing.T) {
	client := newClient(t)
	s := redisstore.New(client, redisstore.Config{})
	id := "jwtpair-test-" + rand.Text()
	t.Cleanup(func() {
		client.Del(context.Background(), "jwt:t:"+id, "jwt:s:"+id)
	})
	until := time.Now().Add(time.Minute)
	_, first, err := s.Consume(t.Context(), id, []byte("v"), until)
	require.NoError(t, err)
	require.True(t, first)
	require.NoError(t, s.RevokeSession(t.Context(), id, until))

	n, err := client.Exists(t.Context(), "jwt:t:"+id, "jwt:s:"+id).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(2), n, "keys are jwt:t:<id> and jwt:s:<sid> by default")
}

// TestStoreTTL pins that a key's TTL is the time left until its end, worked
// out from Config.Now, and that Revoke only lengthens it.
func TestStoreTTL(t *testing.T) {
	client := newClient(t)
	prefix := testPrefix(t, client)
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	s := redisstore.New(client, redisstore.Config{Prefix: prefix, Now: func() time.Time { return now }})
	ctx := t.Context()
	pttl := func(key string) time.Duration {
		d, err := client.PTTL(ctx, prefix+key).Result()
		require.NoError(t, err)
		return d
	}

	_, first, err := s.Consume(ctx, "a", []byte("v"), now.Add(time.Hour))
	require.NoError(t, err)
	require.True(t, first)
	assert.InDelta(t, time.Hour, pttl("t:a"), float64(time.Second))

	require.NoError(t, s.Revoke(ctx, "a", now.Add(time.Minute)))
	assert.InDelta(t, time.Hour, pttl("t:a"), float64(time.Second), "not shortened")
	require.NoError(t, s.Revoke(ctx, "a", now.Add(2*time.Hour)))
	assert.InDelta(t, 2*time.Hour, pttl("t:a"), float64(time.Second), "lengthened")
}

func TestTTL(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	client := redis.NewClient(&redis.Options{}) // never dialled
	t.Cleanup(func() { client.Close() })
	s := redisstore.New(client, redisstore.Config{Now: func() time.Time { return now }})
	tests := []struct {
		name  string
		until time.Time
		want  int64
	}{
		{name: "past", until: now.Add(-time.Hour), want: 0},
		{name: "now", until: now, want: 0},
		{name: "a nanosecond left rounds up", until: now.Add(time.Nanosecond), want: 1},
		{name: "whole milliseconds", until: now.Add(1500 * time.Millisecond), want: 1500},
		{name: "a part millisecond rounds up", until: now.Add(1500*time.Millisecond + time.Microsecond), want: 1501},
		{name: "an hour", until: now.Add(time.Hour), want: 3_600_000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, redisstore.TTL(s, tt.until))
		})
	}
}

// TestStoreUnreachable pins failing closed: when Redis cannot be reached,
// every method returns an error, and Revoked never answers false alone.
func TestStoreUnreachable(t *testing.T) {
	client := redis.NewClient(&redis.Options{
		Addr:          "127.0.0.1:1", // nothing listens on port 1
		DialTimeout:   200 * time.Millisecond,
		DialerRetries: 1,
		MaxRetries:    -1,
	})
	t.Cleanup(func() { client.Close() })
	s := redisstore.New(client, redisstore.Config{})
	ctx := t.Context()
	until := time.Now().Add(time.Hour)

	revoked, err := s.Revoked(ctx, "id", "sid")
	require.Error(t, err, "Revoked must fail, not answer false")
	assert.False(t, revoked)
	_, err = s.Revoked(ctx, "id", "")
	assert.Error(t, err)
	_, err = s.Revoked(ctx, "", "sid")
	assert.Error(t, err)

	_, first, err := s.Consume(ctx, "id", []byte("v"), until)
	assert.Error(t, err)
	assert.False(t, first, "an error is never a first use")
	assert.Error(t, s.Revoke(ctx, "id", until))
	assert.Error(t, s.RevokeSession(ctx, "sid", until))
}

// TestStoreSharded runs the suite through a ClusterClient-like path: a Ring
// with one shard, whose Revoked takes the pipeline for keys on different
// shards.
func TestStoreSharded(t *testing.T) {
	addr := newClient(t).Options().Addr
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"one": addr}})
	t.Cleanup(func() { ring.Close() })
	direct := newClient(t)
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		prefix := testPrefix(t, direct)
		return storetest.Harness{Store: redisstore.New(ring, redisstore.Config{Prefix: prefix})}
	})
}

func BenchmarkStore(b *testing.B) {
	client := newClient(b)
	prefix := testPrefix(b, client)
	s := redisstore.New(client, redisstore.Config{Prefix: prefix})
	ctx := b.Context()
	value := []byte("refresh-token-jti-of-the-successor")

	b.Run("Consume", func(b *testing.B) {
		until := time.Now().Add(time.Minute)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if _, _, err := s.Consume(ctx, fmt.Sprintf("jti-%d", i), value, until); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("Revoked", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Revoked(ctx, "jti-unknown", "sid-unknown"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
