package jwk_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rfc8037Seed is the private key of RFC 8037 A.1, whose RFC 7638
// thumbprint RFC 8037 A.3 gives as rfc8037Thumbprint.
const (
	rfc8037Seed       = "nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"
	rfc8037Thumbprint = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
)

// edKey returns an Ed25519 signer from a seed of 32 bytes of b.
func edKey(t testing.TB, b byte) *jwt.EdDSASigner {
	t.Helper()
	seed := make([]byte, ed25519.SeedSize)
	for i := range seed {
		seed[i] = b
	}
	s, err := jwt.NewEdDSASigner(jwt.EdDSA, ed25519.NewKeyFromSeed(seed))
	require.NoError(t, err)
	return s
}

func ecKey(t testing.TB) *jwt.ECDSASigner {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	s, err := jwt.NewECDSASigner(jwt.ES256, k)
	require.NoError(t, err)
	return s
}

// clock is a settable clock for Now fields.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// claimsAt returns claims issued at now and expiring after ttl.
func claimsAt(now time.Time, ttl time.Duration) jwt.Claims {
	return jwt.Claims{Subject: "alice", IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(ttl))}
}

func headerKID(t testing.TB, tok string) string {
	t.Helper()
	u, err := jwt.DecodeUnverified(tok)
	require.NoError(t, err)
	return u.Header.KeyID
}

func publishedKIDs(t testing.TB, r *jwk.KeyRing) []string {
	t.Helper()
	set, err := r.PublicSet()
	require.NoError(t, err)
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	return kids
}

func TestKeyRingKeyID(t *testing.T) {
	seed, err := b64(rfc8037Seed)
	require.NoError(t, err)
	rfcKey, err := jwt.NewEdDSASigner(jwt.EdDSA, ed25519.NewKeyFromSeed(seed))
	require.NoError(t, err)
	tests := []struct {
		name    string
		signer  jwt.Signer
		wantKID string
	}{
		{name: "defaults to the RFC 7638 thumbprint", signer: rfcKey, wantKID: rfc8037Thumbprint},
		{name: "the key's own ID", signer: rfcKey.WithKeyID("2030-01"), wantKID: "2030-01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := jwk.NewKeyRing(tt.signer, jwk.KeyRingConfig{})
			require.NoError(t, err)
			assert.Equal(t, tt.wantKID, r.KeyID())
			assert.Equal(t, jwt.EdDSA, r.Algorithm())
			tok, err := jwt.Sign(r, claimsAt(time.Now(), time.Minute))
			require.NoError(t, err)
			assert.Equal(t, tt.wantKID, headerKID(t, tok), "tokens carry the kid")
			assert.Equal(t, []string{tt.wantKID}, publishedKIDs(t, r))
			require.NoError(t, jwt.Verify(tok, r, nil))
		})
	}
}

func TestNewKeyRingRefuses(t *testing.T) {
	hmacKey, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32))
	require.NoError(t, err)
	tests := []struct {
		name    string
		signer  jwt.Signer
		cfg     jwk.KeyRingConfig
		wantErr error
	}{
		{name: "HMAC secret", signer: hmacKey, wantErr: jwt.ErrKeyMismatch},
		{name: "nil", signer: nil, wantErr: jwt.ErrInvalidKey},
		{name: "signer that does not verify", signer: signOnly{edKey(t, 1)}, wantErr: jwt.ErrKeyMismatch},
		{name: "negative TokenLifetime", signer: edKey(t, 1), cfg: jwk.KeyRingConfig{TokenLifetime: -time.Hour}, wantErr: jwt.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := jwk.NewKeyRing(tt.signer, tt.cfg)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, r)
		})
	}
}

// signOnly hides every method of a signer but those of Signer.
type signOnly struct{ s jwt.Signer }

func (s signOnly) Algorithm() jwt.Algorithm       { return s.s.Algorithm() }
func (s signOnly) Sign(in []byte) ([]byte, error) { return s.s.Sign(in) }
func (s signOnly) VerifierFor(context.Context, jwt.Header) (jwt.Verifier, error) {
	return nil, jwt.ErrUnknownKey
}

