package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/tokenserver"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

// cheapUsers is the demo account, admin / admin@123, with a hash that
// takes microseconds: under the race detector the real one takes seconds.
// The real one is tested in internal/tokenserver and, end to end, by
// deploy/server's tests, which run the server as a process.
func cheapUsers(t *testing.T) *tokenserver.Users {
	t.Helper()
	u, err := tokenserver.NewUsers(tokenserver.Account{ID: "1", Username: "admin", Password: tokenserver.HashPassword("admin@123", 1000), Active: true})
	require.NoError(t, err)
	return u
}

// server is a running server under test.
type server struct {
	url    string
	log    *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// start runs the server on a free loopback port with args and env.
func start(t *testing.T, env map[string]string, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{log: new(syncBuffer), cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		s.done <- serve(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), func(k string) string { return env[k] }, s.log, func(addr string) { ready <- addr }, cheapUsers(t))
	}()
	select {
	case addr := <-ready:
		s.url = "http://" + addr
	case err := <-s.done:
		t.Fatalf("server did not start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-s.done)
	})
	return s
}

// call sends a request and returns the status and decoded JSON body.
func (s *server) call(t *testing.T, method, path, auth string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.url+path, r)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var m map[string]any
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &m), string(raw))
	}
	return resp.StatusCode, m, resp.Header
}

func (s *server) login(t *testing.T) (access, refresh string) {
	t.Helper()
	status, body, _ := s.call(t, "POST", "/api/token/", "", map[string]string{"username": "admin", "password": "admin@123"})
	require.Equal(t, 200, status, body)
	require.Len(t, body, 2)
	return body["access"].(string), body["refresh"].(string)
}

func (s *server) assertHello(t *testing.T, access string) {
	t.Helper()
	status, body, _ := s.call(t, "GET", "/hello/", "Bearer "+access, nil)
	assert.Equal(t, 200, status)
	assert.Equal(t, map[string]any{"message": "Hello, admin!"}, body)
}

func blacklisted() map[string]any {
	return map[string]any{"detail": "Token is blacklisted", "code": "token_not_valid"}
}

func TestFlow(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	access, refresh := s.login(t)
	s.assertHello(t, access)

	status, body, _ := s.call(t, "POST", "/api/token/refresh/", "", map[string]string{"refresh": refresh})
	require.Equal(t, 200, status)
	assert.NotContains(t, body, "refresh", "no rotation by default")
	s.assertHello(t, body["access"].(string))

	status, body, _ = s.call(t, "POST", "/api/token/blacklist/", "", map[string]string{"refresh": refresh})
	require.Equal(t, 200, status)
	assert.Empty(t, body)
	status, body, hdr := s.call(t, "POST", "/api/token/refresh/", "", map[string]string{"refresh": refresh})
	assert.Equal(t, 401, status)
	assert.Equal(t, blacklisted(), body)
	assert.Equal(t, `Bearer realm="api"`, hdr.Get("WWW-Authenticate"))

	// As in SimpleJWT, the access token stays valid until it expires.
	status, body, _ = s.call(t, "POST", "/api/token/verify/", "", map[string]string{"token": access})
	assert.Equal(t, 200, status)
	assert.Empty(t, body)
	s.assertHello(t, access)

	logs := s.log.String()
	assert.Contains(t, logs, `"event":"session_ended"`, "the logout reaches the log")
	assert.Contains(t, logs, `"path":"/hello/"`)
	assert.Contains(t, logs, `"status":200`)
	assert.Contains(t, logs, `"duration"`)
	assert.Contains(t, logs, "fresh random key")
	assert.Equal(t, 1, strings.Count(logs, "fresh random key"), "said once")
	assert.NotContains(t, logs, access, "tokens never reach the log")
	assert.NotContains(t, logs, refresh)
	assert.NotContains(t, logs, "admin@123", "nor passwords")
}

func TestRotation(t *testing.T) {
	t.Parallel()
	s := start(t, nil, "-rotate")
	_, refresh := s.login(t)
	status, body, _ := s.call(t, "POST", "/api/token/refresh/", "", map[string]string{"refresh": refresh})
	require.Equal(t, 200, status)
	rotated := body["refresh"].(string)
	require.NotEmpty(t, rotated)
	s.assertHello(t, body["access"].(string))

	// Reuse of the old token: refused, and the whole login revoked.
	status, body, _ = s.call(t, "POST", "/api/token/refresh/", "", map[string]string{"refresh": refresh})
	assert.Equal(t, 401, status)
	assert.Equal(t, blacklisted(), body)
	status, body, _ = s.call(t, "POST", "/api/token/refresh/", "", map[string]string{"refresh": rotated})
	assert.Equal(t, 401, status)
	assert.Equal(t, blacklisted(), body)

	logs := s.log.String()
	assert.Contains(t, logs, `"event":"reuse"`, "the reuse reaches the log")
	assert.Contains(t, logs, `"session":"`+claims(t, refresh)["sid"].(string)+`"`)
	assert.NotContains(t, logs, refresh, "tokens never reach the log")
	assert.NotContains(t, logs, rotated)
}

