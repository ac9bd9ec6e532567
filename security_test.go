package jwt_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	_ "crypto/sha512" // for crypto.SHA384 and crypto.SHA512
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secNow is the clock of these tests, and secExp an exp one hour later.
var (
	secNow = time.Unix(1_700_000_000, 0)
	secExp = secNow.Unix() + 3600
)

// secPolicy verifies at secNow.
var secPolicy = jwt.Expect{Now: func() time.Time { return secNow }}

// enc is base64url without padding, as JWS encodes every part.
func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// hs256Header is the header an HS256 key of this package writes.
const hs256Header = `{"alg":"HS256","typ":"JWT"}`

// signRaw builds a token from a header and a payload given as JSON text,
// exactly as written, and signs it with s: what an attacker holding s (or
// a signer with another encoder) could send. An empty header means
// hs256Header, for the tables whose cases change only the payload.
func signRaw(t testing.TB, s jwt.Signer, header, payload string) string {
	t.Helper()
	if header == "" {
		header = hs256Header
	}
	input := enc(header) + "." + enc(payload)
	sig, err := s.Sign([]byte(input))
	require.NoError(t, err)
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// hs256 returns a fixed HS256 key.
func hs256(t testing.TB) *jwt.HMAC {
	t.Helper()
	k, err := jwt.NewHMAC(jwt.HS256, []byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	return k
}

// validPayload is a claims set that passes secPolicy.
func validPayload() string { return fmt.Sprintf(`{"sub":"42","exp":%d}`, secExp) }

// rfcSigner returns the signer of the first case of file with alg.
func rfcSigner(t testing.TB, file, alg string) jwt.Signer {
	t.Helper()
	for _, c := range rfcCases(t, file) {
		if c.Alg == alg {
			return signerFor(t, c)
		}
	}
	t.Fatalf("no %s case in %s", alg, file)
	return nil
}

func TestAttackAlgNone(t *testing.T) {
	for _, s := range testSigners(t) {
		for _, alg := range []string{"none", "None", "NONE", "nOnE", ""} {
			header := fmt.Sprintf(`{"alg":%q,"typ":"JWT"}`, alg)
			input := enc(header) + "." + enc(validPayload())
			for _, tc := range []struct {
				name  string
				token string
				want  error
			}{
				{name: "empty signature", token: input + ".", want: jwt.ErrMalformed},
				{name: "no signature part", token: input, want: jwt.ErrMalformed},
				{name: "garbage signature", token: input + ".c2lnbmF0dXJl", want: jwt.ErrAlgorithm},
				{name: "the key's own signature", token: input + "." + sigOf(t, s, input), want: jwt.ErrAlgorithm},
			} {
				t.Run(fmt.Sprintf("%s/%q/%s", s.Algorithm(), alg, tc.name), func(t *testing.T) {
					var got jwt.Claims
					require.ErrorIs(t, secPolicy.Verify(tc.token, s.(jwt.Keys), &got), tc.want)
					assert.Zero(t, got)
				})
			}
		}
	}
}

func sigOf(t testing.TB, s jwt.Signer, input string) string {
	t.Helper()
	sig, err := s.Sign([]byte(input))
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(sig)
}

// TestAttackAlgorithmSubstitution gives every key a token whose header
// names each of the twelve other algorithms, signed by the key itself so
// that only the alg check can stop it.
func TestAttackAlgorithmSubstitution(t *testing.T) {
	for _, s := range testSigners(t) {
		for _, alg := range jwt.Algorithms() {
			if alg == s.Algorithm() {
				continue
			}
			t.Run(fmt.Sprintf("%s key, %s token", s.Algorithm(), alg), func(t *testing.T) {
				tok := signRaw(t, s, fmt.Sprintf(`{"alg":%q,"typ":"JWT"}`, alg), validPayload())
				require.ErrorIs(t, secPolicy.Verify(tok, s.(jwt.Keys), nil), jwt.ErrAlgorithm)
			})
		}
	}
}

func TestAttackAlgorithmConfusionRSAPublicKeyAsHMACSecret(t *testing.T) {
	c := rfcCases(t, "rfc7515.json")[1]
	require.Equal(t, "RS256", c.Alg)
	rsaKey := verifierFromPEM(t, c)
	block, _ := pem.Decode([]byte(c.KeyPEM.Public))
	require.NotNil(t, block)
	for _, tc := range []struct {
		name   string
		secret []byte
	}{
		{name: "PEM", secret: []byte(c.KeyPEM.Public)},
		{name: "DER", secret: block.Bytes},
	} {
		for _, alg := range []jwt.Algorithm{jwt.HS256, jwt.HS384, jwt.HS512} {
			t.Run(tc.name+"/"+string(alg), func(t *testing.T) {
				forger, err := jwt.NewHMAC(alg, tc.secret)
				require.NoError(t, err)
				tok, err := jwt.Sign(forger, jwt.Claims{Subject: "admin", Expiry: jwt.NumericDate(secExp)})
				require.NoError(t, err)
				var got jwt.Claims
				require.ErrorIs(t, secPolicy.Verify(tok, jwt.SingleKey(rsaKey), &got), jwt.ErrAlgorithm)
				assert.Zero(t, got)
			})
		}
	}
}

func TestAttackAlgorithmConfusionECPublicKeyAsHMACSecret(t *testing.T) {
	c := rfcCases(t, "rfc7515.json")[2]
	require.Equal(t, "ES256", c.Alg)
	ecKey := verifierFromPEM(t, c)
	pub, err := jwt.ParsePublicKeyPEM([]byte(c.KeyPEM.Public))
	require.NoError(t, err)
	block, _ := pem.Decode([]byte(c.KeyPEM.Public))
	require.NotNil(t, block)
	point, err := pub.(*ecdsa.PublicKey).Bytes()
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		secret []byte
	}{
		{name: "PEM", secret: []byte(c.KeyPEM.Public)},
		{name: "DER", secret: block.Bytes},
		{name: "uncompressed point", secret: point},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forger, err := jwt.NewHMAC(jwt.HS256, tc.secret)
			require.NoError(t, err)
			tok, err := jwt.Sign(forger, jwt.Claims{Subject: "admin", Expiry: jwt.NumericDate(secExp)})
			require.NoError(t, err)
			require.ErrorIs(t, secPolicy.Verify(tok, jwt.SingleKey(ecKey), nil), jwt.ErrAlgorithm)
		})
	}
}

// TestAttackPsychicSignatureECDSAZero stops CVE-2022-21449: a signature
// with r and s zero (or equal to the group order, zero modulo n) that a
// broken verifier accepts for any message and any key.
func TestAttackPsychicSignatureECDSAZero(t *testing.T) {
	for _, s := range testSigners(t) {
		alg := s.Algorithm()
		if alg != jwt.ES256 && alg != jwt.ES384 && alg != jwt.ES512 {
			continue
		}
		pub := s.(*jwt.ECDSASigner).PublicKey()
		size := (pub.Curve.Params().BitSize + 7) / 8
		n := pub.Curve.Params().N
		for _, tc := range []struct {
			name string
			r, s *big.Int
		}{
			{name: "r=s=0", r: big.NewInt(0), s: big.NewInt(0)},
			{name: "r=s=n", r: n, s: n},
			{name: "r=0 s=1", r: big.NewInt(0), s: big.NewInt(1)},
			{name: "r=n s=n", r: n, s: new(big.Int).Set(n)},
		} {
			t.Run(string(alg)+"/"+tc.name, func(t *testing.T) {
				sig := make([]byte, 2*size)
				tc.r.FillBytes(sig[:size])
				tc.s.FillBytes(sig[size:])
				input := enc(fmt.Sprintf(`{"alg":%q,"typ":"JWT"}`, alg)) + "." + enc(validPayload())
				require.ErrorIs(t, s.(jwt.Verifier).Verify([]byte(input), sig), jwt.ErrSignature)
				tok := input + "." + base64.RawURLEncoding.EncodeToString(sig)
				require.ErrorIs(t, secPolicy.Verify(tok, s.(jwt.Keys), nil), jwt.ErrSignature)
			})
		}
	}
}

