package main

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/jwtpair/jwt/simplejwt"
)

// maxBodyBytes caps every request body. The token routes need a few
// kilobytes at most.
const maxBodyBytes = 64 << 10

// appConfig is what newHandler needs.
type appConfig struct {
	signer                jwt.Signer
	accessTTL, refreshTTL time.Duration
	rotate                bool
	users                 *users
	logger                *slog.Logger
	now                   func() time.Time // nil: time.Now
	store                 jwt.Store        // nil: a MemoryStore on now
}

// newHandler returns the server's routes, behind the request log and the
// body cap.
func newHandler(cfg appConfig) (http.Handler, error) {
	pairs, err := jwt.NewPairs(jwt.PairConfig{
		Signer:     cfg.signer,
		AccessTTL:  cfg.accessTTL,
		RefreshTTL: cfg.refreshTTL,
		Rotate:     cfg.rotate,
		// No grace window: a rotated refresh token presented again is
		// refused at once, as in SimpleJWT, and ends its login (reuse
		// detection); of concurrent refreshes with one token exactly one
		// succeeds.
		NoReuseGrace: cfg.rotate,
		SubjectClaim: "user_id",
		Expect:       jwt.Expect{Now: cfg.now},
		Store:        cfg.store,
		// SimpleJWT's CHECK_USER_IS_ACTIVE: every refresh, over HTTP or
		// not, asks whether the account is still active.
		Active: cfg.users.Active,
		// Reuse (a stolen token, most likely), logouts and store failures
		// reach the log, with the subject and the session, never a token.
		OnEvent: jwt.SlogEvents(cfg.logger),
	})
	if err != nil {
		return nil, err
	}
	endpoints, err := simplejwt.NewHandler(simplejwt.Config{Pairs: pairs, Authenticator: cfg.users, MaxBodyBytes: maxBodyBytes})
	if err != nil {
		return nil, err
	}
	// As in SimpleJWT, an access token stays valid until it expires,
	// after a logout too: the pair manager has no RevokeAccess. Setting
	// RevokeAccess above makes this middleware refuse the access tokens
	// of an ended login at once, for a store lookup per request.
	auth, err := jwt.NewMiddleware(jwt.MiddlewareConfig{
		Verifier:  pairs,
		NewClaims: func() any { return new(helloClaims) },
	})
	if err != nil {
		return nil, err
	}
	jwks := http.Handler(http.HandlerFunc(notFound))
	if v, ok := cfg.signer.(jwt.Verifier); ok && !isHMAC(cfg.signer.Algorithm()) {
		src, err := jwk.NewStaticSet(v)
		if err != nil {
			return nil, err
		}
		if jwks, err = jwk.NewHandler(src, jwk.HandlerConfig{}); err != nil {
			return nil, err
		}
	}

	mux := http.NewServeMux()
	mux.Handle("/api/token/", endpoints)
	mux.Handle("/hello/{$}", allow("GET, HEAD, OPTIONS", auth.Handler(hello{cfg.users})))
	mux.HandleFunc("/healthz", healthz)
	mux.Handle("/.well-known/jwks.json", jwks)
	mux.HandleFunc("/", notFound)
	return logRequests(cfg.logger, http.MaxBytesHandler(mux, maxBodyBytes)), nil
}

func isHMAC(alg jwt.Algorithm) bool {
	return alg == jwt.HS256 || alg == jwt.HS384 || alg == jwt.HS512
}

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
type hello struct{ users *users }

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
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"detail": `Method "` + r.Method + `" not allowed.`})
	}
}

func unauthorized(w http.ResponseWriter, detail, code string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="api", error="invalid_token"`)
	writeJSON(w, http.StatusUnauthorized, map[string]any{"detail": detail, "code": code})
}

// healthz answers 200 while the server runs.
func healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", "GET, HEAD")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"detail": `Method "` + r.Method + `" not allowed.`})
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok"})
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

// statusWriter remembers the status of an answer for the log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request: method, path, status and
// duration. It never logs headers, the query string or bodies, where
// tokens and passwords travel.
func logRequests(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		log.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)),
		)
	})
}
