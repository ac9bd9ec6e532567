package redisstore_test

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/redisstore"
	"github.com/jwtpair/jwt/storetest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newClient returns a client for the Redis at REDIS_ADDR, or skips the test
// when the variable is unset.
func newClient(tb testing.TB) *redis.Client {
	tb.Helper()
	addr := os.Getenv("REDIS_ADDR")
	if addr == "" {
		tb.Skip("REDIS_ADDR is not set; start a local redis-server and run " +
			"REDIS_ADDR=127.0.0.1:6379 go test ./... in redisstore/")
	}
	client := redis.NewClient(&redis.Options{Addr: addr})
	tb.Cleanup(func() { client.Close() })
	require.NoError(tb, client.Ping(tb.Context()).Err(), "Redis at REDIS_ADDR=%s", addr)
	return client
}

// testPrefix returns a key prefix unique to this test, and deletes every
// key under it when the test ends.
func testPrefix(tb testing.TB, client redis.UniversalClient) string {
	tb.Helper()
	prefix := "jwtpair-test:" + rand.Text()[:16]
	tb.Cleanup(func() { deleteKeys(tb, client, "{"+prefix+"}:") })
	return prefix
}

// deleteKeys deletes every key that starts with start.
func deleteKeys(tb testing.TB, client redis.UniversalClient, start string) {
	ctx := context.Background() // the test's context is done by cleanup time
	iter := client.Scan(ctx, 0, start+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Errorf("listing test keys: %v", err)
		return
	}
	for len(keys) > 0 {
		n := min(len(keys), 1000)
		if err := client.Del(ctx, keys[:n]...).Err(); err != nil {
			tb.Errorf("deleting test keys: %v", err)
			return
		}
		keys = keys[n:]
	}
}

// newStore returns a Store on client configured by cfg.
func newStore(tb testing.TB, client redis.UniversalClient, cfg redisstore.Config) *redisstore.Store {
	tb.Helper()
	s, err := redisstore.New(client, cfg)
	require.NoError(tb, err)
	return s
}

// clock is a clock that tests move by hand, safe for concurrent use.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

// newClock returns a clock at the present time, to the millisecond.
func newClock() *clock { return &clock{now: time.Now().Truncate(time.Millisecond)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// harness returns the conformance suite's harness for a Store on client
// under a prefix of its own, on a clock the suite moves.
func harness(t *testing.T, client redis.UniversalClient) storetest.Harness {
	c := newClock()
	s := newStore(t, client, redisstore.Config{Prefix: testPrefix(t, client), Now: c.Now})
	return storetest.Harness{Store: s, Now: c.Now, Advance: c.Advance}
}

func TestStore(t *testing.T) {
	client := newClient(t)
	storetest.Run(t, func(t *testing.T) storetest.Harness { return harness(t, client) })
}

// TestStoreRealTime runs the suite on real time, which the suite cannot
// move: sessions then expire as Redis drops their keys.
func TestStoreRealTime(t *testing.T) {
	client := newClient(t)
	storetest.Run(t, func(t *testing.T) storetest.Harness {
		return storetest.Harness{Store: newStore(t, client, redisstore.Config{Prefix: testPrefix(t, client)})}
	})
}

// TestStoreRing runs the suite through a Ring, which routes each command
// by the hash tag of its first key.
func TestStoreRing(t *testing.T) {
	addr := newClient(t).Options().Addr
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"one": addr}})
	t.Cleanup(func() { ring.Close() })
	storetest.Run(t, func(t *testing.T) storetest.Harness { return harness(t, ring) })
}

// TestStoreCluster runs the suite on a Redis Cluster of one node that
// holds every slot, which refuses a script that reaches a key outside
// the slot of its declared keys.
func TestStoreCluster(t *testing.T) {
	srv := startRedis(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf")
	direct := srv.Client(redis.Options{})
	ctx := t.Context()
	slots := make([]int, 16384)
	for i := range slots {
		slots[i] = i
	}
	require.NoError(t, direct.ClusterAddSlots(ctx, slots...).Err())
	require.Eventually(t, func() bool {
		info, err := direct.ClusterInfo(ctx).Result()
		return err == nil && strings.Contains(info, "cluster_state:ok")
	}, 10*time.Second, 20*time.Millisecond, "the cluster never became ok")
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{srv.Addr()}})
	t.Cleanup(func() { cluster.Close() })
	storetest.Run(t, func(t *testing.T) storetest.Harness { return harness(t, cluster) })

	t.Run("one slot", func(t *testing.T) {
		h := harness(t, cluster)
		now := h.Now()
		s := jwt.Session{ID: "sid", Subject: "sub", Created: now, Refreshed: now, Expires: now.Add(time.Minute), Token: "t0"}
		require.NoError(t, h.Store.Create(ctx, s))
		_, done, err := h.Store.Refresh(ctx, "sid", "t0", "t1", "n1", now, now.Add(2*time.Minute))
		require.NoError(t, err)
		require.True(t, done)
		list, err := h.Store.List(ctx, "sub")
		require.NoError(t, err)
		assert.Len(t, list, 1)
		n, err := h.Store.EndAll(ctx, "sub")
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	})
}

