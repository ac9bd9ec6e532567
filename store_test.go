package jwt_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/storetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestMemoryStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		clock := newFakeClock()
		return storetest.Harness{
			Store:   &jwt.MemoryStore{Now: clock.Now},
			Now:     clock.Now,
			Advance: clock.Advance,
		}
	})
}

// TestMemoryStoreRealTime runs the suite on real time, as it runs against
// a server that expires entries itself, to check the suite's waiting.
func TestMemoryStoreRealTime(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for real time to pass")
	}
	t.Parallel()
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		return storetest.Harness{Store: new(jwt.MemoryStore)}
	})
}

func TestMemoryStoreZeroValue(t *testing.T) {
	var s jwt.MemoryStore // Now nil: time.Now
	ctx := t.Context()

	revoked, err := s.Revoked(ctx, "a", "s")
	require.NoError(t, err)
	assert.False(t, revoked, "an empty store revokes nothing")

	_, first, err := s.Consume(ctx, "a", []byte("v"), time.Now().Add(time.Hour))
	require.NoError(t, err)
	assert.True(t, first)
	require.NoError(t, s.RevokeSession(ctx, "s", time.Now().Add(time.Hour)))

	revoked, err = s.Revoked(ctx, "a", "")
	require.NoError(t, err)
	assert.True(t, revoked)
	revoked, err = s.Revoked(ctx, "", "s")
	require.NoError(t, err)
	assert.True(t, revoked)

	// Now nil means time.Now: an entry whose time has passed on the real
	// clock is absent.
	require.NoError(t, s.Revoke(ctx, "b", time.Now().Add(-time.Nanosecond)))
	revoked, err = s.Revoked(ctx, "b", "")
	require.NoError(t, err)
	assert.False(t, revoked)
}

func TestMemoryStorePrunes(t *testing.T) {
	clock := newFakeClock()
	s := &jwt.MemoryStore{Now: clock.Now}
	ctx := t.Context()
	const batch = 10_000

	// A long-lived entry that pruning must keep.
	require.NoError(t, s.RevokeSession(ctx, "keep", clock.Now().Add(time.Hour)))
	for round := range 5 {
		for i := range batch {
			id := fmt.Sprintf("r%d-%d", round, i)
			until := clock.Now().Add(time.Minute)
			if i%2 == 0 {
				require.NoError(t, s.Revoke(ctx, id, until))
			} else {
				_, _, err := s.Consume(ctx, id, []byte("v"), until)
				require.NoError(t, err)
			}
		}
		entries, queued := jwt.MemoryStoreLen(s)
		require.Equal(t, entries, queued, "map and queue agree")
		require.LessOrEqual(t, entries, batch+1, "round %d: expired entries were pruned", round)
		clock.Advance(time.Minute)
	}

	// One more write prunes everything that has expired.
	require.NoError(t, s.Revoke(ctx, "last", clock.Now().Add(time.Minute)))
	entries, queued := jwt.MemoryStoreLen(s)
	assert.Equal(t, 2, entries, "only the live entries remain")
	assert.Equal(t, 2, queued)
	revoked, err := s.Revoked(ctx, "", "keep")
	require.NoError(t, err)
	assert.True(t, revoked, "a live entry survives pruning")
}

func TestMemoryStoreExtendKeepsQueueOrder(t *testing.T) {
	clock := newFakeClock()
	s := &jwt.MemoryStore{Now: clock.Now}
	ctx := t.Context()
	now := clock.Now()
	// Extend the earliest entry past the others, then expire the others:
	// the extended one must be pruned last, not first.
	require.NoError(t, s.Revoke(ctx, "a", now.Add(time.Second)))
	require.NoError(t, s.Revoke(ctx, "b", now.Add(2*time.Second)))
	require.NoError(t, s.Revoke(ctx, "c", now.Add(3*time.Second)))
	require.NoError(t, s.Revoke(ctx, "a", now.Add(10*time.Second)))
	clock.Advance(5 * time.Second)
	require.NoError(t, s.Revoke(ctx, "d", now.Add(time.Hour)))
	entries, _ := jwt.MemoryStoreLen(s)
	assert.Equal(t, 2, entries, "b and c pruned, a and d kept")
	revoked, err := s.Revoked(ctx, "a", "")
	require.NoError(t, err)
	assert.True(t, revoked)
}

// TestMemoryStoreStartsNoGoroutines looks for goroutines of the package in
// a dump of every goroutine, rather than counting them: the count also
// moves with goroutines of other tests that are still ending.
func TestMemoryStoreStartsNoGoroutines(t *testing.T) {
	s := &jwt.MemoryStore{}
	ctx := t.Context()
	until := time.Now().Add(time.Hour)
	for i := range 1000 {
		id := fmt.Sprint(i)
		_, _, err := s.Consume(ctx, id, []byte("v"), until)
		require.NoError(t, err)
		require.NoError(t, s.Revoke(ctx, id, until))
		require.NoError(t, s.RevokeSession(ctx, id, until))
		_, err = s.Revoked(ctx, id, id)
		require.NoError(t, err)
	}
	// Counting goroutines would race with the tests running in parallel;
	// a goroutine the package started names it as its creator.
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	assert.NotContains(t, stacks, "created by github.com/jwtpair/jwt.")
}

func BenchmarkMemoryStore(b *testing.B) {
	ctx := b.Context()
	until := time.Now().Add(time.Hour)
	value := []byte("refresh-token-jti-of-the-successor")

	b.Run("Consume/First", func(b *testing.B) {
		// Each call uses a new id and the clock moves a microsecond per
		// call, so entries living a millisecond are pruned as they go:
		// the steady state of a busy server.
		clock := newFakeClock()
		s := &jwt.MemoryStore{Now: clock.Now}
		ids := make([]string, 1<<16)
		for i := range ids {
			ids[i] = fmt.Sprintf("jti-%d", i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			clock.Advance(time.Microsecond)
			_, first, err := s.Consume(ctx, ids[i%len(ids)], value, clock.Now().Add(time.Millisecond))
			if err != nil || !first {
				b.Fatal(err, first)
			}
			i++
		}
	})
	b.Run("Consume/Again", func(b *testing.B) {
		s := &jwt.MemoryStore{}
		if _, _, err := s.Consume(ctx, "jti", value, until); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, first, err := s.Consume(ctx, "jti", value, until); err != nil || first {
				b.Fatal(err, first)
			}
		}
	})
	b.Run("Revoked", func(b *testing.B) {
		s := &jwt.MemoryStore{}
		for i := range 10_000 {
			if err := s.RevokeSession(ctx, fmt.Sprintf("sid-%d", i), until); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Revoked(ctx, "jti-unknown", "sid-unknown"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RevokedParallel", func(b *testing.B) {
		s := &jwt.MemoryStore{}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Revoked(ctx, "jti-unknown", "sid-unknown"); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
