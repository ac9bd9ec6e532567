package tokenserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testSecret = []byte("a handler test secret of 32 b...")

func testKey(t testing.TB) *jwt.HMAC {
	t.Helper()
	key, err := jwt.NewHMAC(jwt.HS256, testSecret)
	require.NoError(t, err)
	return key
}

var discard = slog.New(slog.DiscardHandler)

// newTestServer returns a Server on cfg, with the test key, the test
// users and no log unless cfg sets them.
func newTestServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Signer == nil {
		cfg.Signer = testKey(t)
	}
	if cfg.Users == nil {
		cfg.Users = testUsers(t)
	}
	if cfg.Logger == nil {
		cfg.Logger = discard
	}
	s, err := New(cfg)
	require.NoError(t, err)
	return s
}

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lines decodes the JSON log lines of b.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(s.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

// send sends body as JSON to path of h and returns the answer. It may be
// called from any goroutine.
func send(h http.Handler, path string, body map[string]string) *httptest.ResponseRecorder {
	b, _ := json.Marshal(body) // a map of strings always encodes
	r := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(b))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// decode returns the status and the decoded JSON body of w.
func decode(t *testing.T, w *httptest.ResponseRecorder) (int, map[string]any) {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &m), w.Body.String())
	return w.Code, m
}

// post sends body as JSON to path of h and returns the status and the
// decoded answer.
func post(t *testing.T, h http.Handler, path string, body map[string]string) (int, map[string]any) {
	t.Helper()
	return decode(t, send(h, path, body))
}

// loginTo logs admin in on h and returns the pair.
func loginTo(t *testing.T, h http.Handler) (access, refresh string) {
	t.Helper()
	status, body := post(t, h, "/api/token/", map[string]string{"username": "admin", "password": "admin@123"})
	require.Equal(t, http.StatusOK, status, body)
	return body["access"].(string), body["refresh"].(string)
}

func blacklisted() map[string]any {
	return map[string]any{"detail": "Token is blacklisted", "code": "token_not_valid"}
}

// claims decodes a token's payload without verifying it.
func claims(t *testing.T, tok string) map[string]any {
	t.Helper()
	u, err := jwt.DecodeUnverified(tok)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(u.Payload, &m))
	return m
}

func TestNewRequiresSigner(t *testing.T) {
	_, err := New(Config{})
	require.ErrorIs(t, err, jwt.ErrConfig)
}

func TestHelloUserRows(t *testing.T) {
	key := testKey(t)
	h := newTestServer(t, Config{Signer: key})
	now := time.Now().Unix()
	token := func(userID any) string {
		c := map[string]any{"token_type": "access", "exp": now + 60, "iat": now, "jti": "0123456789abcdef0123456789abcdef"}
		if userID != nil {
			c["user_id"] = userID
		}
		tok, err := jwt.Sign(key, c)
		require.NoError(t, err)
		return tok
	}
	tests := []struct {
		name   string
		userID any
		status int
		body   map[string]any
	}{
		{name: "string id", userID: "1", status: 200, body: map[string]any{"message": "Hello, admin!"}},
		{name: "numeric id, as before SimpleJWT 5.5.1", userID: 1, status: 200, body: map[string]any{"message": "Hello, admin!"}},
		{name: "no user_id", status: 401, body: map[string]any{"detail": "Token contained no recognizable user identification", "code": "token_not_valid"}},
		{name: "empty user_id", userID: "", status: 401, body: map[string]any{"detail": "Token contained no recognizable user identification", "code": "token_not_valid"}},
		{name: "unknown user", userID: "7", status: 401, body: map[string]any{"detail": "User not found", "code": "user_not_found"}},
		{name: "inactive user", userID: "2", status: 401, body: map[string]any{"detail": "User is inactive", "code": "user_inactive"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/hello/", nil)
			r.Header.Set("Authorization", "Bearer "+token(tt.userID))
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			assert.Equal(t, tt.status, w.Code)
			var body map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &body))
			assert.Equal(t, tt.body, body)
			assert.Equal(t, "GET, HEAD, OPTIONS", w.Header().Get("Allow"))
			if tt.status == 401 {
				assert.Equal(t, `Bearer realm="api", error="invalid_token"`, w.Header().Get("WWW-Authenticate"))
			}
		})
	}
}

