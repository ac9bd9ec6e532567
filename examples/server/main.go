// Command server is a production-shaped token server that speaks the HTTP
// contract of Django REST framework SimpleJWT: obtain, refresh, verify and
// blacklist routes, an authenticated /hello/, /healthz and, for asymmetric
// algorithms, a JWK Set at /.well-known/jwks.json.
//
//	go run ./examples/server
//
// serves on 127.0.0.1:8000 with HS256 and a fresh random key. The demo
// account is admin / admin@123. See README.md for the flags and limits.
//
// It is one process with its sessions in memory. The server that runs as
// several instances behind nginx, with the sessions in Redis or SQL, is
// deploy/server; the two share their code, internal/tokenserver, and
// differ only in their flags and stores.
//
// It is built on the exported API of the jwt, jwk and simplejwt packages,
// and on internal/tokenserver, which reads the key file with
// internal/keyfile and the flags, with fallbacks to environment
// variables, with internal/envflag. Everything else is the standard
// library, including log/slog for the log and crypto/pbkdf2 for the demo
// account's password hash.
package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/tokenserver"
)

func main() {
	tokenserver.Main("server", run)
}

// run serves until ctx is done, then shuts down gracefully: it stops
// accepting connections and lets requests in flight finish, within the
// shutdown budget. It is a tokenserver.RunFunc.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready func(addr string)) error {
	return serve(ctx, args, getenv, stdout, ready, nil)
}

// serve is run with the accounts users; nil means the demo account. Tests
// give accounts whose password hashes are cheap.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready func(addr string), users *tokenserver.Users) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var f tokenserver.Flags
	f.Define(fs, "127.0.0.1:8000")
	if err := tokenserver.Parse(fs, args, f.Vars(nil), getenv); err != nil {
		return err
	}
	if err := f.Check(); err != nil {
		return err
	}

	log := slog.New(slog.NewJSONHandler(stdout, nil))
	signer, err := tokenserver.LoadSigner(jwt.Algorithm(f.Alg), f.KeyFile, log)
	if err != nil {
		return err
	}
	srv, err := tokenserver.New(tokenserver.Config{
		Signer:     signer,
		AccessTTL:  f.AccessTTL,
		RefreshTTL: f.RefreshTTL,
		Rotate:     f.Rotate,
		Logger:     log,
		Users:      users,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", f.Addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	return srv.Serve(ctx, ln)
}
