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
	until := now.Add(time.Hour) // normally the token's exp

	_, first, err := store.Consume(ctx, "jti-1", []byte("used at noon"), until)
	if err != nil {
		panic(err)
	}
	fmt.Println("first use:", first)
	prior, first, err := store.Consume(ctx, "jti-1", []byte("used again"), until)
	if err != nil {
		panic(err)
	}
	fmt.Printf("second use: %v, first use was %q\n", first, prior)

	if err := store.RevokeSession(ctx, "sid-1", until); err != nil {
		panic(err)
	}
	revoked, err := store.Revoked(ctx, "jti-2", "sid-1")
	if err != nil {
		panic(err)
	}
	fmt.Println("new token of a revoked session refused:", revoked)

	now = now.Add(time.Hour) // the entries' time has come
	revoked, err = store.Revoked(ctx, "jti-1", "sid-1")
	if err != nil {
		panic(err)
	}
	fmt.Println("remembered after its time:", revoked)

	err = store.Revoke(ctx, "", until)
	fmt.Println("empty id refused:", errors.Is(err, jwt.ErrStoreEmptyID))
	// Output:
	// first use: true
	// second use: false, first use was "used at noon"
	// new token of a revoked session refused: true
	// remembered after its time: false
	// empty id refused: true
}
