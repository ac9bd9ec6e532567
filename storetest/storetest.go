// Package storetest checks that an implementation of [jwt.Store] keeps the
// contract the pair manager relies on: consume-once under concurrency,
// revocation of tokens and sessions in separate namespaces, expiry, lives
// that are extended and never shortened, and the errors of a done context.
//
// A store's test file calls [Run] with a function that makes a fresh store:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) storetest.Harness {
//			clock := newFakeClock()
//			return storetest.Harness{
//				Store:   &jwt.MemoryStore{Now: clock.Now},
//				Now:     clock.Now,
//				Advance: clock.Advance,
//			}
//		})
//	}
//
// A store whose time cannot be moved, such as one kept by a database server
// that expires entries itself, leaves Advance nil. The suite then uses real
// time: short lifetimes of a few hundred milliseconds, and polling with a
// deadline where it waits for an entry to expire. Every check runs on both
// kinds of clock, and none is skipped; on real time the expiry of an entry
// is checked as closely as waiting allows, and on a controlled clock to the
// millisecond. Every token and session id the suite writes starts with a
// random prefix, so that runs can share one server; the harness is
// responsible for removing what the suite wrote.
//
// Package storetest uses the jwt package's exported API only, [jwt.Store]
// and its errors, and otherwise the standard library, testing included.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
)

// Harness is one store under test and the clock that decides when its
// entries expire.
type Harness struct {
	// Store is the store under test. It must be empty of the ids the suite
	// uses, which is the case for a fresh store or a shared one, since the
	// suite's ids are random.
	Store jwt.Store

	// Now returns the store's current time. Nil means time.Now.
	Now func() time.Time

	// Advance moves the store's clock forward by d. Nil means the store
	// runs on real time, which the suite cannot move: it then waits for
	// time to pass, keeping lifetimes short.
	Advance func(d time.Duration)
}

// Lifetimes the suite gives entries. short is the one it waits out, so it
// is small enough for real time and large enough for a network round trip
// and millisecond rounding; long is never waited out.
const (
	short = 300 * time.Millisecond
	long  = 10 * time.Minute

	// slack is how far past an expiry the suite waits on real time before
	// it expects an entry written with a later time still to be there.
	slack = 50 * time.Millisecond
	// patience is how long past an expiry the suite polls, on real time,
	// for an entry to go.
	patience = 3 * time.Second
	// poll is the interval between checks while polling.
	poll = 5 * time.Millisecond
)

// The concurrent Consume check races many callers on one id, and a stream
// of calls on many ids. A Consume that is not atomic gives two callers a
// first use only when one looks the id up after another has looked it up
// and before that one records it. In a store that keeps its entries in
// memory under a sync.Mutex, that gap can be as short as letting the lock
// go and taking it straight back, and Go's mutex lets the goroutine that
// unlocked take it back ahead of those waiting, until one of them has
// waited over a millisecond; from then on it hands the lock to its waiters
// in turn. A burst of calls on such a store is over within a millisecond.
// So the stream runs for a set time: long enough for the scheduler to
// preempt callers that hold the lock, and for the lock's waiters to be
// handed it in turn. A store that waits on a network does fewer calls in
// that time, and needs fewer: its gap is a whole round trip.
const (
	// oneIDCallers is how many callers race on the one id.
	oneIDCallers = 100
	// raceWorkers goroutines make the stream of calls, raceCallers calls
	// on each id in turn, for raceTime and at least raceMinIDs ids. So
	// that a fast store does not fill memory, the stream stops after
	// raceMaxIDs ids.
	raceWorkers = 64
	raceCallers = 8
	raceTime    = 150 * time.Millisecond
	raceMinIDs  = 100
	raceMaxIDs  = 1 << 17
	// raceChunk is how many ids the check keeps the outcomes of together,
	// to check them once all their calls have returned and then drop them.
	raceChunk = 256
	// maxReported is how many failed ids the check describes before it
	// only counts them.
	maxReported = 3
)

