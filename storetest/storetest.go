// Package storetest checks that an implementation of [jwt.Store] keeps the
// contract the pair manager relies on.
//
// Package storetest uses the jwt package's exported API only, [jwt.Store]
// and its errors, and otherwise the standard library, testing included.
package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
)

// Harness is one store under test and the clock that decides when its
// sessions expire.
type Harness struct {
	// Store is the store under test.
	Store jwt.Store
	// Now returns the store's current time. Nil means time.Now.
	Now func() time.Time
	// Advance moves the store's clock forward by d. Nil means the store
	// runs on real time.
	Advance func(d time.Duration)
}

// Run checks the store that newHarness returns against the [jwt.Store]
// contract.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	h := newHarness(t)
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	s := jwt.Session{ID: "storetest-s", Subject: "storetest", Created: now, Refreshed: now, Expires: now.Add(time.Minute), Token: "t0"}
	if err := h.Store.Create(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.Session(t.Context(), s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Store.Session(t.Context(), "storetest-none"); !errors.Is(err, jwt.ErrNoSession) {
		t.Fatalf("Session of an unknown id: %v, want ErrNoSession", err)
	}
}
