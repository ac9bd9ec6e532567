package tokenserver

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// request is what the access log learns of a request from the handlers
// it wraps, through the request context.
type request struct {
	mu       sync.Mutex
	timedOut bool   // answered 503 by timeout: the handler took too long
	refused  string // why the login limits refused it, if they did
}

type requestKey struct{}

func requestFrom(ctx context.Context) *request {
	r, _ := ctx.Value(requestKey{}).(*request)
	if r == nil {
		r = new(request)
	}
	return r
}

// logRequests logs one line per request, once it has been answered: what
// was really written (status and body bytes, or the error that stopped
// the write), how long it took in a unit a person reads, the client's
// address, and whether the handler ran out of time, the login limits
// refused it, or the client went away first. It never logs headers, the
// query string or bodies, where tokens and passwords travel. While the
// server shuts down it asks every client to close its connection
// (Connection: close), so that no client sends another request on a
// connection about to be closed.
func (s *Server) logRequests(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		client := clientAddr(r, s.trusted)
		info := new(request)
		lw := &logWriter{ResponseWriter: w, s: s}
		ctx := withClient(context.WithValue(r.Context(), requestKey{}, info), client)
		h.ServeHTTP(lw, r.WithContext(ctx))
		if lw.status == 0 {
			// Nothing written: net/http answers 200 with no body.
			lw.status = http.StatusOK
		}
		level := slog.LevelInfo
		attrs := []slog.Attr{
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", lw.status),
			slog.Int64("bytes", lw.bytes),
			slog.String("duration", readable(time.Since(start))),
			slog.String("client", addrString(client)),
		}
		info.mu.Lock()
		switch {
		case info.timedOut:
			level = slog.LevelWarn
			attrs = append(attrs, slog.String("outcome", "timeout"))
		case info.refused != "":
			attrs = append(attrs, slog.String("outcome", info.refused))
		}
		info.mu.Unlock()
		switch {
		case lw.err != nil:
			level = slog.LevelWarn
			attrs = append(attrs, slog.String("write_error", lw.err.Error()))
		case errors.Is(r.Context().Err(), context.Canceled):
			attrs = append(attrs, slog.Bool("client_gone", true))
		}
		s.log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	return a.String()
}

// readable rounds d to about four significant digits: 15.712s, 2.104ms,
// 523µs.
func readable(d time.Duration) string {
	switch {
	case d >= time.Second:
		d = d.Round(time.Millisecond)
	case d >= time.Millisecond:
		d = d.Round(time.Microsecond)
	default:
		d = d.Round(100 * time.Nanosecond)
	}
	return d.String()
}

// logWriter records what was written for the log.
type logWriter struct {
	http.ResponseWriter
	s      *Server
	status int
	bytes  int64
	err    error // the first failed write
}

func (w *logWriter) WriteHeader(code int) {
	if w.status != 0 || code < 200 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
	if w.s.draining.Load() {
		w.Header().Set("Connection", "close")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}

// Unwrap lets http.ResponseController reach the connection.
func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// timeout runs h with a deadline, HandlerTimeout after the request's
// header was read. An answer that h has not finished by then is dropped
// and the client gets 503 in its place, well before the server's write
// timeout would cut the connection with no answer at all. h's context is
// done at the deadline; h may run on after it, its writes discarded.
func (s *Server) timeout(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.handlerTimeout)
		defer cancel()
		bw := &bufferedWriter{header: make(http.Header)}
		done := make(chan struct{})
		panicked := make(chan any, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					panicked <- p
					return
				}
				close(done)
			}()
			h.ServeHTTP(bw, r.WithContext(ctx))
		}()
		select {
		case p := <-panicked:
			panic(p)
		case <-done:
			bw.mu.Lock()
			defer bw.mu.Unlock()
			dst := w.Header()
			for k, vv := range bw.header {
				dst[k] = vv
			}
			if bw.status == 0 {
				bw.status = http.StatusOK
			}
			w.WriteHeader(bw.status)
			w.Write(bw.body.Bytes())
		case <-ctx.Done():
			bw.mu.Lock()
			bw.closed = true
			bw.mu.Unlock()
			if r.Context().Err() != nil {
				return // the client went away: nobody to answer
			}
			info := requestFrom(r.Context())
			info.mu.Lock()
			info.timedOut = true
			info.mu.Unlock()
			w.Header().Set("Cache-Control", "no-store")
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"detail": "The request took too long to serve."})
		}
	})
}

// bufferedWriter holds the answer of a handler run by timeout until it
// has finished.
type bufferedWriter struct {
	mu     sync.Mutex
	header http.Header
	status int
	body   bytes.Buffer
	closed bool // the deadline passed: writes fail
}

func (w *bufferedWriter) Header() http.Header { return w.header }

func (w *bufferedWriter) WriteHeader(code int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.status == 0 && code >= 200 && !w.closed {
		w.status = code
	}
}

func (w *bufferedWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return 0, http.ErrHandlerTimeout
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}
