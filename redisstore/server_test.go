package redisstore_test

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"
)

// redisServer is a redis-server process of a test's own, on a free port
// of the loopback interface with a temporary directory, so that the test
// may kill, stall and restart it. It is stopped by its PID when the test
// ends.
type redisServer struct {
	t      *testing.T
	bin    string
	dir    string
	port   int
	args   []string
	cmd    *exec.Cmd
	exited chan struct{}
}

// startRedis starts a redis-server with no persistence, and the extra
// configuration args (as "--name", "value" pairs), which override the
// defaults. It skips the test when REDIS_ADDR is not set, as the other
// tests that need Redis do; with REDIS_ADDR set (as in CI), a missing
// redis-server fails the test rather than skipping it.
func startRedis(t *testing.T, args ...string) *redisServer {
	t.Helper()
	if os.Getenv("REDIS_ADDR") == "" {
		t.Skip("REDIS_ADDR is not set; the tests that need Redis are skipped")
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatal("redis-server is not in PATH; the fault tests start their own")
	}
	r := &redisServer{t: t, bin: bin, dir: t.TempDir(), args: args}
	t.Cleanup(r.stop)
	for attempt := 0; ; attempt++ {
		r.port = freePort(t)
		if err := r.start(); err == nil {
			return r
		} else if attempt == 2 {
			t.Fatalf("starting redis-server: %v", err)
		}
	}
}

// freePort returns a TCP port of the loopback interface that was free a
// moment ago.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Addr is the server's address.
func (r *redisServer) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port)) }

// start runs the server on its port and directory and waits until it
// answers PING, which it does once it has loaded its data.
func (r *redisServer) start() error {
	args := []string{
		"--port", strconv.Itoa(r.port), "--bind", "127.0.0.1", "--dir", r.dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--logfile", filepath.Join(r.dir, "redis.log"),
	}
	r.cmd = exec.Command(r.bin, append(args, r.args...)...)
	if err := r.cmd.Start(); err != nil {
		return err
	}
	r.exited = make(chan struct{})
	cmd, exited := r.cmd, r.exited
	go func() {
		cmd.Wait()
		close(exited)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return &exec.ExitError{ProcessState: cmd.ProcessState}
		default:
		}
		if ping(r.Addr()) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.stop()
	return os.ErrDeadlineExceeded
}

// ping reports whether the server at addr answers PING with PONG; one
// that is still loading its data answers LOADING.
func ping(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "+PONG")
}

// Kill ends the server with SIGKILL, as a crash would, and waits for it.
func (r *redisServer) Kill() {
	r.t.Helper()
	require.NoError(r.t, r.cmd.Process.Signal(syscall.SIGKILL))
	<-r.exited
}

// Restart starts the server again, on the same port and directory.
func (r *redisServer) Restart() {
	r.t.Helper()
	require.NoError(r.t, r.start(), "restarting redis-server")
}

// Stall stops the server with SIGSTOP: it keeps its connections and
// answers nothing until Resume.
func (r *redisServer) Stall() {
	r.t.Helper()
	require.NoError(r.t, r.cmd.Process.Signal(syscall.SIGSTOP))
}

// Resume continues a stalled server with SIGCONT.
func (r *redisServer) Resume() {
	r.t.Helper()
	require.NoError(r.t, r.cmd.Process.Signal(syscall.SIGCONT))
}

// stop kills the server, if it runs, by its PID.
func (r *redisServer) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	select {
	case <-r.exited:
		return
	default:
	}
	r.cmd.Process.Signal(syscall.SIGCONT) // a stalled server must run to die
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
}

// Client returns a client of the server with opt, whose Addr it sets, and
// closes it when the test ends.
func (r *redisServer) Client(opt redis.Options) *redis.Client {
	opt.Addr = r.Addr()
	c := redis.NewClient(&opt)
	r.t.Cleanup(func() { c.Close() })
	return c
}
