// Package storetest checks that an implementation of [jwt.Store] keeps the
// contract written in the doc comments of the Store interface. Each
// sentence of the contract is checked in a named subtest, grouped by method
// or by property (Concurrency, Expiry, Context), and the contract is the
// reference for what a subtest expects.
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
// that expires sessions on its own clock, leaves Advance nil. The suite then
// uses real time: lifetimes of a few hundred milliseconds, and polling with
// a deadline where it waits for a session to go. Every check runs on both
// kinds of clock, and none is skipped; on a controlled clock the life of a
// session is checked to the millisecond, and on real time as closely as
// waiting allows.
//
// A shared store may keep times to the millisecond only, so the suite
// compares every time a store returns with the time it gave to within a
// millisecond, whatever its location. On a controlled clock it first moves
// the clock to a whole millisecond, so that the times it derives from it,
// a session's Expires among them, are whole milliseconds that a store's
// rounding leaves as they are.
//
// Every session id, token id, nonce and subject the suite writes starts
// with a prefix random to the run, so that runs can share one server; the
// harness is responsible for removing what the suite wrote. The concurrency
// checks make a few thousand calls at most on a store that answers over a
// network, and run for a fraction of a second on one in memory.
//
// Package storetest uses the jwt package's exported API only, [jwt.Store]
// and its errors, and otherwise the standard library, testing included.
package storetest

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
)

// Harness is one store under test and the clock that decides when its
// sessions expire.
type Harness struct {
	// Store is the store under test. It must hold none of the ids and
	// subjects the suite uses, which is the case for a fresh store or a
	// shared one, since the suite's ids are random.
	Store jwt.Store

	// Now returns the store's current time. Nil means time.Now.
	Now func() time.Time

	// Advance moves the store's clock forward by d. Nil means the store
	// runs on real time, which the suite cannot move: it then waits for
	// time to pass, keeping lifetimes short.
	Advance func(d time.Duration)
}

// Lifetimes the suite gives sessions. short is the one it waits out, so it
// is small enough for real time and large enough for a network round trip
// and millisecond rounding; long is never waited out.
const (
	short = 300 * time.Millisecond
	long  = 10 * time.Minute

	// slack is how long before a session's time the suite last checks, on
	// real time, that the session is still there.
	slack = 100 * time.Millisecond
	// patience is how long past a session's time the suite polls, on real
	// time, for the session to go.
	patience = 3 * time.Second
	// poll is the interval between checks while polling.
	poll = 5 * time.Millisecond
	// prompt is how soon a call with a done context must return.
	prompt = short
)

// reporter is the part of *testing.T that the checks use. The package's
// own tests pass one that records what is reported, to see a check fail
// on a store that breaks the contract.
type reporter interface {
	Helper()
	Context() context.Context
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

// check is one subtest of the suite.
type check struct {
	name string
	// waits is set for a check that waits for a session's time to pass.
	// On real time such checks run in parallel with each other.
	waits bool
	run   func(t reporter, s *suite)
}

// group is the subtests of one part of the contract.
type group struct {
	name   string
	checks []check
}

// groups returns the suite's subtests, by the method or the property
// they check.
func groups() []group {
	return []group{
		{"Create", []check{
			{name: "RoundTrip", run: testCreateRoundTrip},
			{name: "Existing", run: testCreateExisting},
			{name: "Repeated", run: testCreateRepeated},
			{name: "EmptyID", run: testCreateEmptyID},
			{name: "NotAfterNow", run: testCreateNotAfterNow},
		}},
		{"Session", []check{
			{name: "Unknown", run: testSessionUnknown},
		}},
		{"Refresh", []check{
			{name: "Rotate", run: testRefreshRotate},
			{name: "NoRotation", run: testRefreshNoRotation},
			{name: "NeverShortens", run: testRefreshNeverShortens},
			{name: "Repeat", run: testRefreshRepeat},
			{name: "Stale", run: testRefreshStale},
			{name: "Ended", run: testRefreshEnded},
			{name: "Unknown", run: testRefreshUnknown},
			{name: "EmptyID", run: testRefreshEmptyID},
		}},
		{"Concurrency", []check{
			{name: "RefreshOneSession", run: testRefreshOneSession},
			{name: "RefreshStream", run: testRefreshStream},
			{name: "CreateOneID", run: testCreateOneID},
			{name: "EndDuringRefresh", run: testEndDuringRefresh},
		}},
		{"End", []check{
			{name: "Live", run: testEndLive},
			{name: "Unknown", run: testEndUnknown},
			{name: "UnknownNotAfterNow", run: testEndUnknownNotAfterNow},
			{name: "Twice", run: testEndTwice},
			{name: "NeverLiveAgain", run: testEndNeverLiveAgain},
			{name: "EmptyID", run: testEndEmptyID},
		}},
		{"EndAll", []check{
			{name: "Subject", run: testEndAllSubject},
			{name: "Unknown", run: testEndAllUnknown},
			{name: "CreatedAfter", run: testEndAllCreatedAfter},
			{name: "EmptySubject", run: testEndAllEmptySubject},
		}},
		{"List", []check{
			{name: "Order", run: testListOrder},
			{name: "OnlyLive", run: testListOnlyLive},
			{name: "Unknown", run: testListUnknown},
		}},
		{"Expiry", []check{
			{name: "Expires", waits: true, run: testExpiryExpires},
			{name: "RefreshExtends", waits: true, run: testExpiryRefreshExtends},
			{name: "RefreshNeverShortens", waits: true, run: testExpiryRefreshNeverShortens},
			{name: "EndKeeps", waits: true, run: testExpiryEndKeeps},
			{name: "EndExtends", waits: true, run: testExpiryEndExtends},
			{name: "EndNeverShortens", waits: true, run: testExpiryEndNeverShortens},
			{name: "EndUnknown", waits: true, run: testExpiryEndUnknown},
			{name: "EndAll", waits: true, run: testExpiryEndAll},
		}},
		{"Context", []check{
			{name: "Canceled", run: testContextCanceled},
			{name: "DeadlineExceeded", run: testContextDeadlineExceeded},
		}},
	}
}

// Run checks the store that newHarness returns against the [jwt.Store]
// contract. It calls newHarness once per subtest, with the subtest's t, so
// each subtest may have a fresh store and clock; cleanup belongs in
// t.Cleanup. On real time, the subtests that wait for sessions to expire
// run in parallel, as many at once as the -parallel flag allows, and take
// a few hundred milliseconds each.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	prefix := "storetest:" + rand.Text()[:16] + ":"
	for _, g := range groups() {
		t.Run(g.name, func(t *testing.T) {
			for _, c := range g.checks {
				t.Run(c.name, func(t *testing.T) {
					h := newHarness(t)
					if h.Store == nil {
						t.Fatal("Harness.Store is nil, want the store under test")
					}
					s := newSuite(h, prefix+g.name+"."+c.name+":")
					if c.waits && !s.controlled() {
						t.Parallel()
					}
					c.run(t, s)
				})
			}
		})
	}
}

