// Package redisstore keeps the sessions of the jwt pair manager in Redis,
// so that every instance of a service shares one record of which logins
// are live and which refresh token is the current one of each.
//
// # When you need it
//
// A [jwt.Pairs] records each login as a session in its [jwt.Store]: Issue
// creates it, a rotating Refresh replaces its refresh token, a logout or a
// detected reuse ends it, and a token whose session the Store does not
// hold, live, is refused. The default, a jwt.MemoryStore, lives in one
// process: behind a load balancer the other instances would not know the
// session at all. Use this store whenever more than one process issues or
// refreshes the same tokens; a single process does not need it.
//
// # Wiring
//
//	client := redis.NewClient(&redis.Options{
//		Addr:                  "127.0.0.1:6379",
//		ContextTimeoutEnabled: true,
//		DialTimeout:           time.Second,
//		ReadTimeout:           time.Second,
//		WriteTimeout:          time.Second,
//	})
//	store, err := redisstore.New(client, redisstore.Config{Prefix: "myapp"})
//	...
//	pairs, err := jwt.NewPairs(jwt.PairConfig{Signer: key, Rotate: true, Store: store})
//
// Every instance makes its own client and Store with the same Redis and
// prefix, and signs with the same keys. Any [redis.UniversalClient] works:
// a client of one server, a Ring, a cluster client or a failover client.
//
// # Keys
//
// A session is a hash under {Prefix}:s:<sid>, which expires with the
// session; the sessions of a subject that have not ended are a sorted set
// under {Prefix}:u:<subject>, which expires with the longest of them. The
// prefix is "jwt" unless set. The braces make the prefix the hash tag of
// every key, so that all the keys of one Store are in one Redis Cluster
// slot: Session, Refresh and End know a session's id only, not its
// subject, and Refresh, End and EndAll change a session and its subject's
// set together. A session holds ids and times only, never a token.
//
// Each method is one round trip, and each that writes is one Lua script,
// atomic on the server: of any number of concurrent refreshes with one
// token, on any number of instances, exactly one rotates it. Times are
// kept to the millisecond. The server must run Redis 6.0 or later.
//
// # Failures
//
// The store fails closed. Every error from Redis, a timeout or a server
// that cannot be reached included, is returned, never read as "no such
// session" nor as a session; the pair manager then refuses the call with
// that error, which is not jwt.ErrRevoked. Each call returns by its
// context's deadline and by [Config].Timeout whatever the client's
// settings. A Refresh whose reply was lost and that the client retries is
// recognised by its nonce and changes nothing, so a lost reply never logs
// a user out. A Redis that restarts without its data holds no session:
// every token issued before is refused, and every user logs in again. The
// README says which persistence to configure and what each choice costs.
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
//
// The fault tests also start redis-server processes of their own, on free
// ports with temporary directories, and skip when redis-server is not in
// PATH.
package redisstore