func TestKeyRingRotation(t *testing.T) {
	clk := newClock()
	lifetime := time.Hour
	k1, k2 := edKey(t, 1), ecKey(t)
	r, err := jwk.NewKeyRing(k1, jwk.KeyRingConfig{TokenLifetime: lifetime, Now: clk.Now})
	require.NoError(t, err)
	kid1 := r.KeyID()
	expect := jwt.Expect{Now: clk.Now}

	old, err := jwt.Sign(r, claimsAt(clk.Now(), lifetime))
	require.NoError(t, err)

	kid2, err := r.Add(k2)
	require.NoError(t, err)
	assert.Equal(t, []string{kid1, kid2}, publishedKIDs(t, r), "an upcoming key is published at once")
	assert.Equal(t, kid1, r.KeyID(), "an upcoming key does not sign")
	tok, err := jwt.Sign(r, claimsAt(clk.Now(), lifetime))
	require.NoError(t, err)
	assert.Equal(t, kid1, headerKID(t, tok))

	// The upcoming key verifies: a service that got its token early does
	// not fail.
	early, err := jwt.Sign(k2.WithKeyID(kid2), claimsAt(clk.Now(), lifetime))
	require.NoError(t, err)
	require.NoError(t, expect.Verify(early, r, nil))

	clk.Advance(10 * time.Minute)
	require.NoError(t, r.Promote(kid2))
	assert.Equal(t, kid2, r.KeyID())
	assert.Equal(t, jwt.ES256, r.Algorithm())
	assert.Equal(t, []string{kid2, kid1}, publishedKIDs(t, r), "the retired key stays published")
	tok, err = jwt.Sign(r, claimsAt(clk.Now(), lifetime))
	require.NoError(t, err)
	assert.Equal(t, kid2, headerKID(t, tok))
	require.NoError(t, expect.Verify(tok, r, nil))

	clk.Advance(lifetime - time.Second)
	require.NoError(t, jwt.Expect{Now: clk.Now, Leeway: time.Hour}.Verify(old, r, nil), "a retired key verifies until its publication ends")
	assert.Equal(t, []string{kid2, kid1}, publishedKIDs(t, r))

	clk.Advance(time.Second)
	assert.Equal(t, []string{kid2}, publishedKIDs(t, r), "a retired key leaves the set after TokenLifetime")
	require.ErrorIs(t, jwt.Expect{Now: clk.Now, Leeway: time.Hour}.Verify(old, r, nil), jwt.ErrUnknownKey)
	require.NoError(t, jwt.Expect{Now: clk.Now, Leeway: time.Hour}.Verify(tok, r, nil), "the current key still verifies")
}

func TestKeyRingTokenLifetimeDefault(t *testing.T) {
	clk := newClock()
	r, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{Now: clk.Now})
	require.NoError(t, err)
	kid1 := r.KeyID()
	kid2, err := r.Add(edKey(t, 2))
	require.NoError(t, err)
	require.NoError(t, r.Promote(kid2))
	clk.Advance(jwk.DefaultTokenLifetime - time.Nanosecond)
	assert.Equal(t, []string{kid2, kid1}, publishedKIDs(t, r))
	clk.Advance(time.Nanosecond)
	assert.Equal(t, []string{kid2}, publishedKIDs(t, r))
	assert.Equal(t, 24*time.Hour, jwk.DefaultTokenLifetime)
}

func TestKeyRingRotate(t *testing.T) {
	clk := newClock()
	r, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{Now: clk.Now, TokenLifetime: time.Hour})
	require.NoError(t, err)
	kid1 := r.KeyID()

	_, err = r.Rotate(edKey(t, 2))
	require.ErrorIs(t, err, jwk.ErrRotation, "nothing to promote")
	assert.Equal(t, []string{kid1}, publishedKIDs(t, r), "a refused Rotate leaves the ring as it was")

	kid2, err := r.Add(edKey(t, 2))
	require.NoError(t, err)
	kid3, err := r.Add(edKey(t, 3))
	require.NoError(t, err)
	kid4, err := r.Rotate(edKey(t, 4))
	require.NoError(t, err)
	assert.Equal(t, kid2, r.KeyID(), "the upcoming key added first is promoted")
	assert.Equal(t, []string{kid2, kid3, kid4, kid1}, publishedKIDs(t, r))

	_, err = r.Rotate(edKey(t, 4))
	require.ErrorIs(t, err, jwt.ErrDuplicateKeyID)
	assert.Equal(t, kid2, r.KeyID())
}

