package tokenserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/jwtpair/jwt"
)

// allow sets the Allow header on every answer of h, as Django REST
// framework does, the 401s of the middleware included.
func allow(methods string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", methods)
		h.ServeHTTP(w, r)
	})
}

// helloClaims is what /hello/ reads of a token: the user id, a string, or
// a number in tokens of SimpleJWT before 5.5.1.
type helloClaims struct {
	UserID json.RawMessage `json:"user_id"`
}

// userID returns the user id as text, or "" when there is none.
func (c *helloClaims) userID() string {
	var s string
	if err := json.Unmarshal(c.UserID, &s); err == nil {
		return s
	}
	var n json.Number
	if err := json.Unmarshal(c.UserID, &n); err == nil {
		return n.String()
	}
	return ""
}

// hello is GET /hello/, behind the middleware: it finds the token's user
// as SimpleJWT's JWTAuthentication does, then checks the method, so that
// an unauthenticated POST is 401 and an authenticated one 405.
type hello struct{ users *Users }

func (h hello) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c, ok := jwt.ClaimsFrom[*helloClaims](r.Context())
	id := ""
	if ok {
		id = c.userID()
	}
	if id == "" {
		unauthorized(w, "Token contained no recognizable user identification", "token_not_valid")
		return
	}
	a, ok := h.users.byID[id]
	switch {
	case !ok:
		unauthorized(w, "User not found", "user_not_found")
		return
	case !a.active:
		unauthorized(w, "User is inactive", "user_inactive")
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		writeJSON(w, http.StatusOK, map[string]any{"message": "Hello, " + a.username + "!"})
	case http.MethodOptions:
		writeJSON(w, http.StatusOK, map[string]any{
			"name":        "Hello",
			"description": "Greets the user of the access token.",
			"renders":     []string{"application/json"},
			"parses":      []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
		})
	default:
		methodNotAllowed(w, r)
	}
}

func unauthorized(w http.ResponseWriter, detail, code string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
	writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": detail, "code": code})
}

// healthz answers 200 while the server runs: a liveness check, which
// asks nothing of the Store.
func healthz(w http.ResponseWriter, r *http.Request) {
	if !getOrHead(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// readyTimeout is how long /readyz waits for the Store.
const readyTimeout = time.Second

// readyz answers 200 when ready answers nil within readyTimeout and the
// server is not shutting down, 503 otherwise: the readiness check of a
// load balancer.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if !getOrHead(w, r) {
		return
	}
	if s.draining.Load() {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "shutting down"})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.ready(ctx) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "store unavailable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
}

// StoreReady returns a readiness check for Config.Ready that asks store
// for a session that does not exist: it passes when the Store answers,
// with the session or with jwt.ErrNoSession.
func StoreReady(store jwt.Store) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		_, err := store.Session(ctx, "readiness-check")
		if err == nil || errors.Is(err, jwt.ErrNoSession) {
			return nil
		}
		return err
	}
}

// getOrHead sets the headers of a check route and answers 405 to any
// method but GET and HEAD, reporting whether the request may go on.
func getOrHead(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Set("Allow", "GET, HEAD")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		methodNotAllowed(w, r)
		return false
	}
	return true
}

func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"detail": `Method "` + r.Method + `" not allowed.`})
}

func notFound(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusNotFound, map[string]any{"detail": "Not found."})
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	b, err := json.Marshal(body)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"detail":"A server error occurred."}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b)
}
