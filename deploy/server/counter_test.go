package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt/internal/tokenserver/countertest"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedisCounterContract(t *testing.T) {
	t.Parallel()
	u, prefix := redisURL(t), newPrefix()
	deleteKeys(t, u, prefix)
	opts, err := redis.ParseURL(u)
	require.NoError(t, err)
	client := redis.NewClient(opts)
	defer client.Close()
	// Redis keeps the time: a window passes for real.
	countertest.Run(t, &redisCounter{client: client, prefix: prefix + ":login:"}, func() {
		time.Sleep(countertest.Window + 100*time.Millisecond)
	})
}

// testClock is a settable clock, safe for concurrent use.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// sqlCounterOn returns a counter in a table of its own on the database of
// env variable name, and its clock.
func sqlCounterOn(t *testing.T, name, def string) (*sqlCounter, *testClock) {
	t.Helper()
	u, prefix := databaseURL(t, name, def), newPrefix()
	dropTables(t, u, prefix)
	db, dialect, err := openDB(u)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	clock := &testClock{t: time.Unix(1.9e9, 0)}
	c := &sqlCounter{db: db, dialect: dialect, table: prefix + "login_counters", now: clock.Now}
	require.NoError(t, c.migrate(t.Context()))
	require.NoError(t, c.migrate(t.Context()), "migrate runs again")
	return c, clock
}

func TestSQLCounterContract(t *testing.T) {
	t.Parallel()
	for _, db := range []struct{ name, env, def string }{
		{"postgres", postgresEnv, postgresDefault},
		{"mysql", mysqlEnv, mysqlDefault},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			c, clock := sqlCounterOn(t, db.env, db.def)
			countertest.Run(t, c, func() { clock.Advance(countertest.Window) })
		})
	}
}

func TestSQLCounterPrune(t *testing.T) {
	t.Parallel()
	for _, db := range []struct{ name, env, def string }{
		{"postgres", postgresEnv, postgresDefault},
		{"mysql", mysqlEnv, mysqlDefault},
	} {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			c, clock := sqlCounterOn(t, db.env, db.def)
			ctx := context.Background()
			for _, k := range []string{"a", "b", "c"} {
				_, _, err := c.Add(ctx, k, 1, time.Minute)
				require.NoError(t, err)
			}
			clock.Advance(30 * time.Second)
			_, _, err := c.Add(ctx, "d", 1, time.Minute)
			require.NoError(t, err)
			clock.Advance(31 * time.Second)
			n, err := c.prune(ctx)
			require.NoError(t, err)
			assert.Equal(t, 3, n, "the rows whose windows passed")
			var left int
			require.NoError(t, c.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+c.table).Scan(&left))
			assert.Equal(t, 1, left)
			_, _, err = c.Add(ctx, string(make([]byte, maxCounterKey+1)), 1, time.Minute)
			assert.Error(t, err, "a key wider than the column")
		})
	}
}
