package simplejwt_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/simplejwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testSecret is the HS256 key of the tests' Pairs.
var testSecret = []byte("pair-test-secret-of-thirty-two-b")

func testKey(t testing.TB) *jwt.HMAC {
	t.Helper()
	k, err := jwt.NewHMAC(jwt.HS256, testSecret)
	require.NoError(t, err)
	return k
}

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
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

// fakeUser is an account of fakeAuth.
type fakeUser struct {
	id, password string
	active       bool
}

// fakeAuth is an Authenticator over a fixed set of users, and with its
// Active method the account check of the Pairs. It records the last
// credentials it was given.
type fakeAuth struct {
	users map[string]fakeUser

	mu                 sync.Mutex
	username, password string
}

var errAccountsDown = errors.New("accounts down")

func newFakeAuth() *fakeAuth {
	return &fakeAuth{users: map[string]fakeUser{
		"admin":    {id: "1", password: "admin@123", active: true},
		"inactive": {id: "2", password: "secret", active: false},
		"123":      {id: "3", password: "1.5", active: true},
	}}
}

func (a *fakeAuth) Authenticate(_ context.Context, username, password string) (string, map[string]any, error) {
	a.mu.Lock()
	a.username, a.password = username, password
	a.mu.Unlock()
	switch username {
	case "broken":
		return "", nil, errAccountsDown
	case "throttled":
		return "", nil, simplejwt.RetryAfter(fmt.Errorf("%w: 10 failures", simplejwt.ErrThrottled), 41500*time.Millisecond)
	case "throttled-plain":
		return "", nil, simplejwt.ErrThrottled
	case "busy":
		return "", nil, simplejwt.RetryAfter(jwt.ErrUnavailable, 2*time.Second)
	case "slow":
		return "", nil, context.DeadlineExceeded
	}
	u, ok := a.users[username]
	if !ok || u.password != password || !u.active {
		return "", nil, jwt.ErrNoActiveAccount
	}
	return u.id, nil, nil
}

func (a *fakeAuth) Active(_ context.Context, subject string) error {
	if subject == "500" {
		return errAccountsDown
	}
	for _, u := range a.users {
		if u.id == subject && u.active {
			return nil
		}
	}
	return jwt.ErrNoActiveAccount
}

func (a *fakeAuth) last() (string, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.username, a.password
}

// env is the handler over a SimpleJWT-shaped Pairs, with the Pairs' clock,
// store and key, and the accounts wired as the package documentation
// says: Authenticator for logins, PairConfig.Active for refreshes.
type env struct {
	p     *jwt.Pairs
	clock *fakeClock
	store *jwt.MemoryStore
	key   *jwt.HMAC
	h     *simplejwt.Handler
	auth  *fakeAuth
}

// newEnv makes an env; mod and hmod, when not nil, change the
// configurations before use.
func newEnv(t testing.TB, mod func(*jwt.PairConfig), hmod func(*simplejwt.Config)) *env {
	t.Helper()
	clock := newFakeClock()
	store := &jwt.MemoryStore{Now: clock.Now}
	auth := newFakeAuth()
	pcfg := jwt.PairConfig{
		Signer:       testKey(t),
		Store:        store,
		Expect:       jwt.Expect{Now: clock.Now},
		SubjectClaim: "user_id",
		Active:       auth.Active,
	}
	if mod != nil {
		mod(&pcfg)
	}
	p, err := jwt.NewPairs(pcfg)
	require.NoError(t, err)
	cfg := simplejwt.Config{Pairs: p, Authenticator: auth}
	if hmod != nil {
		hmod(&cfg)
	}
	h, err := simplejwt.NewHandler(cfg)
	require.NoError(t, err)
	return &env{p: p, clock: clock, store: store, key: testKey(t), h: h, auth: auth}
}

// sign makes a token with exactly claims, signed with the test key.
func (e *env) sign(t testing.TB, claims map[string]any) string {
	t.Helper()
	tok, err := jwt.Sign(e.key, claims)
	require.NoError(t, err)
	return tok
}

// live makes a live token: claims and a new session id, signed with the
// test key, with the session recorded in the env's Store as Pairs.Issue
// records it, the token's jti as its current refresh token. A Store keeps
// no session without a subject or a current token: for a token without
// user_id the session's subject is "1", and for one without jti its
// current token is another id.
func (e *env) live(t testing.TB, claims map[string]any) string {
	t.Helper()
	now := e.clock.Now()
	sid := newID(t)
	claims["sid"] = sid
	s := jwt.Session{ID: sid, Subject: "1", Created: now, Refreshed: now, Expires: now.Add(jwt.DefaultRefreshTTL), Token: newID(t)}
	if sub, ok := claims["user_id"]; ok {
		s.Subject = fmt.Sprint(sub)
	}
	if jti, ok := claims["jti"].(string); ok {
		s.Token = jti
	}
	if exp, ok := claims["exp"].(int64); ok {
		s.Expires = time.Unix(exp, 0)
	}
	require.NoError(t, e.store.Create(t.Context(), s))
	return e.sign(t, claims)
}

