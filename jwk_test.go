package jwt_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rfcKey is one entry of the keys array of the RFC files in testdata.
type rfcKey struct {
	Name       string          `json:"name"`
	Section    string          `json:"section"`
	JWK        json.RawMessage `json:"jwk"`
	PublicJWK  json.RawMessage `json:"public_jwk"`
	Thumbprint string          `json:"thumbprint_sha256"`
	KeyPEM     struct {
		Private string `json:"private_pkcs8"`
		Public  string `json:"public_spki"`
	} `json:"key_pem"`
	X5CCertPEM string `json:"x5c_cert_pem"`
}

func rfcKeys(t testing.TB, file string) []rfcKey {
	var f struct {
		Keys []rfcKey `json:"keys"`
	}
	loadJSON(t, "testdata/"+file, &f)
	require.NotEmpty(t, f.Keys)
	return f.Keys
}

func rfcKeyNamed(t testing.TB, file, prefix string) rfcKey {
	for _, k := range rfcKeys(t, file) {
		if strings.HasPrefix(k.Name, prefix) {
			return k
		}
	}
	t.Fatalf("no key %q in %s", prefix, file)
	return rfcKey{}
}

type equaler interface{ Equal(crypto.PublicKey) bool }

// publicOf returns the public half of a key ParseJWK returns.
func publicOf(t testing.TB, key any) crypto.PublicKey {
	t.Helper()
	if s, ok := key.(crypto.Signer); ok {
		return s.Public()
	}
	return key
}

func parseJWK(t testing.TB, data []byte) *jwt.JWK {
	t.Helper()
	k, err := jwt.ParseJWK(data)
	require.NoError(t, err)
	return k
}

