package jwk

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtpair/jwt"
)

// DefaultTokenLifetime is how long a retired key of a [KeyRing] stays
// published and trusted unless KeyRingConfig.TokenLifetime says otherwise:
// 24 hours, as long as the pair manager's refresh tokens live by default.
const DefaultTokenLifetime = 24 * time.Hour

// KeyRingConfig configures a [KeyRing]. The zero value is ready to use.
type KeyRingConfig struct {
	// TokenLifetime is the longest time a token signed by the ring stays
	// valid: the longest exp minus signing time of any token it signs,
	// plus the leeway its verifiers allow. A retired key stays published
	// and trusted for this long after it stops signing, so that every token
	// it signed expires before its key leaves the set. Zero means
	// DefaultTokenLifetime; a negative TokenLifetime is refused with
	// [jwt.ErrConfig].
	TokenLifetime time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
}

// KeyRing is a set of signing keys that rotate: one current key signs,
// upcoming keys are published before they sign, and retired keys stay
// published until every token they signed has expired.
//
// A KeyRing is a [jwt.Signer] that signs with the current key, writing its
// key ID as kid; [jwt.Keys] that verify with the current, upcoming and
// retired keys, each chosen by kid and checked with its own algorithm; and
// a [Source] whose public keys [Handler] serves. Its key IDs are the keys'
// own (see the WithKeyID methods of the jwt package's keys) or, when a key
// has none, its RFC 7638 thumbprint.
//
// The header and the signature of a token must come from one key, and the
// ring may rotate between the two. [jwt.Sign] and its variants take care of
// it: they call [KeyRing.Current] once per token and use the snapshot it
// returns for both. A caller that writes a header and signs the signing
// input itself must do the same, and never call KeyRing.Sign for a header
// it wrote earlier: Sign always signs with the key current when it is
// called, and reads nothing of its input.
//
// Rotation is explicit: nothing changes but by a call to [KeyRing.Add],
// [KeyRing.Promote], [KeyRing.Rotate] or [KeyRing.Remove], and no goroutine
// runs. The safe sequence publishes a key before it signs: Add the next
// key, wait until every verifier has fetched the set again (longer than
// the JWK Set's max-age, see [HandlerConfig]), then Promote it. Rotate
// does both steps of successive rotations in one call.
//
// A KeyRing is safe for concurrent use; readers never wait for a change.
type KeyRing struct {
	mu       sync.Mutex // serialises changes
	state    atomic.Pointer[ringState]
	lifetime time.Duration
	now      func() time.Time
}

// ringKey is one key of a ring with what the ring knows of it. It does not
// change once made, except for until, set on a copy when the key retires.
type ringKey struct {
	kid      string
	signer   jwt.Signer   // signs, carrying kid
	verifier jwt.Verifier // the same key, verifying, carrying kid
	jwk      *Key         // public members, kid, alg, use
	until    time.Time    // retired keys: end of publication
}

// ringState is one immutable state of a ring. Changes build a new one.
type ringState struct {
	current  *ringKey
	upcoming []*ringKey // in the order added
	retired  []*ringKey // each published until its until
	set      *Set       // current, upcoming, retired
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
	keys := make([]*Key, 0, 1+len(st.upcoming)+len(st.retired))
	for _, group := range [][]*ringKey{{cur}, st.upcoming, st.retired} {
		for _, k := range group {
			keys = append(keys, k.jwk)
		}
	}
	st.set = &Set{Keys: keys}
	return st
}

// find returns the key whose key ID is kid and its role, or nil.
func (st *ringState) find(kid string) (*ringKey, ringRole) {
	if st.current.kid == kid {
		return st.current, roleCurrent
	}
	for _, k := range st.upcoming {
		if k.kid == kid {
			return k, roleUpcoming
		}
	}
	for _, k := range st.retired {
		if k.kid == kid {
			return k, roleRetired
		}
	}
	return nil, 0
}

// newRingKey checks a signer for a ring: a key of the jwt package with a
// public half to publish. The ring's copies of it carry its key ID.
func newRingKey(s jwt.Signer) (*ringKey, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: no signer", jwt.ErrInvalidKey)
	}
	v, ok := s.(jwt.Verifier)
	if !ok {
		return nil, fmt.Errorf("%w: %T does not verify", jwt.ErrKeyMismatch, s)
	}
	pub, err := Public(v)
	if err != nil {
		return nil, err
	}
	if pub.KeyID == "" {
		if pub.KeyID, err = pub.Thumbprint(); err != nil {
			return nil, err
		}
	}
	k := &ringKey{kid: pub.KeyID, jwk: pub}
	switch s := s.(type) {
	case *jwt.RSASigner:
		s = s.WithKeyID(k.kid)
		k.signer, k.verifier = s, s.Public()
	case *jwt.ECDSASigner:
		s = s.WithKeyID(k.kid)
		k.signer, k.verifier = s, s.Public()
	case *jwt.EdDSASigner:
		s = s.WithKeyID(k.kid)
		k.signer, k.verifier = s, s.Public()
	default:
		return nil, fmt.Errorf("%w: %T is not a signer of the jwt package", jwt.ErrKeyMismatch, s)
	}
	return k, nil
}

