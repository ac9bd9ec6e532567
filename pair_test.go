package jwt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var pairSecret = []byte("pair-test-secret-of-thirty-two-b")

func pairKey(t testing.TB) *jwt.HMAC {
	t.Helper()
	k, err := jwt.NewHMAC(jwt.HS256, pairSecret)
	require.NoError(t, err)
	return k
}

// pairEnv is a Pairs with its clock and its store.
type pairEnv struct {
	p     *jwt.Pairs
	clock *fakeClock
	store *jwt.MemoryStore
	key   *jwt.HMAC
}

func newPairEnv(t testing.TB, mod func(*jwt.PairConfig)) *pairEnv {
	t.Helper()
	clock := newFakeClock()
	store := &jwt.MemoryStore{Now: clock.Now}
	// No grace unless a test sets one, so that a second use is reuse.
	cfg := jwt.PairConfig{Signer: pairKey(t), Store: store, Expect: jwt.Expect{Now: clock.Now}, NoReuseGrace: true}
	if mod != nil {
		mod(&cfg)
	}
	if cfg.ReuseGrace != 0 {
		cfg.NoReuseGrace = false
	}
	p, err := jwt.NewPairs(cfg)
	require.NoError(t, err)
	return &pairEnv{p: p, clock: clock, store: store, key: pairKey(t)}
}

func (e *pairEnv) issue(t testing.TB) jwt.Pair {
	t.Helper()
	pair, err := e.p.Issue(context.Background(), "42", nil)
	require.NoError(t, err)
	return pair
}

// session records in the store a session of subject "42" whose current
// refresh token is jti, as Issue would: crafted tokens of that session and
// id pass the Store.
func (e *pairEnv) session(t testing.TB, sid, jti string) {
	t.Helper()
	now := e.clock.Now()
	require.NoError(t, e.store.Create(t.Context(), jwt.Session{ID: sid, Subject: "42", Created: now, Refreshed: now, Expires: now.Add(48 * time.Hour), Token: jti}))
}

// sign makes a token with exactly claims, signed with the test key.
func (e *pairEnv) sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	tok, err := jwt.Sign(e.key, claims)
	require.NoError(t, err)
	return tok
}

// payload returns the claims of a token, numbers as json.Number.
func payload(t testing.TB, tok string) map[string]any {
	t.Helper()
	u, err := jwt.DecodeUnverified(tok)
	require.NoError(t, err)
	d := json.NewDecoder(bytes.NewReader(u.Payload))
	d.UseNumber()
	var m map[string]any
	require.NoError(t, d.Decode(&m))
	return m
}

func num(t testing.TB, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	require.True(t, ok, "not a number: %v", v)
	i, err := n.Int64()
	require.NoError(t, err)
	return i
}

var hex32 = regexp.MustCompile(`^[0-9a-f]{32}$`)

func TestNewPairsDefaults(t *testing.T) {
	e := newPairEnv(t, nil)
	pair := e.issue(t)
	now := e.clock.Now().Unix()
	r, a := payload(t, pair.Refresh), payload(t, pair.Access)

	assert.Equal(t, now+int64((24*time.Hour).Seconds()), num(t, r["exp"]), "RefreshTTL defaults to 24 hours")
	assert.Equal(t, now+int64((5*time.Minute).Seconds()), num(t, a["exp"]), "AccessTTL defaults to 5 minutes")
	assert.Equal(t, "42", r["sub"], `SubjectClaim defaults to "sub"`)
	assert.Equal(t, "refresh", r["token_type"], `TokenTypeClaim defaults to "token_type"`)
	assert.Regexp(t, hex32, r["jti"], `IDClaim defaults to "jti"`)
	assert.Regexp(t, hex32, r["sid"], `SessionClaim defaults to "sid"`)
	assert.Equal(t, now, num(t, r[jwt.AuthTimeClaim]))
	assert.NotContains(t, r, "iss", "no Issuer: no iss")
	assert.NotContains(t, r, "aud", "no Audience: no aud")

	// Rotate defaults to false: the same refresh token works again, and
	// no new refresh token is returned.
	for range 3 {
		got, err := e.p.Refresh(t.Context(), pair.Refresh)
		require.NoError(t, err)
		assert.Empty(t, got.Refresh)
	}
	// SessionTTL defaults to none: a day later the login still refreshes
	// with a rotating manager.
	rot := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate = true })
	tok := rot.issue(t).Refresh
	for range 10 {
		rot.clock.Advance(20 * time.Hour)
		got, err := rot.p.Refresh(t.Context(), tok)
		require.NoError(t, err)
		tok = got.Refresh
	}
}

func TestNewPairsDefaultStore(t *testing.T) {
	clock := newFakeClock()
	newPairs := func() *jwt.Pairs {
		p, err := jwt.NewPairs(jwt.PairConfig{Signer: pairKey(t), Expect: jwt.Expect{Now: clock.Now}}) // Store nil
		require.NoError(t, err)
		return p
	}
	p1, p2 := newPairs(), newPairs()
	pair, err := p1.Issue(t.Context(), "42", nil)
	require.NoError(t, err)
	require.NoError(t, p1.Revoke(t.Context(), pair.Refresh))

	_, err = p1.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "the default store keeps revocations")
	_, err = p2.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "each Pairs gets a store of its own, which does not hold the other's sessions")
}

func TestNewPairsKeys(t *testing.T) {
	other, err := jwt.NewHMAC(jwt.HS256, []byte("another-secret-thirty-two-bytes!"))
	require.NoError(t, err)
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Keys = other })
	pair := e.issue(t)
	_, err = e.p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrSignature, "Keys, when set, is what verifies")
}

// signerOnly is a Signer that is not Keys.
type signerOnly struct{ jwt.Signer }

