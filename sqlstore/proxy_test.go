package sqlstore_test

import (
	"bytes"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A proxy forwards TCP connections to a database server, and fails the
// ways a network or a server fails, as the test tells it to: it drops
// every connection and refuses new ones (a server down or restarting),
// stalls (a server or a network that hangs), or cuts a connection in the
// middle of a statement after the statement has reached the server and
// before its reply has come back.
type proxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cond  *sync.Cond // signalled when mode changes
	mode  proxyMode
	cutOn []byte // in cutting mode, the bytes that mark the statement to cut
	links map[*link]struct{}
	wg    sync.WaitGroup
}

type proxyMode int

const (
	forwarding proxyMode = iota
	down                 // connections closed, new ones closed at once
	stalled              // nothing forwarded, new connections held
	cutting              // the reply to a statement holding cutOn is not forwarded
)

// A link is a client's connection and the proxy's to the server.
type link struct {
	client net.Conn
	cut    bool // the statement to cut has gone to the server; guarded by proxy.mu

	mu     sync.Mutex
	server net.Conn
	closed bool
}

// attach makes s the link's connection to the server, unless the link has
// been closed: then it closes s and returns false.
func (l *link) attach(s net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		s.Close()
		return false
	}
	l.server = s
	return true
}

func (l *link) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	l.closed = true
	l.client.Close()
	if l.server != nil {
		l.server.Close()
	}
}

// newProxy starts a proxy on a free port of the loopback interface to the
// server at target, and stops it when the test ends.
func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target, links: make(map[*link]struct{})}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

// Addr returns the address clients dial.
func (p *proxy) Addr() string { return p.ln.Addr().String() }

func (p *proxy) setMode(m proxyMode, cutOn []byte) {
	p.mu.Lock()
	p.mode, p.cutOn = m, cutOn
	p.cond.Broadcast()
	p.mu.Unlock()
	if m == down {
		p.Drop()
	}
}

// Drop closes every open connection, as a server that restarts does.
func (p *proxy) Drop() {
	p.mu.Lock()
	var drop []*link
	for l := range p.links {
		drop = append(drop, l)
	}
	p.mu.Unlock()
	for _, l := range drop {
		l.close()
	}
}

// Down closes every connection and refuses new ones.
func (p *proxy) Down() { p.setMode(down, nil) }

// Stall stops forwarding anything, on open connections and new ones.
func (p *proxy) Stall() { p.setMode(stalled, nil) }

// CutOn makes the proxy close a connection, both ends, when the reply to
// a client message that holds marker starts to come back.
func (p *proxy) CutOn(marker string) { p.setMode(cutting, []byte(marker)) }

// Up forwards again; what was held while stalled goes through.
func (p *proxy) Up() { p.setMode(forwarding, nil) }

func (p *proxy) close() {
	p.Down()
	p.ln.Close()
	p.wg.Wait()
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		l := &link{client: c}
		p.mu.Lock()
		if p.mode == down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.links[l] = struct{}{}
		p.mu.Unlock()
		p.wg.Go(func() { p.serve(l) })
	}
}

// serve connects l to the server, once the proxy is not stalled, and
// forwards both ways until either end closes.
func (p *proxy) serve(l *link) {
	defer func() {
		l.close()
		p.mu.Lock()
		delete(p.links, l)
		p.mu.Unlock()
	}()
	if !p.wait() {
		return
	}
	s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil || !l.attach(s) {
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(l, s, l.client, false) })
	p.pipe(l, l.client, s, true)
	wg.Wait()
}

// wait blocks while the proxy stalls and reports whether the link may go
// on.
func (p *proxy) wait() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.mode == stalled {
		p.cond.Wait()
	}
	return p.mode != down
}

// pipe copies from src to dst, as the mode allows, until either fails;
// then it closes the link.
func (p *proxy) pipe(l *link, dst, src net.Conn, fromServer bool) {
	defer l.close()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.pass(l, buf[:n], fromServer) {
				return
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// pass waits while the proxy stalls, and reports whether chunk may be
// forwarded: not when the proxy is down, nor the reply to a statement
// that is to be cut.
func (p *proxy) pass(l *link, chunk []byte, fromServer bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for p.mode == stalled {
		p.cond.Wait()
	}
	switch p.mode {
	case down:
		return false
	case cutting:
		if !fromServer && bytes.Contains(chunk, p.cutOn) {
			l.cut = true
		}
		return !(fromServer && l.cut)
	}
	return true
}
