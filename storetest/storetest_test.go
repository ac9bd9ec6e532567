package storetest

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
)

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 6789, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// recorder is a reporter that keeps what is reported to it instead of
// failing the test. Its Fatalf ends the goroutine of the check, as
// testing.T's does.
type recorder struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Helper()                  {}
func (r *recorder) Context() context.Context { return r.ctx }

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// checkNamed returns the check "Group/Name" of the suite.
func checkNamed(t *testing.T, name string) check {
	t.Helper()
	for _, g := range groups() {
		for _, c := range g.checks {
			if g.name+"/"+c.name == name {
				return c
			}
		}
	}
	t.Fatalf("the suite has no check %q", name)
	return check{}
}

// runCheck runs c, on a controlled clock, against the store that newStore
// makes on that clock, and returns what c reported.
func runCheck(t *testing.T, c check, newStore func(now func() time.Time) jwt.Store) []string {
	clock := newFakeClock()
	h := Harness{Store: newStore(clock.Now), Now: clock.Now, Advance: clock.Advance}
	r := &recorder{ctx: t.Context()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.run(r, newSuite(h, "self:"+c.name+":"))
	}()
	<-done
	return r.errors
}

func newMemoryStore(now func() time.Time) jwt.Store { return &jwt.MemoryStore{Now: now} }

// TestChecksPassMemoryStore is the control: every check passes the
// reference implementation when run as the broken stores' checks are.
func TestChecksPassMemoryStore(t *testing.T) {
	for _, g := range groups() {
		for _, c := range g.checks {
			t.Run(g.name+"/"+c.name, func(t *testing.T) {
				for _, e := range runCheck(t, c, newMemoryStore) {
					t.Error(e)
				}
			})
		}
	}
}

// splitStore keeps sessions in a map under one lock, as jwt.MemoryStore
// does, but its Refresh is not atomic: it reads the session under its
// lock, lets the lock go, and takes it again to record the refresh. Calls
// with one token that all read the session before any records its refresh
// are all done. The race calls Create, Session, Refresh and List only, so
// the other methods are left to the nil Store.
type splitStore struct {
	jwt.Store
	// yield makes Refresh yield its goroutine between the two holds of
	// the lock. Without it, the gap is only letting the lock go and taking
	// it straight back: the natural way to write this mistake, and the
	// harder one to catch.
	yield bool
	// latency, when set, is spent before each hold of the lock, as a round
	// trip to a server would be.
	latency time.Duration

	mu       sync.Mutex
	sessions map[string]jwt.Session
	subjects map[string][]string // the ids of the sessions of each subject
}

func (s *splitStore) Create(_ context.Context, ses jwt.Session) error {
	time.Sleep(s.latency)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[ses.ID]; ok {
		return jwt.ErrStoreExists
	}
	if s.sessions == nil {
		s.sessions = make(map[string]jwt.Session)
		s.subjects = make(map[string][]string)
	}
	s.sessions[ses.ID] = ses
	s.subjects[ses.Subject] = append(s.subjects[ses.Subject], ses.ID)
	return nil
}

func (s *splitStore) List(_ context.Context, subject string) ([]jwt.Session, error) {
	time.Sleep(s.latency)
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []jwt.Session
	for _, sid := range s.subjects[subject] {
		if ses := s.sessions[sid]; !ses.Ended {
			list = append(list, ses)
		}
	}
	slices.SortFunc(list, func(a, b jwt.Session) int { return a.Created.Compare(b.Created) })
	return list, nil
}

func (s *splitStore) Session(_ context.Context, sid string) (jwt.Session, error) {
	time.Sleep(s.latency)
	s.mu.Lock()
	defer s.mu.Unlock()
	if ses, ok := s.sessions[sid]; ok {
		return ses, nil
	}
	return jwt.Session{}, jwt.ErrNoSession
}

