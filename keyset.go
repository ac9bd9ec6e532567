package jwt

import (
	"context"
	"fmt"
)

// KeySet is a set of verification keys chosen by kid: the [Keys] to give
// Verify when tokens are signed by one of several keys, as during a key
// rotation or with the keys an issuer publishes. Each key keeps its
// algorithm: a token is checked with the algorithm of the key its kid
// names, never the one its header asks for. A KeySet does not change once
// made and is safe for concurrent use.
type KeySet struct {
	byKID  map[string]Verifier
	byHdr  map[string]keySetEntry
	single Verifier // the only key, when there is one
}

type keySetEntry struct {
	v Verifier
	h *Header
}

// NewKeySet returns a KeySet of verifiers, each known by the key ID of its
// KeyID() string method, or by none if it has none (the keys of this
// package have that method; see their WithKeyID). At least one verifier is
// needed, nil ones are refused with [ErrInvalidKey], and two with the same
// key ID (two without one included) with [ErrDuplicateKeyID].
func NewKeySet(verifiers ...Verifier) (*KeySet, error) {
	if len(verifiers) == 0 {
		return nil, fmt.Errorf("%w: empty key set", ErrInvalidKey)
	}
	s := &KeySet{byKID: make(map[string]Verifier, len(verifiers)), byHdr: make(map[string]keySetEntry, len(verifiers))}
	for _, v := range verifiers {
		if v == nil {
			return nil, fmt.Errorf("%w: nil verifier in key set", ErrInvalidKey)
		}
		kid := ""
		if k, ok := v.(interface{ KeyID() string }); ok {
			kid = k.KeyID()
		}
		if _, dup := s.byKID[kid]; dup {
			return nil, ErrDuplicateKeyID
		}
		s.byKID[kid] = v
	}
	for kid, v := range s.byKID {
		// A token without kid is taken only by a set of one key, so a
		// key without kid has a fast path only then.
		if m, ok := v.(interface{ meta() *keyMeta }); ok && (kid != "" || len(verifiers) == 1) {
			km := m.meta()
			s.byHdr[km.enc] = keySetEntry{v: v, h: &km.hdr}
		}
	}
	if len(verifiers) == 1 {
		s.single = verifiers[0]
	}
	return s, nil
}

// VerifierFor returns the verifier whose key ID is exactly kid. A token
// without kid (kid == "") gets the set's key only when the set holds
// exactly one. Any other kid gives an error wrapping [ErrUnknownKey].
func (s *KeySet) VerifierFor(_ context.Context, h Header) (Verifier, error) {
	kid := h.KeyID
	if kid == "" && s.single != nil {
		return s.single, nil
	}
	if kid == "" {
		return nil, fmt.Errorf("%w: token has no kid and the set holds several keys", ErrUnknownKey)
	}
	if v, ok := s.byKID[kid]; ok {
		return v, nil
	}
	return nil, ErrUnknownKey
}

// Len returns the number of keys in s.
func (s *KeySet) Len() int { return len(s.byKID) }

// matchHeader finds a key by the encoded header of its own tokens, so
// that the usual token's header is never decoded.
func (s *KeySet) matchHeader(enc string) (Verifier, *Header) {
	if e, ok := s.byHdr[enc]; ok {
		return e.v, e.h
	}
	return nil, nil
}

// SingleKey returns Keys that give v for every token whatever its kid: the
// way to verify with a Verifier of your own, such as one backed by a KMS.
func SingleKey(v Verifier) Keys { return singleKey{v} }

type singleKey struct{ v Verifier }

func (k singleKey) VerifierFor(context.Context, Header) (Verifier, error) { return k.v, nil }