// Run checks the store that newHarness returns against the [jwt.Store]
// contract. It calls newHarness once per subtest, with the subtest's t, so
// each subtest may have a fresh store and clock; cleanup belongs in
// t.Cleanup.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	prefix := randomPrefix(t)
	tests := []struct {
		name string
		run  func(t *testing.T, s *suite)
	}{
		{"ConsumeFirstUse", testConsumeFirstUse},
		{"ConsumeLaterUse", testConsumeLaterUse},
		{"ConsumeCopiesValues", testConsumeCopiesValues},
		{"ConsumeAfterRevoke", testConsumeAfterRevoke},
		{"RevokeConsumed", testRevokeConsumed},
		{"RevokeTwice", testRevokeTwice},
		{"RevokePastOfPresent", testRevokePastOfPresent},
		{"Namespaces", testNamespaces},
		{"Revoked", testRevoked},
		{"Expiry", testExpiry},
		{"NotAfterNow", testNotAfterNow},
		{"ExtendNeverShorten", testExtendNeverShorten},
		{"ConcurrentConsume", testConcurrentConsume},
		{"DoneContext", testDoneContext},
		{"EmptyArguments", testEmptyArguments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			if h.Store == nil {
				t.Fatal("Harness.Store is nil, want the store under test")
			}
			tt.run(t, &suite{Harness: h, prefix: prefix + tt.name + ":"})
		})
	}
}

// randomPrefix returns a prefix unique to one run of the suite.
func randomPrefix(t *testing.T) string {
	t.Helper()
	return "storetest:" + rand.Text()[:16] + ":"
}

// suite is the state of one subtest.
type suite struct {
	Harness
	prefix string
	n      atomic.Int64
}

// id returns a new id, unique within the run, that reads as name.
func (s *suite) id(name string) string {
	return fmt.Sprintf("%s%s-%d", s.prefix, name, s.n.Add(1))
}

func (s *suite) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// controlled reports whether the suite can move the store's clock.
func (s *suite) controlled() bool { return s.Advance != nil }

// parallel runs the subtests that wait out lifetimes side by side when time
// is real. On a controlled clock they stay in order, since each moves the
// one clock they share.
func (s *suite) parallel(t *testing.T) {
	if !s.controlled() {
		t.Parallel()
	}
}

// waitPast lets the store's time move to at least d after from. On a
// controlled clock it advances the clock; on real time it sleeps, since
// what follows checks that something has not happened.
func (s *suite) waitPast(from time.Time, d time.Duration) {
	if s.controlled() {
		if gap := from.Add(d).Sub(s.now()); gap > 0 {
			s.Advance(gap)
		}
		return
	}
	time.Sleep(time.Until(from.Add(d + slack)))
}

// eventually polls cond, on real time, until it holds or patience runs
// out.
func (s *suite) eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(short + patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("timed out after %v: %s", short+patience, msg)
			return
		}
		time.Sleep(poll)
	}
}

// revoked asks the store about id and sid and fails the test on error.
func (s *suite) revoked(t *testing.T, id, sid string) bool {
	t.Helper()
	r, err := s.Store.Revoked(t.Context(), id, sid)
	if err != nil {
		t.Fatalf("Revoked(%q, %q) returned error %v, want none", id, sid, err)
	}
	return r
}

// consume calls Consume and fails the test on error.
func (s *suite) consume(t *testing.T, id, value string, until time.Time) (prior []byte, first bool) {
	t.Helper()
	prior, first, err := s.Store.Consume(t.Context(), id, []byte(value), until)
	if err != nil {
		t.Fatalf("Consume(%q, %q) returned error %v, want none", id, value, err)
	}
	return prior, first
}

// revoke calls Revoke and fails the test on error.
func (s *suite) revoke(t *testing.T, id string, until time.Time) {
	t.Helper()
	if err := s.Store.Revoke(t.Context(), id, until); err != nil {
		t.Fatalf("Revoke(%q) returned error %v, want none", id, err)
	}
}