// newID returns 128 random bits in hex, the form of the ids of Pairs.
func newID(t testing.TB) string {
	t.Helper()
	var b [16]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return hex.EncodeToString(b[:])
}

func (e *env) do(method, path, contentType, body string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *env) postJSON(path string, fields map[string]any) *httptest.ResponseRecorder {
	b, _ := json.Marshal(fields)
	return e.do(http.MethodPost, path, "application/json", string(b), nil)
}

// postJSONTo posts the JSON body to path of h, a Handler other than the
// env's.
func postJSONTo(h http.Handler, path, body string) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(w, r)
	return w
}

// login returns a pair from the obtain route.
func (e *env) login(t testing.TB) jwt.Pair {
	t.Helper()
	w := e.postJSON("/api/token/", map[string]any{"username": "admin", "password": "admin@123"})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var p jwt.Pair
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	return p
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

var errStoreDown = errors.New("store down")

// failingStore is a Store that fails every call with err.
type failingStore struct{ err error }

func (s failingStore) Create(context.Context, jwt.Session) error { return s.err }

func (s failingStore) Session(context.Context, string) (jwt.Session, error) {
	return jwt.Session{}, s.err
}

func (s failingStore) Refresh(context.Context, string, string, string, string, time.Time, time.Time) (jwt.Session, bool, error) {
	return jwt.Session{}, false, s.err
}

func (s failingStore) End(context.Context, string, time.Time) error { return s.err }

func (s failingStore) EndAll(context.Context, string) (int, error) { return 0, s.err }

func (s failingStore) List(context.Context, string) ([]jwt.Session, error) { return nil, s.err }

const (
	bothRequired    = `{"username":["This field is required."],"password":["This field is required."]}`
	badCredentials  = `{"detail":"No active account found with the given credentials"}`
	noActiveAccount = `{"detail":"No active account found for the given token."}`
	serverError     = `{"detail":"A server error occurred."}`
	unavailable     = `{"detail":"Service temporarily unavailable, try again later."}`
)

func tokenErr(msg string) string {
	return `{"detail":"` + msg + `","code":"token_not_valid"}`
}

// assertResponse checks status, exact body and the headers every answer
// of a token route carries.
func assertResponse(t *testing.T, w *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	assert.Equal(t, status, w.Code)
	assert.Equal(t, body, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	if status == http.StatusUnauthorized {
		assert.Equal(t, `Bearer realm="api"`, w.Header().Get("WWW-Authenticate"), "every 401 names the realm")
	} else {
		assert.Empty(t, w.Header().Values("WWW-Authenticate"))
	}
	if status != http.StatusNotFound {
		assert.Equal(t, "POST, OPTIONS", w.Header().Get("Allow"))
	}
}

// TestRouting covers methods, OPTIONS and unknown paths.
func TestRouting(t *testing.T) {
	e := newEnv(t, nil, nil)
	paths := []string{"/api/token/", "/api/token/refresh/", "/api/token/verify/", "/api/token/blacklist/"}
	for _, path := range paths {
		for _, method := range []string{"GET", "PUT", "PATCH", "DELETE"} {
			t.Run(method+" "+path, func(t *testing.T) {
				w := e.do(method, path, "application/json", `{"username":"admin"}`, nil)
				assertResponse(t, w, 405, `{"detail":"Method \"`+method+`\" not allowed."}`)
			})
		}
		t.Run("HEAD "+path, func(t *testing.T) {
			w := e.do(http.MethodHead, path, "", "", nil)
			assert.Equal(t, 405, w.Code)
			assert.Equal(t, "POST, OPTIONS", w.Header().Get("Allow"))
		})
		t.Run("OPTIONS "+path, func(t *testing.T) {
			w := e.do(http.MethodOptions, path, "", "", nil)
			require.Equal(t, 200, w.Code)
			assert.Equal(t, "POST, OPTIONS", w.Header().Get("Allow"))
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			var desc struct {
				Name    string   `json:"name"`
				Renders []string `json:"renders"`
				Parses  []string `json:"parses"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &desc))
			assert.NotEmpty(t, desc.Name)
			assert.Equal(t, []string{"application/json"}, desc.Renders)
			assert.Equal(t, []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}, desc.Parses)
		})
	}
	for _, path := range []string{"/api/token", "/api/token/other/", "/api/", "/", "/api/token/refresh"} {
		t.Run("unknown "+path, func(t *testing.T) {
			w := e.do(http.MethodPost, path, "application/json", `{}`, nil)
			assertResponse(t, w, 404, `{"detail":"Not found."}`)
			assert.Empty(t, w.Header().Values("Allow"))
		})
	}
}

func TestIgnoreAuthorization(t *testing.T) {
	e := newEnv(t, nil, nil)
	pair := e.login(t)
	e.clock.Advance(10 * time.Minute) // pair.Access has expired
	for _, auth := range []string{"garbage", "Bearer " + pair.Access, "Bearer " + pair.Refresh, "Basic YWRtaW46YWRtaW5AMTIz"} {
		t.Run(auth[:min(len(auth), 12)], func(t *testing.T) {
			h := http.Header{"Authorization": {auth}}
			w := e.do(http.MethodPost, "/api/token/", "application/json", `{"username":"admin","password":"admin@123"}`, h)
			assert.Equal(t, 200, w.Code)
			w = e.do(http.MethodPost, "/api/token/refresh/", "application/json", `{"refresh":"`+pair.Refresh+`"}`, h)
			assert.Equal(t, 200, w.Code)
			w = e.do(http.MethodPost, "/api/token/verify/", "application/json", `{}`, h)
			assertResponse(t, w, 400, `{"token":["This field is required."]}`)
		})
	}
}

func TestObtain(t *testing.T) {
	e := newEnv(t, nil, nil)
	w := e.postJSON("/api/token/", map[string]any{"username": "admin", "password": "admin@123"})
	require.Equal(t, 200, w.Code)
	assert.Regexp(t, `^\{"refresh":"[^"]+","access":"[^"]+"\}$`, w.Body.String(), "exactly these two keys, in this order")
	var pair jwt.Pair
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &pair))
	r, a := payload(t, pair.Refresh), payload(t, pair.Access)
	assert.Equal(t, "1", r["user_id"], "user_id is a string")
	assert.Equal(t, "1", a["user_id"])
	assert.Equal(t, "refresh", r["token_type"])
	assert.Equal(t, "access", a["token_type"])
	require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, nil))

	u, err := jwt.DecodeUnverified(pair.Access)
	require.NoError(t, err)
	assert.Equal(t, `{"alg":"HS256","typ":"JWT"}`, string(u.RawHeader))

	again := e.login(t)
	assert.NotEqual(t, r["jti"], payload(t, again.Refresh)["jti"], "every login makes a new pair")
}

// TestObtainRefused: an Authenticator refuses a login for now with
// ErrThrottled (429) or jwt.ErrUnavailable (503), answered as Django REST
// framework answers throttled and unavailable requests, with the wait it
// gives in Retry-After; any other error is 500.
func TestObtainRefused(t *testing.T) {
	e := newEnv(t, nil, nil)
	for _, tt := range []struct {
		username   string
		status     int
		retryAfter string
		want       string
	}{
		{"throttled", 429, "42", `{"detail":"Request was throttled. Expected available in 42 seconds."}`},
		{"throttled-plain", 429, "1", `{"detail":"Request was throttled. Expected available in 1 second."}`},
		{"busy", 503, "2", unavailable},
		{"slow", 503, "1", unavailable},
		{"broken", 500, "", serverError},
	} {
		w := e.postJSON("/api/token/", map[string]any{"username": tt.username, "password": "x"})
		assertResponse(t, w, tt.status, tt.want)
		assert.Equal(t, tt.retryAfter, w.Header().Get("Retry-After"), tt.username)
		assert.Empty(t, w.Header().Get("WWW-Authenticate"), tt.username)
		assert.Equal(t, "no-store", w.Header().Get("Cache-Control"), tt.username)
	}
}

// unavailableKeys is a key set that cannot be had for now, as a remote
// one whose provider is down: its error matches jwt.ErrUnknownKey, so that
// code that knows only that refuses the token, and jwt.ErrUnavailable.
type unavailableKeys struct{}

func (unavailableKeys) VerifierFor(context.Context, jwt.Header) (jwt.Verifier, error) {
	return nil, fmt.Errorf("%w (%w)", jwt.ErrUnavailable, jwt.ErrUnknownKey)
}

// TestKeysUnavailable: a token that cannot be checked for want of its key
// set may be good; it is answered 503, not 401 "Token is invalid".
func TestKeysUnavailable(t *testing.T) {
	e := newEnv(t, nil, nil)
	pair := e.login(t)
	p, err := jwt.NewPairs(jwt.PairConfig{Signer: e.key, Keys: unavailableKeys{}, SubjectClaim: "user_id", Store: e.store, Expect: jwt.Expect{Now: e.clock.Now}})
	require.NoError(t, err)
	h, err := simplejwt.NewHandler(simplejwt.Config{Pairs: p, Authenticator: e.auth})
	require.NoError(t, err)
	for _, tt := range []struct{ path, body string }{
		{"/api/token/refresh/", `{"refresh":"` + pair.Refresh + `"}`},
		{"/api/token/verify/", `{"token":"` + pair.Access + `"}`},
		{"/api/token/blacklist/", `{"refresh":"` + pair.Refresh + `"}`},
	} {
		w := postJSONTo(h, tt.path, tt.body)
		assertResponse(t, w, 503, unavailable)
		assert.Equal(t, "1", w.Header().Get("Retry-After"), tt.path)
	}
}

func TestRetryAfter(t *testing.T) {
	assert.NoError(t, simplejwt.RetryAfter(nil, time.Second), "no error, no wait")
	err := simplejwt.RetryAfter(simplejwt.ErrThrottled, time.Minute)
	assert.ErrorIs(t, err, simplejwt.ErrThrottled)
	assert.Equal(t, simplejwt.ErrThrottled.Error(), err.Error())
}

// tokenCase is a row of the token tables of contract §3.2–3.4.
type tokenCase struct {
	name   string
	token  func(t *testing.T, e *env) string
	field  string // "" means the route's own field
	status int
	want   string
}

// Tokens of the tables, each made fresh in the env of the row.
var (
	validRefresh = func(t *testing.T, e *env) string { return e.login(t).Refresh }
	validAccess  = func(t *testing.T, e *env) string { return e.login(t).Access }
	expired      = func(t *testing.T, e *env) string {
		tok := e.login(t).Refresh
		e.clock.Advance(24 * time.Hour)
		return tok
	}
	expiredAccess = func(t *testing.T, e *env) string {
		tok := e.login(t).Access
		e.clock.Advance(5 * time.Minute)
		return tok
	}
	blacklisted = func(t *testing.T, e *env) string {
		tok := e.login(t).Refresh
		require.Equal(t, 200, e.postJSON("/api/token/blacklist/", map[string]any{"refresh": tok}).Code)
		return tok
	}
	expiredBlacklisted = func(t *testing.T, e *env) string {
		tok := blacklisted(t, e)
		e.clock.Advance(24 * time.Hour)
		return tok
	}
	malformed = func(*testing.T, *env) string { return "abc.def" }
	badBase64 = func(*testing.T, *env) string { return "a=.b.c" }
	badSig    = func(t *testing.T, e *env) string {
		return resign(t, e, "forged", "forger-secret-thirty-two-bytes!!")
	}
	otherAlg = func(t *testing.T, e *env) string {
		return resign(t, e, "hs512", string(append(testSecret, testSecret...)))
	}
	noneAlg = func(t *testing.T, e *env) string { return noneToken(t, e) }
	// craft makes a live token with its own claims: its session is in
	// the Store, as that of a token the Pairs issued.
	craft = func(claims func(now int64) map[string]any) func(*testing.T, *env) string {
		return func(t *testing.T, e *env) string { return e.live(t, claims(e.clock.Now().Unix())) }
	}
	// neverSeen is a validly signed refresh token whose session the
	// Store does not hold: one it never recorded, or lost.
	neverSeen = func(t *testing.T, e *env) string {
		return e.sign(t, map[string]any{"token_type": "refresh", "exp": e.clock.Now().Unix() + 60, "jti": newID(t), "sid": newID(t), "user_id": "1"})
	}
	// noSID is a refresh token without the session claim of Pairs.
	noSID = func(t *testing.T, e *env) string {
		return e.sign(t, map[string]any{"token_type": "refresh", "exp": e.clock.Now().Unix() + 60, "jti": newID(t), "user_id": "1"})
	}
	noExp = craft(func(now int64) map[string]any {
		return map[string]any{"token_type": "refresh", "jti": "0123456789abcdef0123456789abcdef", "user_id": "1"}
	})
	noJTI = craft(func(now int64) map[string]any {
		return map[string]any{"token_type": "refresh", "exp": now + 60, "user_id": "1"}
	})
	noType = craft(func(now int64) map[string]any {
		return map[string]any{"exp": now + 60, "jti": "0123456789abcdef0123456789abcdef", "user_id": "1"}
	})
	numericUser = craft(func(now int64) map[string]any {
		return map[string]any{"token_type": "refresh", "exp": now + 60, "jti": "0123456789abcdef0123456789abcdef", "user_id": 1}
	})
	refreshFor = func(userID any) func(*testing.T, *env) string {
		return craft(func(now int64) map[string]any {
			c := map[string]any{"token_type": "refresh", "exp": now + 60, "jti": "0123456789abcdef0123456789abcdef"}
			if userID != nil {
				c["user_id"] = userID
			}
			return c
		})
	}
)

// resign signs the claims of a fresh refresh token with another key.
func resign(t *testing.T, e *env, alg, secret string) string {
	a := jwt.HS256
	if alg == "hs512" {
		a = jwt.HS512
	}
	k, err := jwt.NewHMAC(a, []byte(secret))
	require.NoError(t, err)
	tok, err := jwt.Sign(k, payload(t, e.login(t).Refresh))
	require.NoError(t, err)
	return tok
}

// noneToken is a fresh refresh token's claims under alg none.
func noneToken(t *testing.T, e *env) string {
	parts := strings.Split(e.login(t).Refresh, ".")
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}

func runTokenCases(t *testing.T, path, field string, mod func(*jwt.PairConfig), tests []tokenCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, mod, nil)
			body := map[string]any{}
			if tt.token != nil {
				body[field] = tt.token(t, e)
			}
			w := e.postJSON(path, body)
			if tt.want == "" {
				require.Equal(t, tt.status, w.Code, w.Body.String())
				return
			}
			assertResponse(t, w, tt.status, tt.want)
		})
	}
}

// The rows every route that takes a token shares.
func commonTokenRows(field string) []tokenCase {
	return []tokenCase{
		{name: "missing", status: 400, want: `{"` + field + `":["This field is required."]}`},
		{name: "blank", token: func(*testing.T, *env) string { return "  " }, status: 400, want: `{"` + field + `":["This field may not be blank."]}`},
		{name: "malformed", token: malformed, status: 401, want: tokenErr("Token is invalid")},
		{name: "not base64url", token: badBase64, status: 401, want: tokenErr("Token is invalid")},
		{name: "bad signature", token: badSig, status: 401, want: tokenErr("Token is invalid")},
		{name: "wrong algorithm", token: otherAlg, status: 401, want: tokenErr("Token is invalid")},
		{name: "alg none", token: noneAlg, status: 401, want: tokenErr("Token is invalid")},
		{name: "expired", token: expired, status: 401, want: tokenErr("Token is expired")},
		{name: "no exp", token: noExp, status: 401, want: tokenErr("Token has no 'exp' claim")},
		{name: "no jti", token: noJTI, status: 401, want: tokenErr("Token has no id")},
		{name: "no session id", token: noSID, status: 401, want: tokenErr("Token has no id")},
	}
}

// TestRefresh covers contract §3.2.
func TestRefresh(t *testing.T) {
	rows := append(commonTokenRows("refresh"),
		tokenCase{name: "valid, no rotation", token: validRefresh, status: 200},
		tokenCase{name: "blacklisted", token: blacklisted, status: 401, want: tokenErr("Token is blacklisted")},
		tokenCase{name: "an access token", token: validAccess, status: 401, want: tokenErr("Token has wrong type")},
		tokenCase{name: "no type", token: noType, status: 401, want: tokenErr("Token has no type")},
		tokenCase{name: "user inactive", token: refreshFor("2"), status: 401, want: noActiveAccount},
		tokenCase{name: "user unknown", token: refreshFor("99"), status: 401, want: noActiveAccount},
		tokenCase{name: "no user_id", token: refreshFor(nil), status: 401, want: noActiveAccount},
		tokenCase{name: "user_id as a number", token: numericUser, status: 200},
		tokenCase{name: "accounts failing", token: refreshFor("500"), status: 500, want: serverError},
	)
	runTokenCases(t, "/api/token/refresh/", "refresh", nil, rows)

	t.Run("no rotation: only access, same token again", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		pair := e.login(t)
		for range 2 {
			w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh})
			require.Equal(t, 200, w.Code)
			assert.Regexp(t, `^\{"access":"[^"]+"\}$`, w.Body.String(), "no refresh key")
		}
	})
	t.Run("rotation: access then refresh, old token blacklisted", func(t *testing.T) {
		// The replaced token, presented again once its grace (if any) has
		// passed, is reuse.
		tests := []struct {
			name string
			mod  func(*jwt.PairConfig)
			wait time.Duration
		}{
			{name: "no grace", mod: func(c *jwt.PairConfig) { c.Rotate, c.NoReuseGrace = true, true }},
			{name: "default grace, past it", mod: func(c *jwt.PairConfig) { c.Rotate = true }, wait: jwt.DefaultReuseGrace},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e := newEnv(t, tt.mod, nil)
				pair := e.login(t)
				w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh})
				require.Equal(t, 200, w.Code)
				assert.Regexp(t, `^\{"access":"[^"]+","refresh":"[^"]+"\}$`, w.Body.String())
				var next jwt.Pair
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &next))

				e.clock.Advance(tt.wait)
				w = e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh})
				assertResponse(t, w, 401, tokenErr("Token is blacklisted"))
				w = e.postJSON("/api/token/refresh/", map[string]any{"refresh": next.Refresh})
				assertResponse(t, w, 401, tokenErr("Token is blacklisted")) // reuse revoked the login's later tokens
			})
		}
	})
	t.Run("a refused user check leaves the token unconsumed", func(t *testing.T) {
		e := newEnv(t, func(c *jwt.PairConfig) { c.Rotate = true }, nil)
		tok := refreshFor("2")(t, e)
		assertResponse(t, e.postJSON("/api/token/refresh/", map[string]any{"refresh": tok}), 401, noActiveAccount)
		e.auth.users["inactive"] = fakeUser{id: "2", password: "secret", active: true}
		w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": tok})
		assert.Equal(t, 200, w.Code, w.Body.String())
	})
	// A Store that cannot answer for now (its errors match
	// jwt.ErrUnavailable, as those of redisstore and sqlstore do) is 503
	// with Retry-After; any other failure of the Store is 500.
	for _, st := range []struct {
		name       string
		err        error
		status     int
		want       string
		retryAfter string
	}{
		{"store unavailable", fmt.Errorf("%w: %w", jwt.ErrUnavailable, errStoreDown), 503, unavailable, "1"},
		{"store failure", errStoreDown, 500, serverError, ""},
	} {
		t.Run(st.name, func(t *testing.T) {
			e := newEnv(t, nil, nil)
			pair := e.login(t)
			p, err := jwt.NewPairs(jwt.PairConfig{Signer: e.key, SubjectClaim: "user_id", Store: failingStore{st.err}, Expect: jwt.Expect{Now: e.clock.Now}, Active: e.auth.Active})
			require.NoError(t, err)
			h, err := simplejwt.NewHandler(simplejwt.Config{Pairs: p, Authenticator: e.auth})
			require.NoError(t, err)
			for _, tt := range []struct{ path, body string }{
				{"/api/token/", `{"username":"admin","password":"admin@123"}`},
				{"/api/token/refresh/", `{"refresh":"` + pair.Refresh + `"}`},
				{"/api/token/verify/", `{"token":"` + pair.Refresh + `"}`},
				{"/api/token/blacklist/", `{"refresh":"` + pair.Refresh + `"}`},
			} {
				w := postJSONTo(h, tt.path, tt.body)
				assert.Equal(t, st.status, w.Code, tt.path)
				assert.Equal(t, st.want, w.Body.String(), tt.path)
				assert.Equal(t, st.retryAfter, w.Header().Get("Retry-After"), tt.path)
			}
		})
	}
}