func (s *splitStore) Refresh(_ context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	time.Sleep(s.latency)
	s.mu.Lock()
	ses, ok := s.sessions[sid]
	s.mu.Unlock()
	switch {
	case !ok:
		return jwt.Session{}, false, jwt.ErrNoSession
	case ses.Ended:
		return ses, false, nil
	case ses.Token != from:
		return ses, ses.Previous == from && ses.Nonce == nonce, nil
	}
	if s.yield {
		runtime.Gosched() // another call from the same token may read the session here
	}
	time.Sleep(s.latency)
	s.mu.Lock()
	defer s.mu.Unlock()
	ses.Previous, ses.Token, ses.Nonce, ses.Refreshed = from, to, nonce, at
	ses.Expires = later(ses.Expires, expires)
	s.sessions[sid] = ses
	return ses, true, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// raceSplitStore runs the stream of Refresh calls on store and returns
// what it reported.
func raceSplitStore(t *testing.T, store jwt.Store) []string {
	r := &recorder{ctx: t.Context()}
	raceRefresh(r, &suite{Harness: Harness{Store: store}, prefix: "self:"}, streamRace)
	return r.errors
}

// TestRaceRefreshCatchesSplitStore checks that the stream of Refresh calls
// fails a store whose Refresh reads and records under separate holds of
// its lock, with and without a yield between them, and one that does so
// in separate round trips. It must fail it in every run, not by luck.
func TestRaceRefreshCatchesSplitStore(t *testing.T) {
	for _, tt := range []struct {
		name  string
		store *splitStore
	}{
		{"Yield", &splitStore{yield: true}},
		{"NoYield", &splitStore{}},
		{"RoundTrips", &splitStore{latency: 50 * time.Microsecond}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			errs := raceSplitStore(t, tt.store)
			if len(errs) == 0 {
				t.Fatal("the stream passed a store whose Refresh is not atomic, want it to fail")
			}
			if len(errs) > maxReported+1 {
				t.Errorf("the stream reported %d errors, want at most %d: %d sessions described, then a count", len(errs), maxReported+1, maxReported)
			}
			for _, e := range errs {
				t.Log("reported: " + e)
			}
		})
	}
}

// TestRaceRefreshSparesNetworkStore checks that the stream makes no more
// than a few thousand calls on a store that answers as slowly as a server
// on the same machine.
func TestRaceRefreshSparesNetworkStore(t *testing.T) {
	store := &countingStore{Store: &splitStore{latency: 50 * time.Microsecond}}
	raceSplitStore(t, store)
	if n, most := store.calls(), raceProbes+raceNetIDs*(raceCallers+1); n > most {
		t.Errorf("the stream made %d calls on a slow store, want at most %d", n, most)
	}
}

// countingStore counts the calls made on Store.
type countingStore struct {
	jwt.Store
	mu sync.Mutex
	n  int
}

func (s *countingStore) count() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
}

func (s *countingStore) calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *countingStore) Create(ctx context.Context, ses jwt.Session) error {
	s.count()
	return s.Store.Create(ctx, ses)
}

func (s *countingStore) Session(ctx context.Context, sid string) (jwt.Session, error) {
	s.count()
	return s.Store.Session(ctx, sid)
}

func (s *countingStore) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	s.count()
	return s.Store.Refresh(ctx, sid, from, to, nonce, at, expires)
}

// TestRaceRefreshPassesMemoryStore checks that the races pass a store
// whose Refresh is atomic.
func TestRaceRefreshPassesMemoryStore(t *testing.T) {
	s := &suite{Harness: Harness{Store: new(jwt.MemoryStore)}, prefix: "self:"}
	raceRefresh(t, s, oneSessionRace)
	raceRefresh(t, s, streamRace)
}

// noRepeatStore forgets the repeat of a refresh: only a Refresh from the
// current token is done, so a client that retries a call whose reply was
// lost gets done false.
type noRepeatStore struct{ *jwt.MemoryStore }

func (s noRepeatStore) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	if ses, err := s.Session(ctx, sid); err == nil && ses.Token != from {
		return ses, false, nil // a repeat is taken for a stale token
	}
	return s.MemoryStore.Refresh(ctx, sid, from, to, nonce, at, expires)
}

// noRetryStore refuses a Create repeated after its reply was lost, as
// stores did before the contract allowed it.
type noRetryStore struct{ *jwt.MemoryStore }

func (s noRetryStore) Create(ctx context.Context, ses jwt.Session) error {
	if _, err := s.Session(ctx, ses.ID); err == nil {
		return jwt.ErrStoreExists
	}
	return s.MemoryStore.Create(ctx, ses)
}

// deletingStore deletes a session that End ends, instead of keeping it,
// ended, until its time.
type deletingStore struct {
	*jwt.MemoryStore
	mu      sync.Mutex
	deleted map[string]bool
}

func (s *deletingStore) isDeleted(sid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deleted[sid]
}

