package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// testUsers is admin (id 1) and an inactive user (id 2), with cheap
// hashes.
func testUsers(t *testing.T) *users {
	t.Helper()
	salt := []byte("0123456789abcdef")
	hash := func(pw string) passwordHash {
		return passwordHash{iterations: 10, salt: salt, hash: derivePBKDF2(pw, salt, 10)}
	}
	return newUsers(
		&account{id: "1", username: "admin", password: hash("admin@123"), active: true},
		&account{id: "2", username: "gone", password: hash("gone@123"), active: false},
	)
}

func TestHelloUserRows(t *testing.T) {
	key, err := jwt.NewHMAC(jwt.HS256, []byte("a handler test secret of 32 b..."))
	require.NoError(t, err)
	h, err := newHandler(appConfig{signer: key, users: testUsers(t), logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
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

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name, username, password string
		subject                  string // "" when refused
	}{
		{name: "good credentials", username: "admin", password: "admin@123", subject: "1"},
		{name: "wrong password", username: "admin", password: "admin@124"},
		{name: "unknown user", username: "nobody", password: "admin@123"},
		{name: "username is case-sensitive", username: "ADMIN", password: "admin@123"},
		{name: "inactive user", username: "gone", password: "gone@123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := testUsers(t)
			calls := 0
			u.derive = func(pw string, salt []byte, iter int) []byte {
				calls++
				return derivePBKDF2(pw, salt, iter)
			}
			sub, _, err := u.Authenticate(context.Background(), tt.username, tt.password)
			assert.Equal(t, 1, calls, "every attempt hashes once, so that none is faster")
			if tt.subject == "" {
				require.ErrorIs(t, err, jwt.ErrNoActiveAccount)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.subject, sub)
		})
	}
}

func TestDemoAccount(t *testing.T) {
	u, err := demoUsers()
	require.NoError(t, err)
	a := u.byName["admin"]
	require.NotNil(t, a)
	assert.Equal(t, "1", a.id)
	assert.GreaterOrEqual(t, a.password.iterations, 600000)
	assert.Equal(t, a.password.iterations, u.dummy.iterations, "unknown users cost as much")
	assert.NotContains(t, adminPasswordHash, "admin@123")
}

func TestParsePasswordHash(t *testing.T) {
	for _, s := range []string{
		"", "pbkdf2_sha1$1000$2QLYwyOJFQhD0SX+BH3ldg$9yXtXLm0H4X3hUnigRGL70o1o2B5ReDbkPCIVCqXbCA",
		"pbkdf2_sha256$0$2QLYwyOJFQhD0SX+BH3ldg$9yXtXLm0H4X3hUnigRGL70o1o2B5ReDbkPCIVCqXbCA",
		"pbkdf2_sha256$1000$c2FsdA$9yXtXLm0H4X3hUnigRGL70o1o2B5ReDbkPCIVCqXbCA",
		"pbkdf2_sha256$1000$2QLYwyOJFQhD0SX+BH3ldg$aGFzaA",
	} {
		_, err := parsePasswordHash(s)
		assert.Error(t, err, s)
	}
}

func TestBodyCap(t *testing.T) {
	key, err := jwt.NewHMAC(jwt.HS256, []byte("a handler test secret of 32 b..."))
	require.NoError(t, err)
	h, err := newHandler(appConfig{signer: key, users: testUsers(t), logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	r := httptest.NewRequest(http.MethodPost, "/api/token/", io.LimitReader(zeros{}, maxBodyBytes+1))
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
	key, err := jwt.NewHMAC(jwt.HS256, []byte("a handler test secret of 32 b..."))
	require.NoError(t, err)
	store := new(jwt.MemoryStore)
	h, err := newHandler(appConfig{signer: key, users: testUsers(t), logger: discard, store: store})
	require.NoError(t, err)
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

var discard = slog.New(slog.DiscardHandler)

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

// TestConcurrentRefreshesOneSucceeds checks that with -rotate the server
// has no grace window: of concurrent refreshes with one refresh token
// exactly one succeeds, the others are answered as blacklisted, and the
// reuse ends the login, the winner's new refresh token included.
func TestConcurrentRefreshesOneSucceeds(t *testing.T) {
	key, err := jwt.NewHMAC(jwt.HS256, []byte("a handler test secret of 32 b..."))
	require.NoError(t, err)
	h, err := newHandler(appConfig{signer: key, rotate: true, users: testUsers(t), logger: discard})
	require.NoError(t, err)
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

// TestReuseIsLogged checks that a reuse reaches the log, as a warning with
// the subject and the session, and a logout as an ending of the session;
// and that no token ever does.
func TestReuseIsLogged(t *testing.T) {
	key, err := jwt.NewHMAC(jwt.HS256, []byte("a handler test secret of 32 b..."))
	require.NoError(t, err)
	var buf syncBuffer
	h, err := newHandler(appConfig{signer: key, rotate: true, users: testUsers(t), logger: slog.New(slog.NewJSONHandler(&buf, nil))})
	require.NoError(t, err)

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
	for line := range strings.Lines(buf.String()) {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
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
}