func TestNewPairsConfigErrors(t *testing.T) {
	key := pairKey(t)
	tests := []struct {
		name string
		cfg  jwt.PairConfig
	}{
		{name: "no signer", cfg: jwt.PairConfig{}},
		{name: "signer is not keys", cfg: jwt.PairConfig{Signer: signerOnly{key}}},
		{name: "negative access ttl", cfg: jwt.PairConfig{Signer: key, AccessTTL: -1}},
		{name: "negative refresh ttl", cfg: jwt.PairConfig{Signer: key, RefreshTTL: -1}},
		{name: "negative session ttl", cfg: jwt.PairConfig{Signer: key, SessionTTL: -1}},
		{name: "negative grace", cfg: jwt.PairConfig{Signer: key, ReuseGrace: -1}},
		{name: "negative leeway", cfg: jwt.PairConfig{Signer: key, Expect: jwt.Expect{Leeway: -1}}},
		{name: "type claim is exp", cfg: jwt.PairConfig{Signer: key, TokenTypeClaim: "exp"}},
		{name: "id claim is sid", cfg: jwt.PairConfig{Signer: key, IDClaim: "sid"}},
		{name: "session claim is auth_time", cfg: jwt.PairConfig{Signer: key, SessionClaim: "auth_time"}},
		{name: "subject claim is token_type", cfg: jwt.PairConfig{Signer: key, SubjectClaim: "token_type"}},
		{name: "subject claim is jti", cfg: jwt.PairConfig{Signer: key, SubjectClaim: "jti"}},
		{name: "type claim is sub", cfg: jwt.PairConfig{Signer: key, TokenTypeClaim: "sub"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := jwt.NewPairs(tt.cfg)
			require.ErrorIs(t, err, jwt.ErrConfig)
			assert.Nil(t, p)
		})
	}
	_, err := jwt.NewPairs(jwt.PairConfig{Signer: signerOnly{key}, Keys: key})
	require.NoError(t, err, "a Signer that is not Keys works with Keys set")
}

func TestIssue(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) {
		c.Expect.Issuer, c.Expect.Audience = "auth", jwt.Audience{"api"}
		c.AccessTTL, c.RefreshTTL = time.Minute, time.Hour
	})
	pair, err := e.p.Issue(t.Context(), "7", map[string]any{"role": "admin", "n": 3})
	require.NoError(t, err)
	now := e.clock.Now().Unix()
	r, a := payload(t, pair.Refresh), payload(t, pair.Access)

	assert.Equal(t, "refresh", r["token_type"])
	assert.Equal(t, "access", a["token_type"])
	assert.Equal(t, now, num(t, r["iat"]))
	assert.Equal(t, now, num(t, a["iat"]))
	assert.Equal(t, now+3600, num(t, r["exp"]))
	assert.Equal(t, now+60, num(t, a["exp"]))
	assert.Regexp(t, hex32, r["jti"])
	assert.Regexp(t, hex32, a["jti"])
	assert.NotEqual(t, r["jti"], a["jti"], "each token has its own id")
	assert.NotEqual(t, r["jti"], r["sid"])
	for _, c := range []map[string]any{r, a} {
		assert.Equal(t, "7", c["sub"])
		assert.Equal(t, r["sid"], c["sid"], "the tokens of a login share a session")
		assert.Equal(t, "auth", c["iss"])
		assert.Equal(t, "api", c["aud"])
		assert.Equal(t, "admin", c["role"])
		assert.Equal(t, json.Number("3"), c["n"])
		assert.Equal(t, now, num(t, c[jwt.AuthTimeClaim]))
	}
	assert.Len(t, a, len(r), "the access token has the refresh token's claims and no more")

	again, err := e.p.Issue(t.Context(), "7", nil)
	require.NoError(t, err)
	assert.NotEqual(t, r["sid"], payload(t, again.Refresh)["sid"], "every login starts a new session")
}

func TestIssueErrors(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.SubjectClaim = "user_id" })
	tests := []struct {
		name    string
		subject string
		extra   map[string]any
		want    error
	}{
		{name: "empty subject", subject: "", want: jwt.ErrMissingSubject},
		{name: "extra exp", subject: "1", extra: map[string]any{"exp": 1}, want: jwt.ErrReservedClaim},
		{name: "extra iat", subject: "1", extra: map[string]any{"iat": 1}, want: jwt.ErrReservedClaim},
		{name: "extra nbf", subject: "1", extra: map[string]any{"nbf": 1}, want: jwt.ErrReservedClaim},
		{name: "extra jti", subject: "1", extra: map[string]any{"jti": "x"}, want: jwt.ErrReservedClaim},
		{name: "extra iss", subject: "1", extra: map[string]any{"iss": "x"}, want: jwt.ErrReservedClaim},
		{name: "extra aud", subject: "1", extra: map[string]any{"aud": "x"}, want: jwt.ErrReservedClaim},
		{name: "extra sub", subject: "1", extra: map[string]any{"sub": "x"}, want: jwt.ErrReservedClaim},
		{name: "extra token_type", subject: "1", extra: map[string]any{"token_type": "access"}, want: jwt.ErrReservedClaim},
		{name: "extra sid", subject: "1", extra: map[string]any{"sid": "x"}, want: jwt.ErrReservedClaim},
		{name: "extra auth_time", subject: "1", extra: map[string]any{"auth_time": 1}, want: jwt.ErrReservedClaim},
		{name: "extra subject claim", subject: "1", extra: map[string]any{"user_id": "2"}, want: jwt.ErrReservedClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pair, err := e.p.Issue(t.Context(), tt.subject, tt.extra)
			require.ErrorIs(t, err, tt.want)
			assert.Equal(t, jwt.Pair{}, pair)
		})
	}
}

