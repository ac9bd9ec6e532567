package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"flag"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt/internal/tokenserver"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The files of deploy/ configure the server through its environment
// variables. Containers and systemd cannot run where the tests run, so
// these tests hold the files to the server as far as it can be done
// without them: every variable they set is one the server reads, the
// instances listen where nginx sends requests, a stop waits longer than
// the shutdown's budget, and the server started with exactly a file's
// settings (the store's address and the key's path aside) serves.

// serverEnv returns the environment variables the server reads, from its
// usage text.
func serverEnv(t *testing.T) map[string]bool {
	t.Helper()
	var usage bytes.Buffer
	_, err := parseFlags([]string{"-h"}, func(string) string { return "" }, &usage)
	require.ErrorIs(t, err, flag.ErrHelp)
	names := map[string]bool{}
	for _, m := range regexp.MustCompile(`\(env ([A-Z0-9_]+)\)`).FindAllStringSubmatch(usage.String(), -1) {
		names[m[1]] = true
	}
	for _, n := range []string{"ADDR", "JWT_ALG", "JWT_KEY_FILE", "REDIS_URL", "DATABASE_URL", "TRUSTED_PROXIES"} {
		require.True(t, names[n], "the usage text names %s: %s", n, usage.String())
	}
	return names
}

func readDeployFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", name))
	require.NoError(t, err)
	return b
}

// nginxUpstreams returns the addresses of the upstream servers of the
// nginx configuration.
func nginxUpstreams(t *testing.T) []string {
	t.Helper()
	conf := readDeployFile(t, "nginx/jwt-server.conf")
	var addrs []string
	for _, m := range regexp.MustCompile(`(?m)^\s*server\s+([0-9.]+:[0-9]+)[\s;]`).FindAllSubmatch(conf, -1) {
		addrs = append(addrs, string(m[1]))
	}
	require.Len(t, addrs, 2, "two instances behind nginx")
	return addrs
}

// composeFile is what the tests read of compose.yaml.
type composeFile struct {
	Services map[string]struct {
		Build           map[string]string `yaml:"build"`
		NetworkMode     string            `yaml:"network_mode"`
		StopSignal      string            `yaml:"stop_signal"`
		StopGracePeriod string            `yaml:"stop_grace_period"`
		Environment     map[string]string `yaml:"environment"`
		Secrets         []string          `yaml:"secrets"`
	} `yaml:"services"`
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

// TestComposeFileMatchesServer: the compose file's instances are built
// from the Dockerfile, set only variables the server reads, listen where
// nginx sends requests, share nginx's network (so that TRUSTED_PROXIES is
// nginx's address), reach Redis by its service's name, read the key from
// their secret, and are given longer than the shutdown's budget to stop.
func TestComposeFileMatchesServer(t *testing.T) {
	names := serverEnv(t)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(readDeployFile(t, "compose.yaml"), &c))
	var addrs []string
	for name, s := range c.Services {
		if s.Build == nil {
			continue
		}
		assert.Equal(t, "deploy/Dockerfile", s.Build["dockerfile"], name)
		for k := range s.Environment {
			assert.True(t, names[k], "%s sets %s, which the server does not read", name, k)
		}
		addrs = append(addrs, s.Environment["ADDR"])
		assert.Equal(t, "service:nginx", s.NetworkMode, name)
		assert.Equal(t, "127.0.0.1/32", s.Environment["TRUSTED_PROXIES"], name)
		u, err := url.Parse(s.Environment["REDIS_URL"])
		if assert.NoError(t, err, name) {
			_, ok := c.Services[u.Hostname()]
			assert.True(t, ok, "%s: REDIS_URL names the service %q", name, u.Hostname())
		}
		if assert.Len(t, s.Secrets, 1, name) {
			assert.Equal(t, "/run/secrets/"+s.Secrets[0], s.Environment["JWT_KEY_FILE"], name)
			assert.Contains(t, c.Secrets, s.Secrets[0], name)
		}
		assert.Equal(t, "SIGTERM", s.StopSignal, name)
		grace, err := time.ParseDuration(s.StopGracePeriod)
		assert.NoError(t, err, name)
		assert.Greater(t, grace, tokenserver.DefaultShutdownTimeout, "%s: stop_grace_period", name)
	}
	slices.Sort(addrs)
	assert.Equal(t, nginxUpstreams(t), addrs, "the instances listen where nginx sends requests")
}