// suite is the state of one subtest.
type suite struct {
	Harness
	prefix string
	n      atomic.Int64
}

// newSuite returns the state of a subtest on h whose ids start with
// prefix. On a controlled clock it moves the clock to a whole millisecond,
// so that the times the subtest derives from it are whole milliseconds.
func newSuite(h Harness, prefix string) *suite {
	s := &suite{Harness: h, prefix: prefix}
	if s.controlled() {
		now := s.now()
		if r := now.Sub(now.Truncate(time.Millisecond)); r > 0 {
			s.Advance(time.Millisecond - r)
		}
	}
	return s
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

// waitUntil lets the store's time reach at: it advances a controlled clock,
// and sleeps on real time.
func (s *suite) waitUntil(at time.Time) {
	if s.controlled() {
		if d := at.Sub(s.now()); d > 0 {
			s.Advance(d)
		}
		return
	}
	time.Sleep(time.Until(at))
}

// eventually polls cond, on real time, until it holds or patience past
// deadline runs out.
func (s *suite) eventually(t reporter, deadline time.Time, cond func() bool, msg string) {
	t.Helper()
	deadline = deadline.Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("still so %v after the session's time: %s", patience, msg)
			return
		}
		time.Sleep(poll)
	}
}

// newSession returns a session of subject, not yet created, made at
// created and expiring life after it, with new ids.
func (s *suite) newSession(subject string, created time.Time, life time.Duration) jwt.Session {
	id := s.id("session")
	return jwt.Session{
		ID:        id,
		Subject:   subject,
		Created:   created,
		Refreshed: created,
		Expires:   created.Add(life),
		Token:     id + ".t0",
	}
}

// create creates ses and returns it, failing the test on error.
func (s *suite) create(t reporter, ses jwt.Session) jwt.Session {
	t.Helper()
	if err := s.Store.Create(t.Context(), ses); err != nil {
		t.Fatalf("Create(%s) returned error %v, want none", show(ses), err)
	}
	return ses
}

// end ends session sid, failing the test on error.
func (s *suite) end(t reporter, sid string, expires time.Time) {
	t.Helper()
	if err := s.Store.End(t.Context(), sid, expires); err != nil {
		t.Fatalf("End(%q, %s) returned error %v, want none", sid, showTime(expires), err)
	}
}

// endAll ends the sessions of subject, failing the test on error.
func (s *suite) endAll(t reporter, subject string) int {
	t.Helper()
	n, err := s.Store.EndAll(t.Context(), subject)
	if err != nil {
		t.Fatalf("EndAll(%q) returned error %v, want none", subject, err)
	}
	return n
}

// list lists the sessions of subject, failing the test on error.
func (s *suite) list(t reporter, subject string) []jwt.Session {
	t.Helper()
	list, err := s.Store.List(t.Context(), subject)
	if err != nil {
		t.Fatalf("List(%q) returned error %v, want none", subject, err)
	}
	return list
}

// wantSession reports an error unless Session returns want; why says what
// the answer shows.
func (s *suite) wantSession(t reporter, want jwt.Session, why string) {
	t.Helper()
	got, err := s.Store.Session(t.Context(), want.ID)
	if err != nil {
		t.Errorf("Session(%q) returned error %v, want %s: %s", want.ID, err, show(want), why)
		return
	}
	if d := diff(got, want); d != "" {
		t.Errorf("Session(%q) returned %s: %s", want.ID, d, why)
	}
}

// wantNoSession reports an error unless Session returns an error wrapping
// jwt.ErrNoSession for sid.
func (s *suite) wantNoSession(t reporter, sid, why string) {
	t.Helper()
	if ses, err := s.Store.Session(t.Context(), sid); !errors.Is(err, jwt.ErrNoSession) {
		t.Errorf("Session(%q) = %s, %v, want an error wrapping %v: %s", sid, show(ses), err, jwt.ErrNoSession, why)
	}
}

// gone reports whether Session returns an error wrapping jwt.ErrNoSession
// for sid.
func (s *suite) gone(t reporter, sid string) bool {
	_, err := s.Store.Session(t.Context(), sid)
	return errors.Is(err, jwt.ErrNoSession)
}

// wantList reports an error unless List(subject) returns want, in order.
func (s *suite) wantList(t reporter, subject string, want []jwt.Session, why string) {
	t.Helper()
	got := s.list(t, subject)
	if ids(got) != ids(want) {
		t.Errorf("List(%q) returned sessions %s, want %s: %s", subject, ids(got), ids(want), why)
		return
	}
	for i := range got {
		if d := diff(got[i], want[i]); d != "" {
			t.Errorf("List(%q) returned session %q with %s: %s", subject, got[i].ID, d, why)
		}
	}
}

// listed reports whether List(ses.Subject) holds session ses.ID.
func (s *suite) listed(t reporter, ses jwt.Session) bool {
	t.Helper()
	for _, l := range s.list(t, ses.Subject) {
		if l.ID == ses.ID {
			return true
		}
	}
	return false
}

// refresh is the arguments of one Refresh call.
type refresh struct {
	sid, from, to, nonce string
	at, expires          time.Time
}

func (r refresh) String() string {
	return fmt.Sprintf("Refresh(%q, from %q, to %q, nonce %q)", r.sid, r.from, r.to, r.nonce)
}

