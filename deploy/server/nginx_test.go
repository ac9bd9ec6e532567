package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests in this file put nginx, with the configuration of
// deploy/nginx, in front of two server processes that share the Redis of
// the machine: nginx from the system's packages (.ci/run installs it),
// started with a configuration, certificate, pid file and logs of the
// test's own in a temporary directory, on free ports; never the system's
// nginx service.

// cluster is nginx in front of two instances.
type cluster struct {
	url       string // https://localhost:port
	instances [2]*proc
	client    *http.Client // from 127.0.0.2, which nginx does not trust
	nginxLog  string
}

// shippedSite is the nginx configuration of deploy/nginx, with what a
// test must change: each pair is the text of the file and its
// replacement, each of which must be found.
func shippedSite(t *testing.T, listen string, upstreams [2]string, cert, key, accessLog string) string {
	t.Helper()
	b, err := os.ReadFile("../nginx/jwt-server.conf")
	require.NoError(t, err)
	site := string(b)
	for _, r := range [][2]string{
		{"listen 443 ssl http2;", "listen " + listen + " ssl http2;"},
		{"server 127.0.0.1:8001 ", "server " + upstreams[0] + " "},
		{"server 127.0.0.1:8002 ", "server " + upstreams[1] + " "},
		{"/etc/ssl/jwt-server/fullchain.pem", cert},
		{"/etc/ssl/jwt-server/privkey.pem", key},
		{"/var/log/nginx/jwt-server.access.log", accessLog},
	} {
		require.Contains(t, site, r[0], "deploy/nginx/jwt-server.conf changed: update the test")
		site = strings.Replace(site, r[0], r[1], 1)
	}
	return site
}

// startCluster starts two instances with args and nginx in front.
func startCluster(t *testing.T, args ...string) *cluster {
	t.Helper()
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		need(t, "nginx", fmt.Errorf("not installed (.ci/run installs it from the system's packages)"))
	}
	redisURL := redisURL(t)
	prefix := newPrefix()
	deleteKeys(t, redisURL, prefix)
	key := keyFile(t)
	c := &cluster{}
	var upstreams [2]string
	for i := range c.instances {
		upstreams[i] = freeAddr(t)
		c.instances[i] = startProc(t, fmt.Sprintf("instance %d", i+1), upstreams[i], append([]string{
			"-redis", redisURL, "-store-prefix", prefix, "-key", key,
			"-trusted-proxies", "127.0.0.1/32", "-refresh-ttl", "10m",
		}, args...)...)
	}
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	listen := freeAddr(t)
	c.url = "https://localhost:" + listen[strings.LastIndexByte(listen, ':')+1:]
	c.nginxLog = filepath.Join(dir, "access.log")
	site := filepath.Join(dir, "jwt-server.conf")
	require.NoError(t, os.WriteFile(site, []byte(shippedSite(t, listen, upstreams, certFile, keyFile, c.nginxLog)), 0o644))
	startNginx(t, nginx, dir, site)

	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}, Timeout: 5 * time.Second}
	c.client = &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				return dialer.DialContext(ctx, network, listen)
			},
			TLSClientConfig:     &tls.Config{RootCAs: pool, ServerName: "localhost"},
			MaxIdleConnsPerHost: 64,
		},
	}
	// Before nginx stops (cleanups run last first), so that it need not
	// wait for the client's idle connections.
	t.Cleanup(c.client.CloseIdleConnections)
	require.Eventually(t, func() bool {
		resp, err := c.client.Get(c.url + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	}, 10*time.Second, 20*time.Millisecond, "nginx does not answer")
	return c
}

