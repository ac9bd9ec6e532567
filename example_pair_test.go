package jwt_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jwtpair/jwt"
)

// exampleClock is a fixed time, so that the examples print the same
// every run.
func exampleClock() time.Time { return time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC) }

func ExampleNewPairs() {
	key, err := jwt.NewHMAC(jwt.HS256, []byte("an example secret of 32 bytes..."))
	if err != nil {
		panic(err)
	}
	pairs, err := jwt.NewPairs(jwt.PairConfig{
		Signer:       key,
		SubjectClaim: "user_id", // payloads as SimpleJWT writes them
		Expect:       jwt.Expect{Now: exampleClock},
	})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	pair, err := pairs.Issue(ctx, "1", map[string]any{"role": "admin"})
	if err != nil {
		panic(err)
	}

	var claims struct {
		jwt.Claims
		UserID    string `json:"user_id"`
		TokenType string `json:"token_type"`
		Role      string `json:"role"`
	}
	if err := pairs.VerifyAccess(ctx, pair.Access, &claims); err != nil {
		panic(err)
	}
	fmt.Println(claims.TokenType, claims.UserID, claims.Role, claims.Expiry.Time().Sub(exampleClock()))

	err = pairs.VerifyAccess(ctx, pair.Refresh, nil)
	fmt.Println("refresh token as access token:", errors.Is(err, jwt.ErrWrongTokenType))
	// Output:
	// access 1 admin 5m0s
	// refresh token as access token: true
}

func ExamplePairs_Refresh() {
	key, err := jwt.NewHMAC(jwt.HS256, []byte("an example secret of 32 bytes..."))
	if err != nil {
		panic(err)
	}
	now := exampleClock()
	clock := func() time.Time { return now }
	pairs, err := jwt.NewPairs(jwt.PairConfig{Signer: key, Rotate: true, Expect: jwt.Expect{Now: clock}})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	login, err := pairs.Issue(ctx, "alice", nil)
	if err != nil {
		panic(err)
	}

	next, err := pairs.Refresh(ctx, login.Refresh)
	fmt.Println("first refresh succeeded:", err == nil, "new refresh token:", next.Refresh != "")

	// A second tab, or a retry, within the grace: the same new refresh
	// token.
	now = now.Add(time.Second)
	again, err := pairs.Refresh(ctx, login.Refresh)
	fmt.Println("retry within the grace:", err == nil, "same refresh token:", again.Refresh == next.Refresh)

	// Past the grace, the replaced token is taken for stolen.
	now = now.Add(jwt.DefaultReuseGrace)
	_, err = pairs.Refresh(ctx, login.Refresh)
	fmt.Println("replay refused as reuse:", errors.Is(err, jwt.ErrReused))

	_, err = pairs.Refresh(ctx, next.Refresh)
	fmt.Println("session revoked:", errors.Is(err, jwt.ErrRevoked))
	// Output:
	// first refresh succeeded: true new refresh token: true
	// retry within the grace: true same refresh token: true
	// replay refused as reuse: true
	// session revoked: true
}