// next returns a refresh of ses from its current token to a new one, at
// at and extending its life to expires.
func (s *suite) next(ses jwt.Session, at, expires time.Time) refresh {
	return refresh{sid: ses.ID, from: ses.Token, to: s.id("token"), nonce: s.id("nonce"), at: at, expires: expires}
}

// applied returns ses as a Refresh r that was done leaves it.
func (r refresh) applied(ses jwt.Session) jwt.Session {
	ses.Previous, ses.Token, ses.Nonce, ses.Refreshed = r.from, r.to, r.nonce, r.at
	if r.expires.After(ses.Expires) {
		ses.Expires = r.expires
	}
	return ses
}

// call makes the Refresh r.
func (s *suite) call(ctx context.Context, r refresh) (jwt.Session, bool, error) {
	return s.Store.Refresh(ctx, r.sid, r.from, r.to, r.nonce, r.at, r.expires)
}

// wantRefresh makes the Refresh r on a session that is before, and reports
// an error unless it returns done as wantDone and the session as want, and
// Session then returns want too; why says what the answer shows. It fails
// the test if the call returns an error.
func (s *suite) wantRefresh(t reporter, r refresh, wantDone bool, want jwt.Session, why string) {
	t.Helper()
	got, done, err := s.call(t.Context(), r)
	if err != nil {
		t.Fatalf("%v returned error %v, want none", r, err)
	}
	if done != wantDone {
		t.Errorf("%v: done = %v, want %v: %s", r, done, wantDone, why)
	}
	if d := diff(got, want); d != "" {
		t.Errorf("%v returned %s: %s", r, d, why)
	}
	s.wantSession(t, want, why)
}

// refreshed makes the Refresh r, which must be done, on ses and returns
// the session it leaves.
func (s *suite) refreshed(t reporter, ses jwt.Session, r refresh) jwt.Session {
	t.Helper()
	_, done, err := s.call(t.Context(), r)
	if err != nil || !done {
		t.Fatalf("%v = done %v, error %v, want done and no error: the refresh from the current token of a live session", r, done, err)
	}
	return r.applied(ses)
}

// diff describes how got differs from want, with times compared to the
// millisecond, or returns "" when they are the same.
func diff(got, want jwt.Session) string {
	var d []string
	for _, f := range []struct{ name, got, want string }{
		{"ID", got.ID, want.ID},
		{"Subject", got.Subject, want.Subject},
		{"Token", got.Token, want.Token},
		{"Previous", got.Previous, want.Previous},
		{"Nonce", got.Nonce, want.Nonce},
	} {
		if f.got != f.want {
			d = append(d, fmt.Sprintf("%s %q, want %q", f.name, f.got, f.want))
		}
	}
	for _, f := range []struct {
		name      string
		got, want time.Time
	}{
		{"Created", got.Created, want.Created},
		{"Refreshed", got.Refreshed, want.Refreshed},
		{"Expires", got.Expires, want.Expires},
	} {
		if !sameTime(f.got, f.want) {
			d = append(d, fmt.Sprintf("%s %s, want %s", f.name, showTime(f.got), showTime(f.want)))
		}
	}
	if got.Ended != want.Ended {
		d = append(d, fmt.Sprintf("Ended %v, want %v", got.Ended, want.Ended))
	}
	if len(d) == 0 {
		return ""
	}
	return "a session with " + strings.Join(d, ", ")
}

// sameTime reports whether a and b are less than a millisecond apart.
func sameTime(a, b time.Time) bool {
	d := a.Sub(b)
	return -time.Millisecond < d && d < time.Millisecond
}

func showTime(t time.Time) string {
	if t.IsZero() {
		return "the zero time"
	}
	return t.UTC().Format("2006-01-02T15:04:05.000000Z")
}

// show describes a session in a message.
func show(s jwt.Session) string {
	return fmt.Sprintf("{ID %q, Subject %q, Created %s, Refreshed %s, Expires %s, Token %q, Previous %q, Nonce %q, Ended %v}",
		s.ID, s.Subject, showTime(s.Created), showTime(s.Refreshed), showTime(s.Expires), s.Token, s.Previous, s.Nonce, s.Ended)
}

// ids lists the ids of sessions in a message.
func ids(sessions []jwt.Session) string {
	list := make([]string, len(sessions))
	for i, s := range sessions {
		list[i] = fmt.Sprintf("%q", s.ID)
	}
	return "[" + strings.Join(list, ", ") + "]"
}

// ended returns ses, ended.
func ended(ses jwt.Session) jwt.Session {
	ses.Ended = true
	return ses
}

func testCreateRoundTrip(t reporter, s *suite) {
	now := s.now()
	fresh := s.create(t, s.newSession(s.id("subject"), now, long))
	s.wantSession(t, fresh, "Session returns the session as Create recorded it")

	// Every field set, times that are not whole milliseconds, and a
	// location other than the clock's.
	zone := time.FixedZone("UTC+05:30", 5*3600+30*60)
	full := s.create(t, jwt.Session{
		ID:        s.id("session"),
		Subject:   s.id("subject"),
		Created:   now.Add(-time.Hour + 456789*time.Nanosecond).In(zone),
		Refreshed: now.Add(-time.Minute + 123456*time.Nanosecond).In(zone),
		Expires:   now.Add(long + 654321*time.Nanosecond).In(zone),
		Token:     s.id("token"),
		Previous:  s.id("token"),
		Nonce:     s.id("nonce"),
	})
	s.wantSession(t, full, "Create records every field of the session, and Session returns the same times to the millisecond")
}

