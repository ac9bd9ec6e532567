package jwt

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/jwtpair/jwt/internal/base64url"
)

// MemoryStoreLen reports how many sessions s holds, expired or not, how
// many the expiry queue holds (the two must agree), and how many subjects
// its index holds.
func MemoryStoreLen(s *MemoryStore) (sessions, queued, subjects int) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.sessions), len(s.expiry), len(s.subjects)
}

// VerifyJWS checks a compact JWS the way Expect.Verify does up to and
// including the signature, through the same verifierFor, but takes a
// payload that is not JSON claims, or empty, as JWS (RFC 7515) allows and
// the Wycheproof and RFC 7520 vectors need. It returns the payload.
func VerifyJWS(token string, keys Keys) ([]byte, error) {
	if len(token) > DefaultMaxLength {
		return nil, ErrTooLarge
	}
	d1 := strings.IndexByte(token, '.')
	d2 := strings.LastIndexByte(token, '.')
	if d1 <= 0 || d2 == d1 || d2 == len(token)-1 || strings.IndexByte(token[d1+1:d2], '.') >= 0 {
		return nil, fmt.Errorf("%w: not three parts", ErrMalformed)
	}
	if !base64url.Valid(token[:d1]) || !base64url.Valid(token[d1+1:d2]) || !base64url.Valid(token[d2+1:]) {
		return nil, fmt.Errorf("%w: not base64url", ErrMalformed)
	}
	v, _, err := lookup(context.Background(), token[:d1], keys)
	if err != nil {
		return nil, err
	}
	b64 := base64.RawURLEncoding.Strict()
	sig, err := b64.DecodeString(token[d2+1:])
	if err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}
	if err := v.Verify([]byte(token[:d2]), sig); err != nil {
		return nil, err
	}
	payload, err := b64.DecodeString(token[d1+1 : d2])
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	return payload, nil
}

// MatchHeader is the fast path of Keys that know their tokens' encoded
// headers: nil when keys has none or enc is none of them.
func MatchHeader(keys Keys, enc string) Verifier {
	if m, ok := keys.(headerMatcher); ok {
		v, _ := m.matchHeader(enc)
		return v
	}
	return nil
}
