// Command server is the token server of examples/server made to run as
// several instances behind nginx: the same routes, tokens and limits, with
// the sessions and the counters of failed logins in a store the instances
// share, Redis or a SQL database, so that a refresh token rotated or
// revoked on one instance is refused by all, and guesses spread over the
// instances are counted together. Built from the repository's root:
//
//	go build -C deploy/server -o jwt-server .
//
// It takes every flag of examples/server, and:
//
//	-redis URL              the shared store on Redis, redis://host:6379/0 (REDIS_URL)
//	-database URL           the shared store on PostgreSQL or MySQL/MariaDB,
//	                        postgres://… or mysql://… (DATABASE_URL)
//	-store-prefix P         prefix of the Redis keys or SQL tables (STORE_PREFIX)
//	-trusted-proxies CIDRS  peers whose X-Forwarded-For names the client (TRUSTED_PROXIES)
//	-grace DUR              reuse grace of rotated refresh tokens (REUSE_GRACE)
//	-max-conns N            most connections open at once (MAX_CONNS)
//	-drain DUR              how long a shutdown waits for clients to close
//	                        their connections (DRAIN)
//
// and serves GET /readyz, 200 while the store answers within a second.
// Neither -redis nor -database: the sessions stay in memory, and the log
// warns that they are not shared. See deploy/README.md.
//
// The server's code is internal/tokenserver of the root module, which
// examples/server shares; this module adds the stores, which need a Redis
// or SQL client, and so a go.mod of their own.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/tokenserver"
	"github.com/redis/go-redis/v9"
)

// defaultDrain is the default of -drain: longer than the upstream
// keepalive_timeout of the nginx configuration in deploy/nginx (4 s).
const defaultDrain = 5 * time.Second

func main() {
	// The Redis client's own complaints, such as a failed dial, go to the
	// log as JSON lines like the rest.
	redis.SetLogger(redisLogger{slog.New(slog.NewJSONHandler(os.Stdout, nil))})
	tokenserver.Main("jwt-server", run)
}

// redisLogger writes the Redis client's messages to the log as warnings.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// run serves until ctx is done, then shuts down gracefully. It is a
// tokenserver.RunFunc.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready func(addr string)) error {
	return serve(ctx, args, getenv, stdout, ready, nil)
}

// options are the server's flags, parsed.
type options struct {
	tokenserver.Flags
	redisURL, databaseURL, prefix string
	proxies                       []netip.Prefix
	grace, drain                  time.Duration
	maxConns                      int
}

// parseFlags reads the flags from args and the environment.
func parseFlags(args []string, getenv func(string) string, stdout io.Writer) (*options, error) {
	fs := flag.NewFlagSet("jwt-server", flag.ContinueOnError)
	fs.SetOutput(stdout)
	o := new(options)
	o.Define(fs, "127.0.0.1:8000")
	fs.StringVar(&o.redisURL, "redis", "", "URL of the Redis that the instances share, such as redis://127.0.0.1:6379/0")
	fs.StringVar(&o.databaseURL, "database", "", "URL of the SQL database that the instances share: postgres://… or mysql://…")
	fs.StringVar(&o.prefix, "store-prefix", "", "prefix of the store's Redis keys (default \"jwt\") or SQL tables (default \"jwt_\")")
	trusted := fs.String("trusted-proxies", "", "comma-separated CIDR ranges of the proxies whose X-Forwarded-For names the client; empty: the peer is the client")
	fs.DurationVar(&o.grace, "grace", jwt.DefaultReuseGrace, "with -rotate, how long a rotated refresh token may be presented again before that counts as reuse; 0: not at all")
	fs.IntVar(&o.maxConns, "max-conns", tokenserver.DefaultMaxConns, "most connections open at once")
	fs.DurationVar(&o.drain, "drain", defaultDrain, "on shutdown, how long to wait for clients to close their connections; longer than the proxy's idle timeout for them")
	err := tokenserver.Parse(fs, args, o.Vars(map[string]string{
		"redis":           "REDIS_URL",
		"database":        "DATABASE_URL",
		"store-prefix":    "STORE_PREFIX",
		"trusted-proxies": "TRUSTED_PROXIES",
		"grace":           "REUSE_GRACE",
		"max-conns":       "MAX_CONNS",
		"drain":           "DRAIN",
	}), getenv)
	if err != nil {
		return nil, err
	}
	if err := o.Check(); err != nil {
		return nil, err
	}
	if o.proxies, err = tokenserver.ParseTrustedProxies(*trusted); err != nil {
		return nil, tokenserver.UsageError{Err: err}
	}
	switch {
	case o.redisURL != "" && o.databaseURL != "":
		return nil, tokenserver.UsageError{Err: errors.New("-redis and -database: give one store, not both")}
	case o.grace < 0 || o.drain < 0:
		return nil, tokenserver.UsageError{Err: errors.New("-grace and -drain cannot be negative")}
	case o.maxConns < 1:
		return nil, tokenserver.UsageError{Err: errors.New("-max-conns must be positive")}
	}
	return o, nil
}

// serve is run with the accounts users; nil means the demo account. Tests
// give accounts whose password hashes are cheap.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready func(addr string), users *tokenserver.Users) error {
	o, err := parseFlags(args, getenv, stdout)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stdout, nil))
	signer, err := tokenserver.LoadSigner(jwt.Algorithm(o.Alg), o.KeyFile, log)
	if err != nil {
		return err
	}
	b, err := openBackend(ctx, o.redisURL, o.databaseURL, o.prefix, log)
	if err != nil {
		return err
	}
	defer b.close()
	srv, err := tokenserver.New(tokenserver.Config{
		Signer:         signer,
		AccessTTL:      o.AccessTTL,
		RefreshTTL:     o.RefreshTTL,
		Rotate:         o.Rotate,
		ReuseGrace:     o.grace,
		Store:          b.store,
		Counter:        b.counter,
		Logger:         log,
		Users:          users,
		TrustedProxies: o.proxies,
		Ready:          tokenserver.StoreReady(b.store),
		MaxConns:       o.maxConns,
		Drain:          o.drain,
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return err
	}
	if b.maintain != nil {
		mctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		defer stop()
		go b.maintain(mctx)
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	return srv.Serve(ctx, ln)
}
