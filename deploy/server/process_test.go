package main

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// The tests in this file run the server as its own process, built from
// this module, as systemd or a container runs it.

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// serverBinary builds the server once per test run and returns its path.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "jwt-server-test")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "jwt-server")
		cmd := exec.Command("go", "build", "-o", builtBin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return builtBin
}

// TestMain removes the built server when the tests end.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}

// proc is a server process.
type proc struct {
	t      *testing.T
	name   string
	bin    string
	args   []string
	env    []string // the environment, nothing else
	addr   string
	log    *syncBuffer
	cmd    *exec.Cmd
	exited chan struct{}
}

// startProc starts the server on addr with args and waits until /readyz
// answers 200.
func startProc(t *testing.T, name, addr string, args ...string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, bin: serverBinary(t), addr: addr, log: new(syncBuffer),
		args: append([]string{"-addr", addr}, args...)}
	p.start()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// startProcEnv starts the server with no flags and the environment env,
// which must set ADDR to addr, and waits until /readyz answers 200.
func startProcEnv(t *testing.T, name, addr string, env []string) *proc {
	t.Helper()
	p := &proc{t: t, name: name, bin: serverBinary(t), addr: addr, log: new(syncBuffer), env: env}
	p.start()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

func (p *proc) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, p.args...)
	p.cmd.Env = append([]string{}, p.env...) // only the flags and env configure it
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	require.NoError(p.t, p.cmd.Start())
	p.exited = make(chan struct{})
	go func(cmd *exec.Cmd, exited chan struct{}) {
		cmd.Wait()
		close(exited)
	}(p.cmd, p.exited)
	p.waitReady()
}

// waitReady waits until the server answers /readyz with 200.
func (p *proc) waitReady() {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + p.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		select {
		case <-p.exited:
			p.t.Fatalf("%s exited at start:\n%s", p.name, p.log)
		default:
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s not ready after 30 s:\n%s", p.name, p.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits for the process to exit; it returns the
// exit code and how long the shutdown took.
func (p *proc) stop() (code int, took time.Duration) {
	p.t.Helper()
	began := time.Now()
	require.NoError(p.t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-p.exited:
	case <-time.After(40 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
		p.t.Fatalf("%s did not stop within 40 s after SIGTERM:\n%s", p.name, p.log)
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(began)
}

// count returns how many requests to path the server has logged.
func (p *proc) count(path string) int {
	return strings.Count(p.log.String(), `"path":"`+path+`"`)
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// deleteKeys deletes the Redis keys of prefix when the test ends.
func deleteKeys(t *testing.T, redisURL, prefix string) {
	t.Cleanup(func() {
		opts, err := redis.ParseURL(redisURL)
		if err != nil {
			return
		}
		c := redis.NewClient(opts)
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, pattern := range []string{"{" + prefix + "}:*", prefix + ":*"} {
			iter := c.Scan(ctx, 0, pattern, 500).Iterator()
			for iter.Next(ctx) {
				c.Del(ctx, iter.Val())
			}
		}
	})
}

// TestShutdownUnderLoginFlood sends SIGTERM to a server busy with a flood
// of logins, each a tenth of a second of CPU, and requests to /hello/,
// all sent before the signal: every one is answered (a login that found
// no room with 503 at once), nothing is cut off, and the process exits 0
// well within its budget.
func TestShutdownUnderLoginFlood(t *testing.T) {
	addr := freeAddr(t)
	// No drain: no proxy keeps connections open to it.
	p := startProc(t, "server", addr, "-drain", "0")
	// A token for /hello/.
	in := &instance{url: "http://" + addr}
	access, _ := in.login(t)

	const logins, hellos = 24, 24
	type answer struct {
		path   string
		status int
		err    error
	}
	answers := make(chan answer, logins+hellos)
	var conns []net.Conn
	send := func(path, req string) {
		c, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		conns = append(conns, c)
		_, err = c.Write([]byte(req))
		require.NoError(t, err)
		go func() {
			c.SetReadDeadline(time.Now().Add(30 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				answers <- answer{path: path, err: err}
				return
			}
			resp.Body.Close()
			answers <- answer{path: path, status: resp.StatusCode}
		}()
	}
	body := `{"username": "admin", "password": "admin@123"}`
	for range logins {
		send("/api/token/", "POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"+
			fmt.Sprintf("Content-Length: %d\r\n\r\n%s", len(body), body))
	}
	for range hellos {
		send("/hello/", "GET /hello/ HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "+access+"\r\n\r\n")
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	time.Sleep(100 * time.Millisecond) // the requests reach the server
	code, took := p.stop()

	statuses := map[string]map[int]int{"/api/token/": {}, "/hello/": {}}
	for range logins + hellos {
		a := <-answers
		require.NoError(t, a.err, "a request sent before the signal was cut off (%s)", a.path)
		statuses[a.path][a.status]++
	}
	require.Equal(t, 0, code, "exit code after a clean shutdown\n%s", p.log)
	require.Equal(t, hellos, statuses["/hello/"][200])
	require.Equal(t, logins, statuses["/api/token/"][200]+statuses["/api/token/"][503], "logins: 200 or, when full, 503")
	require.Less(t, took, 15*time.Second, "within the budget")
	t.Logf("shutdown under a login flood: %d logins (%d answered 200, %d answered 503 at once) and %d /hello/ in flight, all answered; exit code %d after %v",
		logins, statuses["/api/token/"][200], statuses["/api/token/"][503], hellos, code, took.Round(time.Millisecond))
}