func TestKeyRingRefusedChanges(t *testing.T) {
	r, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{})
	require.NoError(t, err)
	cur := r.KeyID()
	up, err := r.Add(edKey(t, 2))
	require.NoError(t, err)
	retiring, err := r.Add(edKey(t, 3))
	require.NoError(t, err)
	require.NoError(t, r.Promote(retiring))
	require.NoError(t, r.Promote(up)) // retiring is now retired, cur too
	cur, up = up, cur
	_ = up

	tests := []struct {
		name    string
		change  func() error
		wantErr error
	}{
		{name: "promote the current key", change: func() error { return r.Promote(cur) }, wantErr: jwk.ErrRotation},
		{name: "promote a retired key", change: func() error { return r.Promote(retiring) }, wantErr: jwk.ErrRotation},
		{name: "promote an unknown key", change: func() error { return r.Promote("nope") }, wantErr: jwt.ErrUnknownKey},
		{name: "remove the current key", change: func() error { return r.Remove(cur) }, wantErr: jwk.ErrRotation},
		{name: "remove an unknown key", change: func() error { return r.Remove("nope") }, wantErr: jwt.ErrUnknownKey},
		{name: "add a key already current", change: func() error { _, err := r.Add(edKey(t, 2)); return err }, wantErr: jwt.ErrDuplicateKeyID},
		{name: "add a key already retired", change: func() error { _, err := r.Add(edKey(t, 3)); return err }, wantErr: jwt.ErrDuplicateKeyID},
		{name: "add an HMAC secret", change: func() error {
			k, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32))
			require.NoError(t, err)
			_, err = r.Add(k)
			return err
		}, wantErr: jwt.ErrKeyMismatch},
	}
	before := publishedKIDs(t, r)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.ErrorIs(t, tt.change(), tt.wantErr)
			assert.Equal(t, before, publishedKIDs(t, r))
			assert.Equal(t, cur, r.KeyID())
		})
	}
}

func TestKeyRingRemove(t *testing.T) {
	clk := newClock()
	r, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{Now: clk.Now})
	require.NoError(t, err)
	kid1 := r.KeyID()
	old, err := jwt.Sign(r, claimsAt(clk.Now(), time.Hour))
	require.NoError(t, err)
	kid2, err := r.Add(edKey(t, 2))
	require.NoError(t, err)
	kid3, err := r.Add(edKey(t, 3))
	require.NoError(t, err)
	require.NoError(t, r.Promote(kid2))
	require.NoError(t, jwt.Expect{Now: clk.Now}.Verify(old, r, nil))

	require.NoError(t, r.Remove(kid1), "a leaked retired key")
	require.NoError(t, r.Remove(kid3), "an upcoming key")
	assert.Equal(t, []string{kid2}, publishedKIDs(t, r))
	require.ErrorIs(t, jwt.Expect{Now: clk.Now}.Verify(old, r, nil), jwt.ErrUnknownKey)
	_, err = r.VerifierFor(context.Background(), jwt.Header{KeyID: kid3})
	require.ErrorIs(t, err, jwt.ErrUnknownKey)
}

// TestKeyRingCurrent: the signer Current returns is a snapshot that keeps
// its key when the ring rotates, so that the header and the signature of a
// token made from it come from one key; such a token verifies until the
// key's publication ends.
func TestKeyRingCurrent(t *testing.T) {
	clk := newClock()
	lifetime := time.Hour
	r, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{Now: clk.Now, TokenLifetime: lifetime})
	require.NoError(t, err)
	kid1 := r.KeyID()
	snapshot := r.Current()
	assert.Equal(t, kid1, snapshot.(interface{ KeyID() string }).KeyID(), "the snapshot carries the ring's kid")
	assert.Equal(t, jwt.EdDSA, snapshot.Algorithm())

	next, err := r.Add(ecKey(t))
	require.NoError(t, err)
	require.NoError(t, r.Promote(next))
	assert.Equal(t, next, r.Current().(interface{ KeyID() string }).KeyID())
	assert.Equal(t, jwt.ES256, r.Current().Algorithm())

	tok, err := jwt.Sign(snapshot, claimsAt(clk.Now(), lifetime))
	require.NoError(t, err)
	assert.Equal(t, kid1, headerKID(t, tok), "signed by the snapshot after the rotation")
	require.NoError(t, jwt.Expect{Now: clk.Now}.Verify(tok, r, nil), "a retired key verifies while it is published")
	clk.Advance(lifetime)
	require.ErrorIs(t, jwt.Expect{Now: clk.Now, Leeway: time.Hour}.Verify(tok, r, nil), jwt.ErrUnknownKey)
}

