package tokenserver

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrapped returns h behind the access log and the timeout of a Server
// that logs to buf, as New wraps the routes.
func wrapped(buf *syncBuffer, timeout time.Duration, h http.Handler) (*Server, http.Handler) {
	s := &Server{log: slog.New(slog.NewJSONHandler(buf, nil)), handlerTimeout: timeout}
	return s, s.logRequests(s.timeout(h))
}

func lastLine(t *testing.T, buf *syncBuffer) map[string]any {
	t.Helper()
	lines := buf.lines(t)
	require.NotEmpty(t, lines)
	return lines[len(lines)-1]
}

// TestSlowRequestAnsweredNotDropped checks that a request that takes
// longer than the handler timeout is answered 503 at the timeout, before
// the server's write timeout could cut the connection, and logged as a
// timeout.
func TestSlowRequestAnsweredNotDropped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncBuffer
		release := make(chan struct{})
		writeErr := make(chan error, 1)
		_, h := wrapped(&buf, 2*time.Second, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
			_, err := w.Write([]byte("too late"))
			writeErr <- err
		}))
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/token/", nil))
		assert.Equal(t, 2*time.Second, time.Since(start))
		status, body := decode(t, w)
		assert.Equal(t, http.StatusServiceUnavailable, status)
		assert.Equal(t, map[string]any{"detail": "The request took too long to serve."}, body)
		line := lastLine(t, &buf)
		assert.Equal(t, "timeout", line["outcome"])
		assert.Equal(t, float64(503), line["status"])
		assert.Equal(t, "2s", line["duration"])
		assert.Equal(t, "WARN", line["level"])
		close(release)
		assert.ErrorIs(t, <-writeErr, http.ErrHandlerTimeout, "the late answer is discarded")
	})
}

func TestAccessLogRecordsWhatWasWritten(t *testing.T) {
	var buf syncBuffer
	_, h := wrapped(&buf, time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Test", "kept")
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte("12345"))
	}))
	r := httptest.NewRequest(http.MethodGet, "/x?token=secret", nil)
	r.RemoteAddr = "192.0.2.1:4711"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	assert.Equal(t, http.StatusTeapot, w.Code)
	assert.Equal(t, "12345", w.Body.String())
	assert.Equal(t, "kept", w.Header().Get("X-Test"))
	line := lastLine(t, &buf)
	assert.Equal(t, "GET", line["method"])
	assert.Equal(t, "/x", line["path"])
	assert.Equal(t, float64(http.StatusTeapot), line["status"])
	assert.Equal(t, float64(5), line["bytes"])
	assert.Equal(t, "192.0.2.1", line["client"])
	assert.IsType(t, "", line["duration"], "a duration a person reads")
	assert.NotContains(t, line, "outcome")
	assert.NotContains(t, buf.String(), "secret", "no query string")
}

// TestFailedWriteLogged checks that an answer that could not be written,
// such as one cut by the write timeout, is logged so, not as served.
func TestFailedWriteLogged(t *testing.T) {
	var buf syncBuffer
	_, h := wrapped(&buf, time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello"))
	}))
	h.ServeHTTP(failingWriter{httptest.NewRecorder()}, httptest.NewRequest(http.MethodGet, "/", nil))
	line := lastLine(t, &buf)
	assert.Equal(t, "i/o timeout", line["write_error"])
	assert.Equal(t, float64(0), line["bytes"])
	assert.Equal(t, "WARN", line["level"])
}

type failingWriter struct{ *httptest.ResponseRecorder }

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("i/o timeout") }

func TestClientGoneLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var buf syncBuffer
		_, h := wrapped(&buf, time.Minute, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}))
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			time.Sleep(time.Second)
			cancel()
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil).WithContext(ctx))
		line := lastLine(t, &buf)
		assert.Equal(t, true, line["client_gone"])
		assert.NotContains(t, line, "outcome", "not a timeout")
	})
}

func TestPanicReachesTheServer(t *testing.T) {
	var buf syncBuffer
	_, h := wrapped(&buf, time.Minute, http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	assert.PanicsWithValue(t, "boom", func() {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}, "net/http recovers and logs it, as without the timeout")
}

func TestReadable(t *testing.T) {
	for d, want := range map[time.Duration]string{
		15712345678 * time.Nanosecond: "15.712s",
		2104567 * time.Nanosecond:     "2.105ms",
		523456 * time.Nanosecond:      "523.5µs",
		0:                             "0s",
	} {
		assert.Equal(t, want, readable(d))
	}
}
