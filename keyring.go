package jwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTokenLifetime is how long a retired key of a [KeyRing] stays
// published and trusted unless KeyRingOptions.TokenLifetime says otherwise:
// 24 hours, as long as the pair manager's refresh tokens live by default.
const DefaultTokenLifetime = 24 * time.Hour

// KeyRingOptions configure a [KeyRing]. The zero value is ready to use.
type KeyRingOptions struct {
	// TokenLifetime is the longest time a token signed by the ring stays
	// valid: the longest exp minus signing time of any token it signs,
	// plus the leeway its verifiers allow. A retired key stays published
	// and trusted for this long after it stops signing, so that every token
	// it signed expires before its key leaves the set. Zero (or negative)
	// means DefaultTokenLifetime.
	TokenLifetime time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// KeyRing is a set of signing keys that rotate: one current key signs,
// upcoming keys are published before they sign, and retired keys stay
// published until every token they signed has expired.
//
// A KeyRing is a [Signer] that signs with the current key, writing its
// key ID as kid; [Keys] that verify with the current, upcoming and retired
// keys, each chosen by kid and checked with its own algorithm; and a
// [JWKSSource] whose public keys [JWKSHandler] serves. Its key IDs are the
// keys' own (see the WithKeyID methods) or, when a key has none, its RFC
// 7638 thumbprint.
//
// Rotation is explicit: nothing changes but by a call to [KeyRing.Add],
// [KeyRing.Promote], [KeyRing.Rotate] or [KeyRing.Remove], and no goroutine
// runs. The safe sequence publishes a key before it signs: Add the next key,
// wait until every verifier has fetched the set again (longer than the
// JWK Set's max-age, see [JWKSHandlerOptions]), then Promote it. Rotate does
// both steps of successive rotations in one call.
//
// A KeyRing is safe for concurrent use; readers never wait for a change.
type KeyRing struct {
	mu       sync.Mutex // serialises changes
	state    atomic.Pointer[ringState]
	lifetime time.Duration
	now      func() time.Time
}

// ringKey is one key of a ring with what the ring knows of it.
type ringKey struct {
	keyMeta            // algorithm, the ring's key ID, the encoded header
	signer   Signer    // signs
	verifier Verifier  // the same key, verifying
	jwk      *JWK      // public members, kid, alg, use
	until    time.Time // retired keys: end of publication
}

// ringState is one immutable state of a ring. Changes build a new one.
type ringState struct {
	current  *ringKey
	upcoming []*ringKey // in the order added
	retired  []*ringKey // each published until its until
	set      *JWKSet    // current, upcoming, retired
	expires  time.Time  // earliest until of retired, zero when none
}

type ringRole int

const (
	roleCurrent ringRole = iota
	roleUpcoming
	roleRetired
)

func newRingState(cur *ringKey, upcoming, retired []*ringKey, now time.Time) *ringState {
	st := &ringState{current: cur, upcoming: upcoming}
	for _, k := range retired {
		if !now.Before(k.until) {
			continue
		}
		st.retired = append(st.retired, k)
		if st.expires.IsZero() || k.until.Before(st.expires) {
			st.expires = k.until
		}
	}
	keys := make([]*JWK, 0, 1+len(st.upcoming)+len(st.retired))
	keys = append(keys, cur.jwk)
	for _, k := range st.upcoming {
		keys = append(keys, k.jwk)
	}
	for _, k := range st.retired {
		keys = append(keys, k.jwk)
	}
	st.set = &JWKSet{Keys: keys}
	return st
}

// find returns the key whose key ID is kid and its role, or nil.
func (st *ringState) find(kid string) (*ringKey, ringRole) {
	if st.current.hdr.KeyID == kid {
		return st.current, roleCurrent
	}
	for _, k := range st.upcoming {
		if k.hdr.KeyID == kid {
			return k, roleUpcoming
		}
	}
	for _, k := range st.retired {
		if k.hdr.KeyID == kid {
			return k, roleRetired
		}
	}
	return nil, 0
}

// newRingKey checks a signer for a ring: a key of this package with a
// public half to publish.
func newRingKey(s Signer) (*ringKey, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no signer", ErrInvalidKey)
	}
	v, ok := s.(Verifier)
	if !ok {
		return nil, fmt.Errorf("%w: %T does not verify", ErrKeyMismatch, s)
	}
	jwk, err := PublicJWK(v)
	if err != nil {
		return nil, err
	}
	if jwk.KeyID == "" {
		if jwk.KeyID, err = jwk.Thumbprint(); err != nil {
			return nil, err
		}
	}
	return &ringKey{keyMeta: newKeyMeta(s.Algorithm(), jwk.KeyID), signer: s, verifier: v, jwk: jwk}, nil
}