func testCreateExisting(t reporter, s *suite) {
	now := s.now()
	subject := s.id("subject")
	live := s.create(t, s.newSession(subject, now.Add(-3*time.Second), long))
	refreshed := s.create(t, s.newSession(subject, now.Add(-2*time.Second), long))
	refreshed = s.refreshed(t, refreshed, s.next(refreshed, now, now.Add(long)))
	endedLive := s.create(t, s.newSession(subject, now.Add(-time.Second), long))
	s.end(t, endedLive.ID, time.Time{})
	endedLive = ended(endedLive)
	unknown := s.id("session")
	s.end(t, unknown, now.Add(long))
	endedUnknown := jwt.Session{ID: unknown, Expires: now.Add(long), Ended: true}

	other := s.id("subject")
	for _, held := range []struct {
		name string
		ses  jwt.Session
		// partial is set for a session whose fields other than ID,
		// Subject, Expires and Ended the contract leaves open.
		partial bool
	}{
		{name: "that is live", ses: live},
		{name: "that was refreshed", ses: refreshed},
		{name: "that was ended", ses: endedLive},
		{name: "that End recorded without holding it", ses: endedUnknown, partial: true},
	} {
		dup := s.newSession(other, now.Add(time.Second), 2*long)
		dup.ID = held.ses.ID
		if err := s.Store.Create(t.Context(), dup); !errors.Is(err, jwt.ErrStoreExists) {
			t.Errorf("Create of the id of a session %s returned error %v, want one wrapping %v", held.name, err, jwt.ErrStoreExists)
		}
		why := "a Create of the id of a session " + held.name + " changes nothing"
		if held.partial {
			s.wantEndedUnknown(t, held.ses, why)
		} else {
			s.wantSession(t, held.ses, why)
		}
	}
	s.wantList(t, other, nil, "a Create of an id already held records nothing for its subject")
	s.wantList(t, subject, []jwt.Session{live, refreshed}, "a Create of an id already held changes nothing")
}

// testCreateRepeated: a Create called again with the session it created,
// as a client does when the reply was lost, returns nil and changes
// nothing; a session that differs in Subject or Token, or a repeat after
// the session ended, is an id already held.
func testCreateRepeated(t reporter, s *suite) {
	now := s.now()
	subject := s.id("subject")
	ses := s.create(t, s.newSession(subject, now, long))
	if err := s.Store.Create(t.Context(), ses); err != nil {
		t.Errorf("Create repeated with the session it created returned error %v, want none: a client retrying a Create whose reply was lost must not fail", err)
	}
	s.wantSession(t, ses, "a repeated Create changes nothing")
	s.wantList(t, subject, []jwt.Session{ses}, "a repeated Create records the session once")

	otherToken := ses
	otherToken.Token = s.id("token")
	otherSubject := ses
	otherSubject.Subject = s.id("subject")
	for _, dup := range []struct {
		name string
		ses  jwt.Session
	}{
		{"another Token", otherToken},
		{"another Subject", otherSubject},
	} {
		if err := s.Store.Create(t.Context(), dup.ses); !errors.Is(err, jwt.ErrStoreExists) {
			t.Errorf("Create of a held id with %s returned error %v, want one wrapping %v", dup.name, err, jwt.ErrStoreExists)
		}
	}
	s.wantSession(t, ses, "a Create of a held id with another Token or Subject changes nothing")
	s.wantList(t, otherSubject.Subject, nil, "a Create of a held id with another Subject records nothing")

	s.end(t, ses.ID, time.Time{})
	if err := s.Store.Create(t.Context(), ses); !errors.Is(err, jwt.ErrStoreExists) {
		t.Errorf("Create repeated after its session ended returned error %v, want one wrapping %v: an ended session is never live again", err, jwt.ErrStoreExists)
	}
	s.wantSession(t, ended(ses), "a Create repeated after its session ended changes nothing")
}

// wantEndedUnknown reports an error unless Session returns want, a session
// that End recorded without the store holding it: the contract fixes its
// ID, Subject (empty), Expires and Ended only.
func (s *suite) wantEndedUnknown(t reporter, want jwt.Session, why string) {
	t.Helper()
	got, err := s.Store.Session(t.Context(), want.ID)
	if err != nil {
		t.Errorf("Session(%q) returned error %v, want %s: %s", want.ID, err, show(want), why)
		return
	}
	got = jwt.Session{ID: got.ID, Subject: got.Subject, Expires: got.Expires, Ended: got.Ended}
	if d := diff(got, want); d != "" {
		t.Errorf("Session(%q) returned %s: %s", want.ID, d, why)
	}
}

func testCreateEmptyID(t reporter, s *suite) {
	subject := s.id("subject")
	for _, tt := range []struct {
		name  string
		empty func(*jwt.Session)
	}{
		{"ID", func(ses *jwt.Session) { ses.ID = "" }},
		{"Subject", func(ses *jwt.Session) { ses.Subject = "" }},
		{"Token", func(ses *jwt.Session) { ses.Token = "" }},
	} {
		ses := s.newSession(subject, s.now(), long)
		tt.empty(&ses)
		if err := s.Store.Create(t.Context(), ses); !errors.Is(err, jwt.ErrStoreEmptyID) {
			t.Errorf("Create of a session with an empty %s returned error %v, want one wrapping %v", tt.name, err, jwt.ErrStoreEmptyID)
		}
		if ses.ID != "" {
			s.wantNoSession(t, ses.ID, "a Create with an empty "+tt.name+" records nothing")
		}
	}
	s.wantList(t, subject, nil, "a Create with an empty id records nothing")
}

func testCreateNotAfterNow(t reporter, s *suite) {
	subject := s.id("subject")
	now := s.now()
	for _, tt := range []struct {
		name    string
		expires time.Time
	}{
		{"now", now},
		{"a minute ago", now.Add(-time.Minute)},
		{"the zero time", time.Time{}},
	} {
		ses := s.newSession(subject, now.Add(-time.Hour), 0)
		ses.Expires = tt.expires
		if err := s.Store.Create(t.Context(), ses); err != nil {
			t.Errorf("Create of a session that expires %s returned error %v, want none: such a session is not kept, which is no error", tt.name, err)
			continue
		}
		why := "a session whose Expires (" + tt.name + ") is not after the store's time is not kept"
		if s.controlled() || tt.expires.Before(now) {
			s.wantNoSession(t, ses.ID, why)
		} else {
			s.eventually(t, tt.expires, func() bool { return s.gone(t, ses.ID) }, "Session finds it: "+why)
		}
		s.wantList(t, subject, nil, why)
		// The id is not held, so it can be created.
		ses.Expires = s.now().Add(long)
		s.create(t, ses)
		s.wantSession(t, ses, "an id whose session was not kept can be created")
		s.end(t, ses.ID, time.Time{})
	}
}

