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
// and key, so that a refresh token consumed or revoked on one is refused on
// all. The example needs a Redis server, so it is compiled but not run.
func Example() {
	client := redis.NewClient(&redis.Options{
		Addr:         "127.0.0.1:6379",
		DialTimeout:  time.Second,
		ReadTimeout:  500 * time.Millisecond,
		WriteTimeout: 500 * time.Millisecond,
	})
	defer client.Close()

	key, err := jwt.NewHMAC(jwt.HS256, []byte("an example secret of 32 bytes..."))
	if err != nil {
		panic(err)
	}
	pairs, err := jwt.NewPairs(jwt.PairConfig{
		Signer: key,
		Rotate: true,
		Store:  redisstore.New(client, redisstore.Config{Prefix: "myapp:jwt:"}),
	})
	if err != nil {
		panic(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	pair, err := pairs.Issue(ctx, "42", nil)
	if err != nil {
		panic(err)
	}
	next, err := pairs.Refresh(ctx, pair.Refresh) // consumes pair.Refresh in Redis
	if err != nil {
		panic(err) // also when Redis cannot answer: the refresh fails closed
	}
	fmt.Println(next.Refresh != "")
}
