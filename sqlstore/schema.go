package sqlstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
)

// The schema of each dialect, for the default table prefix. Teams with a
// migration tool of their own copy these files; Migrate runs the same
// statements.
//
//go:embed schema/postgres.sql schema/mysql.sql
var schemaFiles embed.FS

// defaultTable is the name of the table in the schema files.
const defaultTable = DefaultTablePrefix + "sessions"

// Schema returns the SQL that creates the store's table and indexes, as
// Migrate runs it: the file schema/postgres.sql or schema/mysql.sql of
// this module, with the names of the table and indexes carrying the
// store's prefix. Every statement ends with a semicolon at the end of a
// line, and can run again on a database that has the table.
func (s *Store) Schema() string {
	file := "schema/postgres.sql"
	if s.dialect == MySQL {
		file = "schema/mysql.sql"
	}
	b, err := schemaFiles.ReadFile(file)
	if err != nil {
		panic(err) // embedded above: cannot happen
	}
	return strings.ReplaceAll(string(b), defaultTable, s.table)
}

// Migrate creates the store's table and indexes where they do not exist:
// it runs the statements of Schema in order. It can run again, and from
// several instances at once. On PostgreSQL it runs them in one
// transaction, under an advisory lock of the table's name so that
// concurrent runs take turns; on MySQL each statement commits by itself,
// as DDL does there, and CREATE TABLE IF NOT EXISTS is safe to run
// concurrently.
//
// On MySQL, Migrate first checks that the connection commits each
// statement by itself, as the Store needs: with autocommit off, every
// write would stay in a transaction that never commits, unseen by the
// other instances, and Migrate returns ErrAutocommit.
//
// The database user needs the right to create tables; a service whose
// user has not runs the schema files with its migration tool instead.
func (s *Store) Migrate(ctx context.Context) error {
	stmts := statements(s.Schema())
	if s.dialect == MySQL {
		var autocommit int
		if err := s.db.QueryRowContext(ctx, "SELECT @@autocommit").Scan(&autocommit); err != nil {
			return s.fail(ctx, "Migrate", err)
		}
		if autocommit != 1 {
			return ErrAutocommit
		}
		for _, stmt := range stmts {
			if _, err := s.db.ExecContext(ctx, stmt); err != nil {
				return s.fail(ctx, "Migrate", err)
			}
		}
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return s.fail(ctx, "Migrate", err)
	}
	defer tx.Rollback() // after Commit, does nothing
	h := fnv.New64a()
	h.Write([]byte("github.com/jwtpair/jwt/sqlstore " + s.table))
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(h.Sum64())); err != nil {
		return s.fail(ctx, "Migrate", err)
	}
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return s.fail(ctx, "Migrate", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return s.fail(ctx, "Migrate", fmt.Errorf("commit: %w", err))
	}
	return nil
}

// ErrAutocommit is returned by [Store.Migrate] on MySQL when the
// connection has autocommit off (the DSN sets autocommit=0): the Store
// runs every statement as a transaction of its own, and needs the server
// to commit it.
var ErrAutocommit = errors.New("sqlstore: the connection has autocommit off")

// statements splits a schema file into its statements, without their
// final semicolons: each ends with a semicolon at the end of a line that
// is not a comment line. Comment lines before a statement stay with it;
// comment lines after the last statement are dropped.
func statements(schema string) []string {
	var stmts []string
	var cur strings.Builder
	hasCode := false
	for line := range strings.Lines(schema) {
		cur.WriteString(line)
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		hasCode = true
		if strings.HasSuffix(t, ";") {
			stmts = append(stmts, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
			hasCode = false
		}
	}
	if hasCode {
		stmts = append(stmts, strings.TrimSpace(cur.String()))
	}
	return stmts
}