func testSessionUnknown(t reporter, s *suite) {
	s.wantNoSession(t, s.id("session"), "the store holds no session that was never created")
	ses := s.create(t, s.newSession(s.id("subject"), s.now(), long))
	s.wantNoSession(t, ses.Token, "the id of a session's token is not a session id")
}

func testRefreshRotate(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now.Add(-time.Minute), long))
	r := s.next(ses, now, now.Add(long))
	s.wantRefresh(t, r, true, r.applied(ses),
		"a Refresh from the current token of a live session is done: Previous is from, Token to, Nonce nonce, Refreshed at, and Expires the later time")
	ses = r.applied(ses)
	r = s.next(ses, now.Add(time.Second), now.Add(long+time.Second))
	s.wantRefresh(t, r, true, r.applied(ses), "a Refresh from the token the last one set is done")
	s.wantList(t, ses.Subject, []jwt.Session{r.applied(ses)}, "List returns the session as refreshed")
}

func testRefreshNoRotation(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now.Add(-time.Minute), long))
	r := s.next(ses, now, now.Add(long))
	r.to = r.from
	s.wantRefresh(t, r, true, r.applied(ses), "a Refresh with to equal to from, as when tokens are not rotated, is done")
	ses = r.applied(ses)
	r = s.next(ses, now.Add(time.Second), now.Add(long+time.Second))
	r.to = r.from
	s.wantRefresh(t, r, true, r.applied(ses), "a second Refresh from the same token, with another nonce, is done")
}

func testRefreshNeverShortens(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now, long))
	for _, tt := range []struct {
		name    string
		expires time.Time
	}{
		{"an earlier time", now.Add(short)},
		{"the zero time", time.Time{}},
	} {
		r := s.next(ses, s.now(), tt.expires)
		want := r.applied(ses) // with the session's own Expires
		s.wantRefresh(t, r, true, want, "a Refresh with "+tt.name+" keeps the session's Expires: it is never shortened")
		ses = want
	}
}

func testRefreshRepeat(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now.Add(-time.Minute), long))
	r := s.next(ses, now, now.Add(long))
	ses = s.refreshed(t, ses, r)

	repeat := r
	repeat.at, repeat.expires = now.Add(time.Second), now.Add(2*long)
	s.wantRefresh(t, repeat, true, ses,
		"the repeat of the Refresh that was done (from is Previous and nonce is Nonce) is done and changes nothing")
	repeat.to = s.id("token")
	s.wantRefresh(t, repeat, true, ses,
		"a repeat is known by from and nonce alone: with another to, it is done and changes nothing")

	// The session lives on from the token the refresh set.
	r = s.next(ses, now.Add(2*time.Second), now.Add(long))
	s.wantRefresh(t, r, true, r.applied(ses), "after a repeat, a Refresh from the current token is done")
}

func testRefreshStale(t reporter, s *suite) {
	now := s.now()
	subject := s.id("subject")
	fresh := s.create(t, s.newSession(subject, now.Add(-2*time.Minute), long))
	ses := s.create(t, s.newSession(subject, now.Add(-time.Minute), long))
	first := s.next(ses, now, now.Add(long))
	ses = s.refreshed(t, ses, first)
	second := s.next(ses, now.Add(time.Second), now.Add(long))
	ses = s.refreshed(t, ses, second)

	for _, tt := range []struct {
		name   string
		ses    jwt.Session
		from   string
		nonce  string
		reason string
	}{
		{"a token it never had", fresh, s.id("token"), s.id("nonce"), "before any refresh"},
		{"the id of another session's token", fresh, ses.Token, second.nonce, "before any refresh"},
		{"a token it never had", ses, s.id("token"), second.nonce, "after refreshes"},
		{"the previous token with another nonce", ses, second.from, s.id("nonce"), "the token was replaced by another call"},
		{"the previous token with the nonce of an earlier refresh", ses, second.from, first.nonce, "the token was replaced by another call"},
		{"an older token with its own nonce", ses, first.from, first.nonce, "it repeats a refresh that is no longer the last"},
	} {
		r := refresh{sid: tt.ses.ID, from: tt.from, to: s.id("token"), nonce: tt.nonce, at: now.Add(time.Minute), expires: now.Add(2 * long)}
		s.wantRefresh(t, r, false, tt.ses,
			"a Refresh from "+tt.name+" ("+tt.reason+") is not done, changes nothing, and returns the session as it is")
	}
}

func testRefreshEnded(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now.Add(-time.Minute), long))
	last := s.next(ses, now, now.Add(long))
	ses = s.refreshed(t, ses, last)
	s.end(t, ses.ID, time.Time{})
	ses = ended(ses)

	r := s.next(ses, now.Add(time.Second), now.Add(2*long))
	s.wantRefresh(t, r, false, ses, "a Refresh of an ended session from its current token is not done, and returns the session as it is, Ended")
	repeat := last
	repeat.at, repeat.expires = now.Add(time.Second), now.Add(2*long)
	s.wantRefresh(t, repeat, false, ses, "the repeat of the session's last refresh after it was ended is not done: an ended session is never live again")
}

func testRefreshUnknown(t reporter, s *suite) {
	sid := s.id("session")
	now := s.now()
	ses, done, err := s.Store.Refresh(t.Context(), sid, s.id("token"), s.id("token"), s.id("nonce"), now, now.Add(long))
	if !errors.Is(err, jwt.ErrNoSession) {
		t.Errorf("Refresh of a session never created returned error %v, want one wrapping %v", err, jwt.ErrNoSession)
	}
	if done {
		t.Errorf("Refresh of a session never created: done = true, want false")
	}
	if err == nil {
		t.Errorf("Refresh of a session never created returned %s, want none", show(ses))
	}
	s.wantNoSession(t, sid, "a Refresh of a session the store does not hold creates none")
}

