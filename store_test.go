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

// newSession returns a session of subject created at now that lives for
// life.
func newSession(id, subject string, now time.Time, life time.Duration) jwt.Session {
	return jwt.Session{ID: id, Subject: subject, Created: now, Refreshed: now, Expires: now.Add(life), Token: id + "-t0"}
}

func TestMemoryStoreZeroValue(t *testing.T) {
	var s jwt.MemoryStore // Now nil: time.Now
	ctx := t.Context()

	_, err := s.Session(ctx, "s")
	require.ErrorIs(t, err, jwt.ErrNoSession, "an empty store holds no session")
	require.NoError(t, s.Create(ctx, newSession("s", "42", time.Now(), time.Hour)))
	got, err := s.Session(ctx, "s")
	require.NoError(t, err)
	assert.Equal(t, "42", got.Subject)

	// Now nil means time.Now: a session whose time has passed on the real
	// clock is absent.
	require.NoError(t, s.Create(ctx, newSession("b", "42", time.Now(), -time.Nanosecond)))
	_, err = s.Session(ctx, "b")
	require.ErrorIs(t, err, jwt.ErrNoSession)
}

func TestMemoryStorePrunes(t *testing.T) {
	clock := newFakeClock()
	s := &jwt.MemoryStore{Now: clock.Now}
	ctx := t.Context()
	const batch = 10_000

	// A long-lived session that pruning must keep.
	require.NoError(t, s.Create(ctx, newSession("keep", "k", clock.Now(), time.Hour)))
	for round := range 5 {
		for i := range batch {
			id := fmt.Sprintf("r%d-%d", round, i)
			require.NoError(t, s.Create(ctx, newSession(id, fmt.Sprint(i%7), clock.Now(), time.Minute)))
			if i%2 == 0 {
				require.NoError(t, s.End(ctx, id, time.Time{}))
			} else {
				_, done, err := s.Refresh(ctx, id, id+"-t0", id+"-t1", "n", clock.Now(), clock.Now().Add(time.Minute))
				require.NoError(t, err)
				require.True(t, done)
			}
		}
		entries, queued, subjects := jwt.MemoryStoreLen(s)
		require.Equal(t, entries, queued, "map and queue agree")
		require.LessOrEqual(t, entries, batch+1, "round %d: expired sessions were pruned", round)
		require.LessOrEqual(t, subjects, 8, "round %d: the subject index holds live sessions' subjects", round)
		clock.Advance(time.Minute)
	}

	// One more write prunes everything that has expired.
	require.NoError(t, s.Create(ctx, newSession("last", "l", clock.Now(), time.Minute)))
	entries, queued, subjects := jwt.MemoryStoreLen(s)
	assert.Equal(t, 2, entries, "only the live sessions remain")
	assert.Equal(t, 2, queued)
	assert.Equal(t, 2, subjects)
	_, err := s.Session(ctx, "keep")
	require.NoError(t, err, "a live session survives pruning")
}

// TestMemoryStoreRotationDoesNotGrow checks that a session's memory does
// not grow with its refreshes: a rotation replaces the session's record.
func TestMemoryStoreRotationDoesNotGrow(t *testing.T) {
	clock := newFakeClock()
	s := &jwt.MemoryStore{Now: clock.Now}
	ctx := t.Context()
	require.NoError(t, s.Create(ctx, newSession("s", "42", clock.Now(), time.Hour)))
	token := "s-t0"
	for i := range 10_000 {
		next := fmt.Sprintf("s-t%d", i+1)
		_, done, err := s.Refresh(ctx, "s", token, next, fmt.Sprint(i), clock.Now(), clock.Now().Add(time.Hour))
		require.NoError(t, err)
		require.True(t, done)
		token = next
	}
	entries, queued, subjects := jwt.MemoryStoreLen(s)
	assert.Equal(t, [3]int{1, 1, 1}, [3]int{entries, queued, subjects})
}

