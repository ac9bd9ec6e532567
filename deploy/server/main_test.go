package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt/internal/tokenserver"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The services the tests use, found through these variables with these
// defaults. Without CI set, a test whose service cannot be reached is
// skipped; with CI set (as .ci/run and the workflow run them), it fails.
const (
	redisEnv        = "REDIS_ADDR"
	redisDefault    = "127.0.0.1:6379"
	postgresEnv     = "TEST_POSTGRES_URL"
	postgresDefault = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	mysqlEnv        = "TEST_MYSQL_URL"
	mysqlDefault    = "mysql://root@127.0.0.1:3306/test"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// need skips t, or fails it under CI, when err says a service is missing.
func need(t testing.TB, what string, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s: %v", what, err)
	}
	t.Skipf("%s: %v (set CI to make this a failure)", what, err)
}

// redisURL returns the URL of the tests' Redis, checking that it answers.
func redisURL(t testing.TB) string {
	t.Helper()
	addr := env(redisEnv, redisDefault)
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	need(t, "Redis at "+addr, c.Ping(ctx).Err())
	return "redis://" + addr + "/0"
}

// databaseURL returns the URL of the tests' database of the env variable
// name, checking that it answers.
func databaseURL(t testing.TB, name, def string) string {
	t.Helper()
	u := env(name, def)
	db, _, err := openDB(u)
	require.NoError(t, err)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	need(t, "database "+name, db.PingContext(ctx))
	return u
}

// newPrefix returns a store prefix of the test's own, valid for Redis
// keys and SQL tables.
func newPrefix() string {
	return "t" + strings.ToLower(rand.Text()[:10]) + "_"
}

// dropTables drops the tables of prefix when the test ends.
func dropTables(t *testing.T, dbURL, prefix string) {
	t.Cleanup(func() {
		db, _, err := openDB(dbURL)
		if err != nil {
			return
		}
		defer db.Close()
		for _, table := range []string{"sessions", "login_counters"} {
			db.Exec("DROP TABLE IF EXISTS " + prefix + table)
		}
	})
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

// cheapUsers is the demo account, admin / admin@123, with a hash that
// takes microseconds: under the race detector the real one takes seconds.
// The tests that run the server as a process use the real one.
func cheapUsers(t *testing.T) *tokenserver.Users {
	t.Helper()
	u, err := tokenserver.NewUsers(tokenserver.Account{ID: "1", Username: "admin", Password: tokenserver.HashPassword("admin@123", 1000), Active: true})
	require.NoError(t, err)
	return u
}

// instance is a server running in the test's process.
type instance struct {
	url  string
	log  *syncBuffer
	stop context.CancelFunc
	done chan error
}

// start runs an instance on a free loopback port with args.
func start(t *testing.T, args ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{log: new(syncBuffer), stop: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		// No drain: the test's client keeps its connections open.
		in.done <- serve(ctx, append([]string{"-addr", "127.0.0.1:0", "-drain", "0"}, args...), func(string) string { return "" }, in.log, func(a string) { ready <- a }, cheapUsers(t))
	}()
	select {
	case addr := <-ready:
		in.url = "http://" + addr
	case err := <-in.done:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, in.log)
	}
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-in.done)
	})
	return in
}

// call sends a request and returns the status and decoded JSON body.
func (in *instance) call(t *testing.T, method, path string, body map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.url+path, r)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
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

func (in *instance) login(t *testing.T) (access, refresh string) {
	t.Helper()
	status, body, _ := in.call(t, "POST", "/api/token/", map[string]string{"username": "admin", "password": "admin@123"})
	require.Equal(t, 200, status, body)
	return body["access"].(string), body["refresh"].(string)
}

// keyFile writes a shared HS256 secret and returns its path.
func keyFile(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hs256.key")
	secret := make([]byte, 32)
	rand.Read(secret)
	require.NoError(t, os.WriteFile(path, secret, 0o600))
	return path
}

var blacklisted = map[string]any{"detail": "Token is blacklisted", "code": "token_not_valid"}

