package sqlstore

// PruneBatch returns the batch size of s's Prune, for the test that pins
// its default.
func PruneBatch(s *Store) int { return s.batch }

// Statements returns the statements of s that find rows (all but the
// inserts), by name, for the test that checks the index each uses.
func Statements(s *Store) map[string]string {
	m := map[string]string{
		"session": s.q.session, "refresh": s.q.refresh, "endLive": s.q.endLive,
		"endAll": s.q.endAll, "list": s.q.list, "prune": s.q.prune,
	}
	if s.q.replaceExpired != "" {
		m["replaceExpired"] = s.q.replaceExpired
	}
	return m
}
