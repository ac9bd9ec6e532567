// Package countertest checks an implementation of tokenserver.Counter
// against the contract of its doc, in the manner of storetest for
// jwt.Store: one suite, run against the counter in memory and the
// counters on Redis and SQL. It uses the standard library's testing
// package only.
package countertest

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt/internal/tokenserver"
)

// Window is the length of the windows the suite counts in: short, so that
// counters on a real clock can be tested, long enough for a round trip to
// a server under load.
const Window = 2 * time.Second

// Run checks c. Each run uses keys of its own, so c may hold other keys.
// pass lets a window pass: it advances c's clock by Window, or sleeps that
// long when c's clock is real.
func Run(t *testing.T, c tokenserver.Counter, pass func()) {
	t.Helper()
	prefix := "countertest:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
	ctx := context.Background()
	add := func(t *testing.T, key string, delta int64) (int64, time.Duration) {
		t.Helper()
		n, left, err := c.Add(ctx, prefix+key, delta, Window)
		if err != nil {
			t.Fatalf("Add(%q, %d): %v", key, delta, err)
		}
		return n, left
	}

	t.Run("counts within a window", func(t *testing.T) {
		n, left := add(t, "a", 1)
		if n != 1 || left <= 0 || left > Window {
			t.Fatalf("first Add = %d, %v; want 1 and a left time in (0, %v]", n, left, Window)
		}
		n, left2 := add(t, "a", 1)
		if n != 2 || left2 > left {
			t.Fatalf("second Add = %d, %v; want 2 and at most %v left: a window is never lengthened", n, left2, left)
		}
		if n, _ := add(t, "b", 1); n != 1 {
			t.Fatalf("Add of another key = %d; want 1: keys are counted apart", n)
		}
	})

	t.Run("adding zero only looks", func(t *testing.T) {
		if n, left := add(t, "g", 0); n != 0 || left != 0 {
			t.Fatalf("Add(0) of an unknown key = %d, %v; want 0, 0", n, left)
		}
		add(t, "g", 1)
		add(t, "g", 1)
		if n, left := add(t, "g", 0); n != 2 || left <= 0 || left > Window {
			t.Fatalf("Add(0) after two Adds = %d, %v; want 2 and the time left", n, left)
		}
		if n, _ := add(t, "g", 1); n != 3 {
			t.Fatalf("Add(1) after a look = %d; want 3: looking changes nothing", n)
		}
	})

	t.Run("never below zero", func(t *testing.T) {
		add(t, "c", 1)
		if n, _ := add(t, "c", -1); n != 0 {
			t.Fatalf("Add(-1) after one Add = %d; want 0", n)
		}
		if n, _ := add(t, "c", -1); n != 0 {
			t.Fatalf("Add(-1) of a forgotten key = %d; want 0", n)
		}
		if n, left := add(t, "c", 1); n != 1 || left <= 0 {
			t.Fatalf("Add(1) after the count fell to zero = %d, %v; want 1 in a new window", n, left)
		}
	})

	t.Run("concurrent adds are atomic", func(t *testing.T) {
		const k = 40
		got := make([]int64, k)
		var wg sync.WaitGroup
		for i := range k {
			wg.Go(func() {
				n, _, err := c.Add(ctx, prefix+"d", 1, Window)
				if err != nil {
					t.Errorf("Add: %v", err)
				}
				got[i] = n
			})
		}
		wg.Wait()
		slices.Sort(got)
		for i, n := range got {
			if n != int64(i+1) {
				t.Fatalf("concurrent Adds returned %v; want each count from 1 to %d once", got, k)
			}
		}
	})

	t.Run("a done context is an error", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := c.Add(cctx, prefix+"e", 1, Window); err == nil {
			t.Fatal("Add with a canceled context succeeded")
		}
	})

	t.Run("forgotten when the window has passed", func(t *testing.T) {
		add(t, "f", 1)
		add(t, "f", 1)
		pass()
		if n, left := add(t, "f", 1); n != 1 || left <= 0 {
			t.Fatalf("Add after the window = %d, %v; want 1 in a new window", n, left)
		}
	})
}