// sharedFlow checks that two instances on one store behave as one server:
// a login on a, refreshed on b; the rotated token presented again on a is
// reuse and ends the login on both; a logout on b is seen by a.
func sharedFlow(t *testing.T, a, b *instance) {
	access, refresh := a.login(t)
	status, body, _ := b.call(t, "GET", "/readyz", nil)
	require.Equal(t, 200, status, body)

	status, body, _ = b.call(t, "POST", "/api/token/refresh/", map[string]string{"refresh": refresh})
	require.Equal(t, 200, status, body)
	rotated := body["refresh"].(string)
	status, body, _ = a.call(t, "POST", "/api/token/refresh/", map[string]string{"refresh": refresh})
	assert.Equal(t, 401, status, "the token rotated on b is used up on a")
	assert.Equal(t, blacklisted, body)
	for _, in := range []*instance{a, b} {
		status, body, _ = in.call(t, "POST", "/api/token/refresh/", map[string]string{"refresh": rotated})
		assert.Equal(t, 401, status, "the reuse ended the login everywhere")
		assert.Equal(t, blacklisted, body)
	}
	status, _, _ = a.call(t, "POST", "/api/token/verify/", map[string]string{"token": access})
	assert.Equal(t, 200, status, "access tokens live until they expire, as in SimpleJWT")

	_, refresh = a.login(t)
	status, _, _ = b.call(t, "POST", "/api/token/blacklist/", map[string]string{"refresh": refresh})
	require.Equal(t, 200, status)
	status, body, _ = a.call(t, "POST", "/api/token/verify/", map[string]string{"token": refresh})
	assert.Equal(t, 400, status, "the logout on b is seen on a")
	assert.Equal(t, map[string]any{"non_field_errors": []any{"Token is blacklisted"}}, body)
}

func TestRedisInstancesShareSessions(t *testing.T) {
	t.Parallel()
	u, key, prefix := redisURL(t), keyFile(t), newPrefix()
	args := []string{"-redis", u, "-store-prefix", prefix, "-key", key, "-rotate", "-grace", "0"}
	a, b := start(t, args...), start(t, args...)
	sharedFlow(t, a, b)
	assert.Contains(t, a.log.String(), `"msg":"store: redis"`)
	assert.NotContains(t, a.log.String(), "not shared")
}

func TestPostgresInstancesShareSessions(t *testing.T) {
	t.Parallel()
	u, key, prefix := databaseURL(t, postgresEnv, postgresDefault), keyFile(t), newPrefix()
	dropTables(t, u, prefix)
	args := []string{"-database", u, "-store-prefix", prefix, "-key", key, "-rotate", "-grace", "0"}
	a := start(t, args...)
	sharedFlow(t, a, start(t, args...))
	assert.Contains(t, a.log.String(), `"dialect":"postgres"`)
}

func TestMySQLInstancesShareSessions(t *testing.T) {
	t.Parallel()
	u, key, prefix := databaseURL(t, mysqlEnv, mysqlDefault), keyFile(t), newPrefix()
	dropTables(t, u, prefix)
	args := []string{"-database", u, "-store-prefix", prefix, "-key", key, "-rotate", "-grace", "0"}
	a := start(t, args...)
	sharedFlow(t, a, start(t, args...))
	assert.Contains(t, a.log.String(), `"dialect":"mysql"`)
}

// TestLoginLimitsUseTheSharedStore checks that the counters of failed
// logins live in Redis: failures counted there by any instance stop a
// login on this one.
func TestLoginLimitsUseTheSharedStore(t *testing.T) {
	t.Parallel()
	u, prefix := redisURL(t), newPrefix()
	in := start(t, "-redis", u, "-store-prefix", prefix)
	opts, err := redis.ParseURL(u)
	require.NoError(t, err)
	c := redis.NewClient(opts)
	defer c.Close()
	key := prefix + ":login:addr:127.0.0.1"
	require.NoError(t, c.Set(t.Context(), key, tokenserver.DefaultFailuresPerAddress, time.Minute).Err())
	defer c.Del(context.Background(), key)
	status, body, hdr := in.call(t, "POST", "/api/token/", map[string]string{"username": "admin", "password": "admin@123"})
	assert.Equal(t, 429, status)
	assert.Contains(t, body["detail"], "Request was throttled.")
	assert.NotEmpty(t, hdr.Get("Retry-After"))
}

