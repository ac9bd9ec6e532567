package storetest

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
)

// splitStore keeps consumed ids in a map, as jwt.MemoryStore does, but its
// Consume is not atomic: it looks the id up under its lock, lets the lock
// go, and takes it again to record the first use. Calls with one id that
// all look it up before any records it all see a first use. The race calls
// nothing but Consume, so the other methods are left to the nil Store.
type splitStore struct {
	jwt.Store
	mu     sync.Mutex
	values map[string][]byte
}

func (s *splitStore) Consume(_ context.Context, id string, value []byte, _ time.Time) ([]byte, bool, error) {
	s.mu.Lock()
	prior, used := s.values[id]
	s.mu.Unlock()
	if used {
		return bytes.Clone(prior), false, nil
	}
	runtime.Gosched() // another call with the same id may look it up here
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = make(map[string][]byte)
	}
	s.values[id] = bytes.Clone(value)
	return nil, true, nil
}

// recorder is a reporter that keeps what is reported to it instead of
// failing the test.
type recorder struct {
	ctx    context.Context
	errors []string
}

func (r *recorder) Context() context.Context { return r.ctx }

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestRaceConsumeCatchesSplitStore checks that the race of many ids fails
// a store whose Consume checks and records under separate holds of its
// lock. It must fail it in every run, not by luck.
func TestRaceConsumeCatchesSplitStore(t *testing.T) {
	r := &recorder{ctx: t.Context()}
	raceConsume(r, &suite{Harness: Harness{Store: new(splitStore)}}, raceIDs, raceCallers)
	if len(r.errors) == 0 {
		t.Fatal("the race passed a store whose Consume is not atomic, want it to fail")
	}
	for _, e := range r.errors {
		t.Log("reported: " + e)
	}
}

// TestRaceConsumePassesMemoryStore checks that the race passes a store
// whose Consume is atomic.
func TestRaceConsumePassesMemoryStore(t *testing.T) {
	raceConsume(t, &suite{Harness: Harness{Store: new(jwt.MemoryStore)}}, raceIDs, raceCallers)
}
