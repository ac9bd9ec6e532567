package tokenserver

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Counter counts events per key in fixed windows: the counters of the
// login limits. A Counter that the instances of a service share makes
// the limits hold across them, so that guesses spread over the instances
// are counted together.
//
// Implementations must be safe for concurrent use. The package
// countertest checks one against this contract.
type Counter interface {
	// Add adds delta to the count of key, atomically, and returns the
	// new count and the time left until the count is forgotten. A key
	// without a count (never counted, or its window has passed) starts a
	// new window of length window; a count's window is never lengthened.
	// A count that would fall to zero or below is forgotten, and Add
	// returns 0. Adding 0 only looks: for a key without a count it
	// returns 0 and no time left, and makes no count. Add returns the
	// error of ctx when ctx is done.
	Add(ctx context.Context, key string, delta int64, window time.Duration) (count int64, left time.Duration, err error)
}

// DefaultMaxKeys is the most keys a MemoryCounter holds when its MaxKeys
// is zero.
const DefaultMaxKeys = 100_000

// ErrCounterFull is returned by MemoryCounter.Add when it holds MaxKeys
// keys whose windows have not passed and is asked to count a new one.
var ErrCounterFull = errors.New("tokenserver: counter full")

// MemoryCounter is a Counter in the memory of one process: the counters of
// a single instance. The zero value is ready to use. It must not be
// copied after first use, and starts no goroutines: the keys whose windows
// have passed are dropped by Add, a whole sweep each time the number of
// keys has doubled, so memory is bounded by the keys counted within one
// window, and by MaxKeys.
type MemoryCounter struct {
	// Now returns the current time. Nil means time.Now. Set it before
	// first use.
	Now func() time.Time
	// MaxKeys is the most keys held at once; past it, a new key is an
	// error (ErrCounterFull), which the login limits answer with 503.
	// Zero means DefaultMaxKeys. Set it before first use.
	MaxKeys int

	mu       sync.Mutex
	keys     map[string]memCount
	swept    int       // number of keys after the last sweep
	earliest time.Time // no key's window ends before it
}

type memCount struct {
	n       int64
	expires time.Time
}

// Add adds delta to the count of key. It follows the contract of Counter.
func (c *MemoryCounter) Add(ctx context.Context, key string, delta int64, window time.Duration) (int64, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	now := time.Now()
	if c.Now != nil {
		now = c.Now()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.keys == nil {
		c.keys = make(map[string]memCount)
	}
	e, ok := c.keys[key]
	if !ok || !e.expires.After(now) {
		if delta <= 0 {
			delete(c.keys, key)
			return 0, 0, nil
		}
		if !ok && !c.room(now) {
			return 0, 0, ErrCounterFull
		}
		e = memCount{expires: now.Add(window)}
		if c.earliest.IsZero() || e.expires.Before(c.earliest) {
			c.earliest = e.expires
		}
	}
	e.n += delta
	if e.n <= 0 {
		delete(c.keys, key)
		return 0, 0, nil
	}
	c.keys[key] = e
	return e.n, e.expires.Sub(now), nil
}

// room reports whether a new key may be added. It sweeps out the keys
// whose windows have passed when their number has doubled since the last
// sweep, or when the counter is full and some window may have passed, so
// that a full counter does not sweep in vain on every call.
func (c *MemoryCounter) room(now time.Time) bool {
	limit := c.MaxKeys
	if limit <= 0 {
		limit = DefaultMaxKeys
	}
	full := len(c.keys) >= limit
	if len(c.keys) >= max(2*c.swept, 1024) || full && !now.Before(c.earliest) {
		c.earliest = time.Time{}
		for k, e := range c.keys {
			if !e.expires.After(now) {
				delete(c.keys, k)
			} else if c.earliest.IsZero() || e.expires.Before(c.earliest) {
				c.earliest = e.expires
			}
		}
		c.swept = len(c.keys)
	}
	return len(c.keys) < limit
}
