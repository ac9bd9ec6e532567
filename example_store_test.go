package jwt_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jwtpair/jwt"
)

// A MemoryStore is what NewPairs uses when PairConfig.Store is nil; this
// example calls it directly, on a clock it moves, to show the Store
// contract the pair manager relies on.
func ExampleMemoryStore() {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	store := &jwt.MemoryStore{Now: func() time.Time { return now }}
	ctx := context.Background()

	// A login: the session and its first refresh token.
	err := store.Create(ctx, jwt.Session{ID: "sid-1", Subject: "42", Created: now, Refreshed: now, Expires: now.Add(time.Hour), Token: "jti-1"})
	if err != nil {
		panic(err)
	}
	// A rotation: jti-1 is replaced by jti-2, once.
	_, done, err := store.Refresh(ctx, "sid-1", "jti-1", "jti-2", "nonce-a", now, now.Add(time.Hour))
	if err != nil {
		panic(err)
	}
	fmt.Println("first rotation:", done)
	s, done, err := store.Refresh(ctx, "sid-1", "jti-1", "jti-3", "nonce-b", now, now.Add(time.Hour))
	if err != nil {
		panic(err)
	}
	fmt.Printf("second rotation of jti-1: %v, current token %s\n", done, s.Token)

	// A logout.
	if err := store.End(ctx, "sid-1", time.Time{}); err != nil {
		panic(err)
	}
	s, err = store.Session(ctx, "sid-1")
	if err != nil {
		panic(err)
	}
	fmt.Println("ended:", s.Ended)

	now = now.Add(time.Hour) // the session's time has come
	_, err = store.Session(ctx, "sid-1")
	fmt.Println("forgotten after its time:", errors.Is(err, jwt.ErrNoSession))
	// Output:
	// first rotation: true
	// second rotation of jti-1: false, current token jti-2
	// ended: true
	// forgotten after its time: true
}