// TestRefreshAccountCheckIsThePairs pins where the account check of the
// refresh route lives: in PairConfig.Active, so that a refresh through the
// Go API is refused as the route's is, and without it no account is
// checked.
func TestRefreshAccountCheckIsThePairs(t *testing.T) {
	t.Run("Pairs.Refresh is refused too", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		_, err := e.p.Refresh(t.Context(), refreshFor("2")(t, e))
		require.ErrorIs(t, err, jwt.ErrNoActiveAccount)
	})
	t.Run("Active nil: no account check", func(t *testing.T) {
		e := newEnv(t, func(c *jwt.PairConfig) { c.Active = nil }, nil)
		for _, user := range []any{"2", "99"} {
			w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": refreshFor(user)(t, e)})
			assert.Equal(t, 200, w.Code, w.Body.String())
		}
	})
}

// TestVerify covers contract §3.3.
func TestVerify(t *testing.T) {
	rows := append(commonTokenRows("token"),
		tokenCase{name: "valid refresh token", token: validRefresh, status: 200, want: `{}`},
		tokenCase{name: "valid access token", token: validAccess, status: 200, want: `{}`},
		tokenCase{name: "no type: type not checked", token: noType, status: 200, want: `{}`},
		tokenCase{name: "expired access token", token: expiredAccess, status: 401, want: tokenErr("Token is expired")},
		tokenCase{name: "blacklisted", token: blacklisted, status: 400, want: `{"non_field_errors":["Token is blacklisted"]}`},
		tokenCase{name: "expired and blacklisted", token: expiredBlacklisted, status: 401, want: tokenErr("Token is expired")},
		tokenCase{name: "user inactive: not checked", token: refreshFor("2"), status: 200, want: `{}`},
	)
	runTokenCases(t, "/api/token/verify/", "token", nil, rows)
}

