package jwt

import (
	"bytes"
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"
)

// Store keeps the state the pair manager needs across requests: which
// refresh tokens have been used, and which tokens and sessions have been
// revoked. A token is named by its id (the jti claim) and a session by its
// session id (the sid claim). The two kinds of name live apart: a token id
// and a session id that happen to be equal never affect each other.
//
// Every entry is kept until a time given by the caller, normally the expiry
// of the token or session it describes, and is gone once that time has
// passed: a token that has expired fails verification anyway, so nothing
// is lost by forgetting it. An entry is present while its time is after
// the store's current time. A call whose time is not after the current
// time has nothing to keep: it succeeds and stores nothing new, though it
// may still change an entry that is present (see Revoke). Writing an entry
// that exists with a later time extends its life, and never shortens it.
//
// Implementations must be safe for concurrent use, by many goroutines and,
// for shared stores, by many processes. Each method returns the error of ctx
// when ctx is done, and any failure to reach the backing storage as an
// error: a caller must never read an error as "not revoked". The package
// storetest checks an implementation against this contract.
type Store interface {
	// Consume atomically records the first use of the token id, keeping
	// value until the time until. first reports whether this call was the
	// first use: of any number of concurrent calls with one id, exactly one
	// sees first true. When it was not, prior is the value stored by the
	// first use, or empty if the id was revoked with Revoke; the entry is
	// left as it was. An id never seen before is a first use. When until
	// is not after the current time and the id is not present, Consume
	// reports a first use and stores nothing. An empty id is an error
	// wrapping ErrStoreEmptyID, and an empty value one wrapping
	// ErrStoreEmptyValue; neither stores anything.
	Consume(ctx context.Context, id string, value []byte, until time.Time) (prior []byte, first bool, err error)

	// Revoke records the token id as revoked until the time until. A value
	// stored by Consume is replaced, so a later Consume of the id reports
	// first false with an empty prior. When the id is already present its
	// life becomes the later of its own and until. Revoking twice is
	// harmless. An empty id is an error wrapping ErrStoreEmptyID.
	Revoke(ctx context.Context, id string, until time.Time) error

	// RevokeSession records the session sid as revoked until the time
	// until. When the session is already revoked its life becomes the
	// later of its own and until. Revoking twice is harmless. An empty sid
	// is an error wrapping ErrStoreEmptyID.
	RevokeSession(ctx context.Context, sid string, until time.Time) error

	// Revoked reports whether the token id has been consumed or revoked,
	// or the session sid revoked. Either argument may be empty, and is then
	// not asked about; when both are empty Revoked reports false. A shared
	// store answers in one round trip.
	Revoked(ctx context.Context, id, sid string) (bool, error)
}

// MemoryStore is a [Store] that keeps its entries in the memory of one
// process. It suits a single instance; entries are lost when the process
// ends. Services that run several instances need a shared store, such as
// the one in the redisstore module.
//
// The zero value is ready to use. A MemoryStore is safe for concurrent use
// and must not be copied after first use. It starts no goroutines: expired
// entries are removed by the calls that write, oldest first, so memory is
// bounded by the live entries plus those that expired since the last write,
// and each call pays for its share of the clean-up in amortised
// logarithmic time.
type MemoryStore struct {
	// Now returns the current time, which decides when entries expire.
	// Nil means time.Now. Set it before first use.
	Now func() time.Time

	mu      sync.RWMutex
	entries map[memKey]*memEntry
	expiry  expiryQueue
	peak    int // most entries held since the map was last rebuilt
}

// memKey names an entry: token ids and session ids are kept apart.
type memKey struct {
	session bool
	id      string
}

// memEntry is one stored entry. A nil value means revoked.
type memEntry struct {
	key   memKey
	value []byte
	until time.Time
	index int // position in the expiry queue
}

func (s *MemoryStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Consume atomically records the first use of the token id, keeping a copy
// of value until the time until. It follows the contract of [Store].
// The returned prior is a copy that the caller may keep.
func (s *MemoryStore) Consume(ctx context.Context, id string, value []byte, until time.Time) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if id == "" {
		return nil, false, fmt.Errorf("%w in MemoryStore.Consume", ErrStoreEmptyID)
	}
	if len(value) == 0 {
		return nil, false, fmt.Errorf("%w in MemoryStore.Consume", ErrStoreEmptyValue)
	}
	now := s.now()
	key := memKey{id: id}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	if e, ok := s.entries[key]; ok {
		return bytes.Clone(e.value), false, nil
	}
	if until.After(now) {
		s.insert(key, bytes.Clone(value), until)
	}
	return nil, true, nil
}

