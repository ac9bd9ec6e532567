package jwt_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rfcCase is one JWS case of the RFC files in testdata (see its README).
type rfcCase struct {
	Name          string          `json:"name"`
	Alg           string          `json:"alg"`
	Key           json.RawMessage `json:"key"`
	HMACSecretHex string          `json:"hmac_secret_hex"`
	KeyPEM        struct {
		Private string `json:"private_pkcs8"`
		Public  string `json:"public_spki"`
	} `json:"key_pem"`
	SigningInput  string `json:"signing_input"`
	SignatureB64  string `json:"signature_b64"`
	Compact       string `json:"compact"`
	Deterministic bool   `json:"deterministic"`
	Expect        string `json:"expect"`
	Claims        any    `json:"claims"`
}

func loadJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, v))
}

func rfcCases(t testing.TB, file string) []rfcCase {
	var f struct {
		JWS []rfcCase `json:"jws"`
	}
	loadJSON(t, "testdata/"+file, &f)
	return f.JWS
}

// signerFor builds the signer of an RFC case from its PEM or HMAC secret.
func signerFor(t testing.TB, c rfcCase) jwt.Signer {
	t.Helper()
	alg := jwt.Algorithm(c.Alg)
	if strings.HasPrefix(c.Alg, "HS") {
		secret, err := hex.DecodeString(c.HMACSecretHex)
		require.NoError(t, err)
		k, err := jwt.NewHMAC(alg, secret)
		require.NoError(t, err)
		return k
	}
	priv, err := jwt.ParsePrivateKeyPEM([]byte(c.KeyPEM.Private))
	require.NoError(t, err)
	s, err := jwt.NewSigner(alg, priv)
	require.NoError(t, err)
	return s
}

// at returns a clock stopped at t.
func at(t time.Time) func() time.Time { return func() time.Time { return t } }

func TestRFC7515(t *testing.T) {
	for _, c := range rfcCases(t, "rfc7515.json") {
		t.Run(c.Name, func(t *testing.T) {
			if c.Expect == "unsecured" {
				k, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32))
				require.NoError(t, err)
				err = jwt.Expect{Now: at(time.Unix(1300819300, 0))}.Verify(c.Compact, k, nil)
				require.ErrorIs(t, err, jwt.ErrMalformed, "an unsecured token has an empty signature part")
				return
			}
			s := signerFor(t, c)
			v := s.(jwt.Verifier)
			d1 := strings.LastIndexByte(c.Compact, '.')
			sig, err := b64(c.Compact[d1+1:])
			require.NoError(t, err)
			require.NoError(t, v.Verify([]byte(c.SigningInput), sig))

			fresh, err := s.Sign([]byte(c.SigningInput))
			require.NoError(t, err)
			require.NoError(t, v.Verify([]byte(c.SigningInput), fresh))
			if c.Deterministic {
				assert.Equal(t, sig, fresh, "re-signing gives the RFC's bytes")
			}
			if c.Claims != nil {
				var got map[string]any
				err := jwt.Expect{Now: at(time.Unix(1300819300, 0))}.Verify(c.Compact, s.(jwt.Keys), &got)
				require.NoError(t, err)
				assert.Equal(t, c.Claims, got)
				err = jwt.Verify(c.Compact, s.(jwt.Keys), &got)
				require.ErrorIs(t, err, jwt.ErrExpired)
				assert.Nil(t, got, "claims of a refused token are not returned")
			}
		})
	}
}

func TestRoundTripEveryAlgorithm(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for _, s := range testSigners(t) {
		t.Run(string(s.Algorithm()), func(t *testing.T) {
			in := jwt.Claims{Issuer: "auth", Subject: "42", Audience: jwt.Audience{"api"}, Expiry: jwt.NewNumericDate(now.Add(time.Minute)), ID: "x"}
			tok, err := jwt.Sign(s, in)
			require.NoError(t, err)
			var out jwt.Claims
			require.NoError(t, jwt.Expect{Now: at(now), Audience: jwt.Audience{"api"}, Issuer: "auth"}.Verify(tok, s.(jwt.Keys), &out))
			assert.Equal(t, in, out)
		})
	}
}