func TestMemoryStoreWarns(t *testing.T) {
	t.Parallel()
	in := start(t)
	assert.Contains(t, in.log.String(), "not shared with other instances")
	status, _, _ := in.call(t, "GET", "/readyz", nil)
	assert.Equal(t, 200, status)
	in.login(t)
}

// TestReadyzFollowsTheStore checks that /readyz answers 503 within about
// a second when Redis stops answering, while /healthz, which does not ask
// the store, stays 200.
func TestReadyzFollowsTheStore(t *testing.T) {
	t.Parallel()
	u := redisURL(t)
	opts, err := redis.ParseURL(u)
	require.NoError(t, err)
	p := newStallProxy(t, opts.Addr)
	in := start(t, "-redis", "redis://"+p.addr()+"/0", "-store-prefix", newPrefix())
	status, _, _ := in.call(t, "GET", "/readyz", nil)
	require.Equal(t, 200, status)
	p.stall()
	began := time.Now()
	status, _, _ = in.call(t, "GET", "/readyz", nil)
	assert.Equal(t, 503, status)
	assert.Less(t, time.Since(began), 3*time.Second)
	status, _, _ = in.call(t, "GET", "/healthz", nil)
	assert.Equal(t, 200, status)
}

// stallProxy forwards TCP connections to a server until stalled, then
// stops forwarding, as a server that hangs would.
type stallProxy struct {
	ln      net.Listener
	mu      sync.Mutex
	stalled bool
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &stallProxy{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			go p.pipe(c, s)
			go p.pipe(s, c)
		}
	}()
	return p
}

func (p *stallProxy) addr() string { return p.ln.Addr().String() }

func (p *stallProxy) stall() {
	p.mu.Lock()
	p.stalled = true
	p.mu.Unlock()
}

func (p *stallProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		p.mu.Lock()
		stalled := p.stalled
		p.mu.Unlock()
		if stalled {
			continue // dropped: the server seems to hang
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{name: "two stores", args: []string{"-redis", "redis://127.0.0.1:6379/0", "-database", "postgres://x@127.0.0.1/db"}},
		{name: "bad trusted proxies", args: []string{"-trusted-proxies", "nginx"}},
		{name: "database of an unknown kind", args: []string{"-database", "sqlite:///tmp/x.db"}},
		{name: "mysql URL without a database", args: []string{"-database", "mysql://root@127.0.0.1:3306/"}},
		{name: "bad redis URL", args: []string{"-redis", "http://127.0.0.1:6379"}},
		{name: "negative grace", args: []string{"-grace", "-1s"}},
		{name: "no connections", args: []string{"-max-conns", "0"}},
		{name: "unknown algorithm", args: []string{"-alg", "none"}},
		{name: "redis prefix with a brace", args: []string{"-redis", "redis://127.0.0.1:6379/0", "-store-prefix", "a{b}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"-addr", "127.0.0.1:0"}, tt.args...), func(string) string { return "" }, io.Discard, func(string) { t.Error("must not start") })
			require.Error(t, err)
			assert.ErrorAs(t, err, new(tokenserver.UsageError))
		})
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	getenv := map[string]string{"TRUSTED_PROXIES": "nginx"}
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0"}, func(k string) string { return getenv[k] }, io.Discard, nil)
	require.ErrorAs(t, err, new(tokenserver.UsageError), "TRUSTED_PROXIES is read")
}

func TestStoreUnreachableAtStart(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	err = run(context.Background(), []string{"-addr", "127.0.0.1:0", "-redis", "redis://" + addr + "/0"}, func(string) string { return "" }, io.Discard, func(string) { t.Error("must not start") })
	require.Error(t, err)
	assert.NotErrorAs(t, err, new(tokenserver.UsageError), "not a usage error: the supervisor retries")
}