// Revoke records the token id as revoked until the time until. It follows
// the contract of [Store].
func (s *MemoryStore) Revoke(ctx context.Context, id string, until time.Time) error {
	return s.revoke(ctx, "Revoke", memKey{id: id}, until)
}

// RevokeSession records the session sid as revoked until the time until.
// It follows the contract of [Store].
func (s *MemoryStore) RevokeSession(ctx context.Context, sid string, until time.Time) error {
	return s.revoke(ctx, "RevokeSession", memKey{session: true, id: sid}, until)
}

// revoke marks key as revoked; method names the caller in errors.
func (s *MemoryStore) revoke(ctx context.Context, method string, key memKey, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if key.id == "" {
		return fmt.Errorf("%w in MemoryStore.%s", ErrStoreEmptyID, method)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	if e, ok := s.entries[key]; ok {
		e.value = nil
		if until.After(e.until) {
			e.until = until
			heap.Fix(&s.expiry, e.index)
		}
		return nil
	}
	if until.After(now) {
		s.insert(key, nil, until)
	}
	return nil
}

// Revoked reports whether the token id has been consumed or revoked, or
// the session sid revoked. It follows the contract of [Store].
func (s *MemoryStore) Revoked(ctx context.Context, id, sid string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if id == "" && sid == "" {
		return false, nil
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	// Reads do not prune, so that they can share the lock; an entry that
	// has expired but is not yet pruned is checked here. The clock is read
	// only when an entry is found, since most tokens asked about are not.
	var found *memEntry
	if id != "" {
		found = s.entries[memKey{id: id}]
	}
	if sid != "" {
		if e := s.entries[memKey{session: true, id: sid}]; e != nil && (found == nil || e.until.After(found.until)) {
			found = e
		}
	}
	return found != nil && found.until.After(s.now()), nil
}

// insert adds a new entry. The caller holds s.mu for writing.
func (s *MemoryStore) insert(key memKey, value []byte, until time.Time) {
	if s.entries == nil {
		s.entries = make(map[memKey]*memEntry)
	}
	e := &memEntry{key: key, value: value, until: until}
	s.entries[key] = e
	heap.Push(&s.expiry, e)
	s.peak = max(s.peak, len(s.entries))
}

// prune removes every entry whose time is not after now. Each entry is
// removed once, so the cost is amortised over the calls that added them.
// The caller holds s.mu for writing.
func (s *MemoryStore) prune(now time.Time) {
	for len(s.expiry) > 0 && !s.expiry[0].until.After(now) {
		e := heap.Pop(&s.expiry).(*memEntry)
		delete(s.entries, e.key)
	}
	// A Go map keeps its buckets after deletes, and the queue keeps its
	// capacity. After a burst, once three quarters of the peak has gone,
	// copy the live entries into fresh ones: the copy costs less than the
	// deletes that led to it, so it stays amortised.
	if s.peak >= minRebuild && len(s.entries) <= s.peak/4 {
		entries := make(map[memKey]*memEntry, 2*len(s.entries))
		for k, e := range s.entries {
			entries[k] = e
		}
		s.entries = entries
		s.expiry = append(make(expiryQueue, 0, 2*len(s.expiry)), s.expiry...)
		s.peak = len(s.entries)
	}
}

// minRebuild is the peak size below which prune never rebuilds the map.
const minRebuild = 1024

// expiryQueue is a min-heap of entries ordered by the time they expire.
type expiryQueue []*memEntry

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].until.Before(q[j].until) }

func (q expiryQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}

func (q *expiryQueue) Push(x any) {
	e := x.(*memEntry)
	e.index = len(*q)
	*q = append(*q, e)
}

func (q *expiryQueue) Pop() any {
	old := *q
	n := len(old) - 1
	e := old[n]
	old[n] = nil
	*q = old[:n]
	return e
}
