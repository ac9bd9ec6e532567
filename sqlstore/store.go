package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jwtpair/jwt"
)

// DefaultTablePrefix is the table prefix of a Config that sets none: the
// table is jwt_sessions.
const DefaultTablePrefix = "jwt_"

// DefaultPruneBatch is the most rows one statement of [Store.Prune]
// deletes when [Config].PruneBatch is zero.
const DefaultPruneBatch = 1000

// MaxIDLength is the longest session id, subject, token id or nonce, in
// bytes, that a Store records: the width of the id columns.
const MaxIDLength = 255

// ErrInvalidID is returned by Create, Refresh and End of a [Store] given a
// session id, subject, token id or nonce longer than MaxIDLength bytes,
// not valid UTF-8, or holding a NUL byte: such an id cannot be stored as
// it is in both dialects. Session, List and EndAll answer that the store
// holds no session of such an id or subject. The ids of the jwt pair
// manager are 32 hex digits; the subject is the application's.
var ErrInvalidID = errors.New("sqlstore: id too long or not valid text")

// Config configures a [Store]. New copies it, so changing it afterwards has
// no effect. Only Dialect is required.
type Config struct {
	// Dialect is the kind of database behind the *sql.DB: Postgres, or
	// MySQL for MySQL and MariaDB. Required: the zero value is refused.
	Dialect Dialect

	// TablePrefix is put before the name of the store's table, sessions,
	// and of its indexes. It may hold lowercase ASCII letters, digits and
	// underscores, must not start with a digit, and is at most 40 bytes
	// long; on PostgreSQL the table goes in the first schema of the
	// connection's search_path. Empty means DefaultTablePrefix ("jwt_"),
	// the names of the schema files.
	TablePrefix string

	// Now returns the current time, which decides when sessions expire:
	// the instances that share a table should have clocks in step. Nil
	// means time.Now.
	Now func() time.Time

	// PruneBatch is the most rows one statement of Prune deletes, so that
	// no statement holds locks on many rows at once. Zero means
	// DefaultPruneBatch (1000); a negative value is refused.
	PruneBatch int
}

// Store is a [jwt.Store] on a SQL database, PostgreSQL or MySQL, through
// database/sql: it keeps one row per session in one table. It is safe for
// concurrent use by many goroutines and, on a shared table, by many
// processes: every write is one statement, and single use of a refresh
// token is decided by the database (see [Store.Refresh]).
//
// A Store does not close its *sql.DB, and starts no goroutines: call
// [Store.Prune] now and then to delete the rows of expired sessions,
// which the other methods pass over but do not delete.
type Store struct {
	db      *sql.DB
	dialect Dialect
	table   string
	now     func() time.Time
	batch   int
	q       queries
}

var _ jwt.Store = (*Store)(nil)

// New returns a Store on db, whose driver must match cfg.Dialect. It does
// not touch the database: create the table with [Store.Migrate] or with
// the statements of [Store.Schema] before first use. New returns an error
// wrapping jwt.ErrConfig when db is nil, when Dialect is not Postgres or
// MySQL, when TablePrefix is not a valid prefix or when PruneBatch is
// negative.
func New(db *sql.DB, cfg Config) (*Store, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: sqlstore: db is nil", jwt.ErrConfig)
	}
	if cfg.Dialect != Postgres && cfg.Dialect != MySQL {
		return nil, fmt.Errorf("%w: sqlstore: Dialect must be Postgres or MySQL, not %v", jwt.ErrConfig, cfg.Dialect)
	}
	prefix := cfg.TablePrefix
	if prefix == "" {
		prefix = DefaultTablePrefix
	}
	if !validPrefix(prefix) {
		return nil, fmt.Errorf("%w: sqlstore: TablePrefix %q: want at most 40 lowercase ASCII letters, digits or underscores, not starting with a digit", jwt.ErrConfig, prefix)
	}
	if cfg.PruneBatch < 0 {
		return nil, fmt.Errorf("%w: sqlstore: negative PruneBatch", jwt.ErrConfig)
	}
	batch := cfg.PruneBatch
	if batch == 0 {
		batch = DefaultPruneBatch
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	table := prefix + "sessions"
	return &Store{
		db:      db,
		dialect: cfg.Dialect,
		table:   table,
		now:     now,
		batch:   batch,
		q:       newQueries(cfg.Dialect, table, batch),
	}, nil
}

