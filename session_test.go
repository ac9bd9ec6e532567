package jwt_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jwtpair/jwt"
)

// sid returns the session id of a token of the pair manager.
func sid(t testing.TB, tok string) string {
	t.Helper()
	return payload(t, tok)["sid"].(string)
}

// retryingStore is a Store whose client retries a Refresh whose reply was
// lost: the first run is applied, and the same call is sent again.
type retryingStore struct{ jwt.Store }

func (s retryingStore) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	if _, _, err := s.Store.Refresh(ctx, sid, from, to, nonce, at, expires); err != nil {
		return jwt.Session{}, false, err
	}
	return s.Store.Refresh(ctx, sid, from, to, nonce, at, expires) // the reply to this one arrives
}

// TestLostReplyRetriedByClientKeepsSession stops a lost reply from logging
// the user out: the Store's client retries the refresh whose reply was
// lost, and the retry is taken for the same call, not for a reuse, even
// with no grace at all.
func TestLostReplyRetriedByClientKeepsSession(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate = true })
	p, err := jwt.NewPairs(jwt.PairConfig{Signer: e.key, Rotate: true, NoReuseGrace: true, Store: retryingStore{e.store}, Expect: jwt.Expect{Now: e.clock.Now}})
	require.NoError(t, err)
	pair, err := p.Issue(t.Context(), "42", nil)
	require.NoError(t, err)
	next, err := p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err, "the retried call is the same refresh")
	_, err = p.Refresh(t.Context(), next.Refresh)
	require.NoError(t, err, "the session lives on")
}

// lossyStore is a Store that applies a Refresh and then loses its reply,
// once.
type lossyStore struct {
	jwt.Store
	lost bool
}

var errLostReply = errors.New("i/o timeout")

func (s *lossyStore) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	ses, done, err := s.Store.Refresh(ctx, sid, from, to, nonce, at, expires)
	if err == nil && !s.lost {
		s.lost = true
		return jwt.Session{}, false, errLostReply
	}
	return ses, done, err
}

// TestLostReplyRetriedByApplicationKeepsSession stops the application's
// own retry of a refresh whose reply was lost from logging the user out:
// with the default grace, the retry gets the refresh token the lost reply
// carried.
func TestLostReplyRetriedByApplicationKeepsSession(t *testing.T) {
	clock := newFakeClock()
	store := &lossyStore{Store: &jwt.MemoryStore{Now: clock.Now}}
	p, err := jwt.NewPairs(jwt.PairConfig{Signer: pairKey(t), Rotate: true, Store: store, Expect: jwt.Expect{Now: clock.Now}})
	require.NoError(t, err)
	pair, err := p.Issue(t.Context(), "42", nil)
	require.NoError(t, err)
	_, err = p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, errLostReply)
	clock.Advance(2 * time.Second)
	next, err := p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err, "the retry within the grace")
	_, err = p.Refresh(t.Context(), next.Refresh)
	require.NoError(t, err, "and the session lives on")
}

// TestTwoTabsRefreshingAtOnceKeepSession stops two concurrent refreshes of
// one client (two browser tabs) from ending its session under the
// defaults: both get the one new refresh token.
func TestTwoTabsRefreshingAtOnceKeepSession(t *testing.T) {
	clock := newFakeClock()
	p, err := jwt.NewPairs(jwt.PairConfig{Signer: pairKey(t), Rotate: true, Expect: jwt.Expect{Now: clock.Now}})
	require.NoError(t, err)
	for range 50 {
		pair, err := p.Issue(t.Context(), "42", nil)
		require.NoError(t, err)
		var got [2]jwt.Pair
		var errs [2]error
		var wg sync.WaitGroup
		for i := range got {
			wg.Go(func() { got[i], errs[i] = p.Refresh(context.Background(), pair.Refresh) })
		}
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])
		assert.Equal(t, got[0].Refresh, got[1].Refresh)
		_, err = p.Refresh(t.Context(), got[0].Refresh)
		require.NoError(t, err, "the session lives on")
	}
}

// TestStoreRestartedEmptyRefusesEarlierTokens stops a Store that lost its
// memory from failing open: after it, the tokens of a logged-out session,
// and every other token issued before, are refused rather than trusted.
func TestStoreRestartedEmptyRefusesEarlierTokens(t *testing.T) {
	clock := newFakeClock()
	cfg := jwt.PairConfig{Signer: pairKey(t), Rotate: true, RevokeAccess: true, Store: &jwt.MemoryStore{Now: clock.Now}, Expect: jwt.Expect{Now: clock.Now}}
	before, err := jwt.NewPairs(cfg)
	require.NoError(t, err)
	loggedOut, err := before.Issue(t.Context(), "42", nil)
	require.NoError(t, err)
	require.NoError(t, before.Revoke(t.Context(), loggedOut.Refresh))
	live, err := before.Issue(t.Context(), "42", nil)
	require.NoError(t, err)

	cfg.Store = &jwt.MemoryStore{Now: clock.Now} // restarted empty
	after, err := jwt.NewPairs(cfg)
	require.NoError(t, err)
	for _, tok := range []string{loggedOut.Refresh, live.Refresh} {
		_, err := after.Refresh(t.Context(), tok)
		require.ErrorIs(t, err, jwt.ErrRevoked)
		require.ErrorIs(t, after.VerifyAnyType(t.Context(), tok, nil), jwt.ErrRevoked)
	}
	for _, tok := range []string{loggedOut.Access, live.Access} {
		require.ErrorIs(t, after.VerifyAccess(t.Context(), tok, nil), jwt.ErrRevoked)
	}
	fresh, err := after.Issue(t.Context(), "42", nil)
	require.NoError(t, err)
	_, err = after.Refresh(t.Context(), fresh.Refresh)
	require.NoError(t, err, "a login after the loss works")
}