func TestParseJWKRFCKeys(t *testing.T) {
	for _, file := range []string{"rfc7517.json", "rfc7520.json", "rfc8037.json"} {
		for _, c := range rfcKeys(t, file) {
			t.Run(c.Name, func(t *testing.T) {
				k := parseJWK(t, c.JWK)
				var want map[string]any
				require.NoError(t, json.Unmarshal(c.JWK, &want))
				assert.Equal(t, want["kid"], nilIfEmpty(k.KeyID))
				assert.Equal(t, want["use"], nilIfEmpty(k.Use))
				assert.Equal(t, want["alg"], nilIfEmpty(string(k.Algorithm)))
				if c.PublicJWK != nil {
					pub := parseJWK(t, c.PublicJWK)
					assert.True(t, publicOf(t, k.Key).(equaler).Equal(pub.Key), "public part equals public_jwk")
					assert.Equal(t, pub.Key, k.Public().Key)
				}
				if c.KeyPEM.Public != "" {
					pemKey, err := jwt.ParsePublicKeyPEM([]byte(c.KeyPEM.Public))
					require.NoError(t, err)
					assert.True(t, publicOf(t, k.Key).(equaler).Equal(pemKey), "public part equals the PEM")
				}
				if c.KeyPEM.Private != "" {
					pemKey, err := jwt.ParsePrivateKeyPEM([]byte(c.KeyPEM.Private))
					require.NoError(t, err)
					assert.True(t, pemKey.(interface{ Equal(crypto.PrivateKey) bool }).Equal(k.Key), "private key equals the PEM")
				}
				if c.Thumbprint != "" {
					tp, err := k.Thumbprint()
					require.NoError(t, err)
					assert.Equal(t, c.Thumbprint, tp)
				}
			})
		}
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func TestParseJWKRFC7517X5C(t *testing.T) {
	c := rfcKeyNamed(t, "rfc7517.json", "RFC 7517 B")
	k := parseJWK(t, c.JWK)
	require.Len(t, k.Certificates, 1)
	certKey, err := jwt.ParsePublicKeyPEM([]byte(c.X5CCertPEM))
	require.NoError(t, err)
	assert.True(t, k.Key.(*rsa.PublicKey).Equal(certKey))
	assert.True(t, k.Key.(*rsa.PublicKey).Equal(k.Certificates[0].PublicKey))

	enc, err := k.MarshalJSON()
	require.NoError(t, err)
	again := parseJWK(t, enc)
	require.Len(t, again.Certificates, 1)
	assert.Equal(t, k.Certificates[0].Raw, again.Certificates[0].Raw, "x5c survives a round trip")

	// The same certificate beside another key is refused.
	other := rfcKeyNamed(t, "rfc7517.json", "RFC 7517 A.1 RSA")
	var m map[string]any
	require.NoError(t, json.Unmarshal(other.JWK, &m))
	var b map[string]any
	require.NoError(t, json.Unmarshal(c.JWK, &b))
	m["x5c"] = b["x5c"]
	_, err = jwt.ParseJWK(mustJSON(t, m))
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

func TestParseJWKSetRFC7517(t *testing.T) {
	var f struct {
		Sets map[string]json.RawMessage `json:"jwk_sets"`
	}
	loadJSON(t, "testdata/rfc7517.json", &f)
	sets := map[string]*jwt.JWKSet{}
	for name, data := range f.Sets {
		s, err := jwt.ParseJWKSet(data)
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

// thumbprintCase is one entry of the thumbprints arrays.
type thumbprintCase struct {
	Name       string          `json:"name"`
	Source     string          `json:"source"`
	JWK        json.RawMessage `json:"jwk"`
	Canonical  string          `json:"canonical_json"`
	Thumbprint string          `json:"thumbprint_sha256"`
}

func TestJWKThumbprint(t *testing.T) {
	for _, file := range []string{"rfc7638.json", "rfc8037.json"} {
		var f struct {
			Thumbprints []thumbprintCase `json:"thumbprints"`
		}
		loadJSON(t, "testdata/"+file, &f)
		require.NotEmpty(t, f.Thumbprints)
		for _, c := range f.Thumbprints {
			t.Run(file+"/"+c.Name, func(t *testing.T) {
				k := parseJWK(t, c.JWK)
				tp, err := k.Thumbprint()
				require.NoError(t, err)
				assert.Equal(t, c.Thumbprint, tp)

				// The canonical JSON (required members only) has the
				// same thumbprint as the JWK with its other members.
				bare := parseJWK(t, []byte(c.Canonical))
				tp2, err := bare.Thumbprint()
				require.NoError(t, err)
				assert.Equal(t, c.Thumbprint, tp2)

				// So does the same key with other metadata.
				k.KeyID, k.Use, k.Algorithm, k.KeyOps = "other", "enc", "X", []string{"encrypt"}
				tp3, err := k.Thumbprint()
				require.NoError(t, err)
				assert.Equal(t, c.Thumbprint, tp3)
			})
		}
	}
}

func TestJWKThumbprintPrivateEqualsPublic(t *testing.T) {
	for _, c := range append(rfcKeys(t, "rfc7517.json"), rfcKeys(t, "rfc8037.json")...) {
		if c.PublicJWK == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			a, err := parseJWK(t, c.JWK).Thumbprint()
			require.NoError(t, err)
			b, err := parseJWK(t, c.PublicJWK).Thumbprint()
			require.NoError(t, err)
			assert.Equal(t, b, a)
		})
	}
}

func TestRFC8037EdDSAJWK(t *testing.T) {
	c := rfcCases(t, "rfc8037.json")[0]
	priv := parseJWK(t, c.Key)
	pub := parseJWK(t, rfcKeyNamed(t, "rfc8037.json", "RFC 8037 A.2").JWK)
	assert.Equal(t, pub.Key, priv.Public().Key, "A.2 is A.1's public part")

	// A.4: signing is deterministic, so the signature is the RFC's byte
	// for byte.
	s, err := priv.Signer(jwt.EdDSA)
	require.NoError(t, err)
	sig, err := s.Sign([]byte(c.SigningInput))
	require.NoError(t, err)
	assert.Equal(t, c.SignatureB64, jwtB64.EncodeToString(sig))

	// A.5: validation with the public key. (RFC 8037 A.6 and A.7 are
	// ECDH-ES with X25519 and X448: key agreement, not signatures, so
	// they are not here.)
	v, err := pub.Verifier(jwt.EdDSA)
	require.NoError(t, err)
	ks, err := jwt.NewKeySet(v)
	require.NoError(t, err)
	payload, err := jwt.VerifyJWS(c.Compact, ks)
	require.NoError(t, err)
	assert.Equal(t, "Example of Ed25519 signing", string(payload))
	_, err = jwt.VerifyJWS(c.Compact[:len(c.Compact)-2]+"AA", ks)
	require.ErrorIs(t, err, jwt.ErrSignature)
}

func TestRFC7520JWK(t *testing.T) {
	for _, c := range rfcCases(t, "rfc7520.json") {
		t.Run(c.Name, func(t *testing.T) {
			k := parseJWK(t, c.Key)
			alg := jwt.Algorithm(c.Alg)
			v, err := k.Verifier(alg)
			require.NoError(t, err)
			sig, err := b64(c.SignatureB64)
			require.NoError(t, err)
			require.NoError(t, v.Verify([]byte(c.SigningInput), sig))
			bad := append([]byte(nil), sig...)
			bad[len(bad)/2] ^= 1
			require.ErrorIs(t, v.Verify([]byte(c.SigningInput), bad), jwt.ErrSignature)

			// Through a key set, picked by the header's kid.
			ks, err := jwt.NewKeySet(v)
			require.NoError(t, err)
			_, err = jwt.VerifyJWS(c.Compact, ks)
			require.NoError(t, err)

			s, err := k.Signer(alg)
			require.NoError(t, err)
			fresh, err := s.Sign([]byte(c.SigningInput))
			require.NoError(t, err)
			require.NoError(t, v.Verify([]byte(c.SigningInput), fresh))
			if c.Deterministic {
				assert.Equal(t, sig, fresh)
			}
		})
	}
}

// familyKeys returns one private key of each family, from testdata.
func familyKeys(t testing.TB) map[string]any {
	t.Helper()
	get := func(file, prefix string) any { return parseJWK(t, rfcKeyNamed(t, file, prefix).JWK).Key }
	return map[string]any{
		"RSA":     get("rfc7517.json", "RFC 7517 A.2 RSA"),
		"EC P256": get("rfc7517.json", "RFC 7517 A.2 EC"),
		"EC P521": get("rfc7520.json", "RFC 7520 3.2"),
		"OKP":     get("rfc8037.json", "RFC 8037 A.1"),
		"oct":     get("rfc7520.json", "RFC 7520 3.5"),
	}
}

func TestJWKRoundTrip(t *testing.T) {
	for name, key := range familyKeys(t) {
		keys := map[string]any{"private": key}
		if s, ok := key.(crypto.Signer); ok {
			keys["public"] = s.Public()
		}
		for half, key := range keys {
			t.Run(name+"/"+half, func(t *testing.T) {
				in := &jwt.JWK{Key: key, KeyID: "k1", Use: "sig", KeyOps: []string{"verify"}, Algorithm: "X1"}
				enc, err := in.MarshalJSON()
				require.NoError(t, err)
				out := parseJWK(t, enc)
				assert.Equal(t, in, out)
				a, err := in.Thumbprint()
				require.NoError(t, err)
				b, err := out.Thumbprint()
				require.NoError(t, err)
				assert.Equal(t, a, b)
				_, hasD := jsonMembers(t, enc)["d"]
				_, hasK := jsonMembers(t, enc)["k"]
				assert.Equal(t, half == "private", hasD || hasK, "private members only for a private key")
			})
		}
	}
}

func jsonMembers(t testing.TB, data []byte) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(data, &m))
	return m
}

func TestJWKMarshalOrder(t *testing.T) {
	k := parseJWK(t, rfcKeyNamed(t, "rfc8037.json", "RFC 8037 A.1").JWK)
	k.KeyID, k.Use, k.Algorithm, k.KeyOps = "a", "sig", jwt.EdDSA, []string{"sign", "verify"}
	enc, err := k.MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `{"kty":"OKP","kid":"a","use":"sig","key_ops":["sign","verify"],"alg":"EdDSA","crv":"Ed25519",`+
		`"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}`, string(enc))
	pub, err := k.Public().MarshalJSON()
	require.NoError(t, err)
	assert.Equal(t, `{"kty":"OKP","kid":"a","use":"sig","key_ops":["verify"],"alg":"EdDSA","crv":"Ed25519",`+
		`"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`, string(pub))
}