// TestBlacklist covers contract §3.4.
func TestBlacklist(t *testing.T) {
	rows := append(commonTokenRows("refresh"),
		tokenCase{name: "valid refresh token", token: validRefresh, status: 200, want: `{}`},
		tokenCase{name: "valid but never seen", token: neverSeen, status: 200, want: `{}`},
		tokenCase{name: "user inactive: not checked", token: refreshFor("2"), status: 200, want: `{}`},
		tokenCase{name: "already blacklisted", token: blacklisted, status: 401, want: tokenErr("Token is blacklisted")},
		tokenCase{name: "an access token", token: validAccess, status: 401, want: tokenErr("Token has wrong type")},
		tokenCase{name: "no type", token: noType, status: 401, want: tokenErr("Token has no type")},
	)
	runTokenCases(t, "/api/token/blacklist/", "refresh", nil, rows)

	t.Run("after logout", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		pair := e.login(t)
		other := e.login(t)
		assertResponse(t, e.postJSON("/api/token/blacklist/", map[string]any{"refresh": pair.Refresh}), 200, `{}`)
		assertResponse(t, e.postJSON("/api/token/verify/", map[string]any{"token": pair.Access}), 200, `{}`)
		require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, nil), "the access token stays valid")
		assertResponse(t, e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh}), 401, tokenErr("Token is blacklisted"))
		assert.Equal(t, 200, e.postJSON("/api/token/refresh/", map[string]any{"refresh": other.Refresh}).Code, "other refresh tokens are unaffected")
	})
	t.Run("never seen: recorded, then blacklisted", func(t *testing.T) {
		e := newEnv(t, nil, nil)
		tok := neverSeen(t, e)
		assertResponse(t, e.postJSON("/api/token/blacklist/", map[string]any{"refresh": tok}), 200, `{}`)
		assertResponse(t, e.postJSON("/api/token/blacklist/", map[string]any{"refresh": tok}), 401, tokenErr("Token is blacklisted"))
		assertResponse(t, e.postJSON("/api/token/refresh/", map[string]any{"refresh": tok}), 401, tokenErr("Token is blacklisted"))
		assertResponse(t, e.postJSON("/api/token/verify/", map[string]any{"token": tok}), 400, `{"non_field_errors":["Token is blacklisted"]}`)
	})
}