// validPrefix reports whether p can be put before the names of the table
// and indexes without quoting, in both dialects and within their limits
// on the length of a name (63 bytes on PostgreSQL).
func validPrefix(p string) bool {
	if len(p) > 40 || p[0] >= '0' && p[0] <= '9' {
		return false
	}
	for _, c := range []byte(p) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Table returns the name of the store's table.
func (s *Store) Table() string { return s.table }

// Create records a new session. It follows the contract of [jwt.Store].
// The session's times are kept to the microsecond.
func (s *Store) Create(ctx context.Context, ses jwt.Session) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ses.ID == "" || ses.Subject == "" || ses.Token == "" {
		return fmt.Errorf("%w in sqlstore.Store.Create", jwt.ErrStoreEmptyID)
	}
	if !validIDs(ses.ID, ses.Subject, ses.Token, ses.Previous, ses.Nonce) {
		return fmt.Errorf("%w in sqlstore.Store.Create", ErrInvalidID)
	}
	now := s.now()
	if !ses.Expires.After(now) {
		// Not kept, but creating a held id is still an error.
		_, err := s.get(ctx, ses.ID, micros(now))
		switch {
		case err == nil:
			return existsError(ses.ID)
		case errors.Is(err, jwt.ErrNoSession):
			return nil
		}
		return s.fail(ctx, "Create", err)
	}
	args := []any{ses.ID, ses.Subject, micros(ses.Created), micros(ses.Refreshed), micros(ses.Expires),
		ses.Token, ses.Previous, ses.Nonce}
	if s.dialect == Postgres {
		// One statement: insert, or replace a row of the id that has
		// expired; no row affected means the id is held.
		n, err := s.exec(ctx, s.q.create, append(args, micros(now))...)
		switch {
		case err != nil:
			return s.fail(ctx, "Create", err)
		case n == 0:
			return s.held(ctx, ses, micros(now))
		}
		return nil
	}
	return s.createMySQL(ctx, ses, args, micros(now))
}

// createMySQL inserts a session on MySQL. MySQL has no conditional upsert
// whose affected-row count tells an insert from a row left as it was under
// every client flag (see the README), so the insert is plain: when it
// fails, an expired row of the id is replaced, and a live row makes the
// error ErrStoreExists. Any other failure is returned as it is.
func (s *Store) createMySQL(ctx context.Context, ses jwt.Session, args []any, now int64) error {
	_, insertErr := s.exec(ctx, s.q.create, args...)
	if insertErr == nil {
		return nil
	}
	// The replacement always changes the row (its expires passes now),
	// so its count is exact whatever the client flags.
	n, err := s.exec(ctx, s.q.replaceExpired, ses.Subject, micros(ses.Created), micros(ses.Refreshed),
		micros(ses.Expires), ses.Token, ses.Previous, ses.Nonce, ses.ID, now)
	if err == nil && n == 1 {
		return nil
	}
	if r, err := s.get(ctx, ses.ID, now); err == nil {
		return repeated(r, ses)
	}
	return s.fail(ctx, "Create", insertErr)
}

// held is the error of Create for ses, whose id a live row holds.
func (s *Store) held(ctx context.Context, ses jwt.Session, now int64) error {
	r, err := s.get(ctx, ses.ID, now)
	switch {
	case errors.Is(err, jwt.ErrNoSession):
		// Gone since, by its expiry or by Prune: it was held.
		return existsError(ses.ID)
	case err != nil:
		return s.fail(ctx, "Create", err)
	}
	return repeated(r, ses)
}

// repeated is the error of Create for ses, whose id row r holds: none when
// r is ses as it was created, with the same subject and token and not
// ended, which is this Create run again after its reply was lost; else
// ErrStoreExists.
func repeated(r row, ses jwt.Session) error {
	if r.Subject == ses.Subject && r.Token == ses.Token && !r.Ended {
		return nil
	}
	return existsError(ses.ID)
}

// existsError is the error of Create for an id the store holds.
func existsError(id string) error {
	return fmt.Errorf("%w: session %q", jwt.ErrStoreExists, id)
}

