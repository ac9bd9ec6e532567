package jwk

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"slices"

	"github.com/jwtpair/jwt"
)

// KeysConfig configures [NewKeys]: the algorithms the keys of a JWK Set
// may verify. The zero value is ready to use.
type KeysConfig struct {
	// Algorithms lists the algorithms the keys may verify. A key whose
	// alg is not in the list is left out. A key without alg verifies each
	// algorithm of the list that fits it: an RSA key every RS and PS
	// algorithm listed, an EC key the ES algorithm of its curve, an
	// Ed25519 key EdDSA and Ed25519, an oct secret the HS algorithms; a
	// key that none fits is left out.
	//
	// Nil or empty means every algorithm of the jwt package for a key
	// with alg and, for a key without alg, the algorithm its type is
	// commonly published for: RS256 for an RSA key (the default of
	// OpenID Connect, and what Entra ID and Google publish without alg),
	// ES256, ES384 or ES512 for an EC key on P-256, P-384 or P-521, and
	// both EdDSA and Ed25519 for an Ed25519 key (one signature under the
	// names of RFC 8037 and RFC 9864). An oct secret without alg then
	// gets none. An algorithm the jwt package does not implement is
	// refused with [jwt.ErrConfig].
	Algorithms []jwt.Algorithm
}

// checkAlgorithms refuses an algorithm list that cannot work. A published
// key set holds no secret, so for one (remote) HMAC algorithms are refused.
func checkAlgorithms(algs []jwt.Algorithm, remote bool) error {
	for _, alg := range algs {
		if !implemented(alg) {
			return fmt.Errorf("%w: Algorithms names %q, not an algorithm of the jwt package", jwt.ErrConfig, alg)
		}
		if remote && isHMAC(alg) {
			return fmt.Errorf("%w: Algorithms names %s, but a published key set holds no secret", jwt.ErrConfig, alg)
		}
	}
	return nil
}

func isHMAC(alg jwt.Algorithm) bool {
	return alg == jwt.HS256 || alg == jwt.HS384 || alg == jwt.HS512
}

// Keys is the [jwt.Keys] of the keys of a JWK Set, each with the
// algorithms it may verify: the one its alg names or, for a key without
// alg, those of [KeysConfig]. It chooses a key by the token's kid, then
// the key's verifier for the token's alg, so that a token's header
// chooses among what the key was made for, never more: a token whose alg
// the key does not verify is refused with [jwt.ErrAlgorithm]. A token
// without kid gets the set's key only when the set holds exactly one.
//
// A Keys does not change once made and is safe for concurrent use.
type Keys struct {
	byKID  map[string][]jwt.Verifier
	single []jwt.Verifier // the verifiers of the only key, when there is one
}

// NewKeys returns the Keys of the keys of set meant for signatures: keys
// whose use is "sig" or absent and whose key_ops, when present, include
// "verify", with the algorithms cfg allows. The others are left out: keys
// for encryption, keys whose alg the jwt package does not implement or
// cfg does not allow, and keys that no allowed algorithm fits.
//
// NewKeys is strict, for keys the caller holds: a set is refused when it
// mixes "oct" secrets with public keys ([jwt.ErrKeyMismatch]), when two
// kept keys share a kid ([jwt.ErrDuplicateKeyID]; the same key published
// twice under one kid with two algs counts once, with both), when a kept
// key fails its constructor (an RSA modulus under 2048 bits or an HMAC
// secret shorter than the hash: [jwt.ErrWeakKey]), and when no key is
// kept ([jwt.ErrInvalidKey]). A [RemoteSet] uses the same rules but
// leaves out, and reports, each key it cannot use.
func NewKeys(set *Set, cfg KeysConfig) (*Keys, error) {
	if set == nil {
		return nil, fmt.Errorf("%w: nil JWK Set", jwt.ErrInvalidKey)
	}
	if err := checkAlgorithms(cfg.Algorithms, false); err != nil {
		return nil, err
	}
	if err := checkKinds(set.Keys); err != nil {
		return nil, err
	}
	var first error
	keys, err := buildKeys(set.Keys, cfg.Algorithms, func(i int, _ *Key, err error, unusable bool) {
		if unusable && first == nil {
			first = fmt.Errorf("%w (key %d of the set)", err, i)
		}
	})
	if first != nil {
		return nil, first
	}
	return keys, err
}