// TestUnknownSessionIsBlacklisted pins where the session model departs
// from SimpleJWT, which accepts a validly signed refresh token it has no
// record of: the refresh and verify routes answer a refresh token whose
// session the Store does not hold (never recorded, or lost in a restart)
// as blacklisted, rather than trust it.
func TestUnknownSessionIsBlacklisted(t *testing.T) {
	e := newEnv(t, nil, nil)
	tok := neverSeen(t, e)
	assertResponse(t, e.postJSON("/api/token/refresh/", map[string]any{"refresh": tok}), 401, tokenErr("Token is blacklisted"))
	assertResponse(t, e.postJSON("/api/token/verify/", map[string]any{"token": tok}), 400, `{"non_field_errors":["Token is blacklisted"]}`)
}

// TestLogoutStopsAccessTokensWithRevokeAccess checks what a logout does to
// the access tokens of its session on an authenticated view behind
// jwt.Middleware with the Pairs as its Verifier: as in SimpleJWT, they
// stay valid until they expire, unless the Pairs has RevokeAccess, which
// stops them at once.
func TestLogoutStopsAccessTokensWithRevokeAccess(t *testing.T) {
	const blacklistedAccess = `{"detail":"Given token not valid for any token type","code":"token_not_valid",` +
		`"messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is blacklisted"}]}`
	tests := []struct {
		name         string
		revokeAccess bool
		helloStatus  int // of the view, after the logout
		helloBody    string
		verifyStatus int // of the verify route, after the logout
		verifyBody   string
	}{
		{name: "without RevokeAccess, as SimpleJWT", helloStatus: 200, helloBody: `{"message":"hello"}`, verifyStatus: 200, verifyBody: `{}`},
		{name: "with RevokeAccess", revokeAccess: true, helloStatus: 401, helloBody: blacklistedAccess, verifyStatus: 400, verifyBody: `{"non_field_errors":["Token is blacklisted"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *jwt.PairConfig) { c.RevokeAccess = tt.revokeAccess }, nil)
			auth, err := jwt.NewMiddleware(jwt.MiddlewareConfig{Verifier: e.p})
			require.NoError(t, err)
			view := auth.Handler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"message":"hello"}`))
			}))
			hello := func(access string) *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodGet, "/hello/", nil)
				r.Header.Set("Authorization", "Bearer "+access)
				w := httptest.NewRecorder()
				view.ServeHTTP(w, r)
				return w
			}
			pair, other := e.login(t), e.login(t)
			w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh})
			require.Equal(t, 200, w.Code, w.Body.String())
			var refreshed jwt.Pair
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &refreshed))
			for _, access := range []string{pair.Access, refreshed.Access} {
				require.Equal(t, 200, hello(access).Code)
			}

			assertResponse(t, e.postJSON("/api/token/blacklist/", map[string]any{"refresh": pair.Refresh}), 200, `{}`)
			for _, access := range []string{pair.Access, refreshed.Access} {
				w := hello(access)
				assert.Equal(t, tt.helloStatus, w.Code)
				assert.Equal(t, tt.helloBody, w.Body.String())
				if tt.helloStatus == 401 {
					assert.Equal(t, `Bearer realm="api", error="invalid_token"`, w.Header().Get("WWW-Authenticate"))
				}
				assertResponse(t, e.postJSON("/api/token/verify/", map[string]any{"token": access}), tt.verifyStatus, tt.verifyBody)
			}
			assert.Equal(t, 200, hello(other.Access).Code, "another login of the user is unaffected")
		})
	}
}