// TestKeyRingSign: Sign signs with the key current when it is called and
// reads nothing of its input, so a header written before a rotation gets
// a signature that does not verify. jwt.Sign goes through Current instead.
func TestKeyRingSign(t *testing.T) {
	clk := newClock()
	r, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{Now: clk.Now})
	require.NoError(t, err)
	stale := signingInput(t, r.Current())
	next, err := r.Add(edKey(t, 2))
	require.NoError(t, err)
	require.NoError(t, r.Promote(next))

	tests := []struct {
		name    string
		input   []byte
		wantErr error // of verifying the token
	}{
		{name: "header of the current key", input: signingInput(t, r.Current())},
		{name: "header written before the rotation", input: stale, wantErr: jwt.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := r.Sign(tt.input)
			require.NoError(t, err)
			tok := string(tt.input) + "." + jwtB64.EncodeToString(sig)
			err = jwt.Expect{Now: clk.Now}.Verify(tok, r, nil)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
		})
	}

	sig, err := r.Sign([]byte("not a signing input"))
	require.NoError(t, err, "Sign does not read its input")
	require.NoError(t, r.Current().(jwt.Verifier).Verify([]byte("not a signing input"), sig))
}

// signingInput returns the header and payload of a token s signs.
func signingInput(t testing.TB, s jwt.Signer) []byte {
	t.Helper()
	tok, err := jwt.Sign(s, claimsAt(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), time.Minute))
	require.NoError(t, err)
	return []byte(tok[:strings.LastIndexByte(tok, '.')])
}

func TestKeyRingSignHeader(t *testing.T) {
	r, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{})
	require.NoError(t, err)
	tok, err := jwt.SignHeader(r, jwt.Header{Type: "at+jwt"}, claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	u, err := jwt.DecodeUnverified(tok)
	require.NoError(t, err)
	assert.Equal(t, jwt.Header{Algorithm: jwt.EdDSA, KeyID: r.KeyID(), Type: "at+jwt"}, u.Header)
	require.NoError(t, jwt.Expect{Type: "at+jwt"}.Verify(tok, r, nil))
}

// TestKeyRingAlgorithmConfusion: a token whose header names the ring's kid
// with HS256, MACed with the public key's bytes, must not verify.
func TestKeyRingAlgorithmConfusion(t *testing.T) {
	k := edKey(t, 1)
	r, err := jwk.NewKeyRing(k, jwk.KeyRingConfig{})
	require.NoError(t, err)
	mac, err := jwt.NewHMAC(jwt.HS256, k.PublicKey())
	require.NoError(t, err)
	forged, err := jwt.Sign(mac.WithKeyID(r.KeyID()), claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Verify(forged, r, nil), jwt.ErrAlgorithm)
}

func TestKeyRingVerifierFor(t *testing.T) {
	r, err := jwk.NewKeyRing(edKey(t, 1), jwk.KeyRingConfig{})
	require.NoError(t, err)
	tests := []struct {
		name    string
		kid     string
		wantErr error
	}{
		{name: "current", kid: r.KeyID()},
		{name: "no kid", kid: "", wantErr: jwt.ErrUnknownKey},
		{name: "unknown", kid: "x", wantErr: jwt.ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := r.VerifierFor(context.Background(), jwt.Header{KeyID: tt.kid})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, v)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, jwt.EdDSA, v.Algorithm())
		})
	}
	tok, err := jwt.Sign(edKey(t, 1), claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Verify(tok, r, nil), jwt.ErrUnknownKey, "a token without kid")
}

// TestKeyRingConcurrent signs and verifies while the ring rotates; run it
// with -race.
func TestKeyRingConcurrent(t *testing.T) {
	r, err := jwk.NewKeyRing(edKey(t, 0), jwk.KeyRingConfig{})
	require.NoError(t, err)
	_, err = r.Add(edKey(t, 1))
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make(chan error, 8*50)
	for range 8 {
		wg.Go(func() {
			for range 50 {
				tok, err := jwt.Sign(r, claimsAt(time.Now(), time.Minute))
				if err == nil {
					err = jwt.Verify(tok, r, nil)
				}
				errs <- err
			}
		})
	}
	for i := byte(2); i < 22; i++ {
		_, err := r.Rotate(edKey(t, i))
		require.NoError(t, err)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func edPrivate(seed []byte) ed25519.PrivateKey { return ed25519.NewKeyFromSeed(seed) }