func TestRotationFromEnvironment(t *testing.T) {
	t.Parallel()
	s := start(t, map[string]string{"ROTATE_REFRESH": "true", "ACCESS_TTL": "1m"})
	access, refresh := s.login(t)
	status, body, _ := s.call(t, "POST", "/api/token/refresh/", "", map[string]string{"refresh": refresh})
	require.Equal(t, 200, status)
	assert.Contains(t, body, "refresh")
	c := claims(t, access)
	assert.Equal(t, float64(60), c["exp"].(float64)-c["iat"].(float64))
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

func TestTokens(t *testing.T) {
	t.Parallel()
	s := start(t, nil, "-access-ttl", "2m", "-refresh-ttl", "1h")
	access, refresh := s.login(t)
	a, r := claims(t, access), claims(t, refresh)
	assert.Equal(t, "1", a["user_id"])
	assert.Equal(t, "access", a["token_type"])
	assert.Equal(t, "refresh", r["token_type"])
	assert.Equal(t, float64(120), a["exp"].(float64)-a["iat"].(float64))
	assert.Equal(t, float64(3600), r["exp"].(float64)-r["iat"].(float64))
	assert.Equal(t, a["sid"], r["sid"])
	u, err := jwt.DecodeUnverified(access)
	require.NoError(t, err)
	assert.Equal(t, jwt.HS256, u.Header.Algorithm)
	assert.Empty(t, u.Header.KeyID, "no kid for a secret")
}

func TestAsymmetricAlgorithmsPublishJWKS(t *testing.T) {
	t.Parallel()
	for _, alg := range []string{"EdDSA", "ES256", "RS256"} {
		t.Run(alg, func(t *testing.T) {
			t.Parallel()
			s := start(t, map[string]string{"JWT_ALG": alg})
			access, _ := s.login(t)
			s.assertHello(t, access)

			resp, err := http.Get(s.url + "/.well-known/jwks.json")
			require.NoError(t, err)
			defer resp.Body.Close()
			require.Equal(t, 200, resp.StatusCode)
			raw, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			set, err := jwk.ParseSet(raw)
			require.NoError(t, err)
			require.Len(t, set.Keys, 1)
			assert.NotContains(t, string(raw), `"d"`, "no private member")
			thumb, err := set.Keys[0].Thumbprint()
			require.NoError(t, err)
			u, err := jwt.DecodeUnverified(access)
			require.NoError(t, err)
			assert.Equal(t, jwt.Algorithm(alg), u.Header.Algorithm)
			assert.Equal(t, thumb, u.Header.KeyID, "kid is the RFC 7638 thumbprint")

			ks, err := set.KeySet()
			require.NoError(t, err)
			var c struct {
				jwt.Claims
				UserID string `json:"user_id"`
			}
			require.NoError(t, jwt.Verify(access, ks, &c))
			assert.Equal(t, "1", c.UserID)
		})
	}
}

func TestKeyFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "hs256.key")
	secret := []byte("a key file secret of 32 bytes..!")
	require.NoError(t, os.WriteFile(path, secret, 0o600))
	s := start(t, nil, "-key", path)
	access, _ := s.login(t)
	key, err := jwt.NewHMAC(jwt.HS256, secret)
	require.NoError(t, err)
	require.NoError(t, jwt.Verify(access, key, nil), "signed with the file's key")
	assert.NotContains(t, s.log.String(), "fresh random key")
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	s := start(t, nil)
	access, refresh := s.login(t)
	notProvided := map[string]any{"detail": "Authentication credentials were not provided."}
	tests := []struct {
		name, method, path, auth string
		status                   int
		body                     map[string]any
		allow                    string
	}{
		{name: "healthz", method: "GET", path: "/healthz", status: 200, body: map[string]any{"status": "ok"}, allow: "GET, HEAD"},
		{name: "no readiness route: one process, no balancer", method: "GET", path: "/readyz", status: 404, body: map[string]any{"detail": "Not found."}},
		{name: "jwks is 404 for HMAC", method: "GET", path: "/.well-known/jwks.json", status: 404, body: map[string]any{"detail": "Not found."}},
		{name: "unknown path", method: "GET", path: "/nope/", status: 404, body: map[string]any{"detail": "Not found."}},
		{name: "unknown token route", method: "POST", path: "/api/token/nope/", status: 404, body: map[string]any{"detail": "Not found."}},
		{name: "hello subpath", method: "GET", path: "/hello/x", status: 404, body: map[string]any{"detail": "Not found."}},
		{name: "hello without token", method: "GET", path: "/hello/", status: 401, body: notProvided, allow: "GET, HEAD, OPTIONS"},
		{name: "hello with lower-case scheme", method: "GET", path: "/hello/", auth: "bearer " + access, status: 401, body: notProvided, allow: "GET, HEAD, OPTIONS"},
		{name: "unauthenticated POST", method: "POST", path: "/hello/", status: 401, body: notProvided, allow: "GET, HEAD, OPTIONS"},
		{name: "authenticated POST", method: "POST", path: "/hello/", auth: "Bearer " + access, status: 405, body: map[string]any{"detail": `Method "POST" not allowed.`}, allow: "GET, HEAD, OPTIONS"},
		{name: "authenticated DELETE", method: "DELETE", path: "/hello/", auth: "Bearer " + access, status: 405, body: map[string]any{"detail": `Method "DELETE" not allowed.`}, allow: "GET, HEAD, OPTIONS"},
		{name: "HEAD", method: "HEAD", path: "/hello/", auth: "Bearer " + access, status: 200, allow: "GET, HEAD, OPTIONS"},
		{name: "refresh token on hello", method: "GET", path: "/hello/", auth: "Bearer " + refresh, status: 401, body: map[string]any{
			"detail": "Given token not valid for any token type", "code": "token_not_valid",
			"messages": []any{map[string]any{"token_class": "AccessToken", "token_type": "access", "message": "Token has wrong type"}},
		}, allow: "GET, HEAD, OPTIONS"},
		{name: "Bearer alone", method: "GET", path: "/hello/", auth: "Bearer", status: 401, body: map[string]any{
			"detail": "Authorization header must contain two space-delimited values", "code": "bad_authorization_header",
		}, allow: "GET, HEAD, OPTIONS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body, hdr := s.call(t, tt.method, tt.path, tt.auth, nil)
			assert.Equal(t, tt.status, status)
			assert.Equal(t, tt.body, body)
			assert.Equal(t, tt.allow, hdr.Get("Allow"))
			if status == 401 {
				assert.True(t, strings.HasPrefix(hdr.Get("WWW-Authenticate"), `Bearer realm="api"`))
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		env  map[string]string
	}{
		{name: "unknown algorithm", args: []string{"-alg", "none"}},
		{name: "unknown algorithm from the environment", env: map[string]string{"JWT_ALG": "HS1"}},
		{name: "bad duration", env: map[string]string{"ACCESS_TTL": "five minutes"}},
		{name: "negative duration", args: []string{"-refresh-ttl", "-1h"}},
		{name: "extra argument", args: []string{"serve"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, tt.args...), func(k string) string { return tt.env[k] }, io.Discard, func(string) { t.Error("must not start") })
			require.Error(t, err)
			assert.ErrorAs(t, err, new(tokenserver.UsageError))
		})
	}
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, []string{"-addr", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard, func(a string) { ready <- a }, cheapUsers(t))
	}()
	addr := <-ready

	// A login whose body is still on its way: in flight when the
	// shutdown starts.
	pr, pw := io.Pipe()
	type result struct {
		status int
		err    error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := http.Post("http://"+addr+"/api/token/", "application/x-www-form-urlencoded", pr)
		if err != nil {
			res <- result{err: err}
			return
		}
		resp.Body.Close()
		res <- result{status: resp.StatusCode}
	}()
	_, err := pw.Write([]byte("username=admin&"))
	require.NoError(t, err)
	time.Sleep(20 * time.Millisecond) // let the request reach the handler

	cancel()
	// The listener closes: new connections are refused.
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 5*time.Second, 5*time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("run returned while a request was in flight: %v", err)
	default:
	}

	_, err = pw.Write([]byte("password=" + url.QueryEscape("admin@123")))
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	r := <-res
	require.NoError(t, r.err)
	assert.Equal(t, 200, r.status, "the request in flight completes")
	require.NoError(t, <-done)
}
