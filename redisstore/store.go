package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when [Config].Prefix is empty.
const DefaultPrefix = "jwt:"

// Config configures a [Store]. The zero value is ready to use.
type Config struct {
	// Prefix starts every key the store reads or writes, so that several
	// applications can share one Redis. The zero value means DefaultPrefix.
	Prefix string

	// Now returns the current time, from which the time left to each
	// entry, and so its TTL, is worked out. Nil means time.Now. Once
	// written, an entry expires on the server's clock.
	Now func() time.Time
}

// Store is a [jwt.Store] kept in Redis. It is safe for concurrent use, and
// any number of Stores in any number of processes may share one Redis and
// prefix.
type Store struct {
	client redis.UniversalClient
	prefix string
	now    func() time.Time
	// oneKeyspace reports whether one command may name any two keys; it
	// is false for clients that shard keys across servers.
	oneKeyspace bool
}

var _ jwt.Store = (*Store)(nil)

// New returns a Store that keeps its entries in client, configured by cfg.
// client must not be nil. New copies cfg, so later changes to it have no
// effect. The Store does not close client.
func New(client redis.UniversalClient, cfg Config) *Store {
	s := &Store{client: client, prefix: cfg.Prefix, now: cfg.Now}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	if s.now == nil {
		s.now = time.Now
	}
	_, s.oneKeyspace = client.(*redis.Client)
	return s
}

// consumeScript reads the key and, when it is absent, sets it to the value
// for the given number of milliseconds. It returns {1} for a first use and
// {0, prior} otherwise. Run on the server, the read and the write cannot
// be split by another client.
var consumeScript = redis.NewScript(`
local prior = redis.call('GET', KEYS[1])
if prior then
	return {0, prior}
end
local ms = tonumber(ARGV[2])
if ms > 0 then
	redis.call('SET', KEYS[1], ARGV[1], 'PX', ms)
end
return {1}
`)

// revokeScript sets the key to the empty string, the revoked marker. Its
// TTL becomes the given number of milliseconds only when that is longer
// than what the key has left; a key that is absent is written only when
// the number is positive.
var revokeScript = redis.NewScript(`
local ms = tonumber(ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left == -2 then
	if ms > 0 then
		redis.call('SET', KEYS[1], '', 'PX', ms)
	end
elseif left >= 0 and ms > left then
	redis.call('SET', KEYS[1], '', 'PX', ms)
else
	redis.call('SET', KEYS[1], '', 'KEEPTTL')
end
return 0
`)

func (s *Store) tokenKey(id string) string    { return s.prefix + "t:" + id }
func (s *Store) sessionKey(sid string) string { return s.prefix + "s:" + sid }

// ttl returns the whole milliseconds left until until, rounded up so that
// an entry with any time left is kept, or zero when none is left.
func (s *Store) ttl(until time.Time) int64 {
	d := until.Sub(s.now())
	if d <= 0 {
		return 0
	}
	return int64((d + time.Millisecond - 1) / time.Millisecond)
}

// Consume atomically records the first use of the token id, keeping value
// until the time until. It follows the contract of [jwt.Store].
func (s *Store) Consume(ctx context.Context, id string, value []byte, until time.Time) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if id == "" {
		return nil, false, fmt.Errorf("redisstore: consume: %w", jwt.ErrStoreEmptyID)
	}
	if len(value) == 0 {
		return nil, false, fmt.Errorf("redisstore: consume: %w", jwt.ErrStoreEmptyValue)
	}
	res, err := consumeScript.Run(ctx, s.client, []string{s.tokenKey(id)}, value, s.ttl(until)).Slice()
	if err != nil {
		return nil, false, fmt.Errorf("redisstore: consume: %w", err)
	}
	if len(res) == 1 {
		return nil, true, nil
	}
	if len(res) != 2 {
		return nil, false, fmt.Errorf("redisstore: consume: unexpected reply of %d elements", len(res))
	}
	prior, ok := res[1].(string)
	if !ok {
		return nil, false, fmt.Errorf("redisstore: consume: unexpected reply of type %T", res[1])
	}
	if prior == "" {
		return nil, false, nil
	}
	return []byte(prior), false, nil
}

// Revoke records the token id as revoked until the time until. It follows
// the contract of [jwt.Store].
func (s *Store) Revoke(ctx context.Context, id string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if id == "" {
		return fmt.Errorf("redisstore: revoke: %w", jwt.ErrStoreEmptyID)
	}
	return s.revoke(ctx, "revoke", s.tokenKey(id), until)
}

// RevokeSession records the session sid as revoked until the time until.
// It follows the contract of [jwt.Store].
func (s *Store) RevokeSession(ctx context.Context, sid string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sid == "" {
		return fmt.Errorf("redisstore: revoke session: %w", jwt.ErrStoreEmptyID)
	}
	return s.revoke(ctx, "revoke session", s.sessionKey(sid), until)
}

// revoke runs revokeScript on key; op names the method in errors.
func (s *Store) revoke(ctx context.Context, op, key string, until time.Time) error {
	if err := revokeScript.Run(ctx, s.client, []string{key}, s.ttl(until)).Err(); err != nil {
		return fmt.Errorf("redisstore: %s: %w", op, err)
	}
	return nil
}

// Revoked reports whether the token id has been consumed or revoked, or
// the session sid revoked, in one round trip. It follows the contract of
// [jwt.Store]. An error means the store could not answer; the caller must
// treat the token as refused.
func (s *Store) Revoked(ctx context.Context, id, sid string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	var n int64
	var err error
	switch {
	case id == "" && sid == "":
		return false, nil
	case sid == "":
		n, err = s.client.Exists(ctx, s.tokenKey(id)).Result()
	case id == "":
		n, err = s.client.Exists(ctx, s.sessionKey(sid)).Result()
	case s.oneKeyspace:
		n, err = s.client.Exists(ctx, s.tokenKey(id), s.sessionKey(sid)).Result()
	default:
		// The keys may live on different shards: ask each in one pipeline.
		var token, session *redis.IntCmd
		_, err = s.client.Pipelined(ctx, func(p redis.Pipeliner) error {
			token = p.Exists(ctx, s.tokenKey(id))
			session = p.Exists(ctx, s.sessionKey(sid))
			return nil
		})
		if err == nil {
			n = token.Val() + session.Val()
		}
	}
	if err != nil {
		return false, fmt.Errorf("redisstore: revoked: %w", err)
	}
	return n > 0, nil
}
