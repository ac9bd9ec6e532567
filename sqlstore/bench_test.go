package sqlstore_test

import (
	"crypto/rand"
	"strconv"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jwtpair/jwt"
)

// benchStores returns the stores the benchmarks compare: the memory store
// of the jwt module, and a Store on each database, each with a table of its
// own. The MySQL pool interpolates parameters, as the README advises.
func benchStores(b *testing.B) []struct {
	name  string
	store jwt.Store
} {
	return []struct {
		name  string
		store jwt.Store
	}{
		{"Memory", &jwt.MemoryStore{}},
		{"Postgres", newStore(b, openPostgres(b, ""), servers[0].dialect, nil)},
		{"MySQL", newStore(b, mysqlOpener(func(c *mysql.Config) { c.InterpolateParams = true })(b, ""), servers[1].dialect, nil)},
	}
}

func BenchmarkCreate(b *testing.B) {
	for _, bs := range benchStores(b) {
		b.Run(bs.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := b.Context()
			now := time.Now()
			prefix, n := rand.Text()[:8], 0
			for b.Loop() {
				n++
				if err := bs.store.Create(ctx, session(prefix+strconv.Itoa(n), "u", now)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSession(b *testing.B) {
	for _, bs := range benchStores(b) {
		b.Run(bs.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := b.Context()
			ses := session(rand.Text(), "u", time.Now())
			if err := bs.store.Create(ctx, ses); err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := bs.store.Session(ctx, ses.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRefresh rotates the token of one session: the read and the
// conditional UPDATE of a refresh that wins.
func BenchmarkRefresh(b *testing.B) {
	for _, bs := range benchStores(b) {
		b.Run(bs.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := b.Context()
			ses := session(rand.Text(), "u", time.Now())
			if err := bs.store.Create(ctx, ses); err != nil {
				b.Fatal(err)
			}
			from, n := ses.Token, 0
			for b.Loop() {
				n++
				to := "t" + strconv.Itoa(n)
				now := time.Now()
				_, done, err := bs.store.Refresh(ctx, ses.ID, from, to, to, now, now.Add(time.Hour))
				if err != nil || !done {
					b.Fatal(done, err)
				}
				from = to
			}
		})
	}
}