// TestAttackDERSignatureForES256 refuses an ASN.1 DER signature where JWS
// requires raw r‖s: accepting both forms gives one signature two
// encodings.
func TestAttackDERSignatureForES256(t *testing.T) {
	s := rfcSigner(t, "rfc7515.json", "ES256").(*jwt.ECDSASigner)
	input := enc(`{"alg":"ES256","typ":"JWT"}`) + "." + enc(validPayload())
	digest := sha256.Sum256([]byte(input))
	der, err := ecdsa.SignASN1(rand.Reader, s.PrivateKey(), digest[:])
	require.NoError(t, err)
	require.True(t, ecdsa.VerifyASN1(&s.PrivateKey().PublicKey, digest[:], der), "the DER signature is genuine")
	require.ErrorIs(t, s.Verify([]byte(input), der), jwt.ErrSignature)
	require.ErrorIs(t, secPolicy.Verify(input+"."+base64.RawURLEncoding.EncodeToString(der), s, nil), jwt.ErrSignature)
}

// attackerES256 is a key the attacker made and the victim never trusted.
func attackerES256(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func TestAttackEmbeddedJWKHeader(t *testing.T) {
	victim := rfcSigner(t, "rfc7515.json", "ES256").(*jwt.ECDSASigner).Public()
	k := attackerES256(t)
	forger, err := jwt.NewECDSASigner(jwt.ES256, k)
	require.NoError(t, err)
	x := base64.RawURLEncoding.EncodeToString(k.X.FillBytes(make([]byte, 32)))
	y := base64.RawURLEncoding.EncodeToString(k.Y.FillBytes(make([]byte, 32)))
	header := fmt.Sprintf(`{"alg":"ES256","typ":"JWT","jwk":{"kty":"EC","crv":"P-256","x":%q,"y":%q}}`, x, y)
	tok := signRaw(t, forger, header, validPayload())
	var got jwt.Claims
	require.ErrorIs(t, secPolicy.Verify(tok, victim, &got), jwt.ErrSignature)
	assert.Zero(t, got)
}

func TestAttackJKUHeader(t *testing.T) {
	victim := rfcSigner(t, "rfc7515.json", "ES256").(*jwt.ECDSASigner).Public()
	forger, err := jwt.NewECDSASigner(jwt.ES256, attackerES256(t))
	require.NoError(t, err)
	for _, member := range []string{
		`"jku":"https://attacker.example/jwks.json"`,
		`"x5u":"https://attacker.example/cert.pem"`,
		`"x5c":["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]`,
	} {
		t.Run(member[:5], func(t *testing.T) {
			tok := signRaw(t, forger, `{"alg":"ES256","typ":"JWT",`+member+`}`, validPayload())
			require.ErrorIs(t, secPolicy.Verify(tok, victim, nil), jwt.ErrSignature)
		})
	}
}

func TestAttackKidInjection(t *testing.T) {
	k := hs256(t)
	named := k.WithKeyID("k1")
	forger, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32)) // what /dev/null or an empty row would give
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		kid    string
		signer jwt.Signer
		keys   jwt.Keys
		want   error
	}{
		{name: "path traversal, key without kid", kid: "../../../../dev/null", signer: forger, keys: k, want: jwt.ErrSignature},
		{name: "SQL text, key without kid", kid: "x' UNION SELECT 'AAAA", signer: forger, keys: k, want: jwt.ErrSignature},
		{name: "path traversal, named key", kid: "../k1", signer: forger, keys: named, want: jwt.ErrUnknownKey},
		{name: "SQL text, named key", kid: "k1' OR '1'='1", signer: forger, keys: named, want: jwt.ErrUnknownKey},
		{name: "another key's kid, signed by the named key", kid: "k2", signer: named, keys: named, want: jwt.ErrUnknownKey},
		{name: "kid in another case", kid: "K1", signer: named, keys: named, want: jwt.ErrUnknownKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			header := fmt.Sprintf(`{"alg":"HS256","kid":%q,"typ":"JWT"}`, tc.kid)
			tok := signRaw(t, tc.signer, header, validPayload())
			require.ErrorIs(t, secPolicy.Verify(tok, tc.keys, nil), tc.want)
		})
	}
}

func TestAttackAudienceArrayVersusString(t *testing.T) {
	k := hs256(t)
	policy := secPolicy
	policy.Audience = jwt.Audience{"api"}
	for _, tc := range []struct {
		name string
		aud  string // JSON of aud, or empty for none
		want error
	}{
		{name: "string", aud: `"api"`},
		{name: "array of one", aud: `["api"]`},
		{name: "array, second", aud: `["other","api"]`},
		{name: "absent", want: jwt.ErrAudience},
		{name: "empty array", aud: `[]`, want: jwt.ErrAudience},
		{name: "empty string", aud: `""`, want: jwt.ErrAudience},
		{name: "comma-joined string", aud: `"api,other"`, want: jwt.ErrAudience},
		{name: "space-joined string", aud: `"other api"`, want: jwt.ErrAudience},
		{name: "prefix", aud: `["apix"]`, want: jwt.ErrAudience},
		{name: "other case", aud: `"API"`, want: jwt.ErrAudience},
		{name: "nested array", aud: `[["api"]]`, want: jwt.ErrMalformed},
		{name: "null", aud: `null`, want: jwt.ErrMalformed},
		{name: "number", aud: `1`, want: jwt.ErrMalformed},
		{name: "array with a number", aud: `["api",1]`, want: jwt.ErrMalformed},
		{name: "object", aud: `{"api":true}`, want: jwt.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := fmt.Sprintf(`{"exp":%d}`, secExp)
			if tc.aud != "" {
				payload = fmt.Sprintf(`{"aud":%s,"exp":%d}`, tc.aud, secExp)
			}
			tok := signRaw(t, k, hs256Header, payload)
			var got jwt.Claims
			err := policy.Verify(tok, k, &got)
			if tc.want == nil {
				require.NoError(t, err)
				assert.True(t, got.Audience.Contains("api"))
				return
			}
			require.ErrorIs(t, err, tc.want)
			assert.Zero(t, got)
		})
	}
}

func TestAttackExpiredTokenWithBadSignatureReportsSignature(t *testing.T) {
	k := hs256(t)
	tok, err := jwt.Sign(k, jwt.Claims{Subject: "42", Expiry: jwt.NumericDate(secNow.Unix() - 3600)})
	require.NoError(t, err)
	require.ErrorIs(t, secPolicy.Verify(tok, k, nil), jwt.ErrExpired, "the genuine token is expired")
	bad := tok[:len(tok)-2] + flip(tok[len(tok)-2])
	err = secPolicy.Verify(bad, k, nil)
	require.ErrorIs(t, err, jwt.ErrSignature)
	assert.NotErrorIs(t, err, jwt.ErrExpired)
}