// testSigners returns one signer per algorithm, from fixed keys.
func testSigners(t testing.TB) []jwt.Signer {
	t.Helper()
	var out []jwt.Signer
	rsaKey := rsaTestKey(t)
	for _, alg := range jwt.Algorithms() {
		var s jwt.Signer
		var err error
		switch alg[0] {
		case 'H':
			s, err = jwt.NewHMAC(alg, []byte(strings.Repeat("k", 64)))
		case 'R', 'P':
			s, err = jwt.NewRSASigner(alg, rsaKey)
		case 'E':
			if alg == jwt.EdDSA || alg == jwt.Ed25519 {
				s, err = jwt.NewEdDSASigner(alg, ed25519.NewKeyFromSeed(make([]byte, 32)))
				break
			}
			curve := map[jwt.Algorithm]elliptic.Curve{jwt.ES256: elliptic.P256(), jwt.ES384: elliptic.P384(), jwt.ES512: elliptic.P521()}[alg]
			var k *ecdsa.PrivateKey
			k, err = ecdsa.GenerateKey(curve, rand.Reader)
			require.NoError(t, err)
			s, err = jwt.NewECDSASigner(alg, k)
		}
		require.NoError(t, err)
		out = append(out, s)
	}
	return out
}

func rsaTestKey(t testing.TB) *rsa.PrivateKey {
	c := rfcCases(t, "rfc7515.json")[1]
	k, err := jwt.ParsePrivateKeyPEM([]byte(c.KeyPEM.Private))
	require.NoError(t, err)
	return k.(*rsa.PrivateKey)
}

var jwtB64 = base64.RawURLEncoding

func b64(s string) ([]byte, error) {
	return jwtB64.DecodeString(s)
}

func TestSignRawKeepsPayloadBytes(t *testing.T) {
	k, err := jwt.NewHMAC(jwt.HS256, []byte(strings.Repeat("k", 32)))
	require.NoError(t, err)
	tests := []struct {
		name    string
		payload string
	}{
		{name: "huge exponent", payload: `{"n":1e400}`},
		{name: "integer beyond int64", payload: `{"n":12345678901234567890}`},
		{name: "html characters stay unescaped", payload: `{"s":"<a&b>"}`},
		{name: "member order kept", payload: `{"z":1,"a":2,"m":3}`},
		{name: "nested values and null", payload: `{"o":{"a":[null,true,{"b":-0.5}]},"n":null}`},
		{name: "white space kept", payload: "{ \"a\" : 1 }"},
		{name: "empty object", payload: `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := jwt.SignRaw(k, jwt.Header{}, []byte(tt.payload))
			require.NoError(t, err)
			parts := strings.Split(tok, ".")
			require.Len(t, parts, 3)
			got, err := b64(parts[1])
			require.NoError(t, err)
			assert.Equal(t, tt.payload, string(got))
			var raw json.RawMessage
			require.NoError(t, jwt.Expect{AllowMissingExpiry: true}.Verify(tok, k, &raw))
			assert.Equal(t, tt.payload, string(raw))
		})
	}
}

func TestSignRawRefusesWhatVerifyRefuses(t *testing.T) {
	k, err := jwt.NewHMAC(jwt.HS256, []byte(strings.Repeat("k", 32)))
	require.NoError(t, err)
	tests := []struct {
		name    string
		payload string
	}{
		{name: "empty", payload: ``},
		{name: "array", payload: `[1]`},
		{name: "string", payload: `"a"`},
		{name: "duplicate member", payload: `{"a":1,"a":2}`},
		{name: "duplicate after unescaping", payload: `{"a":1,"\u0061":2}`},
		{name: "nested duplicate", payload: `{"o":{"b":1,"b":2}}`},
		{name: "invalid UTF-8", payload: "{\"a\":\"\xff\"}"},
		{name: "trailing data", payload: `{} {}`},
		{name: "unterminated", payload: `{"a":1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := jwt.SignRaw(k, jwt.Header{}, []byte(tt.payload))
			require.ErrorIs(t, err, jwt.ErrMalformed)
			assert.Empty(t, tok)
		})
	}
}

func TestSignRawHeader(t *testing.T) {
	k, err := jwt.NewHMAC(jwt.HS256, []byte(strings.Repeat("k", 32)))
	require.NoError(t, err)
	tests := []struct {
		name    string
		header  jwt.Header
		want    string
		wantErr error
	}{
		{name: "key's own header", header: jwt.Header{}, want: `{"alg":"HS256","typ":"JWT"}`},
		{name: "kid and typ", header: jwt.Header{KeyID: "k1", Type: "at+jwt"}, want: `{"alg":"HS256","kid":"k1","typ":"at+jwt"}`},
		{name: "other algorithm refused", header: jwt.Header{Algorithm: jwt.HS512}, wantErr: jwt.ErrAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := jwt.SignRaw(k, tt.header, []byte(`{}`))
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			got, err := b64(strings.Split(tok, ".")[0])
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(got))
		})
	}
}

// scribbler is a Verifier of the caller's that writes over the bytes it is
// given once it has checked them, as a careless KMS client might.
type scribbler struct{ jwt.Verifier }

