package sqlstore

import (
	"fmt"
	"strings"
)

// Dialect is the kind of database a [Store] talks to: it decides how the
// Store words its statements and which schema [Store.Migrate] creates.
type Dialect int

// The dialects a Store speaks. The zero Dialect is none of them, and New
// refuses it.
const (
	// Postgres is PostgreSQL 12 or later.
	Postgres Dialect = iota + 1
	// MySQL is MySQL 8.0 or later, and MariaDB 10.6 or later.
	MySQL
)

// String returns the name of d: "postgres" or "mysql".
func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "postgres"
	case MySQL:
		return "mysql"
	}
	return fmt.Sprintf("Dialect(%d)", int(d))
}

// columns are the columns of the table in the order every query reads
// them; scanRow fills a row from them.
const columns = "id, subject, created, refreshed, expires, token, previous, nonce, ended, version"

// queries holds the statements of one Store, written for its dialect and
// table. The comment of each says which index it uses; the argument order
// is the same in both dialects.
type queries struct {
	// session reads one live session by primary key. Args: id, now.
	session string
	// create inserts a session. On PostgreSQL it also replaces a row of
	// the same id that has expired, and affects no row when the id is
	// live. On MySQL it fails when the id is held at all, and
	// replaceExpired then takes over. Args: id, subject, created,
	// refreshed, expires, token, previous, nonce, now (now PostgreSQL
	// only).
	create string
	// replaceExpired (MySQL only) overwrites the expired row of an id
	// with a new session, by primary key. Args: subject, created,
	// refreshed, expires, token, previous, nonce, id, now.
	replaceExpired string
	// refresh is the compare-and-set of Refresh, by primary key: it
	// writes only if the row still has the token and the version that
	// were read. Args: previous, token, nonce, refreshed, expires, id,
	// the token read, the version read.
	refresh string
	// end ends a session, or records an unknown one ended, by primary
	// key; an expired row of the id is replaced as if it were not there.
	// Args: see endArgs.
	end string
	// endLive ends a live session and records nothing otherwise, by
	// primary key. Args: id, now.
	endLive string
	// endAll ends the live sessions of a subject, with the subject index.
	// Args: subject, now.
	endAll string
	// list reads the live sessions of a subject, oldest first, with the
	// subject index. Args: subject, now.
	list string
	// prune deletes a batch of expired rows, with the expires index.
	// Args: now.
	prune string
}