// revokeSession calls RevokeSession and fails the test on error.
func (s *suite) revokeSession(t *testing.T, sid string, until time.Time) {
	t.Helper()
	if err := s.Store.RevokeSession(t.Context(), sid, until); err != nil {
		t.Fatalf("RevokeSession(%q) returned error %v, want none", sid, err)
	}
}

// wantRevoked reports an error unless Revoked(id, sid) is want; why says
// what the answer shows.
func (s *suite) wantRevoked(t *testing.T, id, sid string, want bool, why string) {
	t.Helper()
	if got := s.revoked(t, id, sid); got != want {
		t.Errorf("Revoked(%q, %q) = %v, want %v: %s", id, sid, got, want, why)
	}
}

// wantRevokedUse reports an error unless a Consume that returned prior and
// first was a use of a revoked id: first false and prior empty; why says
// what the answer shows.
func wantRevokedUse(t *testing.T, prior []byte, first bool, why string) {
	t.Helper()
	if first {
		t.Errorf("Consume of a revoked id: first = true, want false: %s", why)
	}
	if len(prior) != 0 {
		t.Errorf("Consume of a revoked id: prior = %q, want empty: %s", prior, why)
	}
}

func testConsumeFirstUse(t *testing.T, s *suite) {
	id := s.id("token")
	if s.revoked(t, id, "") {
		t.Fatalf("Revoked(%q, \"\") = true, want false: an id never seen is not revoked", id)
	}
	prior, first := s.consume(t, id, "v1", s.now().Add(long))
	if !first {
		t.Error("Consume of a new id: first = false, want true: the first Consume of an id is its first use")
	}
	if len(prior) != 0 {
		t.Errorf("Consume of a new id: prior = %q, want empty", prior)
	}
	s.wantRevoked(t, id, "", true, "a consumed id reads as revoked")
}

func testConsumeLaterUse(t *testing.T, s *suite) {
	id := s.id("token")
	until := s.now().Add(long)
	if _, first := s.consume(t, id, "v1", until); !first {
		t.Fatal("Consume of a new id: first = false, want true")
	}
	for _, v := range []string{"v2", "v3"} {
		prior, first := s.consume(t, id, v, until)
		if first {
			t.Errorf("Consume with value %q after a first use: first = true, want false", v)
		}
		if string(prior) != "v1" {
			t.Errorf("Consume with value %q after a first use: prior = %q, want %q, the first use's value", v, prior, "v1")
		}
	}
}

func testConsumeCopiesValues(t *testing.T, s *suite) {
	id := s.id("token")
	until := s.now().Add(long)
	value := []byte("v1")
	_, first, err := s.Store.Consume(t.Context(), id, value, until)
	if err != nil {
		t.Fatalf("Consume(%q, %q) returned error %v, want none", id, value, err)
	}
	if !first {
		t.Fatal("Consume of a new id: first = false, want true")
	}
	value[0] = 'x'
	prior, _ := s.consume(t, id, "v2", until)
	if string(prior) != "v1" {
		t.Fatalf("after the caller changed the value it gave: prior = %q, want %q: the store keeps its own copy of value", prior, "v1")
	}
	prior[0] = 'x'
	prior, _ = s.consume(t, id, "v3", until)
	if string(prior) != "v1" {
		t.Errorf("after the caller changed a returned prior: prior = %q, want %q: changing a returned prior leaves the store alone", prior, "v1")
	}
}

func testConsumeAfterRevoke(t *testing.T, s *suite) {
	id := s.id("token")
	until := s.now().Add(long)
	s.revoke(t, id, until)
	prior, first := s.consume(t, id, "v1", until)
	wantRevokedUse(t, prior, first, "a revoked id cannot be consumed and has no prior value")
	s.wantRevoked(t, id, "", true, "a revoked id stays revoked")
}