// TestLogoutWithReplacedTokenEndsSession stops a rotated chain from
// outliving a logout made with an older refresh token of it (a tab that
// logs out with the token it held before another tab refreshed, or the
// owner of a token a thief has rotated): the token counts as blacklisted,
// since a rotation replaced it, and the logout ends the session all the
// same.
func TestLogoutWithReplacedTokenEndsSession(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*jwt.PairConfig)
	}{
		{name: "default grace", mod: func(c *jwt.PairConfig) { c.Rotate = true }},
		{name: "no grace", mod: func(c *jwt.PairConfig) { c.Rotate, c.NoReuseGrace = true, true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.mod, nil)
			refresh := func(tok string) jwt.Pair {
				t.Helper()
				w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": tok})
				require.Equal(t, 200, w.Code, w.Body.String())
				var p jwt.Pair
				require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
				return p
			}
			pair := e.login(t)
			next := refresh(pair.Refresh)
			later := refresh(next.Refresh)

			for _, old := range []string{pair.Refresh, next.Refresh} {
				assertResponse(t, e.postJSON("/api/token/blacklist/", map[string]any{"refresh": old}), 401, tokenErr("Token is blacklisted"))
			}
			for _, tok := range []string{later.Refresh, next.Refresh, pair.Refresh} {
				assertResponse(t, e.postJSON("/api/token/refresh/", map[string]any{"refresh": tok}), 401, tokenErr("Token is blacklisted"))
				assertResponse(t, e.postJSON("/api/token/blacklist/", map[string]any{"refresh": tok}), 401, tokenErr("Token is blacklisted"))
				assertResponse(t, e.postJSON("/api/token/verify/", map[string]any{"token": tok}), 400, `{"non_field_errors":["Token is blacklisted"]}`)
			}
			other := e.login(t)
			assert.Equal(t, 200, e.postJSON("/api/token/refresh/", map[string]any{"refresh": other.Refresh}).Code, "a new login works")
		})
	}
}