func TestJWKMarshalRefuses(t *testing.T) {
	tests := []struct {
		name string
		key  any
	}{
		{name: "nil", key: nil},
		{name: "string", key: "secret"},
		{name: "empty oct", key: []byte{}},
		{name: "short Ed25519", key: ed25519.PublicKey{1, 2}},
		{name: "empty RSA", key: &rsa.PublicKey{}},
		{name: "empty EC", key: &ecdsa.PublicKey{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := (&jwt.JWK{Key: tt.key}).MarshalJSON()
			require.ErrorIs(t, err, jwt.ErrInvalidKey)
			_, err = (&jwt.JWK{Key: tt.key}).Thumbprint()
			require.ErrorIs(t, err, jwt.ErrInvalidKey)
		})
	}
}

// jwkWith returns the JSON of the named RFC key with members changed: a
// nil value removes the member.
func jwkWith(t testing.TB, base json.RawMessage, changes map[string]any) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(base, &m))
	for k, v := range changes {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return mustJSON(t, m)
}

func TestParseJWKRefuses(t *testing.T) {
	rsaKey := rfcKeyNamed(t, "rfc7517.json", "RFC 7517 A.2 RSA").JWK
	ecKey := rfcKeyNamed(t, "rfc7517.json", "RFC 7517 A.2 EC").JWK
	p521 := rfcKeyNamed(t, "rfc7520.json", "RFC 7520 3.2").JWK
	okp := rfcKeyNamed(t, "rfc8037.json", "RFC 8037 A.1").JWK
	oct := rfcKeyNamed(t, "rfc7520.json", "RFC 7520 3.5").JWK
	var rsaM, ecM map[string]string
	require.NoError(t, json.Unmarshal(rsaKey, &rsaM))
	require.NoError(t, json.Unmarshal(ecKey, &ecM))
	otherRSA := jsonMembers(t, rfcKeyNamed(t, "rfc7520.json", "RFC 7520 3.4").JWK)

	tests := []struct {
		name string
		data []byte
		want error
	}{
		{name: "not JSON", data: []byte(`{"kty":`), want: jwt.ErrInvalidKey},
		{name: "array", data: []byte(`[]`), want: jwt.ErrInvalidKey},
		{name: "trailing data", data: append(append([]byte(nil), oct...), " {}"...), want: jwt.ErrInvalidKey},
		{name: "duplicate member", data: []byte(`{"kty":"oct","k":"AAAA","k":"BBBB"}`), want: jwt.ErrInvalidKey},
		{name: "duplicate member escaped", data: []byte(`{"kty":"oct","k":"AAAA","\u006b":"BBBB"}`), want: jwt.ErrInvalidKey},
		{name: "invalid UTF-8", data: []byte("{\"kty\":\"oct\",\"k\":\"AAAA\",\"kid\":\"\xff\"}"), want: jwt.ErrInvalidKey},
		{name: "member in another case", data: []byte(`{"kty":"oct","k":"AAAA","KID":"a"}`), want: jwt.ErrInvalidKey},
		{name: "too large", data: jwkWith(t, oct, map[string]any{"x-pad": strings.Repeat("a", jwt.MaxJWKSize)}), want: jwt.ErrInvalidKey},
		{name: "no kty", data: jwkWith(t, oct, map[string]any{"kty": nil}), want: jwt.ErrInvalidKey},
		{name: "kty not a string", data: jwkWith(t, oct, map[string]any{"kty": 1}), want: jwt.ErrInvalidKey},
		{name: "unknown kty", data: jwkWith(t, oct, map[string]any{"kty": "AES"}), want: jwt.ErrInvalidKey},
		{name: "kid null", data: jwkWith(t, oct, map[string]any{"kid": json.RawMessage(`null`)}), want: jwt.ErrInvalidKey},
		{name: "key_ops not strings", data: jwkWith(t, oct, map[string]any{"key_ops": []int{1}}), want: jwt.ErrInvalidKey},
		{name: "key_ops duplicate", data: jwkWith(t, oct, map[string]any{"key_ops": []string{"sign", "sign"}}), want: jwt.ErrInvalidKey},
		{name: "use sig with key_ops encrypt", data: jwkWith(t, oct, map[string]any{"key_ops": []string{"encrypt"}}), want: jwt.ErrKeyMismatch},
		{name: "use enc with key_ops verify", data: jwkWith(t, ecKey, map[string]any{"key_ops": []string{"verify"}}), want: jwt.ErrKeyMismatch},

		{name: "oct empty k", data: jwkWith(t, oct, map[string]any{"k": ""}), want: jwt.ErrInvalidKey},
		{name: "oct no k", data: jwkWith(t, oct, map[string]any{"k": nil}), want: jwt.ErrInvalidKey},
		{name: "oct k padded", data: jwkWith(t, oct, map[string]any{"k": "AAAAAA=="}), want: jwt.ErrInvalidKey},
		{name: "oct k standard base64", data: jwkWith(t, oct, map[string]any{"k": "AA+/"}), want: jwt.ErrInvalidKey},
		{name: "oct k with newline", data: jwkWith(t, oct, map[string]any{"k": "AAAA\nAAAA"}), want: jwt.ErrInvalidKey},
		{name: "oct k non-canonical bits", data: jwkWith(t, oct, map[string]any{"k": "AB"}), want: jwt.ErrInvalidKey},
		{name: "oct with alg RS256", data: jwkWith(t, oct, map[string]any{"alg": "RS256"}), want: jwt.ErrKeyMismatch},

		{name: "RSA no n", data: jwkWith(t, rsaKey, map[string]any{"n": nil}), want: jwt.ErrInvalidKey},
		{name: "RSA no e", data: jwkWith(t, rsaKey, map[string]any{"e": nil}), want: jwt.ErrInvalidKey},
		{name: "RSA e leading zero", data: jwkWith(t, rsaKey, map[string]any{"e": "AAEAAQ"}), want: jwt.ErrInvalidKey},
		{name: "RSA e too large", data: jwkWith(t, rsaKey, map[string]any{"e": "AQAAAAE"}), want: jwt.ErrInvalidKey},
		{name: "RSA e one", data: jwkWith(t, rsaKey, map[string]any{"e": "AQ", "d": nil, "p": nil, "q": nil, "dp": nil, "dq": nil, "qi": nil}), want: jwt.ErrWeakKey},
		{name: "RSA e even", data: jwkWith(t, rsaKey, map[string]any{"e": "AQAC", "d": nil, "p": nil, "q": nil, "dp": nil, "dq": nil, "qi": nil}), want: jwt.ErrWeakKey},
		{name: "RSA n zero", data: jwkWith(t, rsaKey, map[string]any{"n": "AA", "d": nil, "p": nil, "q": nil, "dp": nil, "dq": nil, "qi": nil}), want: jwt.ErrInvalidKey},
		{name: "RSA n over 8192 bits", data: jwkWith(t, rsaKey, map[string]any{"n": jwtB64.EncodeToString(append([]byte{1}, make([]byte, 1024)...)), "d": nil, "p": nil, "q": nil, "dp": nil, "dq": nil, "qi": nil}), want: jwt.ErrInvalidKey},
		{name: "RSA d without primes", data: jwkWith(t, rsaKey, map[string]any{"p": nil, "q": nil, "dp": nil, "dq": nil, "qi": nil}), want: jwt.ErrInvalidKey},
		{name: "RSA some CRT members", data: jwkWith(t, rsaKey, map[string]any{"qi": nil}), want: jwt.ErrInvalidKey},
		{name: "RSA primes without d", data: jwkWith(t, rsaKey, map[string]any{"d": nil}), want: jwt.ErrInvalidKey},
		{name: "RSA oth", data: jwkWith(t, rsaKey, map[string]any{"oth": []any{}}), want: jwt.ErrInvalidKey},
		{name: "RSA d of another key", data: jwkWith(t, rsaKey, map[string]any{"d": otherRSA["d"]}), want: jwt.ErrInvalidKey},
		{name: "RSA dp wrong", data: jwkWith(t, rsaKey, map[string]any{"dp": rsaM["dq"]}), want: jwt.ErrInvalidKey},
		{name: "RSA qi wrong", data: jwkWith(t, rsaKey, map[string]any{"qi": "AQ"}), want: jwt.ErrInvalidKey},
		{name: "RSA p and q swapped", data: jwkWith(t, rsaKey, map[string]any{"p": rsaM["q"], "q": rsaM["p"]}), want: jwt.ErrInvalidKey},
		{name: "RSA with alg ES256", data: jwkWith(t, rsaKey, map[string]any{"alg": "ES256"}), want: jwt.ErrKeyMismatch},
		{name: "RSA with alg HS256", data: jwkWith(t, rsaKey, map[string]any{"alg": "HS256"}), want: jwt.ErrKeyMismatch},

		{name: "EC no crv", data: jwkWith(t, ecKey, map[string]any{"crv": nil}), want: jwt.ErrInvalidKey},
		{name: "EC unknown curve", data: jwkWith(t, ecKey, map[string]any{"crv": "secp256k1"}), want: jwt.ErrInvalidKey},
		{name: "EC curve of other size", data: jwkWith(t, ecKey, map[string]any{"crv": "P-384"}), want: jwt.ErrInvalidKey},
		{name: "EC x short", data: jwkWith(t, ecKey, map[string]any{"x": ecM["x"][:42]}), want: jwt.ErrInvalidKey},
		{name: "EC x with leading zero", data: jwkWith(t, ecKey, map[string]any{"x": jwtB64.EncodeToString(append([]byte{0}, mustB64(t, ecM["x"])...))}), want: jwt.ErrInvalidKey},
		{name: "EC no y", data: jwkWith(t, ecKey, map[string]any{"y": nil}), want: jwt.ErrInvalidKey},
		{name: "EC point off the curve", data: jwkWith(t, ecKey, map[string]any{"y": ecM["x"]}), want: jwt.ErrInvalidKey},
		{name: "EC d of another key", data: jwkWith(t, ecKey, map[string]any{"d": jwtB64.EncodeToString(make([]byte, 31)) + "AB"}), want: jwt.ErrInvalidKey},
		{name: "EC d short", data: jwkWith(t, ecKey, map[string]any{"d": ecM["d"][:40]}), want: jwt.ErrInvalidKey},
		{name: "EC d zero", data: jwkWith(t, ecKey, map[string]any{"d": jwtB64.EncodeToString(make([]byte, 32))}), want: jwt.ErrInvalidKey},
		{name: "EC P-256 with alg ES384", data: jwkWith(t, ecKey, map[string]any{"alg": "ES384"}), want: jwt.ErrKeyMismatch},
		{name: "EC P-521 with alg ES256", data: jwkWith(t, p521, map[string]any{"alg": "ES256"}), want: jwt.ErrKeyMismatch},
		{name: "EC with alg EdDSA", data: jwkWith(t, ecKey, map[string]any{"alg": "EdDSA"}), want: jwt.ErrKeyMismatch},

		{name: "OKP X25519", data: jwkWith(t, okp, map[string]any{"crv": "X25519"}), want: jwt.ErrInvalidKey},
		{name: "OKP no crv", data: jwkWith(t, okp, map[string]any{"crv": nil}), want: jwt.ErrInvalidKey},
		{name: "OKP x short", data: jwkWith(t, okp, map[string]any{"x": jwtB64.EncodeToString(make([]byte, 31))}), want: jwt.ErrInvalidKey},
		{name: "OKP d long", data: jwkWith(t, okp, map[string]any{"d": jwtB64.EncodeToString(make([]byte, 64))}), want: jwt.ErrInvalidKey},
		{name: "OKP d of another key", data: jwkWith(t, okp, map[string]any{"d": jwtB64.EncodeToString(make([]byte, 32))}), want: jwt.ErrInvalidKey},
		{name: "OKP with alg ES256", data: jwkWith(t, okp, map[string]any{"alg": "ES256"}), want: jwt.ErrKeyMismatch},

		{name: "x5c on oct", data: jwkWith(t, oct, map[string]any{"x5c": []string{"AAAA"}}), want: jwt.ErrKeyMismatch},
		{name: "x5c empty", data: jwkWith(t, rsaKey, map[string]any{"x5c": []string{}}), want: jwt.ErrInvalidKey},
		{name: "x5c base64url", data: jwkWith(t, rsaKey, map[string]any{"x5c": []string{"MII_"}}), want: jwt.ErrInvalidKey},
		{name: "x5c not a certificate", data: jwkWith(t, rsaKey, map[string]any{"x5c": []string{"AAAA"}}), want: jwt.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := jwt.ParseJWK(tt.data)
			require.ErrorIs(t, err, tt.want)
			assert.Nil(t, k)
			assert.True(t, strings.HasPrefix(err.Error(), "jwt: "), err.Error())
		})
	}
}