func testRevokeConsumed(t *testing.T, s *suite) {
	id := s.id("token")
	until := s.now().Add(long)
	if _, first := s.consume(t, id, "v1", until); !first {
		t.Fatal("Consume of a new id: first = false, want true")
	}
	s.revoke(t, id, until)
	prior, first := s.consume(t, id, "v2", until)
	wantRevokedUse(t, prior, first, "Revoke replaces the consumed value")
	s.wantRevoked(t, id, "", true, "a revoked id stays revoked")
}

func testRevokeTwice(t *testing.T, s *suite) {
	until := s.now().Add(long)
	id, sid := s.id("token"), s.id("session")
	for range 2 {
		s.revoke(t, id, until)
		s.revokeSession(t, sid, until)
	}
	s.wantRevoked(t, id, "", true, "an id revoked twice is revoked")
	s.wantRevoked(t, "", sid, true, "a session revoked twice is revoked")
	prior, first := s.consume(t, id, "v1", until)
	wantRevokedUse(t, prior, first, "an id revoked twice cannot be consumed")
}

// testRevokePastOfPresent pins that Revoke with a time already past still
// revokes an entry that is present, keeping the entry's own life.
func testRevokePastOfPresent(t *testing.T, s *suite) {
	id := s.id("token")
	now := s.now()
	if _, first := s.consume(t, id, "v1", now.Add(long)); !first {
		t.Fatal("Consume of a new id: first = false, want true")
	}
	s.revoke(t, id, now.Add(-time.Minute))
	s.wantRevoked(t, id, "", true, "Revoke with a past time keeps the entry's own life")
	prior, first := s.consume(t, id, "v2", now.Add(long))
	wantRevokedUse(t, prior, first, "Revoke with a past time revokes an entry that is present")
}

func testNamespaces(t *testing.T, s *suite) {
	until := s.now().Add(long)
	tests := []struct {
		name  string
		write func(t *testing.T, name string)
		// asTokenRevoked and asSessionRevoked are what Revoked says
		// about the name asked as a token id and as a session id.
		asTokenRevoked, asSessionRevoked bool
	}{
		{
			name: "Consume",
			write: func(t *testing.T, name string) {
				if _, first := s.consume(t, name, "v1", until); !first {
					t.Fatal("Consume of a new id: first = false, want true")
				}
			},
			asTokenRevoked: true,
		},
		{
			name:           "Revoke",
			write:          func(t *testing.T, name string) { s.revoke(t, name, until) },
			asTokenRevoked: true,
		},
		{
			name:             "RevokeSession",
			write:            func(t *testing.T, name string) { s.revokeSession(t, name, until) },
			asSessionRevoked: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := s.id("shared")
			tt.write(t, name)
			s.wantRevoked(t, name, "", tt.asTokenRevoked, "the name asked as a token id after "+tt.name)
			s.wantRevoked(t, "", name, tt.asSessionRevoked, "the name asked as a session id after "+tt.name)
			if !tt.asTokenRevoked {
				if _, first := s.consume(t, name, "v1", until); !first {
					t.Error("Consume: first = false, want true: a revoked session does not consume the token id of the same name")
				}
			}
		})
	}
}

func testRevoked(t *testing.T, s *suite) {
	until := s.now().Add(long)
	consumed, revoked, fresh := s.id("consumed"), s.id("revoked"), s.id("fresh")
	session, freshSession := s.id("session"), s.id("fresh-session")
	if _, first := s.consume(t, consumed, "v1", until); !first {
		t.Fatal("Consume of a new id: first = false, want true")
	}
	s.revoke(t, revoked, until)
	s.revokeSession(t, session, until)

	tests := []struct {
		name    string
		id, sid string
		want    bool
	}{
		{name: "both empty", want: false},
		{name: "fresh id only", id: fresh, want: false},
		{name: "consumed id only", id: consumed, want: true},
		{name: "revoked id only", id: revoked, want: true},
		{name: "fresh session only", sid: freshSession, want: false},
		{name: "revoked session only", sid: session, want: true},
		{name: "fresh id, fresh session", id: fresh, sid: freshSession, want: false},
		{name: "consumed id, fresh session", id: consumed, sid: freshSession, want: true},
		{name: "revoked id, fresh session", id: revoked, sid: freshSession, want: true},
		{name: "fresh id, revoked session", id: fresh, sid: session, want: true},
		{name: "revoked id, revoked session", id: revoked, sid: session, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.wantRevoked(t, tt.id, tt.sid, tt.want, tt.name)
		})
	}
}