// forgetfulStore is a Store that acknowledges one Refresh and loses its
// write, as a Redis with asynchronous persistence does when it crashes
// after the reply and before the write reaches the disk.
type forgetfulStore struct {
	jwt.Store
	forgot bool
}

func (s *forgetfulStore) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	if !s.forgot {
		ses, err := s.Store.Session(ctx, sid)
		if err == nil && ses.Token == from {
			s.forgot = true
			ses.Previous, ses.Token, ses.Nonce, ses.Refreshed = from, to, nonce, at
			return ses, true, nil
		}
	}
	return s.Store.Refresh(ctx, sid, from, to, nonce, at, expires)
}

// TestCrashLosingRefreshKeepsSession stops a Store crash that lost a
// rotation from turning the rotated token into a "reuse": the refresh
// token that rotation issued, newer than anything the Store remembers, is
// taken as the session's current one.
func TestCrashLosingRefreshKeepsSession(t *testing.T) {
	clock := newFakeClock()
	store := &forgetfulStore{Store: &jwt.MemoryStore{Now: clock.Now}}
	p, err := jwt.NewPairs(jwt.PairConfig{Signer: pairKey(t), Rotate: true, NoReuseGrace: true, Store: store, Expect: jwt.Expect{Now: clock.Now}})
	require.NoError(t, err)
	pair, err := p.Issue(t.Context(), "42", nil)
	require.NoError(t, err)
	clock.Advance(time.Minute)
	next, err := p.Refresh(t.Context(), pair.Refresh) // its write is lost
	require.NoError(t, err)
	clock.Advance(time.Minute)
	later, err := p.Refresh(t.Context(), next.Refresh)
	require.NoError(t, err, "the token of the lost rotation is current")
	_, err = p.Refresh(t.Context(), later.Refresh)
	require.NoError(t, err, "and the session lives on")
	_, err = p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrReused, "the older token is still a reuse")
}

// TestLogoutRacingRefreshLeavesNoLivingToken stops a logout that races a
// refresh of the same token from leaving a token alive: once both have
// returned, every token of the session is refused.
func TestLogoutRacingRefreshLeavesNoLivingToken(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate, c.RevokeAccess = true, true })
	for range 500 {
		pair := e.issue(t)
		var got jwt.Pair
		var wg sync.WaitGroup
		wg.Go(func() { got, _ = e.p.Refresh(context.Background(), pair.Refresh) })
		wg.Go(func() { _ = e.p.Revoke(context.Background(), pair.Refresh) })
		wg.Wait()
		// The tokens the refresh got first: presenting the replaced one
		// would end the session by itself.
		for _, tok := range []string{got.Access, pair.Access} {
			if tok != "" {
				require.ErrorIs(t, e.p.VerifyAccess(t.Context(), tok, nil), jwt.ErrRevoked)
			}
		}
		for _, tok := range []string{got.Refresh, pair.Refresh} {
			if tok != "" {
				_, err := e.p.Refresh(t.Context(), tok)
				require.ErrorIs(t, err, jwt.ErrRevoked)
			}
		}
	}
}

// TestLogoutWithTokenAThiefRotatedEndsThiefsChain stops a thief's rotated
// chain from outliving the owner's logout: the owner logs out with the
// refresh token the thief already rotated, and the thief's tokens die.
func TestLogoutWithTokenAThiefRotatedEndsThiefsChain(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate, c.RevokeAccess = true, true })
	pair := e.issue(t)
	thief, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
	thiefLater, err := e.p.Refresh(t.Context(), thief.Refresh)
	require.NoError(t, err)

	require.ErrorIs(t, e.p.Revoke(t.Context(), pair.Refresh), jwt.ErrRevoked, "the owner's token was replaced")
	_, err = e.p.Refresh(t.Context(), thiefLater.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "the thief's chain is ended")
	require.ErrorIs(t, e.p.VerifyAccess(t.Context(), thiefLater.Access, nil), jwt.ErrRevoked)
}

