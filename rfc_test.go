package jwt_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// verifierFromPEM builds the verifier of an asymmetric RFC case from its
// public PEM alone, the route a service that only holds the public key
// takes.
func verifierFromPEM(t *testing.T, c rfcCase) jwt.Verifier {
	t.Helper()
	pub, err := jwt.ParsePublicKeyPEM([]byte(c.KeyPEM.Public))
	require.NoError(t, err)
	v, err := jwt.NewVerifier(jwt.Algorithm(c.Alg), pub)
	require.NoError(t, err)
	return v
}

// TestRFC7520 checks RFC 7520 §4.1–4.4 (RS256, PS384, ES512, HS256 over
// a plain-text payload) with the PEM or hex secret of each case: the
// RFC's signature verifies, deterministic algorithms re-sign to the RFC's
// bytes, randomised ones give a fresh signature that verifies, and a
// changed signing input is refused.
func TestRFC7520PEM(t *testing.T) {
	cases := rfcCases(t, "rfc7520.json")
	require.Len(t, cases, 4)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			s := signerFor(t, c)
			v := s.(jwt.Verifier)
			if !strings.HasPrefix(c.Alg, "HS") {
				v = verifierFromPEM(t, c)
			}
			require.Equal(t, c.SigningInput, c.Compact[:strings.LastIndexByte(c.Compact, '.')])
			sig, err := b64(c.SignatureB64)
			require.NoError(t, err)
			require.NoError(t, v.Verify([]byte(c.SigningInput), sig))
			require.ErrorIs(t, v.Verify([]byte(c.SigningInput+"x"), sig), jwt.ErrSignature)

			fresh, err := s.Sign([]byte(c.SigningInput))
			require.NoError(t, err)
			require.NoError(t, v.Verify([]byte(c.SigningInput), fresh))
			if c.Deterministic {
				assert.Equal(t, sig, fresh, "re-signing gives the RFC's bytes")
			} else {
				assert.NotEqual(t, sig, fresh, "a randomised algorithm gives a new signature")
			}

			// The whole token: the signature passes, then the payload,
			// plain text and not a claims set, is refused.
			err = jwt.Expect{AllowMissingExpiry: true}.Verify(c.Compact, jwt.SingleKey(v), nil)
			require.ErrorIs(t, err, jwt.ErrMalformed)
		})
	}
}

// TestRFC8037EdDSA checks RFC 8037 A.4 and A.5: the key is built from the
// JWK's d as an Ed25519 seed, its public half equals x, and signing gives
// the RFC's signature byte for byte.
func TestRFC8037EdDSASeed(t *testing.T) {
	var c rfcCase
	for _, x := range rfcCases(t, "rfc8037.json") {
		if x.Alg == "EdDSA" {
			c = x
		}
	}
	require.Equal(t, "EdDSA", c.Alg)
	var jwk struct {
		X string `json:"x"`
		D string `json:"d"`
	}
	require.NoError(t, json.Unmarshal(c.Key, &jwk))
	seed, err := base64.RawURLEncoding.DecodeString(jwk.D)
	require.NoError(t, err)
	x, err := base64.RawURLEncoding.DecodeString(jwk.X)
	require.NoError(t, err)

	s, err := jwt.NewEdDSASigner(jwt.EdDSA, ed25519.NewKeyFromSeed(seed))
	require.NoError(t, err)
	assert.Equal(t, ed25519.PublicKey(x), s.PublicKey())

	got, err := s.Sign([]byte(c.SigningInput))
	require.NoError(t, err)
	assert.Equal(t, c.SignatureB64, base64.RawURLEncoding.EncodeToString(got))

	v, err := jwt.NewEdDSAVerifier(jwt.EdDSA, x)
	require.NoError(t, err)
	sig, err := b64(c.SignatureB64)
	require.NoError(t, err)
	require.NoError(t, v.Verify([]byte(c.SigningInput), sig))
	require.NoError(t, verifierFromPEM(t, c).Verify([]byte(c.SigningInput), sig))
	sig[0] ^= 1
	require.ErrorIs(t, v.Verify([]byte(c.SigningInput), sig), jwt.ErrSignature)
}

// TestRFC7519 checks the example JWT of RFC 7519 §3.1, verified with a
// clock stopped before its exp, and refuses the unsecured JWT of §6.1.
func TestRFC7519(t *testing.T) {
	cases := rfcCases(t, "rfc7519.json")
	require.Len(t, cases, 2)
	signed, unsecured := cases[0], cases[1]
	require.Equal(t, "valid", signed.Expect)
	require.Equal(t, "unsecured", unsecured.Expect)
	k := signerFor(t, signed).(*jwt.HMAC)
	exp := time.Unix(1300819380, 0)

	t.Run("3.1 before exp", func(t *testing.T) {
		var got map[string]any
		require.NoError(t, jwt.Expect{Now: at(exp.Add(-time.Second))}.Verify(signed.Compact, k, &got))
		assert.Equal(t, signed.Claims, got)
		var c jwt.Claims
		require.NoError(t, jwt.Expect{Now: at(exp.Add(-time.Second)), Issuer: "joe"}.Verify(signed.Compact, k, &c))
		assert.Equal(t, jwt.Claims{Issuer: "joe", Expiry: jwt.NumericDate(1300819380)}, c)
	})
	t.Run("3.1 at exp", func(t *testing.T) {
		require.ErrorIs(t, jwt.Expect{Now: at(exp)}.Verify(signed.Compact, k, nil), jwt.ErrExpired)
	})
	t.Run("3.1 re-signed", func(t *testing.T) {
		sig, err := k.Sign([]byte(signed.SigningInput))
		require.NoError(t, err)
		assert.Equal(t, signed.SignatureB64, base64.RawURLEncoding.EncodeToString(sig))
	})
	t.Run("6.1 unsecured", func(t *testing.T) {
		var got map[string]any
		err := jwt.Expect{Now: at(exp.Add(-time.Second))}.Verify(unsecured.Compact, k, &got)
		require.ErrorIs(t, err, jwt.ErrMalformed, "the empty signature part is refused first")
		assert.Nil(t, got)
		err = jwt.Expect{Now: at(exp.Add(-time.Second))}.Verify(unsecured.Compact+signed.SignatureB64, k, &got)
		require.ErrorIs(t, err, jwt.ErrAlgorithm, "with a signature added, alg none is refused")
		assert.Nil(t, got)
	})
}