// startNginx runs nginx in the foreground with a main configuration of
// dir that includes site, and stops it when the test ends.
func startNginx(t *testing.T, nginx, dir, site string) {
	t.Helper()
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;" // the workers can then use the test's private directory
	}
	conf := filepath.Join(dir, "nginx.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`%s
worker_processes 1;
pid %[2]s/nginx.pid;
events { worker_connections 1024; }
http {
	client_body_temp_path %[2]s/client_body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	include %[3]s;
}
`, user, dir, site)), 0o644))
	errLog := filepath.Join(dir, "error.log")
	args := []string{"-p", dir, "-c", conf, "-e", errLog}
	if out, err := exec.Command(nginx, append(args, "-t")...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(nginx, append(args, "-g", "daemon off;")...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			b, _ := os.ReadFile(errLog)
			t.Logf("nginx error log:\n%s%s", b, out.String())
		}
	})
}

// selfSigned writes a certificate for localhost and its key into dir, and
// returns their paths and a pool that trusts the certificate.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk}), 0o600))
	return certFile, keyFile, pool
}

// do sends a request through nginx and returns the status and JSON body.
func (c *cluster) do(method, path, auth string, body map[string]string, header ...string) (int, map[string]any, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body) // a map of strings always encodes
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.url+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return resp.StatusCode, nil, fmt.Errorf("not JSON: %q", raw)
		}
	}
	return resp.StatusCode, m, nil
}

// served sends a request through nginx, checks its status, and returns
// the index of the instance that answered it, from the instances' logs,
// and the body.
func (c *cluster) served(t *testing.T, status int, method, path, auth string, body map[string]string, header ...string) (int, map[string]any) {
	t.Helper()
	before := [2]int{c.instances[0].count(path), c.instances[1].count(path)}
	got, m, err := c.do(method, path, auth, body, header...)
	require.NoError(t, err)
	require.Equal(t, status, got, "%s %s: %v", method, path, m)
	which := -1
	require.Eventually(t, func() bool {
		for i, in := range c.instances {
			if in.count(path) > before[i] {
				which = i
				return true
			}
		}
		return false
	}, 5*time.Second, 5*time.Millisecond, "no instance logged %s", path)
	return which, m
}

// TestNginxSharedFlow runs the SimpleJWT flow through nginx and two
// instances on one Redis: a login on one instance refreshed on the other,
// reuse of a rotated refresh token detected by the instance that did not
// rotate it, a logout on one seen by both, and the client's address, not
// one it forged, in the instances' logs.
func TestNginxSharedFlow(t *testing.T) {
	c := startCluster(t, "-rotate", "-grace", "0")
	access, _ := func() (string, string) {
		_, m := c.served(t, 200, "POST", "/api/token/", "", map[string]string{"username": "admin", "password": "admin@123"})
		return m["access"].(string), m["refresh"].(string)
	}()
	_, m := c.served(t, 200, "GET", "/hello/", access, nil)
	assert.Equal(t, "Hello, admin!", m["message"])

	// nginx alternates between the instances: each step below is checked
	// to have reached the one it names.
	loginOn, m := c.served(t, 200, "POST", "/api/token/", "", map[string]string{"username": "admin", "password": "admin@123"})
	refresh := m["refresh"].(string)
	refreshOn, m := c.served(t, 200, "POST", "/api/token/refresh/", "", map[string]string{"refresh": refresh})
	require.NotEqual(t, loginOn, refreshOn, "login and refresh on different instances")
	rotated := m["refresh"].(string)
	reuseOn, m := c.served(t, 401, "POST", "/api/token/refresh/", "", map[string]string{"refresh": refresh})
	require.NotEqual(t, refreshOn, reuseOn, "the reuse reaches the instance that did not rotate")
	assert.Equal(t, blacklisted, m)
	endedOn, m := c.served(t, 401, "POST", "/api/token/refresh/", "", map[string]string{"refresh": rotated})
	require.Equal(t, refreshOn, endedOn)
	assert.Equal(t, blacklisted, m, "the reuse ended the login on the other instance too")
	require.Eventually(t, func() bool { return strings.Contains(c.instances[reuseOn].log.String(), `"event":"reuse"`) }, 5*time.Second, 10*time.Millisecond)

	_, m = c.served(t, 200, "POST", "/api/token/", "", map[string]string{"username": "admin", "password": "admin@123"})
	refresh = m["refresh"].(string)
	logoutOn, _ := c.served(t, 200, "POST", "/api/token/blacklist/", "", map[string]string{"refresh": refresh})
	seen := map[int]bool{}
	for range 2 {
		on, m := c.served(t, 400, "POST", "/api/token/verify/", "", map[string]string{"token": refresh})
		assert.Equal(t, map[string]any{"non_field_errors": []any{"Token is blacklisted"}}, m)
		seen[on] = true
	}
	assert.Len(t, seen, 2, "the logout on instance %d is seen by both", logoutOn+1)

	// The client (127.0.0.2) forges X-Forwarded-For; nginx appends the
	// real address, which the instances take.
	on, _ := c.served(t, 200, "GET", "/hello/", access, nil, "X-Forwarded-For", "203.0.113.9")
	lines := c.instances[on].log.String()
	assert.Contains(t, lines, `"client":"127.0.0.2"`)
	assert.NotContains(t, lines, "203.0.113.9")
	status, _, err := c.do("GET", "/readyz", "", nil)
	require.NoError(t, err)
	assert.Equal(t, 404, status, "readiness is not served to the world")
	b, err := os.ReadFile(c.nginxLog)
	require.NoError(t, err)
	assert.Contains(t, string(b), "upstream=127.0.0.1:", "nginx logs the instance that answered")
	assert.NotContains(t, string(b), refresh, "no token in nginx's log")

	// A burst of login requests from one address past nginx's rate:
	// the excess is answered 429 by nginx, in SimpleJWT's shape.
	var wg sync.WaitGroup
	var throttled atomic.Int64
	for range 40 {
		wg.Go(func() {
			status, m, err := c.do("POST", "/api/token/", "", map[string]string{})
			if err == nil && status == 429 && m["detail"] == "Request was throttled. Expected available in 1 second." {
				throttled.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Positive(t, throttled.Load(), "nginx caps the rate of logins from one address")
}

// steadyLoad is clients sending requests through nginx until stopped,
// each with a login of its own: GET /hello/, POST refresh (rotating) and
// POST verify in a loop, and one more client logging in now and then.
type steadyLoad struct {
	stop     context.CancelFunc
	wg       sync.WaitGroup
	requests atomic.Int64
	logins   atomic.Int64
	mu       sync.Mutex
	failures []string
}

func startLoad(t *testing.T, c *cluster, workers int) *steadyLoad {
	t.Helper()
	l := new(steadyLoad)
	type session struct{ access, refresh string }
	sessions := make([]session, workers)
	for i := range sessions {
		status, m, err := c.do("POST", "/api/token/", "", map[string]string{"username": "admin", "password": "admin@123"})
		require.NoError(t, err)
		require.Equal(t, 200, status, m)
		sessions[i] = session{m["access"].(string), m["refresh"].(string)}
	}
	ctx, stop := context.WithCancel(context.Background())
	l.stop = stop
	for _, s := range sessions {
		l.wg.Go(func() {
			for ctx.Err() == nil {
				l.requests.Add(3)
				status, m, err := c.do("GET", "/hello/", s.access, nil)
				l.check("GET /hello/", status, m, err)
				status, m, err = c.do("POST", "/api/token/refresh/", "", map[string]string{"refresh": s.refresh})
				if !l.check("POST /api/token/refresh/", status, m, err) {
					return // the session's refresh token is lost
				}
				s = session{m["access"].(string), m["refresh"].(string)}
				status, m, err = c.do("POST", "/api/token/verify/", "", map[string]string{"token": s.access})
				l.check("POST /api/token/verify/", status, m, err)
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	// A login is a tenth of a second of CPU: one now and then.
	l.wg.Go(func() {
		for ctx.Err() == nil {
			l.requests.Add(1)
			l.logins.Add(1)
			status, m, err := c.do("POST", "/api/token/", "", map[string]string{"username": "admin", "password": "admin@123"})
			l.check("POST /api/token/", status, m, err)
			time.Sleep(300 * time.Millisecond)
		}
	})
	return l
}

// check records a failure unless the request was answered 200.
func (l *steadyLoad) check(what string, status int, body map[string]any, err error) bool {
	if err == nil && status == 200 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failures = append(l.failures, fmt.Sprintf("%s %s: %d %v %v", time.Now().Format("15:04:05.000"), what, status, body, err))
	return false
}

// end stops the load and returns the failures.
func (l *steadyLoad) end() []string {
	l.stop()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failures
}

// TestNginxRollingRestart restarts one instance, then the other, under a
// steady load of GET and POST requests through nginx, and counts the
// requests that failed: none may. Each instance stops gracefully on
// SIGTERM (it stops accepting at once, so nginx sends new connections,
// POSTs included, to the other instance, and finishes what it has), exits
// 0, and is started again.
func TestNginxRollingRestart(t *testing.T) {
	c := startCluster(t, "-rotate", "-grace", "0")
	load := startLoad(t, c, 6)
	time.Sleep(time.Second)
	var report []string
	for _, p := range c.instances {
		code, took := p.stop()
		require.Equal(t, 0, code, "%s exit code\n%s", p.name, p.log)
		began := time.Now()
		p.start()
		report = append(report, fmt.Sprintf("%s: stopped in %v (exit 0), ready again after %v",
			p.name, took.Round(time.Millisecond), time.Since(began).Round(time.Millisecond)))
		// As a rolling restart must: more than nginx's fail_timeout (2 s),
		// so that nginx has tried the instance again before the next stops.
		time.Sleep(3 * time.Second)
	}
	failures := load.end()
	require.Empty(t, failures, "failed requests during the rolling restart")
	require.Greater(t, load.requests.Load(), int64(200), "the load was steady")
	for _, p := range c.instances {
		require.Contains(t, p.log.String(), `"msg":"stopped"`)
	}
	t.Logf("rolling restart under load: %d requests (%d logins; the rest GET /hello/, POST refresh and verify), 0 failed; %s",
		load.requests.Load(), load.logins.Load(), strings.Join(report, "; "))
}