func (s *deletingStore) End(ctx context.Context, sid string, expires time.Time) error {
	if err := s.MemoryStore.End(ctx, sid, expires); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.deleted == nil {
		s.deleted = make(map[string]bool)
	}
	s.deleted[sid] = true
	return nil
}

func (s *deletingStore) Session(ctx context.Context, sid string) (jwt.Session, error) {
	if s.isDeleted(sid) {
		return jwt.Session{}, jwt.ErrNoSession
	}
	return s.MemoryStore.Session(ctx, sid)
}

func (s *deletingStore) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	if s.isDeleted(sid) {
		return jwt.Session{}, false, jwt.ErrNoSession
	}
	return s.MemoryStore.Refresh(ctx, sid, from, to, nonce, at, expires)
}

// missingEndAllStore's EndAll misses the newest session of the subject.
type missingEndAllStore struct{ *jwt.MemoryStore }

func (s missingEndAllStore) EndAll(ctx context.Context, subject string) (int, error) {
	list, err := s.List(ctx, subject)
	if err != nil {
		return 0, err
	}
	for _, ses := range list[:max(len(list)-1, 0)] {
		if err := s.End(ctx, ses.ID, time.Time{}); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}

// listEndedStore's List includes the ended sessions of the subject.
type listEndedStore struct {
	*jwt.MemoryStore
	mu        sync.Mutex
	bySubject map[string][]string
}

func (s *listEndedStore) Create(ctx context.Context, ses jwt.Session) error {
	if err := s.MemoryStore.Create(ctx, ses); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.bySubject == nil {
		s.bySubject = make(map[string][]string)
	}
	s.bySubject[ses.Subject] = append(s.bySubject[ses.Subject], ses.ID)
	return nil
}

func (s *listEndedStore) List(ctx context.Context, subject string) ([]jwt.Session, error) {
	s.mu.Lock()
	sids := slices.Clone(s.bySubject[subject])
	s.mu.Unlock()
	var list []jwt.Session
	for _, sid := range sids {
		if ses, err := s.Session(ctx, sid); err == nil && ses.Subject == subject {
			list = append(list, ses)
		}
	}
	slices.SortFunc(list, func(a, b jwt.Session) int { return a.Created.Compare(b.Created) })
	return list, nil
}

// TestChecksCatchBrokenStores runs the checks of one part of the contract
// against a store that breaks it, and requires each to fail.
func TestChecksCatchBrokenStores(t *testing.T) {
	for _, tt := range []struct {
		name     string
		newStore func(now func() time.Time) jwt.Store
		checks   []string
	}{
		{
			name: "RefreshForgetsRepeat",
			newStore: func(now func() time.Time) jwt.Store {
				return noRepeatStore{&jwt.MemoryStore{Now: now}}
			},
			checks: []string{"Refresh/Repeat"},
		},
		{
			name: "CreateRefusesRetry",
			newStore: func(now func() time.Time) jwt.Store {
				return noRetryStore{&jwt.MemoryStore{Now: now}}
			},
			checks: []string{"Create/Repeated"},
		},
		{
			name: "EndDeletes",
			newStore: func(now func() time.Time) jwt.Store {
				return &deletingStore{MemoryStore: &jwt.MemoryStore{Now: now}}
			},
			checks: []string{"End/Live", "End/Unknown", "End/Twice", "End/NeverLiveAgain", "Refresh/Ended", "Expiry/EndKeeps", "Expiry/EndUnknown"},
		},
		{
			name: "EndAllMisses",
			newStore: func(now func() time.Time) jwt.Store {
				return missingEndAllStore{&jwt.MemoryStore{Now: now}}
			},
			checks: []string{"EndAll/Subject", "EndAll/Unknown", "EndAll/CreatedAfter", "Expiry/EndAll"},
		},
		{
			name: "ListIncludesEnded",
			newStore: func(now func() time.Time) jwt.Store {
				return &listEndedStore{MemoryStore: &jwt.MemoryStore{Now: now}}
			},
			checks: []string{"List/OnlyLive", "End/Live", "EndAll/Subject", "End/NeverLiveAgain"},
		},
	} {
		for _, name := range tt.checks {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				errs := runCheck(t, checkNamed(t, name), tt.newStore)
				if len(errs) == 0 {
					t.Fatalf("check %s passed a store that breaks it, want it to fail", name)
				}
				t.Log("reported: " + strings.Join(errs, "\n\t"))
			})
		}
	}
}
