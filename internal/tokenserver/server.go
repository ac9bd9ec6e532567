package tokenserver

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/jwtpair/jwt/simplejwt"
)

// MaxBodyBytes caps every request body. The token routes need a few
// kilobytes at most.
const MaxBodyBytes = 64 << 10

// The defaults of Config.
const (
	// DefaultMaxConns is the most connections open at once.
	DefaultMaxConns = 1024
	// DefaultHandlerTimeout is how long a request may take from the end
	// of its header to its answer.
	DefaultHandlerTimeout = 5 * time.Second
	// DefaultShutdownTimeout is the budget of a graceful shutdown.
	DefaultShutdownTimeout = 15 * time.Second
)

// The timeouts and limits of the HTTP server, for every connection.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 15 * time.Second
	idleTimeout       = 30 * time.Second
	maxHeaderBytes    = 16 << 10 // room for an 8 KiB token and the rest
)

// Config configures a Server. New copies it, so changing it afterwards has
// no effect. Only Signer is required.
type Config struct {
	// Signer signs the tokens; it must also verify them, as every key of
	// package jwt does. Required.
	Signer jwt.Signer
	// AccessTTL and RefreshTTL are the lifetimes of the tokens. Zero means
	// the pair manager's defaults (5 minutes, 24 hours).
	AccessTTL, RefreshTTL time.Duration
	// Rotate makes every refresh return a new refresh token and consume
	// the old one.
	Rotate bool
	// ReuseGrace is how long a rotated refresh token may be presented
	// again before that counts as reuse (jwt.PairConfig.ReuseGrace). Zero
	// means no grace at all, as in SimpleJWT: of concurrent refreshes with
	// one token exactly one succeeds.
	ReuseGrace time.Duration
	// Store keeps the sessions. Nil means a jwt.MemoryStore on Now, which
	// serves one process only.
	Store jwt.Store
	// Users are the accounts. Nil means the demo account of DemoUsers.
	Users *Users
	// Logger receives the access log and the server's events. Nil means
	// no log.
	Logger *slog.Logger
	// Now is the clock of the tokens. Nil means time.Now.
	Now func() time.Time

	// Login limits the login route.
	Login LoginLimits
	// Counter keeps the counts of failed logins. Nil means a
	// MemoryCounter, which counts for one process only.
	Counter Counter
	// TrustedProxies are the peers whose X-Forwarded-For header names the
	// client, such as nginx in front of the server. Empty means none: the
	// peer is the client.
	TrustedProxies []netip.Prefix
	// Ready, when set, serves GET /readyz: 200 when it returns nil within
	// a second, 503 when it fails or takes longer, and 503 once the
	// server is shutting down. StoreReady makes one. Nil means no
	// /readyz route.
	Ready func(ctx context.Context) error

	// MaxConns is the most connections open at once; see Serve. Zero
	// means DefaultMaxConns, lowered to what the process's limit on open
	// files leaves room for.
	MaxConns int
	// HandlerTimeout is how long a request may take once its header has
	// been read, its body included; a request that takes longer is
	// answered 503. Zero means DefaultHandlerTimeout.
	HandlerTimeout time.Duration
	// Drain is how long a shutdown waits, once it has stopped accepting
	// connections, for the open ones to be closed by their clients, which
	// it asks to with Connection: close, before it closes the idle ones
	// itself. Behind a proxy that keeps connections open, make it longer
	// than the proxy's idle timeout for them (nginx's keepalive_timeout in
	// the upstream block), so that no request the proxy sends on an idle
	// connection meets a connection being closed. Zero means no wait, for
	// a server that clients reach directly.
	Drain time.Duration
	// ShutdownTimeout is the budget of a graceful shutdown, the Drain
	// included: past it, the requests still in flight are cut off and
	// Serve returns an error. Zero means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
}

// Server is the token server: the routes of CONTRACTS.md §2 (and
// /readyz), the login limits, the access log, and the HTTP server that
// serves them with its timeouts, connection cap and graceful shutdown. A
// Server serves one listener once.
type Server struct {
	handler         http.Handler
	log             *slog.Logger
	ready           func(ctx context.Context) error
	trusted         []netip.Prefix
	maxConns        int
	handlerTimeout  time.Duration
	drain           time.Duration
	shutdownTimeout time.Duration

	about []any // what the "listening" line says of the server

	draining atomic.Bool  // set when the shutdown starts
	inFlight atomic.Int64 // requests being served

	// connState, when set, is told of each change of a connection's
	// state once the connection cap has recorded it (tests).
	connState func(net.Conn, http.ConnState)
}