// writes are the calls that create an entry, each reporting how the
// entry shows in Revoked: as a token id or as a session id.
func (s *suite) writes() []struct {
	name    string
	session bool
	write   func(ctx context.Context, id string, until time.Time) error
} {
	return []struct {
		name    string
		session bool
		write   func(ctx context.Context, id string, until time.Time) error
	}{
		{name: "Consume", write: func(ctx context.Context, id string, until time.Time) error {
			_, _, err := s.Store.Consume(ctx, id, []byte("v1"), until)
			return err
		}},
		{name: "Revoke", write: s.Store.Revoke},
		{name: "RevokeSession", session: true, write: s.Store.RevokeSession},
	}
}

// present reports whether Revoked finds id, asked as a session id when
// session is true and as a token id otherwise.
func (s *suite) present(t *testing.T, id string, session bool) bool {
	t.Helper()
	if session {
		return s.revoked(t, "", id)
	}
	return s.revoked(t, id, "")
}

// testExpiry pins that an entry is present while its time is after the
// current time and gone once it has passed. On a controlled clock it checks
// the boundary exactly: present a millisecond before its time, gone at it.
// On real time it can only check that the entry goes within patience.
func testExpiry(t *testing.T, s *suite) {
	for _, w := range s.writes() {
		t.Run(w.name, func(t *testing.T) {
			s.parallel(t)
			id := s.id("expiring")
			from := s.now()
			if err := w.write(t.Context(), id, from.Add(short)); err != nil {
				t.Fatalf("%s(%q) returned error %v, want none", w.name, id, err)
			}
			if !s.present(t, id, w.session) {
				t.Fatalf("after %s: Revoked = false, want true: present before its time", w.name)
			}
			if s.controlled() {
				s.Advance(short - time.Millisecond)
				if !s.present(t, id, w.session) {
					t.Error("a millisecond before its time: Revoked = false, want true: present just before its time")
				}
				s.Advance(time.Millisecond)
				if s.present(t, id, w.session) {
					t.Error("at its time: Revoked = true, want false: gone at its time")
				}
			} else {
				s.eventually(t, func() bool { return !s.present(t, id, w.session) },
					"Revoked still true, want false: the entry disappears once its time has passed")
			}
			if !w.session {
				if _, first := s.consume(t, id, "v2", s.now().Add(long)); !first {
					t.Error("Consume of an expired id: first = false, want true: an expired id is new again")
				}
			}
		})
	}
}

func testNotAfterNow(t *testing.T, s *suite) {
	for _, w := range s.writes() {
		for _, ago := range []time.Duration{0, time.Minute} {
			t.Run(fmt.Sprintf("%s/%v ago", w.name, ago), func(t *testing.T) {
				id := s.id("past")
				if err := w.write(t.Context(), id, s.now().Add(-ago)); err != nil {
					t.Fatalf("%s with a time %v ago returned error %v, want none: a time not after now succeeds", w.name, ago, err)
				}
				if s.present(t, id, w.session) {
					t.Errorf("after %s with a time %v ago: Revoked = true, want false: it stores nothing", w.name, ago)
				}
				if !w.session {
					if _, first := s.consume(t, id, "v2", s.now().Add(long)); !first {
						t.Errorf("Consume after %s with a time %v ago: first = false, want true: the id is still new", w.name, ago)
					}
				}
			})
		}
	}
}