func TestSubjectClaimUserID(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.SubjectClaim = "user_id" })
	pair, err := e.p.Issue(t.Context(), "1", nil)
	require.NoError(t, err)
	r := payload(t, pair.Refresh)
	assert.Equal(t, "1", r["user_id"], "written as a JSON string, as SimpleJWT 5.5.1 does")
	assert.NotContains(t, r, "sub")

	// A refresh token of an older SimpleJWT holds the id as a number.
	now := e.clock.Now().Unix()
	e.session(t, "s-old", "0123456789abcdef0123456789abcdef")
	old := e.sign(t, map[string]any{"token_type": "refresh", "exp": now + 60, "iat": now, "jti": "0123456789abcdef0123456789abcdef", "sid": "s-old", "user_id": 1})
	got, err := e.p.Refresh(t.Context(), old)
	require.NoError(t, err)
	assert.Equal(t, json.Number("1"), payload(t, got.Access)["user_id"], "copied as it is")

	bad := e.sign(t, map[string]any{"token_type": "refresh", "exp": now + 60, "jti": "0123456789abcdef0123456789abcdef", "sid": "s-old", "user_id": true})
	_, err = e.p.Refresh(t.Context(), bad)
	require.ErrorIs(t, err, jwt.ErrMalformed, "a subject that is neither string nor number")
}

func TestCustomClaimNames(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) {
		c.Rotate = true
		c.TokenTypeClaim, c.IDClaim, c.SessionClaim = "kind", "tid", "session"
	})
	pair := e.issue(t)
	r := payload(t, pair.Refresh)
	assert.Equal(t, "refresh", r["kind"])
	assert.Regexp(t, hex32, r["tid"])
	assert.Regexp(t, hex32, r["session"])
	for _, name := range []string{"token_type", "jti", "sid"} {
		assert.NotContains(t, r, name)
	}
	next, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
	_, err = e.p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrReused, "the id claim of its configured name is consumed")
	_, err = e.p.Refresh(t.Context(), next.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "the session claim of its configured name is revoked")
}

func TestRefreshWithoutRotation(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Expect.Issuer = "auth" })
	pair, err := e.p.Issue(t.Context(), "42", map[string]any{"role": "admin"})
	require.NoError(t, err)
	r := payload(t, pair.Refresh)

	for i := range 3 {
		e.clock.Advance(time.Hour)
		got, err := e.p.Refresh(t.Context(), pair.Refresh)
		require.NoError(t, err, "use %d", i)
		assert.Empty(t, got.Refresh, "no new refresh token without rotation")
		a := payload(t, got.Access)
		now := e.clock.Now().Unix()
		assert.Equal(t, "access", a["token_type"])
		assert.Equal(t, now, num(t, a["iat"]), "iat is the time of the refresh")
		assert.Equal(t, now+300, num(t, a["exp"]))
		assert.Regexp(t, hex32, a["jti"])
		assert.NotEqual(t, r["jti"], a["jti"])
		for _, name := range []string{"sub", "sid", "iss", "role", jwt.AuthTimeClaim} {
			assert.Equal(t, r[name], a[name], "access copies %s", name)
		}
		require.NoError(t, e.p.VerifyAccess(t.Context(), got.Access, nil))
	}
	e.clock.Advance(21 * time.Hour)
	_, err = e.p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrExpired, "the refresh token's expiry never moves")
}

func TestRefreshWithRotation(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate = true })
	pair, err := e.p.Issue(t.Context(), "42", map[string]any{"role": "admin"})
	require.NoError(t, err)
	first := payload(t, pair.Refresh)

	tok := pair.Refresh
	for i := range 3 {
		e.clock.Advance(time.Hour)
		got, err := e.p.Refresh(t.Context(), tok)
		require.NoError(t, err, "rotation %d", i)
		require.NotEmpty(t, got.Refresh)
		r, a := payload(t, got.Refresh), payload(t, got.Access)
		now := e.clock.Now().Unix()
		assert.Equal(t, "refresh", r["token_type"])
		assert.Equal(t, now, num(t, r["iat"]))
		assert.Equal(t, now+24*3600, num(t, r["exp"]), "rotation slides the refresh expiry")
		assert.NotEqual(t, payload(t, tok)["jti"], r["jti"])
		assert.NotEqual(t, r["jti"], a["jti"])
		for _, name := range []string{"sub", "sid", "role", jwt.AuthTimeClaim} {
			assert.Equal(t, first[name], r[name], "the new refresh token keeps %s", name)
			assert.Equal(t, first[name], a[name], "the access token copies %s", name)
		}
		tok = got.Refresh
	}
}

func TestReplayedRotatedRefreshTokenRevokesSession(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate = true })
	stolen := e.issue(t)
	other := e.issue(t) // another login of the same user

	next, err := e.p.Refresh(t.Context(), stolen.Refresh)
	require.NoError(t, err)
	later, err := e.p.Refresh(t.Context(), next.Refresh)
	require.NoError(t, err)

	e.clock.Advance(time.Minute)
	_, err = e.p.Refresh(t.Context(), stolen.Refresh)
	require.ErrorIs(t, err, jwt.ErrReused)
	require.ErrorIs(t, err, jwt.ErrRevoked)

	_, err = e.p.Refresh(t.Context(), later.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "later refresh tokens of the login stop working")
	ses, err := e.store.Session(t.Context(), payload(t, stolen.Refresh)["sid"].(string))
	require.NoError(t, err)
	assert.True(t, ses.Ended)

	_, err = e.p.Refresh(t.Context(), other.Refresh)
	require.NoError(t, err, "other logins are unaffected")
}

func TestReuseGrace(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate, c.ReuseGrace = true, 10*time.Second })
	pair := e.issue(t)
	first, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)

	e.clock.Advance(9 * time.Second)
	retry, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err, "within the grace window")
	assert.Equal(t, first.Refresh, retry.Refresh, "a retry gets the refresh token of the first use, signed anew")
	assert.Equal(t, payload(t, first.Refresh)["sid"], payload(t, retry.Access)["sid"], "and an access token of the session")
	require.NoError(t, e.p.VerifyAccess(t.Context(), retry.Access, nil))

	e.clock.Advance(time.Second)
	_, err = e.p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrReused, "once the grace window has passed")
	_, err = e.p.Refresh(t.Context(), first.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "the reuse revoked the session")
}

