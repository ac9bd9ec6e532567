package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/tokenserver"
	"github.com/jwtpair/jwt/redisstore"
	"github.com/jwtpair/jwt/sqlstore"
	"github.com/redis/go-redis/v9"
)

// backend is where the server keeps its state: the sessions and the
// counters of failed logins.
type backend struct {
	store   jwt.Store
	counter tokenserver.Counter
	// maintain, when not nil, runs until ctx is done: the clean-up a SQL
	// database needs, since it drops nothing by itself.
	maintain func(ctx context.Context)
	close    func()
}

// startTimeout bounds the checks of the store at start: a store that
// cannot be reached stops the server, which its supervisor restarts.
const startTimeout = 10 * time.Second

// openBackend opens the store named by redisURL or databaseURL, or, with
// neither, keeps everything in memory and warns that it is not shared.
func openBackend(ctx context.Context, redisURL, databaseURL, prefix string, log *slog.Logger) (*backend, error) {
	switch {
	case redisURL != "":
		return openRedis(ctx, redisURL, prefix, log)
	case databaseURL != "":
		return openSQL(ctx, databaseURL, prefix, log)
	}
	log.Warn("no -redis or -database: sessions and login counters are kept in this process's memory, " +
		"not shared with other instances; run one instance only")
	return &backend{store: new(jwt.MemoryStore), counter: new(tokenserver.MemoryCounter), close: func() {}}, nil
}

func openRedis(ctx context.Context, rawURL, prefix string, log *slog.Logger) (*backend, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, tokenserver.UsageError{Err: errors.New("-redis: not a redis:// or rediss:// URL")}
	}
	// The client settings redisstore's README recommends: every call
	// returns by its context's deadline, and a server that hangs holds
	// no request for long.
	opts.ContextTimeoutEnabled = true
	for _, d := range []*time.Duration{&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout} {
		if *d == 0 {
			*d = time.Second
		}
	}
	client := redis.NewClient(opts)
	store, err := redisstore.New(client, redisstore.Config{Prefix: prefix})
	if err != nil {
		client.Close()
		return nil, tokenserver.UsageError{Err: fmt.Errorf("-store-prefix: %w", err)}
	}
	if prefix == "" {
		prefix = redisstore.DefaultPrefix
	}
	cctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := client.Ping(cctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("redis at %s: %w", opts.Addr, err)
	}
	log.Info("store: redis", "addr", opts.Addr, "db", opts.DB, "prefix", prefix)
	return &backend{
		store:   store,
		counter: &redisCounter{client: client, prefix: prefix + ":login:"},
		close:   func() { client.Close() },
	}, nil
}

func openSQL(ctx context.Context, rawURL, prefix string, log *slog.Logger) (*backend, error) {
	db, dialect, err := openDB(rawURL)
	if err != nil {
		return nil, err
	}
	store, err := sqlstore.New(db, sqlstore.Config{Dialect: dialect, TablePrefix: prefix})
	if err != nil {
		db.Close()
		return nil, tokenserver.UsageError{Err: fmt.Errorf("-store-prefix: %w", err)}
	}
	if prefix == "" {
		prefix = sqlstore.DefaultTablePrefix
	}
	counter := &sqlCounter{db: db, dialect: dialect, table: prefix + "login_counters"}
	cctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := store.Migrate(cctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s database: %w", dialect, err)
	}
	if err := counter.migrate(cctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s database: %w", dialect, err)
	}
	log.Info("store: sql", "dialect", dialect.String(), "sessions", store.Table(), "counters", counter.table)
	return &backend{
		store:   store,
		counter: counter,
		maintain: func(ctx context.Context) {
			prune(ctx, log, store, counter)
		},
		close: func() { db.Close() },
	}, nil
}

// pruneEvery is how often the rows of expired sessions and counters are
// deleted.
const pruneEvery = 5 * time.Minute

// prune deletes expired rows every pruneEvery until ctx is done. Every
// instance does it; the deletes are safe to run at once.
func prune(ctx context.Context, log *slog.Logger, store *sqlstore.Store, counter *sqlCounter) {
	t := time.NewTicker(pruneEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pctx, cancel := context.WithTimeout(ctx, time.Minute)
		sessions, err1 := store.Prune(pctx)
		counters, err2 := counter.prune(pctx)
		cancel()
		if err := errors.Join(err1, err2); err != nil {
			log.Error("pruning expired rows failed", "error", err.Error())
		} else if sessions+counters > 0 {
			log.Info("pruned expired rows", "sessions", sessions, "counters", counters)
		}
	}
}

// openDB opens the database of a postgres:// or mysql:// URL. It does not
// connect.
func openDB(rawURL string) (*sql.DB, sqlstore.Dialect, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, 0, tokenserver.UsageError{Err: errors.New("-database: not a URL")}
	}
	switch u.Scheme {
	case "postgres", "postgresql":
		cfg, err := pgx.ParseConfig(rawURL)
		if err != nil {
			return nil, 0, tokenserver.UsageError{Err: errors.New("-database: not a PostgreSQL URL")}
		}
		cfg.ConnectTimeout = 5 * time.Second
		return stdlib.OpenDB(*cfg), sqlstore.Postgres, nil
	case "mysql":
		cfg, err := mysqlConfig(u)
		if err != nil {
			return nil, 0, tokenserver.UsageError{Err: fmt.Errorf("-database: %w", err)}
		}
		conn, err := mysql.NewConnector(cfg)
		if err != nil {
			return nil, 0, tokenserver.UsageError{Err: fmt.Errorf("-database: %w", err)}
		}
		return sql.OpenDB(conn), sqlstore.MySQL, nil
	}
	return nil, 0, tokenserver.UsageError{Err: errors.New("-database: the URL must start with postgres:// or mysql://")}
}

// mysqlConfig turns mysql://user:password@host:port/database?params into
// the driver's configuration; params are the driver's DSN parameters.
func mysqlConfig(u *url.URL) (*mysql.Config, error) {
	host := u.Host
	if host == "" {
		host = "127.0.0.1:3306"
	} else if u.Port() == "" {
		host += ":3306"
	}
	db := strings.TrimPrefix(u.Path, "/")
	if db == "" || strings.Contains(db, "/") {
		return nil, errors.New("a mysql:// URL names one database: mysql://user:password@host:3306/database")
	}
	cfg, err := mysql.ParseDSN("tcp(" + host + ")/" + db + "?" + u.RawQuery)
	if err != nil {
		return nil, errors.New("bad parameters in the mysql:// URL")
	}
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	return cfg, nil
}