func testRefreshEmptyID(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now.Add(-time.Minute), long))
	for _, tt := range []struct {
		name  string
		empty func(*refresh)
	}{
		{"sid", func(r *refresh) { r.sid = "" }},
		{"from", func(r *refresh) { r.from = "" }},
		{"to", func(r *refresh) { r.to = "" }},
		{"nonce", func(r *refresh) { r.nonce = "" }},
	} {
		r := s.next(ses, now, now.Add(2*long))
		tt.empty(&r)
		_, done, err := s.call(t.Context(), r)
		if !errors.Is(err, jwt.ErrStoreEmptyID) {
			t.Errorf("Refresh with an empty %s returned error %v, want one wrapping %v", tt.name, err, jwt.ErrStoreEmptyID)
		}
		if done {
			t.Errorf("Refresh with an empty %s: done = true, want false", tt.name)
		}
		s.wantSession(t, ses, "a Refresh with an empty "+tt.name+" changes nothing")
	}
}

func testEndLive(t reporter, s *suite) {
	now := s.now()
	subject := s.id("subject")
	for _, tt := range []struct {
		name    string
		expires time.Time
		keeps   bool // whether the session keeps its own Expires
	}{
		{"the zero time", time.Time{}, true},
		{"an earlier time", now.Add(short), true},
		{"a later time", now.Add(2 * long), false},
	} {
		ses := s.create(t, s.newSession(subject, now.Add(-time.Minute), long))
		ses = s.refreshed(t, ses, s.next(ses, now, now.Add(long)))
		s.end(t, ses.ID, tt.expires)
		want := ended(ses)
		if !tt.keeps {
			want.Expires = tt.expires
		}
		s.wantSession(t, want, "End with "+tt.name+" ends the session and keeps it, ended, until the later of its Expires and expires")
	}
	s.wantList(t, subject, nil, "an ended session is not listed")
}

func testEndUnknown(t reporter, s *suite) {
	now := s.now()
	sid := s.id("session")
	s.end(t, sid, now.Add(long))
	want := jwt.Session{ID: sid, Expires: now.Add(long), Ended: true}
	s.wantEndedUnknown(t, want, "End of a session the store does not hold records it ended, with no subject, until expires")
	r := refresh{sid: sid, from: s.id("token"), to: s.id("token"), nonce: s.id("nonce"), at: now, expires: now.Add(2 * long)}
	if _, done, err := s.call(t.Context(), r); err != nil || done {
		t.Errorf("%v = done %v, error %v, want not done and no error: the session is ended", r, done, err)
	}
	s.wantEndedUnknown(t, want, "a Refresh of an ended session changes nothing")
}

func testEndUnknownNotAfterNow(t reporter, s *suite) {
	now := s.now()
	for _, tt := range []struct {
		name    string
		expires time.Time
	}{
		{"a minute ago", now.Add(-time.Minute)},
		{"the zero time", time.Time{}},
	} {
		sid := s.id("session")
		if err := s.Store.End(t.Context(), sid, tt.expires); err != nil {
			t.Errorf("End(%q, %s) of a session the store does not hold returned error %v, want none", sid, tt.name, err)
		}
		s.wantNoSession(t, sid, "End of a session the store does not hold, until "+tt.name+", keeps nothing: a session is gone once its time has passed")
	}
}

func testEndTwice(t reporter, s *suite) {
	now := s.now()
	subject := s.id("subject")
	ses := s.create(t, s.newSession(subject, now.Add(-time.Minute), long))
	ses = s.refreshed(t, ses, s.next(ses, now, now.Add(long)))
	s.end(t, ses.ID, time.Time{})
	s.end(t, ses.ID, time.Time{})
	ses = ended(ses)
	s.wantSession(t, ses, "ending an ended session is harmless")
	s.end(t, ses.ID, now.Add(short))
	s.wantSession(t, ses, "ending an ended session with an earlier time keeps its Expires")
	s.end(t, ses.ID, now.Add(2*long))
	ses.Expires = now.Add(2 * long)
	s.wantSession(t, ses, "ending an ended session with a later time extends it")

	sid := s.id("session")
	s.end(t, sid, now.Add(long))
	s.end(t, sid, now.Add(long))
	unknown := jwt.Session{ID: sid, Expires: now.Add(long), Ended: true}
	s.wantEndedUnknown(t, unknown, "ending twice a session the store did not hold is harmless")
	s.end(t, sid, now.Add(2*long))
	unknown.Expires = now.Add(2 * long)
	s.wantEndedUnknown(t, unknown, "ending again with a later time extends it")
	s.wantList(t, subject, nil, "an ended session is not listed")
}

func testEndNeverLiveAgain(t reporter, s *suite) {
	now := s.now()
	subject := s.id("subject")
	ses := s.create(t, s.newSession(subject, now.Add(-time.Minute), long))
	last := s.next(ses, now, now.Add(long))
	ses = s.refreshed(t, ses, last)
	s.end(t, ses.ID, time.Time{})
	ses = ended(ses)

	r := s.next(ses, now.Add(time.Second), now.Add(2*long))
	s.wantRefresh(t, r, false, ses, "a Refresh of an ended session is not done")
	r.to = r.from
	s.wantRefresh(t, r, false, ses, "a Refresh of an ended session without rotation is not done")
	repeat := last
	repeat.at = now.Add(time.Second)
	s.wantRefresh(t, repeat, false, ses, "a repeat of the last refresh of an ended session is not done")
	if n := s.endAll(t, subject); n != 0 {
		t.Errorf("EndAll of the subject of an ended session returned %d, want 0: no session was live to end", n)
	}
	dup := s.newSession(subject, now, long)
	dup.ID = ses.ID
	if err := s.Store.Create(t.Context(), dup); !errors.Is(err, jwt.ErrStoreExists) {
		t.Errorf("Create of the id of an ended session returned error %v, want one wrapping %v", err, jwt.ErrStoreExists)
	}
	s.wantSession(t, ses, "an ended session is never live again")
	s.wantList(t, subject, nil, "an ended session is never listed again")
}

func testEndEmptyID(t reporter, s *suite) {
	if err := s.Store.End(t.Context(), "", s.now().Add(long)); !errors.Is(err, jwt.ErrStoreEmptyID) {
		t.Errorf("End with an empty sid returned error %v, want one wrapping %v", err, jwt.ErrStoreEmptyID)
	}
}