// NewKeyRing returns a ring whose current key is current. Ring keys are
// the signers of the jwt package for asymmetric algorithms
// ([jwt.RSASigner], [jwt.ECDSASigner], [jwt.EdDSASigner]); a [jwt.HMAC]
// is refused with [jwt.ErrKeyMismatch], since its secret cannot be
// published, and so is a Signer of another type. A configuration that
// cannot work is refused with [jwt.ErrConfig].
func NewKeyRing(current jwt.Signer, cfg KeyRingConfig) (*KeyRing, error) {
	if cfg.TokenLifetime < 0 {
		return nil, fmt.Errorf("%w: negative TokenLifetime", jwt.ErrConfig)
	}
	k, err := newRingKey(current)
	if err != nil {
		return nil, err
	}
	r := &KeyRing{lifetime: cmp.Or(cfg.TokenLifetime, DefaultTokenLifetime), now: cfg.Now}
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
// already in the ring is refused with [jwt.ErrDuplicateKeyID].
func (r *KeyRing) Add(next jwt.Signer) (string, error) {
	k, err := newRingKey(next)
	if err != nil {
		return "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	st := r.state.Load()
	st = newRingState(st.current, st.upcoming, st.retired, now)
	if old, _ := st.find(k.kid); old != nil {
		return "", fmt.Errorf("%w: %q is already in the ring", jwt.ErrDuplicateKeyID, k.kid)
	}
	r.state.Store(newRingState(st.current, append(st.upcoming[:len(st.upcoming):len(st.upcoming)], k), st.retired, now))
	return k.kid, nil
}

// Promote makes the upcoming key kid the current key. The key that was
// current is retired: it stops signing and stays published and trusted
// for the ring's TokenLifetime. kid must name an upcoming key: an unknown
// kid is refused with [jwt.ErrUnknownKey], the current or a retired key
// with [ErrRotation].
func (r *KeyRing) Promote(kid string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	st := r.state.Load()
	k, role := st.find(kid)
	if k == nil {
		return fmt.Errorf("%w: %q is not in the ring", jwt.ErrUnknownKey, kid)
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
func (r *KeyRing) Rotate(next jwt.Signer) (string, error) {
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
	if old, _ := st.find(k.kid); old != nil {
		return "", fmt.Errorf("%w: %q is already in the ring", jwt.ErrDuplicateKeyID, k.kid)
	}
	r.state.Store(r.promote(st, st.upcoming[0], k, now))
	return k.kid, nil
}

// Remove withdraws the upcoming or retired key kid at once: it is no longer
// published, and tokens it signed no longer verify. It is the answer to a
// key that has leaked. The current key cannot be removed ([ErrRotation]):
// promote another first. An unknown kid is refused with
// [jwt.ErrUnknownKey].
func (r *KeyRing) Remove(kid string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.state.Load()
	k, role := st.find(kid)
	if k == nil {
		return fmt.Errorf("%w: %q is not in the ring", jwt.ErrUnknownKey, kid)
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

// Current returns the signer of the current key, carrying its key ID: a
// snapshot that keeps signing with that key whatever the ring does next.
// [jwt.Sign] calls it once per token and writes the header and the
// signature with what it returns, so that both always come from one key; a
// caller that signs a signing input of its own must call Current first
// and use the snapshot for both, too.
func (r *KeyRing) Current() jwt.Signer { return r.state.Load().current.signer }

// Algorithm returns the algorithm of the current key.
func (r *KeyRing) Algorithm() jwt.Algorithm { return r.state.Load().current.signer.Algorithm() }

// KeyID returns the key ID of the current key.
func (r *KeyRing) KeyID() string { return r.state.Load().current.kid }

// Sign signs signingInput with the key current when Sign is called,
// without reading signingInput. A header written for an earlier current
// key thus gets a signature that does not verify: sign through [jwt.Sign],
// or with the snapshot [KeyRing.Current] returns, rather than with Sign.
func (r *KeyRing) Sign(signingInput []byte) ([]byte, error) {
	return r.state.Load().current.signer.Sign(signingInput)
}

// VerifierFor returns the key of the ring whose key ID is kid: the current
// key, an upcoming key, or a retired key until its publication ends. Any
// other kid, and a token without one, is refused with [jwt.ErrUnknownKey]:
// every token the ring signs carries its key's ID.
func (r *KeyRing) VerifierFor(_ context.Context, h jwt.Header) (jwt.Verifier, error) {
	if h.KeyID == "" {
		return nil, fmt.Errorf("%w: token has no kid", jwt.ErrUnknownKey)
	}
	if k, _ := r.load().find(h.KeyID); k != nil {
		return k.verifier, nil
	}
	return nil, jwt.ErrUnknownKey
}

// PublicSet returns the keys the ring publishes: the current key, the
// upcoming keys and the retired keys whose publication has not ended, in
// that order, each with public members, kid, alg and use "sig". The set
// stays the same value until the ring changes; it must not be modified.
func (r *KeyRing) PublicSet() (*Set, error) { return r.load().set, nil }