// VerifierFor returns the verifier of the key whose key ID is h's kid
// for h's alg. A kid the set does not hold is refused with
// [jwt.ErrUnknownKey]. A key of several algorithms gives none for an alg
// it does not verify ([jwt.ErrAlgorithm]); a key of one gives its
// verifier, as a [jwt.KeySet] does, and Verify refuses a token of another
// alg with jwt.ErrAlgorithm.
func (s *Keys) VerifierFor(_ context.Context, h jwt.Header) (jwt.Verifier, error) {
	vs := s.single
	if h.KeyID != "" || vs == nil {
		if h.KeyID == "" {
			return nil, fmt.Errorf("%w: token has no kid and the set holds several keys", jwt.ErrUnknownKey)
		}
		var ok bool
		if vs, ok = s.byKID[h.KeyID]; !ok {
			return nil, jwt.ErrUnknownKey
		}
	}
	for _, v := range vs {
		if v.Algorithm() == h.Algorithm {
			return v, nil
		}
	}
	if len(vs) == 1 {
		return vs[0], nil // as a jwt.KeySet: Verify compares the algs
	}
	return nil, jwt.ErrAlgorithm
}

// Len returns the number of keys in s.
func (s *Keys) Len() int { return len(s.byKID) }

// Algorithms returns the algorithms the key whose key ID is kid verifies,
// or nil when s holds no such key.
func (s *Keys) Algorithms(kid string) []jwt.Algorithm {
	var algs []jwt.Algorithm
	for _, v := range s.byKID[kid] {
		algs = append(algs, v.Algorithm())
	}
	return algs
}

// buildKeys makes the verifiers of keys for the algorithms allowed (nil:
// the defaults). Each key it leaves out goes to skip with its index and
// why; unusable is false for a key that is simply not for verifying with
// these algorithms (a key for encryption, an alg not allowed), true for a
// key that should have been usable (too weak, a kid shared with another
// key). It returns an error wrapping jwt.ErrInvalidKey when no key is
// kept.
func buildKeys(keys []*Key, allowed []jwt.Algorithm, skip func(i int, k *Key, err error, unusable bool)) (*Keys, error) {
	type entry struct {
		index int
		key   *Key
		vs    []jwt.Verifier
	}
	byKID := make(map[string]*entry, len(keys))
	var order []string
	dup := map[string]bool{}
	for i, k := range keys {
		algs, err := k.verifyAlgorithms(allowed)
		if err != nil {
			skip(i, k, err, false)
			continue
		}
		vs := make([]jwt.Verifier, 0, len(algs))
		for _, alg := range algs {
			v, err := k.Verifier(alg)
			if err != nil {
				vs = nil
				skip(i, k, err, true)
				break
			}
			vs = append(vs, v)
		}
		if vs == nil {
			continue
		}
		e, seen := byKID[k.KeyID]
		switch {
		case !seen:
			byKID[k.KeyID] = &entry{index: i, key: k, vs: vs}
			order = append(order, k.KeyID)
		case sameKey(e.key, k):
			// One key published under one kid with two algs, as during a
			// move from EdDSA to Ed25519: one key, both algorithms.
			for _, v := range vs {
				if !slices.ContainsFunc(e.vs, func(w jwt.Verifier) bool { return w.Algorithm() == v.Algorithm() }) {
					e.vs = append(e.vs, v)
				}
			}
		default:
			dup[k.KeyID] = true
			skip(i, k, fmt.Errorf("%w: another key of the set has the same kid", jwt.ErrDuplicateKeyID), true)
		}
	}
	s := &Keys{byKID: make(map[string][]jwt.Verifier, len(order))}
	for _, kid := range order {
		e := byKID[kid]
		if dup[kid] {
			skip(e.index, e.key, fmt.Errorf("%w: another key of the set has the same kid", jwt.ErrDuplicateKeyID), true)
			continue
		}
		s.byKID[kid] = e.vs
	}
	if len(s.byKID) == 0 {
		return nil, fmt.Errorf("%w: JWK Set holds no key usable for signatures", jwt.ErrInvalidKey)
	}
	if len(s.byKID) == 1 {
		for _, vs := range s.byKID {
			s.single = vs
		}
	}
	return s, nil
}

