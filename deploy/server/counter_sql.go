package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jwtpair/jwt/sqlstore"
)

// sqlCounter is a tokenserver.Counter in a SQL table of its own, next to
// the sessions of sqlstore: one row per counted key, with its count and
// the end of its window in Unix milliseconds. Each Add is one upsert,
// atomic in the database, so instances sharing the table count together.
// Rows whose window has passed are reused by the next Add of their key,
// and deleted by prune.
type sqlCounter struct {
	db      *sql.DB
	dialect sqlstore.Dialect
	table   string
	now     func() time.Time // nil: time.Now
}

// maxCounterKey is the width of the key column. The login limits' keys
// are at most "addr:" and an IPv6 network.
const maxCounterKey = 100

func (c *sqlCounter) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// migrate creates the table where it does not exist. On PostgreSQL it
// runs under an advisory lock, so that instances starting together take
// turns.
func (c *sqlCounter) migrate(ctx context.Context) error {
	if c.dialect == sqlstore.MySQL {
		_, err := c.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS `+c.table+` (
	k VARCHAR(100) NOT NULL PRIMARY KEY,
	n BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	INDEX `+c.table+`_expires (expires_at)
)`)
		return err
	}
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, stmt := range []string{
		`SELECT pg_advisory_xact_lock(hashtext('` + c.table + `'))`,
		`CREATE TABLE IF NOT EXISTS ` + c.table + ` (
	k VARCHAR(100) NOT NULL PRIMARY KEY,
	n BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
)`,
		`CREATE INDEX IF NOT EXISTS ` + c.table + `_expires ON ` + c.table + ` (expires_at)`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Add adds delta to the count of key. It follows the contract of
// tokenserver.Counter.
func (c *sqlCounter) Add(ctx context.Context, key string, delta int64, window time.Duration) (int64, time.Duration, error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	if len(key) > maxCounterKey {
		return 0, 0, fmt.Errorf("sql counter: key longer than %d bytes", maxCounterKey)
	}
	now := c.clock().UnixMilli()
	end := now + max(window.Milliseconds(), 1)
	var n, expires int64
	var err error
	switch {
	case delta == 0:
		// Only a look: no row is made for it.
		err = c.db.QueryRowContext(ctx, c.rebind(`SELECT n, expires_at FROM `+c.table+` WHERE k = ? AND expires_at > ?`), key, now).Scan(&n, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, nil
		}
	case c.dialect == sqlstore.MySQL:
		n, expires, err = c.addMySQL(ctx, key, delta, now, end)
	default:
		err = c.db.QueryRowContext(ctx, `INSERT INTO `+c.table+` AS t (k, n, expires_at) VALUES ($1, $2, $3)
ON CONFLICT (k) DO UPDATE SET
	n = CASE WHEN t.expires_at <= $4 THEN EXCLUDED.n ELSE t.n + EXCLUDED.n END,
	expires_at = CASE WHEN t.expires_at <= $4 THEN EXCLUDED.expires_at ELSE t.expires_at END
RETURNING n, expires_at`, key, delta, end, now).Scan(&n, &expires)
	}
	if err != nil {
		return 0, 0, c.fail(ctx, err)
	}
	if n <= 0 {
		// Forget the count; a concurrent Add that raised it again keeps
		// its row.
		if _, err := c.db.ExecContext(ctx, c.rebind(`DELETE FROM `+c.table+` WHERE k = ? AND n <= 0`), key); err != nil {
			return 0, 0, c.fail(ctx, err)
		}
		return 0, 0, nil
	}
	return n, time.Duration(expires-now) * time.Millisecond, nil
}

// addMySQL is Add on MySQL, which has no RETURNING: the upsert and the
// read of its result share a transaction, in which the upsert holds the
// row's lock. A deadlock between concurrent upserts of a new key, which
// InnoDB may report, is retried.
func (c *sqlCounter) addMySQL(ctx context.Context, key string, delta, now, end int64) (n, expires int64, err error) {
	for attempt := 0; ; attempt++ {
		n, expires, err = c.addMySQLOnce(ctx, key, delta, now, end)
		var me *mysql.MySQLError
		if attempt < 5 && errors.As(err, &me) && (me.Number == 1213 || me.Number == 1205) {
			continue
		}
		return n, expires, err
	}
}

func (c *sqlCounter) addMySQLOnce(ctx context.Context, key string, delta, now, end int64) (n, expires int64, err error) {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()
	// MySQL assigns left to right: the first assignment still sees the
	// old expires_at.
	_, err = tx.ExecContext(ctx, `INSERT INTO `+c.table+` (k, n, expires_at) VALUES (?, ?, ?)
ON DUPLICATE KEY UPDATE
	n = IF(expires_at <= ?, VALUES(n), n + VALUES(n)),
	expires_at = IF(expires_at <= ?, VALUES(expires_at), expires_at)`, key, delta, end, now, now)
	if err != nil {
		return 0, 0, err
	}
	if err := tx.QueryRowContext(ctx, `SELECT n, expires_at FROM `+c.table+` WHERE k = ?`, key).Scan(&n, &expires); err != nil {
		return 0, 0, err
	}
	return n, expires, tx.Commit()
}

// prune deletes the rows whose windows have passed, a thousand at a time,
// and returns how many it deleted.
func (c *sqlCounter) prune(ctx context.Context) (int, error) {
	q := `DELETE FROM ` + c.table + ` WHERE k IN (SELECT k FROM ` + c.table + ` WHERE expires_at <= $1 LIMIT 1000)`
	if c.dialect == sqlstore.MySQL {
		q = `DELETE FROM ` + c.table + ` WHERE expires_at <= ? LIMIT 1000`
	}
	now := c.clock().UnixMilli()
	total := 0
	for {
		res, err := c.db.ExecContext(ctx, q, now)
		if err != nil {
			return total, c.fail(ctx, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, err
		}
		total += int(n)
		if n < 1000 {
			return total, nil
		}
	}
}

// rebind writes the placeholders of q, written with ?, for the dialect.
func (c *sqlCounter) rebind(q string) string {
	if c.dialect == sqlstore.MySQL {
		return q
	}
	out := make([]byte, 0, len(q)+8)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = fmt.Appendf(out, "$%d", n)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}

// fail returns the error of ctx when ctx is done, whatever the driver
// made of it, and err otherwise.
func (c *sqlCounter) fail(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return err
}