func testExtendNeverShorten(t *testing.T, s *suite) {
	type step struct {
		write func(t *testing.T, id string, until time.Time)
		life  time.Duration
	}
	consume := func(t *testing.T, id string, until time.Time) {
		t.Helper()
		if _, _, err := s.Store.Consume(t.Context(), id, []byte("v1"), until); err != nil {
			t.Fatalf("Consume(%q, \"v1\") returned error %v, want none", id, err)
		}
	}
	tests := []struct {
		name    string
		session bool
		steps   []step
	}{
		{name: "Revoke extends a consumed id", steps: []step{{consume, short}, {s.revoke, long}}},
		{name: "Revoke extends a revoked id", steps: []step{{s.revoke, short}, {s.revoke, long}}},
		{name: "Revoke does not shorten a consumed id", steps: []step{{consume, long}, {s.revoke, short}}},
		{name: "Revoke does not shorten a revoked id", steps: []step{{s.revoke, long}, {s.revoke, short}}},
		{name: "RevokeSession extends", session: true, steps: []step{{s.revokeSession, short}, {s.revokeSession, long}}},
		{name: "RevokeSession does not shorten", session: true, steps: []step{{s.revokeSession, long}, {s.revokeSession, short}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.parallel(t)
			id := s.id("extend")
			from := s.now()
			for _, st := range tt.steps {
				st.write(t, id, from.Add(st.life))
			}
			s.waitPast(from, short)
			if !s.present(t, id, tt.session) {
				t.Error("after the shorter time has passed: Revoked = false, want true: the entry lives until the longer time")
			}
			if !tt.session && len(tt.steps) > 1 {
				prior, first := s.consume(t, id, "v2", from.Add(long))
				wantRevokedUse(t, prior, first, "the id is revoked, not merely consumed")
			}
		})
	}
}

func testConcurrentConsume(t *testing.T, s *suite) {
	t.Run("OneID", func(t *testing.T) { raceConsume(t, s, oneIDRace) })
	t.Run("ManyIDs", func(t *testing.T) { raceConsume(t, s, manyIDsRace) })
}

// raceConfig is the shape of a race of Consume calls: workers goroutines
// make callers calls on each id in turn, until at least minIDs ids have
// been raced and d has passed, or maxIDs ids have been raced.
type raceConfig struct {
	workers, callers int
	minIDs, maxIDs   int
	d                time.Duration
}

var (
	// oneIDRace makes all its calls at once, on one id.
	oneIDRace = raceConfig{workers: oneIDCallers, callers: oneIDCallers, minIDs: 1, maxIDs: 1}
	// manyIDsRace is the stream of calls on many ids.
	manyIDsRace = raceConfig{workers: raceWorkers, callers: raceCallers, minIDs: raceMinIDs, maxIDs: raceMaxIDs, d: raceTime}
)

// reporter is the part of *testing.T that raceConsume uses. The package's
// own tests pass one that records what is reported, to see the check fail
// on a store whose Consume is not atomic.
type reporter interface {
	Context() context.Context
	Errorf(format string, args ...any)
}

// consumeCall is the outcome of one call in a race to consume an id.
type consumeCall struct {
	made  bool // false if the race ended before the call was made
	first bool
	prior []byte
	err   error
}

// idChunk holds up to raceChunk ids in a row and the outcomes of their
// calls.
type idChunk struct {
	ids   []string
	calls []consumeCall // the calls on ids[i] are calls[i*callers:][:callers]
	made  atomic.Int64  // how many of calls have been made
}

// race is the state of one raceConsume.
type race struct {
	raceConfig
	s      *suite
	ctx    context.Context
	until  time.Time
	stem   string   // the ids are stem followed by their number
	values [][]byte // the value of each call on an id, by its place
	chunks []atomic.Pointer[idChunk]
	next   atomic.Int64 // the next call; call n is on id n/callers
	began  time.Time
	over   atomic.Bool

	mu      sync.Mutex
	ids     int      // ids checked
	failed  int      // ids that broke single use
	reports []string // descriptions of the first maxReported failures
}