// TestStoreMatchesMemoryStore runs the same random calls on a Store and
// on a jwt.MemoryStore, the reference implementation, on one clock, and
// requires the same answers.
func TestStoreMatchesMemoryStore(t *testing.T) {
	client := newClient(t)
	c := newClock()
	red := newStore(t, client, redisstore.Config{Prefix: testPrefix(t, client), Now: c.Now})
	mem := &jwt.MemoryStore{Now: c.Now}
	ctx := t.Context()
	seed := uint64(time.Now().UnixNano())
	rng := mathrand.New(mathrand.NewPCG(seed, 1))
	pick := func(prefix string, n int) string { return fmt.Sprint(prefix, rng.IntN(n)) }
	later := func() time.Time { return c.Now().Add(time.Duration(rng.IntN(120_000)) * time.Millisecond) }

	for i := range 3000 {
		var op string
		var got, want any
		switch now := c.Now(); rng.IntN(8) {
		case 0, 1:
			s := jwt.Session{ID: pick("s", 8), Subject: pick("u", 3), Created: now, Refreshed: now, Expires: later(), Token: pick("t", 6)}
			op = fmt.Sprintf("Create(%+v)", s)
			got, want = errClass(red.Create(ctx, s)), errClass(mem.Create(ctx, s))
		case 2:
			sid := pick("s", 8)
			op = "Session " + sid
			got, want = outcome(red.Session(ctx, sid)), outcome(mem.Session(ctx, sid))
		case 3, 4:
			sid, from, to, nonce, exp := pick("s", 8), pick("t", 6), pick("t", 6), pick("n", 3), later()
			op = fmt.Sprintf("Refresh(%s, %s, %s, %s, %v)", sid, from, to, nonce, exp)
			rs, rdone, rerr := red.Refresh(ctx, sid, from, to, nonce, now, exp)
			ms, mdone, merr := mem.Refresh(ctx, sid, from, to, nonce, now, exp)
			got, want = []any{outcome(rs, rerr), rdone}, []any{outcome(ms, merr), mdone}
		case 5:
			sid, exp := pick("s", 8), later()
			if rng.IntN(2) == 0 {
				exp = time.Time{}
			}
			op = fmt.Sprintf("End(%s, %v)", sid, exp)
			got, want = errClass(red.End(ctx, sid, exp)), errClass(mem.End(ctx, sid, exp))
		case 6:
			sub := pick("u", 3)
			if rng.IntN(4) == 0 {
				op = "EndAll " + sub
				rn, rerr := red.EndAll(ctx, sub)
				mn, merr := mem.EndAll(ctx, sub)
				got, want = []any{rn, errClass(rerr)}, []any{mn, errClass(merr)}
			} else {
				op = "List " + sub
				rl, rerr := red.List(ctx, sub)
				ml, merr := mem.List(ctx, sub)
				got, want = []any{normList(rl), errClass(rerr)}, []any{normList(ml), errClass(merr)}
			}
		case 7:
			d := time.Duration(rng.IntN(30_000)) * time.Millisecond
			op = fmt.Sprint("Advance ", d)
			c.Advance(d)
		}
		require.Equal(t, want, got, "call %d, %s (seed %d)", i, op, seed)
	}
}

// errClass returns the class of err that the contract names.
func errClass(err error) string {
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, jwt.ErrNoSession):
		return "ErrNoSession"
	case errors.Is(err, jwt.ErrStoreExists):
		return "ErrStoreExists"
	case errors.Is(err, jwt.ErrStoreEmptyID):
		return "ErrStoreEmptyID"
	}
	return "other: " + err.Error()
}