func TestReuseGraceDoesNotOutliveSessionRevocation(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate, c.ReuseGrace = true, time.Minute })
	pair := e.issue(t)
	_, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
	require.NoError(t, e.p.RevokeSession(t.Context(), payload(t, pair.Refresh)["sid"].(string)))

	_, err = e.p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked)
	assert.NotErrorIs(t, err, jwt.ErrReused)
}

// recordingStore records the arguments of the Store calls that write.
type recordingStore struct {
	jwt.Store
	mu   sync.Mutex
	args []string
}

func (s *recordingStore) Create(ctx context.Context, ses jwt.Session) error {
	s.mu.Lock()
	s.args = append(s.args, fmt.Sprint(ses))
	s.mu.Unlock()
	return s.Store.Create(ctx, ses)
}

func (s *recordingStore) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	s.mu.Lock()
	s.args = append(s.args, sid, from, to, nonce)
	s.mu.Unlock()
	return s.Store.Refresh(ctx, sid, from, to, nonce, at, expires)
}

// TestStoreHoldsNoTokens checks that the Store is given ids and times,
// never a token: a copy of the Store (a backup, a replica) gives a thief
// nothing to present.
func TestStoreHoldsNoTokens(t *testing.T) {
	clock := newFakeClock()
	store := &recordingStore{Store: &jwt.MemoryStore{Now: clock.Now}}
	p, err := jwt.NewPairs(jwt.PairConfig{Signer: pairKey(t), Store: store, Rotate: true, Expect: jwt.Expect{Now: clock.Now}})
	require.NoError(t, err)
	pair, err := p.Issue(t.Context(), "42", nil)
	require.NoError(t, err)
	got, err := p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
	retry, err := p.Refresh(t.Context(), pair.Refresh) // within the grace
	require.NoError(t, err)

	require.Len(t, store.args, 1+4+4)
	for _, a := range store.args {
		for _, tok := range []string{pair.Access, pair.Refresh, got.Access, got.Refresh, retry.Access} {
			assert.NotContains(t, a, tok)
			assert.NotContains(t, a, tok[strings.LastIndexByte(tok, '.')+1:], "no signature")
		}
	}
}

func TestSessionTTL(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) {
		c.Rotate = true
		c.SessionTTL = 30 * time.Minute
		c.RefreshTTL = 20 * time.Minute
		c.AccessTTL = 5 * time.Minute
		c.Expect.Leeway = time.Minute
	})
	pair := e.issue(t)
	login := e.clock.Now()
	end := login.Add(30 * time.Minute).Unix()
	assert.Equal(t, login.Add(20*time.Minute).Unix(), num(t, payload(t, pair.Refresh)["exp"]), "within the session: RefreshTTL")

	e.clock.Advance(18 * time.Minute)
	got, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
	assert.Equal(t, end, num(t, payload(t, got.Refresh)["exp"]), "rotation never extends the session")
	assert.Equal(t, login.Unix(), num(t, payload(t, got.Refresh)[jwt.AuthTimeClaim]))

	e.clock.Advance(9 * time.Minute) // 27 minutes in
	got, err = e.p.Refresh(t.Context(), got.Refresh)
	require.NoError(t, err)
	assert.Equal(t, end, num(t, payload(t, got.Refresh)["exp"]))
	assert.Equal(t, end, num(t, payload(t, got.Access)["exp"]), "nor does an access token outlive it")

	e.clock.Advance(3*time.Minute + 30*time.Second) // past the end, within the leeway
	_, err = e.p.Refresh(t.Context(), got.Refresh)
	require.ErrorIs(t, err, jwt.ErrSessionExpired, "after the session's end, refresh is refused")

	e.clock.Advance(time.Minute)
	_, err = e.p.Refresh(t.Context(), got.Refresh)
	require.ErrorIs(t, err, jwt.ErrExpired)
}

func TestSessionTTLRequiresAuthTime(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.SessionTTL = time.Hour })
	now := e.clock.Now().Unix()
	e.session(t, "s", "0123456789abcdef0123456789abcdef")
	tok := e.sign(t, map[string]any{"token_type": "refresh", "exp": now + 60, "iat": now, "jti": "0123456789abcdef0123456789abcdef", "sid": "s", "sub": "1"})
	_, err := e.p.Refresh(t.Context(), tok)
	require.ErrorIs(t, err, jwt.ErrSessionExpired, "a refresh token that does not say when its session began")
}

func TestAccessTokenUsedAsRefreshToken(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate = rotate })
		pair := e.issue(t)
		_, err := e.p.Refresh(t.Context(), pair.Access)
		require.ErrorIs(t, err, jwt.ErrWrongTokenType, "rotate=%v", rotate)
		require.ErrorIs(t, e.p.Revoke(t.Context(), pair.Access), jwt.ErrWrongTokenType, "an access token cannot be revoked")
	}
}

type pairRoleClaims struct {
	jwt.Claims
	Role string `json:"role"`
	Sid  string `json:"sid"`
}

func TestRefreshTokenUsedAsAccessToken(t *testing.T) {
	e := newPairEnv(t, nil)
	pair, err := e.p.Issue(t.Context(), "42", map[string]any{"role": "admin"})
	require.NoError(t, err)
	c := pairRoleClaims{Role: "stale"}
	require.ErrorIs(t, e.p.VerifyAccess(t.Context(), pair.Refresh, &c), jwt.ErrWrongTokenType)
	assert.Equal(t, pairRoleClaims{}, c, "nothing of a refused token is left in dst")
}

func TestVerifyAccess(t *testing.T) {
	e := newPairEnv(t, nil)
	pair, err := e.p.Issue(t.Context(), "42", map[string]any{"role": "admin"})
	require.NoError(t, err)
	var c pairRoleClaims
	require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, &c))
	assert.Equal(t, "42", c.Subject)
	assert.Equal(t, "admin", c.Role)
	assert.Equal(t, payload(t, pair.Access)["sid"], c.Sid)

	var m map[string]any
	require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, &m))
	assert.Equal(t, "access", m["token_type"])

	e.clock.Advance(5 * time.Minute)
	require.ErrorIs(t, e.p.VerifyAccess(t.Context(), pair.Access, nil), jwt.ErrExpired)
}