// TestDockerfileMatchesServer: the image sets only variables the server
// reads, and runs it as a user other than root.
func TestDockerfileMatchesServer(t *testing.T) {
	names := serverEnv(t)
	var user, entry string
	for line := range strings.Lines(string(readDeployFile(t, "Dockerfile"))) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "ENV "):
			k, _, _ := strings.Cut(strings.TrimPrefix(line, "ENV "), "=")
			assert.True(t, names[k], "the Dockerfile sets %s, which the server does not read", k)
		case strings.HasPrefix(line, "USER "):
			user = strings.TrimPrefix(line, "USER ")
		case strings.HasPrefix(line, "ENTRYPOINT "):
			entry = strings.TrimPrefix(line, "ENTRYPOINT ")
		}
	}
	assert.NotEmpty(t, user)
	assert.NotContains(t, []string{"0", "root", "0:0"}, user)
	assert.Equal(t, `["/jwt-server"]`, entry)
}

// systemdSettings returns the variables of the systemd environment file
// and the unit's own Environment= lines, and the unit's TimeoutStopSec.
func systemdSettings(t *testing.T) (shared, unit map[string]string, stop time.Duration) {
	t.Helper()
	shared, unit = map[string]string{}, map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(readDeployFile(t, "systemd/jwt-server.env")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, line)
		shared[k] = v
	}
	sc = bufio.NewScanner(bytes.NewReader(readDeployFile(t, "systemd/jwt-server@.service")))
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "Environment="); ok {
			k, v, _ := strings.Cut(rest, "=")
			unit[k] = v
		}
		if rest, ok := strings.CutPrefix(line, "TimeoutStopSec="); ok {
			var err error
			stop, err = time.ParseDuration(rest)
			require.NoError(t, err, line)
		}
	}
	return shared, unit, stop
}

// TestSystemdUnitMatchesServer: the unit and its environment file set only
// variables the server reads, the instance's address is the unit's
// instance name on the loopback interface (one of nginx's upstreams), and
// systemd waits longer than the shutdown's budget before SIGKILL.
func TestSystemdUnitMatchesServer(t *testing.T) {
	names := serverEnv(t)
	shared, unit, stop := systemdSettings(t)
	for k := range shared {
		assert.True(t, names[k], "jwt-server.env sets %s, which the server does not read", k)
	}
	for k := range unit {
		assert.True(t, names[k], "the unit sets %s, which the server does not read", k)
	}
	assert.Equal(t, "127.0.0.1:%i", unit["ADDR"])
	for _, a := range nginxUpstreams(t) {
		assert.True(t, strings.HasPrefix(a, "127.0.0.1:"), "nginx's upstream %s is an instance name of the unit", a)
	}
	assert.Equal(t, "%d/signing-key", unit["JWT_KEY_FILE"], "the key is the unit's credential")
	assert.Greater(t, stop, tokenserver.DefaultShutdownTimeout, "TimeoutStopSec")
}

// ed25519KeyFile writes a new Ed25519 private key, PKCS #8 in PEM, and
// returns its path.
func ed25519KeyFile(t *testing.T) string {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "signing.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	return path
}

// TestServerRunsWithDeploySettings starts the server with nothing but the
// environment that the compose file gives an instance, and then that the
// systemd unit and its file give one, each with the machine's Redis for
// theirs and a key of its own: it serves, is ready, logs in, and does not
// warn that its sessions stay in memory.
func TestServerRunsWithDeploySettings(t *testing.T) {
	rURL := redisURL(t)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(readDeployFile(t, "compose.yaml"), &c))
	shared, unit, _ := systemdSettings(t)
	systemd := map[string]string{}
	for k, v := range shared {
		systemd[k] = v
	}
	for k, v := range unit {
		systemd[k] = v
	}
	for name, env := range map[string]map[string]string{
		"compose instance1": c.Services["instance1"].Environment,
		"systemd":           systemd,
	} {
		t.Run(name, func(t *testing.T) {
			require.NotEmpty(t, env)
			addr := freeAddr(t)
			prefix := newPrefix()
			deleteKeys(t, rURL, prefix)
			var vars []string
			for k, v := range env {
				switch k {
				case "ADDR":
					v = addr
				case "REDIS_URL":
					v = rURL
				case "JWT_KEY_FILE":
					v = ed25519KeyFile(t)
				}
				vars = append(vars, k+"="+v)
			}
			// The test's own keys, which it deletes.
			vars = append(vars, "STORE_PREFIX="+prefix)
			p := startProcEnv(t, name, addr, vars)
			in := &instance{url: "http://" + addr}
			access, _ := in.login(t)
			status, _, _ := in.call(t, "GET", "/hello/", nil)
			assert.Equal(t, 401, status)
			req := map[string]string{"token": access}
			status, body, _ := in.call(t, "POST", "/api/token/verify/", req)
			assert.Equal(t, 200, status, body)
			assert.NotContains(t, p.log.String(), "not shared")
			// As nginx does after its keepalive_timeout, so that the
			// stop does not wait out the drain.
			http.DefaultClient.CloseIdleConnections()
			code, _ := p.stop()
			assert.Equal(t, 0, code, "%s", p.log)
		})
	}
}