// outcome returns a session and an error in a comparable form.
func outcome(s jwt.Session, err error) []any { return []any{norm(s), errClass(err)} }

// norm returns s with its times in UTC, for comparing.
func norm(s jwt.Session) jwt.Session {
	s.Created, s.Refreshed, s.Expires = s.Created.UTC(), s.Refreshed.UTC(), s.Expires.UTC()
	return s
}

// normList returns list normalised and in an order without ties.
func normList(list []jwt.Session) []jwt.Session {
	out := make([]jwt.Session, 0, len(list))
	for _, s := range list {
		out = append(out, norm(s))
	}
	slices.SortFunc(out, func(a, b jwt.Session) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return out
}

// TestStoreKeys pins the key layout and the expiry of each key: the
// session's hash expires with the session, the subject's set with its
// longest session.
func TestStoreKeys(t *testing.T) {
	client := newClient(t)
	prefix := testPrefix(t, client)
	c := newClock()
	s := newStore(t, client, redisstore.Config{Prefix: prefix, Now: c.Now})
	ctx := t.Context()
	now := c.Now()
	sessionKey, subjectKey := "{"+prefix+"}:s:", "{"+prefix+"}:u:42"
	pttl := func(key string) time.Duration {
		d, err := client.PTTL(ctx, key).Result()
		require.NoError(t, err)
		return d
	}
	second := float64(time.Second)

	require.NoError(t, s.Create(ctx, jwt.Session{ID: "a", Subject: "42", Created: now, Refreshed: now, Expires: now.Add(time.Hour), Token: "t0"}))
	require.NoError(t, s.Create(ctx, jwt.Session{ID: "b", Subject: "42", Created: now, Refreshed: now, Expires: now.Add(2 * time.Hour), Token: "t0"}))
	fields, err := client.HGetAll(ctx, sessionKey+"a").Result()
	require.NoError(t, err)
	ms := fmt.Sprint(now.UnixMilli())
	assert.Equal(t, map[string]string{
		"sub": "42", "created": ms, "refreshed": ms, "expires": fmt.Sprint(now.Add(time.Hour).UnixMilli()), "token": "t0",
		"previous": "", "nonce": "",
	}, fields)
	assert.InDelta(t, time.Hour, pttl(sessionKey+"a"), second)
	members, err := client.ZRangeWithScores(ctx, subjectKey, 0, -1).Result()
	require.NoError(t, err)
	assert.Equal(t, []redis.Z{
		{Member: "a", Score: float64(now.Add(time.Hour).UnixMilli())},
		{Member: "b", Score: float64(now.Add(2 * time.Hour).UnixMilli())},
	}, members)
	assert.InDelta(t, 2*time.Hour, pttl(subjectKey), second, "the subject's set lives as long as its longest session")

	_, done, err := s.Refresh(ctx, "a", "t0", "t1", "n1", now, now.Add(3*time.Hour))
	require.NoError(t, err)
	require.True(t, done)
	assert.InDelta(t, 3*time.Hour, pttl(sessionKey+"a"), second, "a refresh extends the session")
	assert.InDelta(t, 3*time.Hour, pttl(subjectKey), second, "and its subject's set")

	require.NoError(t, s.End(ctx, "a", now.Add(4*time.Hour)))
	assert.InDelta(t, 4*time.Hour, pttl(sessionKey+"a"), second, "an ended session is kept until the later time")
	assert.InDelta(t, 2*time.Hour, pttl(subjectKey), second, "and leaves its subject's set")
	require.NoError(t, s.End(ctx, "b", time.Time{}))
	assert.Equal(t, time.Duration(-2), pttl(subjectKey), "a set left empty is deleted")

	require.NoError(t, s.End(ctx, "unknown", now.Add(time.Minute)))
	fields, err = client.HGetAll(ctx, sessionKey+"unknown").Result()
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"expires": fmt.Sprint(now.Add(time.Minute).UnixMilli()), "ended": "1"}, fields)
	assert.InDelta(t, time.Minute, pttl(sessionKey+"unknown"), second)
}

