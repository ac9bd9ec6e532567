package jwk_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rsa7520Key returns the RSA key of RFC 7520 §3.4.
func rsa7520Key(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	var f struct {
		Keys []struct {
			Name   string `json:"name"`
			KeyPEM struct {
				Private string `json:"private_pkcs8"`
			} `json:"key_pem"`
		} `json:"keys"`
	}
	loadJSON(t, "../testdata/rfc7520.json", &f)
	for _, k := range f.Keys {
		if k.Name == "RFC 7520 3.4 RSA private key" {
			key, err := jwt.ParsePrivateKeyPEM([]byte(k.KeyPEM.Private))
			require.NoError(t, err)
			return key.(*rsa.PrivateKey)
		}
	}
	t.Fatal("no RFC 7520 §3.4 key")
	return nil
}

// publicJWK returns the JSON of the public key of s with kid and, when
// not empty, alg.
func publicJWK(t testing.TB, v jwt.Verifier, kid string, alg jwt.Algorithm) []byte {
	t.Helper()
	k, err := jwk.Public(v)
	require.NoError(t, err)
	k.KeyID, k.Algorithm = kid, alg
	b, err := k.MarshalJSON()
	require.NoError(t, err)
	return b
}

// keysOf returns the Keys of a set of JWKs, each given as JSON.
func keysOf(t testing.TB, cfg jwk.KeysConfig, keys ...[]byte) (*jwk.Keys, error) {
	t.Helper()
	body := []byte(`{"keys":[`)
	for i, k := range keys {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, k...)
	}
	set, err := jwk.ParseSet(append(body, "]}"...))
	require.NoError(t, err)
	return jwk.NewKeys(set, cfg)
}

func rsaSigner(t testing.TB, alg jwt.Algorithm, key *rsa.PrivateKey, kid string) *jwt.RSASigner {
	t.Helper()
	s, err := jwt.NewRSASigner(alg, key)
	require.NoError(t, err)
	return s.WithKeyID(kid)
}

func ecSigner(t testing.TB, alg jwt.Algorithm, curve elliptic.Curve, kid string) *jwt.ECDSASigner {
	t.Helper()
	k, err := ecdsa.GenerateKey(curve, rand.Reader)
	require.NoError(t, err)
	s, err := jwt.NewECDSASigner(alg, k)
	require.NoError(t, err)
	return s.WithKeyID(kid)
}

// TestKeysDefaultAlgorithms pins the algorithms a key without alg
// verifies when the caller names none.
func TestKeysDefaultAlgorithms(t *testing.T) {
	rsaKey := rsaSigner(t, jwt.RS256, rsaTestKey(t), "")
	p256 := ecSigner(t, jwt.ES256, elliptic.P256(), "")
	p384 := ecSigner(t, jwt.ES384, elliptic.P384(), "")
	p521 := ecSigner(t, jwt.ES512, elliptic.P521(), "")
	ed := edKey(t, 1)
	tests := []struct {
		name string
		key  jwt.Verifier
		want []jwt.Algorithm
	}{
		{name: "RSA: RS256, as OpenID Connect", key: rsaKey, want: []jwt.Algorithm{jwt.RS256}},
		{name: "EC P-256: ES256", key: p256, want: []jwt.Algorithm{jwt.ES256}},
		{name: "EC P-384: ES384", key: p384, want: []jwt.Algorithm{jwt.ES384}},
		{name: "EC P-521: ES512", key: p521, want: []jwt.Algorithm{jwt.ES512}},
		{name: "Ed25519: both names", key: ed, want: []jwt.Algorithm{jwt.EdDSA, jwt.Ed25519}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := keysOf(t, jwk.KeysConfig{}, publicJWK(t, tt.key, "k", ""))
			require.NoError(t, err)
			assert.Equal(t, tt.want, keys.Algorithms("k"))
			for _, alg := range tt.want {
				v, err := keys.VerifierFor(context.Background(), jwt.Header{Algorithm: alg, KeyID: "k"})
				require.NoError(t, err)
				assert.Equal(t, alg, v.Algorithm())
			}
		})
	}
}

