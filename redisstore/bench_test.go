package redisstore_test

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/redisstore"
)

// benchStore is a store the benchmarks measure: its name, and a function
// that makes a new one.
type benchStore struct {
	name  string
	store func(b *testing.B) jwt.Store
}

// benchStores returns the stores the benchmarks compare: a
// jwt.MemoryStore, and a Store on the Redis at REDIS_ADDR when it is set.
func benchStores() []benchStore {
	stores := []benchStore{
		{"Memory", func(*testing.B) jwt.Store { return &jwt.MemoryStore{} }},
	}
	if os.Getenv("REDIS_ADDR") != "" {
		stores = append(stores, benchStore{"Redis", func(b *testing.B) jwt.Store {
			client := newClient(b)
			return newStore(b, client, redisstore.Config{Prefix: testPrefix(b, client)})
		}})
	}
	return stores
}

// benchSession returns a live session numbered i.
func benchSession(i int) jwt.Session {
	now := time.Now()
	id := "bench-" + strconv.Itoa(i)
	return jwt.Session{ID: id, Subject: "user-" + strconv.Itoa(i%100), Created: now, Refreshed: now, Expires: now.Add(time.Hour), Token: id + ".t0"}
}

// BenchmarkCreate measures recording a login.
func BenchmarkCreate(b *testing.B) {
	for _, st := range benchStores() {
		b.Run(st.name, func(b *testing.B) {
			s := st.store(b)
			ctx := b.Context()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if err := s.Create(ctx, benchSession(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkSession measures reading a session, as every refresh and,
// with RevokeAccess, every access token check does.
func BenchmarkSession(b *testing.B) {
	for _, st := range benchStores() {
		b.Run(st.name, func(b *testing.B) {
			s := st.store(b)
			ctx := b.Context()
			ses := benchSession(0)
			if err := s.Create(ctx, ses); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Session(ctx, ses.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRefresh measures a rotation: the compare-and-set of a
// session's refresh token.
func BenchmarkRefresh(b *testing.B) {
	for _, st := range benchStores() {
		b.Run(st.name, func(b *testing.B) {
			s := st.store(b)
			ctx := b.Context()
			ses := benchSession(0)
			if err := s.Create(ctx, ses); err != nil {
				b.Fatal(err)
			}
			from := ses.Token
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				to := "t" + strconv.Itoa(i)
				now := time.Now()
				if _, done, err := s.Refresh(ctx, ses.ID, from, to, "n"+strconv.Itoa(i), now, now.Add(time.Hour)); err != nil || !done {
					b.Fatal(done, err)
				}
				from = to
				i++
			}
		})
	}
}

// BenchmarkPairsRefresh measures a rotating refresh through the pair
// manager: the Store's Session and Refresh on top of verifying one token
// and signing two.
func BenchmarkPairsRefresh(b *testing.B) {
	for _, st := range benchStores() {
		b.Run(st.name, func(b *testing.B) {
			key, err := jwt.NewHMAC(jwt.HS256, pairSecret)
			if err != nil {
				b.Fatal(err)
			}
			p, err := jwt.NewPairs(jwt.PairConfig{Signer: key, Rotate: true, Store: st.store(b)})
			if err != nil {
				b.Fatal(err)
			}
			ctx := b.Context()
			pair, err := p.Issue(ctx, "42", nil)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if pair, err = p.Refresh(ctx, pair.Refresh); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
