// Package redisstore keeps the state of the jwt pair manager in Redis, so
// that many instances of a service share one view of which refresh tokens
// have been used and which tokens and sessions are revoked.
//
// # When you need it
//
// A [jwt.Pairs] records consumed (rotated) refresh tokens, logouts and
// revoked sessions in its [jwt.Store]. The default, a jwt.MemoryStore, lives
// in one process: behind a load balancer, a refresh token consumed or
// revoked on one instance would still be accepted by the others, which
// defeats single use, reuse detection and logout. Use this store whenever
// more than one process issues or refreshes the same tokens; a single
// process does not need it.
//
// # Wiring
//
//	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
//	pairs, err := jwt.NewPairs(jwt.PairConfig{
//		Signer: key,
//		Rotate: true,
//		Store:  redisstore.New(client, redisstore.Config{Prefix: "myapp:jwt:"}),
//	})
//
// Every instance makes its own client and Store with the same Redis and
// prefix, and signs with the same keys. [Store] implements [jwt.Store]; any
// [redis.UniversalClient] works, including a cluster client.
//
// # Keys and TTLs
//
// A token id (the jti claim) is stored under Prefix + "t:" + id and a
// session id (the sid claim) under Prefix + "s:" + sid, so the two never
// collide; the prefix is "jwt:" unless set. A consumed token holds the value
// the pair manager gave to Consume (the time of use or, with
// PairConfig.ReuseGrace, the pair issued for it, so protect the server as a
// store of live tokens); a revoked token or session holds the empty string.
//
// Each key's TTL is the time left until the entry's end, in milliseconds
// rounded up, worked out from [Config].Now, so Redis drops entries by
// itself and nothing needs sweeping. The pair manager keeps a token's entry
// until the token expires (its exp plus PairConfig.Expect.Leeway), and a revoked
// session until the last refresh token of the session can have expired
// (RefreshTTL, or SessionTTL when shorter, plus twice the leeway). Revoking
// an entry again only ever lengthens its TTL.
//
// Consuming a token id and revoking one are each a Lua script, atomic on
// the server: of any number of concurrent refreshes with one token, on any
// number of instances, exactly one succeeds. Asking whether a token or its
// session is revoked is one round trip: one EXISTS, or with a client that
// shards keys, such as a cluster client, two in one pipeline.
//
// The scripts use SET with KEEPTTL, so the server must run Redis 6.0 or
// later.
//
// # When Redis is down
//
// The store fails closed. Every error from Redis, including a timeout or a
// server that cannot be reached, is returned to the caller and never read
// as "not revoked" or "first use". So while Redis cannot answer, every call
// that asks the store returns an error: Pairs.Refresh, Pairs.Revoke (a
// logout), Pairs.RevokeSession and Pairs.VerifyAnyType; the token
// endpoints answer them with a server error. Pairs.Issue (a login) and
// Pairs.VerifyAccess do not ask the store, so neither does verifying
// access tokens on each request, unless a session check is turned on by
// giving the HTTP middleware a Store. Failed calls consume and revoke
// nothing, so a token refused while Redis was down works once it is back.
//
// The context given to each method is passed to every Redis command, so its
// deadline bounds the wait; set the client's own timeouts too, so that a
// server that hangs cannot hold requests for long.
//
// # Dependencies
//
// Package redisstore uses the jwt package's exported API only: it
// implements [jwt.Store] and returns its errors. It talks to Redis through
// the go-redis client, github.com/redis/go-redis/v9, and is a module of its
// own so that the jwt module keeps no dependency outside the standard
// library.
//
// # Tests
//
// The tests need a Redis server, and skip with a message saying so when
// REDIS_ADDR is not set:
//
//	redis-server --port 6379 --save ''
//	REDIS_ADDR=127.0.0.1:6379 go test -race ./...
package redisstore