func TestKeysCallerAlgorithms(t *testing.T) {
	rsaKey := rsaSigner(t, jwt.RS256, rsaTestKey(t), "")
	ec := ecSigner(t, jwt.ES256, elliptic.P256(), "")
	tests := []struct {
		name    string
		key     []byte
		algs    []jwt.Algorithm
		want    []jwt.Algorithm
		wantErr error
	}{
		{name: "RSA without alg: every RS and PS listed", key: publicJWK(t, rsaKey, "k", ""), algs: []jwt.Algorithm{jwt.PS256, jwt.ES256, jwt.RS512}, want: []jwt.Algorithm{jwt.PS256, jwt.RS512}},
		{name: "EC without alg: its curve's only", key: publicJWK(t, ec, "k", ""), algs: []jwt.Algorithm{jwt.ES384, jwt.ES256, jwt.RS256}, want: []jwt.Algorithm{jwt.ES256}},
		{name: "without alg, none fits", key: publicJWK(t, ec, "k", ""), algs: []jwt.Algorithm{jwt.RS256}, wantErr: jwt.ErrInvalidKey},
		{name: "with alg listed", key: publicJWK(t, rsaKey, "k", jwt.PS384), algs: []jwt.Algorithm{jwt.PS384}, want: []jwt.Algorithm{jwt.PS384}},
		{name: "with alg not listed: left out", key: publicJWK(t, rsaKey, "k", jwt.RS256), algs: []jwt.Algorithm{jwt.PS256}, wantErr: jwt.ErrInvalidKey},
		{name: "an algorithm the jwt package lacks", key: publicJWK(t, rsaKey, "k", ""), algs: []jwt.Algorithm{"none"}, wantErr: jwt.ErrConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys, err := keysOf(t, jwk.KeysConfig{Algorithms: tt.algs}, tt.key)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, keys.Algorithms("k"))
		})
	}
}

