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
// millisecond. Every token and session id
// the suite writes starts with a random prefix, so that runs can share one
// server; the harness is responsible for removing what the suite wrote.
package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
	// goroutines is how many callers race to consume one id.
	goroutines = 100
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
			require.NotNil(t, h.Store, "Harness.Store")
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
			assert.Fail(t, "timed out: "+msg)
			return
		}
		time.Sleep(poll)
	}
}

// revoked asks the store about id and sid and fails the test on error.
func (s *suite) revoked(t *testing.T, id, sid string) bool {
	t.Helper()
	r, err := s.Store.Revoked(t.Context(), id, sid)
	require.NoError(t, err)
	return r
}

// consume calls Consume and fails the test on error.
func (s *suite) consume(t *testing.T, id, value string, until time.Time) (prior []byte, first bool) {
	t.Helper()
	prior, first, err := s.Store.Consume(t.Context(), id, []byte(value), until)
	require.NoError(t, err)
	return prior, first
}

func testConsumeFirstUse(t *testing.T, s *suite) {
	id := s.id("token")
	require.False(t, s.revoked(t, id, ""), "an id never seen is not revoked")
	prior, first := s.consume(t, id, "v1", s.now().Add(long))
	assert.True(t, first, "the first Consume of an id is its first use")
	assert.Empty(t, prior)
	assert.True(t, s.revoked(t, id, ""), "a consumed id reads as revoked")
}

func testConsumeLaterUse(t *testing.T, s *suite) {
	id := s.id("token")
	until := s.now().Add(long)
	_, first := s.consume(t, id, "v1", until)
	require.True(t, first)
	for _, v := range []string{"v2", "v3"} {
		prior, first := s.consume(t, id, v, until)
		assert.False(t, first, "a later Consume is not the first use")
		assert.Equal(t, "v1", string(prior), "a later Consume sees the first use's value")
	}
}

func testConsumeCopiesValues(t *testing.T, s *suite) {
	id := s.id("token")
	until := s.now().Add(long)
	value := []byte("v1")
	_, first, err := s.Store.Consume(t.Context(), id, value, until)
	require.NoError(t, err)
	require.True(t, first)
	value[0] = 'x'
	prior, _ := s.consume(t, id, "v2", until)
	require.Equal(t, "v1", string(prior), "the store keeps its own copy of value")
	prior[0] = 'x'
	prior, _ = s.consume(t, id, "v3", until)
	assert.Equal(t, "v1", string(prior), "changing a returned prior leaves the store alone")
}

func testConsumeAfterRevoke(t *testing.T, s *suite) {
	id := s.id("token")
	until := s.now().Add(long)
	require.NoError(t, s.Store.Revoke(t.Context(), id, until))
	prior, first := s.consume(t, id, "v1", until)
	assert.False(t, first, "a revoked id cannot be consumed")
	assert.Empty(t, prior, "a revoked id has no prior value")
	assert.True(t, s.revoked(t, id, ""))
}

func testRevokeConsumed(t *testing.T, s *suite) {
	id := s.id("token")
	until := s.now().Add(long)
	_, first := s.consume(t, id, "v1", until)
	require.True(t, first)
	require.NoError(t, s.Store.Revoke(t.Context(), id, until))
	prior, first := s.consume(t, id, "v2", until)
	assert.False(t, first)
	assert.Empty(t, prior, "Revoke replaces the consumed value")
	assert.True(t, s.revoked(t, id, ""))
}

func testRevokeTwice(t *testing.T, s *suite) {
	until := s.now().Add(long)
	id, sid := s.id("token"), s.id("session")
	for range 2 {
		require.NoError(t, s.Store.Revoke(t.Context(), id, until))
		require.NoError(t, s.Store.RevokeSession(t.Context(), sid, until))
	}
	assert.True(t, s.revoked(t, id, ""))
	assert.True(t, s.revoked(t, "", sid))
	prior, first := s.consume(t, id, "v1", until)
	assert.False(t, first)
	assert.Empty(t, prior)
}

// testRevokePastOfPresent pins that Revoke with a time already past still
// revokes an entry that is present, keeping the entry's own life.
func testRevokePastOfPresent(t *testing.T, s *suite) {
	id := s.id("token")
	now := s.now()
	_, first := s.consume(t, id, "v1", now.Add(long))
	require.True(t, first)
	require.NoError(t, s.Store.Revoke(t.Context(), id, now.Add(-time.Minute)))
	assert.True(t, s.revoked(t, id, ""), "the entry keeps its own life")
	prior, first := s.consume(t, id, "v2", now.Add(long))
	assert.False(t, first)
	assert.Empty(t, prior, "the entry is now revoked")
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
				_, first := s.consume(t, name, "v1", until)
				require.True(t, first)
			},
			asTokenRevoked: true,
		},
		{
			name: "Revoke",
			write: func(t *testing.T, name string) {
				require.NoError(t, s.Store.Revoke(t.Context(), name, until))
			},
			asTokenRevoked: true,
		},
		{
			name: "RevokeSession",
			write: func(t *testing.T, name string) {
				require.NoError(t, s.Store.RevokeSession(t.Context(), name, until))
			},
			asSessionRevoked: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := s.id("shared")
			tt.write(t, name)
			assert.Equal(t, tt.asTokenRevoked, s.revoked(t, name, ""), "as token id")
			assert.Equal(t, tt.asSessionRevoked, s.revoked(t, "", name), "as session id")
			if !tt.asTokenRevoked {
				_, first := s.consume(t, name, "v1", until)
				assert.True(t, first, "a revoked session does not consume the token id of the same name")
			}
		})
	}
}