// New returns the server configured by cfg.
func New(cfg Config) (*Server, error) {
	if cfg.Signer == nil {
		return nil, fmt.Errorf("%w: tokenserver: Signer is required", jwt.ErrConfig)
	}
	s := &Server{
		log:             cfg.Logger,
		ready:           cfg.Ready,
		trusted:         append([]netip.Prefix(nil), cfg.TrustedProxies...),
		maxConns:        cfg.MaxConns,
		handlerTimeout:  cfg.HandlerTimeout,
		drain:           cfg.Drain,
		shutdownTimeout: cfg.ShutdownTimeout,
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.about = []any{"alg", cfg.Signer.Algorithm(), "rotate", cfg.Rotate}
	if cfg.Rotate {
		s.about = append(s.about, "reuse_grace", readable(max(cfg.ReuseGrace, 0)))
	}
	if s.maxConns <= 0 {
		s.maxConns = DefaultMaxConns
	}
	if s.handlerTimeout <= 0 {
		s.handlerTimeout = DefaultHandlerTimeout
	}
	if s.shutdownTimeout <= 0 {
		s.shutdownTimeout = DefaultShutdownTimeout
	}
	users := cfg.Users
	if users == nil {
		var err error
		if users, err = DemoUsers(); err != nil {
			return nil, err
		}
	}
	mux, err := s.routes(cfg, users)
	if err != nil {
		return nil, err
	}
	s.handler = s.logRequests(s.timeout(http.MaxBytesHandler(mux, MaxBodyBytes)))
	return s, nil
}

// routes returns the server's routes: the token routes of simplejwt
// behind the login limits, /hello/ behind the middleware, /healthz,
// /readyz when there is a readiness check, and the JWK Set.
func (s *Server) routes(cfg Config, users *Users) (*http.ServeMux, error) {
	pairs, err := jwt.NewPairs(jwt.PairConfig{
		Signer:     cfg.Signer,
		AccessTTL:  cfg.AccessTTL,
		RefreshTTL: cfg.RefreshTTL,
		Rotate:     cfg.Rotate,
		// Without a grace, a rotated refresh token presented again is
		// refused at once, as in SimpleJWT, and ends its login (reuse
		// detection).
		ReuseGrace:   cfg.ReuseGrace,
		NoReuseGrace: cfg.ReuseGrace <= 0,
		SubjectClaim: "user_id",
		Expect:       jwt.Expect{Now: cfg.Now},
		Store:        cfg.Store,
		// SimpleJWT's CHECK_USER_IS_ACTIVE: every refresh, over HTTP or
		// not, asks whether the account is still active.
		Active: users.Active,
		// Reuse (a stolen token, most likely), logouts and store failures
		// reach the log, with the subject and the session, never a token.
		OnEvent: jwt.SlogEvents(s.log),
	})
	if err != nil {
		return nil, err
	}
	counter := cfg.Counter
	if counter == nil {
		counter = &MemoryCounter{}
	}
	guard := newLoginGuard(cfg.Login, users, counter, s.log)
	endpoints, err := simplejwt.NewHandler(simplejwt.Config{Pairs: pairs, Authenticator: guard, MaxBodyBytes: MaxBodyBytes})
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
	jwks, err := jwksHandler(cfg.Signer)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/token/", guard.route(endpoints))
	mux.Handle("/hello/{$}", allow("GET, HEAD, OPTIONS", auth.Handler(hello{users})))
	mux.HandleFunc("/healthz", healthz)
	if s.ready != nil {
		mux.HandleFunc("/readyz", s.readyz)
	}
	mux.Handle("/.well-known/jwks.json", jwks)
	mux.HandleFunc("/", notFound)
	return mux, nil
}

// jwksHandler serves the public key of signer as a JWK Set, or 404 for an
// HMAC secret.
func jwksHandler(signer jwt.Signer) (http.Handler, error) {
	v, ok := signer.(jwt.Verifier)
	if !ok || IsHMAC(signer.Algorithm()) {
		return http.HandlerFunc(notFound), nil
	}
	src, err := jwk.NewStaticSet(v)
	if err != nil {
		return nil, err
	}
	return jwk.NewHandler(src, jwk.HandlerConfig{})
}

// ServeHTTP serves one request, as Serve does it on each connection.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// IsHMAC reports whether alg is one of the HMAC algorithms, whose key is a
// secret that no JWK Set may publish.
func IsHMAC(alg jwt.Algorithm) bool {
	return alg == jwt.HS256 || alg == jwt.HS384 || alg == jwt.HS512
}