// Session returns the session sid. It follows the contract of [jwt.Store].
func (s *Store) Session(ctx context.Context, sid string) (jwt.Session, error) {
	if err := ctx.Err(); err != nil {
		return jwt.Session{}, err
	}
	if sid == "" || !validIDs(sid) {
		return jwt.Session{}, jwt.ErrNoSession
	}
	r, err := s.get(ctx, sid, micros(s.now()))
	if err != nil {
		return jwt.Session{}, s.fail(ctx, "Session", err)
	}
	return r.Session, nil
}

// Refresh records a refresh of session sid. It follows the contract of
// [jwt.Store].
//
// It reads the session, and when from is its current token and it is not
// ended, writes the refresh with one UPDATE that compares the token and
// the row's version (a counter every write increments) with what it read:
// the database runs such an UPDATE under the row's lock and on its latest
// committed state, so of concurrent calls exactly one matches, and the
// affected-row count says which. Since the UPDATE always increments the
// version, a row it matches is a row it changes, and the count is the
// same whether the driver reports rows changed or rows matched. A call
// that finds the row changed since it read it reads it again.
func (s *Store) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	if err := ctx.Err(); err != nil {
		return jwt.Session{}, false, err
	}
	if sid == "" || from == "" || to == "" || nonce == "" {
		return jwt.Session{}, false, fmt.Errorf("%w in sqlstore.Store.Refresh", jwt.ErrStoreEmptyID)
	}
	if !validIDs(sid, from, to, nonce) {
		return jwt.Session{}, false, fmt.Errorf("%w in sqlstore.Store.Refresh", ErrInvalidID)
	}
	now := micros(s.now())
	stale := int64(-1) // the version of a row the last UPDATE did not match
	for {
		r, err := s.get(ctx, sid, now)
		if err != nil {
			return jwt.Session{}, false, s.fail(ctx, "Refresh", err)
		}
		switch {
		case r.Ended:
			return r.Session, false, nil
		case r.Token != from:
			// A repeat of the call that rotated from is done too.
			return r.Session, r.Previous == from && r.Nonce == nonce, nil
		case r.version == stale:
			// The row is as it was when the UPDATE matched none: the
			// database misreports affected rows, or this read saw an
			// old snapshot. Fail rather than loop.
			return jwt.Session{}, false, errors.New("sqlstore: Refresh: the database reported no change to a row the update should have matched")
		}
		next := r.Session
		next.Previous, next.Token, next.Nonce, next.Refreshed = from, to, nonce, fromMicros(micros(at))
		exp := max(micros(r.Expires), micros(expires))
		next.Expires = fromMicros(exp)
		n, err := s.exec(ctx, s.q.refresh, from, to, nonce, micros(at), exp, sid, from, r.version)
		if err != nil {
			return jwt.Session{}, false, s.fail(ctx, "Refresh", err)
		}
		if n == 1 {
			return next, true, nil
		}
		stale = r.version
	}
}

// End ends the session sid. It follows the contract of [jwt.Store]; a
// session it records unknown has an empty subject and token and zero
// times.
func (s *Store) End(ctx context.Context, sid string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sid == "" {
		return fmt.Errorf("%w in sqlstore.Store.End", jwt.ErrStoreEmptyID)
	}
	if !validIDs(sid) {
		return fmt.Errorf("%w in sqlstore.Store.End", ErrInvalidID)
	}
	now := s.now()
	var err error
	if expires.After(now) {
		_, err = s.exec(ctx, s.q.end, endArgs(s.dialect, sid, micros(time.Time{}), micros(expires), micros(now))...)
	} else {
		// Nothing to record for an unknown session: it would be
		// expired already.
		_, err = s.exec(ctx, s.q.endLive, sid, micros(now))
	}
	return s.fail(ctx, "End", err)
}

// EndAll ends every session of subject. It follows the contract of
// [jwt.Store]: the count is of the sessions this call ended, exact on both
// dialects since each row it matches changes.
func (s *Store) EndAll(ctx context.Context, subject string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if subject == "" {
		return 0, fmt.Errorf("%w in sqlstore.Store.EndAll", jwt.ErrStoreEmptyID)
	}
	if !validIDs(subject) {
		return 0, nil // no session has such a subject
	}
	n, err := s.exec(ctx, s.q.endAll, subject, micros(s.now()))
	if err != nil {
		return 0, s.fail(ctx, "EndAll", err)
	}
	return int(n), nil
}

