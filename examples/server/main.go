// Command server is a production-shaped token server that speaks the HTTP
// contract of Django REST framework SimpleJWT: obtain, refresh, verify and
// blacklist routes, an authenticated /hello/, /healthz and, for asymmetric
// algorithms, a JWK Set at /.well-known/jwks.json.
//
//	go run ./examples/server
//
// serves on 127.0.0.1:8000 with HS256 and a fresh random key. The demo
// account is admin / admin@123. See README.md for the flags.
//
// It is built on the exported API of the jwt, jwk and simplejwt packages,
// reads its key file with internal/keyfile and its flags, with fallbacks
// to environment variables, with internal/envflag. Everything else is the
// standard library, including log/slog for the log and crypto/pbkdf2 for
// the demo account's password hash.
package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/envflag"
	"github.com/jwtpair/jwt/internal/keyfile"
	"github.com/jwtpair/jwt/jwk"
)

// The server's timeouts and limits.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	writeTimeout      = 15 * time.Second
	idleTimeout       = 60 * time.Second
	maxHeaderBytes    = 16 << 10 // room for an 8 KiB token and the rest
	shutdownTimeout   = 10 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// usageError is a bad flag or environment variable.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// run serves until ctx is done, then shuts down gracefully: it stops
// accepting connections and lets requests in flight finish, for at most
// shutdownTimeout. args are the command-line arguments without the program
// name; getenv reads the environment; the log goes to stdout as JSON; ready,
// when not nil, is called with the address listened on once connections
// are accepted.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready func(addr string)) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", "127.0.0.1:8000", "address to listen on")
	alg := fs.String("alg", "HS256", "signing algorithm: HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA")
	keyFile := fs.String("key", "", "signing key file: PEM or JWK, or the raw secret for HS*; empty: a fresh random key")
	accessTTL := fs.Duration("access-ttl", jwt.DefaultAccessTTL, "lifetime of access tokens")
	refreshTTL := fs.Duration("refresh-ttl", jwt.DefaultRefreshTTL, "lifetime of refresh tokens")
	rotate := fs.Bool("rotate", false, "rotate refresh tokens: each refresh consumes the refresh token and returns a new one")
	err := envflag.Parse(fs, args, map[string]string{
		"addr":        "ADDR",
		"alg":         "JWT_ALG",
		"key":         "JWT_KEY_FILE",
		"access-ttl":  "ACCESS_TTL",
		"refresh-ttl": "REFRESH_TTL",
		"rotate":      "ROTATE_REFRESH",
	}, func(name string) (string, bool) {
		v := getenv(name)
		return v, v != ""
	})
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if *accessTTL <= 0 || *refreshTTL <= 0 {
		return usageError{errors.New("-access-ttl and -refresh-ttl must be positive")}
	}

	log := slog.New(slog.NewJSONHandler(stdout, nil))
	signer, err := loadSigner(jwt.Algorithm(*alg), *keyFile, log)
	if err != nil {
		return err
	}
	u, err := demoUsers()
	if err != nil {
		return err
	}
	handler, err := newHandler(appConfig{
		signer:     signer,
		accessTTL:  *accessTTL,
		refreshTTL: *refreshTTL,
		rotate:     *rotate,
		users:      u,
		logger:     log,
	})
	if err != nil {
		return err
	}

	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "alg", signer.Algorithm(), "rotate", *rotate)
	if ready != nil {
		ready(ln.Addr().String())
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	select {
	case err := <-serveErr:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-serveErr; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// loadSigner reads the signing key from path or, when path is empty, makes
// a fresh random one and says so in the log. An asymmetric key without a
// key ID gets its RFC 7638 thumbprint as one, so that verifiers can find
// it in the JWK Set.
func loadSigner(alg jwt.Algorithm, path string, log *slog.Logger) (jwt.Signer, error) {
	if !known(alg) {
		return nil, usageError{fmt.Errorf("unknown algorithm %q", alg)}
	}
	var s jwt.Signer
	var err error
	if path != "" {
		s, err = keyfile.ReadSigner(path, alg)
		if err != nil {
			return nil, fmt.Errorf("key file: %w", err)
		}
	} else {
		s, err = randomSigner(alg)
		if err != nil {
			return nil, err
		}
		log.Warn("no key file given: signing with a fresh random key; tokens will not survive a restart")
	}
	if isHMAC(alg) {
		return s, nil
	}
	if k, ok := s.(interface{ KeyID() string }); ok && k.KeyID() != "" {
		return s, nil
	}
	j, err := jwk.Public(s.(jwt.Verifier))
	if err != nil {
		return nil, err
	}
	kid, err := j.Thumbprint()
	if err != nil {
		return nil, err
	}
	switch k := s.(type) {
	case *jwt.RSASigner:
		return k.WithKeyID(kid), nil
	case *jwt.ECDSASigner:
		return k.WithKeyID(kid), nil
	case *jwt.EdDSASigner:
		return k.WithKeyID(kid), nil
	}
	return nil, fmt.Errorf("key of type %T cannot carry a key ID", s)
}

func known(alg jwt.Algorithm) bool {
	for _, a := range jwt.Algorithms() {
		if a == alg {
			return true
		}
	}
	return false
}

// randomSigner makes a new key for alg: an HMAC secret as long as the
// hash, a 2048-bit RSA key, an ECDSA key on the algorithm's curve, or an
// Ed25519 key.
func randomSigner(alg jwt.Algorithm) (jwt.Signer, error) {
	var key crypto.Signer
	var err error
	switch alg {
	case jwt.HS256, jwt.HS384, jwt.HS512:
		secret := make([]byte, map[jwt.Algorithm]int{jwt.HS256: 32, jwt.HS384: 48, jwt.HS512: 64}[alg])
		rand.Read(secret)
		return jwt.NewHMAC(alg, secret)
	case jwt.ES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jwt.ES384:
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case jwt.ES512:
		key, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case jwt.EdDSA:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	}
	if err != nil {
		return nil, err
	}
	return jwt.NewSigner(alg, key)
}