func (s scribbler) Verify(signingInput, signature []byte) error {
	err := s.Verifier.Verify(signingInput, signature)
	for i := range signingInput {
		signingInput[i] = '!'
	}
	clear(signature)
	return err
}

// The keys of this package read the signing input where it lies, in the
// token's own string. A Verifier of the caller's must get a copy: one that
// writes to what it is given would otherwise change a Go string, which
// every other holder of it takes to be immutable.
func TestVerifierOfTheCallerCannotChangeTheToken(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	e := jwt.Expect{Now: at(now)}
	for _, s := range testSigners(t) {
		t.Run(string(s.Algorithm()), func(t *testing.T) {
			tok, err := jwt.Sign(s, jwt.Claims{Subject: "42", Expiry: jwt.NewNumericDate(now.Add(time.Minute))})
			require.NoError(t, err)
			want := strings.Clone(tok)
			keys := jwt.SingleKey(scribbler{s.(jwt.Verifier)})
			var c jwt.Claims
			require.NoError(t, e.Verify(tok, keys, &c))
			require.Equal(t, want, tok)
			require.Equal(t, "42", c.Subject)
			require.NoError(t, e.Verify(tok, keys, nil))
		})
	}
}

// Verify reads the signing input where it lies: what it allocates does
// not grow with the header. The keys have a key ID of 4,000 characters,
// so that their tokens' headers are each over 5,000 bytes long and
// Verify's fast header comparison still takes them.
func TestVerifyDoesNotCopyTheSigningInput(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	kid := strings.Repeat("k", 4000)
	hmacKey, err := jwt.NewHMAC(jwt.HS256, []byte(strings.Repeat("k", 32)))
	require.NoError(t, err)
	edKey, err := jwt.NewEdDSASigner(jwt.EdDSA, ed25519.NewKeyFromSeed(make([]byte, 32)))
	require.NoError(t, err)
	rsaKey, err := jwt.NewRSASigner(jwt.RS256, rsaTestKey(t))
	require.NoError(t, err)
	for _, s := range []jwt.Signer{hmacKey.WithKeyID(kid), edKey.WithKeyID(kid), rsaKey.WithKeyID(kid)} {
		t.Run(string(s.Algorithm()), func(t *testing.T) {
			tok, err := jwt.Sign(s, jwt.Claims{Subject: "42", Expiry: jwt.NewNumericDate(now.Add(time.Minute))})
			require.NoError(t, err)
			header := strings.IndexByte(tok, '.')
			require.Greater(t, header, 5000)
			e := jwt.Expect{Now: at(now), MaxLength: 16 << 10}
			keys := s.(jwt.Keys)
			var c jwt.Claims
			require.NoError(t, e.Verify(tok, keys, &c))
			const runs = 100
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for range runs {
				_ = e.Verify(tok, keys, &c)
			}
			runtime.ReadMemStats(&after)
			perVerify := (after.TotalAlloc - before.TotalAlloc) / runs
			assert.Less(t, perVerify, uint64(header/2), "bytes allocated per Verify")
		})
	}
}

// TestEd25519AlgorithmName checks RFC 9864's name for Ed25519 signatures:
// a key made for Ed25519 signs tokens whose alg is Ed25519 and verifies
// them; one made for EdDSA, the same signature under its older name,
// refuses them, since the key fixes the name it accepts.
func TestEd25519AlgorithmName(t *testing.T) {
	seed := ed25519.NewKeyFromSeed(make([]byte, 32))
	s, err := jwt.NewEdDSASigner(jwt.Ed25519, seed)
	require.NoError(t, err)
	exp := jwt.NewNumericDate(time.Now().Add(time.Minute))
	tok, err := jwt.Sign(s, jwt.Claims{Expiry: exp})
	require.NoError(t, err)
	u, err := jwt.DecodeUnverified(tok)
	require.NoError(t, err)
	assert.Equal(t, jwt.Ed25519, u.Header.Algorithm)

	v, err := jwt.NewEdDSAVerifier(jwt.Ed25519, seed.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	require.NoError(t, jwt.Verify(tok, v, nil))
	old, err := jwt.NewEdDSAVerifier(jwt.EdDSA, seed.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	require.ErrorIs(t, jwt.Verify(tok, old, nil), jwt.ErrAlgorithm)

	_, err = jwt.NewEdDSASigner(jwt.ES256, seed)
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
	_, err = jwt.NewEdDSAVerifier(jwt.RS256, seed.Public().(ed25519.PublicKey))
	require.ErrorIs(t, err, jwt.ErrKeyMismatch)
	viaNewSigner, err := jwt.NewSigner(jwt.Ed25519, seed)
	require.NoError(t, err)
	assert.Equal(t, jwt.Ed25519, viaNewSigner.Algorithm())
}
