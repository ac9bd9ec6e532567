// Package sqlstore keeps the sessions of the jwt pair manager in a SQL
// database, PostgreSQL or MySQL (MariaDB too), so that the instances of a
// service share one record of which logins are live and which refresh
// token is the current one of each.
//
// # When you need it
//
// A [jwt.Pairs] keeps its sessions in a [jwt.Store]. The default,
// jwt.MemoryStore, lives in one process: behind a load balancer, a refresh
// token rotated or revoked on one instance would still be accepted by the
// others, which defeats single use, reuse detection and logout. Use this
// store when several processes issue or refresh the same tokens and the
// service already has PostgreSQL 12 or later, MySQL 8 or MariaDB 10.6 or
// later; the redisstore module does the same on Redis.
//
// # Wiring
//
// The application brings the database/sql driver, opens the *sql.DB and
// names its [Dialect]:
//
//	import _ "github.com/jackc/pgx/v5/stdlib"
//
//	db, err := sql.Open("pgx", "postgres://app@db:5432/app")
//	store, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.Postgres})
//	err = store.Migrate(ctx) // or run schema/postgres.sql with your migration tool
//	pairs, err := jwt.NewPairs(jwt.PairConfig{Signer: key, Rotate: true, Store: store})
//
// For MySQL and MariaDB, github.com/go-sql-driver/mysql with Dialect
// [MySQL]; the DSN option interpolateParams=true saves two round trips
// per statement. The store needs neither parseTime nor clientFoundRows,
// and gives the same answers with or without them. Every instance makes
// its own Store on the same database and table prefix.
//
// # Schema
//
// The store keeps one row per session in one table, jwt_sessions unless
// [Config].TablePrefix says otherwise: ids and times (microseconds since
// 1970 in a BIGINT), never a token. [Store.Migrate] creates it; the files
// schema/postgres.sql and schema/mysql.sql of this module hold the same
// statements, for teams whose migration tool runs the schema, and
// [Store.Schema] returns them with the configured prefix.
//
// # Single use
//
// [Store.Refresh] decides single use in the database: it reads the
// session, and writes the refresh with one UPDATE that compares the
// current token and the row's version, a counter that every write
// increments. The database runs that UPDATE under the row's lock, on the
// latest committed row, so of concurrent refreshes with one token exactly
// one matches, and the count of affected rows says which. Because the
// UPDATE always changes the version, a row it matches is a row it
// changes, and MySQL's count is right whether the driver reports rows
// changed (its default) or rows matched (clientFoundRows). Every
// statement runs as a transaction of its own, at any isolation level;
// where PostgreSQL refuses one for a conflict (REPEATABLE READ,
// SERIALIZABLE), the store runs it again.
//
// # Expired rows
//
// The methods pass over a session whose time has passed, but only
// [Store.Prune] deletes its row: run it every few minutes, as the example
// of Prune does, and the table stays the size of the sessions that have
// not expired.
//
// # When the database fails
//
// The store fails closed: every error of the database, a timeout
// included, is returned, never taken for an answer, so the pair manager
// refuses the token. Each method passes its context to every statement
// and returns the context's error once it is done, so a caller's deadline
// bounds the wait on a database that hangs. A refresh whose reply is lost
// returns an error although the database may have recorded it; made
// again with the same arguments, it is recognised by its nonce and
// reported done.
//
// # Dependencies
//
// Package sqlstore uses the standard library, database/sql above all, and
// the jwt package's exported API only: it implements [jwt.Store] and
// returns its errors. It imports no
// driver; its tests use github.com/jackc/pgx/v5/stdlib and
// github.com/go-sql-driver/mysql. It is a module of its own so that the
// jwt module keeps no dependency outside the standard library.
package sqlstore
