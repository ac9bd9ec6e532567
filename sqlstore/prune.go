package sqlstore

import (
	"context"
)

// Prune deletes the rows of the sessions that have expired, which the
// other methods pass over but leave in the table, and returns how many it
// deleted. It deletes at most PruneBatch rows per statement, each in its
// own transaction, so that it never holds many locks at once, and goes on
// until no row is left that had expired when it started, or ctx is done.
//
// Prune is safe to run from several instances at once. Run it every few
// minutes, from a goroutine of the service or from a scheduled job: the
// table then stays the size of the live and ended sessions. See the
// example for a loop with a time.Ticker.
func (s *Store) Prune(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := micros(s.now())
	total := 0
	for {
		n, err := s.exec(ctx, s.q.prune, now)
		total += int(n)
		if err != nil {
			return total, s.fail(ctx, "Prune", err)
		}
		if n < int64(s.batch) {
			return total, nil
		}
	}
}
