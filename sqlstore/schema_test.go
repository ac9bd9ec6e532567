package sqlstore_test

import (
	"database/sql"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jwtpair/jwt/sqlstore"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// schemaFile returns the schema file of dialect d, as a team with its own
// migration tool would copy it.
func schemaFile(t *testing.T, d sqlstore.Dialect) string {
	t.Helper()
	b, err := os.ReadFile("schema/" + d.String() + ".sql")
	require.NoError(t, err)
	return string(b)
}

// TestSchemaIsTheFile checks that Schema, which Migrate runs, is the
// schema file of the dialect, with the configured prefix.
func TestSchemaIsTheFile(t *testing.T) {
	for _, d := range []sqlstore.Dialect{sqlstore.Postgres, sqlstore.MySQL} {
		t.Run(d.String(), func(t *testing.T) {
			file := schemaFile(t, d)
			s, err := sqlstore.New(&sql.DB{}, sqlstore.Config{Dialect: d})
			require.NoError(t, err)
			assert.Equal(t, file, s.Schema())

			s, err = sqlstore.New(&sql.DB{}, sqlstore.Config{Dialect: d, TablePrefix: "auth_"})
			require.NoError(t, err)
			assert.Equal(t, strings.ReplaceAll(file, "jwt_sessions", "auth_sessions"), s.Schema())
			assert.NotContains(t, s.Schema(), "jwt_sessions")
		})
	}
}

// TestMigrateMatchesFile runs the schema file as a migration tool would,
// in one go, and Migrate with another prefix, and compares what each made;
// a Store then works on the table the file made, and Migrate leaves it
// as it is.
func TestMigrateMatchesFile(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		ctx := t.Context()
		db := srv.open(t, "")
		file := schemaFile(t, srv.dialect)
		if srv.dialect == sqlstore.MySQL {
			// A migration tool sends the file as one query: the MySQL
			// driver then needs multiStatements.
			c := myConfig.Clone()
			c.MultiStatements = true
			db := mysqlOpener(func(cfg *mysql.Config) { *cfg = *c })(t, "")
			_, err := db.ExecContext(ctx, file)
			require.NoError(t, err)
		} else {
			_, err := db.ExecContext(ctx, file)
			require.NoError(t, err)
		}
		migrated := newStore(t, db, srv.dialect, nil)
		assert.Equal(t, describe(t, db, srv.dialect, "jwt_sessions"), describe(t, db, srv.dialect, migrated.Table()))

		s := newStoreOn(t, db, sqlstore.Config{Dialect: srv.dialect}) // Migrate again: no change
		assert.Equal(t, describe(t, db, srv.dialect, "jwt_sessions"), describe(t, db, srv.dialect, migrated.Table()))
		id := newPrefix() // the table is the run's, and -count may run this again
		require.NoError(t, s.Create(ctx, session(id, "u", time.Now())))
		_, err := s.Session(ctx, id)
		require.NoError(t, err)
	})
}

// describe returns the definition of table and its indexes as the
// database reports it, with the table's name replaced by TABLE.
func describe(t *testing.T, db *sql.DB, d sqlstore.Dialect, table string) string {
	t.Helper()
	ctx := t.Context()
	var b strings.Builder
	if d == sqlstore.MySQL {
		var name, def string
		require.NoError(t, db.QueryRowContext(ctx, "SHOW CREATE TABLE "+table).Scan(&name, &def))
		b.WriteString(def)
	} else {
		rows, err := db.QueryContext(ctx, `SELECT column_name, data_type, is_nullable, COALESCE(collation_name, '')
			FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1
			ORDER BY ordinal_position`, table)
		require.NoError(t, err)
		for rows.Next() {
			var name, typ, null, coll string
			require.NoError(t, rows.Scan(&name, &typ, &null, &coll))
			fmt.Fprintf(&b, "%s %s %s %s\n", name, typ, null, coll)
		}
		require.NoError(t, rows.Err())
		rows, err = db.QueryContext(ctx, `SELECT indexdef FROM pg_indexes
			WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname`, table)
		require.NoError(t, err)
		for rows.Next() {
			var def string
			require.NoError(t, rows.Scan(&def))
			fmt.Fprintln(&b, def)
		}
		require.NoError(t, rows.Err())
	}
	out := strings.ReplaceAll(b.String(), table, "TABLE")
	require.Contains(t, out, "TABLE", "table %s not found", table)
	return out
}