func TestCaseFoldedClaimIsRefused(t *testing.T) {
	e := newPairEnv(t, nil)
	pair, err := e.p.Issue(t.Context(), "42", map[string]any{"ROLE": "admin"})
	require.NoError(t, err)
	var c pairRoleClaims
	require.ErrorIs(t, e.p.VerifyAccess(t.Context(), pair.Access, &c), jwt.ErrMalformed,
		"ROLE must not be read as role")
	assert.Empty(t, c.Role)
}

func TestIssuerAndAudience(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Expect.Issuer, c.Expect.Audience = "auth", jwt.Audience{"api"} })
	pair := e.issue(t)
	tests := []struct {
		name     string
		issuer   string
		audience string
		want     error
	}{
		{name: "same", issuer: "auth", audience: "api"},
		{name: "other issuer", issuer: "other", audience: "api", want: jwt.ErrIssuer},
		{name: "other audience", issuer: "auth", audience: "web", want: jwt.ErrAudience},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := jwt.NewPairs(jwt.PairConfig{Signer: pairKey(t), Store: e.store, Expect: jwt.Expect{Now: e.clock.Now, Issuer: tt.issuer, Audience: jwt.Audience{tt.audience}}})
			require.NoError(t, err)
			err = p.VerifyAccess(t.Context(), pair.Access, nil)
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.want)
			}
			_, err = p.Refresh(t.Context(), pair.Refresh)
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func TestLeeway(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Expect.Leeway = 30 * time.Second })
	pair := e.issue(t)
	e.clock.Advance(5*time.Minute + 29*time.Second)
	require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, nil))
	e.clock.Advance(time.Second)
	require.ErrorIs(t, e.p.VerifyAccess(t.Context(), pair.Access, nil), jwt.ErrExpired)
}

// TestTokenCheckOrder pins the order of contract §2: decoding, signature
// and time first, then the blacklist (refresh only), then exp, jti, type.
func TestTokenCheckOrder(t *testing.T) {
	e := newPairEnv(t, nil)
	now := e.clock.Now().Unix()
	const jti = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		claims  map[string]any
		revoked bool
		op      string // refresh, revoke, access, any
		want    error
	}{
		{name: "expired and revoked: expired", claims: map[string]any{"token_type": "refresh", "exp": now, "jti": "a1"}, revoked: true, op: "refresh", want: jwt.ErrExpired},
		{name: "revoked without type: revoked", claims: map[string]any{"exp": now + 60, "jti": "a2"}, revoked: true, op: "refresh", want: jwt.ErrRevoked},
		{name: "revoked without exp: revoked", claims: map[string]any{"token_type": "refresh", "jti": "a3"}, revoked: true, op: "refresh", want: jwt.ErrRevoked},
		{name: "access token of an ended session on refresh: wrong type", claims: map[string]any{"token_type": "access", "exp": now + 60, "jti": "a4"}, revoked: true, op: "refresh", want: jwt.ErrWrongTokenType},
		{name: "access token of an ended session on logout: wrong type", claims: map[string]any{"token_type": "access", "exp": now + 60, "jti": "a8"}, revoked: true, op: "revoke", want: jwt.ErrWrongTokenType},
		{name: "revoked without exp on logout: revoked", claims: map[string]any{"token_type": "refresh", "jti": "a5"}, revoked: true, op: "revoke", want: jwt.ErrRevoked},
		{name: "no exp, no jti, no type", claims: map[string]any{}, op: "refresh", want: jwt.ErrMissingExpiry},
		{name: "no jti, no type", claims: map[string]any{"exp": now + 60}, op: "refresh", want: jwt.ErrMissingID},
		{name: "empty jti", claims: map[string]any{"exp": now + 60, "jti": "", "token_type": "refresh"}, op: "refresh", want: jwt.ErrMissingID},
		{name: "no type", claims: map[string]any{"exp": now + 60, "jti": jti}, op: "refresh", want: jwt.ErrMissingTokenType},
		{name: "type not a string", claims: map[string]any{"exp": now + 60, "jti": jti, "token_type": 1}, op: "refresh", want: jwt.ErrWrongTokenType},
		{name: "no type on logout", claims: map[string]any{"exp": now + 60, "jti": jti}, op: "revoke", want: jwt.ErrMissingTokenType},
		{name: "no type as access", claims: map[string]any{"exp": now + 60, "jti": jti}, op: "access", want: jwt.ErrMissingTokenType},
		{name: "no jti as access", claims: map[string]any{"exp": now + 60, "token_type": "access"}, op: "access", want: jwt.ErrMissingID},
		{name: "no exp as access", claims: map[string]any{"jti": jti, "token_type": "access"}, op: "access", want: jwt.ErrMissingExpiry},
		{name: "jti not a string", claims: map[string]any{"exp": now + 60, "jti": 5, "token_type": "refresh"}, op: "refresh", want: jwt.ErrMalformed},
		{name: "sid not a string", claims: map[string]any{"exp": now + 60, "jti": jti, "sid": 5, "token_type": "refresh"}, op: "refresh", want: jwt.ErrMalformed},
		{name: "issued in the future", claims: map[string]any{"exp": now + 60, "iat": now + 40, "jti": jti, "token_type": "refresh"}, op: "refresh", want: jwt.ErrIssuedInFuture},
		{name: "any type: no type is fine", claims: map[string]any{"exp": now + 60, "jti": jti}, op: "any"},
		{name: "any type: revoked without exp: no exp", claims: map[string]any{"jti": "a6"}, revoked: true, op: "any", want: jwt.ErrMissingExpiry},
		{name: "any type: revoked", claims: map[string]any{"exp": now + 60, "jti": "a7"}, revoked: true, op: "any", want: jwt.ErrRevoked},
		{name: "no session", claims: map[string]any{"exp": now + 60, "jti": jti, "token_type": "refresh", "sid": nil}, op: "refresh", want: jwt.ErrMissingID},
		{name: "no session on logout", claims: map[string]any{"exp": now + 60, "jti": jti, "token_type": "refresh", "sid": nil}, op: "revoke", want: jwt.ErrMissingID},
		{name: "no session as any type", claims: map[string]any{"exp": now + 60, "jti": jti, "sid": nil}, op: "any", want: jwt.ErrMissingID},
		{name: "a session the store does not hold", claims: map[string]any{"exp": now + 60, "jti": jti, "token_type": "refresh", "sid": "unknown"}, op: "refresh", want: jwt.ErrRevoked},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Each token has a session of its own, live or ended, unless
			// the case says otherwise.
			sid, set := tt.claims["sid"]
			switch {
			case set && sid == nil:
				delete(tt.claims, "sid")
			case !set:
				tt.claims["sid"] = fmt.Sprintf("s%d", i)
				id, _ := tt.claims["jti"].(string)
				if id == "" {
					id = "none" // a session always has a current token
				}
				e.session(t, fmt.Sprintf("s%d", i), id)
				if tt.revoked {
					require.NoError(t, e.store.End(t.Context(), fmt.Sprintf("s%d", i), time.Time{}))
				}
			}
			tok := e.sign(t, tt.claims)
			var err error
			switch tt.op {
			case "refresh":
				_, err = e.p.Refresh(t.Context(), tok)
			case "revoke":
				err = e.p.Revoke(t.Context(), tok)
			case "access":
				err = e.p.VerifyAccess(t.Context(), tok, nil)
			case "any":
				err = e.p.VerifyAnyType(t.Context(), tok, nil)
			}
			if tt.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func TestForgedTokens(t *testing.T) {
	e := newPairEnv(t, nil)
	pair := e.issue(t)
	forger, err := jwt.NewHMAC(jwt.HS256, []byte("forger-secret-thirty-two-bytes!!"))
	require.NoError(t, err)
	forged, err := jwt.Sign(forger, payload(t, pair.Refresh))
	require.NoError(t, err)
	hs512, err := jwt.NewHMAC(jwt.HS512, append(pairSecret, pairSecret...))
	require.NoError(t, err)
	otherAlg, err := jwt.Sign(hs512, payload(t, pair.Refresh))
	require.NoError(t, err)

	tests := []struct {
		name  string
		token string
		want  error
	}{
		{name: "bad signature", token: forged, want: jwt.ErrSignature},
		{name: "wrong algorithm", token: otherAlg, want: jwt.ErrAlgorithm},
		{name: "garbage", token: "not.a.token", want: jwt.ErrMalformed},
		{name: "empty", token: "", want: jwt.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.p.Refresh(t.Context(), tt.token)
			require.ErrorIs(t, err, tt.want)
			require.ErrorIs(t, e.p.Revoke(t.Context(), tt.token), tt.want)
			require.ErrorIs(t, e.p.VerifyAnyType(t.Context(), tt.token, nil), tt.want)
			require.ErrorIs(t, e.p.VerifyAccess(t.Context(), tt.token, nil), tt.want)
		})
	}
}