// NewKeyRing returns a ring whose current key is current. Ring keys are the
// signers of this package for asymmetric algorithms ([RSASigner],
// [ECDSASigner], [EdDSASigner]); an [HMAC] is refused with
// [ErrKeyMismatch], since its secret cannot be published, and so is a
// Signer of another type.
func NewKeyRing(current Signer, opts KeyRingOptions) (*KeyRing, error) {
	k, err := newRingKey(current)
	if err != nil {
		return nil, err
	}
	r := &KeyRing{lifetime: opts.TokenLifetime, now: opts.Now}
	if r.lifetime <= 0 {
		r.lifetime = DefaultTokenLifetime
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.state.Store(newRingState(k, nil, nil, r.now()))
	return r, nil
}

// load returns the ring's state, first dropping retired keys whose
// publication has ended.
func (r *KeyRing) load() *ringState {
	st := r.state.Load()
	if st.expires.IsZero() || r.now().Before(st.expires) {
		return st
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st = r.state.Load()
	st = newRingState(st.current, st.upcoming, st.retired, r.now())
	r.state.Store(st)
	return st
}

// Add publishes next as an upcoming key: it verifies and is published at
// once, and signs only once promoted. It returns next's key ID. A key ID
// already in the ring is refused with [ErrDuplicateKeyID].
func (r *KeyRing) Add(next Signer) (string, error) {
	k, err := newRingKey(next)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	st := r.state.Load()
	st = newRingState(st.current, st.upcoming, st.retired, now)
	if old, _ := st.find(k.hdr.KeyID); old != nil {
		return "", fmt.Errorf("%w: %q is already in the ring", ErrDuplicateKeyID, k.hdr.KeyID)
	}
	r.state.Store(newRingState(st.current, append(st.upcoming[:len(st.upcoming):len(st.upcoming)], k), st.retired, now))
	return k.hdr.KeyID, nil
}

// Promote makes the upcoming key kid the current key. The key that was
// current is retired: it stops signing and stays published and trusted
// for the ring's TokenLifetime. kid must name an upcoming key: an unknown
// kid is refused with [ErrUnknownKey], the current or a retired key with
// [ErrRotation].
func (r *KeyRing) Promote(kid string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	st := r.state.Load()
	k, role := st.find(kid)
	if k == nil {
		return fmt.Errorf("%w: %q is not in the ring", ErrUnknownKey, kid)
	}
	if role != roleUpcoming {
		return fmt.Errorf("%w: %q is not an upcoming key", ErrRotation, kid)
	}
	r.state.Store(r.promote(st, k, nil, now))
	return nil
}

// promote returns st with k, an upcoming key, current and next, when not
// nil, added as upcoming.
func (r *KeyRing) promote(st *ringState, k, next *ringKey, now time.Time) *ringState {
	var upcoming []*ringKey
	for _, u := range st.upcoming {
		if u != k {
			upcoming = append(upcoming, u)
		}
	}
	if next != nil {
		upcoming = append(upcoming, next)
	}
	old := *st.current
	old.until = now.Add(r.lifetime)
	retired := append(append([]*ringKey(nil), st.retired...), &old)
	return newRingState(k, upcoming, retired, now)
}

// Rotate is one step of a periodic rotation: it promotes the upcoming key
// added first, retiring the current key as Promote does, and adds next as
// upcoming. Each key is thus published for a whole period before it signs.
// It returns next's key ID. A ring with no upcoming key is refused with
// [ErrRotation] and left as it was: Add a key first.
func (r *KeyRing) Rotate(next Signer) (string, error) {
	k, err := newRingKey(next)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	st := r.state.Load()
	if len(st.upcoming) == 0 {
		return "", fmt.Errorf("%w: no upcoming key to promote", ErrRotation)
	}
	st = newRingState(st.current, st.upcoming, st.retired, now)
	if old, _ := st.find(k.hdr.KeyID); old != nil {
		return "", fmt.Errorf("%w: %q is already in the ring", ErrDuplicateKeyID, k.hdr.KeyID)
	}
	r.state.Store(r.promote(st, st.upcoming[0], k, now))
	return k.hdr.KeyID, nil
}

// Remove withdraws the upcoming or retired key kid at once: it is no longer
// published, and tokens it signed no longer verify. It is the answer to a
// key that has leaked. The current key cannot be removed ([ErrRotation]):
// promote another first. An unknown kid is refused with [ErrUnknownKey].
func (r *KeyRing) Remove(kid string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state.Load()
	k, role := st.find(kid)
	if k == nil {
		return fmt.Errorf("%w: %q is not in the ring", ErrUnknownKey, kid)
	}
	if role == roleCurrent {
		return fmt.Errorf("%w: the current key cannot be removed", ErrRotation)
	}
	without := func(keys []*ringKey) []*ringKey {
		var out []*ringKey
		for _, x := range keys {
			if x != k {
				out = append(out, x)
			}
		}
		return out
	}
	r.state.Store(newRingState(st.current, without(st.upcoming), without(st.retired), r.now()))
	return nil
}

// Algorithm returns the algorithm of the current key.
func (r *KeyRing) Algorithm() Algorithm { return r.state.Load().current.hdr.Algorithm }

// KeyID returns the key ID of the current key.
func (r *KeyRing) KeyID() string { return r.state.Load().current.hdr.KeyID }

// meta gives Sign the encoded header of the current key.
func (r *KeyRing) meta() *keyMeta { return &r.state.Load().current.keyMeta }

// Sign signs signingInput with the key its header names: the current key,
// unless the ring rotated between the header being written and Sign being
// called. A retired key still signs such a token if the token's exp falls
// before the key's publication ends, so that the token verifies until it
// expires; otherwise, and for an upcoming key, Sign refuses with
// [ErrRotation]. A header naming no key of the ring is refused with
// [ErrUnknownKey], a header whose alg is not its key's with [ErrAlgorithm].
func (r *KeyRing) Sign(signingInput []byte) ([]byte, error) {
	st := r.load()
	in := string(signingInput) // not copied: only compared and cut
	enc, payload, ok := strings.Cut(in, ".")
	if !ok {
		return nil, fmt.Errorf("%w: signing input has no dot", ErrMalformed)
	}
	if enc == st.current.enc {
		return st.current.signer.Sign(signingInput)
	}
	b64 := base64.RawURLEncoding.Strict()
	raw, err := b64.DecodeString(enc)
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	h, err := parseHeader(raw)
	if err != nil {
		return nil, err
	}
	k, role := st.find(h.KeyID)
	if k == nil {
		return nil, fmt.Errorf("%w: no key %q in the ring", ErrUnknownKey, h.KeyID)
	}
	if h.Algorithm != k.hdr.Algorithm {
		return nil, ErrAlgorithm
	}
	switch role {
	case roleUpcoming:
		return nil, fmt.Errorf("%w: an upcoming key does not sign until promoted", ErrRotation)
	case roleRetired:
		p, err := b64.DecodeString(payload)
		if err != nil {
			return nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
		}
		var c struct {
			Expiry NumericDate `json:"exp"`
		}
		if json.Unmarshal(p, &c) != nil || c.Expiry == 0 || c.Expiry.Time().After(k.until) {
			return nil, fmt.Errorf("%w: the key is retired and the token would outlive it", ErrRotation)
		}
	}
	return k.signer.Sign(signingInput)
}

// VerifierFor returns the key of the ring whose key ID is kid: the current
// key, an upcoming key, or a retired key until its publication ends. Any
// other kid, and a token without one, is refused with [ErrUnknownKey]: every
// token the ring signs carries its key's ID.
func (r *KeyRing) VerifierFor(_ context.Context, h Header) (Verifier, error) {
	kid := h.KeyID
	if kid == "" {
		return nil, fmt.Errorf("%w: token has no kid", ErrUnknownKey)
	}
	if k, _ := r.load().find(kid); k != nil {
		return k.verifier, nil
	}
	return nil, ErrUnknownKey
}

// matchHeader finds a key of the ring by the encoded header of its tokens.
func (r *KeyRing) matchHeader(enc string) (Verifier, *Header) {
	st := r.load()
	if st.current.enc == enc {
		return st.current.verifier, &st.current.hdr
	}
	for _, keys := range [2][]*ringKey{st.upcoming, st.retired} {
		for _, k := range keys {
			if k.enc == enc {
				return k.verifier, &k.hdr
			}
		}
	}
	return nil, nil
}

// PublicJWKSet returns the keys the ring publishes: the current key, the
// upcoming keys and the retired keys whose publication has not ended, in
// that order, each with public members, kid, alg and use "sig". The set
// stays the same value until the ring changes; it must not be modified.
func (r *KeyRing) PublicJWKSet() (*JWKSet, error) { return r.load().set, nil }
