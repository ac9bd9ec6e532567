package redisstore

import "time"

// TTL returns the milliseconds s would give an entry that ends at until.
func TTL(s *Store, until time.Time) int64 { return s.ttl(until) }