func TestRevoke(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		t.Run(map[bool]string{false: "no rotation", true: "rotation"}[rotate], func(t *testing.T) {
			e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate = rotate })
			pair := e.issue(t)
			other := e.issue(t)
			require.NoError(t, e.p.Revoke(t.Context(), pair.Refresh))

			_, err := e.p.Refresh(t.Context(), pair.Refresh)
			require.ErrorIs(t, err, jwt.ErrRevoked, "a logged-out refresh token")
			assert.NotErrorIs(t, err, jwt.ErrReused, "a logout is not a reuse")
			ses, err := e.store.Session(t.Context(), payload(t, pair.Refresh)["sid"].(string))
			require.NoError(t, err)
			assert.True(t, ses.Ended, "the logout ended the session")

			require.ErrorIs(t, e.p.Revoke(t.Context(), pair.Refresh), jwt.ErrRevoked, "revoking twice")
			require.ErrorIs(t, e.p.VerifyAnyType(t.Context(), pair.Refresh, nil), jwt.ErrRevoked)
			require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, nil), "the access token stays valid after logout")
			require.NoError(t, e.p.VerifyAnyType(t.Context(), pair.Access, nil), "the access token stays valid after logout")
			_, err = e.p.Refresh(t.Context(), other.Refresh)
			require.NoError(t, err, "other refresh tokens are unaffected")
		})
	}
}

func TestRevokeUnknownButValidToken(t *testing.T) {
	e := newPairEnv(t, nil)
	now := e.clock.Now().Unix()
	tok := e.sign(t, map[string]any{"token_type": "refresh", "exp": now + 60, "jti": "0123456789abcdef0123456789abcdef", "sid": "unknown"})
	require.NoError(t, e.p.Revoke(t.Context(), tok), "any validly signed refresh token can be revoked, its session unknown to the store")
	_, err := e.p.Refresh(t.Context(), tok)
	require.ErrorIs(t, err, jwt.ErrRevoked)
}

func TestRevokeExpired(t *testing.T) {
	e := newPairEnv(t, nil)
	pair := e.issue(t)
	e.clock.Advance(24 * time.Hour)
	require.ErrorIs(t, e.p.Revoke(t.Context(), pair.Refresh), jwt.ErrExpired)
}