// List returns the sessions of subject that are not ended, oldest first.
// It follows the contract of [jwt.Store]; sessions created at the same
// time are in the order of their ids.
func (s *Store) List(ctx context.Context, subject string) ([]jwt.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validIDs(subject) {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, s.q.list, subject, micros(s.now()))
	if err != nil {
		return nil, s.fail(ctx, "List", err)
	}
	defer rows.Close()
	var list []jwt.Session
	for rows.Next() {
		r, err := scanRow(rows)
		if err != nil {
			return nil, s.fail(ctx, "List", err)
		}
		list = append(list, r.Session)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(ctx, "List", err)
	}
	return list, nil
}

// row is a session as the table holds it, with the row's version.
type row struct {
	jwt.Session
	version int64
}

// get reads the session sid, if it has not expired at now. It returns
// jwt.ErrNoSession when there is none.
func (s *Store) get(ctx context.Context, sid string, now int64) (row, error) {
	for attempt := 1; ; attempt++ {
		r, err := scanRow(s.db.QueryRowContext(ctx, s.q.session, sid, now))
		if errors.Is(err, sql.ErrNoRows) {
			return row{}, jwt.ErrNoSession
		}
		if err == nil || !again(ctx, err, attempt) {
			return r, err
		}
	}
}

// scanRow reads the columns of one row, in the order of columns.
func scanRow(sc interface{ Scan(...any) error }) (row, error) {
	var r row
	var created, refreshed, expires int64
	err := sc.Scan(&r.ID, &r.Subject, &created, &refreshed, &expires,
		&r.Token, &r.Previous, &r.Nonce, &r.Ended, &r.version)
	if err != nil {
		return row{}, err
	}
	r.Created, r.Refreshed, r.Expires = fromMicros(created), fromMicros(refreshed), fromMicros(expires)
	return r, nil
}

// exec runs a statement that writes and returns how many rows it affected.
func (s *Store) exec(ctx context.Context, query string, args ...any) (int64, error) {
	for attempt := 1; ; attempt++ {
		res, err := s.db.ExecContext(ctx, query, args...)
		if err == nil {
			return res.RowsAffected()
		}
		if !again(ctx, err, attempt) {
			return 0, err
		}
	}
}

// maxAttempts is how many times a statement runs at most when the
// database refuses it for a conflict with a concurrent one.
const maxAttempts = 10

// again reports whether a statement that failed with err, after attempt
// tries, should run again, and if so first waits a random while, longer
// after each attempt, so that the statements in conflict do not meet
// again. It says yes when the database refused the statement for a
// conflict with a concurrent transaction and rolled it back, so that the
// statement had no effect: PostgreSQL does so at the isolation levels
// REPEATABLE READ and SERIALIZABLE (SQLSTATE 40001), and on a deadlock
// (40P01). Every statement of the Store may run again, since it decides
// on the row as it then finds it. The error is recognised by its SQLState
// method, which the errors of the pgx driver have.
func again(ctx context.Context, err error, attempt int) bool {
	var e interface{ SQLState() string }
	if attempt >= maxAttempts || !errors.As(err, &e) {
		return false
	}
	if code := e.SQLState(); code != "40001" && code != "40P01" {
		return false
	}
	wait := time.Duration(rand.Int64N(int64(min(time.Millisecond<<attempt, 50*time.Millisecond))))
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// fail returns err for the method op: nil and jwt.ErrNoSession as they
// are, the error of ctx when ctx is done (whatever the driver made of it),
// and any other error wrapped.
func (s *Store) fail(ctx context.Context, op string, err error) error {
	switch {
	case err == nil || errors.Is(err, jwt.ErrNoSession):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("sqlstore: %s: %w", op, ctx.Err())
	}
	return fmt.Errorf("sqlstore: %s: %w: %w", op, jwt.ErrUnavailable, err)
}

// validIDs reports whether every id fits the id columns of both dialects:
// at most MaxIDLength bytes of UTF-8 without NUL, which PostgreSQL's text
// refuses.
func validIDs(ids ...string) bool {
	for _, id := range ids {
		if len(id) > MaxIDLength || !utf8.ValidString(id) || strings.IndexByte(id, 0) >= 0 {
			return false
		}
	}
	return true
}

// micros returns t as the table holds times: microseconds since the Unix
// epoch, rounded down.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros returns the time that the table holds as us, in UTC. The zero
// time.Time comes back as the zero time.Time.
func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }
