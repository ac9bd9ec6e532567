package redisstore_test

import (
	"bytes"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// dropProxy is a TCP proxy between a client and Redis that, once armed,
// lets the next request carrying a marker through to Redis and drops the
// reply: it then closes the connection, or, when stall is set, keeps it
// open and silent until the client gives up on it. Redis carries the
// request out; the client never hears of it: a reply lost on the network.
type dropProxy struct {
	ln      net.Listener
	target  string
	marker  []byte
	stall   bool
	armed   atomic.Bool
	dropped atomic.Int32

	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

// The states of one proxied connection.
const (
	passing   = iota // replies go through
	dropNext         // the reply to come is dropped
	swallowed        // a reply was dropped: nothing more goes through
)

// newProxy starts a proxy to target that drops the reply of a request
// carrying marker when armed, and stops it when the test ends.
func newProxy(t *testing.T, target string, marker []byte, stall bool) *dropProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &dropProxy{ln: ln, target: target, marker: marker, stall: stall}
	p.wg.Go(p.serve)
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

// Addr is the address clients dial.
func (p *dropProxy) Addr() string { return p.ln.Addr().String() }

// Arm makes the proxy drop the reply of the next request carrying the
// marker.
func (p *dropProxy) Arm() { p.armed.Store(true) }

func (p *dropProxy) serve() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		server, err := net.Dial("tcp", p.target)
		if err != nil {
			client.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, client, server)
		p.mu.Unlock()
		var state atomic.Int32
		p.wg.Go(func() { p.requests(client, server, &state) })
		p.wg.Go(func() { p.replies(client, server, &state) })
	}
}

// requests copies what the client sends to Redis, and marks the
// connection when the request carries the marker and the proxy is armed.
// The mark is set before the request is sent, so before its reply.
func (p *dropProxy) requests(client, server net.Conn, state *atomic.Int32) {
	defer client.Close()
	defer server.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := client.Read(buf)
		if n > 0 {
			if bytes.Contains(buf[:n], p.marker) && p.armed.CompareAndSwap(true, false) {
				state.Store(dropNext)
			}
			if _, err := server.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// replies copies what Redis answers to the client, but for a marked
// connection, whose replies it drops from then on.
func (p *dropProxy) replies(client, server net.Conn, state *atomic.Int32) {
	defer client.Close()
	defer server.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := server.Read(buf)
		if n > 0 {
			if state.CompareAndSwap(dropNext, swallowed) {
				p.dropped.Add(1)
				if !p.stall {
					return
				}
			}
			if state.Load() == passing {
				if _, err := client.Write(buf[:n]); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}