// TestKeysChooseByKidThenAlg: the kid picks the key, the alg one of the
// key's verifiers, and only among the algorithms the key was made for.
func TestKeysChooseByKidThenAlg(t *testing.T) {
	rsaPriv := rsaTestKey(t)
	ed := edKey(t, 1)
	keys, err := keysOf(t, jwk.KeysConfig{Algorithms: []jwt.Algorithm{jwt.RS256, jwt.PS256, jwt.EdDSA, jwt.Ed25519}},
		publicJWK(t, rsaSigner(t, jwt.RS256, rsaPriv, ""), "rsa", ""),
		publicJWK(t, ed, "ed", ""))
	require.NoError(t, err)
	assert.Equal(t, 2, keys.Len())

	for _, alg := range []jwt.Algorithm{jwt.RS256, jwt.PS256} {
		tok, err := jwt.Sign(rsaSigner(t, alg, rsaPriv, "rsa"), claimsAt(time.Now(), time.Minute))
		require.NoError(t, err)
		require.NoError(t, jwt.Verify(tok, keys, nil), alg)
	}
	for _, alg := range []jwt.Algorithm{jwt.EdDSA, jwt.Ed25519} {
		s, err := jwt.NewEdDSASigner(alg, ed.PrivateKey())
		require.NoError(t, err)
		tok, err := jwt.Sign(s.WithKeyID("ed"), claimsAt(time.Now(), time.Minute))
		require.NoError(t, err)
		require.NoError(t, jwt.Verify(tok, keys, nil), alg)
	}

	tests := []struct {
		name    string
		header  jwt.Header
		wantErr error
	}{
		{name: "alg the key was not made for", header: jwt.Header{Algorithm: jwt.RS384, KeyID: "rsa"}, wantErr: jwt.ErrAlgorithm},
		{name: "alg of another family", header: jwt.Header{Algorithm: jwt.EdDSA, KeyID: "rsa"}, wantErr: jwt.ErrAlgorithm},
		{name: "unknown kid", header: jwt.Header{Algorithm: jwt.RS256, KeyID: "other"}, wantErr: jwt.ErrUnknownKey},
		{name: "no kid, several keys", header: jwt.Header{Algorithm: jwt.RS256}, wantErr: jwt.ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := keys.VerifierFor(context.Background(), tt.header)
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
}

func TestKeysWithoutKid(t *testing.T) {
	ed := edKey(t, 1)
	keys, err := keysOf(t, jwk.KeysConfig{}, publicJWK(t, ed, "", ""))
	require.NoError(t, err)
	s, err := jwt.NewEdDSASigner(jwt.Ed25519, ed.PrivateKey())
	require.NoError(t, err)
	tok, err := jwt.Sign(s, claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	require.NoError(t, jwt.Verify(tok, keys, nil), "a token without kid gets the only key")
}

// TestKeysSameKeyTwoAlgs: a publisher moving from EdDSA to Ed25519 may
// publish one key twice under one kid; it is one key with both
// algorithms. Two different keys under one kid are refused.
func TestKeysSameKeyTwoAlgs(t *testing.T) {
	ed := edKey(t, 1)
	keys, err := keysOf(t, jwk.KeysConfig{}, publicJWK(t, ed, "k", jwt.EdDSA), publicJWK(t, ed, "k", jwt.Ed25519))
	require.NoError(t, err)
	assert.Equal(t, 1, keys.Len())
	assert.Equal(t, []jwt.Algorithm{jwt.EdDSA, jwt.Ed25519}, keys.Algorithms("k"))

	_, err = keysOf(t, jwk.KeysConfig{}, publicJWK(t, ed, "k", jwt.EdDSA), publicJWK(t, edKey(t, 2), "k", jwt.EdDSA))
	require.ErrorIs(t, err, jwt.ErrDuplicateKeyID)
}

func TestNewKeysRefuses(t *testing.T) {
	weak, err := os.ReadFile("../testdata/rsa1024.pem")
	require.NoError(t, err)
	block, _ := pem.Decode(weak)
	weakKey, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	require.NoError(t, err)
	weakJWK, err := (&jwk.Key{Key: &weakKey.(*rsa.PrivateKey).PublicKey, KeyID: "weak"}).MarshalJSON()
	require.NoError(t, err)
	tests := []struct {
		name    string
		keys    [][]byte
		wantErr error
	}{
		{name: "a weak key", keys: [][]byte{weakJWK, publicJWK(t, edKey(t, 1), "ed", "")}, wantErr: jwt.ErrWeakKey},
		{name: "secret beside public", keys: [][]byte{[]byte(`{"kty":"oct","kid":"s","alg":"HS256","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`), publicJWK(t, edKey(t, 1), "ed", "")}, wantErr: jwt.ErrKeyMismatch},
		{name: "a secret without alg gets no default", keys: [][]byte{[]byte(`{"kty":"oct","kid":"s","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`)}, wantErr: jwt.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := keysOf(t, jwk.KeysConfig{}, tt.keys...)
			require.ErrorIs(t, err, tt.wantErr)
		})
	}
	_, err = jwk.NewKeys(nil, jwk.KeysConfig{})
	require.ErrorIs(t, err, jwt.ErrInvalidKey)
}

// TestAlgorithmConfusionKeyWithoutAlg: a token signed with HS256 and an
// RSA key's public bytes as the secret, naming the kid of an RSA key
// published without alg, is refused: the key's algorithms come from its
// type, never from the token.
func TestAlgorithmConfusionKeyWithoutAlg(t *testing.T) {
	rsaPub := &rsaTestKey(t).PublicKey
	keys, err := keysOf(t, jwk.KeysConfig{}, publicJWK(t, rsaSigner(t, jwt.RS256, rsaTestKey(t), ""), "rsa", ""))
	require.NoError(t, err)
	der, err := x509.MarshalPKIXPublicKey(rsaPub)
	require.NoError(t, err)
	for _, secret := range [][]byte{der, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})} {
		h, err := jwt.NewHMAC(jwt.HS256, secret)
		require.NoError(t, err)
		tok, err := jwt.Sign(h.WithKeyID("rsa"), claimsAt(time.Now(), time.Minute))
		require.NoError(t, err)
		require.ErrorIs(t, jwt.Verify(tok, keys, nil), jwt.ErrAlgorithm)
	}
}