func TestBodyCap(t *testing.T) {
	h := newTestServer(t, Config{})
	r := httptest.NewRequest(http.MethodPost, "/api/token/", io.LimitReader(zeros{}, MaxBodyBytes+1))
	r.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusRequestEntityTooLarge, w.Code)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestRefreshRefusesInactiveAccounts checks that the refresh route asks
// the user table, through the pair manager's Active, before issuing.
func TestRefreshRefusesInactiveAccounts(t *testing.T) {
	key := testKey(t)
	store := new(jwt.MemoryStore)
	h := newTestServer(t, Config{Signer: key, Store: store})
	now := time.Now()
	for i, tt := range []struct {
		name, userID string
		status       int
	}{
		{name: "active user", userID: "1", status: http.StatusOK},
		{name: "inactive user", userID: "2", status: http.StatusUnauthorized},
		{name: "unknown user", userID: "7", status: http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A live refresh token of the user: its login is in the store.
			sid, jti := fmt.Sprintf("%032x", i+1), "0123456789abcdef0123456789abcdef"
			require.NoError(t, store.Create(t.Context(), jwt.Session{ID: sid, Subject: tt.userID, Created: now, Refreshed: now, Expires: now.Add(time.Minute), Token: jti}))
			tok, err := jwt.Sign(key, map[string]any{"token_type": "refresh", "exp": now.Unix() + 60, "iat": now.Unix(), "jti": jti, "sid": sid, "user_id": tt.userID})
			require.NoError(t, err)
			status, body := post(t, h, "/api/token/refresh/", map[string]string{"refresh": tok})
			require.Equal(t, tt.status, status, body)
			if tt.status == http.StatusUnauthorized {
				assert.Equal(t, map[string]any{"detail": "No active account found for the given token."}, body)
			}
		})
	}
}

// TestConcurrentRefreshesOneSucceeds checks that with rotation and no
// grace (the example server's settings) of concurrent refreshes with one
// refresh token exactly one succeeds, the others are answered as
// blacklisted, and the reuse ends the login, the winner's new refresh
// token included.
func TestConcurrentRefreshesOneSucceeds(t *testing.T) {
	h := newTestServer(t, Config{Rotate: true})
	for range 20 {
		_, refresh := loginTo(t, h)
		var answers [8]*httptest.ResponseRecorder
		var wg sync.WaitGroup
		for i := range answers {
			wg.Go(func() { answers[i] = send(h, "/api/token/refresh/", map[string]string{"refresh": refresh}) })
		}
		wg.Wait()
		rotated := ""
		for _, w := range answers {
			status, body := decode(t, w)
			if status == http.StatusOK {
				require.Empty(t, rotated, "a second refresh succeeded")
				rotated = body["refresh"].(string)
				continue
			}
			assert.Equal(t, http.StatusUnauthorized, status)
			assert.Equal(t, blacklisted(), body)
		}
		require.NotEmpty(t, rotated, "one refresh succeeds")
		status, body := post(t, h, "/api/token/refresh/", map[string]string{"refresh": rotated})
		assert.Equal(t, http.StatusUnauthorized, status, "the reuse ended the login")
		assert.Equal(t, blacklisted(), body)
	}
}

// TestReuseGrace checks that with a grace a refresh token presented again
// soon after its rotation gets the same new refresh token back.
func TestReuseGrace(t *testing.T) {
	h := newTestServer(t, Config{Rotate: true, ReuseGrace: time.Minute})
	_, refresh := loginTo(t, h)
	status, first := post(t, h, "/api/token/refresh/", map[string]string{"refresh": refresh})
	require.Equal(t, http.StatusOK, status, first)
	status, again := post(t, h, "/api/token/refresh/", map[string]string{"refresh": refresh})
	require.Equal(t, http.StatusOK, status, again)
	assert.Equal(t, claims(t, first["refresh"].(string))["jti"], claims(t, again["refresh"].(string))["jti"])
}

