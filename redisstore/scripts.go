package redisstore

import "github.com/redis/go-redis/v9"

// The Lua scripts below make each write of the Store one atomic step on
// the server. They follow these rules:
//
//   - A session is a hash under the session key. Its fields are sub,
//     created, refreshed, expires, token, previous, nonce and ended;
//     times are Unix milliseconds, an absent or empty time is the zero
//     time, and ended is "1" once the session has ended. The key's expiry
//     (PEXPIRE) is the session's expires.
//   - The sessions of a subject that have not ended are the members of a
//     sorted set under the subject key, each scored by its expires, and
//     the key expires with the longest of them.
//   - now, the store's current time in Unix milliseconds, is an argument:
//     a session whose expires is not after it is taken as absent, even
//     before Redis has dropped its key. This keeps the scripts
//     deterministic and the store's clock the one that decides.
//   - A script reaches the subject key of a session (and EndAll the
//     session keys of a subject) by a name it builds from the key
//     prefix. Every key of one Store shares one hash tag, so these keys
//     are in the slot of the declared key, as Redis Cluster requires.

// luaCommon is the start of every script that writes: helpers.
const luaCommon = `
local function int(x)
	return string.format('%d', x)
end

-- touch drops from the subject set k the sessions expired at now, and
-- gives k the expiry of its longest session. A set left empty is
-- deleted by Redis itself.
local function touch(k, now)
	redis.call('ZREMRANGEBYSCORE', k, '-inf', now)
	local last = redis.call('ZRANGE', k, -1, -1, 'WITHSCORES')
	if #last == 2 then
		redis.call('PEXPIRE', k, int(tonumber(last[2]) - now))
	end
end
`

// createScript records a new session.
//
//	KEYS: session key, subject key
//	ARGV: now, sub, created, refreshed, expires, token, sid, previous, nonce
//
// It returns 0 when a session that has not expired holds the key, and
// changes nothing then; 1 otherwise, keeping the session only when its
// expires is after now. A session held with the same sub and token, and
// not ended, is this Create run again after its reply was lost: it returns
// 1 and changes nothing.
var createScript = redis.NewScript(luaCommon + `
local now = tonumber(ARGV[1])
local held = redis.call('HMGET', KEYS[1], 'expires', 'sub', 'token', 'ended')
local heldExpires = tonumber(held[1])
if heldExpires and heldExpires > now then
	if held[2] == ARGV[2] and held[3] == ARGV[6] and held[4] ~= '1' then
		return 1
	end
	return 0
end
local expires = tonumber(ARGV[5])
if expires <= now then
	return 1
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'sub', ARGV[2], 'created', ARGV[3],
	'refreshed', ARGV[4], 'expires', ARGV[5], 'token', ARGV[6],
	'previous', ARGV[8], 'nonce', ARGV[9])
redis.call('PEXPIRE', KEYS[1], int(expires - now))
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[7])
touch(KEYS[2], now)
return 1
`)

// refreshScript records a refresh: the compare-and-set of the session's
// current refresh token.
//
//	KEYS: session key
//	ARGV: now, from, to, nonce, at, expires, subject key prefix, sid
//
// It returns nil when the session is absent, and otherwise {done, fields}
// where fields are the session's hash after the call, as HGETALL gives
// them. When token is from and the session has not ended, it writes
// previous, token, nonce and refreshed, and extends expires (and the
// expiry of the key and of the subject set) to the later of the two:
// done is 1. The same call again (previous is from, nonce is nonce) is
// done with nothing written. Anything else is not done.
var refreshScript = redis.NewScript(luaCommon + `
local now = tonumber(ARGV[1])
local h = redis.call('HGETALL', KEYS[1])
local f = {}
for i = 1, #h, 2 do
	f[h[i]] = h[i + 1]
end
local held = tonumber(f['expires'])
if not held or held <= now then
	return false
end
if f['ended'] == '1' then
	return {0, h}
end
if f['token'] == ARGV[2] then
	redis.call('HSET', KEYS[1], 'previous', ARGV[2], 'token', ARGV[3],
		'nonce', ARGV[4], 'refreshed', ARGV[5])
	local expires = tonumber(ARGV[6])
	if expires > held then
		redis.call('HSET', KEYS[1], 'expires', ARGV[6])
		redis.call('PEXPIRE', KEYS[1], int(expires - now))
		local sub = f['sub']
		if sub and sub ~= '' then
			local k = ARGV[7] .. sub
			redis.call('ZADD', k, ARGV[6], ARGV[8])
			touch(k, now)
		end
	end
	return {1, redis.call('HGETALL', KEYS[1])}
end
if f['previous'] == ARGV[2] and f['nonce'] == ARGV[4] then
	return {1, h}
end
return {0, h}
`)

// endScript ends a session.
//
//	KEYS: session key
//	ARGV: now, expires, subject key prefix, sid
//
// A session that is held is marked ended, leaves its subject's set, and
// is kept until the later of its expires and the given one. An absent
// session is recorded ended, with no subject, until the given expires
// when that is after now. It returns 1.
var endScript = redis.NewScript(luaCommon + `
local now = tonumber(ARGV[1])
local expires = tonumber(ARGV[2])
local f = redis.call('HMGET', KEYS[1], 'sub', 'expires', 'ended')
local held = tonumber(f[2])
if not held or held <= now then
	if expires > now then
		redis.call('DEL', KEYS[1])
		redis.call('HSET', KEYS[1], 'expires', ARGV[2], 'ended', '1')
		redis.call('PEXPIRE', KEYS[1], int(expires - now))
	end
	return 1
end
if f[3] ~= '1' then
	redis.call('HSET', KEYS[1], 'ended', '1')
	if f[1] and f[1] ~= '' then
		local k = ARGV[3] .. f[1]
		redis.call('ZREM', k, ARGV[4])
		touch(k, now)
	end
end
if expires > held then
	redis.call('HSET', KEYS[1], 'expires', ARGV[2])
	redis.call('PEXPIRE', KEYS[1], int(expires - now))
end
return 1
`)

// endAllScript ends every session of a subject.
//
//	KEYS: subject key
//	ARGV: now, session key prefix, subject
//
// It marks ended every session of the set that is held, of this subject,
// not ended and not expired, deletes the set, and returns how many it
// ended. The sessions keep their own expiry.
var endAllScript = redis.NewScript(`
local now = tonumber(ARGV[1])
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local n = 0
for _, id in ipairs(ids) do
	local k = ARGV[2] .. id
	local f = redis.call('HMGET', k, 'sub', 'expires', 'ended')
	local held = tonumber(f[2])
	if f[1] == ARGV[3] and f[3] ~= '1' and held and held > now then
		redis.call('HSET', k, 'ended', '1')
		n = n + 1
	end
end
redis.call('DEL', KEYS[1])
return n
`)

// listScript reads the sessions of a subject. It writes nothing.
//
//	KEYS: subject key
//	ARGV: now, session key prefix
//
// It returns {sid, fields, sid, fields, ...} for every member of the set
// whose score is after now and whose hash is held, fields as HGETALL
// gives them; the caller drops those ended, expired or of another
// subject.
var listScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf')
local out = {}
for _, id in ipairs(ids) do
	local h = redis.call('HGETALL', ARGV[2] .. id)
	if #h > 0 then
		out[#out + 1] = id
		out[#out + 1] = h
	end
end
return out
`)