func TestMemoryStoreExtendKeepsQueueOrder(t *testing.T) {
	clock := newFakeClock()
	s := &jwt.MemoryStore{Now: clock.Now}
	ctx := t.Context()
	now := clock.Now()
	// Extend the earliest session past the others, then expire the
	// others: the extended one must be pruned last, not first.
	require.NoError(t, s.Create(ctx, newSession("a", "x", now, time.Second)))
	require.NoError(t, s.Create(ctx, newSession("b", "x", now, 2*time.Second)))
	require.NoError(t, s.Create(ctx, newSession("c", "x", now, 3*time.Second)))
	require.NoError(t, s.End(ctx, "a", now.Add(10*time.Second)))
	clock.Advance(5 * time.Second)
	require.NoError(t, s.Create(ctx, newSession("d", "x", clock.Now(), time.Hour)))
	entries, _, _ := jwt.MemoryStoreLen(s)
	assert.Equal(t, 2, entries, "b and c pruned, a and d kept")
	got, err := s.Session(ctx, "a")
	require.NoError(t, err)
	assert.True(t, got.Ended)
}

// TestMemoryStoreStartsNoGoroutines looks for goroutines of the package in
// a dump of every goroutine, rather than counting them: the count also
// moves with goroutines of other tests that are still ending.
func TestMemoryStoreStartsNoGoroutines(t *testing.T) {
	s := &jwt.MemoryStore{}
	ctx := t.Context()
	now := time.Now()
	for i := range 1000 {
		id := fmt.Sprint(i)
		require.NoError(t, s.Create(ctx, newSession(id, "42", now, time.Hour)))
		_, _, err := s.Refresh(ctx, id, id+"-t0", id+"-t1", "n", now, now.Add(time.Hour))
		require.NoError(t, err)
		require.NoError(t, s.End(ctx, id, time.Time{}))
		_, err = s.Session(ctx, id)
		require.NoError(t, err)
	}
	_, err := s.EndAll(ctx, "42")
	require.NoError(t, err)
	_, err = s.List(ctx, "42")
	require.NoError(t, err)
	// Counting goroutines would race with the tests running in parallel;
	// a goroutine the package started names it as its creator.
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	assert.NotContains(t, stacks, "created by github.com/jwtpair/jwt.")
}

func BenchmarkMemoryStore(b *testing.B) {
	ctx := b.Context()
	b.Run("Refresh", func(b *testing.B) {
		// Each session lives a millisecond and the clock moves a
		// microsecond per call, so sessions are pruned as they go: the
		// steady state of a busy server, one login and one rotation a
		// call.
		clock := newFakeClock()
		s := &jwt.MemoryStore{Now: clock.Now}
		ids := make([]string, 1<<16)
		for i := range ids {
			ids[i] = fmt.Sprintf("sid-%d", i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			clock.Advance(time.Microsecond)
			id := ids[i%len(ids)]
			now := clock.Now()
			ses := jwt.Session{ID: id, Subject: "42", Created: now, Refreshed: now, Expires: now.Add(time.Millisecond), Token: "t0"}
			if err := s.Create(ctx, ses); err != nil {
				b.Fatal(err)
			}
			if _, done, err := s.Refresh(ctx, id, "t0", "t1", "n", now, now.Add(time.Millisecond)); err != nil || !done {
				b.Fatal(err, done)
			}
			i++
		}
	})
	b.Run("Session", func(b *testing.B) {
		s := &jwt.MemoryStore{}
		now := time.Now()
		for i := range 10_000 {
			if err := s.Create(ctx, newSession(fmt.Sprintf("sid-%d", i), "42", now, time.Hour)); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Session(ctx, "sid-5000"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SessionParallel", func(b *testing.B) {
		s := &jwt.MemoryStore{}
		if err := s.Create(ctx, newSession("sid", "42", time.Now(), time.Hour)); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.Session(ctx, "sid"); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
