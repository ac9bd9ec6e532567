package main

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCounter is a tokenserver.Counter in Redis: one key per counted
// key, {prefix}key, holding the count, with the window's end as the key's
// expiry, so that Redis forgets it by itself. Each Add is one Lua script,
// atomic on the server, so instances sharing the Redis count together.
type redisCounter struct {
	client redis.UniversalClient
	prefix string
}

// addScript adds ARGV[1] to the count of KEYS[1], or only reads it when
// ARGV[1] is 0. A key without an expiry has just been made: its window of
// ARGV[2] milliseconds starts. A count at zero or below is deleted. It
// returns the count and the milliseconds left.
var addScript = redis.NewScript(`
if tonumber(ARGV[1]) == 0 then
	local v = redis.call('GET', KEYS[1])
	if not v then
		return {0, 0}
	end
	return {tonumber(v), math.max(redis.call('PTTL', KEYS[1]), 0)}
end
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n <= 0 then
	redis.call('DEL', KEYS[1])
	return {0, 0}
end
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
	left = tonumber(ARGV[2])
	redis.call('PEXPIRE', KEYS[1], left)
end
return {n, left}
`)

// Add adds delta to the count of key. It follows the contract of
// tokenserver.Counter.
func (c *redisCounter) Add(ctx context.Context, key string, delta int64, window time.Duration) (int64, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	ms := max(window.Milliseconds(), 1)
	r, err := addScript.Run(ctx, c.client, []string{c.prefix + key}, delta, strconv.FormatInt(ms, 10)).Int64Slice()
	if err != nil {
		return 0, 0, err
	}
	if len(r) != 2 {
		return 0, 0, errors.New("redis counter: unexpected reply")
	}
	return r[0], time.Duration(r[1]) * time.Millisecond, nil
}
