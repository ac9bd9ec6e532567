package jwt_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/require"
)

// benchSigners returns one signer per algorithm, all from fixed keys: the
// RSA key of RFC 7515 A.2 (2048 bits), ECDSA keys from fixed scalars, the
// Ed25519 key of the zero seed and a 64-byte HMAC secret.
func benchSigners(b *testing.B) []jwt.Signer {
	b.Helper()
	rsaKey := rsaTestKey(b)
	var out []jwt.Signer
	for _, alg := range jwt.Algorithms() {
		var s jwt.Signer
		var err error
		switch alg {
		case jwt.HS256, jwt.HS384, jwt.HS512:
			s, err = jwt.NewHMAC(alg, []byte(strings.Repeat("k", 64)))
		case jwt.RS256, jwt.RS384, jwt.RS512, jwt.PS256, jwt.PS384, jwt.PS512:
			s, err = jwt.NewRSASigner(alg, rsaKey)
		case jwt.ES256, jwt.ES384, jwt.ES512:
			curve := map[jwt.Algorithm]elliptic.Curve{jwt.ES256: elliptic.P256(), jwt.ES384: elliptic.P384(), jwt.ES512: elliptic.P521()}[alg]
			size := (curve.Params().BitSize + 7) / 8
			var k *ecdsa.PrivateKey
			k, err = ecdsa.ParseRawPrivateKey(curve, append(make([]byte, size-1), 7))
			require.NoError(b, err)
			s, err = jwt.NewECDSASigner(alg, k)
		case jwt.EdDSA:
			s, err = jwt.NewEdDSASigner(jwt.EdDSA, ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32)))
		}
		require.NoError(b, err)
		out = append(out, s)
	}
	return out
}

var benchNow = time.Unix(1_700_000_000, 0)

// benchClaims is a typical access token's claims.
func benchClaims() jwt.Claims {
	return jwt.Claims{
		Issuer:   "https://auth.example.com",
		Subject:  "user-1234567890",
		Audience: jwt.Audience{"api"},
		Expiry:   jwt.NewNumericDate(benchNow.Add(5 * time.Minute)),
		IssuedAt: jwt.NewNumericDate(benchNow),
		ID:       "7c1f3f2e-5d9b-4a57-9b0e-2f4a1c3d5e6f",
	}
}

func BenchmarkSign(b *testing.B) {
	claims := benchClaims()
	for _, s := range benchSigners(b) {
		b.Run(string(s.Algorithm()), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jwt.Sign(s, claims); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	policy := jwt.Expect{Now: func() time.Time { return benchNow }, Audience: jwt.Audience{"api"}}
	for _, s := range benchSigners(b) {
		b.Run(string(s.Algorithm()), func(b *testing.B) {
			tok, err := jwt.Sign(s, benchClaims())
			require.NoError(b, err)
			keys := s.(jwt.Keys)
			var c jwt.Claims
			b.ReportAllocs()
			for b.Loop() {
				if err := policy.Verify(tok, keys, &c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerifyHS256Into(b *testing.B) {
	key, err := jwt.NewHMAC(jwt.HS256, []byte(strings.Repeat("k", 64)))
	require.NoError(b, err)
	tok, err := jwt.Sign(key, AppClaims{Claims: benchClaims(), Role: "admin"})
	require.NoError(b, err)
	policy := jwt.Expect{Now: func() time.Time { return benchNow }, Audience: jwt.Audience{"api"}}
	b.Run("Claims", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c jwt.Claims
			if err := policy.Verify(tok, key, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("EmbeddingStruct", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c AppClaims
			if err := policy.Verify(tok, key, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var c map[string]any
			if err := policy.Verify(tok, key, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
