package storetest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtpair/jwt"
)

// The Refresh checks race callers on one session, and a stream of callers
// on many sessions. A Refresh that is not atomic lets two callers refresh
// from one token only when one reads the session after another has read it
// and before that one records its refresh.
//
// In a store that keeps its sessions in memory under a sync.Mutex, that gap
// can be as short as letting the lock go and taking it straight back. Go's
// mutex lets the goroutine that unlocked take it back ahead of those
// waiting, and a waiter that is woken spins for the lock a few microseconds
// before it waits again. Only a waiter that has waited over a millisecond
// and then finds the lock held switches the mutex to handing it to its
// waiters in turn; from then on, a caller that lets the lock go between its
// read and its write lets the next caller read. A burst of calls is over
// before that happens, and a stream of calls that each hold the lock for a
// few hundred nanoseconds makes it happen only by chance: on two
// processors, in about four streams of 150ms in five. So the stream also
// lists, again and again, a subject of raceListed sessions. A List holds
// such a store's lock for tens of microseconds or more, long enough for the
// waiters woken meanwhile to find it held, and a store whose Refresh reads
// and records under separate holds of one lock then fails the stream on
// hundreds of sessions.
//
// A store that waits on a network makes fewer calls in that time, and needs
// fewer: its gap is a whole round trip.
const (
	// oneSessionCallers is how many callers race on the one session.
	oneSessionCallers = 64
	// raceWorkers goroutines make the stream of calls, raceCallers calls
	// on each session in turn, for raceTime and at least raceMinIDs
	// sessions. So that a fast store does not fill memory, the stream
	// stops after raceMaxIDs sessions.
	raceWorkers = 64
	raceCallers = 8
	raceTime    = 150 * time.Millisecond
	raceMinIDs  = 100
	raceMaxIDs  = 1 << 16
	// One caller of the stream lists a subject of raceListed sessions,
	// raceListGap after the last list ended or as long as that list took,
	// whichever is longer: a store whose List is slow still spends half
	// the stream on Refresh calls.
	raceListGap = 250 * time.Microsecond
	raceListed  = 1024
	// A store that takes longer than raceNetCall to answer each of
	// raceProbes lone calls waits on something outside the process, such
	// as a network, whose round trips on one machine take ten microseconds
	// or more. A Refresh that is not atomic there most likely reads and
	// records in separate round trips, a gap that a few sessions show; so
	// the stream spares such a store the many calls it could take and the
	// lists, and stops after raceNetIDs sessions.
	raceNetCall = 5 * time.Microsecond
	raceProbes  = 64
	raceNetIDs  = 300
	// raceChunk is how many sessions the check keeps the outcomes of
	// together, to check them once all their calls have returned and
	// then drop them.
	raceChunk = 256
	// maxReported is how many failed sessions the check describes before
	// it only counts them.
	maxReported = 3
)

func testRefreshOneSession(t reporter, s *suite) { raceRefresh(t, s, oneSessionRace) }

func testRefreshStream(t reporter, s *suite) { raceRefresh(t, s, streamRace) }

// raceConfig is the shape of a race of Refresh calls: workers goroutines
// make callers calls on each session in turn, until at least minIDs
// sessions have been raced and d has passed, or maxIDs sessions have been.
// A race with d set is a stream, whose callers also list a subject, unless
// the store is spared.
type raceConfig struct {
	workers, callers int
	minIDs, maxIDs   int
	d                time.Duration
}

var (
	// oneSessionRace makes all its calls at once, on one session.
	oneSessionRace = raceConfig{workers: oneSessionCallers, callers: oneSessionCallers, minIDs: 1, maxIDs: 1}
	// streamRace is the stream of calls on many sessions.
	streamRace = raceConfig{workers: raceWorkers, callers: raceCallers, minIDs: raceMinIDs, maxIDs: raceMaxIDs, d: raceTime}
)

// raceCall is the outcome of one Refresh in a race.
type raceCall struct {
	made bool // false if the race ended before the call was made
	ses  jwt.Session
	done bool
	err  error
}

// raceSessions holds up to raceChunk sessions in a row and the outcomes of
// the calls on them.
type raceSessions struct {
	sessions []jwt.Session
	claimed  atomic.Bool   // set by the goroutine that creates the sessions
	created  []bool        // which sessions were created, set before ready is closed
	ready    chan struct{} // closed once the sessions are created
	isReady  atomic.Bool   // set once ready is closed
	calls    []raceCall    // the calls on sessions[i] are calls[i*callers:][:callers]
	tasks    atomic.Int64  // how many of calls are over, made or not
}