// sameKey reports whether a and b hold the same public key.
func sameKey(a, b *Key) bool {
	pa, ok := a.public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pa.Equal(b.public())
}

// verifyAlgorithms returns the algorithms k may verify among allowed
// (nil: the defaults), or why it may verify none.
func (k *Key) verifyAlgorithms(allowed []jwt.Algorithm) ([]jwt.Algorithm, error) {
	switch {
	case k.Use != "" && k.Use != "sig":
		return nil, fmt.Errorf("%w: JWK use is %q, not sig", jwt.ErrKeyMismatch, k.Use)
	case k.KeyOps != nil && !slices.Contains(k.KeyOps, "verify"):
		return nil, fmt.Errorf("%w: JWK key_ops does not allow verify", jwt.ErrKeyMismatch)
	case k.Algorithm != "" && !implemented(k.Algorithm):
		return nil, fmt.Errorf("%w: JWK alg %q", jwt.ErrUnsupportedAlgorithm, k.Algorithm)
	case k.Algorithm != "" && len(allowed) > 0 && !slices.Contains(allowed, k.Algorithm):
		return nil, fmt.Errorf("%w: JWK alg %s is not among the algorithms allowed", jwt.ErrUnsupportedAlgorithm, k.Algorithm)
	case k.Algorithm != "":
		return []jwt.Algorithm{k.Algorithm}, nil
	}
	if len(allowed) == 0 {
		allowed = k.defaultAlgorithms()
	}
	var algs []jwt.Algorithm
	for _, alg := range allowed {
		if k.fits(alg) {
			algs = append(algs, alg)
		}
	}
	if len(algs) == 0 {
		return nil, fmt.Errorf("%w: JWK has no alg and no allowed algorithm fits its key", jwt.ErrKeyMismatch)
	}
	return algs, nil
}

// defaultAlgorithms returns the algorithms a key without alg verifies
// when the caller names none: those its type is commonly published for.
func (k *Key) defaultAlgorithms() []jwt.Algorithm {
	switch k.public().(type) {
	case *rsa.PublicKey:
		return []jwt.Algorithm{jwt.RS256}
	case *ecdsa.PublicKey:
		return []jwt.Algorithm{jwt.ES256, jwt.ES384, jwt.ES512} // fits keeps the curve's
	case ed25519.PublicKey:
		return []jwt.Algorithm{jwt.EdDSA, jwt.Ed25519}
	}
	return nil
}

// checkKinds refuses a nil key, and a set that mixes "oct" secrets with
// public keys: a published set must not hold a secret, and a verifier
// should not take both kinds.
func checkKinds(keys []*Key) error {
	var secret, public bool
	for _, k := range keys {
		if k == nil {
			return fmt.Errorf("%w: nil key in JWK Set", jwt.ErrInvalidKey)
		}
		if _, ok := k.Key.([]byte); ok {
			secret = true
		} else {
			public = true
		}
	}
	if secret && public {
		return fmt.Errorf("%w: JWK Set mixes secret and public keys", jwt.ErrKeyMismatch)
	}
	return nil
}
