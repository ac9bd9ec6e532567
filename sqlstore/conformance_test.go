package sqlstore_test

import (
	"database/sql"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jwtpair/jwt/sqlstore"
	"github.com/jwtpair/jwt/storetest"
	"github.com/stretchr/testify/require"
)

// TestStore runs the Store conformance suite on each server, with a table
// and a clock of its own for every subtest.
func TestStore(t *testing.T) {
	forEachServer(t, servers, func(t *testing.T, srv server) {
		db := srv.open(t, "")
		storetest.Run(t, func(t *testing.T) storetest.Harness {
			c := newClock()
			return storetest.Harness{Store: newStore(t, db, srv.dialect, c.Now), Now: c.Now, Advance: c.Advance}
		})
	})
}

// TestStoreIsolation runs the conformance suite with connections whose
// transactions default to the other isolation levels of each database:
// every statement of the Store is a transaction of its own, and its
// answers must not depend on the level.
func TestStoreIsolation(t *testing.T) {
	levels := []struct {
		name, level string
		open        func(tb testing.TB, addr string) *sql.DB
		show        string
	}{
		{"postgres-repeatable-read", "repeatable read", postgresAt("repeatable read"), "SHOW transaction_isolation"},
		{"postgres-serializable", "serializable", postgresAt("serializable"), "SHOW transaction_isolation"},
		{"mysql-read-committed", "READ-COMMITTED", mysqlAt("READ-COMMITTED"), "SELECT @@" + mysqlIsolationVar(t)},
		{"mysql-serializable", "SERIALIZABLE", mysqlAt("SERIALIZABLE"), "SELECT @@" + mysqlIsolationVar(t)},
	}
	for _, l := range levels {
		dialect := sqlstore.Postgres
		if strings.HasPrefix(l.name, "mysql") {
			dialect = sqlstore.MySQL
		}
		forEachServer(t, []server{{name: l.name, dialect: dialect, open: l.open}}, func(t *testing.T, srv server) {
			db := srv.open(t, "")
			var level string
			require.NoError(t, db.QueryRowContext(t.Context(), l.show).Scan(&level))
			require.Equal(t, l.level, level)
			storetest.Run(t, func(t *testing.T) storetest.Harness {
				c := newClock()
				return storetest.Harness{Store: newStore(t, db, srv.dialect, c.Now), Now: c.Now, Advance: c.Advance}
			})
		})
	}
}

// postgresAt opens pools whose transactions default to level.
func postgresAt(level string) func(tb testing.TB, addr string) *sql.DB {
	return func(tb testing.TB, addr string) *sql.DB {
		cfg := pgConfig.Copy()
		cfg.RuntimeParams["default_transaction_isolation"] = level
		return pool(tb, stdlib.OpenDB(*cfg))
	}
}

// mysqlIsolationVar returns the name of the server's variable for the
// isolation level: transaction_isolation on MySQL 8, tx_isolation on
// MariaDB before 11.1.
func mysqlIsolationVar(tb testing.TB) string {
	db := servers[1].open(tb, "")
	if db.QueryRowContext(tb.Context(), "SELECT @@transaction_isolation").Scan(new(string)) != nil {
		return "tx_isolation"
	}
	return "transaction_isolation"
}

// mysqlAt opens pools whose transactions default to level.
func mysqlAt(level string) func(tb testing.TB, addr string) *sql.DB {
	return func(tb testing.TB, addr string) *sql.DB {
		name := mysqlIsolationVar(tb)
		return mysqlOpener(func(c *mysql.Config) {
			if c.Params == nil {
				c.Params = make(map[string]string)
			}
			c.Params[name] = "'" + level + "'"
		})(tb, addr)
	}
}
