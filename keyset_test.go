package jwt_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kmsVerifier is a Verifier of another package's making.
type kmsVerifier struct{ kid string }

func (kmsVerifier) Algorithm() jwt.Algorithm                                        { return jwt.EdDSA }
func (kmsVerifier) Verify(_, _ []byte) error                                        { return jwt.ErrSignature }
func (k kmsVerifier) KeyID() string                                                 { return k.kid }
func (k kmsVerifier) VerifierFor(context.Context, jwt.Header) (jwt.Verifier, error) { return k, nil }

// edSigners returns EdDSA signers from fixed seeds, with the given kids.
func edSigners(t testing.TB, kids ...string) []*jwt.EdDSASigner {
	var out []*jwt.EdDSASigner
	for i, kid := range kids {
		seed := make([]byte, ed25519.SeedSize)
		seed[0] = byte(i + 1)
		s, err := jwt.NewEdDSASigner(jwt.EdDSA, ed25519.NewKeyFromSeed(seed))
		require.NoError(t, err)
		out = append(out, s.WithKeyID(kid))
	}
	return out
}

func TestKeySetChoosesByKID(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	claims := jwt.Claims{Subject: "s", Expiry: jwt.NewNumericDate(now.Add(time.Minute))}
	ss := edSigners(t, "a", "b", "")
	ks, err := jwt.NewKeySet(ss[0].Public(), ss[1].Public())
	require.NoError(t, err)
	for _, s := range ss[:2] {
		tok, err := jwt.Sign(s, claims)
		require.NoError(t, err)
		var got jwt.Claims
		require.NoError(t, jwt.Expect{Now: at(now)}.Verify(tok, ks, &got))
		assert.Equal(t, claims, got)
	}

	// A token whose kid names one key but which another key signed.
	forged, err := jwt.SignHeader(ss[0], jwt.Header{KeyID: "b"}, claims)
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Expect{Now: at(now)}.Verify(forged, ks, nil), jwt.ErrSignature)

	// Unknown kid, and no kid with several keys.
	unknown, err := jwt.SignHeader(ss[0], jwt.Header{KeyID: "c"}, claims)
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Expect{Now: at(now)}.Verify(unknown, ks, nil), jwt.ErrUnknownKey)
	noKID, err := jwt.Sign(ss[2], claims)
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Expect{Now: at(now)}.Verify(noKID, ks, nil), jwt.ErrUnknownKey)
	_, err = ks.VerifierFor(context.Background(), jwt.Header{KeyID: ""})
	require.ErrorIs(t, err, jwt.ErrUnknownKey)

	// A set of one key takes a token without kid.
	one, err := jwt.NewKeySet(ss[0])
	require.NoError(t, err)
	tokNoKID, err := jwt.SignHeader(ss[0], jwt.Header{KeyID: "", Type: "JWT+x"}, claims)
	require.NoError(t, err)
	u, err := jwt.DecodeUnverified(tokNoKID)
	require.NoError(t, err)
	require.Equal(t, "a", u.Header.KeyID, "SignHeader fills in the signer's kid")
	single, err := jwt.NewKeySet(ss[2].Public())
	require.NoError(t, err)
	require.NoError(t, jwt.Expect{Now: at(now)}.Verify(noKID, single, nil))
	v, err := one.VerifierFor(context.Background(), jwt.Header{KeyID: ""})
	require.NoError(t, err)
	assert.Same(t, ss[0], v)
}

func TestKeySetFastPathAgreesWithSlowPath(t *testing.T) {
	// A key without kid in a set of several is reachable by neither path:
	// the fast path must not take a token without kid that VerifierFor
	// refuses.
	now := time.Unix(1_700_000_000, 0)
	ss := edSigners(t, "", "b")
	ks, err := jwt.NewKeySet(ss[0].Public(), ss[1].Public())
	require.NoError(t, err)
	tok, err := jwt.Sign(ss[0], jwt.Claims{Expiry: jwt.NewNumericDate(now.Add(time.Minute))})
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Expect{Now: at(now)}.Verify(tok, ks, nil), jwt.ErrUnknownKey)
}

func TestKeySetAlgorithmConfusion(t *testing.T) {
	// HS256 signed with the bytes of a published RSA public key, the
	// classic attack: the set's key for that kid is RS256, so the
	// header's HS256 is refused before any MAC is computed.
	now := time.Unix(1_700_000_000, 0)
	pub := &rsaTestKey(t).PublicKey
	v, err := jwt.NewRSAVerifier(jwt.RS256, pub)
	require.NoError(t, err)
	ks, err := jwt.NewKeySet(v.WithKeyID("2011-04-29"))
	require.NoError(t, err)
	pemBytes, err := jwt.MarshalPublicKeyPEM(pub)
	require.NoError(t, err)
	h, err := jwt.NewHMAC(jwt.HS256, pemBytes)
	require.NoError(t, err)
	tok, err := jwt.Sign(h.WithKeyID("2011-04-29"), jwt.Claims{Expiry: jwt.NewNumericDate(now.Add(time.Minute))})
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Expect{Now: at(now)}.Verify(tok, ks, nil), jwt.ErrAlgorithm)
}