// race is the state of one raceRefresh.
type race struct {
	raceConfig
	s       *suite
	ctx     context.Context
	at      time.Time
	expires time.Time
	stem    string   // the session ids are stem followed by their number
	subject string   // the subject of every session raced
	nonces  []string // the nonce of each call on a session, by its place
	chunks  []atomic.Pointer[raceSessions]
	next    atomic.Int64 // the next call; call n is on session n/callers
	began   time.Time
	over    atomic.Bool

	// listSubject, when set, has raceListed sessions, and the stream lists
	// it once its time since it began reaches nextList, in nanoseconds.
	listSubject string
	nextList    atomic.Int64

	mu      sync.Mutex
	ids     int      // sessions checked
	failed  int      // sessions whose calls broke the contract
	reports []string // descriptions of the first maxReported failures
}

// raceRefresh checks that Refresh is atomic. Its goroutines start at once,
// and each takes the next call in turn and makes it, until the race ends;
// so the calls on one session are made side by side, by different
// goroutines, each from the session's first token to its own token with
// its own nonce. The sessions of a chunk are created before their calls:
// the first chunk before the race begins, and each later one by the
// goroutine that makes the first call of the chunk before it, so that the
// stream does not wait for them. raceRefresh reports each session unless
// exactly one of its calls was done and every call returned the session as
// that one left it. It reports from the calling goroutine only.
func raceRefresh(t reporter, s *suite, cfg raceConfig) {
	now := s.now()
	r := &race{
		raceConfig: cfg,
		s:          s,
		ctx:        t.Context(),
		at:         now,
		expires:    now.Add(long + time.Second),
		stem:       s.id("race") + ".",
		subject:    s.id("subject"),
	}
	for i := range cfg.callers {
		r.nonces = append(r.nonces, "n"+strconv.Itoa(i))
	}
	ahead := 1
	switch {
	case cfg.d == 0:
	case r.spared():
		r.maxIDs = min(r.maxIDs, raceNetIDs)
		ahead = r.maxIDs // a few sessions, all created before the race
	default:
		r.listSubject = s.id("subject")
	}
	r.chunks = make([]atomic.Pointer[raceSessions], (r.maxIDs+raceChunk-1)/raceChunk)
	var setup sync.WaitGroup
	setup.Go(func() {
		for k := range min(ahead, len(r.chunks)) {
			r.create(k, cfg.workers)
		}
	})
	if r.listSubject != "" {
		r.createListed(cfg.workers)
	}
	setup.Wait()

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
		t.Errorf("in all, %d of %d sessions raced by up to %d Refresh calls each broke the contract", r.failed, r.ids, cfg.callers)
	}
}

// spared returns whether the store is one the stream spares: it times up
// to raceProbes lone calls, and spares a store that takes longer than
// raceNetCall for the fastest.
func (r *race) spared() bool {
	for i := range raceProbes {
		began := time.Now()
		_, err := r.s.Store.Session(r.ctx, r.stem+"lone-"+strconv.Itoa(i))
		if errors.Is(err, jwt.ErrNoSession) && time.Since(began) <= raceNetCall {
			return false
		}
	}
	return true
}

// createListed creates the raceListed sessions of r.listSubject, with up
// to parallel calls at once.
func (r *race) createListed(parallel int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range parallel {
		wg.Go(func() {
			for i := next.Add(1); i <= raceListed; i = next.Add(1) {
				id := r.stem + "listed-" + strconv.Itoa(int(i))
				ses := jwt.Session{ID: id, Subject: r.listSubject, Created: r.at, Refreshed: r.at, Expires: r.at.Add(long), Token: id + ".t0"}
				if err := r.s.Store.Create(r.ctx, ses); err != nil {
					r.report(fmt.Sprintf("Create(%s) returned error %v, want none", show(ses), err))
				}
			}
		})
	}
	wg.Wait()
}

// work makes the next call of the race until the race is over. A chunk is
// checked, and dropped, by the goroutine that ends its last call.
func (r *race) work() {
	for {
		n := int(r.next.Add(1) - 1)
		i, place := n/r.callers, n%r.callers
		if i >= r.maxIDs || r.over.Load() {
			return
		}
		since := time.Since(r.began)
		if place == 0 && i >= r.minIDs && since >= r.d {
			r.over.Store(true)
			return
		}
		k, at := i/raceChunk, i%raceChunk
		if place == 0 && at == 0 && k+1 < len(r.chunks) {
			r.create(k+1, 1)
		}
		ch := r.chunk(k)
		if !ch.isReady.Load() {
			<-ch.ready
		}
		if ch.created[at] {
			ses := ch.sessions[at]
			c := &ch.calls[at*r.callers+place]
			c.ses, c.done, c.err = r.s.Store.Refresh(r.ctx, ses.ID, ses.Token, r.to(ses, place), r.nonces[place], r.at, r.expires)
			c.made = true
		}
		if r.listSubject != "" {
			r.list(since)
		}
		if ch.tasks.Add(1) == int64(len(ch.calls)) {
			r.check(ch)
			r.chunks[k].Store(nil)
		}
	}
}

