package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"time"

	_ "github.com/go-sql-driver/mysql" // registers "mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/sqlstore"
)

// Every instance of a service runs this wiring with the same database,
// table prefix and signing key, so that a refresh token rotated or
// revoked on one is refused on all. The example needs a PostgreSQL
// server, so it is compiled but not run.
func ExampleNew() {
	db, err := sql.Open("pgx", "postgres://app@127.0.0.1:5432/app?connect_timeout=5")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.Postgres})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := store.Migrate(ctx); err != nil { // or run schema/postgres.sql with your migration tool
		log.Fatal(err)
	}

	key, err := jwt.NewHMAC(jwt.HS256, []byte("an example secret of 32 bytes..."))
	if err != nil {
		log.Fatal(err)
	}
	pairs, err := jwt.NewPairs(jwt.PairConfig{Signer: key, Rotate: true, Store: store})
	if err != nil {
		log.Fatal(err)
	}
	pair, err := pairs.Issue(ctx, "42", nil) // one row in jwt_sessions
	if err != nil {
		log.Fatal(err)
	}
	next, err := pairs.Refresh(ctx, pair.Refresh) // one conditional UPDATE of that row
	if err != nil {
		log.Fatal(err) // also when the database cannot answer: the refresh fails closed
	}
	fmt.Println(next.Refresh != "")
}

// On MySQL and MariaDB, interpolateParams saves two round trips per
// statement. The store needs neither parseTime nor clientFoundRows, and
// works the same with them.
func ExampleNew_mysql() {
	db, err := sql.Open("mysql", "app:secret@tcp(127.0.0.1:3306)/app?interpolateParams=true&timeout=5s&readTimeout=5s&writeTimeout=5s")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	store, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.MySQL, TablePrefix: "auth_"})
	if err != nil {
		log.Fatal(err)
	}
	if err := store.Migrate(context.Background()); err != nil { // creates auth_sessions
		log.Fatal(err)
	}
	fmt.Println(store.Table())
}

// Prune deletes the rows of expired sessions. A service runs it now and
// then from a goroutine of its own, stopped with the service's context; it
// may run on every instance.
func ExampleStore_Prune() {
	var store *sqlstore.Store // as made by New
	ctx, stop := context.WithCancel(context.Background())
	defer stop()

	go func() {
		ticker := time.NewTicker(10 * time.Minute)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-ticker.C:
				n, err := store.Prune(ctx)
				if err != nil {
					log.Printf("pruning expired sessions: %v", err) // tried again at the next tick
					continue
				}
				log.Printf("pruned %d expired sessions", n)
			}
		}
	}()
}