func mustB64(t testing.TB, s string) []byte {
	b, err := b64(s)
	require.NoError(t, err)
	return b
}

func TestParseJWKAccepts(t *testing.T) {
	rsaKey := rfcKeyNamed(t, "rfc7517.json", "RFC 7517 A.1 RSA").JWK
	oct := rfcKeyNamed(t, "rfc7520.json", "RFC 7520 3.5").JWK
	var m map[string]string
	require.NoError(t, json.Unmarshal(rsaKey, &m))
	tests := []struct {
		name string
		data []byte
	}{
		{name: "unknown members ignored", data: jwkWith(t, oct, map[string]any{"x-extra": map[string]any{"a": 1}})},
		{name: "RSA n with a leading zero octet", data: jwkWith(t, rsaKey, map[string]any{"n": jwtB64.EncodeToString(append([]byte{0}, mustB64(t, m["n"])...))})},
		{name: "alg this package does not implement", data: jwkWith(t, oct, map[string]any{"alg": "A256GCM", "use": nil})},
		{name: "use of another value", data: jwkWith(t, oct, map[string]any{"use": "x-sig"})},
		{name: "white space", data: []byte(" {\n\t\"kty\" : \"oct\" , \"k\" : \"AAAA\" }\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jwt.ParseJWK(tt.data)
			require.NoError(t, err)
		})
	}
}

func TestJWKSignerVerifierRules(t *testing.T) {
	keys := familyKeys(t)
	ed := keys["OKP"]
	edPub := ed.(ed25519.PrivateKey).Public()
	rsaPriv := keys["RSA"]
	tests := []struct {
		name     string
		jwk      jwt.JWK
		alg      jwt.Algorithm
		signer   error // nil: Signer succeeds
		verifier error // nil: Verifier succeeds
	}{
		{name: "alg from the JWK", jwk: jwt.JWK{Key: ed, Algorithm: jwt.EdDSA}},
		{name: "alg from the caller", jwk: jwt.JWK{Key: ed}, alg: jwt.EdDSA},
		{name: "same alg twice", jwk: jwt.JWK{Key: ed, Algorithm: jwt.EdDSA}, alg: jwt.EdDSA},
		{name: "no alg at all", jwk: jwt.JWK{Key: ed}, signer: jwt.ErrUnsupportedAlgorithm, verifier: jwt.ErrUnsupportedAlgorithm},
		{name: "alg differs from the JWK's", jwk: jwt.JWK{Key: rsaPriv, Algorithm: jwt.RS256}, alg: jwt.PS256, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "alg none", jwk: jwt.JWK{Key: ed}, alg: "none", signer: jwt.ErrUnsupportedAlgorithm, verifier: jwt.ErrUnsupportedAlgorithm},
		{name: "alg of another family", jwk: jwt.JWK{Key: ed}, alg: jwt.ES256, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "use enc", jwk: jwt.JWK{Key: ed, Use: "enc"}, alg: jwt.EdDSA, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "use sig", jwk: jwt.JWK{Key: ed, Use: "sig"}, alg: jwt.EdDSA},
		{name: "key_ops verify only", jwk: jwt.JWK{Key: ed, KeyOps: []string{"verify"}}, alg: jwt.EdDSA, signer: jwt.ErrKeyMismatch},
		{name: "key_ops sign only", jwk: jwt.JWK{Key: ed, KeyOps: []string{"sign"}}, alg: jwt.EdDSA, verifier: jwt.ErrKeyMismatch},
		{name: "key_ops empty", jwk: jwt.JWK{Key: ed, KeyOps: []string{}}, alg: jwt.EdDSA, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "public key cannot sign", jwk: jwt.JWK{Key: edPub}, alg: jwt.EdDSA, signer: jwt.ErrKeyMismatch},
		{name: "HMAC", jwk: jwt.JWK{Key: keys["oct"]}, alg: jwt.HS256},
		{name: "HMAC secret too short for HS512", jwk: jwt.JWK{Key: keys["oct"]}, alg: jwt.HS512, signer: jwt.ErrWeakKey, verifier: jwt.ErrWeakKey},
		{name: "RSA", jwk: jwt.JWK{Key: rsaPriv}, alg: jwt.PS384},
		{name: "EC curve of another algorithm", jwk: jwt.JWK{Key: keys["EC P256"]}, alg: jwt.ES512, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "key of no known type", jwk: jwt.JWK{Key: "secret"}, alg: jwt.HS256, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.jwk.Signer(tt.alg)
			if tt.signer != nil {
				require.ErrorIs(t, err, tt.signer)
				assert.Nil(t, s)
			} else {
				require.NoError(t, err)
			}
			v, err := tt.jwk.Verifier(tt.alg)
			if tt.verifier != nil {
				require.ErrorIs(t, err, tt.verifier)
				assert.Nil(t, v)
			} else {
				require.NoError(t, err)
			}
			if s != nil && v != nil {
				sig, err := s.Sign([]byte("input"))
				require.NoError(t, err)
				require.NoError(t, v.Verify([]byte("input"), sig))
			}
		})
	}
}

func TestJWKSignerCarriesKeyID(t *testing.T) {
	k := &jwt.JWK{Key: familyKeys(t)["OKP"], KeyID: "key-1", Algorithm: jwt.EdDSA}
	s, err := k.Signer("")
	require.NoError(t, err)
	tok, err := jwt.Sign(s, jwt.Claims{Subject: "a"})
	require.NoError(t, err)
	u, err := jwt.DecodeUnverified(tok)
	require.NoError(t, err)
	assert.Equal(t, "key-1", u.Header.KeyID)
	v, err := k.Verifier("")
	require.NoError(t, err)
	assert.Equal(t, "key-1", v.(interface{ KeyID() string }).KeyID())
}

func TestJWKRSAUnder2048BitsRefusedByConstructors(t *testing.T) {
	small := wycheproofJWKGroup(t, "keysize_too_small").Private.Keys[0]
	k := parseJWK(t, small) // parses, to be inspected
	assert.Equal(t, 1024, k.Key.(*rsa.PrivateKey).N.BitLen())
	_, err := k.Signer("")
	require.ErrorIs(t, err, jwt.ErrWeakKey)
	_, err = k.Verifier("")
	require.ErrorIs(t, err, jwt.ErrWeakKey)
}

func TestPublicJWK(t *testing.T) {
	keys := familyKeys(t)
	rsaS, err := jwt.NewRSASigner(jwt.PS256, keys["RSA"].(*rsa.PrivateKey))
	require.NoError(t, err)
	ecS, err := jwt.NewECDSASigner(jwt.ES512, keys["EC P521"].(*ecdsa.PrivateKey))
	require.NoError(t, err)
	edS, err := jwt.NewEdDSASigner(keys["OKP"].(ed25519.PrivateKey))
	require.NoError(t, err)
	tests := []struct {
		name string
		v    jwt.Verifier
		pub  crypto.PublicKey
	}{
		{name: "RSASigner", v: rsaS.WithKeyID("r"), pub: rsaS.PublicKey()},
		{name: "RSAVerifier", v: rsaS.WithKeyID("r").Public(), pub: rsaS.PublicKey()},
		{name: "ECDSASigner", v: ecS.WithKeyID("e"), pub: ecS.PublicKey()},
		{name: "ECDSAVerifier", v: ecS.WithKeyID("e").Public(), pub: ecS.PublicKey()},
		{name: "EdDSASigner", v: edS.WithKeyID("d"), pub: edS.PublicKey()},
		{name: "EdDSAVerifier", v: edS.WithKeyID("d").Public(), pub: edS.PublicKey()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := jwt.PublicJWK(tt.v)
			require.NoError(t, err)
			assert.Equal(t, tt.pub, k.Key)
			assert.Equal(t, tt.v.Algorithm(), k.Algorithm)
			assert.Equal(t, "sig", k.Use)
			assert.Equal(t, tt.v.(interface{ KeyID() string }).KeyID(), k.KeyID)
			enc, err := k.MarshalJSON()
			require.NoError(t, err)
			m := jsonMembers(t, enc)
			assert.NotContains(t, m, "d", "no private member is published")
			// What is published verifies what the key signs.
			back := parseJWK(t, enc)
			v, err := back.Verifier("")
			require.NoError(t, err)
			if s, ok := tt.v.(jwt.Signer); ok {
				sig, err := s.Sign([]byte("x"))
				require.NoError(t, err)
				require.NoError(t, v.Verify([]byte("x"), sig))
			}
		})
	}
}

func TestPublicJWKNeverPublishesHMACSecret(t *testing.T) {
	h, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32))
	require.NoError(t, err)
	k, err := jwt.PublicJWK(h)
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
	assert.Nil(t, k)
	_, err = jwt.PublicJWK(kmsVerifier{})
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
}

// kmsVerifier is a Verifier of another package's making.
type kmsVerifier struct{ kid string }

func (kmsVerifier) Algorithm() jwt.Algorithm                                        { return jwt.EdDSA }
func (kmsVerifier) Verify(_, _ []byte) error                                        { return jwt.ErrSignature }
func (k kmsVerifier) KeyID() string                                                 { return k.kid }
func (k kmsVerifier) VerifierFor(context.Context, jwt.Header) (jwt.Verifier, error) { return k, nil }

func TestParseJWKSetRefuses(t *testing.T) {
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
		{name: "too many keys", data: `{"keys":[` + strings.Repeat(oct+",", jwt.MaxJWKSetKeys) + oct + `]}`},
		{name: "too large", data: `{"keys":[` + oct + `],"x":"` + strings.Repeat("a", jwt.MaxJWKSetSize) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := jwt.ParseJWKSet([]byte(tt.data))
			require.ErrorIs(t, err, jwt.ErrInvalidKey)
			assert.Nil(t, s)
		})
	}
}