func TestStoreDefaultPrefix(t *testing.T) {
	client := newClient(t)
	s := newStore(t, client, redisstore.Config{})
	sid := "jwtpair-test-" + rand.Text()
	t.Cleanup(func() { client.Del(context.Background(), "{jwt}:s:"+sid, "{jwt}:u:"+sid) })
	now := time.Now()
	require.NoError(t, s.Create(t.Context(), jwt.Session{ID: sid, Subject: sid, Expires: now.Add(time.Minute), Token: "t0"}))
	n, err := client.Exists(t.Context(), "{jwt}:s:"+sid, "{jwt}:u:"+sid).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(2), n, "keys are {jwt}:s:<sid> and {jwt}:u:<subject> by default")
}

// TestStoreMilliseconds pins that times are kept to the millisecond.
func TestStoreMilliseconds(t *testing.T) {
	client := newClient(t)
	s := newStore(t, client, redisstore.Config{Prefix: testPrefix(t, client)})
	ctx := t.Context()
	now := time.Now()
	in := jwt.Session{ID: "a", Subject: "42", Created: now, Refreshed: now.Add(time.Microsecond), Expires: now.Add(time.Hour + 999*time.Microsecond), Token: "t0"}
	require.NoError(t, s.Create(ctx, in))
	got, err := s.Session(ctx, "a")
	require.NoError(t, err)
	assert.True(t, got.Created.Equal(now.Truncate(time.Millisecond)), "Created %v", got.Created)
	assert.True(t, got.Refreshed.Equal(now.Add(time.Microsecond).Truncate(time.Millisecond)), "Refreshed %v", got.Refreshed)
	assert.True(t, got.Expires.Equal(in.Expires.Truncate(time.Millisecond)), "Expires %v", got.Expires)
}

func TestNew(t *testing.T) {
	client := redis.NewClient(&redis.Options{}) // never dialled
	t.Cleanup(func() { client.Close() })
	tests := []struct {
		name   string
		client redis.UniversalClient
		cfg    redisstore.Config
	}{
		{name: "no client", cfg: redisstore.Config{}},
		{name: "open brace in prefix", client: client, cfg: redisstore.Config{Prefix: "a{b"}},
		{name: "close brace in prefix", client: client, cfg: redisstore.Config{Prefix: "}"}},
		{name: "negative timeout", client: client, cfg: redisstore.Config{Timeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := redisstore.New(tt.client, tt.cfg)
			require.ErrorIs(t, err, jwt.ErrConfig)
			assert.Nil(t, s)
		})
	}
	assert.Equal(t, "jwt", redisstore.DefaultPrefix)
	assert.Equal(t, time.Second, redisstore.DefaultTimeout)
}

// TestStoreMalformedRecord pins failing closed on a record the store did
// not write: an error, never "no such session".
func TestStoreMalformedRecord(t *testing.T) {
	client := newClient(t)
	prefix := testPrefix(t, client)
	s := newStore(t, client, redisstore.Config{Prefix: prefix})
	ctx := t.Context()
	key := "{" + prefix + "}:s:"
	exp := fmt.Sprint(time.Now().Add(time.Hour).UnixMilli())
	require.NoError(t, client.HSet(ctx, key+"no-expiry", "sub", "42", "token", "t0").Err())
	require.NoError(t, client.HSet(ctx, key+"bad-time", "sub", "42", "token", "t0", "expires", exp, "created", "yesterday").Err())
	require.NoError(t, client.HSet(ctx, key+"no-token", "sub", "42", "expires", exp).Err())
	require.NoError(t, client.Set(ctx, key+"string", "x", time.Hour).Err())
	for _, sid := range []string{"no-expiry", "bad-time", "no-token", "string"} {
		t.Run(sid, func(t *testing.T) {
			_, err := s.Session(ctx, sid)
			require.Error(t, err)
			assert.NotErrorIs(t, err, jwt.ErrNoSession)
		})
	}
	for _, sid := range []string{"bad-time", "no-token", "string"} {
		t.Run(sid+" refresh", func(t *testing.T) {
			_, done, err := s.Refresh(ctx, sid, "t0", "t1", "n", time.Now(), time.Now().Add(time.Hour))
			require.Error(t, err)
			assert.False(t, done)
			assert.NotErrorIs(t, err, jwt.ErrNoSession)
		})
	}
	assert.Error(t, s.End(ctx, "string", time.Now().Add(time.Hour)))
}