// TestRotationDoesNotGrowStore checks that a session costs the Store one
// record however often it rotates.
func TestRotationDoesNotGrowStore(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate = true })
	tok := e.issue(t).Refresh
	for range 1000 {
		e.clock.Advance(time.Second)
		next, err := e.p.Refresh(t.Context(), tok)
		require.NoError(t, err)
		tok = next.Refresh
	}
	sessions, _, _ := jwt.MemoryStoreLen(e.store)
	assert.Equal(t, 1, sessions)
}

// TestRevokeSubjectEndsEverySession checks log out everywhere: every
// session of the subject ends, others and later logins are unaffected, and
// the listing shows the live sessions with their times.
func TestRevokeSubjectEndsEverySession(t *testing.T) {
	var events []jwt.Event
	e := newPairEnv(t, func(c *jwt.PairConfig) {
		c.Rotate, c.RevokeAccess = true, true
		c.OnEvent = func(_ context.Context, ev jwt.Event) { events = append(events, ev) }
	})
	var mine []jwt.Pair
	for range 3 {
		mine = append(mine, e.issue(t))
		e.clock.Advance(time.Minute)
	}
	other, err := e.p.Issue(t.Context(), "7", nil)
	require.NoError(t, err)
	refreshed, err := e.p.Refresh(t.Context(), mine[1].Refresh)
	require.NoError(t, err)

	list, err := e.p.Sessions(t.Context(), "42")
	require.NoError(t, err)
	require.Len(t, list, 3)
	for i, s := range list {
		assert.Equal(t, sid(t, mine[i].Refresh), s.ID, "oldest first")
		assert.Equal(t, "42", s.Subject)
		assert.Equal(t, time.Unix(num(t, payload(t, mine[i].Refresh)[jwt.AuthTimeClaim]), 0).Unix(), s.Created.Unix(), "login time")
	}
	assert.Equal(t, e.clock.Now().Unix(), list[1].Refreshed.Unix(), "last refresh")
	assert.Equal(t, list[0].Created, list[0].Refreshed, "never refreshed")

	n, err := e.p.RevokeSubject(t.Context(), "42")
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	for _, tok := range []string{mine[0].Refresh, mine[2].Refresh, refreshed.Refresh} {
		_, err := e.p.Refresh(t.Context(), tok)
		require.ErrorIs(t, err, jwt.ErrRevoked)
	}
	require.ErrorIs(t, e.p.VerifyAccess(t.Context(), refreshed.Access, nil), jwt.ErrRevoked)
	list, err = e.p.Sessions(t.Context(), "42")
	require.NoError(t, err)
	assert.Empty(t, list)
	assert.Equal(t, jwt.Event{Kind: jwt.EventSubjectEnded, Subject: "42", Count: 3}, events[len(events)-1])

	_, err = e.p.Refresh(t.Context(), other.Refresh)
	require.NoError(t, err, "another subject's session is unaffected")
	again := e.issue(t)
	_, err = e.p.Refresh(t.Context(), again.Refresh)
	require.NoError(t, err, "a login after the revocation works")
	_, err = e.p.RevokeSubject(t.Context(), "")
	require.ErrorIs(t, err, jwt.ErrMissingSubject)
}

// TestEventsNameSubjectAndSession checks what OnEvent hears of a reuse and
// of a logout: the subject and the session, never a token.
func TestEventsNameSubjectAndSession(t *testing.T) {
	var events []jwt.Event
	e := newPairEnv(t, func(c *jwt.PairConfig) {
		c.Rotate = true
		c.OnEvent = func(_ context.Context, ev jwt.Event) { events = append(events, ev) }
	})
	pair := e.issue(t)
	_, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
	_, err = e.p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrReused)
	other := e.issue(t)
	require.NoError(t, e.p.Revoke(t.Context(), other.Refresh))
	assert.Equal(t, []jwt.Event{
		{Kind: jwt.EventReuse, Subject: "42", Session: sid(t, pair.Refresh)},
		{Kind: jwt.EventSessionEnded, Subject: "42", Session: sid(t, other.Refresh)},
	}, events)
}

// TestDefaultReuseGrace pins the default grace: 10 seconds.
func TestDefaultReuseGrace(t *testing.T) {
	clock := newFakeClock()
	p, err := jwt.NewPairs(jwt.PairConfig{Signer: pairKey(t), Rotate: true, Expect: jwt.Expect{Now: clock.Now}})
	require.NoError(t, err)
	pair, err := p.Issue(t.Context(), "42", nil)
	require.NoError(t, err)
	_, err = p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
	clock.Advance(jwt.DefaultReuseGrace - time.Nanosecond)
	_, err = p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
	clock.Advance(time.Nanosecond)
	_, err = p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrReused)
	assert.Equal(t, 10*time.Second, jwt.DefaultReuseGrace)

	_, err = jwt.NewPairs(jwt.PairConfig{Signer: pairKey(t), ReuseGrace: time.Second, NoReuseGrace: true})
	require.ErrorIs(t, err, jwt.ErrConfig, "a grace and no grace")
}
