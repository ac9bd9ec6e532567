package jwk_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/base64url"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// loadJSON decodes a fixture. The fixtures are the root package's testdata
// (see its README): the RFC files and the Wycheproof vectors.
func loadJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v))
}

// rfcCase is one JWS case of the RFC files in testdata.
type rfcCase struct {
	Name   string          `json:"name"`
	Alg    string          `json:"alg"`
	Key    json.RawMessage `json:"key"`
	KeyPEM struct {
		Private string `json:"private_pkcs8"`
	} `json:"key_pem"`
	SigningInput  string `json:"signing_input"`
	SignatureB64  string `json:"signature_b64"`
	Compact       string `json:"compact"`
	Deterministic bool   `json:"deterministic"`
}

func rfcCases(t testing.TB, file string) []rfcCase {
	var f struct {
		JWS []rfcCase `json:"jws"`
	}
	loadJSON(t, "../testdata/"+file, &f)
	return f.JWS
}

// rsaTestKey returns the RSA key of RFC 7515 A.2.
func rsaTestKey(t testing.TB) *rsa.PrivateKey {
	c := rfcCases(t, "rfc7515.json")[1]
	k, err := jwt.ParsePrivateKeyPEM([]byte(c.KeyPEM.Private))
	require.NoError(t, err)
	return k.(*rsa.PrivateKey)
}

// at returns a clock stopped at t.
func at(t time.Time) func() time.Time { return func() time.Time { return t } }

var jwtB64 = base64.RawURLEncoding

func b64(s string) ([]byte, error) {
	return jwtB64.DecodeString(s)
}

// verifyJWS checks a compact JWS up to and including its signature and
// returns its payload: what jwt.Verify checks before it reads the payload,
// for the RFC and Wycheproof vectors whose payload is not JWT claims (text,
// or empty as RFC 7515 allows), which jwt.Verify would refuse after the
// signature. It is made of the jwt package's exported API: DecodeUnverified
// reads the header strictly, keys choose the verifier, whose algorithm
// must be the header's, and the verifier checks the signature.
// joseOutcome holds jwt.Verify to the same decisions.
func verifyJWS(token string, keys jwt.Keys) ([]byte, error) {
	if len(token) > jwt.DefaultMaxLength {
		return nil, jwt.ErrTooLarge
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" {
		return nil, jwt.ErrMalformed
	}
	for _, p := range parts {
		if !base64url.Valid(p) {
			return nil, jwt.ErrMalformed
		}
	}
	// DecodeUnverified needs a payload; only the header counts here.
	u, err := jwt.DecodeUnverified(parts[0] + ".e30." + parts[2])
	if err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(u.RawHeader, &members); err != nil {
		return nil, jwt.ErrMalformed
	}
	if _, ok := members["crit"]; ok {
		return nil, jwt.ErrCritical
	}
	v, err := keys.VerifierFor(context.Background(), u.Header)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, jwt.ErrUnknownKey
	}
	if v.Algorithm() != u.Header.Algorithm {
		return nil, jwt.ErrAlgorithm
	}
	strict := base64.RawURLEncoding.Strict()
	sig, err := strict.DecodeString(parts[2])
	if err != nil {
		return nil, jwt.ErrMalformed
	}
	if err := v.Verify([]byte(token[:len(parts[0])+1+len(parts[1])]), sig); err != nil {
		return nil, err
	}
	payload, err := strict.DecodeString(parts[1])
	if err != nil {
		return nil, jwt.ErrMalformed
	}
	return payload, nil
}

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
	loadJSON(t, "../testdata/"+file, &f)
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

// publicOf returns the public half of a key ParseKey returns.
func publicOf(t testing.TB, key any) crypto.PublicKey {
	t.Helper()
	if s, ok := key.(crypto.Signer); ok {
		return s.Public()
	}
	return key
}

func parseKey(t testing.TB, data []byte) *jwk.Key {
	t.Helper()
	k, err := jwk.ParseKey(data)
	require.NoError(t, err)
	return k
}

