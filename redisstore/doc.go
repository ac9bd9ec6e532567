// Package redisstore keeps the state of the jwt pair manager in Redis, so
// that many instances of a service share one view of which refresh tokens
// have been used and which tokens and sessions are revoked.
//
// [Store] implements [jwt.Store]. Each entry is one Redis key whose TTL is
// the time left until the entry's end, to the millisecond, so Redis drops
// entries as their tokens expire and nothing needs sweeping. Consuming a
// token id and revoking one are each a Lua script, atomic on the server;
// asking whether a token or session is revoked is one round trip.
//
// # Failing closed
//
// Every error from Redis, including a timeout or a server that cannot be
// reached, is returned to the caller, and never read as "not revoked" or
// "first use". A caller that cannot ask the store must refuse the token. The
// context given to each method is passed to every Redis command, so its
// deadline bounds the wait; set the client's own timeouts too.
//
// # Keys
//
// A token id is stored under Prefix + "t:" + id and a session id under
// Prefix + "s:" + sid, so the two never collide. A consumed token holds the
// value given to Consume; a revoked token or session holds the empty string.
// With Redis Cluster the two keys that Revoked asks about may sit in
// different slots; the store then sends the two questions as one pipeline.
//
// The scripts use SET with KEEPTTL, so the server must run Redis 6.0 or
// later.
package redisstore