// TestTwoTabsRefreshingAtOnceKeepLogin stops two concurrent refreshes
// with one refresh token (two browser tabs) from ending the login under
// the default grace: both are answered 200 with the same new refresh
// token, and the login lives on.
func TestTwoTabsRefreshingAtOnceKeepLogin(t *testing.T) {
	e := newEnv(t, func(c *jwt.PairConfig) { c.Rotate = true }, nil)
	for range 50 {
		pair := e.login(t)
		var ws [2]*httptest.ResponseRecorder
		var wg sync.WaitGroup
		for i := range ws {
			wg.Go(func() { ws[i] = e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh}) })
		}
		wg.Wait()
		var got [2]jwt.Pair
		for i, w := range ws {
			require.Equal(t, 200, w.Code, w.Body.String())
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got[i]))
		}
		require.NotEmpty(t, got[0].Refresh)
		assert.Equal(t, got[0].Refresh, got[1].Refresh, "the same new refresh token")
		assert.NotEqual(t, pair.Refresh, got[0].Refresh)
		w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": got[0].Refresh})
		require.Equal(t, 200, w.Code, "the login lives on: %s", w.Body.String())
	}
}

func TestFormAndMultipartTokens(t *testing.T) {
	e := newEnv(t, nil, nil)
	pair := e.login(t)
	w := e.do(http.MethodPost, "/api/token/verify/", "application/x-www-form-urlencoded", url.Values{"token": {pair.Access}}.Encode(), nil)
	assertResponse(t, w, 200, `{}`)
	body, ct := multipartBody(t, [][2]string{{"refresh", pair.Refresh}}, "")
	w = e.do(http.MethodPost, "/api/token/refresh/", ct, body, nil)
	assert.Equal(t, 200, w.Code)
}