func TestParseKeyRFCKeys(t *testing.T) {
	for _, file := range []string{"rfc7517.json", "rfc7520.json", "rfc8037.json"} {
		for _, c := range rfcKeys(t, file) {
			t.Run(c.Name, func(t *testing.T) {
				k := parseKey(t, c.JWK)
				var want map[string]any
				require.NoError(t, json.Unmarshal(c.JWK, &want))
				assert.Equal(t, want["kid"], nilIfEmpty(k.KeyID))
				assert.Equal(t, want["use"], nilIfEmpty(k.Use))
				assert.Equal(t, want["alg"], nilIfEmpty(string(k.Algorithm)))
				if c.PublicJWK != nil {
					pub := parseKey(t, c.PublicJWK)
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

func TestParseKeyRFC7517X5C(t *testing.T) {
	c := rfcKeyNamed(t, "rfc7517.json", "RFC 7517 B")
	k := parseKey(t, c.JWK)
	require.Len(t, k.Certificates, 1)
	certKey, err := jwt.ParsePublicKeyPEM([]byte(c.X5CCertPEM))
	require.NoError(t, err)
	assert.True(t, k.Key.(*rsa.PublicKey).Equal(certKey))
	assert.True(t, k.Key.(*rsa.PublicKey).Equal(k.Certificates[0].PublicKey))

	enc, err := k.MarshalJSON()
	require.NoError(t, err)
	again := parseKey(t, enc)
	require.Len(t, again.Certificates, 1)
	assert.Equal(t, k.Certificates[0].Raw, again.Certificates[0].Raw, "x5c survives a round trip")

	// The same certificate beside another key is refused.
	other := rfcKeyNamed(t, "rfc7517.json", "RFC 7517 A.1 RSA")
	var m map[string]any
	require.NoError(t, json.Unmarshal(other.JWK, &m))
	var b map[string]any
	require.NoError(t, json.Unmarshal(c.JWK, &b))
	m["x5c"] = b["x5c"]
	_, err = jwk.ParseKey(mustJSON(t, m))
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}

// thumbprintCase is one entry of the thumbprints arrays.
type thumbprintCase struct {
	Name       string          `json:"name"`
	Source     string          `json:"source"`
	JWK        json.RawMessage `json:"jwk"`
	Canonical  string          `json:"canonical_json"`
	Thumbprint string          `json:"thumbprint_sha256"`
}

func TestKeyThumbprint(t *testing.T) {
	for _, file := range []string{"rfc7638.json", "rfc8037.json"} {
		var f struct {
			Thumbprints []thumbprintCase `json:"thumbprints"`
		}
		loadJSON(t, "../testdata/"+file, &f)
		require.NotEmpty(t, f.Thumbprints)
		for _, c := range f.Thumbprints {
			t.Run(file+"/"+c.Name, func(t *testing.T) {
				k := parseKey(t, c.JWK)
				tp, err := k.Thumbprint()
				require.NoError(t, err)
				assert.Equal(t, c.Thumbprint, tp)

				// The canonical JSON (required members only) has the
				// same thumbprint as the JWK with its other members.
				bare := parseKey(t, []byte(c.Canonical))
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

func TestKeyThumbprintPrivateEqualsPublic(t *testing.T) {
	for _, c := range append(rfcKeys(t, "rfc7517.json"), rfcKeys(t, "rfc8037.json")...) {
		if c.PublicJWK == nil {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			a, err := parseKey(t, c.JWK).Thumbprint()
			require.NoError(t, err)
			b, err := parseKey(t, c.PublicJWK).Thumbprint()
			require.NoError(t, err)
			assert.Equal(t, b, a)
		})
	}
}

func TestRFC8037EdDSAJWK(t *testing.T) {
	c := rfcCases(t, "rfc8037.json")[0]
	priv := parseKey(t, c.Key)
	pub := parseKey(t, rfcKeyNamed(t, "rfc8037.json", "RFC 8037 A.2").JWK)
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
	payload, err := verifyJWS(c.Compact, ks)
	require.NoError(t, err)
	assert.Equal(t, "Example of Ed25519 signing", string(payload))
	_, err = verifyJWS(c.Compact[:len(c.Compact)-2]+"AA", ks)
	require.ErrorIs(t, err, jwt.ErrSignature)
}

func TestRFC7520JWK(t *testing.T) {
	for _, c := range rfcCases(t, "rfc7520.json") {
		t.Run(c.Name, func(t *testing.T) {
			k := parseKey(t, c.Key)
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
			_, err = verifyJWS(c.Compact, ks)
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
	get := func(file, prefix string) any { return parseKey(t, rfcKeyNamed(t, file, prefix).JWK).Key }
	return map[string]any{
		"RSA":     get("rfc7517.json", "RFC 7517 A.2 RSA"),
		"EC P256": get("rfc7517.json", "RFC 7517 A.2 EC"),
		"EC P521": get("rfc7520.json", "RFC 7520 3.2"),
		"OKP":     get("rfc8037.json", "RFC 8037 A.1"),
		"oct":     get("rfc7520.json", "RFC 7520 3.5"),
	}
}

func TestKeyRoundTrip(t *testing.T) {
	for name, key := range familyKeys(t) {
		keys := map[string]any{"private": key}
		if s, ok := key.(crypto.Signer); ok {
			keys["public"] = s.Public()
		}
		for half, key := range keys {
			t.Run(name+"/"+half, func(t *testing.T) {
				in := &jwk.Key{Key: key, KeyID: "k1", Use: "sig", KeyOps: []string{"verify"}, Algorithm: "X1"}
				enc, err := in.MarshalJSON()
				require.NoError(t, err)
				out := parseKey(t, enc)
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

func TestKeyMarshalOrder(t *testing.T) {
	k := parseKey(t, rfcKeyNamed(t, "rfc8037.json", "RFC 8037 A.1").JWK)
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

func TestKeyMarshalRefuses(t *testing.T) {
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
			_, err := (&jwk.Key{Key: tt.key}).MarshalJSON()
			require.ErrorIs(t, err, jwt.ErrInvalidKey)
			_, err = (&jwk.Key{Key: tt.key}).Thumbprint()
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

func TestParseKeyRefuses(t *testing.T) {
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
		{name: "too large", data: jwkWith(t, oct, map[string]any{"x-pad": strings.Repeat("a", jwk.MaxKeySize)}), want: jwt.ErrInvalidKey},
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
			k, err := jwk.ParseKey(tt.data)
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

func TestParseKeyAccepts(t *testing.T) {
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
		{name: "alg the jwt package does not implement", data: jwkWith(t, oct, map[string]any{"alg": "A256GCM", "use": nil})},
		{name: "use of another value", data: jwkWith(t, oct, map[string]any{"use": "x-sig"})},
		{name: "white space", data: []byte(" {\n\t\"kty\" : \"oct\" , \"k\" : \"AAAA\" }\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := jwk.ParseKey(tt.data)
			require.NoError(t, err)
		})
	}
}

func TestKeySignerVerifierRules(t *testing.T) {
	keys := familyKeys(t)
	ed := keys["OKP"]
	edPub := ed.(ed25519.PrivateKey).Public()
	rsaPriv := keys["RSA"]
	tests := []struct {
		name     string
		key      jwk.Key
		alg      jwt.Algorithm
		signer   error // nil: Signer succeeds
		verifier error // nil: Verifier succeeds
	}{
		{name: "alg from the JWK", key: jwk.Key{Key: ed, Algorithm: jwt.EdDSA}},
		{name: "alg from the caller", key: jwk.Key{Key: ed}, alg: jwt.EdDSA},
		{name: "same alg twice", key: jwk.Key{Key: ed, Algorithm: jwt.EdDSA}, alg: jwt.EdDSA},
		{name: "no alg at all", key: jwk.Key{Key: ed}, signer: jwt.ErrUnsupportedAlgorithm, verifier: jwt.ErrUnsupportedAlgorithm},
		{name: "alg differs from the JWK's", key: jwk.Key{Key: rsaPriv, Algorithm: jwt.RS256}, alg: jwt.PS256, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "alg none", key: jwk.Key{Key: ed}, alg: "none", signer: jwt.ErrUnsupportedAlgorithm, verifier: jwt.ErrUnsupportedAlgorithm},
		{name: "alg of another family", key: jwk.Key{Key: ed}, alg: jwt.ES256, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "use enc", key: jwk.Key{Key: ed, Use: "enc"}, alg: jwt.EdDSA, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "use sig", key: jwk.Key{Key: ed, Use: "sig"}, alg: jwt.EdDSA},
		{name: "key_ops verify only", key: jwk.Key{Key: ed, KeyOps: []string{"verify"}}, alg: jwt.EdDSA, signer: jwt.ErrKeyMismatch},
		{name: "key_ops sign only", key: jwk.Key{Key: ed, KeyOps: []string{"sign"}}, alg: jwt.EdDSA, verifier: jwt.ErrKeyMismatch},
		{name: "key_ops empty", key: jwk.Key{Key: ed, KeyOps: []string{}}, alg: jwt.EdDSA, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "public key cannot sign", key: jwk.Key{Key: edPub}, alg: jwt.EdDSA, signer: jwt.ErrKeyMismatch},
		{name: "HMAC", key: jwk.Key{Key: keys["oct"]}, alg: jwt.HS256},
		{name: "HMAC secret too short for HS512", key: jwk.Key{Key: keys["oct"]}, alg: jwt.HS512, signer: jwt.ErrWeakKey, verifier: jwt.ErrWeakKey},
		{name: "RSA", key: jwk.Key{Key: rsaPriv}, alg: jwt.PS384},
		{name: "EC curve of another algorithm", key: jwk.Key{Key: keys["EC P256"]}, alg: jwt.ES512, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
		{name: "key of no known type", key: jwk.Key{Key: "secret"}, alg: jwt.HS256, signer: jwt.ErrKeyMismatch, verifier: jwt.ErrKeyMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.key.Signer(tt.alg)
			if tt.signer != nil {
				require.ErrorIs(t, err, tt.signer)
				assert.Nil(t, s)
			} else {
				require.NoError(t, err)
			}
			v, err := tt.key.Verifier(tt.alg)
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

func TestKeySignerCarriesKeyID(t *testing.T) {
	k := &jwk.Key{Key: familyKeys(t)["OKP"], KeyID: "key-1", Algorithm: jwt.EdDSA}
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

func TestKeyRSAUnder2048BitsRefusedByConstructors(t *testing.T) {
	small := wycheproofJWKGroup(t, "keysize_too_small").Private.Keys[0]
	k := parseKey(t, small) // parses, to be inspected
	assert.Equal(t, 1024, k.Key.(*rsa.PrivateKey).N.BitLen())
	_, err := k.Signer("")
	require.ErrorIs(t, err, jwt.ErrWeakKey)
	_, err = k.Verifier("")
	require.ErrorIs(t, err, jwt.ErrWeakKey)
}

func TestPublic(t *testing.T) {
	keys := familyKeys(t)
	rsaS, err := jwt.NewRSASigner(jwt.PS256, keys["RSA"].(*rsa.PrivateKey))
	require.NoError(t, err)
	ecS, err := jwt.NewECDSASigner(jwt.ES512, keys["EC P521"].(*ecdsa.PrivateKey))
	require.NoError(t, err)
	edS, err := jwt.NewEdDSASigner(jwt.EdDSA, keys["OKP"].(ed25519.PrivateKey))
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
			k, err := jwk.Public(tt.v)
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
			back := parseKey(t, enc)
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

func TestPublicNeverPublishesHMACSecret(t *testing.T) {
	h, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32))
	require.NoError(t, err)
	k, err := jwk.Public(h)
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
	assert.Nil(t, k)
	_, err = jwk.Public(kmsVerifier{})
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
}

// kmsVerifier is a Verifier of another package's making.
type kmsVerifier struct{ kid string }

func (kmsVerifier) Algorithm() jwt.Algorithm { return jwt.EdDSA }
func (kmsVerifier) Verify(_, _ []byte) error { return jwt.ErrSignature }

func (k kmsVerifier) KeyID() string { return k.kid }

func (k kmsVerifier) VerifierFor(context.Context, jwt.Header) (jwt.Verifier, error) { return k, nil }

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

func FuzzParseKey(f *testing.F) {
	for _, k := range seedJWKs(f) {
		f.Add([]byte(k))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := jwk.ParseKey(data)
		if err != nil {
			require.Nil(t, k)
			return
		}
		enc, err := k.MarshalJSON()
		require.NoError(t, err)
		again, err := jwk.ParseKey(enc)
		require.NoError(t, err)
		assert.Equal(t, k, again)
		a, err := k.Thumbprint()
		require.NoError(t, err)
		b, err := again.Thumbprint()
		require.NoError(t, err)
		assert.Equal(t, a, b)
	})
}

func BenchmarkParseKey(b *testing.B) {
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
				if _, err := jwk.ParseKey(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
