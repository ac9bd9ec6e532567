package jwt

import (
	"container/heap"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Session is what a [Store] keeps of one login: the tokens of a pair, and
// every token refreshed from them, carry its ID as their session claim
// (sid). A Session holds ids and times only, never a token or a secret.
type Session struct {
	// ID is the session id.
	ID string
	// Subject is the subject the session was issued for.
	Subject string
	// Created is the time of the login.
	Created time.Time
	// Refreshed is the time of the last refresh, Created before the first.
	Refreshed time.Time
	// Expires is when the store may forget the session: no token of it is
	// valid after it.
	Expires time.Time
	// Token is the id (jti) of the session's current refresh token.
	Token string
	// Previous is the id of the refresh token that the last refresh
	// replaced, and Nonce the nonce of that refresh; both are empty
	// before the first.
	Previous, Nonce string
	// Ended is set once the session has been ended: a logout, a session
	// or subject revocation, or a detected reuse. An ended session is
	// kept until Expires so that its tokens are refused, and is never
	// live again.
	Ended bool
}

// Store keeps the sessions of a [Pairs]: which logins are live, and which
// refresh token is the current one of each. Every refresh token of a
// session is refused unless the Store holds the session, not ended: after
// a logout, and after the Store has lost its memory (a Redis restarted
// without persistence), its tokens are refused, never trusted. A Store
// fails closed: any failure to answer is an error, and the pair manager
// refuses the token. An error of a Store that cannot answer for now, such
// as one whose server is down or slow, matches ErrUnavailable, unless it
// is the error of the caller's context.
//
// Every session is kept until its Expires time and is gone once that time
// has passed, the store's clock deciding. Ending a session keeps it, ended,
// until then.
//
// Implementations must be safe for concurrent use, by many goroutines and,
// for shared stores, by many processes. Each method returns the error of
// ctx when ctx is done, and returns by ctx's deadline. The package
// storetest checks an implementation against this contract.
type Store interface {
	// Create records s, a new session. Its ID, Subject and Token must
	// not be empty (ErrStoreEmptyID). Creating a session whose ID is
	// already held is an error wrapping ErrStoreExists, and changes
	// nothing, except when the session held is s as it was created: the
	// same Subject and Token, and not ended. That is the same Create
	// called again, after its reply was lost (the Token of each new
	// session is new), and it returns nil, changing nothing. A session
	// whose Expires is not after the store's current time is not kept.
	Create(ctx context.Context, s Session) error

	// Session returns the session sid, ended or not, or an error wrapping
	// ErrNoSession when the store holds none: never created, expired, or
	// forgotten.
	Session(ctx context.Context, sid string) (Session, error)

	// Refresh atomically records a refresh of session sid presented with
	// the refresh token from. When from is the session's current Token
	// and the session is not ended, it sets Previous to from, Token to to
	// (to equals from when refresh tokens are not rotated), Nonce to
	// nonce, Refreshed to at and Expires to the later of its own and
	// expires, and returns the session so changed with done true: of any
	// number of concurrent calls with one from, exactly one does this.
	// When the call repeats the one that did (from is Previous and nonce
	// is Nonce: a reply lost and the call retried), it returns the
	// session with done true and changes nothing. Otherwise it changes
	// nothing and returns the session as it is with done false, or an
	// error wrapping ErrNoSession. An empty sid, from, to or nonce is an
	// error wrapping ErrStoreEmptyID.
	Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (s Session, done bool, err error)

	// End ends the session sid and keeps it, ended, until the later of
	// its Expires and expires. A session the store does not hold is
	// recorded ended, with no subject, until expires, so that its tokens
	// stay refused. Ending an ended session is harmless.
	End(ctx context.Context, sid string, expires time.Time) error

	// EndAll ends every session of subject and returns how many it ended.
	EndAll(ctx context.Context, subject string) (int, error)

	// List returns the sessions of subject that are not ended, oldest
	// first.
	List(ctx context.Context, subject string) ([]Session, error)
}

// MemoryStore is a [Store] that keeps its sessions in the memory of one
// process. It suits a single instance: its sessions are lost when the
// process ends, and so every token issued before is refused after a
// restart. Services that run several instances need a shared store, such
// as the one in the redisstore module.
//
// The zero value is ready to use. A MemoryStore is safe for concurrent use
// and must not be copied after first use. It starts no goroutines: expired
// sessions are removed by the calls that write, oldest first, and each
// call pays for its share of the clean-up in amortised logarithmic time.
// Memory is bounded by the sessions that have not expired: a session takes
// about 400 bytes with its ids, whatever the number of its refreshes.
type MemoryStore struct {
	// Now returns the current time, which decides when sessions expire.
	// Nil means time.Now. Set it before first use.
	Now func() time.Time

	mu       sync.RWMutex
	sessions map[string]*memSession
	subjects map[string]map[string]struct{} // the sessions not ended of each subject
	expiry   expiryQueue
	peak     int // most sessions held since the map was last rebuilt
}

// memSession is one stored session and its place in the expiry queue.
type memSession struct {
	Session
	index int
}

func (s *MemoryStore) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Create records a new session. It follows the contract of [Store].
func (s *MemoryStore) Create(ctx context.Context, ses Session) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ses.ID == "" || ses.Subject == "" || ses.Token == "" {
		return fmt.Errorf("%w in MemoryStore.Create", ErrStoreEmptyID)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	if held, ok := s.sessions[ses.ID]; ok {
		if held.Subject == ses.Subject && held.Token == ses.Token && !held.Ended {
			return nil // this Create again
		}
		return fmt.Errorf("%w: session %q", ErrStoreExists, ses.ID)
	}
	if ses.Expires.After(now) {
		ses.Ended = false
		s.insert(ses)
	}
	return nil
}

// Session returns the session sid. It follows the contract of [Store].
func (s *MemoryStore) Session(ctx context.Context, sid string) (Session, error) {
	if err := ctx.Err(); err != nil {
		return Session{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	// Reads do not prune, so that they can share the lock; a session
	// that has expired but is not yet pruned is passed over here.
	if e := s.sessions[sid]; e != nil && e.Expires.After(s.now()) {
		return e.Session, nil
	}
	return Session{}, ErrNoSession
}

// Refresh records a refresh of session sid. It follows the contract of
// [Store].
func (s *MemoryStore) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (Session, bool, error) {
	if err := ctx.Err(); err != nil {
		return Session{}, false, err
	}
	if sid == "" || from == "" || to == "" || nonce == "" {
		return Session{}, false, fmt.Errorf("%w in MemoryStore.Refresh", ErrStoreEmptyID)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	e := s.sessions[sid]
	switch {
	case e == nil:
		return Session{}, false, ErrNoSession
	case e.Ended:
		return e.Session, false, nil
	case e.Token == from:
		e.Previous, e.Token, e.Nonce, e.Refreshed = from, to, nonce, at
		if expires.After(e.Expires) {
			e.Expires = expires
			heap.Fix(&s.expiry, e.index)
		}
		return e.Session, true, nil
	}
	return e.Session, e.Previous == from && e.Nonce == nonce, nil
}

// End ends the session sid. It follows the contract of [Store].
func (s *MemoryStore) End(ctx context.Context, sid string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sid == "" {
		return fmt.Errorf("%w in MemoryStore.End", ErrStoreEmptyID)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(now)
	if e := s.sessions[sid]; e != nil {
		s.end(e, expires)
	} else if expires.After(now) {
		s.insert(Session{ID: sid, Expires: expires, Ended: true})
	}
	return nil
}

// EndAll ends every session of subject. It follows the contract of
// [Store].
func (s *MemoryStore) EndAll(ctx context.Context, subject string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if subject == "" {
		return 0, fmt.Errorf("%w in MemoryStore.EndAll", ErrStoreEmptyID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.prune(s.now())
	n := 0
	for sid := range s.subjects[subject] {
		s.end(s.sessions[sid], time.Time{})
		n++
	}
	return n, nil
}

// List returns the sessions of subject that are not ended. It follows the
// contract of [Store].
func (s *MemoryStore) List(ctx context.Context, subject string) ([]Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	now := s.now()
	var list []Session
	for sid := range s.subjects[subject] {
		if e := s.sessions[sid]; e.Expires.After(now) {
			list = append(list, e.Session)
		}
	}
	slices.SortFunc(list, func(a, b Session) int { return a.Created.Compare(b.Created) })
	return list, nil
}

// end marks e ended until the later of its time and expires. The caller
// holds s.mu for writing.
func (s *MemoryStore) end(e *memSession, expires time.Time) {
	if !e.Ended {
		e.Ended = true
		s.unindex(e)
	}
	if expires.After(e.Expires) {
		e.Expires = expires
		heap.Fix(&s.expiry, e.index)
	}
}

// insert adds a new session. The caller holds s.mu for writing.
func (s *MemoryStore) insert(ses Session) {
	if s.sessions == nil {
		s.sessions = make(map[string]*memSession)
		s.subjects = make(map[string]map[string]struct{})
	}
	e := &memSession{Session: ses}
	s.sessions[ses.ID] = e
	heap.Push(&s.expiry, e)
	if !ses.Ended {
		ids := s.subjects[ses.Subject]
		if ids == nil {
			ids = make(map[string]struct{}, 1)
			s.subjects[ses.Subject] = ids
		}
		ids[ses.ID] = struct{}{}
	}
	s.peak = max(s.peak, len(s.sessions))
}

// unindex removes e from the sessions of its subject. The caller holds
// s.mu for writing.
func (s *MemoryStore) unindex(e *memSession) {
	if ids := s.subjects[e.Subject]; ids != nil {
		delete(ids, e.ID)
		if len(ids) == 0 {
			delete(s.subjects, e.Subject)
		}
	}
}

// prune removes every session whose time is not after now. Each session
// is removed once, so the cost is amortised over the calls that added
// them. The caller holds s.mu for writing.
func (s *MemoryStore) prune(now time.Time) {
	for len(s.expiry) > 0 && !s.expiry[0].Expires.After(now) {
		e := heap.Pop(&s.expiry).(*memSession)
		delete(s.sessions, e.ID)
		if !e.Ended {
			s.unindex(e)
		}
	}
	// A Go map keeps its buckets after deletes, and the queue keeps its
	// capacity. After a burst, once three quarters of the peak has gone,
	// copy the live sessions into fresh ones: the copy costs less than the
	// deletes that led to it, so it stays amortised.
	if s.peak >= minRebuild && len(s.sessions) <= s.peak/4 {
		sessions := make(map[string]*memSession, 2*len(s.sessions))
		for k, e := range s.sessions {
			sessions[k] = e
		}
		s.sessions = sessions
		s.expiry = append(make(expiryQueue, 0, 2*len(s.expiry)), s.expiry...)
		s.peak = len(s.sessions)
	}
}

// minRebuild is the peak size below which prune never rebuilds the map.
const minRebuild = 1024

// expiryQueue is a min-heap of sessions ordered by the time they expire.
type expiryQueue []*memSession

func (q expiryQueue) Len() int           { return len(q) }
func (q expiryQueue) Less(i, j int) bool { return q[i].Expires.Before(q[j].Expires) }

func (q expiryQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index = i
	q[j].index = j
}

func (q *expiryQueue) Push(x any) {
	e := x.(*memSession)
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
