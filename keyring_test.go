package jwt_test

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
	s, err := jwt.NewEdDSASigner(ed25519.NewKeyFromSeed(seed))
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

func publishedKIDs(t testing.TB, r *jwt.KeyRing) []string {
	t.Helper()
	set, err := r.PublicJWKSet()
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
	rfcKey, err := jwt.NewEdDSASigner(ed25519.NewKeyFromSeed(seed))
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
			r, err := jwt.NewKeyRing(tt.signer, jwt.KeyRingOptions{})
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
		wantErr error
	}{
		{name: "HMAC secret", signer: hmacKey, wantErr: jwt.ErrKeyMismatch},
		{name: "nil", signer: nil, wantErr: jwt.ErrInvalidKey},
		{name: "signer that does not verify", signer: signOnly{edKey(t, 1)}, wantErr: jwt.ErrKeyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := jwt.NewKeyRing(tt.signer, jwt.KeyRingOptions{})
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
	r, err := jwt.NewKeyRing(k1, jwt.KeyRingOptions{TokenLifetime: lifetime, Now: clk.Now})
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
	r, err := jwt.NewKeyRing(edKey(t, 1), jwt.KeyRingOptions{Now: clk.Now})
	require.NoError(t, err)
	kid1 := r.KeyID()
	kid2, err := r.Add(edKey(t, 2))
	require.NoError(t, err)
	require.NoError(t, r.Promote(kid2))
	clk.Advance(jwt.DefaultTokenLifetime - time.Nanosecond)
	assert.Equal(t, []string{kid2, kid1}, publishedKIDs(t, r))
	clk.Advance(time.Nanosecond)
	assert.Equal(t, []string{kid2}, publishedKIDs(t, r))
	assert.Equal(t, 24*time.Hour, jwt.DefaultTokenLifetime)
}

func TestKeyRingRotate(t *testing.T) {
	clk := newClock()
	r, err := jwt.NewKeyRing(edKey(t, 1), jwt.KeyRingOptions{Now: clk.Now, TokenLifetime: time.Hour})
	require.NoError(t, err)
	kid1 := r.KeyID()

	_, err = r.Rotate(edKey(t, 2))
	require.ErrorIs(t, err, jwt.ErrRotation, "nothing to promote")
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
	r, err := jwt.NewKeyRing(edKey(t, 1), jwt.KeyRingOptions{})
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
		{name: "promote the current key", change: func() error { return r.Promote(cur) }, wantErr: jwt.ErrRotation},
		{name: "promote a retired key", change: func() error { return r.Promote(retiring) }, wantErr: jwt.ErrRotation},
		{name: "promote an unknown key", change: func() error { return r.Promote("nope") }, wantErr: jwt.ErrUnknownKey},
		{name: "remove the current key", change: func() error { return r.Remove(cur) }, wantErr: jwt.ErrRotation},
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
	r, err := jwt.NewKeyRing(edKey(t, 1), jwt.KeyRingOptions{Now: clk.Now})
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

// TestKeyRingSignAcrossRotation signs the signing input of a header
// written before a rotation, as happens when Rotate runs between Sign
// reading the ring's header and calling its Sign method.
func TestKeyRingSignAcrossRotation(t *testing.T) {
	clk := newClock()
	lifetime := time.Hour
	r, err := jwt.NewKeyRing(edKey(t, 1), jwt.KeyRingOptions{Now: clk.Now, TokenLifetime: lifetime})
	require.NoError(t, err)
	input := func(ttl time.Duration) []byte {
		tok, err := jwt.Sign(r, claimsAt(clk.Now(), ttl))
		require.NoError(t, err)
		return []byte(tok[:strings.LastIndexByte(tok, '.')])
	}
	withinLifetime, beyond := input(lifetime), input(lifetime+time.Minute)
	hmacKey, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32))
	require.NoError(t, err)
	confused := signingInput(t, hmacKey.WithKeyID(r.KeyID()))
	next, err := r.Add(edKey(t, 2))
	require.NoError(t, err)
	require.NoError(t, r.Promote(next))
	up, err := r.Add(edKey(t, 3))
	require.NoError(t, err)
	upcomingInput := signingInput(t, edKey(t, 3).WithKeyID(up))
	unknownInput := signingInput(t, edKey(t, 9).WithKeyID("other"))

	tests := []struct {
		name    string
		input   []byte
		wantErr error
	}{
		{name: "retired key, token expires while it is published", input: withinLifetime},
		{name: "retired key, token would outlive it", input: beyond, wantErr: jwt.ErrRotation},
		{name: "upcoming key", input: upcomingInput, wantErr: jwt.ErrRotation},
		{name: "key not in the ring", input: unknownInput, wantErr: jwt.ErrUnknownKey},
		{name: "alg of another key family", input: confused, wantErr: jwt.ErrAlgorithm},
		{name: "no dot", input: []byte("abc"), wantErr: jwt.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig, err := r.Sign(tt.input)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, sig)
				return
			}
			require.NoError(t, err)
			tok := string(tt.input) + "." + jwtB64.EncodeToString(sig)
			require.NoError(t, jwt.Expect{Now: clk.Now}.Verify(tok, r, nil))
		})
	}
}

// signingInput returns the header and payload of a token s signs.
func signingInput(t testing.TB, s jwt.Signer) []byte {
	t.Helper()
	tok, err := jwt.Sign(s, claimsAt(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC), time.Minute))
	require.NoError(t, err)
	return []byte(tok[:strings.LastIndexByte(tok, '.')])
}

func TestKeyRingSignHeader(t *testing.T) {
	r, err := jwt.NewKeyRing(edKey(t, 1), jwt.KeyRingOptions{})
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
	r, err := jwt.NewKeyRing(k, jwt.KeyRingOptions{})
	require.NoError(t, err)
	mac, err := jwt.NewHMAC(jwt.HS256, k.PublicKey())
	require.NoError(t, err)
	forged, err := jwt.Sign(mac.WithKeyID(r.KeyID()), claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Verify(forged, r, nil), jwt.ErrAlgorithm)
}

func TestKeyRingVerifierFor(t *testing.T) {
	r, err := jwt.NewKeyRing(edKey(t, 1), jwt.KeyRingOptions{})
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
	r, err := jwt.NewKeyRing(edKey(t, 0), jwt.KeyRingOptions{})
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