// newQueries returns the statements for dialect d on table, with prune
// batches of batch rows.
func newQueries(d Dialect, table string, batch int) queries {
	var q queries
	switch d {
	case Postgres:
		q = queries{
			session: `SELECT ` + columns + ` FROM {table} WHERE id = $1 AND expires > $2`,
			create: `INSERT INTO {table} AS s (` + columns + `)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE, 0)
				ON CONFLICT (id) DO UPDATE SET
					subject = EXCLUDED.subject, created = EXCLUDED.created,
					refreshed = EXCLUDED.refreshed, expires = EXCLUDED.expires,
					token = EXCLUDED.token, previous = EXCLUDED.previous,
					nonce = EXCLUDED.nonce, ended = FALSE, version = s.version + 1
				WHERE s.expires <= $9`,
			refresh: `UPDATE {table} SET previous = $1, token = $2, nonce = $3, refreshed = $4,
				expires = $5, version = version + 1
				WHERE id = $6 AND token = $7 AND version = $8`,
			end: `INSERT INTO {table} AS s (` + columns + `)
				VALUES ($1, '', $2, $2, $3, '', '', '', TRUE, 0)
				ON CONFLICT (id) DO UPDATE SET
					subject   = CASE WHEN s.expires > $4 THEN s.subject   ELSE '' END,
					created   = CASE WHEN s.expires > $4 THEN s.created   ELSE $2 END,
					refreshed = CASE WHEN s.expires > $4 THEN s.refreshed ELSE $2 END,
					token     = CASE WHEN s.expires > $4 THEN s.token     ELSE '' END,
					previous  = CASE WHEN s.expires > $4 THEN s.previous  ELSE '' END,
					nonce     = CASE WHEN s.expires > $4 THEN s.nonce     ELSE '' END,
					expires   = CASE WHEN s.expires > $4 THEN GREATEST(s.expires, $3) ELSE $3 END,
					ended = TRUE, version = s.version + 1`,
			endLive: `UPDATE {table} SET ended = TRUE, version = version + 1 WHERE id = $1 AND expires > $2`,
			endAll: `UPDATE {table} SET ended = TRUE, version = version + 1
				WHERE subject = $1 AND NOT ended AND expires > $2`,
			list: `SELECT ` + columns + ` FROM {table}
				WHERE subject = $1 AND NOT ended AND expires > $2 ORDER BY created, id`,
			// SKIP LOCKED lets the pruners of several instances take
			// different rows; the second expires test keeps a row that
			// End brought back to life after the subquery read it.
			prune: fmt.Sprintf(`DELETE FROM {table} WHERE id IN (
					SELECT id FROM {table} WHERE expires <= $1 ORDER BY expires LIMIT %d FOR UPDATE SKIP LOCKED
				) AND expires <= $1`, batch),
		}
	case MySQL:
		q = queries{
			session: `SELECT ` + columns + ` FROM {table} WHERE id = ? AND expires > ?`,
			create:  `INSERT INTO {table} (` + columns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, FALSE, 0)`,
			replaceExpired: `UPDATE {table} SET subject = ?, created = ?, refreshed = ?, expires = ?,
				token = ?, previous = ?, nonce = ?, ended = FALSE, version = version + 1
				WHERE id = ? AND expires <= ?`,
			refresh: `UPDATE {table} SET previous = ?, token = ?, nonce = ?, refreshed = ?,
				expires = ?, version = version + 1
				WHERE id = ? AND token = ? AND version = ?`,
			// MySQL assigns from left to right, each assignment seeing
			// the ones before it, so expires, which the others test,
			// comes last.
			end: `INSERT INTO {table} (` + columns + `)
				VALUES (?, '', ?, ?, ?, '', '', '', TRUE, 0)
				ON DUPLICATE KEY UPDATE
					subject   = IF(expires > ?, subject, ''),
					created   = IF(expires > ?, created, ?),
					refreshed = IF(expires > ?, refreshed, ?),
					token     = IF(expires > ?, token, ''),
					previous  = IF(expires > ?, previous, ''),
					nonce     = IF(expires > ?, nonce, ''),
					ended = TRUE, version = version + 1,
					expires   = IF(expires > ?, GREATEST(expires, ?), ?)`,
			endLive: `UPDATE {table} SET ended = TRUE, version = version + 1 WHERE id = ? AND expires > ?`,
			endAll: `UPDATE {table} SET ended = TRUE, version = version + 1
				WHERE subject = ? AND ended = FALSE AND expires > ?`,
			list: `SELECT ` + columns + ` FROM {table}
				WHERE subject = ? AND ended = FALSE AND expires > ? ORDER BY created, id`,
			prune: fmt.Sprintf(`DELETE FROM {table} WHERE expires <= ? ORDER BY expires LIMIT %d`, batch),
		}
	}
	for _, p := range []*string{&q.session, &q.create, &q.replaceExpired, &q.refresh, &q.end, &q.endLive, &q.endAll, &q.list, &q.prune} {
		*p = strings.ReplaceAll(*p, "{table}", table)
	}
	return q
}

// endArgs returns the arguments of the end statement of dialect d: the
// session id, the time a session recorded unknown is said to have been
// created and refreshed (the zero time), the time to keep it until, and
// now. MySQL takes them once per use, in the order of the statement.
func endArgs(d Dialect, id string, zero, until, now int64) []any {
	if d == Postgres {
		return []any{id, zero, until, now}
	}
	return []any{
		id, zero, zero, until, // VALUES
		now,       // subject
		now, zero, // created
		now, zero, // refreshed
		now,               // token
		now,               // previous
		now,               // nonce
		now, until, until, // expires
	}
}