// TestStoreUnreachable pins failing closed: when Redis cannot be reached,
// every method returns an error.
func TestStoreUnreachable(t *testing.T) {
	client := redis.NewClient(&redis.Options{
		Addr:          "127.0.0.1:1", // nothing listens on port 1
		DialTimeout:   200 * time.Millisecond,
		DialerRetries: 1,
		MaxRetries:    -1,
	})
	t.Cleanup(func() { client.Close() })
	s := newStore(t, client, redisstore.Config{})
	ctx := t.Context()
	now := time.Now()

	assert.Error(t, s.Create(ctx, jwt.Session{ID: "sid", Subject: "42", Expires: now.Add(time.Hour), Token: "t0"}))
	_, err := s.Session(ctx, "sid")
	require.Error(t, err)
	assert.NotErrorIs(t, err, jwt.ErrNoSession, "an unreachable store is not an empty one")
	_, done, err := s.Refresh(ctx, "sid", "t0", "t1", "n", now, now.Add(time.Hour))
	require.Error(t, err)
	assert.False(t, done, "an error is never a refresh done")
	assert.Error(t, s.End(ctx, "sid", now.Add(time.Hour)))
	_, err = s.EndAll(ctx, "42")
	assert.Error(t, err)
	_, err = s.List(ctx, "42")
	assert.Error(t, err)
}

// silentServer accepts connections and never answers: a Redis that hangs.
func silentServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestStoreDeadline pins that every call returns by its context's
// deadline, and by Config.Timeout, even on a client that would wait for
// a reply forever: no ContextTimeoutEnabled and no read timeout.
func TestStoreDeadline(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: silentServer(t), ReadTimeout: -1, WriteTimeout: -1})
	t.Cleanup(func() { client.Close() })
	now := time.Now()
	calls := []struct {
		name string
		call func(ctx context.Context, s *redisstore.Store) error
	}{
		{"Create", func(ctx context.Context, s *redisstore.Store) error {
			return s.Create(ctx, jwt.Session{ID: "sid", Subject: "42", Expires: now.Add(time.Hour), Token: "t0"})
		}},
		{"Session", func(ctx context.Context, s *redisstore.Store) error { _, err := s.Session(ctx, "sid"); return err }},
		{"Refresh", func(ctx context.Context, s *redisstore.Store) error {
			_, _, err := s.Refresh(ctx, "sid", "t0", "t1", "n", now, now.Add(time.Hour))
			return err
		}},
		{"End", func(ctx context.Context, s *redisstore.Store) error { return s.End(ctx, "sid", now.Add(time.Hour)) }},
		{"EndAll", func(ctx context.Context, s *redisstore.Store) error { _, err := s.EndAll(ctx, "42"); return err }},
		{"List", func(ctx context.Context, s *redisstore.Store) error { _, err := s.List(ctx, "42"); return err }},
	}
	tests := []struct {
		name    string
		timeout time.Duration // Config.Timeout
		ctx     func(t *testing.T) (context.Context, context.CancelFunc)
		want    error
		max     time.Duration
	}{
		{"context deadline", 0, func(t *testing.T) (context.Context, context.CancelFunc) {
			return context.WithTimeout(t.Context(), 300*time.Millisecond)
		}, context.DeadlineExceeded, time.Second},
		{"context canceled", 0, func(t *testing.T) (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(t.Context())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled, time.Second},
		{"Config.Timeout", 300 * time.Millisecond, func(t *testing.T) (context.Context, context.CancelFunc) {
			return context.WithCancel(t.Context())
		}, context.DeadlineExceeded, time.Second},
	}
	for _, tt := range tests {
		s := newStore(t, client, redisstore.Config{Timeout: tt.timeout})
		for _, c := range calls {
			t.Run(tt.name+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				ctx, cancel := tt.ctx(t)
				defer cancel()
				start := time.Now()
				err := c.call(ctx, s)
				elapsed := time.Since(start)
				require.ErrorIs(t, err, tt.want)
				assert.Less(t, elapsed, tt.max)
			})
		}
	}
	t.Run("DefaultTimeout", func(t *testing.T) {
		s := newStore(t, client, redisstore.Config{})
		start := time.Now()
		_, err := s.Session(context.Background(), "sid")
		elapsed := time.Since(start)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.GreaterOrEqual(t, elapsed, redisstore.DefaultTimeout)
		assert.Less(t, elapsed, redisstore.DefaultTimeout+time.Second)
	})
	t.Run("done before the call", func(t *testing.T) {
		s := newStore(t, client, redisstore.Config{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for _, c := range calls {
			assert.Equal(t, context.Canceled, c.call(ctx, s), c.name)
		}
	})
}
