package main

import (
	"context"
	"encoding/json"

	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
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
	h, err := newHandler(appConfig{signer: key, users: testUsers(t), logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	now := time.Now().Unix()
	for _, tt := range []struct {
		name, userID string
		status       int
	}{
		{name: "active user", userID: "1", status: http.StatusOK},
		{name: "inactive user", userID: "2", status: http.StatusUnauthorized},
		{name: "unknown user", userID: "7", status: http.StatusUnauthorized},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := jwt.Sign(key, map[string]any{"token_type": "refresh", "exp": now + 60, "iat": now, "jti": "0123456789abcdef0123456789abcdef", "user_id": tt.userID})
			require.NoError(t, err)
			r := httptest.NewRequest(http.MethodPost, "/api/token/refresh/", strings.NewReader(`{"refresh":"`+tok+`"}`))
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			require.Equal(t, tt.status, w.Code, w.Body.String())
			if tt.status == http.StatusUnauthorized {
				assert.JSONEq(t, `{"detail":"No active account found for the given token."}`, w.Body.String())
			}
		})
	}
}
