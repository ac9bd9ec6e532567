package tokenserver_test

import (
	"context"
	"testing"
	"time"

	"github.com/jwtpair/jwt/internal/tokenserver"
	"github.com/jwtpair/jwt/internal/tokenserver/countertest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func TestMemoryCounterContract(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	countertest.Run(t, &tokenserver.MemoryCounter{Now: c.Now}, func() { c.t = c.t.Add(countertest.Window) })
}

func TestMemoryCounterZeroValue(t *testing.T) {
	var c tokenserver.MemoryCounter
	n, left, err := c.Add(context.Background(), "k", 1, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
	assert.Greater(t, left, 59*time.Second, "the zero value uses time.Now")
}

// TestMemoryCounterFull checks that a counter holding MaxKeys live keys
// refuses new ones, so that a spray of usernames cannot take all memory,
// and takes new keys again once windows have passed.
func TestMemoryCounterFull(t *testing.T) {
	c := &clock{t: time.Unix(1e9, 0)}
	mc := &tokenserver.MemoryCounter{Now: c.Now, MaxKeys: 3}
	ctx := context.Background()
	for _, k := range []string{"a", "b", "c"} {
		_, _, err := mc.Add(ctx, k, 1, time.Minute)
		require.NoError(t, err)
	}
	_, _, err := mc.Add(ctx, "d", 1, time.Minute)
	require.ErrorIs(t, err, tokenserver.ErrCounterFull)
	n, _, err := mc.Add(ctx, "a", 1, time.Minute)
	require.NoError(t, err, "a key already held is still counted")
	assert.Equal(t, int64(2), n)
	c.t = c.t.Add(time.Minute)
	_, _, err = mc.Add(ctx, "d", 1, time.Minute)
	require.NoError(t, err, "the passed windows were swept out")
}
