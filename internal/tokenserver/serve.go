package tokenserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Serve serves on ln until ctx is done, then shuts down gracefully, and
// closes ln. It returns nil when every request in flight was answered
// within the ShutdownTimeout, and an error when the budget ran out or
// serving failed.
//
// Each connection has the server's timeouts: 5 s to read a request's
// header, 10 s for the whole request, 15 s to write the answer, 30 s idle
// between requests, 16 KiB of header at most; each request has
// HandlerTimeout to be answered, or is answered 503. At most MaxConns
// connections are open: at the cap a new connection replaces the one idle
// longest, or is answered 503 when none is idle.
//
// The shutdown, once ctx is done: the listener is closed at once, so new
// connections are refused and a proxy sends them elsewhere, and /readyz
// answers 503; requests that arrive on connections already open are
// served, with Connection: close. For at most Drain it waits for clients
// to close their connections, then closes the idle ones and waits for the
// requests in flight.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	maxConns := s.maxConns
	if n := fileLimit(); n > 0 && maxConns > n-64 {
		maxConns = max(1, n-64)
		s.log.Warn("connection cap lowered to fit the limit on open files", "max_conns", maxConns, "open_files", n)
	}
	cl := newConnLimiter(ln, maxConns)
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ConnState: func(c net.Conn, state http.ConnState) {
			cl.track(c, state)
			if s.connState != nil {
				s.connState(c, state)
			}
		},
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		// Requests keep running through the shutdown; only the
		// budget's end cuts them off.
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	s.log.Info("listening", append([]any{"addr", ln.Addr().String(), "max_conns", maxConns}, s.about...)...)
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(cl) }()
	select {
	case err := <-serveErr:
		cl.Close()
		return err
	case <-ctx.Done():
	}

	start := time.Now()
	budget, cancel := context.WithTimeout(context.Background(), s.shutdownTimeout)
	defer cancel()
	s.log.Info("shutting down: no longer accepting connections",
		"open_conns", cl.open(), "in_flight", s.inFlight.Load(), "budget", readable(s.shutdownTimeout))
	// The listener is closed first, and only then are clients asked to
	// close their connections: a proxy told to close one opens another
	// for its next request, and one that completes at the instant the
	// socket closes is reset with that request sent, which the proxy
	// does not retry when it is a POST. Until then, the proxy keeps
	// sending requests on the connections it holds.
	cl.Close()
	s.draining.Store(true)
	if s.drain > 0 {
		drain, cancelDrain := context.WithTimeout(budget, s.drain)
		waitFor(drain, func() bool { return cl.open() == 0 })
		cancelDrain()
	}
	err := srv.Shutdown(budget)
	<-serveErr
	if err != nil {
		left := s.inFlight.Load()
		srv.Close()
		s.log.Error("shutdown budget ran out: requests cut off",
			"in_flight", left, "duration", readable(time.Since(start)))
		return fmt.Errorf("shutdown: %d requests still in flight after %v: %w", left, s.shutdownTimeout, err)
	}
	s.log.Info("stopped", "duration", readable(time.Since(start)),
		"conns_evicted", cl.evicted.Load(), "conns_refused", cl.refused.Load())
	return nil
}

// waitFor polls cond until it holds or ctx is done.
func waitFor(ctx context.Context, cond func() bool) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