func TestRevokeSession(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate = true })
	pair := e.issue(t)
	other := e.issue(t)
	sid := payload(t, pair.Refresh)["sid"].(string)

	// Rotate late, so that the newest token of the session outlives the
	// first by almost a day.
	e.clock.Advance(23 * time.Hour)
	latest, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
	require.NoError(t, e.p.RevokeSession(t.Context(), sid))

	require.ErrorIs(t, e.p.VerifyAnyType(t.Context(), latest.Refresh, nil), jwt.ErrRevoked)
	require.NoError(t, e.p.VerifyAnyType(t.Context(), latest.Access, nil), "an access token is not looked up without RevokeAccess")
	require.NoError(t, e.p.VerifyAccess(t.Context(), latest.Access, nil), "VerifyAccess asks no store without RevokeAccess")

	e.clock.Advance(23*time.Hour + 59*time.Minute)
	_, err = e.p.Refresh(t.Context(), latest.Refresh)
	require.ErrorIs(t, err, jwt.ErrRevoked, "revoked until the session's last refresh token expires")
	assert.NotErrorIs(t, err, jwt.ErrReused, "refused for its session, not as a reuse")

	e.clock.Advance(-46 * time.Hour)
	_, err = e.p.Refresh(t.Context(), other.Refresh)
	require.NoError(t, err, "other sessions are unaffected")
	require.ErrorIs(t, e.p.RevokeSession(t.Context(), ""), jwt.ErrMissingID)
}

func TestConcurrentRefreshWithRotation(t *testing.T) {
	tests := []struct {
		name      string
		grace     time.Duration
		successes int
	}{
		{name: "no grace: exactly one wins", grace: 0, successes: 1},
		{name: "grace: all get the one result", grace: time.Minute, successes: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate, c.ReuseGrace = true, tt.grace })
			pair := e.issue(t)
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				results = map[string]int{} // by refresh token
				errs    []error
			)
			for range 100 {
				wg.Go(func() {
					got, err := e.p.Refresh(context.Background(), pair.Refresh)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						errs = append(errs, err)
						return
					}
					results[got.Refresh]++
				})
			}
			wg.Wait()
			require.Len(t, results, 1, "one rotation result")
			for _, n := range results {
				assert.Equal(t, tt.successes, n)
			}
			assert.Len(t, errs, 100-tt.successes)
			for _, err := range errs {
				require.ErrorIs(t, err, jwt.ErrRevoked)
			}
		})
	}
}

var errStoreDown = errors.New("store down")

// failingStore is a Store whose named method fails.
type failingStore struct {
	jwt.Store
	fail string
}

func (s *failingStore) Create(ctx context.Context, ses jwt.Session) error {
	if s.fail == "Create" {
		return errStoreDown
	}
	return s.Store.Create(ctx, ses)
}

func (s *failingStore) Session(ctx context.Context, sid string) (jwt.Session, error) {
	if s.fail == "Session" {
		return jwt.Session{}, errStoreDown
	}
	return s.Store.Session(ctx, sid)
}

func (s *failingStore) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	if s.fail == "Refresh" {
		return jwt.Session{}, true, errStoreDown
	}
	return s.Store.Refresh(ctx, sid, from, to, nonce, at, expires)
}

func (s *failingStore) End(ctx context.Context, sid string, expires time.Time) error {
	if s.fail == "End" {
		return errStoreDown
	}
	return s.Store.End(ctx, sid, expires)
}

func (s *failingStore) EndAll(ctx context.Context, subject string) (int, error) {
	if s.fail == "EndAll" {
		return 0, errStoreDown
	}
	return s.Store.EndAll(ctx, subject)
}

func (s *failingStore) List(ctx context.Context, subject string) ([]jwt.Session, error) {
	if s.fail == "List" {
		return nil, errStoreDown
	}
	return s.Store.List(ctx, subject)
}

// TestStoreFailureFailsClosed checks that a Store that fails never lets a
// token through, nor issues one, and that OnEvent hears of it.
func TestStoreFailureFailsClosed(t *testing.T) {
	refresh := func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
		_, err := p.Refresh(context.Background(), pair.Refresh)
		return err
	}
	tests := []struct {
		name   string
		fail   string
		rotate bool
		access bool // RevokeAccess
		op     func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error
	}{
		{name: "issue: Create", fail: "Create", op: func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
			got, err := p.Issue(context.Background(), "42", nil)
			if got != (jwt.Pair{}) {
				return errors.New("a pair issued without its session")
			}
			return err
		}},
		{name: "refresh: Session", fail: "Session", op: refresh},
		{name: "refresh: Refresh", fail: "Refresh", op: refresh},
		{name: "rotating refresh: Refresh", fail: "Refresh", rotate: true, op: refresh},
		{name: "reuse: End", fail: "End", rotate: true, op: func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
			// The token is replaced already in the shared store.
			if _, err := e.p.Refresh(context.Background(), pair.Refresh); err != nil {
				return err
			}
			return refresh(e, p, pair)
		}},
		{name: "verify any type: Session", fail: "Session", op: func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
			return p.VerifyAnyType(context.Background(), pair.Refresh, nil)
		}},
		{name: "verify access: Session", fail: "Session", access: true, op: func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
			return p.VerifyAccess(context.Background(), pair.Access, nil)
		}},
		{name: "logout: Session", fail: "Session", op: func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
			return p.Revoke(context.Background(), pair.Refresh)
		}},
		{name: "logout: End", fail: "End", op: func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
			return p.Revoke(context.Background(), pair.Refresh)
		}},
		{name: "revoke session: End", fail: "End", op: func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
			return p.RevokeSession(context.Background(), "0123456789abcdef0123456789abcdef")
		}},
		{name: "revoke subject: EndAll", fail: "EndAll", op: func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
			_, err := p.RevokeSubject(context.Background(), "42")
			return err
		}},
		{name: "sessions: List", fail: "List", op: func(e *pairEnv, p *jwt.Pairs, pair jwt.Pair) error {
			_, err := p.Sessions(context.Background(), "42")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newPairEnv(t, func(c *jwt.PairConfig) { c.Rotate = tt.rotate })
			var events []jwt.Event
			p, err := jwt.NewPairs(jwt.PairConfig{
				Signer: e.key, Rotate: tt.rotate, RevokeAccess: tt.access, NoReuseGrace: true,
				Store:   &failingStore{Store: e.store, fail: tt.fail},
				Expect:  jwt.Expect{Now: e.clock.Now},
				OnEvent: func(_ context.Context, ev jwt.Event) { events = append(events, ev) },
			})
			require.NoError(t, err)
			pair := e.issue(t)
			require.ErrorIs(t, tt.op(e, p, pair), errStoreDown)
			require.NotEmpty(t, events)
			last := events[len(events)-1]
			assert.Equal(t, jwt.EventStoreError, last.Kind)
			assert.ErrorIs(t, last.Err, errStoreDown)
		})
	}
}