// raceConsume checks that Consume is atomic. Its goroutines start at once,
// and each takes the next call in turn and makes it, until the race ends;
// so the calls on one id are made side by side, by different goroutines.
// The value of a call is "v" followed by its place among the calls on its
// id. raceConsume reports each id unless exactly one of its calls saw the
// first use and every other got that call's value as prior. It reports
// from the calling goroutine only.
func raceConsume(t reporter, s *suite, cfg raceConfig) {
	r := &race{
		raceConfig: cfg,
		s:          s,
		ctx:        t.Context(),
		until:      s.now().Add(long),
		stem:       s.id("race") + ".",
		chunks:     make([]atomic.Pointer[idChunk], (cfg.maxIDs+raceChunk-1)/raceChunk),
	}
	for i := range cfg.callers {
		r.values = append(r.values, []byte(fmt.Sprintf("v%d", i)))
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range cfg.workers {
		wg.Go(func() {
			<-start
			r.work()
		})
	}
	r.began = time.Now()
	close(start)
	wg.Wait()
	for k := range r.chunks {
		if ch := r.chunks[k].Load(); ch != nil {
			r.check(ch)
		}
	}
	for _, report := range r.reports {
		t.Errorf("%s", report)
	}
	if r.failed > maxReported {
		t.Errorf("in all, %d of %d ids raced by up to %d calls each broke single use", r.failed, r.ids, cfg.callers)
	}
}

// work makes the next call of the race until the race is over. A chunk
// is checked, and dropped, by the goroutine that makes its last call.
func (r *race) work() {
	for {
		n := int(r.next.Add(1) - 1)
		i, place := n/r.callers, n%r.callers
		if i >= r.maxIDs || r.over.Load() {
			return
		}
		if place == 0 && i >= r.minIDs && time.Since(r.began) >= r.d {
			r.over.Store(true)
			return
		}
		k := i / raceChunk
		ch := r.chunk(k)
		at := i % raceChunk
		prior, first, err := r.s.Store.Consume(r.ctx, ch.ids[at], r.values[place], r.until)
		ch.calls[at*r.callers+place] = consumeCall{made: true, first: first, prior: prior, err: err}
		if ch.made.Add(1) == int64(len(ch.calls)) {
			r.check(ch)
			r.chunks[k].Store(nil)
		}
	}
}

// chunk returns chunk k, making it if no goroutine has yet.
func (r *race) chunk(k int) *idChunk {
	if ch := r.chunks[k].Load(); ch != nil {
		return ch
	}
	from := k * raceChunk
	ch := &idChunk{ids: make([]string, min(raceChunk, r.maxIDs-from))}
	ch.calls = make([]consumeCall, len(ch.ids)*r.callers)
	for i := range ch.ids {
		ch.ids[i] = r.stem + strconv.Itoa(from+i)
	}
	if r.chunks[k].CompareAndSwap(nil, ch) {
		return ch
	}
	return r.chunks[k].Load()
}

// check checks the ids of ch on which calls were made.
func (r *race) check(ch *idChunk) {
	ids := 0
	var failures []string
	for i, id := range ch.ids {
		calls := ch.calls[i*r.callers:][:r.callers]
		made, problem := r.singleUse(calls)
		if made == 0 {
			continue
		}
		ids++
		if problem != "" {
			failures = append(failures, fmt.Sprintf("%d Consume calls racing on id %q: %s", made, id, problem))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids += ids
	r.failed += len(failures)
	r.reports = append(r.reports, failures[:min(len(failures), maxReported-len(r.reports))]...)
}

// singleUse returns how many of the calls on one id were made, and what is
// wrong with them, or "" if exactly one saw the first use and every other
// got its value as prior.
func (r *race) singleUse(calls []consumeCall) (made int, problem string) {
	var firsts []string
	for place, c := range calls {
		if !c.made {
			continue
		}
		made++
		if c.err != nil {
			return made, fmt.Sprintf("the call with value %q returned error %v, want none", r.values[place], c.err)
		}
		if c.first {
			firsts = append(firsts, string(r.values[place]))
		}
	}
	if made == 0 {
		return 0, ""
	}
	if len(firsts) != 1 {
		return made, fmt.Sprintf("%d saw a first use, want exactly 1: %s", len(firsts), r.outcomes(calls))
	}
	for _, c := range calls {
		if c.made && !c.first && string(c.prior) != firsts[0] {
			return made, fmt.Sprintf("a call got a prior other than %q, the value of the first use: %s", firsts[0], r.outcomes(calls))
		}
	}
	return made, ""
}

// outcomes describes the calls on one id: the value of each and what it
// got.
func (r *race) outcomes(calls []consumeCall) string {
	var b strings.Builder
	for place, c := range calls {
		if !c.made {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		if c.first {
			fmt.Fprintf(&b, "%s first", r.values[place])
		} else {
			fmt.Fprintf(&b, "%s prior %q", r.values[place], c.prior)
		}
	}
	return b.String()
}

func testDoneContext(t *testing.T, s *suite) {
	until := s.now().Add(long)
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	expired, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	contexts := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{"cancelled", cancelled, context.Canceled},
		{"deadline exceeded", expired, context.DeadlineExceeded},
	}
	calls := []struct {
		name string
		call func(ctx context.Context, id string) error
	}{
		{"Consume", func(ctx context.Context, id string) error {
			_, _, err := s.Store.Consume(ctx, id, []byte("v1"), until)
			return err
		}},
		{"Revoke", func(ctx context.Context, id string) error { return s.Store.Revoke(ctx, id, until) }},
		{"RevokeSession", func(ctx context.Context, id string) error { return s.Store.RevokeSession(ctx, id, until) }},
		{"Revoked", func(ctx context.Context, id string) error {
			_, err := s.Store.Revoked(ctx, id, id)
			return err
		}},
	}
	for _, c := range contexts {
		for _, call := range calls {
			t.Run(call.name+"/"+c.name, func(t *testing.T) {
				id := s.id("ctx")
				if err := call.call(c.ctx, id); !errors.Is(err, c.want) {
					t.Fatalf("%s with a %s context returned error %v, want one wrapping %v", call.name, c.name, err, c.want)
				}
				s.wantRevoked(t, id, id, false, "a call with a done context stores nothing")
			})
		}
	}
}

func testEmptyArguments(t *testing.T, s *suite) {
	until := s.now().Add(long)
	id := s.id("empty")
	for _, value := range [][]byte{nil, {}} {
		_, first, err := s.Store.Consume(t.Context(), id, value, until)
		if !errors.Is(err, jwt.ErrStoreEmptyValue) {
			t.Fatalf("Consume with value %#v returned error %v, want one wrapping %v", value, err, jwt.ErrStoreEmptyValue)
		}
		if first {
			t.Errorf("Consume with value %#v: first = true, want false: an error is never a first use", value)
		}
	}
	s.wantRevoked(t, id, "", false, "a Consume with an empty value stores nothing")
	_, first, err := s.Store.Consume(t.Context(), "", []byte("v1"), until)
	if !errors.Is(err, jwt.ErrStoreEmptyID) {
		t.Fatalf("Consume with an empty id returned error %v, want one wrapping %v", err, jwt.ErrStoreEmptyID)
	}
	if first {
		t.Error("Consume with an empty id: first = true, want false: an error is never a first use")
	}
	if err := s.Store.Revoke(t.Context(), "", until); !errors.Is(err, jwt.ErrStoreEmptyID) {
		t.Fatalf("Revoke with an empty id returned error %v, want one wrapping %v", err, jwt.ErrStoreEmptyID)
	}
	if err := s.Store.RevokeSession(t.Context(), "", until); !errors.Is(err, jwt.ErrStoreEmptyID) {
		t.Fatalf("RevokeSession with an empty sid returned error %v, want one wrapping %v", err, jwt.ErrStoreEmptyID)
	}
}