// TestReuseIsLogged checks that a reuse reaches the log, as a warning with
// the subject and the session, and a logout as an ending of the session;
// and that no token ever does.
func TestReuseIsLogged(t *testing.T) {
	var buf syncBuffer
	h := newTestServer(t, Config{Rotate: true, Logger: slog.New(slog.NewJSONHandler(&buf, nil))})

	access, refresh := loginTo(t, h)
	status, body := post(t, h, "/api/token/refresh/", map[string]string{"refresh": refresh})
	require.Equal(t, http.StatusOK, status, body)
	rotated, rotatedAccess := body["refresh"].(string), body["access"].(string)
	status, _ = post(t, h, "/api/token/refresh/", map[string]string{"refresh": refresh})
	require.Equal(t, http.StatusUnauthorized, status)
	access2, refresh2 := loginTo(t, h)
	status, _ = post(t, h, "/api/token/blacklist/", map[string]string{"refresh": refresh2})
	require.Equal(t, http.StatusOK, status)

	events := map[string]map[string]any{}
	for _, m := range buf.lines(t) {
		if ev, ok := m["event"].(string); ok {
			events[ev] = m
		}
	}
	require.Contains(t, events, "reuse")
	reuse := events["reuse"]
	assert.Equal(t, "WARN", reuse["level"])
	assert.Equal(t, "1", reuse["subject"])
	assert.Equal(t, claims(t, refresh)["sid"], reuse["session"])
	require.Contains(t, events, "session_ended")
	assert.Equal(t, "1", events["session_ended"]["subject"])
	assert.Equal(t, claims(t, refresh2)["sid"], events["session_ended"]["session"])
	for _, tok := range []string{access, refresh, rotated, rotatedAccess, access2, refresh2} {
		assert.NotContains(t, buf.String(), tok, "no token reaches the log")
	}
	assert.NotContains(t, buf.String(), "admin@123", "nor a password")
}

func TestReadyz(t *testing.T) {
	get := func(h http.Handler) (int, map[string]any) {
		r := httptest.NewRequest(http.MethodGet, "/readyz", nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return decode(t, w)
	}
	t.Run("no Ready: no route", func(t *testing.T) {
		status, _ := get(newTestServer(t, Config{}))
		assert.Equal(t, http.StatusNotFound, status, "examples/server has no /readyz")
	})
	t.Run("store answers", func(t *testing.T) {
		status, body := get(newTestServer(t, Config{Ready: StoreReady(new(jwt.MemoryStore))}))
		assert.Equal(t, http.StatusOK, status)
		assert.Equal(t, map[string]any{"status": "ok"}, body)
	})
	t.Run("store fails", func(t *testing.T) {
		status, _ := get(newTestServer(t, Config{Ready: StoreReady(failingStore{})}))
		assert.Equal(t, http.StatusServiceUnavailable, status)
	})
	t.Run("store too slow", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		start := time.Now()
		status, _ := get(newTestServer(t, Config{Ready: func(context.Context) error { <-release; return nil }}))
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Less(t, time.Since(start), 3*time.Second, "answered after a second, whatever the check does")
	})
	t.Run("shutting down", func(t *testing.T) {
		s := newTestServer(t, Config{Ready: StoreReady(new(jwt.MemoryStore))})
		s.draining.Store(true)
		status, _ := get(s)
		assert.Equal(t, http.StatusServiceUnavailable, status)
	})
	t.Run("healthz does not ask the store", func(t *testing.T) {
		s := newTestServer(t, Config{Ready: StoreReady(failingStore{}), Store: failingStore{}})
		r := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		assert.Equal(t, http.StatusOK, w.Code)
	})
}

// failingStore is a Store that cannot be reached.
type failingStore struct{ jwt.Store }

var errUnreachable = errors.New("store unreachable")

func (failingStore) Session(context.Context, string) (jwt.Session, error) {
	return jwt.Session{}, errUnreachable
}

func newJSONLogger(buf *syncBuffer) *slog.Logger { return slog.New(slog.NewJSONHandler(buf, nil)) }