func BenchmarkPairs(b *testing.B) {
	ctx := context.Background()
	b.Run("Issue", func(b *testing.B) {
		e := newPairEnv(b, nil)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.p.Issue(ctx, "42", nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Refresh", func(b *testing.B) {
		e := newPairEnv(b, nil)
		pair := e.issue(b)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.p.Refresh(ctx, pair.Refresh); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RefreshRotate", func(b *testing.B) {
		e := newPairEnv(b, func(c *jwt.PairConfig) { c.Rotate = true })
		tok := e.issue(b).Refresh
		b.ReportAllocs()
		for b.Loop() {
			pair, err := e.p.Refresh(ctx, tok)
			if err != nil {
				b.Fatal(err)
			}
			tok = pair.Refresh
		}
	})
	b.Run("VerifyAccess", func(b *testing.B) {
		e := newPairEnv(b, nil)
		pair := e.issue(b)
		b.ReportAllocs()
		for b.Loop() {
			if err := e.p.VerifyAccess(ctx, pair.Access, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestAttackStaleClaimsPassPolicyPairs is TestAttackStaleClaimsPassPolicy
// for the pair manager: a destination reused for a second token holds
// that token's claims and nothing of the first, on the fast and the
// general paths.
func TestAttackStaleClaimsPassPolicyPairs(t *testing.T) {
	e := newPairEnv(t, nil)
	admin, err := e.p.Issue(t.Context(), "alice", map[string]any{"role": "admin", "tags": []string{"a"}, "profile": map[string]any{"name": "root"}})
	require.NoError(t, err)
	plain, err := e.p.Issue(t.Context(), "mallory", nil)
	require.NoError(t, err)
	verifiers := map[string]func(tok string, dst any) error{
		"VerifyAccess":  func(tok string, dst any) error { return e.p.VerifyAccess(t.Context(), tok, dst) },
		"VerifyAnyType": func(tok string, dst any) error { return e.p.VerifyAnyType(t.Context(), tok, dst) },
		"plain": func(tok string, dst any) error {
			_, err := jwt.PairsParse(e.p, tok, dst, true)
			return err
		},
	}
	for name, verify := range verifiers {
		for _, d := range staleDestinations {
			t.Run(name+"/"+d.name, func(t *testing.T) {
				dst := d.new()
				require.NoError(t, verify(admin.Access, dst))
				require.NoError(t, verify(plain.Access, dst))
				fresh := d.new()
				require.NoError(t, verify(plain.Access, fresh))
				assert.Equal(t, fresh, dst)
			})
		}
	}
}

// TestIssueRefusesTokensTooLargeToVerify stops the pair manager from
// handing out tokens that every later use refuses: a pair whose tokens
// would pass the length cap of verification is refused at issue time.
func TestIssueRefusesTokensTooLargeToVerify(t *testing.T) {
	e := newPairEnv(t, nil)
	_, err := e.p.Issue(t.Context(), "42", map[string]any{"blob": strings.Repeat("x", jwt.DefaultMaxLength)})
	require.ErrorIs(t, err, jwt.ErrTooLarge)

	// The largest extra claim that still fits gives tokens that verify.
	n := sort.Search(jwt.DefaultMaxLength, func(n int) bool {
		_, err := e.p.Issue(t.Context(), "42", map[string]any{"blob": strings.Repeat("x", n)})
		return err != nil
	}) - 1
	pair, err := e.p.Issue(t.Context(), "42", map[string]any{"blob": strings.Repeat("x", n)})
	require.NoError(t, err)
	require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, nil))
	_, err = e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err)
}

// TestRefreshAfterSessionLifetimeIsSessionExpired checks that a refresh
// once the absolute session lifetime has passed reports
// ErrSessionExpired, although the refresh token, capped at the end of the
// session, has expired too.
func TestRefreshAfterSessionLifetimeIsSessionExpired(t *testing.T) {
	e := newPairEnv(t, func(c *jwt.PairConfig) { c.SessionTTL = time.Hour })
	pair := e.issue(t)
	e.clock.Advance(time.Hour)
	_, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrSessionExpired)
	e.clock.Advance(30 * 24 * time.Hour)
	_, err = e.p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrSessionExpired)
}

// TestRefreshRefusedForInactiveAccount stops a deactivated account from
// refreshing through the Go API (SimpleJWT's CHECK_USER_IS_ACTIVE,
// CVE-2024-22513): Active is asked after the token's checks and before it
// is consumed, so a refusal leaves the token usable once the account is
// active again.
func TestRefreshRefusedForInactiveAccount(t *testing.T) {
	active := map[string]bool{"42": true}
	var asked []string
	e := newPairEnv(t, func(c *jwt.PairConfig) {
		c.Rotate = true
		c.Active = func(_ context.Context, sub string) error {
			asked = append(asked, sub)
			if !active[sub] {
				return jwt.ErrNoActiveAccount
			}
			return nil
		}
	})
	pair := e.issue(t)
	active["42"] = false
	_, err := e.p.Refresh(t.Context(), pair.Refresh)
	require.ErrorIs(t, err, jwt.ErrNoActiveAccount)
	active["42"] = true
	_, err = e.p.Refresh(t.Context(), pair.Refresh)
	require.NoError(t, err, "a refused refresh did not consume the token")
	assert.Equal(t, []string{"42", "42"}, asked)

	// A forged token never reaches the hook.
	_, err = e.p.Refresh(t.Context(), pair.Refresh[:len(pair.Refresh)-2]+"AA")
	require.ErrorIs(t, err, jwt.ErrSignature)
	assert.Len(t, asked, 2)
}