func testRevoked(t *testing.T, s *suite) {
	until := s.now().Add(long)
	consumed, revoked, fresh := s.id("consumed"), s.id("revoked"), s.id("fresh")
	session, freshSession := s.id("session"), s.id("fresh-session")
	_, first := s.consume(t, consumed, "v1", until)
	require.True(t, first)
	require.NoError(t, s.Store.Revoke(t.Context(), revoked, until))
	require.NoError(t, s.Store.RevokeSession(t.Context(), session, until))

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
			assert.Equal(t, tt.want, s.revoked(t, tt.id, tt.sid))
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
			require.NoError(t, w.write(t.Context(), id, from.Add(short)))
			require.True(t, s.present(t, id, w.session), "present before its time")
			if s.controlled() {
				s.Advance(short - time.Millisecond)
				assert.True(t, s.present(t, id, w.session), "present just before its time")
				s.Advance(time.Millisecond)
				assert.False(t, s.present(t, id, w.session), "gone at its time")
			} else {
				s.eventually(t, func() bool { return !s.present(t, id, w.session) },
					"the entry disappears once its time has passed")
			}
			if !w.session {
				_, first := s.consume(t, id, "v2", s.now().Add(long))
				assert.True(t, first, "an expired id is new again")
			}
		})
	}
}

func testNotAfterNow(t *testing.T, s *suite) {
	for _, w := range s.writes() {
		for _, ago := range []time.Duration{0, time.Minute} {
			t.Run(fmt.Sprintf("%s/%v ago", w.name, ago), func(t *testing.T) {
				id := s.id("past")
				require.NoError(t, w.write(t.Context(), id, s.now().Add(-ago)),
					"a time not after now succeeds")
				assert.False(t, s.present(t, id, w.session), "and stores nothing")
				if !w.session {
					_, first := s.consume(t, id, "v2", s.now().Add(long))
					assert.True(t, first, "the id is still new")
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
		_, _, err := s.Store.Consume(t.Context(), id, []byte("v1"), until)
		require.NoError(t, err)
	}
	revoke := func(t *testing.T, id string, until time.Time) {
		require.NoError(t, s.Store.Revoke(t.Context(), id, until))
	}
	revokeSession := func(t *testing.T, id string, until time.Time) {
		require.NoError(t, s.Store.RevokeSession(t.Context(), id, until))
	}
	tests := []struct {
		name    string
		session bool
		steps   []step
	}{
		{name: "Revoke extends a consumed id", steps: []step{{consume, short}, {revoke, long}}},
		{name: "Revoke extends a revoked id", steps: []step{{revoke, short}, {revoke, long}}},
		{name: "Revoke does not shorten a consumed id", steps: []step{{consume, long}, {revoke, short}}},
		{name: "Revoke does not shorten a revoked id", steps: []step{{revoke, long}, {revoke, short}}},
		{name: "RevokeSession extends", session: true, steps: []step{{revokeSession, short}, {revokeSession, long}}},
		{name: "RevokeSession does not shorten", session: true, steps: []step{{revokeSession, long}, {revokeSession, short}}},
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
			assert.True(t, s.present(t, id, tt.session), "present after the shorter time")
			if !tt.session && len(tt.steps) > 1 {
				prior, first := s.consume(t, id, "v2", from.Add(long))
				assert.False(t, first)
				assert.Empty(t, prior, "revoked, not merely consumed")
			}
		})
	}
}

func testConcurrentConsume(t *testing.T, s *suite) {
	id := s.id("race")
	until := s.now().Add(long)
	type result struct {
		value, prior string
		first        bool
		err          error
	}
	results := make([]result, goroutines)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range goroutines {
		wg.Go(func() {
			<-start
			value := fmt.Sprintf("v%d", i)
			prior, first, err := s.Store.Consume(t.Context(), id, []byte(value), until)
			results[i] = result{value: value, prior: string(prior), first: first, err: err}
		})
	}
	close(start)
	wg.Wait()

	winner := ""
	for _, r := range results {
		require.NoError(t, r.err)
		if r.first {
			require.Empty(t, winner, "more than one Consume saw the first use")
			winner = r.value
		}
	}
	require.NotEmpty(t, winner, "no Consume saw the first use")
	for _, r := range results {
		if !r.first {
			assert.Equal(t, winner, r.prior, "every later Consume sees the first use's value")
		}
	}
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
				require.ErrorIs(t, call.call(c.ctx, id), c.want)
				assert.False(t, s.revoked(t, id, id), "a call with a done context stores nothing")
			})
		}
	}
}

func testEmptyArguments(t *testing.T, s *suite) {
	until := s.now().Add(long)
	id := s.id("empty")
	for _, value := range [][]byte{nil, {}} {
		_, first, err := s.Store.Consume(t.Context(), id, value, until)
		require.ErrorIs(t, err, jwt.ErrStoreEmptyValue, "Consume with an empty value")
		assert.False(t, first, "an error is never a first use")
	}
	assert.False(t, s.revoked(t, id, ""), "an empty value stores nothing")
	_, first, err := s.Store.Consume(t.Context(), "", []byte("v1"), until)
	require.ErrorIs(t, err, jwt.ErrStoreEmptyID, "Consume with an empty id")
	assert.False(t, first, "an error is never a first use")
	require.ErrorIs(t, s.Store.Revoke(t.Context(), "", until), jwt.ErrStoreEmptyID, "Revoke with an empty id")
	require.ErrorIs(t, s.Store.RevokeSession(t.Context(), "", until), jwt.ErrStoreEmptyID, "RevokeSession with an empty sid")
}