// flip returns a base64url character other than c.
func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestAttackManyDots(t *testing.T) {
	k := hs256(t)
	tok, err := jwt.Sign(k, jwt.Claims{Expiry: jwt.NumericDate(secExp)})
	require.NoError(t, err)
	h, p, s := parts(tok)
	for _, tc := range []struct {
		name  string
		token string
	}{
		{name: "empty", token: ""},
		{name: "one part", token: h},
		{name: "two parts", token: h + "." + p},
		{name: "four parts", token: tok + "." + s},
		{name: "extra dot at the end", token: tok + "."},
		{name: "extra dot at the start", token: "." + tok},
		{name: "double dot", token: h + ".." + p + "." + s},
		{name: "empty header", token: "." + p + "." + s},
		{name: "empty payload", token: h + ".." + s},
		{name: "only dots", token: "..."},
		{name: "thousands of dots", token: strings.Repeat(".", 4000)},
		{name: "thousands of parts", token: strings.Repeat(h+".", 200) + s},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, secPolicy.Verify(tc.token, k, nil), jwt.ErrMalformed)
		})
	}
}

func parts(tok string) (h, p, s string) {
	a := strings.Split(tok, ".")
	return a[0], a[1], a[2]
}

func TestAttackHugeToken(t *testing.T) {
	k := hs256(t)
	huge, err := jwt.Sign(k, map[string]any{"exp": secExp, "pad": strings.Repeat("x", 1<<20)})
	require.NoError(t, err)
	require.ErrorIs(t, secPolicy.Verify(huge, k, nil), jwt.ErrTooLarge, "a genuine but huge token")
	garbage := strings.Repeat("\x00", 100<<20)
	require.ErrorIs(t, secPolicy.Verify(garbage, k, nil), jwt.ErrTooLarge, "100 MiB of anything")
	_, err = jwt.DecodeUnverified(huge)
	require.ErrorIs(t, err, jwt.ErrTooLarge)

	policy := secPolicy
	policy.MaxLength = len(huge)
	require.NoError(t, policy.Verify(huge, k, nil), "a larger MaxLength lets it through")
}

func TestAttackDuplicateClaim(t *testing.T) {
	k := hs256(t)
	for _, tc := range []struct {
		name    string
		header  string
		payload string
	}{
		{name: "two exp", payload: fmt.Sprintf(`{"exp":%d,"exp":9999999999}`, secExp)},
		{name: "exp and an escaped exp", payload: fmt.Sprintf(`{"exp":1,"\u0065xp":%d}`, secExp)},
		{name: "two sub", payload: fmt.Sprintf(`{"sub":"user","exp":%d,"sub":"admin"}`, secExp)},
		{name: "duplicate in a nested object", payload: fmt.Sprintf(`{"exp":%d,"role":{"a":1,"a":2}}`, secExp)},
		{name: "two alg in the header", header: `{"alg":"none","alg":"HS256"}`, payload: validPayload()},
		{name: "two kid in the header", header: `{"alg":"HS256","kid":"a","kid":"b"}`, payload: validPayload()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got map[string]any
			require.ErrorIs(t, secPolicy.Verify(signRaw(t, k, tc.header, tc.payload), k, &got), jwt.ErrMalformed)
			assert.Nil(t, got)
		})
	}
}

// kindClaims has a claim whose name holds a k, which the Kelvin sign
// (U+212A) folds to.
type kindClaims struct {
	jwt.Claims
	Kind string `json:"kind"`
}

func TestAttackCaseFoldedClaim(t *testing.T) {
	k := hs256(t)
	for _, tc := range []struct {
		name    string
		header  string
		payload string
	}{
		{name: "EXP", payload: fmt.Sprintf(`{"exp":%d,"EXP":9999999999}`, secExp)},
		{name: "Exp alone", payload: `{"Exp":9999999999}`},
		{name: "SUB", payload: fmt.Sprintf(`{"exp":%d,"SUB":"admin"}`, secExp)},
		{name: "long s in sub", payload: fmt.Sprintf(`{"exp":%d,"\u017fub":"admin"}`, secExp)},
		{name: "long s in iss, raw UTF-8", payload: fmt.Sprintf(`{"exp":%d,"iſs":"evil"}`, secExp)},
		{name: "Kelvin sign in a custom claim", payload: fmt.Sprintf(`{"exp":%d,"\u212aind":"admin"}`, secExp)},
		{name: "custom claim in another case", payload: fmt.Sprintf(`{"exp":%d,"KIND":"admin"}`, secExp)},
		{name: "ALG in the header", header: `{"ALG":"HS256","alg":"HS256"}`, payload: validPayload()},
		{name: "Kelvin sign in kid", header: `{"alg":"HS256","\u212aid":"x"}`, payload: validPayload()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := kindClaims{Kind: "stale"}
			require.ErrorIs(t, secPolicy.Verify(signRaw(t, k, tc.header, tc.payload), k, &got), jwt.ErrMalformed)
			assert.Zero(t, got)
		})
	}
}

func TestAttackCritHeader(t *testing.T) {
	k := hs256(t)
	for _, header := range []string{
		`{"alg":"HS256","crit":["exp"],"exp":1}`,
		`{"alg":"HS256","crit":["b64"],"b64":false}`,
		`{"alg":"HS256","crit":[]}`,
		`{"alg":"HS256","crit":"exp"}`,
	} {
		t.Run(header, func(t *testing.T) {
			require.ErrorIs(t, secPolicy.Verify(signRaw(t, k, header, validPayload()), k, nil), jwt.ErrCritical)
		})
	}
}

func TestAttackBase64Padding(t *testing.T) {
	k := hs256(t)
	// A payload whose encoding would take padding.
	tok := signRaw(t, k, hs256Header, fmt.Sprintf(`{"exp":%d,"a":"x"}`, secExp))
	require.NoError(t, secPolicy.Verify(tok, k, nil))
	h, p, s := parts(tok)
	require.NotZero(t, len(p)%4, "the payload's encoding is not a multiple of four")
	for _, tc := range []struct {
		name  string
		token string
	}{
		{name: "padded payload", token: h + "." + p + strings.Repeat("=", 4-len(p)%4) + "." + s},
		{name: "padded signature", token: h + "." + p + "." + s + "="},
		{name: "standard alphabet", token: strings.NewReplacer("-", "+", "_", "/").Replace(tok) + "+/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, secPolicy.Verify(tc.token, k, nil), jwt.ErrMalformed)
		})
	}
}

func TestAttackBase64Whitespace(t *testing.T) {
	k := hs256(t)
	tok, err := jwt.Sign(k, jwt.Claims{Expiry: jwt.NumericDate(secExp)})
	require.NoError(t, err)
	for _, ws := range []string{" ", "\n", "\r\n", "\t", "\x00"} {
		for _, at := range []int{0, 5, strings.IndexByte(tok, '.') + 3, len(tok) - 3, len(tok)} {
			t.Run(fmt.Sprintf("%q at %d", ws, at), func(t *testing.T) {
				bad := tok[:at] + ws + tok[at:]
				require.ErrorIs(t, secPolicy.Verify(bad, k, nil), jwt.ErrMalformed)
			})
		}
	}
}

