package jwt

// MemoryStoreLen reports how many entries s holds, expired or not, and
// how many the expiry queue holds; the two must agree.
func MemoryStoreLen(s *MemoryStore) (entries, queued int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.entries), len(s.expiry)
}
