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
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
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

// The concurrent Consume check races many callers on one id, and a few
// callers on each of many ids. A Consume that is not atomic gives two
// callers a first use only when both look the id up before either records
// it, so each id is one more chance to catch it.
const (
	// oneIDCallers is how many callers race on the one id.
	oneIDCallers = 100
	// raceIDs is how many ids are raced one after another, and
	// raceCallers how many callers race on each.
	raceIDs     = 300
	raceCallers = 8
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
	t.Run("OneID", func(t *testing.T) { raceConsume(t, s, 1, oneIDCallers) })
	t.Run("ManyIDs", func(t *testing.T) { raceConsume(t, s, raceIDs, raceCallers) })
}

// reporter is the part of *testing.T that raceConsume uses. The package's
// own tests pass one that records what is reported, to see the check fail
// on a store whose Consume is not atomic.
type reporter interface {
	Context() context.Context
	Errorf(format string, args ...any)
}

// consumeCall is the outcome of one call in a race to consume an id.
type consumeCall struct {
	value, prior string
	first        bool
	err          error
}

// raceConsume checks that Consume is atomic: for each of ids fresh ids in
// turn, it starts callers goroutines that wait on one channel, closes the
// channel so that their calls overlap, and reports the id unless exactly
// one call saw the first use and every other call got that call's value as
// prior.
func raceConsume(t reporter, s *suite, ids, callers int) {
	ctx := t.Context()
	until := s.now().Add(long)
	failed := 0
	for range ids {
		id := s.id("race")
		calls := make([]consumeCall, callers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range calls {
			wg.Go(func() {
				value := fmt.Sprintf("v%d", i)
				<-start
				prior, first, err := s.Store.Consume(ctx, id, []byte(value), until)
				calls[i] = consumeCall{value: value, prior: string(prior), first: first, err: err}
			})
		}
		close(start)
		wg.Wait()
		if problem := singleUse(calls); problem != "" {
			failed++
			if failed <= maxReported {
				t.Errorf("%d concurrent Consume calls with id %q: %s", callers, id, problem)
			}
		}
	}
	if failed > maxReported {
		t.Errorf("in all, %d of %d ids raced by %d callers each broke single use", failed, ids, callers)
	}
}

// singleUse returns what is wrong with the calls that raced on one id, or
// "" if exactly one saw the first use and every other got its value.
func singleUse(calls []consumeCall) string {
	var firsts []string
	for _, c := range calls {
		if c.err != nil {
			return fmt.Sprintf("the call with value %q returned error %v, want none", c.value, c.err)
		}
		if c.first {
			firsts = append(firsts, c.value)
		}
	}
	if len(firsts) != 1 {
		return fmt.Sprintf("%d calls saw a first use (values %q), want exactly 1", len(firsts), firsts)
	}
	for _, c := range calls {
		if !c.first && c.prior != firsts[0] {
			return fmt.Sprintf("the call with value %q got prior %q, want %q, the value of the first use", c.value, c.prior, firsts[0])
		}
	}
	return ""
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