// TestAttackBase64NonCanonicalTrailingBits refuses parts whose last
// character carries bits past the end of the data: a lenient decoder
// gives the same bytes, so one token would have many spellings.
func TestAttackBase64NonCanonicalTrailingBits(t *testing.T) {
	k := hs256(t)
	tok := signRaw(t, k, hs256Header, fmt.Sprintf(`{"exp":%d,"a":"x"}`, secExp))
	require.NoError(t, secPolicy.Verify(tok, k, nil))
	h, p, s := parts(tok)
	require.Equal(t, 43, len(s), "a 32-byte MAC leaves two spare bits in the last character")
	// noncanonical sets the spare low bits of the last character.
	noncanonical := func(part string) string {
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		i := strings.IndexByte(alphabet, part[len(part)-1])
		return part[:len(part)-1] + string(alphabet[i|1])
	}
	require.NotEqual(t, s, noncanonical(s))
	loose, err := base64.RawURLEncoding.DecodeString(noncanonical(s))
	require.NoError(t, err)
	strict, err := base64.RawURLEncoding.DecodeString(s)
	require.NoError(t, err)
	require.Equal(t, strict, loose, "a lenient decoder reads the same MAC")

	t.Run("signature", func(t *testing.T) {
		require.ErrorIs(t, secPolicy.Verify(h+"."+p+"."+noncanonical(s), k, nil), jwt.ErrMalformed)
	})
	t.Run("payload, signed as sent", func(t *testing.T) {
		input := h + "." + noncanonical(p)
		require.ErrorIs(t, secPolicy.Verify(input+"."+sigOf(t, k, input), k, nil), jwt.ErrMalformed)
	})
	t.Run("header, signed as sent", func(t *testing.T) {
		hh := enc(`{"alg":"HS256" }`) // 16 bytes: four spare bits
		input := noncanonical(hh) + "." + p
		require.ErrorIs(t, secPolicy.Verify(input+"."+sigOf(t, k, input), k, nil), jwt.ErrMalformed)
	})
}

func TestAttackInvalidUTF8(t *testing.T) {
	k := hs256(t)
	for _, tc := range []struct {
		name    string
		header  string
		payload string
	}{
		{name: "invalid byte in a claim", payload: fmt.Sprintf("{\"exp\":%d,\"sub\":\"ad\xffmin\"}", secExp)},
		{name: "overlong encoding of a slash", payload: fmt.Sprintf("{\"exp\":%d,\"sub\":\"\xc0\xaf\"}", secExp)},
		{name: "UTF-8 encoded surrogate", payload: fmt.Sprintf("{\"exp\":%d,\"sub\":\"\xed\xa0\x80\"}", secExp)},
		{name: "invalid byte in a name", payload: fmt.Sprintf("{\"exp\":%d,\"s\xffub\":\"x\"}", secExp)},
		{name: "escaped lone high surrogate", payload: fmt.Sprintf(`{"exp":%d,"sub":"\ud800"}`, secExp)},
		{name: "escaped lone low surrogate", payload: fmt.Sprintf(`{"exp":%d,"sub":"\udc00x"}`, secExp)},
		{name: "surrogates in the wrong order", payload: fmt.Sprintf(`{"exp":%d,"sub":"\udc00\ud800"}`, secExp)},
		{name: "invalid byte in the header", header: "{\"alg\":\"HS256\",\"kid\":\"\xff\"}", payload: validPayload()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got map[string]any
			require.ErrorIs(t, secPolicy.Verify(signRaw(t, k, tc.header, tc.payload), k, &got), jwt.ErrMalformed)
			assert.Nil(t, got)
		})
	}
}

// roleClaims is a struct of custom claims embedding Claims.
type roleClaims struct {
	jwt.Claims
	Role string `json:"role"`
}

// TestAttackRefusedClaimsNotReturned checks that dst holds its zero value
// after every failure, even when the caller reuses a variable that held
// the claims of an earlier token.
func TestAttackRefusedClaimsNotReturned(t *testing.T) {
	k := hs256(t)
	other, err := jwt.NewHMAC(jwt.HS256, []byte("another secret of thirty-two byt"))
	require.NoError(t, err)
	policy := jwt.Expect{Now: at(secNow), Issuer: "auth", Audience: jwt.Audience{"api"}, Subject: "42", Type: "JWT"}
	good := fmt.Sprintf(`{"iss":"auth","aud":"api","sub":"42","exp":%d,"role":"admin"}`, secExp)
	for _, tc := range []struct {
		name    string
		token   string
		keys    jwt.Keys
		want    error
		payload string
	}{
		{name: "signature", keys: other, want: jwt.ErrSignature, payload: good},
		{name: "missing exp", want: jwt.ErrMissingExpiry, payload: `{"iss":"auth","aud":"api","sub":"42","role":"admin"}`},
		{name: "expired", want: jwt.ErrExpired, payload: `{"iss":"auth","aud":"api","sub":"42","exp":1,"role":"admin"}`},
		{name: "not yet valid", want: jwt.ErrNotYetValid, payload: fmt.Sprintf(`{"iss":"auth","aud":"api","sub":"42","exp":%d,"nbf":%d,"role":"admin"}`, secExp, secExp-1)},
		{name: "issued in the future", want: jwt.ErrIssuedInFuture, payload: fmt.Sprintf(`{"iss":"auth","aud":"api","sub":"42","exp":%d,"iat":%d,"role":"admin"}`, secExp, secExp-1)},
		{name: "issuer", want: jwt.ErrIssuer, payload: fmt.Sprintf(`{"iss":"evil","aud":"api","sub":"42","exp":%d,"role":"admin"}`, secExp)},
		{name: "audience", want: jwt.ErrAudience, payload: fmt.Sprintf(`{"iss":"auth","aud":"web","sub":"42","exp":%d,"role":"admin"}`, secExp)},
		{name: "subject", want: jwt.ErrSubject, payload: fmt.Sprintf(`{"iss":"auth","aud":"api","sub":"7","exp":%d,"role":"admin"}`, secExp)},
		{name: "registered claim of the wrong type", want: jwt.ErrMalformed, payload: fmt.Sprintf(`{"iss":"auth","aud":"api","sub":42,"exp":%d,"role":"admin"}`, secExp)},
		{name: "exp of the wrong type", want: jwt.ErrMalformed, payload: `{"iss":"auth","aud":"api","sub":"42","exp":"soon","role":"admin"}`},
		{name: "type", token: signRaw(t, k, `{"alg":"HS256","typ":"at+jwt"}`, good), want: jwt.ErrType},
		{name: "malformed token", token: "x.y", want: jwt.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token
			if tok == "" {
				tok = signRaw(t, k, hs256Header, tc.payload)
			}
			keys := tc.keys
			if keys == nil {
				keys = k
			}
			stale := roleClaims{Claims: jwt.Claims{Subject: "earlier"}, Role: "earlier"}
			require.ErrorIs(t, policy.Verify(tok, keys, &stale), tc.want)
			assert.Zero(t, stale, "a struct embedding Claims")

			staleMap := map[string]any{"sub": "earlier"}
			require.ErrorIs(t, policy.Verify(tok, keys, &staleMap), tc.want)
			assert.Nil(t, staleMap, "a map")

			staleClaims := jwt.Claims{Subject: "earlier"}
			require.ErrorIs(t, policy.Verify(tok, keys, &staleClaims), tc.want)
			assert.Zero(t, staleClaims, "a Claims")
		})
	}
}

