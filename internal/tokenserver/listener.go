package tokenserver

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// connLimiter is a listener that holds at most max connections open. At
// the cap, a new connection takes the place of the connection that has
// been idle longest, which is closed, so that idle keep-alive connections
// never lock new clients out; when none is idle, the new connection is
// answered 503 with Retry-After and closed, so that a client is told
// rather than left waiting. Its track method is the http.Server's
// ConnState hook.
//
// Close stops accepting at once. It first takes in the connections that
// the kernel has already completed but the server not yet accepted, which
// closing the socket would reset: a proxy may have sent a request on one,
// and would not retry a POST.
type connLimiter struct {
	net.Listener
	max int

	mu    sync.Mutex
	conns map[*limitedConn]struct{}

	closing   atomic.Bool
	closeOnce sync.Once
	sockOnce  sync.Once
	closed    chan struct{} // closed once the socket is
	refusing  chan struct{} // bounds the connections being refused
	evicted   atomic.Int64
	refused   atomic.Int64
}

func newConnLimiter(ln net.Listener, max int) *connLimiter {
	return &connLimiter{
		Listener: ln,
		max:      max,
		conns:    make(map[*limitedConn]struct{}),
		closed:   make(chan struct{}),
		refusing: make(chan struct{}, 32),
	}
}

// limitedConn is a connection of a connLimiter, with its state as the
// http.Server last reported it.
type limitedConn struct {
	net.Conn
	l         *connLimiter
	idle      bool
	idleSince time.Time
	closeOnce sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.closeOnce.Do(func() {
		c.l.mu.Lock()
		delete(c.l.conns, c)
		c.l.mu.Unlock()
	})
	return err
}

// deadliner is a listener whose Accept can be made to return at once.
type deadliner interface {
	SetDeadline(t time.Time) error
}

func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if l.closing.Load() {
			if err != nil {
				// The queue is empty (the deadline passed) or the socket
				// failed: close it.
				l.closeSocket()
				return nil, net.ErrClosed
			}
			// Taken in from the kernel's queue while closing: served,
			// over the cap if need be.
			return l.add(c, true), nil
		}
		if err != nil {
			return nil, err
		}
		if lc := l.add(c, false); lc != nil {
			return lc, nil
		}
		l.refuse(c)
	}
}

// add tracks c, making room for it by closing the connection idle
// longest when the cap is reached, unless force. It returns nil when
// there is no room.
func (l *connLimiter) add(c net.Conn, force bool) *limitedConn {
	l.mu.Lock()
	var victim *limitedConn
	if len(l.conns) >= l.max && !force {
		for lc := range l.conns {
			if lc.idle && (victim == nil || lc.idleSince.Before(victim.idleSince)) {
				victim = lc
			}
		}
		if victim == nil {
			l.mu.Unlock()
			return nil
		}
		delete(l.conns, victim)
	}
	lc := &limitedConn{Conn: c, l: l}
	l.conns[lc] = struct{}{}
	l.mu.Unlock()
	if victim != nil {
		l.evicted.Add(1)
		victim.Close()
	}
	return lc
}

// track is the ConnState hook of the http.Server.
func (l *connLimiter) track(c net.Conn, state http.ConnState) {
	lc, ok := c.(*limitedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	switch state {
	case http.StateIdle:
		lc.idle, lc.idleSince = true, time.Now()
	case http.StateActive:
		lc.idle = false
	}
}

// open returns the number of connections open.
func (l *connLimiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// busyBody is the answer to a connection refused at the cap.
var busyBody = `{"detail": "Service temporarily unavailable, try again later."}`

var busyResponse = []byte("HTTP/1.1 503 Service Unavailable\r\n" +
	"Content-Type: application/json\r\n" +
	"Retry-After: 1\r\n" +
	"Connection: close\r\n" +
	"Content-Length: " + strconv.Itoa(len(busyBody)) + "\r\n\r\n" + busyBody)

// refuse answers c with 503 and closes it, in the background, for at most
// a second; past 32 such connections at once, it closes c at once.
func (l *connLimiter) refuse(c net.Conn) {
	l.refused.Add(1)
	select {
	case l.refusing <- struct{}{}:
	default:
		c.Close()
		return
	}
	go func() {
		defer func() { <-l.refusing }()
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Second))
		if _, err := c.Write(busyResponse); err != nil {
			return
		}
		// Close our side for writing and read what the client sent, so
		// that the close does not reset the connection before the client
		// has read the answer.
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		io.Copy(io.Discard, io.LimitReader(c, 64<<10))
	}()
}

// acceptQueueDrain is how long Close lets the Accept the http.Server is
// blocked in take in the connections the kernel has queued.
const acceptQueueDrain = 20 * time.Millisecond

// Close stops accepting connections. On a TCP listener it lets the
// Accept that the http.Server is blocked in take in, for a few
// milliseconds, the connections the kernel has queued, then closes the
// socket; a connection that completes between the last Accept and the
// close is still reset, but the window is microseconds, not the time the
// queue took to build up. Other listeners are closed at once. Close may
// be called more than once.
func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() {
		l.closing.Store(true)
		d, ok := l.Listener.(deadliner)
		if !ok || d.SetDeadline(time.Now().Add(acceptQueueDrain)) != nil {
			l.closeSocket()
			return
		}
		select {
		case <-l.closed:
		case <-time.After(10 * acceptQueueDrain):
			// Nobody is accepting.
			l.closeSocket()
		}
	})
	return nil
}

func (l *connLimiter) closeSocket() {
	l.sockOnce.Do(func() {
		l.Listener.Close()
		close(l.closed)
	})
}
