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
	s := &suite{c: c, pass: pass, prefix: "countertest:" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"}
	for _, check := range []struct {
		name string
		f    func(*testing.T, *suite)
	}{
		{"counts within a window", countsWithinAWindow},
		{"adding zero only looks", addingZeroOnlyLooks},
		{"never below zero", neverBelowZero},
		{"concurrent adds are atomic", concurrentAddsAreAtomic},
		{"a done context is an error", doneContextIsAnError},
		{"forgotten when the window has passed", forgottenAfterTheWindow},
	} {
		t.Run(check.name, func(t *testing.T) { check.f(t, s) })
	}
}

// suite is the counter under test, the clock hook that lets its window
// pass, and the prefix of the keys of one run.
type suite struct {
	c      tokenserver.Counter
	pass   func()
	prefix string
}

// add is Add of the run's key with delta, failing the test on an error.
func (s *suite) add(t *testing.T, key string, delta int64) (int64, time.Duration) {
	t.Helper()
	n, left, err := s.c.Add(context.Background(), s.prefix+key, delta, Window)
	if err != nil {
		t.Fatalf("Add(%q, %d): %v", key, delta, err)
	}
	return n, left
}

// countsWithinAWindow checks that counts within a window.
func countsWithinAWindow(t *testing.T, s *suite) {
	n, left := s.add(t, "a", 1)
	if n != 1 || left <= 0 || left > Window {
		t.Fatalf("first Add = %d, %v; want 1 and a left time in (0, %v]", n, left, Window)
	}
	n, left2 := s.add(t, "a", 1)
	if n != 2 || left2 > left {
		t.Fatalf("second Add = %d, %v; want 2 and at most %v left: a window is never lengthened", n, left2, left)
	}
	if n, _ := s.add(t, "b", 1); n != 1 {
		t.Fatalf("Add of another key = %d; want 1: keys are counted apart", n)
	}
}

// addingZeroOnlyLooks checks that adding zero only looks.
func addingZeroOnlyLooks(t *testing.T, s *suite) {
	if n, left := s.add(t, "g", 0); n != 0 || left != 0 {
		t.Fatalf("Add(0) of an unknown key = %d, %v; want 0, 0", n, left)
	}
	s.add(t, "g", 1)
	s.add(t, "g", 1)
	if n, left := s.add(t, "g", 0); n != 2 || left <= 0 || left > Window {
		t.Fatalf("Add(0) after two Adds = %d, %v; want 2 and the time left", n, left)
	}
	if n, _ := s.add(t, "g", 1); n != 3 {
		t.Fatalf("Add(1) after a look = %d; want 3: looking changes nothing", n)
	}
}

// neverBelowZero checks that never below zero.
func neverBelowZero(t *testing.T, s *suite) {
	s.add(t, "c", 1)
	if n, _ := s.add(t, "c", -1); n != 0 {
		t.Fatalf("Add(-1) after one Add = %d; want 0", n)
	}
	if n, _ := s.add(t, "c", -1); n != 0 {
		t.Fatalf("Add(-1) of a forgotten key = %d; want 0", n)
	}
	if n, left := s.add(t, "c", 1); n != 1 || left <= 0 {
		t.Fatalf("Add(1) after the count fell to zero = %d, %v; want 1 in a new window", n, left)
	}
}

// concurrentAddsAreAtomic checks that concurrent adds are atomic.
func concurrentAddsAreAtomic(t *testing.T, s *suite) {
	const k = 40
	got := make([]int64, k)
	var wg sync.WaitGroup
	for i := range k {
		wg.Go(func() {
			n, _, err := s.c.Add(context.Background(), s.prefix+"d", 1, Window)
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
}

// doneContextIsAnError checks that a done context is an error.
func doneContextIsAnError(t *testing.T, s *suite) {
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.c.Add(cctx, s.prefix+"e", 1, Window); err == nil {
		t.Fatal("Add with a canceled context succeeded")
	}
}

// forgottenAfterTheWindow checks that forgotten when the window has passed.
func forgottenAfterTheWindow(t *testing.T, s *suite) {
	s.add(t, "f", 1)
	s.add(t, "f", 1)
	s.pass()
	if n, left := s.add(t, "f", 1); n != 1 || left <= 0 {
		t.Fatalf("Add after the window = %d, %v; want 1 in a new window", n, left)
	}
}