func TestParseJWKSetSkipsUnsupportedKeyTypes(t *testing.T) {
	// RFC 7517 §5: keys of a type the implementation does not understand
	// are ignored.
	ed := string(rfcKeyNamed(t, "rfc8037.json", "RFC 8037 A.2").JWK)
	data := `{"keys":[{"kty":"OKP","crv":"X25519","x":"hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo"},` +
		`{"kty":"EC","crv":"secp256k1","x":"AA","y":"AA"},{"kty":"AES","k":"AA"},` + ed + `]}`
	s, err := jwt.ParseJWKSet([]byte(data))
	require.NoError(t, err)
	require.Len(t, s.Keys, 1)
	assert.IsType(t, ed25519.PublicKey{}, s.Keys[0].Key)
}

func TestJWKSetKeySet(t *testing.T) {
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
			set, err := jwt.ParseJWKSet([]byte(`{"keys":[` + strings.Join(tt.keys, ",") + `]}`))
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

// edSigners returns EdDSA signers from fixed seeds, with the given kids.
func edSigners(t testing.TB, kids ...string) []*jwt.EdDSASigner {
	var out []*jwt.EdDSASigner
	for i, kid := range kids {
		seed := make([]byte, ed25519.SeedSize)
		seed[0] = byte(i + 1)
		s, err := jwt.NewEdDSASigner(ed25519.NewKeyFromSeed(seed))
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
	k := parseJWK(t, rfcKeyNamed(t, "rfc7517.json", "RFC 7517 A.1 RSA").JWK)
	v, err := k.Verifier("")
	require.NoError(t, err)
	ks, err := jwt.NewKeySet(v)
	require.NoError(t, err)
	pemBytes, err := jwt.MarshalPublicKeyPEM(k.Key)
	require.NoError(t, err)
	h, err := jwt.NewHMAC(jwt.HS256, pemBytes)
	require.NoError(t, err)
	tok, err := jwt.Sign(h.WithKeyID(k.KeyID), jwt.Claims{Expiry: jwt.NewNumericDate(now.Add(time.Minute))})
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

// seedJWKs returns every JWK in testdata: the RFC files' keys and the
// keys of the Wycheproof JOSE files.
func seedJWKs(t testing.TB) [][]byte {
	var out [][]byte
	for _, file := range []string{"rfc7517.json", "rfc7520.json", "rfc8037.json"} {
		for _, k := range rfcKeys(t, file) {
			out = append(out, k.JWK)
			if k.PublicJWK != nil {
				out = append(out, k.PublicJWK)
			}
		}
	}
	for _, g := range wycheproofJWKFile(t).TestGroups {
		for _, k := range append(g.Private.Keys, g.Public.Keys...) {
			out = append(out, k)
		}
	}
	for _, g := range wycheproofJWSFile(t).TestGroups {
		for _, k := range []json.RawMessage{g.Private, g.Public} {
			if k != nil {
				out = append(out, k)
			}
		}
	}
	return out
}

func FuzzParseJWK(f *testing.F) {
	for _, k := range seedJWKs(f) {
		f.Add([]byte(k))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := jwt.ParseJWK(data)
		if err != nil {
			require.Nil(t, k)
			return
		}
		enc, err := k.MarshalJSON()
		require.NoError(t, err)
		again, err := jwt.ParseJWK(enc)
		require.NoError(t, err)
		assert.Equal(t, k, again)
		a, err := k.Thumbprint()
		require.NoError(t, err)
		b, err := again.Thumbprint()
		require.NoError(t, err)
		assert.Equal(t, a, b)
	})
}

func FuzzParseJWKSet(f *testing.F) {
	var sets struct {
		Sets map[string]json.RawMessage `json:"jwk_sets"`
	}
	loadJSON(f, "testdata/rfc7517.json", &sets)
	for _, s := range sets.Sets {
		f.Add([]byte(s))
	}
	for _, g := range wycheproofJWKFile(f).TestGroups {
		f.Add(mustJSON(f, map[string]any{"keys": g.Private.Keys}))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := jwt.ParseJWKSet(data)
		if err != nil {
			return
		}
		enc, err := s.MarshalJSON()
		require.NoError(t, err)
		again, err := jwt.ParseJWKSet(enc)
		require.NoError(t, err)
		assert.Equal(t, s, again)
		_, _ = s.KeySet() // must not panic
	})
}

func BenchmarkParseJWK(b *testing.B) {
	keys := map[string][]byte{
		"RSA public":  rfcKeyNamed(b, "rfc7517.json", "RFC 7517 A.1 RSA").JWK,
		"RSA private": rfcKeyNamed(b, "rfc7517.json", "RFC 7517 A.2 RSA").JWK,
		"EC public":   rfcKeyNamed(b, "rfc7517.json", "RFC 7517 A.1 EC").JWK,
		"EC private":  rfcKeyNamed(b, "rfc7517.json", "RFC 7517 A.2 EC").JWK,
		"OKP public":  rfcKeyNamed(b, "rfc8037.json", "RFC 8037 A.2").JWK,
		"OKP private": rfcKeyNamed(b, "rfc8037.json", "RFC 8037 A.1").JWK,
		"oct":         rfcKeyNamed(b, "rfc7520.json", "RFC 7520 3.5").JWK,
	}
	for _, name := range []string{"RSA public", "RSA private", "EC public", "EC private", "OKP public", "OKP private", "oct"} {
		data := keys[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jwt.ParseJWK(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
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
