package sqlstore_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jwtpair/jwt/sqlstore"
	"github.com/stretchr/testify/require"
)

// The tests run against a PostgreSQL and a MySQL or MariaDB server, found
// through these variables, with these defaults. They fail, not skip, when
// a server cannot be reached. Each run creates a schema (PostgreSQL) and a
// database (MySQL) of a random name, and drops them when it ends; each test
// uses tables of its own prefix in them.
const (
	postgresEnv     = "SQLSTORE_POSTGRES_DSN"
	postgresDefault = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	mysqlEnv        = "SQLSTORE_MYSQL_DSN"
	mysqlDefault    = "root@tcp(127.0.0.1:3306)/"
)

// The servers of this run, set by TestMain: each config names the schema
// or database of the run.
var (
	pgConfig *pgx.ConnConfig
	myConfig *mysql.Config
)

func TestMain(m *testing.M) {
	name := "sqlstore_test_" + strings.ToLower(rand.Text()[:12])
	dropPG, err := setupPostgres(name)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sqlstore tests: PostgreSQL (%s, default %s): %v\n", postgresEnv, postgresDefault, err)
		os.Exit(1)
	}
	dropMy, err := setupMySQL(name)
	if err != nil {
		dropPG()
		fmt.Fprintf(os.Stderr, "sqlstore tests: MySQL (%s, default %s): %v\n", mysqlEnv, mysqlDefault, err)
		os.Exit(1)
	}
	code := m.Run()
	dropMy()
	dropPG()
	os.Exit(code)
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// setupPostgres creates the schema name and returns a function that drops
// it.
func setupPostgres(name string) (drop func(), err error) {
	cfg, err := pgx.ParseConfig(env(postgresEnv, postgresDefault))
	if err != nil {
		return nil, err
	}
	cfg.ConnectTimeout = 5 * time.Second
	admin := stdlib.OpenDB(*cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		admin.Close()
		return nil, err
	}
	cfg.RuntimeParams["search_path"] = name
	pgConfig = cfg
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "sqlstore tests: dropping schema %s: %v\n", name, err)
		}
		admin.Close()
	}, nil
}

// setupMySQL creates the database name and returns a function that drops
// it.
func setupMySQL(name string) (drop func(), err error) {
	cfg, err := mysql.ParseDSN(env(mysqlEnv, mysqlDefault))
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 5 * time.Second
	cfg.DBName = ""
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	admin := sql.OpenDB(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return nil, err
	}
	cfg = cfg.Clone()
	cfg.DBName = name
	myConfig = cfg
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE "+name); err != nil {
			fmt.Fprintf(os.Stderr, "sqlstore tests: dropping database %s: %v\n", name, err)
		}
		admin.Close()
	}, nil
}

// A server is one way of reaching a database of the run: its dialect, and
// how to open a connection pool to it, directly or through a proxy.
type server struct {
	name    string
	dialect sqlstore.Dialect
	// open returns a pool to the database; addr, when not empty, is a
	// host:port to dial instead of the server's (a proxy).
	open func(tb testing.TB, addr string) *sql.DB
}

// servers are the ways the tests reach the databases. The MySQL driver
// reports rows changed unless clientFoundRows is set, and then rows
// matched; the Store must give the same answers either way, so MySQL is
// tested both ways: as the driver comes (prepared statements), and with
// clientFoundRows and interpolateParams (the text protocol), as the README
// advises.
var servers = []server{
	{name: "postgres", dialect: sqlstore.Postgres, open: openPostgres},
	{name: "mysql", dialect: sqlstore.MySQL, open: mysqlOpener(func(*mysql.Config) {})},
	{name: "mysql-foundrows", dialect: sqlstore.MySQL, open: mysqlOpener(func(c *mysql.Config) {
		c.ClientFoundRows = true
		c.InterpolateParams = true
	})},
}

// databases are one server of each database, for the tests where the
// MySQL driver's flags make no difference.
var databases = servers[:2]

func openPostgres(tb testing.TB, addr string) *sql.DB {
	tb.Helper()
	cfg := pgConfig.Copy()
	if addr != "" {
		host, port, err := net.SplitHostPort(addr)
		require.NoError(tb, err)
		p, err := strconv.ParseUint(port, 10, 16)
		require.NoError(tb, err)
		cfg.Host, cfg.Port, cfg.Fallbacks = host, uint16(p), nil
	}
	return pool(tb, stdlib.OpenDB(*cfg))
}

func mysqlOpener(set func(*mysql.Config)) func(tb testing.TB, addr string) *sql.DB {
	return func(tb testing.TB, addr string) *sql.DB {
		tb.Helper()
		cfg := myConfig.Clone()
		// The driver logs a connection that breaks; the fault tests
		// break many.
		cfg.Logger = log.New(io.Discard, "", 0)
		set(cfg)
		if addr != "" {
			cfg.Net, cfg.Addr = "tcp", addr
		}
		conn, err := mysql.NewConnector(cfg)
		require.NoError(tb, err)
		return pool(tb, sql.OpenDB(conn))
	}
}

// maxConns bounds each pool of the tests, which run in parallel on servers
// that allow about a hundred connections in all.
const maxConns = 8

// pool bounds db and closes it when the test ends.
func pool(tb testing.TB, db *sql.DB) *sql.DB {
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	tb.Cleanup(func() { db.Close() })
	return db
}

// newPrefix returns a table prefix no other test uses.
func newPrefix() string {
	return "t" + strings.ToLower(rand.Text()[:10]) + "_"
}

// newStore returns a Store of a table of its own on db, created with
// Migrate, on the clock now.
func newStore(tb testing.TB, db *sql.DB, d sqlstore.Dialect, now func() time.Time) *sqlstore.Store {
	tb.Helper()
	return newStoreOn(tb, db, sqlstore.Config{Dialect: d, TablePrefix: newPrefix(), Now: now})
}

// newStoreOn returns a Store configured by cfg, after running Migrate.
func newStoreOn(tb testing.TB, db *sql.DB, cfg sqlstore.Config) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.New(db, cfg)
	require.NoError(tb, err)
	require.NoError(tb, s.Migrate(tb.Context()))
	return s
}

// countRows returns how many rows the store's table holds, expired or not.
func countRows(tb testing.TB, db *sql.DB, s *sqlstore.Store) int {
	tb.Helper()
	var n int
	require.NoError(tb, db.QueryRowContext(tb.Context(), "SELECT COUNT(*) FROM "+s.Table()).Scan(&n))
	return n
}

// clock is a fake time that tests move by hand. It starts on a whole
// second, so that the times the store keeps, to the microsecond, come
// back equal.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