func TestRealm(t *testing.T) {
	e := newEnv(t, nil, func(c *simplejwt.Config) { c.Realm = "shop" })
	w := e.postJSON("/api/token/", map[string]any{"username": "admin", "password": "bad"})
	assert.Equal(t, 401, w.Code)
	assert.Equal(t, `Bearer realm="shop"`, w.Header().Get("WWW-Authenticate"))
}

func TestMaxBodyBytes(t *testing.T) {
	body := func(n int) string {
		s := `{"username":"admin","password":"admin@123"}`
		return s + strings.Repeat(" ", n-len(s))
	}
	tests := []struct {
		name   string
		max    int64
		size   int
		status int
	}{
		{name: "default: 64 KiB is read", size: 64 << 10, status: 200},
		{name: "default: 64 KiB and one byte is refused", size: 64<<10 + 1, status: 413},
		{name: "set: at the limit", max: 100, size: 100, status: 200},
		{name: "set: over the limit", max: 100, size: 101, status: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil, func(c *simplejwt.Config) { c.MaxBodyBytes = tt.max })
			w := e.do(http.MethodPost, "/api/token/", "application/json", body(tt.size), nil)
			if tt.status == 413 {
				assertResponse(t, w, 413, `{"detail":"Request body is too large."}`)
				return
			}
			assert.Equal(t, tt.status, w.Code)
		})
	}
}

func TestNewHandlerConfigErrors(t *testing.T) {
	e := newEnv(t, nil, nil)
	tests := []struct {
		name string
		cfg  simplejwt.Config
	}{
		{name: "no pairs", cfg: simplejwt.Config{Authenticator: newFakeAuth()}},
		{name: "no authenticator", cfg: simplejwt.Config{Pairs: e.p}},
		{name: "negative body size", cfg: simplejwt.Config{Pairs: e.p, Authenticator: newFakeAuth(), MaxBodyBytes: -1}},
		{name: "realm with a double quote", cfg: simplejwt.Config{Pairs: e.p, Authenticator: newFakeAuth(), Realm: `a"b`}},
		{name: "realm with a backslash", cfg: simplejwt.Config{Pairs: e.p, Authenticator: newFakeAuth(), Realm: `a\b`}},
		{name: "realm with a line break", cfg: simplejwt.Config{Pairs: e.p, Authenticator: newFakeAuth(), Realm: "a\r\nX-Evil: 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := simplejwt.NewHandler(tt.cfg)
			require.ErrorIs(t, err, jwt.ErrConfig)
			assert.Nil(t, h)
		})
	}
}

func TestServer(t *testing.T) {
	e := newEnv(t, nil, nil)
	mux := http.NewServeMux()
	mux.Handle("/api/token/", e.h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := srv.Client().Post(srv.URL+"/api/token/", "application/x-www-form-urlencoded", strings.NewReader("username=admin&password=admin%40123"))
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	var pair jwt.Pair
	require.NoError(t, json.NewDecoder(res.Body).Decode(&pair))
	require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, nil))
}