// TestTokenDoesNotChooseAlgorithmOfKeyWithoutAlg: a genuine PS256
// signature by an RSA key published without alg is refused under the
// defaults, which give RSA keys RS256 alone: the token's header does not
// widen what the key verifies.
func TestTokenDoesNotChooseAlgorithmOfKeyWithoutAlg(t *testing.T) {
	priv := rsaTestKey(t)
	keys, err := keysOf(t, jwk.KeysConfig{}, publicJWK(t, rsaSigner(t, jwt.RS256, priv, ""), "rsa", ""))
	require.NoError(t, err)
	for _, alg := range []jwt.Algorithm{jwt.PS256, jwt.RS512} {
		tok, err := jwt.Sign(rsaSigner(t, alg, priv, "rsa"), claimsAt(time.Now(), time.Minute))
		require.NoError(t, err)
		require.ErrorIs(t, jwt.Verify(tok, keys, nil), jwt.ErrAlgorithm, alg)
	}
	none := "eyJhbGciOiJub25lIiwia2lkIjoicnNhIn0." + jwtB64.EncodeToString([]byte(`{"exp":4102444800}`)) + "."
	require.Error(t, jwt.Verify(none, keys, nil), "alg none")
}

// TestEntraShapedSet: keys as Entra ID publishes them (kty RSA, use sig,
// kid, x5t, n, e, x5c, no alg) verify RS256 tokens, and only those
// unless the caller says otherwise.
func TestEntraShapedSet(t *testing.T) {
	data, err := os.ReadFile("testdata/entra-alg-less.json")
	require.NoError(t, err)
	set, err := jwk.ParseSet(data)
	require.NoError(t, err)
	require.Len(t, set.Keys, 2)
	for _, k := range set.Keys {
		assert.Empty(t, k.Algorithm)
		assert.Len(t, k.Certificates, 1)
	}
	_, err = set.KeySet()
	require.ErrorIs(t, err, jwt.ErrInvalidKey, "jwt.KeySet needs an alg on each key")

	keys, err := jwk.NewKeys(set, jwk.KeysConfig{})
	require.NoError(t, err)
	privs := []*rsa.PrivateKey{rsaTestKey(t), rsa7520Key(t)}
	for i, k := range set.Keys {
		assert.Equal(t, []jwt.Algorithm{jwt.RS256}, keys.Algorithms(k.KeyID))
		tok, err := jwt.Sign(rsaSigner(t, jwt.RS256, privs[i], k.KeyID), claimsAt(time.Now(), time.Minute))
		require.NoError(t, err)
		require.NoError(t, jwt.Verify(tok, keys, nil))
		pss, err := jwt.Sign(rsaSigner(t, jwt.PS256, privs[i], k.KeyID), claimsAt(time.Now(), time.Minute))
		require.NoError(t, err)
		require.ErrorIs(t, jwt.Verify(pss, keys, nil), jwt.ErrAlgorithm)
	}
	// A token signed by the first key but naming the second's kid.
	tok, err := jwt.Sign(rsaSigner(t, jwt.RS256, privs[0], set.Keys[1].KeyID), claimsAt(time.Now(), time.Minute))
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Verify(tok, keys, nil), jwt.ErrSignature)
}

// TestWeakAndUnknownKeysLocal: ParseSet leaves out the keys of a type or
// curve it does not know, as RFC 7517 §5 says, and NewKeys, strict, then
// refuses the set for its weak key.
func TestWeakAndUnknownKeysLocal(t *testing.T) {
	data, err := os.ReadFile("testdata/weak-unknown.json")
	require.NoError(t, err)
	set, err := jwk.ParseSet(data)
	require.NoError(t, err)
	var kids []string
	for _, k := range set.Keys {
		kids = append(kids, k.KeyID)
	}
	assert.Equal(t, []string{"legacy-1024", "enc", "good"}, kids)
	_, err = jwk.NewKeys(set, jwk.KeysConfig{})
	require.ErrorIs(t, err, jwt.ErrWeakKey)
}
