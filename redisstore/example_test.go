package redisstore_test

import (
	"context"
	"fmt"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/redisstore"
	"github.com/redis/go-redis/v9"
)

// Every instance of a service runs this wiring with the same Redis, prefix
// and key, so that a refresh token rotated or logged out on one is refused
// on all. The example needs a Redis server, so it is compiled but not run.
func Example() {
	client := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:6379",
		ContextTimeoutEnabled: true,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
	})
	defer client.Close()

	store, err := redisstore.New(client, redisstore.Config{Prefix: "myapp"})
	if err != nil {
		panic(err)
	}
	key, err := jwt.NewHMAC(jwt.HS256, []byte("an example secret of 32 bytes..."))
	if err != nil {
		panic(err)
	}
	pairs, err := jwt.NewPairs(jwt.PairConfig{Signer: key, Rotate: true, Store: store})
	if err != nil {
		panic(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pair, err := pairs.Issue(ctx, "42", nil) // records the session in Redis
	if err != nil {
		panic(err) // also when Redis cannot answer: no session, no tokens
	}
	next, err := pairs.Refresh(ctx, pair.Refresh) // rotates it, once
	if err != nil {
		panic(err) // also when Redis cannot answer: the refresh fails closed
	}
	fmt.Println(next.Refresh != "")
}