// list lists r.listSubject if it is time, since began is since, and no
// other caller is listing it. The next list is due raceListGap after this
// one ends, or as long as this one took if that is longer, so that a store
// whose List is slow still spends half its time on the stream.
func (r *race) list(since time.Duration) {
	next := r.nextList.Load()
	if int64(since) < next || !r.nextList.CompareAndSwap(next, math.MaxInt64) {
		return
	}
	began := time.Now()
	list, err := r.s.Store.List(r.ctx, r.listSubject)
	took := time.Since(began)
	r.nextList.Store(int64(time.Since(r.began) + max(raceListGap, took)))
	if err != nil || len(list) != raceListed {
		r.report(fmt.Sprintf("List(%q) during the stream returned %d sessions and error %v, want %d and none", r.listSubject, len(list), err, raceListed))
	}
}

// to returns the token the call at place refreshes ses to.
func (r *race) to(ses jwt.Session, place int) string {
	return ses.ID + ".t-" + r.nonces[place]
}

// chunk returns chunk k, making it if no goroutine has yet.
func (r *race) chunk(k int) *raceSessions {
	if ch := r.chunks[k].Load(); ch != nil {
		return ch
	}
	from := k * raceChunk
	n := min(raceChunk, r.maxIDs-from)
	ch := &raceSessions{
		sessions: make([]jwt.Session, n),
		created:  make([]bool, n),
		ready:    make(chan struct{}),
		calls:    make([]raceCall, n*r.callers),
	}
	for i := range n {
		id := r.stem + strconv.Itoa(from+i)
		ch.sessions[i] = jwt.Session{ID: id, Subject: r.subject, Created: r.at, Refreshed: r.at, Expires: r.at.Add(long), Token: id + ".t0"}
	}
	if r.chunks[k].CompareAndSwap(nil, ch) {
		return ch
	}
	return r.chunks[k].Load()
}

// create creates the sessions of chunk k, with up to parallel calls at
// once, unless another goroutine has begun to.
func (r *race) create(k, parallel int) {
	ch := r.chunk(k)
	if !ch.claimed.CompareAndSwap(false, true) {
		return
	}
	var next atomic.Int64
	create := func() {
		for i := int(next.Add(1) - 1); i < len(ch.sessions); i = int(next.Add(1) - 1) {
			err := r.s.Store.Create(r.ctx, ch.sessions[i])
			if err != nil {
				r.report(fmt.Sprintf("Create(%s) returned error %v, want none", show(ch.sessions[i]), err))
			}
			ch.created[i] = err == nil
		}
	}
	if parallel <= 1 {
		create()
	} else {
		var wg sync.WaitGroup
		for range min(parallel, len(ch.sessions)) {
			wg.Go(create)
		}
		wg.Wait()
	}
	close(ch.ready)
	ch.isReady.Store(true)
}

// report records a failure found by a worker.
func (r *race) report(failure string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed++
	if len(r.reports) < maxReported {
		r.reports = append(r.reports, failure)
	}
}

