package jwk_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"strings"
	"testing"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSetRFC7517(t *testing.T) {
	var f struct {
		Sets map[string]json.RawMessage `json:"jwk_sets"`
	}
	loadJSON(t, "../testdata/rfc7517.json", &f)
	sets := map[string]*jwk.Set{}
	for name, data := range f.Sets {
		s, err := jwk.ParseSet(data)
		require.NoError(t, err, name)
		require.Len(t, s.Keys, 2, name)
		sets[name] = s
	}
	require.Len(t, sets, 3)
	for i := range 2 {
		assert.Equal(t, sets["A.1"].Keys[i].Key, sets["A.2"].Keys[i].Public().Key, "A.2 key %d is A.1's private half", i)
	}

	// A.3's first key is an AES key-wrapping key: it parses, but it is
	// not for signatures.
	kw := sets["A.3"].Keys[0]
	assert.Equal(t, jwt.Algorithm("A128KW"), kw.Algorithm)
	_, err := kw.Signer("")
	require.ErrorIs(t, err, jwt.ErrUnsupportedAlgorithm)
	_, err = kw.Signer(jwt.HS256)
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
	assert.Nil(t, kw.Public(), "an oct key has no public part")

	// A.3's second key is the RFC 7515 A.1 HMAC key.
	hs := sets["A.3"].Keys[1]
	s, err := hs.Signer(jwt.HS256)
	require.NoError(t, err)
	c := rfcCases(t, "rfc7515.json")[0]
	require.Equal(t, "HS256", c.Alg)
	sig, err := s.Sign([]byte(c.SigningInput))
	require.NoError(t, err)
	assert.Equal(t, c.SignatureB64, jwtB64.EncodeToString(sig))

	// A.1 and A.2 hold an EC key with use "enc" and an RS256 key: the
	// key set keeps only the latter.
	for _, name := range []string{"A.1", "A.2"} {
		ks, err := sets[name].KeySet()
		require.NoError(t, err)
		assert.Equal(t, 1, ks.Len())
		v, err := ks.VerifierFor(context.Background(), jwt.Header{KeyID: "2011-04-29"})
		require.NoError(t, err)
		assert.Equal(t, jwt.RS256, v.Algorithm())
	}
}

func TestParseSetRefuses(t *testing.T) {
	oct := string(rfcKeyNamed(t, "rfc7520.json", "RFC 7520 3.5").JWK)
	tests := []struct {
		name string
		data string
	}{
		{name: "no keys", data: `{}`},
		{name: "keys null", data: `{"keys":null}`},
		{name: "keys not an array", data: `{"keys":{}}`},
		{name: "Keys in another case", data: `{"Keys":[` + oct + `]}`},
		{name: "duplicate keys member", data: `{"keys":[],"keys":[` + oct + `]}`},
		{name: "a malformed key", data: `{"keys":[` + oct + `,{"kty":"oct","k":""}]}`},
		{name: "a key not an object", data: `{"keys":[` + oct + `,1]}`},
		{name: "too many keys", data: `{"keys":[` + strings.Repeat(oct+",", jwk.MaxSetKeys) + oct + `]}`},
		{name: "too large", data: `{"keys":[` + oct + `],"x":"` + strings.Repeat("a", jwk.MaxSetSize) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := jwk.ParseSet([]byte(tt.data))
			require.ErrorIs(t, err, jwt.ErrInvalidKey)
			assert.Nil(t, s)
		})
	}
}

func TestParseSetSkipsUnsupportedKeyTypes(t *testing.T) {
	// RFC 7517 §5: keys of a type the implementation does not understand
	// are ignored.
	ed := string(rfcKeyNamed(t, "rfc8037.json", "RFC 8037 A.2").JWK)
	data := `{"keys":[{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"},` +
		`{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"},{"kty":"AES","k":"AA"},` + ed + `]}`
	s, err := jwk.ParseSet([]byte(data))
	require.NoError(t, err)
	require.Len(t, s.Keys, 1)
	assert.IsType(t, ed25519.PublicKey{}, s.Keys[0].Key)
}

func TestSetKeySet(t *testing.T) {
	rsaPub := `{"kty":"RSA","kid":"r","alg":"RS256","e":"AQAB","n":` + string(jsonMembers(t, rfcKeyNamed(t, "rfc7517.json", "RFC 7517 A.1 RSA").JWK)["n"]) + `}`
	ed := func(kid, extra string) string {
		return `{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","kid":"` + kid + `"` + extra + `}`
	}
	secret := `{"kty":"oct","alg":"HS256","kid":"h","k":"` + jwtB64.EncodeToString(make([]byte, 32)) + `"}`
	tests := []struct {
		name string
		keys []string
		kids int   // keys kept
		want error // nil: accepted
	}{
		{name: "two keys", keys: []string{rsaPub, ed("e", `,"alg":"EdDSA"`)}, kids: 2},
		{name: "enc key left out", keys: []string{rsaPub, ed("e", `,"alg":"EdDSA","use":"enc"`)}, kids: 1},
		{name: "key without alg left out", keys: []string{rsaPub, ed("e", ``)}, kids: 1},
		{name: "alg of no signature left out", keys: []string{rsaPub, ed("e", `,"alg":"ECDH-ES"`)}, kids: 1},
		{name: "key_ops without verify left out", keys: []string{rsaPub, ed("e", `,"alg":"EdDSA","key_ops":["sign"]`)}, kids: 1},
		{name: "key_ops with verify kept", keys: []string{rsaPub, ed("e", `,"alg":"EdDSA","key_ops":["verify"]`)}, kids: 2},
		{name: "duplicate kids", keys: []string{ed("e", `,"alg":"EdDSA"`), ed("e", `,"alg":"EdDSA"`)}, want: jwt.ErrDuplicateKeyID},
		{name: "duplicate kid on a key left out", keys: []string{ed("e", `,"alg":"EdDSA"`), ed("e", `,"alg":"EdDSA","use":"enc"`)}, kids: 1},
		{name: "secret beside public keys", keys: []string{rsaPub, secret}, want: jwt.ErrKeyMismatch},
		{name: "nothing usable", keys: []string{ed("e", ``)}, want: jwt.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, err := jwk.ParseSet([]byte(`{"keys":[` + strings.Join(tt.keys, ",") + `]}`))
			require.NoError(t, err)
			ks, err := set.KeySet()
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				assert.Nil(t, ks)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.kids, ks.Len())
		})
	}
}

func FuzzParseSet(f *testing.F) {
	var sets struct {
		Sets map[string]json.RawMessage `json:"jwk_sets"`
	}
	loadJSON(f, "../testdata/rfc7517.json", &sets)
	for _, s := range sets.Sets {
		f.Add([]byte(s))
	}
	for _, g := range wycheproofJWKFile(f).TestGroups {
		f.Add(mustJSON(f, map[string]any{"keys": g.Private.Keys}))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := jwk.ParseSet(data)
		if err != nil {
			return
		}
		enc, err := s.MarshalJSON()
		require.NoError(t, err)
		again, err := jwk.ParseSet(enc)
		require.NoError(t, err)
		assert.Equal(t, s, again)
		_, _ = s.KeySet() // must not panic
	})
}
