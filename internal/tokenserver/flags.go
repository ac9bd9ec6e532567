package tokenserver

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
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/envflag"
	"github.com/jwtpair/jwt/internal/keyfile"
	"github.com/jwtpair/jwt/jwk"
)

// Flags are the command-line flags that every token server reads
// (CONTRACTS.md §2), each with its environment variable.
type Flags struct {
	Addr, Alg, KeyFile    string
	AccessTTL, RefreshTTL time.Duration
	Rotate                bool
}

// Define defines the flags on fs, with addr as the default of -addr.
func (f *Flags) Define(fs *flag.FlagSet, addr string) {
	fs.StringVar(&f.Addr, "addr", addr, "address to listen on")
	fs.StringVar(&f.Alg, "alg", "HS256", "signing algorithm: HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA")
	fs.StringVar(&f.KeyFile, "key", "", "signing key file: PEM or JWK, or the raw secret for HS*; empty: a fresh random key")
	fs.DurationVar(&f.AccessTTL, "access-ttl", jwt.DefaultAccessTTL, "lifetime of access tokens")
	fs.DurationVar(&f.RefreshTTL, "refresh-ttl", jwt.DefaultRefreshTTL, "lifetime of refresh tokens")
	fs.BoolVar(&f.Rotate, "rotate", false, "rotate refresh tokens: each refresh consumes the refresh token and returns a new one")
}

// Vars returns the environment variables of the flags Define defines,
// with more, the variables of a server's own flags, added.
func (f *Flags) Vars(more map[string]string) map[string]string {
	vars := map[string]string{
		"addr":        "ADDR",
		"alg":         "JWT_ALG",
		"key":         "JWT_KEY_FILE",
		"access-ttl":  "ACCESS_TTL",
		"refresh-ttl": "REFRESH_TTL",
		"rotate":      "ROTATE_REFRESH",
	}
	for k, v := range more {
		vars[k] = v
	}
	return vars
}

// Parse sets the flags of fs from the environment, through getenv, then
// from args, the command line winning, and checks the values of the
// flags Define defined. A bad value is a UsageError.
func Parse(fs *flag.FlagSet, args []string, vars map[string]string, getenv func(string) string) error {
	err := envflag.Parse(fs, args, vars, func(name string) (string, bool) {
		v := getenv(name)
		return v, v != ""
	})
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	if err != nil {
		return UsageError{err}
	}
	if fs.NArg() > 0 {
		return UsageError{fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	return nil
}

// Check checks the values of the flags.
func (f *Flags) Check() error {
	if f.AccessTTL <= 0 || f.RefreshTTL <= 0 {
		return UsageError{errors.New("-access-ttl and -refresh-ttl must be positive")}
	}
	if !known(jwt.Algorithm(f.Alg)) {
		return UsageError{fmt.Errorf("unknown algorithm %q", f.Alg)}
	}
	return nil
}

// UsageError is a bad flag or environment variable.
type UsageError struct{ Err error }

func (e UsageError) Error() string { return e.Err.Error() }
func (e UsageError) Unwrap() error { return e.Err }

// RunFunc is a server's run function: it serves until ctx is done. args
// are the command-line arguments without the program name; getenv reads
// the environment; the log goes to stdout; ready, when not nil, is
// called with the address listened on once connections are accepted.
type RunFunc func(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready func(addr string)) error

// Main runs a server as a program: until SIGINT or SIGTERM, which start
// the graceful shutdown. A second SIGINT (Ctrl-C pressed again) ends the
// process at once, with exit code 1; a repeated SIGTERM changes nothing,
// so that a supervisor that signals twice does not cut the shutdown
// short. Main exits with 0 when the server stopped cleanly, 2 on a usage
// error, and 1 otherwise, a shutdown whose budget ran out included.
func Main(name string, run RunFunc) {
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-sigs
		cancel()
		for sig := range sigs {
			if sig == os.Interrupt {
				fmt.Fprintln(os.Stderr, name+": interrupted again: stopping at once")
				os.Exit(1)
			}
		}
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.As(err, new(UsageError)):
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, name+":", err)
		os.Exit(1)
	}
}

// LoadSigner reads the signing key for alg from path or, when path is
// empty, makes a fresh random one and says so in the log. An asymmetric
// key without a key ID gets its RFC 7638 thumbprint as one, so that
// verifiers can find it in the JWK Set.
func LoadSigner(alg jwt.Algorithm, path string, log *slog.Logger) (jwt.Signer, error) {
	if !known(alg) {
		return nil, UsageError{fmt.Errorf("unknown algorithm %q", alg)}
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
	if IsHMAC(alg) {
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