// trickySubjects returns a subject with characters that patterns give a
// meaning (SQL LIKE, Redis MATCH, globs), and subjects those patterns, or
// a prefix match, would take for it.
func (s *suite) trickySubjects() (subject string, others []string) {
	base := s.id("subject")
	subject = base + "_%*?["
	return subject, []string{base, base + "x%*?[", base + "_%*?[x", base + "_%*?[" + base}
}

func testEndAllSubject(t reporter, s *suite) {
	now := s.now()
	subject, others := s.trickySubjects()
	var live []jwt.Session
	for i := range 3 {
		live = append(live, s.create(t, s.newSession(subject, now.Add(time.Duration(i-10)*time.Second), long)))
	}
	live[1] = s.refreshed(t, live[1], s.next(live[1], now, now.Add(long)))
	endedBefore := s.create(t, s.newSession(subject, now.Add(-time.Minute), long))
	s.end(t, endedBefore.ID, time.Time{})
	var kept []jwt.Session
	for _, o := range others {
		kept = append(kept, s.create(t, s.newSession(o, now, long)))
	}

	if n := s.endAll(t, subject); n != len(live) {
		t.Errorf("EndAll(%q) = %d, want %d: it returns how many sessions it ended, not those already ended", subject, n, len(live))
	}
	for _, ses := range live {
		s.wantSession(t, ended(ses), "EndAll ends every session of the subject, and keeps it until its Expires")
	}
	s.wantSession(t, ended(endedBefore), "EndAll leaves an ended session as it is")
	s.wantList(t, subject, nil, "EndAll ends every session of the subject")
	for _, ses := range kept {
		s.wantSession(t, ses, "EndAll ends no session of another subject")
		s.wantList(t, ses.Subject, []jwt.Session{ses}, "EndAll ends no session of another subject")
	}
}

func testEndAllUnknown(t reporter, s *suite) {
	subject := s.id("subject")
	if n := s.endAll(t, subject); n != 0 {
		t.Errorf("EndAll of a subject with no sessions = %d, want 0", n)
	}
	ses := s.create(t, s.newSession(subject, s.now(), long))
	if n := s.endAll(t, subject); n != 1 {
		t.Errorf("EndAll of a subject with one session = %d, want 1", n)
	}
	if n := s.endAll(t, subject); n != 0 {
		t.Errorf("EndAll again = %d, want 0: the sessions are already ended", n)
	}
	s.wantSession(t, ended(ses), "EndAll ends the session")
}

func testEndAllCreatedAfter(t reporter, s *suite) {
	now := s.now()
	subject := s.id("subject")
	before := s.create(t, s.newSession(subject, now.Add(-time.Minute), long))
	s.endAll(t, subject)
	after := s.create(t, s.newSession(subject, now, long))
	s.wantSession(t, after, "a session created after EndAll is live")
	s.wantList(t, subject, []jwt.Session{after}, "a session created after EndAll is listed")
	r := s.next(after, now.Add(time.Second), now.Add(long))
	s.wantRefresh(t, r, true, r.applied(after), "a session created after EndAll can be refreshed")
	if n := s.endAll(t, subject); n != 1 {
		t.Errorf("EndAll of a subject with one live session and one ended = %d, want 1", n)
	}
	s.wantSession(t, ended(before), "EndAll leaves an ended session as it is")
}

func testEndAllEmptySubject(t reporter, s *suite) {
	if n, err := s.Store.EndAll(t.Context(), ""); !errors.Is(err, jwt.ErrStoreEmptyID) || n != 0 {
		t.Errorf("EndAll(\"\") = %d, %v, want 0 and an error wrapping %v", n, err, jwt.ErrStoreEmptyID)
	}
}

func testListOrder(t reporter, s *suite) {
	now := s.now()
	subject := s.id("subject")
	// Created out of the order of their times.
	middle := s.create(t, s.newSession(subject, now.Add(-2*time.Minute), long))
	newest := s.create(t, s.newSession(subject, now.Add(-time.Minute), long))
	oldest := s.create(t, s.newSession(subject, now.Add(-3*time.Minute), long))
	middle = s.refreshed(t, middle, s.next(middle, now, now.Add(long)))
	s.wantList(t, subject, []jwt.Session{oldest, middle, newest}, "List returns the sessions of the subject, oldest first by Created, as Session returns them")
}

func testListOnlyLive(t reporter, s *suite) {
	now := s.now()
	subject, others := s.trickySubjects()
	a := s.create(t, s.newSession(subject, now.Add(-4*time.Second), long))
	endedOne := s.create(t, s.newSession(subject, now.Add(-3*time.Second), long))
	s.end(t, endedOne.ID, now.Add(2*long))
	b := s.create(t, s.newSession(subject, now.Add(-2*time.Second), long))
	var kept []jwt.Session
	for _, o := range others {
		kept = append(kept, s.create(t, s.newSession(o, now, long)))
	}
	s.wantList(t, subject, []jwt.Session{a, b}, "List returns only the subject's sessions that are not ended")
	for _, ses := range kept {
		s.wantList(t, ses.Subject, []jwt.Session{ses}, "List returns only the sessions of its subject")
	}
}

func testListUnknown(t reporter, s *suite) {
	if list := s.list(t, s.id("subject")); len(list) != 0 {
		t.Errorf("List of a subject with no sessions returned %s, want none", ids(list))
	}
}