// check checks the sessions of ch on which calls were made.
func (r *race) check(ch *raceSessions) {
	ids := 0
	var failures []string
	for i, ses := range ch.sessions {
		calls := ch.calls[i*r.callers:][:r.callers]
		made, problem := r.verdict(ses, calls)
		if made == 0 {
			continue
		}
		ids++
		if problem != "" {
			failures = append(failures, fmt.Sprintf("%d Refresh calls racing on session %q from its token %q: %s", made, ses.ID, ses.Token, problem))
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids += ids
	r.failed += len(failures)
	r.reports = append(r.reports, failures[:min(len(failures), maxReported-len(r.reports))]...)
}

// verdict returns how many of the calls on ses were made, and what is
// wrong with them, or "" if exactly one was done and every call returned
// the session as that one left it.
func (r *race) verdict(ses jwt.Session, calls []raceCall) (made int, problem string) {
	winner, dones := -1, 0
	for place, c := range calls {
		if !c.made {
			continue
		}
		made++
		if c.err != nil {
			return made, fmt.Sprintf("the call with nonce %q returned error %v, want none", r.nonces[place], c.err)
		}
		if c.done {
			winner = place
			dones++
		}
	}
	if made == 0 {
		return 0, ""
	}
	if dones != 1 {
		return made, fmt.Sprintf("%d were done, want exactly 1: %s", dones, r.outcomes(calls))
	}
	want := refresh{from: ses.Token, to: r.to(ses, winner), nonce: r.nonces[winner], at: r.at, expires: r.expires}.applied(ses)
	for place, c := range calls {
		if c.made {
			if d := diff(c.ses, want); d != "" {
				return made, fmt.Sprintf("the call with nonce %q returned %s, as the done call (nonce %q) left it: %s", r.nonces[place], d, r.nonces[winner], r.outcomes(calls))
			}
		}
	}
	return made, ""
}

// outcomes describes the calls on one session: the nonce of each, and
// whether it was done.
func (r *race) outcomes(calls []raceCall) string {
	var b strings.Builder
	for place, c := range calls {
		if !c.made {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		if c.done {
			fmt.Fprintf(&b, "%s done", r.nonces[place])
		} else {
			fmt.Fprintf(&b, "%s not done", r.nonces[place])
		}
	}
	return b.String()
}

// testCreateOneID races callers to create sessions of one id: exactly one
// creates it, every other gets an error wrapping ErrStoreExists, and the
// store holds the one created.
func testCreateOneID(t reporter, s *suite) {
	const callers = 16
	now := s.now()
	sid := s.id("session")
	sessions := make([]jwt.Session, callers)
	errs := make([]error, callers)
	for i := range sessions {
		sessions[i] = s.newSession(s.id("subject"), now, long)
		sessions[i].ID = sid
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() {
			<-start
			errs[i] = s.Store.Create(t.Context(), sessions[i])
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil && winner >= 0:
			t.Errorf("%d Create calls racing on session id %q: two returned no error, want one: the id was already held", callers, sid)
		case err == nil:
			winner = i
		case !errors.Is(err, jwt.ErrStoreExists):
			t.Errorf("Create racing on session id %q returned error %v, want none or one wrapping %v", sid, err, jwt.ErrStoreExists)
		}
	}
	if winner < 0 {
		t.Fatalf("%d Create calls racing on session id %q: none returned no error, want one", callers, sid)
	}
	s.wantSession(t, sessions[winner], "the store holds the session of the one Create that succeeded")
	for i, ses := range sessions {
		if i != winner {
			s.wantList(t, ses.Subject, nil, "a Create that failed records nothing")
		}
	}
}

// testEndDuringRefresh races End with Refresh calls on each of several
// sessions: at most one Refresh is done, and whatever the order, the
// session ends up ended, never live again.
func testEndDuringRefresh(t reporter, s *suite) {
	const sessions, callers = 32, 4
	now := s.now()
	subject := s.id("subject")
	type outcome struct {
		ses    jwt.Session
		calls  [callers]raceCall
		refs   [callers]refresh
		endErr error
	}
	outcomes := make([]outcome, sessions)
	for i := range outcomes {
		o := &outcomes[i]
		o.ses = s.create(t, s.newSession(subject, now, long))
		for j := range o.refs {
			o.refs[j] = s.next(o.ses, now.Add(time.Second), now.Add(long+time.Second))
		}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range outcomes {
		o := &outcomes[i]
		wg.Go(func() {
			<-start
			o.endErr = s.Store.End(t.Context(), o.ses.ID, time.Time{})
		})
		for j := range o.refs {
			wg.Go(func() {
				<-start
				c := &o.calls[j]
				c.ses, c.done, c.err = s.call(t.Context(), o.refs[j])
				c.made = true
			})
		}
	}
	close(start)
	wg.Wait()
	failed := 0
	for _, o := range outcomes {
		if o.endErr != nil {
			t.Fatalf("End(%q) returned error %v, want none", o.ses.ID, o.endErr)
		}
		want := ended(o.ses)
		dones := 0
		for j, c := range o.calls {
			if c.err != nil {
				t.Fatalf("%v returned error %v, want none", o.refs[j], c.err)
			}
			if c.done {
				dones++
				want = ended(o.refs[j].applied(o.ses))
			}
		}
		if dones > 1 {
			t.Errorf("%d Refresh calls racing with End on session %q from one token: %d were done, want at most 1", callers, o.ses.ID, dones)
		}
		got, err := s.Store.Session(t.Context(), o.ses.ID)
		if d := diff(got, want); err != nil || d != "" {
			if failed++; failed <= maxReported {
				t.Errorf("after End raced with %d Refresh calls, of which %d were done, Session(%q) = %s, %v, want %s: an ended session is never live again",
					callers, dones, o.ses.ID, show(got), err, show(want))
			}
		}
	}
	if failed > maxReported {
		t.Errorf("in all, %d of %d sessions were not ended as they should be", failed, sessions)
	}
	s.wantList(t, subject, nil, "every session has been ended")
}
