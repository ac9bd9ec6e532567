package tokenserver

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// serving is a Server running Serve on a loopback port.
type serving struct {
	addr string
	stop context.CancelFunc
	done chan error
}

func serve(t *testing.T, s *Server) *serving {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	sv := &serving{addr: ln.Addr().String(), stop: cancel, done: make(chan error, 1)}
	go func() { sv.done <- s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		<-sv.done
	})
	return sv
}

// conn is a client connection that sends requests by hand.
type conn struct {
	net.Conn
	r *bufio.Reader
}

func dial(t *testing.T, addr string) *conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return &conn{Conn: c, r: bufio.NewReader(c)}
}

// get sends GET path on c and reads the answer.
func (c *conn) get(t *testing.T, path string) *http.Response {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err := io.WriteString(c, "GET "+path+" HTTP/1.1\r\nHost: test\r\n\r\n")
	require.NoError(t, err)
	resp, err := http.ReadResponse(c.r, nil)
	require.NoError(t, err)
	_, err = io.ReadAll(resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

// closed reports whether the server has closed c.
func (c *conn) closed() bool {
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := c.r.ReadByte()
	return err != nil
}

// TestIdleConnectionsDoNotLockClientsOut checks the connection cap: at
// the cap a new client gets in by taking the place of the connection idle
// longest, which is closed.
func TestIdleConnectionsDoNotLockClientsOut(t *testing.T) {
	s := newTestServer(t, Config{MaxConns: 2})
	// The server records a connection idle only after its answer has
	// gone out: wait for it, or a busy machine may dial the third
	// client first and find none idle.
	idle := make(chan struct{}, 4)
	s.connState = func(_ net.Conn, state http.ConnState) {
		if state == http.StateIdle {
			idle <- struct{}{}
		}
	}
	sv := serve(t, s)
	a := dial(t, sv.addr)
	assert.Equal(t, 200, a.get(t, "/healthz").StatusCode)
	<-idle
	b := dial(t, sv.addr)
	assert.Equal(t, 200, b.get(t, "/healthz").StatusCode)
	<-idle
	c := dial(t, sv.addr)
	assert.Equal(t, 200, c.get(t, "/healthz").StatusCode, "the third client is served")
	assert.True(t, a.closed(), "the connection idle longest made room")
	assert.Equal(t, 200, b.get(t, "/healthz").StatusCode, "the other stays open")
}

// TestBusyConnectionsAnswered503AtCap checks that when no connection at
// the cap is idle, a new client is told so at once, not left waiting.
func TestBusyConnectionsAnswered503AtCap(t *testing.T) {
	sv := serve(t, newTestServer(t, Config{MaxConns: 1}))
	a := dial(t, sv.addr)
	_, err := io.WriteString(a, "GET /healthz HTTP/1.1\r\n") // a request under way
	require.NoError(t, err)
	b := dial(t, sv.addr)
	resp := b.get(t, "/healthz")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, "1", resp.Header.Get("Retry-After"))
	assert.True(t, resp.Close, "Connection: close")
	_, err = io.WriteString(a, "Host: test\r\n\r\n")
	require.NoError(t, err)
	resp, err = http.ReadResponse(a.r, nil)
	require.NoError(t, err)
	assert.Equal(t, 200, resp.StatusCode, "the request under way is served")
}

// TestShutdownFinishesInFlight checks the graceful shutdown: the listener
// closes at once, a request in flight is answered, a request on a
// connection already open is answered with Connection: close, and Serve
// returns nil.
func TestShutdownFinishesInFlight(t *testing.T) {
	var log syncBuffer
	s := newTestServer(t, Config{Drain: 5 * time.Second})
	s.log = newJSONLogger(&log)
	release := make(chan struct{})
	started := make(chan struct{})
	inner := s.handler
	s.handler = s.logRequests(s.timeout(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(started)
			<-release
		}
		inner.ServeHTTP(w, r)
	})))
	sv := serve(t, s)
	idle := dial(t, sv.addr)
	assert.Equal(t, 200, idle.get(t, "/healthz").StatusCode)
	busy := dial(t, sv.addr)
	_, err := io.WriteString(busy, "GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
	require.NoError(t, err)
	<-started

	sv.stop()
	require.Eventually(t, func() bool {
		c, err := net.Dial("tcp", sv.addr)
		if err == nil {
			c.Close()
		}
		return err != nil
	}, 2*time.Second, 5*time.Millisecond, "new connections are refused at once")
	resp := idle.get(t, "/healthz")
	assert.Equal(t, 200, resp.StatusCode, "a request on an open connection is served")
	assert.True(t, resp.Close, "with Connection: close")
	assert.True(t, idle.closed())

	close(release)
	resp, err = http.ReadResponse(busy.r, nil)
	require.NoError(t, err)
	assert.Equal(t, 404, resp.StatusCode, "the request in flight is answered")
	select {
	case err := <-sv.done:
		require.NoError(t, err)
		sv.done <- nil
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return once its connections were closed")
	}
	assert.Contains(t, log.String(), `"msg":"stopped"`)
}

// TestShutdownBudgetRunsOut checks that a shutdown whose requests do not
// finish within the budget ends them and says so with an error.
func TestShutdownBudgetRunsOut(t *testing.T) {
	s := newTestServer(t, Config{ShutdownTimeout: 200 * time.Millisecond, HandlerTimeout: time.Minute})
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	s.handler = s.logRequests(s.timeout(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})))
	sv := serve(t, s)
	c := dial(t, sv.addr)
	_, err := io.WriteString(c, "GET /slow HTTP/1.1\r\nHost: test\r\n\r\n")
	require.NoError(t, err)
	<-started
	sv.stop()
	err = <-sv.done
	sv.done <- nil
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), "1 requests still in flight"), err.Error())
}

// gatedListener is a TCP listener whose Close, once called, waits for
// release before it closes the socket.
type gatedListener struct {
	*net.TCPListener
	once    sync.Once
	closing chan struct{} // closed when Close is first called
	release chan struct{}
}

func (l *gatedListener) Close() error {
	l.once.Do(func() { close(l.closing) })
	<-l.release
	return l.TCPListener.Close()
}

// TestShutdownClosesListenerBeforeAskingClientsToClose: until the
// listening socket is closed, answers on open connections do not ask the
// client to close them. A proxy told to close one opens another for its
// next request, and one that completes as the socket closes is reset with
// its request sent, which the proxy does not retry when it is a POST.
func TestShutdownClosesListenerBeforeAskingClientsToClose(t *testing.T) {
	s := newTestServer(t, Config{Drain: 5 * time.Second})
	tcp, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	ln := &gatedListener{TCPListener: tcp, closing: make(chan struct{}), release: make(chan struct{})}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	c := dial(t, tcp.Addr().String())
	require.False(t, c.get(t, "/healthz").Close)

	stop()
	<-ln.closing
	assert.False(t, c.get(t, "/healthz").Close, "asked to close while the socket still takes connections")
	close(ln.release)
	require.Eventually(t, func() bool { return c.get(t, "/healthz").Close }, 2*time.Second, 10*time.Millisecond,
		"once the socket is closed, clients are asked to close")
	c.Close()
	require.NoError(t, <-done)
}