// wantKeptUntil checks that the store holds want, as it is, until the time
// until, and holds no session of its id from then on: on a controlled
// clock to the millisecond, and on real time from slack before until to
// within patience after it. A session that is not ended is listed while it
// is held, and no longer after.
func (s *suite) wantKeptUntil(t reporter, want jwt.Session, until time.Time, why string) {
	t.Helper()
	listed := !want.Ended
	check := func(gone bool) bool {
		return s.gone(t, want.ID) == gone && (!listed || s.listed(t, want) != gone)
	}
	before, at := until.Add(-time.Millisecond), until
	if !s.controlled() {
		before = until.Add(-slack)
	}
	s.waitUntil(before)
	if s.controlled() || time.Until(until) > slack/2 {
		if want.Subject == "" {
			s.wantEndedUnknown(t, want, "held until its time: "+why)
		} else {
			s.wantSession(t, want, "held until its time: "+why)
		}
		if listed && !s.listed(t, want) {
			t.Errorf("List(%q) misses session %q: a live session is listed until its time: %s", want.Subject, want.ID, why)
		}
	}
	if !s.controlled() {
		s.eventually(t, until, func() bool { return check(true) }, "Session or List still finds the session: "+why)
		return
	}
	s.waitUntil(at)
	s.wantNoSession(t, want.ID, "gone once its time has passed: "+why)
	if listed && s.listed(t, want) {
		t.Errorf("List(%q) still holds session %q once its time has passed: %s", want.Subject, want.ID, why)
	}
}

func testExpiryExpires(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now, short))
	s.wantKeptUntil(t, ses, ses.Expires, "a session is kept until its Expires")
	r := s.next(ses, s.now(), s.now().Add(long))
	if _, _, err := s.call(t.Context(), r); !errors.Is(err, jwt.ErrNoSession) {
		t.Errorf("%v of an expired session returned error %v, want one wrapping %v", r, err, jwt.ErrNoSession)
	}
	again := s.newSession(ses.Subject, s.now(), long)
	again.ID = ses.ID
	s.create(t, again)
	s.wantSession(t, again, "the id of an expired session is no longer held, and can be created")
}

func testExpiryRefreshExtends(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now, short))
	r := s.next(ses, now, now.Add(2*short))
	ses = s.refreshed(t, ses, r)
	s.wantKeptUntil(t, ses, now.Add(2*short), "a Refresh with a later time extends the session to it")
}

func testExpiryRefreshNeverShortens(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now, 2*short))
	r := s.next(ses, now, now.Add(short))
	ses = s.refreshed(t, ses, r)
	s.wantKeptUntil(t, ses, now.Add(2*short), "a Refresh with an earlier time does not shorten the session")
}

func testExpiryEndKeeps(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now, short))
	s.end(t, ses.ID, time.Time{})
	s.wantKeptUntil(t, ended(ses), ses.Expires, "an ended session is kept, ended, until its Expires")
}

func testExpiryEndExtends(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now, short))
	s.end(t, ses.ID, now.Add(2*short))
	ses = ended(ses)
	ses.Expires = now.Add(2 * short)
	s.wantKeptUntil(t, ses, ses.Expires, "End with a later time keeps the session, ended, until that time")
}

func testExpiryEndNeverShortens(t reporter, s *suite) {
	now := s.now()
	ses := s.create(t, s.newSession(s.id("subject"), now, 2*short))
	s.end(t, ses.ID, now.Add(short))
	s.wantKeptUntil(t, ended(ses), ses.Expires, "End with an earlier time keeps the session, ended, until its Expires")
}

func testExpiryEndUnknown(t reporter, s *suite) {
	now := s.now()
	sid := s.id("session")
	s.end(t, sid, now.Add(short))
	want := jwt.Session{ID: sid, Expires: now.Add(short), Ended: true}
	s.wantKeptUntil(t, want, want.Expires, "End of a session the store does not hold keeps it, ended, until expires")
}

func testExpiryEndAll(t reporter, s *suite) {
	now := s.now()
	subject := s.id("subject")
	expiring := s.create(t, s.newSession(subject, now.Add(-time.Second), short+time.Second))
	kept := s.create(t, s.newSession(subject, now, long))
	s.wantKeptUntil(t, expiring, expiring.Expires, "a session is kept until its Expires")
	if n := s.endAll(t, subject); n != 1 {
		t.Errorf("EndAll of a subject with one live session and one expired = %d, want 1: the store no longer holds the expired one", n)
	}
	s.wantSession(t, ended(kept), "EndAll ends the live session")
	s.wantNoSession(t, expiring.ID, "EndAll does not bring back an expired session")
}

func testContextCanceled(t reporter, s *suite) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	s.wantDoneContext(t, ctx, "canceled", context.Canceled)
}

func testContextDeadlineExceeded(t reporter, s *suite) {
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	s.wantDoneContext(t, ctx, "expired", context.DeadlineExceeded)
}

// wantDoneContext checks that every method, called with ctx, which is done,
// returns promptly an error wrapping want, and changes nothing.
func (s *suite) wantDoneContext(t reporter, ctx context.Context, name string, want error) {
	t.Helper()
	now := s.now()
	subject := s.id("subject")
	live := s.create(t, s.newSession(subject, now.Add(-time.Minute), long))
	fresh := s.newSession(subject, now, long)
	unknown := s.id("session")
	for _, c := range []struct {
		name string
		call func() error
	}{
		{"Create", func() error { return s.Store.Create(ctx, fresh) }},
		{"Session", func() error { _, err := s.Store.Session(ctx, live.ID); return err }},
		{"Refresh", func() error { _, _, err := s.call(ctx, s.next(live, now, now.Add(2*long))); return err }},
		{"End", func() error { return s.Store.End(ctx, live.ID, now.Add(2*long)) }},
		{"End of a session the store does not hold", func() error { return s.Store.End(ctx, unknown, now.Add(long)) }},
		{"EndAll", func() error { _, err := s.Store.EndAll(ctx, subject); return err }},
		{"List", func() error { _, err := s.Store.List(ctx, subject); return err }},
	} {
		done := make(chan error, 1)
		go func() { done <- c.call() }()
		select {
		case err := <-done:
			if !errors.Is(err, want) {
				t.Errorf("%s with a %s context returned error %v, want one wrapping %v", c.name, name, err, want)
			}
		case <-time.After(prompt):
			t.Errorf("%s with a %s context did not return within %v: a call returns by its context's deadline", c.name, name, prompt)
		}
	}
	why := "a call with a " + name + " context changes nothing"
	s.wantSession(t, live, why)
	s.wantNoSession(t, fresh.ID, why)
	s.wantNoSession(t, unknown, why)
	s.wantList(t, subject, []jwt.Session{live}, why)
}