func TestAttackNumericDate(t *testing.T) {
	k := hs256(t)
	for _, tc := range []struct {
		name  string
		claim string
		value string
	}{
		{name: "AsString exp", claim: "exp", value: `"9999999999"`},
		{name: "AsString nbf", claim: "nbf", value: `"0"`},
		{name: "AsString iat", claim: "iat", value: `"1"`},
		{name: "Negative exp", claim: "exp", value: `-1`},
		{name: "Negative nbf", claim: "nbf", value: `-9223372036854775808`},
		{name: "Negative fraction", claim: "iat", value: `-0.5`},
		{name: "Huge exp", claim: "exp", value: `253402300800`},
		{name: "Huge beyond int64", claim: "exp", value: `9223372036854775808`},
		{name: "Huge float", claim: "exp", value: `1e300`},
		{name: "Huge beyond float64", claim: "exp", value: `1e400`},
		{name: "NaN-ish string", claim: "exp", value: `"NaN"`},
		{name: "NaN-ish bare", claim: "exp", value: `NaN`},
		{name: "Infinity bare", claim: "exp", value: `Infinity`},
		{name: "Infinity string", claim: "exp", value: `"+Inf"`},
		{name: "null", claim: "exp", value: `null`},
		{name: "boolean", claim: "exp", value: `true`},
		{name: "array", claim: "exp", value: fmt.Sprintf(`[%d]`, secExp)},
		{name: "hex", claim: "exp", value: `0x7fffffff`},
		{name: "leading plus", claim: "exp", value: `+9999999999`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			payload := fmt.Sprintf(`{"exp":%d,%q:%s}`, secExp, tc.claim, tc.value)
			if tc.claim == "exp" {
				payload = fmt.Sprintf(`{"exp":%s}`, tc.value)
			}
			require.ErrorIs(t, secPolicy.Verify(signRaw(t, k, hs256Header, payload), k, nil), jwt.ErrMalformed)
		})
	}
}