// TestMigrateConcurrent runs Migrate on one new table from several pools
// at once, as instances starting together do.
func TestMigrateConcurrent(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		prefix := newPrefix()
		var wg sync.WaitGroup
		for range 4 {
			s, err := sqlstore.New(srv.open(t, ""), sqlstore.Config{Dialect: srv.dialect, TablePrefix: prefix})
			require.NoError(t, err)
			wg.Go(func() { assert.NoError(t, s.Migrate(t.Context())) })
		}
		wg.Wait()
	})
}

// TestIndexes checks that every statement that finds rows can use the
// index the schema file says it uses.
func TestIndexes(t *testing.T) {
	forEachServer(t, databases, func(t *testing.T, srv server) {
		ctx := t.Context()
		db := srv.open(t, "")
		c := newClock()
		s := newStore(t, db, srv.dialect, c.Now)
		for i := range 200 {
			ses := session(fmt.Sprintf("s%d", i), fmt.Sprintf("u%d", i%20), c.Now().Add(time.Duration(i)*time.Second))
			require.NoError(t, s.Create(ctx, ses))
		}
		table := s.Table()
		primary, subject, expires := table+"_pkey", table+"_subject", table+"_expires"
		if srv.dialect == sqlstore.MySQL {
			primary = "PRIMARY"
		}
		want := map[string]string{
			"session": primary, "refresh": primary, "endLive": primary, "replaceExpired": primary,
			"endAll": subject, "list": subject, "prune": expires,
		}
		args := map[string][]any{
			"session": {"s1", 0}, "refresh": {"a", "b", "c", 0, 0, "s1", "t", 0}, "endLive": {"s1", 0},
			"replaceExpired": {"u", 0, 0, 0, "t", "", "", "s1", 0},
			"endAll":         {"u1", 0}, "list": {"u1", 0}, "prune": {0},
		}
		conn, err := db.Conn(ctx)
		require.NoError(t, err)
		defer conn.Close()
		if srv.dialect == sqlstore.Postgres {
			// On a table this small a scan is cheaper; ask whether the
			// index can serve the statement at all.
			_, err := conn.ExecContext(ctx, "SET enable_seqscan = off")
			require.NoError(t, err)
		}
		for name, query := range sqlstore.Statements(s) {
			rows, err := conn.QueryContext(ctx, "EXPLAIN "+query, args[name]...)
			require.NoError(t, err, name)
			plan := readAll(t, rows)
			uses := regexp.MustCompile(`(using|on) ` + want[name] + `\b`) // PostgreSQL
			if srv.dialect == sqlstore.MySQL {
				uses = regexp.MustCompile(`\bkey=` + want[name] + ` `)
			}
			assert.Regexp(t, uses, plan, "%s: %s", name, query)
		}
	})
}

// readAll returns every row of rows as text, one line per row.
func readAll(t *testing.T, rows *sql.Rows) string {
	t.Helper()
	defer rows.Close()
	cols, err := rows.Columns()
	require.NoError(t, err)
	var b strings.Builder
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		for i, v := range vals {
			fmt.Fprintf(&b, "%s=%s ", cols[i], v.String)
		}
		b.WriteString("\n")
	}
	require.NoError(t, rows.Err())
	return b.String()
}

// TestMigrateAutocommitOff: on MySQL, a pool whose connections do not
// commit each statement is refused.
func TestMigrateAutocommitOff(t *testing.T) {
	db := mysqlOpener(func(c *mysql.Config) {
		if c.Params == nil {
			c.Params = make(map[string]string)
		}
		c.Params["autocommit"] = "0"
	})(t, "")
	s, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.MySQL, TablePrefix: newPrefix()})
	require.NoError(t, err)
	require.ErrorIs(t, s.Migrate(t.Context()), sqlstore.ErrAutocommit)
}
