package jwk

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/strictjson"
)

// Set is a JWK Set (RFC 7517 §5).
type Set struct {
	// Keys are the keys of the set, in the order of the JSON.
	Keys []*Key
}

// ParseSet parses a JWK Set of at most MaxSetSize bytes and
// MaxSetKeys keys, with the rules of [ParseKey] for each key. As RFC
// 7517 §5 says, a key of a type or curve this package does not implement
// (an X25519 or secp256k1 key, say) is left out of Keys. Any other key
// that does not parse refuses the whole set: a set with a malformed key
// of a known type comes from a broken publisher, and verifying with what
// is left of it would hide that.
func ParseSet(data []byte) (*Set, error) {
	return parseSet(data, false)
}

// parseSet is ParseSet; publicOnly is as for parseKey.
func parseSet(data []byte, publicOnly bool) (*Set, error) {
	return parseSetKeys(data, publicOnly, func(i int, _ json.RawMessage, err error) error {
		if errors.Is(err, errUnsupportedKey) {
			return nil
		}
		return fmt.Errorf("%w (key %d of the set)", err, i)
	})
}

// parseSetKeys parses a JWK Set document, refusing one that is not a
// strict JSON object with a keys array of at most MaxSetKeys members.
// Each key that does not parse goes to bad with its index and JSON: when
// bad returns an error, so does parseSetKeys; otherwise the key is left
// out. publicOnly is as for parseKey.
func parseSetKeys(data []byte, publicOnly bool, bad func(i int, raw json.RawMessage, err error) error) (*Set, error) {
	if len(data) > MaxSetSize {
		return nil, fmt.Errorf("%w: JWK Set larger than %d bytes", jwt.ErrInvalidKey, MaxSetSize)
	}
	folded := false
	if !strictjson.Check(data, func(name string) { folded = folded || strictjson.FoldsTo(name, []string{"keys"}) }) || folded {
		return nil, fmt.Errorf("%w: JWK Set is not a strict JSON object", jwt.ErrInvalidKey)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: JWK Set is not a JSON object", jwt.ErrInvalidKey)
	}
	var raw []json.RawMessage
	if v, ok := m["keys"]; !ok || json.Unmarshal(v, &raw) != nil || raw == nil {
		return nil, fmt.Errorf("%w: JWK Set has no keys array", jwt.ErrInvalidKey)
	}
	if len(raw) > MaxSetKeys {
		return nil, fmt.Errorf("%w: JWK Set of more than %d keys", jwt.ErrInvalidKey, MaxSetKeys)
	}
	set := &Set{Keys: make([]*Key, 0, len(raw))}
	for i, r := range raw {
		k, err := parseKey(r, publicOnly)
		if err != nil {
			if err := bad(i, r, err); err != nil {
				return nil, err
			}
			continue
		}
		set.Keys = append(set.Keys, k)
	}
	return set, nil
}

// rawKeyID returns the kid of a JWK that did not parse, when it has one
// that is a string, so that a report can name the key.
func rawKeyID(raw json.RawMessage) string {
	var m map[string]json.RawMessage
	var kid string
	if json.Unmarshal(raw, &m) != nil || json.Unmarshal(m["kid"], &kid) != nil {
		return ""
	}
	return kid
}

// MarshalJSON encodes s as {"keys":[…]}, each key as [Key.MarshalJSON]
// encodes it.
func (s *Set) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, 512*len(s.Keys)+16), `{"keys":[`...)
	for i, k := range s.Keys {
		if k == nil {
			return nil, fmt.Errorf("%w: nil key in JWK Set", jwt.ErrInvalidKey)
		}
		if i > 0 {
			b = append(b, ',')
		}
		enc, err := k.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b = append(b, enc...)
	}
	return append(b, "]}"...), nil
}

// KeySet returns a [jwt.KeySet] of the verifiers of every key of s meant
// for signatures: keys whose use is "sig" or absent, whose key_ops, when
// present, include "verify", and whose alg names an algorithm of the jwt
// package. The others are left out, keys without alg among them: a
// jwt.KeySet holds one algorithm per key, and a token's header must not
// choose it. To verify with such keys, as identity providers publish
// them, use [NewKeys], which gives each the algorithms of its type or
// those the caller lists.
//
// A set is refused when it mixes "oct" secrets with public keys (a
// published set must not hold a secret, and a verifier should not take
// both kinds; [jwt.ErrKeyMismatch]), when two of the keys kept share a kid
// ([jwt.ErrDuplicateKeyID]), when a key kept fails its constructor (an RSA
// modulus under 2048 bits or an HMAC secret shorter than the hash:
// [jwt.ErrWeakKey]), and when no key is kept ([jwt.ErrInvalidKey]).
func (s *Set) KeySet() (*jwt.KeySet, error) {
	if err := checkKinds(s.Keys); err != nil {
		return nil, err
	}
	var vs []jwt.Verifier
	for i, k := range s.Keys {
		if k.Use != "" && k.Use != "sig" || k.KeyOps != nil && !slices.Contains(k.KeyOps, "verify") || !implemented(k.Algorithm) {
			continue
		}
		v, err := k.Verifier("")
		if err != nil {
			return nil, fmt.Errorf("%w (key %d of the set)", err, i)
		}
		vs = append(vs, v)
	}
	if len(vs) == 0 {
		return nil, fmt.Errorf("%w: JWK Set holds no signature key with an alg of the jwt package", jwt.ErrInvalidKey)
	}
	return jwt.NewKeySet(vs...)
}