func TestAttackNestedDepthBomb(t *testing.T) {
	k := hs256(t)
	for _, tc := range []struct {
		name    string
		header  string
		payload string
	}{
		{name: "arrays in the payload", payload: fmt.Sprintf(`{"exp":%d,"a":%s%s}`, secExp, strings.Repeat("[", 3000), strings.Repeat("]", 3000))},
		{name: "objects in the payload", payload: fmt.Sprintf(`{"exp":%d,"a":%s1%s}`, secExp, strings.Repeat(`{"a":`, 1000), strings.Repeat("}", 1000))},
		{name: "unclosed arrays", payload: `{"a":` + strings.Repeat("[", 5000)},
		{name: "arrays in the header", header: `{"alg":"HS256","x":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `}`, payload: validPayload()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorIs(t, secPolicy.Verify(signRaw(t, k, tc.header, tc.payload), k, nil), jwt.ErrMalformed)
		})
	}
}

func TestAttackTruncatedHMAC(t *testing.T) {
	for _, alg := range []jwt.Algorithm{jwt.HS256, jwt.HS384, jwt.HS512} {
		k, err := jwt.NewHMAC(alg, []byte(strings.Repeat("k", 64)))
		require.NoError(t, err)
		tok, err := jwt.Sign(k, jwt.Claims{Expiry: jwt.NumericDate(secExp)})
		require.NoError(t, err)
		h, p, s := parts(tok)
		mac, err := b64(s)
		require.NoError(t, err)
		for _, n := range []int{1, 16, len(mac) / 2, len(mac) - 1} {
			t.Run(fmt.Sprintf("%s/%d bytes", alg, n), func(t *testing.T) {
				require.ErrorIs(t, k.Verify([]byte(h+"."+p), mac[:n]), jwt.ErrSignature)
				short := h + "." + p + "." + base64.RawURLEncoding.EncodeToString(mac[:n])
				require.ErrorIs(t, secPolicy.Verify(short, k, nil), jwt.ErrSignature)
			})
		}
		t.Run(string(alg)+"/extended", func(t *testing.T) {
			long := h + "." + p + "." + base64.RawURLEncoding.EncodeToString(append(mac, 0))
			require.ErrorIs(t, secPolicy.Verify(long, k, nil), jwt.ErrSignature)
		})
	}
}

// TestAttackPSSSaltLengthSubstitution refuses PSS signatures made with a
// salt other than the hash length that RFC 7518 §3.5 fixes: a verifier
// that takes any salt length accepts signatures JWS does not define.
func TestAttackPSSSaltLengthSubstitution(t *testing.T) {
	priv := rsaTestKey(t)
	for _, alg := range []jwt.Algorithm{jwt.PS256, jwt.PS384, jwt.PS512} {
		s, err := jwt.NewRSASigner(alg, priv)
		require.NoError(t, err)
		h := map[jwt.Algorithm]crypto.Hash{jwt.PS256: crypto.SHA256, jwt.PS384: crypto.SHA384, jwt.PS512: crypto.SHA512}[alg]
		input := enc(fmt.Sprintf(`{"alg":%q,"typ":"JWT"}`, alg)) + "." + enc(validPayload())
		for _, salt := range []int{0, 20, h.Size() + 1, rsa.PSSSaltLengthAuto} {
			t.Run(fmt.Sprintf("%s/salt %d", alg, salt), func(t *testing.T) {
				sig, err := rsa.SignPSS(rand.Reader, priv, h, digest(h, input), &rsa.PSSOptions{SaltLength: salt, Hash: h})
				require.NoError(t, err)
				require.NoError(t, rsa.VerifyPSS(&priv.PublicKey, h, digest(h, input), sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}), "the signature is genuine")
				require.ErrorIs(t, s.Verify([]byte(input), sig), jwt.ErrSignature)
				tok := input + "." + base64.RawURLEncoding.EncodeToString(sig)
				require.ErrorIs(t, secPolicy.Verify(tok, s, nil), jwt.ErrSignature)
			})
		}
	}
}

func TestAttackWeakKeysRefused(t *testing.T) {
	t.Run("HMAC secret one byte short", func(t *testing.T) {
		for _, alg := range []jwt.Algorithm{jwt.HS256, jwt.HS384, jwt.HS512} {
			size := map[jwt.Algorithm]int{jwt.HS256: 32, jwt.HS384: 48, jwt.HS512: 64}[alg]
			k, err := jwt.NewHMAC(alg, make([]byte, size-1))
			require.ErrorIs(t, err, jwt.ErrWeakKey, alg)
			require.Nil(t, k)
			_, err = jwt.NewHMAC(alg, make([]byte, size))
			require.NoError(t, err, "the hash size itself is enough")
		}
	})
	t.Run("HMAC secret empty", func(t *testing.T) {
		for _, secret := range [][]byte{nil, {}} {
			_, err := jwt.NewHMAC(jwt.HS256, secret)
			require.ErrorIs(t, err, jwt.ErrInvalidKey)
		}
	})
	t.Run("RSA 1024", func(t *testing.T) {
		data, err := os.ReadFile("testdata/rsa1024.pem")
		require.NoError(t, err)
		priv, err := jwt.ParsePrivateKeyPEM(data)
		require.NoError(t, err)
		rsaPriv := priv.(*rsa.PrivateKey)
		require.Equal(t, 1024, rsaPriv.N.BitLen())
		for _, alg := range []jwt.Algorithm{jwt.RS256, jwt.PS256} {
			_, err = jwt.NewRSASigner(alg, rsaPriv)
			require.ErrorIs(t, err, jwt.ErrWeakKey)
			_, err = jwt.NewRSAVerifier(alg, &rsaPriv.PublicKey)
			require.ErrorIs(t, err, jwt.ErrWeakKey)
			_, err = jwt.NewVerifier(alg, priv.Public())
			require.ErrorIs(t, err, jwt.ErrWeakKey)
		}
	})
	t.Run("RSA exponent", func(t *testing.T) {
		n := rsaTestKey(t).N
		for _, e := range []int{-3, 0, 1, 2, 65536} {
			_, err := jwt.NewRSAVerifier(jwt.RS256, &rsa.PublicKey{N: n, E: e})
			require.ErrorIs(t, err, jwt.ErrWeakKey, e)
		}
	})
	t.Run("P-256 key for ES384 and ES512", func(t *testing.T) {
		k := rfcSigner(t, "rfc7515.json", "ES256").(*jwt.ECDSASigner).PrivateKey()
		for _, alg := range []jwt.Algorithm{jwt.ES384, jwt.ES512} {
			_, err := jwt.NewECDSASigner(alg, k)
			require.ErrorIs(t, err, jwt.ErrKeyMismatch)
			_, err = jwt.NewECDSAVerifier(alg, &k.PublicKey)
			require.ErrorIs(t, err, jwt.ErrKeyMismatch)
		}
	})
	t.Run("Ed25519 public half not of its seed", func(t *testing.T) {
		priv := ed25519.NewKeyFromSeed(make([]byte, 32))
		other := ed25519.NewKeyFromSeed(append(make([]byte, 31), 1))
		bad := append(append(ed25519.PrivateKey{}, priv.Seed()...), other.Public().(ed25519.PublicKey)...)
		s, err := jwt.NewEdDSASigner(jwt.EdDSA, bad)
		require.ErrorIs(t, err, jwt.ErrInvalidKey)
		require.Nil(t, s)
	})
	t.Run("EC point not on the curve", func(t *testing.T) {
		k := rfcSigner(t, "rfc7515.json", "ES256").(*jwt.ECDSASigner).PrivateKey()
		bad := ecdsa.PublicKey{Curve: k.Curve, X: k.X, Y: new(big.Int).Add(k.Y, big.NewInt(1))}
		_, err := jwt.NewECDSAVerifier(jwt.ES256, &bad)
		require.ErrorIs(t, err, jwt.ErrInvalidKey)
	})
}

// digest returns the hash h of s.
func digest(h crypto.Hash, s string) []byte {
	w := h.New()
	w.Write([]byte(s))
	return w.Sum(nil)
}

// TestExpectCheckOrder pins the order in which Verify checks claims: each
// token fails two checks, and the earlier one in the documented order must
// be the one reported.
func TestExpectCheckOrder(t *testing.T) {
	k := hs256(t)
	now, past, future := secNow.Unix(), secNow.Unix()-60, secNow.Unix()+60
	policy := jwt.Expect{Now: at(secNow), Issuer: "auth", Audience: jwt.Audience{"api"}, Subject: "42", Type: "JWT"}
	for _, tc := range []struct {
		name    string
		typ     string
		payload string
		want    error
	}{
		{name: "bad signature before claims", want: jwt.ErrSignature, payload: fmt.Sprintf(`{"exp":%d}`, past)},
		{name: "missing exp before nbf", want: jwt.ErrMissingExpiry, payload: fmt.Sprintf(`{"nbf":%d}`, future)},
		{name: "exp before nbf", want: jwt.ErrExpired, payload: fmt.Sprintf(`{"exp":%d,"nbf":%d}`, past, future)},
		{name: "nbf before iat", want: jwt.ErrNotYetValid, payload: fmt.Sprintf(`{"exp":%d,"nbf":%d,"iat":%d}`, future, future, future)},
		{name: "iat before iss", want: jwt.ErrIssuedInFuture, payload: fmt.Sprintf(`{"exp":%d,"iat":%d,"iss":"x"}`, future, future)},
		{name: "iss before aud", want: jwt.ErrIssuer, payload: fmt.Sprintf(`{"exp":%d,"iss":"x","aud":"x"}`, future)},
		{name: "aud before sub", want: jwt.ErrAudience, payload: fmt.Sprintf(`{"exp":%d,"iss":"auth","aud":"x","sub":"x"}`, future)},
		{name: "sub before typ", typ: "at+jwt", want: jwt.ErrSubject, payload: fmt.Sprintf(`{"exp":%d,"iss":"auth","aud":"api","sub":"x"}`, future)},
		{name: "typ last", typ: "at+jwt", want: jwt.ErrType, payload: fmt.Sprintf(`{"exp":%d,"iss":"auth","aud":"api","sub":"42"}`, future)},
		{name: "all pass", payload: fmt.Sprintf(`{"exp":%d,"nbf":%d,"iat":%d,"iss":"auth","aud":"api","sub":"42"}`, future, now, now)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			typ := tc.typ
			if typ == "" {
				typ = "JWT"
			}
			tok := signRaw(t, k, fmt.Sprintf(`{"alg":"HS256","typ":%q}`, typ), tc.payload)
			if tc.want == jwt.ErrSignature {
				tok = tok[:len(tok)-2] + flip(tok[len(tok)-2])
			}
			err := policy.Verify(tok, k, nil)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
		})
	}
}

// TestExpectDefaults pins what every field of Expect does at its zero
// value, and at the edges of the values it documents.
func TestExpectDefaults(t *testing.T) {
	k := hs256(t)
	exp := secNow.Unix()
	withExp := func(extra string) string { return fmt.Sprintf(`{"exp":%d%s}`, exp, extra) }
	for _, tc := range []struct {
		name    string
		policy  jwt.Expect
		now     time.Time
		typ     string
		payload string
		token   string
		want    error
	}{
		{name: "zero Expect requires exp", payload: `{"sub":"42"}`, now: secNow, want: jwt.ErrMissingExpiry},
		{name: "AllowMissingExpiry lets a token without exp through", policy: jwt.Expect{AllowMissingExpiry: true}, payload: `{"sub":"42"}`, now: secNow},
		{name: "one second before exp", payload: withExp(""), now: secNow.Add(-time.Second)},
		{name: "zero leeway: refused from the second named by exp", payload: withExp(""), now: secNow, want: jwt.ErrExpired},
		{name: "negative leeway is refused", policy: jwt.Expect{Leeway: -time.Hour}, payload: withExp(""), now: secNow.Add(-time.Second), want: jwt.ErrConfig},
		{name: "leeway, just inside", policy: jwt.Expect{Leeway: 30 * time.Second}, payload: withExp(""), now: secNow.Add(29 * time.Second)},
		{name: "leeway, at its end", policy: jwt.Expect{Leeway: 30 * time.Second}, payload: withExp(""), now: secNow.Add(30 * time.Second), want: jwt.ErrExpired},
		{name: "nbf reached", payload: withExp(fmt.Sprintf(`,"nbf":%d`, exp-10)), now: secNow.Add(-10 * time.Second)},
		{name: "nbf 30 seconds ahead: the default clock skew", payload: withExp(fmt.Sprintf(`,"nbf":%d`, exp-10)), now: secNow.Add(-40 * time.Second)},
		{name: "nbf 31 seconds ahead: beyond the default clock skew", payload: withExp(fmt.Sprintf(`,"nbf":%d`, exp-10)), now: secNow.Add(-41 * time.Second), want: jwt.ErrNotYetValid},
		{name: "nbf one second ahead, no clock skew", policy: jwt.Expect{NoClockSkew: true}, payload: withExp(fmt.Sprintf(`,"nbf":%d`, exp-10)), now: secNow.Add(-11 * time.Second), want: jwt.ErrNotYetValid},
		{name: "nbf within the clock skew set", policy: jwt.Expect{ClockSkew: 5 * time.Second}, payload: withExp(fmt.Sprintf(`,"nbf":%d`, exp-10)), now: secNow.Add(-15 * time.Second)},
		{name: "nbf beyond the clock skew set", policy: jwt.Expect{ClockSkew: 5 * time.Second}, payload: withExp(fmt.Sprintf(`,"nbf":%d`, exp-10)), now: secNow.Add(-16 * time.Second), want: jwt.ErrNotYetValid},
		{name: "nbf within leeway, no clock skew", policy: jwt.Expect{Leeway: 30 * time.Second, NoClockSkew: true}, payload: withExp(fmt.Sprintf(`,"nbf":%d`, exp-10)), now: secNow.Add(-40 * time.Second)},
		{name: "nbf beyond leeway, no clock skew", policy: jwt.Expect{Leeway: 30 * time.Second, NoClockSkew: true}, payload: withExp(fmt.Sprintf(`,"nbf":%d`, exp-10)), now: secNow.Add(-41 * time.Second), want: jwt.ErrNotYetValid},
		{name: "a leeway larger than the clock skew wins", policy: jwt.Expect{Leeway: time.Minute}, payload: withExp(fmt.Sprintf(`,"nbf":%d`, exp-10)), now: secNow.Add(-70 * time.Second)},
		{name: "the clock skew does not widen exp", payload: withExp(""), now: secNow, want: jwt.ErrExpired},
		{name: "negative clock skew is refused", policy: jwt.Expect{ClockSkew: -time.Second}, payload: withExp(""), now: secNow.Add(-time.Second), want: jwt.ErrConfig},
		{name: "a clock skew and no clock skew are refused", policy: jwt.Expect{ClockSkew: time.Second, NoClockSkew: true}, payload: withExp(""), now: secNow.Add(-time.Second), want: jwt.ErrConfig},
		{name: "iat now", payload: withExp(fmt.Sprintf(`,"iat":%d`, exp-10)), now: secNow.Add(-10 * time.Second)},
		{name: "iat 30 seconds ahead: the default clock skew", payload: withExp(fmt.Sprintf(`,"iat":%d`, exp-10)), now: secNow.Add(-40 * time.Second)},
		{name: "iat 31 seconds ahead: beyond the default clock skew", payload: withExp(fmt.Sprintf(`,"iat":%d`, exp-10)), now: secNow.Add(-41 * time.Second), want: jwt.ErrIssuedInFuture},
		{name: "iat one second ahead, no clock skew", policy: jwt.Expect{NoClockSkew: true}, payload: withExp(fmt.Sprintf(`,"iat":%d`, exp-10)), now: secNow.Add(-11 * time.Second), want: jwt.ErrIssuedInFuture},
		{name: "no Issuer: any iss", payload: withExp(`,"iss":"anyone"`), now: secNow.Add(-time.Second)},
		{name: "Issuer compared exactly", policy: jwt.Expect{Issuer: "auth"}, payload: withExp(`,"iss":"Auth"`), now: secNow.Add(-time.Second), want: jwt.ErrIssuer},
		{name: "Issuer requires iss", policy: jwt.Expect{Issuer: "auth"}, payload: withExp(""), now: secNow.Add(-time.Second), want: jwt.ErrIssuer},
		{name: "no Audience: any aud", payload: withExp(`,"aud":"anyone"`), now: secNow.Add(-time.Second)},
		{name: "Audience requires aud", policy: jwt.Expect{Audience: jwt.Audience{"api"}}, payload: withExp(""), now: secNow.Add(-time.Second), want: jwt.ErrAudience},
		{name: "Subject requires sub", policy: jwt.Expect{Subject: "42"}, payload: withExp(""), now: secNow.Add(-time.Second), want: jwt.ErrSubject},
		{name: "no Type: any typ", typ: "anything", payload: withExp(""), now: secNow.Add(-time.Second)},
		{name: "Type compared without case", policy: jwt.Expect{Type: "jwt"}, payload: withExp(""), now: secNow.Add(-time.Second)},
		{name: "Type compared without case, media type", policy: jwt.Expect{Type: "AT+JWT"}, typ: "at+jwt", payload: withExp(""), now: secNow.Add(-time.Second)},
		{name: "Type differs", policy: jwt.Expect{Type: "at+jwt"}, payload: withExp(""), now: secNow.Add(-time.Second), want: jwt.ErrType},
		{name: "Type requires typ", policy: jwt.Expect{Type: "JWT"}, typ: "-", payload: withExp(""), now: secNow.Add(-time.Second), want: jwt.ErrType},
		{name: "MaxLength 0 means 8 KiB: 8192 bytes are read", token: strings.Repeat("a", 8190) + "..", want: jwt.ErrMalformed},
		{name: "MaxLength 0 means 8 KiB: 8193 bytes are not", token: strings.Repeat("a", 8191) + "..", want: jwt.ErrTooLarge},
		{name: "negative MaxLength is refused", policy: jwt.Expect{MaxLength: -1}, token: strings.Repeat("a", 10) + "..", want: jwt.ErrConfig},
		{name: "MaxLength set", policy: jwt.Expect{MaxLength: 10}, token: "aaaa.bbb.cc", want: jwt.ErrTooLarge},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token
			if tok == "" {
				header := hs256Header
				switch tc.typ {
				case "":
				case "-":
					header = `{"alg":"HS256"}`
				default:
					header = fmt.Sprintf(`{"alg":"HS256","typ":%q}`, tc.typ)
				}
				tok = signRaw(t, k, header, tc.payload)
			}
			p := tc.policy
			p.Now = at(tc.now)
			err := p.Verify(tok, k, nil)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
		})
	}
	t.Run("nil Now is the system clock", func(t *testing.T) {
		past, err := jwt.Sign(k, jwt.Claims{Expiry: jwt.NumericDate(secNow.Unix())}) // November 2023
		require.NoError(t, err)
		require.ErrorIs(t, jwt.Verify(past, k, nil), jwt.ErrExpired)
		future, err := jwt.Sign(k, jwt.Claims{Expiry: jwt.NumericDate(253402300799)})
		require.NoError(t, err)
		require.NoError(t, jwt.Verify(future, k, nil))
	})
}

// TestAttackExpZeroWhereExpiryIsOptional checks that "exp":0, a time in
// 1970, is expired and not taken for an absent exp, even under a policy
// that lets tokens without exp through.
func TestAttackExpZeroWhereExpiryIsOptional(t *testing.T) {
	k := hs256(t)
	optional := secPolicy
	optional.AllowMissingExpiry = true
	for _, payload := range []string{`{"exp":0}`, `{"exp":0.0}`, `{"exp":0.9,"sub":"42"}`, `{"exp":-0}`} {
		t.Run(payload, func(t *testing.T) {
			tok := signRaw(t, k, hs256Header, payload)
			var c jwt.Claims
			require.ErrorIs(t, optional.Verify(tok, k, &c), jwt.ErrExpired)
			require.ErrorIs(t, optional.Verify(tok, k, nil), jwt.ErrExpired)
			var m map[string]any
			require.ErrorIs(t, optional.Verify(tok, k, &m), jwt.ErrExpired)
			require.ErrorIs(t, secPolicy.Verify(tok, k, &c), jwt.ErrExpired, "the default policy says expired too")
		})
	}
	require.NoError(t, optional.Verify(signRaw(t, k, hs256Header, `{"sub":"42"}`), k, nil), "absent exp is still allowed")
}

// The destinations of the stale-claims tests: one of each kind Verify
// decodes into, each with claims beyond the registered ones.
type (
	// richClaims embeds Claims and has fields encoding/json decodes.
	richClaims struct {
		jwt.Claims
		Role    string   `json:"role"`
		Tags    []string `json:"tags"`
		Profile *profile `json:"profile"`
	}
	profile struct {
		Name string `json:"name"`
	}
	// ptrClaims embeds a pointer to Claims.
	ptrClaims struct {
		*jwt.Claims
		Role string `json:"role"`
	}
	// userClaims does not embed Claims at all.
	userClaims struct {
		Sub     string   `json:"sub"`
		Aud     any      `json:"aud"`
		Exp     *int64   `json:"exp"`
		Role    string   `json:"role"`
		Profile *profile `json:"profile"`
	}
)

// staleDestinations make a new destination of each kind.
var staleDestinations = []struct {
	name string
	new  func() any
}{
	{"Claims", func() any { return new(jwt.Claims) }},
	{"struct embedding Claims", func() any { return new(roleClaims) }},
	{"struct embedding Claims with other fields", func() any { return new(richClaims) }},
	{"struct embedding a pointer to Claims", func() any { return new(ptrClaims) }},
	{"struct without Claims", func() any { return new(userClaims) }},
	{"map", func() any { return new(map[string]any) }},
}

// TestAttackStaleClaimsPassPolicy stops a token from borrowing the claims
// of an earlier one: a variable that held a verified token's claims (exp,
// aud, role) and is reused for a second token must be judged, and filled,
// by the second token alone, for every key type, on the fast and the
// general paths.
func TestAttackStaleClaimsPassPolicy(t *testing.T) {
	policy := jwt.Expect{Now: at(secNow), Audience: jwt.Audience{"api"}}
	claims := map[string]map[string]any{
		"earlier":    {"sub": "alice", "aud": "api", "exp": secExp, "role": "admin", "tags": []string{"a"}, "profile": map[string]any{"name": "root"}},
		"no exp":     {"sub": "mallory"},
		"no aud":     {"sub": "mallory", "exp": secExp},
		"only valid": {"sub": "mallory", "aud": "api", "exp": secExp},
	}
	for _, s := range testSigners(t) {
		toks := map[string]string{}
		for name, c := range claims {
			tok, err := jwt.Sign(s, c)
			require.NoError(t, err)
			toks[name] = tok
		}
		keys := s.(jwt.Keys)
		for _, path := range verifyPaths {
			for _, d := range staleDestinations {
				t.Run(fmt.Sprintf("%s/%s/%s", s.Algorithm(), path.name, d.name), func(t *testing.T) {
					dst := d.new()
					for _, tc := range []struct {
						token string
						want  error
					}{
						{"no exp", jwt.ErrMissingExpiry},
						{"no aud", jwt.ErrAudience},
						{"only valid", nil},
					} {
						require.NoError(t, path.verify(policy, toks["earlier"], keys, dst))
						err := path.verify(policy, toks[tc.token], keys, dst)
						if tc.want != nil {
							require.ErrorIs(t, err, tc.want, tc.token)
							continue
						}
						require.NoError(t, err, tc.token)
						fresh := d.new()
						require.NoError(t, path.verify(policy, toks[tc.token], keys, fresh))
						assert.Equal(t, fresh, dst, "the destination holds what the token carries and nothing else")
					}
				})
			}
		}
	}
}

// hiddenKeys hides the header match of the keys of this package, so that
// Verify looks the key up and takes its general signature path.
type hiddenKeys struct{ jwt.Keys }

// verifyPaths are the ways through Verify: the fast paths a token of the
// key's own header takes, the general path, and the plain reference.
var verifyPaths = []struct {
	name   string
	verify func(e jwt.Expect, tok string, keys jwt.Keys, dst any) error
}{
	{"fast", func(e jwt.Expect, tok string, keys jwt.Keys, dst any) error { return e.Verify(tok, keys, dst) }},
	{"general", func(e jwt.Expect, tok string, keys jwt.Keys, dst any) error {
		return e.Verify(tok, hiddenKeys{keys}, dst)
	}},
	{"plain", jwt.VerifyPlain},
}

// TestAttackPointerEmbeddedClaimsPanic stops a signed token from crashing
// the verifier: a destination that embeds *Claims, nil until a registered
// claim is decoded, with a payload that has none.
func TestAttackPointerEmbeddedClaimsPanic(t *testing.T) {
	k := hs256(t)
	tok := signRaw(t, k, "", `{"role":"admin"}`)
	for _, path := range verifyPaths {
		t.Run(path.name, func(t *testing.T) {
			var c ptrClaims
			require.NotPanics(t, func() { require.ErrorIs(t, path.verify(secPolicy, tok, k, &c), jwt.ErrMissingExpiry) })
			lax := secPolicy
			lax.AllowMissingExpiry = true
			require.NotPanics(t, func() { require.NoError(t, path.verify(lax, tok, k, &c)) })
			assert.Equal(t, "admin", c.Role)

			tok := signRaw(t, k, "", validPayload())
			require.NoError(t, path.verify(secPolicy, tok, k, &c))
			require.NotNil(t, c.Claims)
			assert.Equal(t, "42", c.Subject)
		})
	}
}

// TestAttackDestinationTypesDoNotPanic passes Verify every kind of
// destination a caller could get wrong: none may panic, whatever it
// returns.
func TestAttackDestinationTypesDoNotPanic(t *testing.T) {
	k := hs256(t)
	toks := []string{
		signRaw(t, k, "", validPayload()),
		signRaw(t, k, "", fmt.Sprintf(`{"exp":%d,"role":"admin","tags":["a"],"profile":{"name":"x"}}`, secExp)),
		signRaw(t, k, "", `{"role":"admin"}`),
	}
	var anything any
	dsts := []any{
		nil,
		(*jwt.Claims)(nil), (*roleClaims)(nil), (*richClaims)(nil), (*ptrClaims)(nil), (*map[string]any)(nil),
		jwt.Claims{}, roleClaims{}, map[string]any{},
		new(*jwt.Claims), new(*roleClaims), new(*ptrClaims), new(**jwt.Claims),
		new(int), new(string), new([]any), &anything, new(chan int), new(func()),
		&struct {
			jwt.Claims `json:"c"`
		}{},
		&struct{ c jwt.Claims }{},
		&struct {
			*jwt.Claims
			*roleClaims
		}{},
	}
	for _, path := range verifyPaths {
		for i, dst := range dsts {
			for _, tok := range toks {
				for _, policy := range []jwt.Expect{secPolicy, {Now: at(secNow), AllowMissingExpiry: true}} {
					assert.NotPanics(t, func() { _ = path.verify(policy, tok, k, dst) }, "%s path, destination %d (%T)", path.name, i, dst)
				}
			}
		}
	}
}