func TestKeySetAlgNone(t *testing.T) {
	ss := edSigners(t, "a")
	ks, err := jwt.NewKeySet(ss[0])
	require.NoError(t, err)
	tok := jwtB64.EncodeToString([]byte(`{"alg":"none","kid":"a"}`)) + "." + jwtB64.EncodeToString([]byte(`{}`)) + ".AA"
	require.ErrorIs(t, jwt.Verify(tok, ks, nil), jwt.ErrAlgorithm)
}

func TestNewKeySetRefuses(t *testing.T) {
	ss := edSigners(t, "a", "a", "", "")
	tests := []struct {
		name string
		vs   []jwt.Verifier
		want error
	}{
		{name: "empty", vs: nil, want: jwt.ErrInvalidKey},
		{name: "nil verifier", vs: []jwt.Verifier{nil}, want: jwt.ErrInvalidKey},
		{name: "duplicate kid", vs: []jwt.Verifier{ss[0], ss[1]}, want: jwt.ErrDuplicateKeyID},
		{name: "two without kid", vs: []jwt.Verifier{ss[2], ss[3]}, want: jwt.ErrDuplicateKeyID},
		{name: "duplicate kid of a foreign verifier", vs: []jwt.Verifier{ss[0], kmsVerifier{kid: "a"}}, want: jwt.ErrDuplicateKeyID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ks, err := jwt.NewKeySet(tt.vs...)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, ks)
		})
	}
}

func TestKeySetForeignVerifier(t *testing.T) {
	ks, err := jwt.NewKeySet(kmsVerifier{kid: "kms"}, edSigners(t, "a")[0])
	require.NoError(t, err)
	v, err := ks.VerifierFor(context.Background(), jwt.Header{KeyID: "kms"})
	require.NoError(t, err)
	assert.Equal(t, kmsVerifier{kid: "kms"}, v)
}

func BenchmarkKeySetVerify(b *testing.B) {
	now := time.Unix(1_700_000_000, 0)
	ss := edSigners(b, "a", "b", "c")
	ks, err := jwt.NewKeySet(ss[0].Public(), ss[1].Public(), ss[2].Public())
	require.NoError(b, err)
	tok, err := jwt.Sign(ss[1], jwt.Claims{Subject: "s", Expiry: jwt.NewNumericDate(now.Add(time.Hour))})
	require.NoError(b, err)
	e := jwt.Expect{Now: at(now)}
	b.ReportAllocs()
	for b.Loop() {
		var c jwt.Claims
		if err := e.Verify(tok, ks, &c); err != nil {
			b.Fatal(err)
		}
	}
}

func TestKeySetFastPath(t *testing.T) {
	ss := edSigners(t, "a", "b", "")
	claims := jwt.Claims{Subject: "s"}
	header := func(s jwt.Signer) string {
		tok, err := jwt.Sign(s, claims)
		require.NoError(t, err)
		return tok[:strings.IndexByte(tok, '.')]
	}
	ks, err := jwt.NewKeySet(ss[0].Public(), ss[1].Public(), ss[2].Public())
	require.NoError(t, err)
	for _, s := range ss[:2] {
		assert.Equal(t, s.Public(), jwt.MatchHeader(ks, header(s)), "each key's own header finds it without JSON")
	}
	assert.Nil(t, jwt.MatchHeader(ks, header(ss[2])), "no fast path for a key without kid in a set of several")
	assert.Nil(t, jwt.MatchHeader(ks, jwtB64.EncodeToString([]byte(`{"alg":"EdDSA","kid":"a"}`))), "other bytes take the slow path")

	one, err := jwt.NewKeySet(ss[2].Public())
	require.NoError(t, err)
	assert.Equal(t, ss[2].Public(), jwt.MatchHeader(one, header(ss[2])), "a set of one key takes its header without kid")
}

func ExampleNewKeySet() {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	// Two issuers' keys, from fixed seeds so that the output is fixed.
	newKey := func(seed byte, kid string) *jwt.EdDSASigner {
		s, err := jwt.NewEdDSASigner(jwt.EdDSA, ed25519.NewKeyFromSeed(append(make([]byte, 31), seed)))
		if err != nil {
			panic(err)
		}
		return s.WithKeyID(kid)
	}
	current, next := newKey(1, "2030-01"), newKey(2, "2030-02")

	keys, err := jwt.NewKeySet(current.Public(), next.Public())
	if err != nil {
		panic(err)
	}
	for _, s := range []*jwt.EdDSASigner{current, next} {
		tok, err := jwt.Sign(s, jwt.Claims{Subject: "signed with " + s.KeyID(), Expiry: jwt.NewNumericDate(now.Add(time.Hour))})
		if err != nil {
			panic(err)
		}
		var c jwt.Claims
		if err := (jwt.Expect{Now: func() time.Time { return now }}).Verify(tok, keys, &c); err != nil {
			panic(err)
		}
		fmt.Println(c.Subject)
	}
	// Output:
	// signed with 2030-01
	// signed with 2030-02
}
