package jwk_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Wycheproof's JOSE files (../testdata/wycheproof, from C2SP/wycheproof
// testvectors_v1, Apache 2.0).

type wycheproofJOSETest struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	JWS     string   `json:"jws"`
	Result  string   `json:"result"`
	Flags   []string `json:"flags"`
}

type wycheproofJWKSet struct {
	Keys []json.RawMessage `json:"keys"`
}

type wycheproofJWKGroupT struct {
	Comment string               `json:"comment"`
	Private wycheproofJWKSet     `json:"private"`
	Public  wycheproofJWKSet     `json:"public"`
	Tests   []wycheproofJOSETest `json:"tests"`
}

type wycheproofJWKFileT struct {
	NumberOfTests int                   `json:"numberOfTests"`
	TestGroups    []wycheproofJWKGroupT `json:"testGroups"`
}

func wycheproofJWKFile(t testing.TB) wycheproofJWKFileT {
	var f wycheproofJWKFileT
	loadJSON(t, "../testdata/wycheproof/json_web_key_test.json", &f)
	return f
}

func wycheproofJWKGroup(t testing.TB, comment string) wycheproofJWKGroupT {
	for _, g := range wycheproofJWKFile(t).TestGroups {
		if g.Comment == comment {
			return g
		}
	}
	t.Fatalf("no group %q", comment)
	return wycheproofJWKGroupT{}
}

type wycheproofJWSFileT struct {
	NumberOfTests int `json:"numberOfTests"`
	TestGroups    []struct {
		Comment string               `json:"comment"`
		Private json.RawMessage      `json:"private"`
		Public  json.RawMessage      `json:"public"`
		Tests   []wycheproofJOSETest `json:"tests"`
	} `json:"testGroups"`
}

func wycheproofJWSFile(t testing.TB) wycheproofJWSFileT {
	var f wycheproofJWSFileT
	loadJSON(t, "../testdata/wycheproof/json_web_signature_test.json", &f)
	return f
}

// joseOutcome checks token with ks at the JWS level, then checks that
// Verify, which also reads the payload as claims, agrees on everything up
// to the signature. The vectors' payloads are mostly not JWT claims
// ("foo", RFC 7520's text, empty), so "valid" means a valid JWS: header,
// kid, pinned alg and signature.
func joseOutcome(t *testing.T, token string, ks jwt.Keys) error {
	t.Helper()
	_, err := verifyJWS(token, ks)
	verr := jwt.Expect{AllowMissingExpiry: true, Now: at(time.Unix(1_700_000_000, 0))}.Verify(token, ks, nil)
	if err != nil {
		require.Error(t, verr, "Verify accepts what the JWS check refuses")
	} else {
		for _, e := range []error{jwt.ErrSignature, jwt.ErrAlgorithm, jwt.ErrUnknownKey, jwt.ErrCritical} {
			require.NotErrorIs(t, verr, e, "Verify refuses at the JWS level what the JWS check accepts")
		}
	}
	return err
}

// wycheproofJWKReasons is why each invalid test of json_web_key_test.json
// is refused.
var wycheproofJWKReasons = map[int]error{
	1:  jwt.ErrKeyMismatch, // a secret beside a public key
	3:  jwt.ErrSignature,   // modified signature
	4:  jwt.ErrInvalidKey,  // the second key's k has non-zero unused bits; see TestWycheproofDuplicateKIDs
	6:  jwt.ErrInvalidKey,  // only an "enc" key: nothing to verify with
	7:  jwt.ErrWeakKey,     // ROCA fingerprint
	8:  jwt.ErrWeakKey,     // RSA 1024
	9:  jwt.ErrWeakKey,     // e = 1
	10: jwt.ErrWeakKey,     // HS256 key of 31 bytes
	11: jwt.ErrWeakKey,     // HS384 key of 47 bytes
	12: jwt.ErrWeakKey,     // HS512 key of 63 bytes
	16: jwt.ErrInvalidKey,  // empty HMAC key
	17: jwt.ErrInvalidKey,  // empty HMAC key
	18: jwt.ErrInvalidKey,  // empty HMAC key
	19: jwt.ErrInvalidKey,  // alg "ES521": no key left for signatures
	20: jwt.ErrInvalidKey,  // alg "ES224": no key left for signatures
	21: jwt.ErrInvalidKey,  // use "enc": no key left for signatures
	22: jwt.ErrInvalidKey,  // point not on the curve
	23: jwt.ErrInvalidKey,  // P-256 coordinates with crv P-384
	24: jwt.ErrInvalidKey,  // kty RSA with EC members
	25: jwt.ErrInvalidKey,  // A256GCM key: no key left for signatures
	26: jwt.ErrInvalidKey,  // A256KW key: no key left for signatures
}

// TestWycheproofDuplicateKIDs is tcId 4 with the second key's k made
// canonical base64url, so that the duplicate kid is what refuses it.
func TestWycheproofDuplicateKIDs(t *testing.T) {
	g := wycheproofJWKGroup(t, "jws_duplicate_kid")
	var k map[string]any
	require.NoError(t, json.Unmarshal(g.Private.Keys[1], &k))
	k["k"] = "-xxuDNsVZ2iJtos-akfXTSCt4UO2cruLCsbWlBinggA"
	s, err := jwk.ParseSet(mustJSON(t, map[string]any{"keys": []any{g.Private.Keys[0], k}}))
	require.NoError(t, err)
	ks, err := s.KeySet()
	require.ErrorIs(t, err, jwt.ErrDuplicateKeyID)
	assert.Nil(t, ks)
}

func TestWycheproofJSONWebKey(t *testing.T) {
	f := wycheproofJWKFile(t)
	var n, valid, invalid int
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			n++
			t.Run(fmt.Sprintf("json_web_key_test.json/tcId %d %s", tc.TcID, tc.Comment), func(t *testing.T) {
				// Each set the group gives (private, public) must
				// come to the same decision.
				for name, set := range map[string]wycheproofJWKSet{"private": g.Private, "public": g.Public} {
					if set.Keys == nil {
						continue
					}
					err := func() error {
						s, err := jwk.ParseSet(mustJSON(t, set))
						if err != nil {
							return err
						}
						ks, err := s.KeySet()
						if err != nil {
							return err
						}
						return joseOutcome(t, tc.JWS, ks)
					}()
					switch tc.Result {
					case "valid":
						assert.NoError(t, err, "%s set", name)
					case "invalid":
						require.Contains(t, wycheproofJWKReasons, tc.TcID)
						assert.ErrorIs(t, err, wycheproofJWKReasons[tc.TcID], "%s set", name)
					default:
						t.Fatalf("result %q", tc.Result)
					}
				}
			})
			if tc.Result == "valid" {
				valid++
			} else {
				invalid++
			}
		}
	}
	require.Equal(t, f.NumberOfTests, n)
	t.Logf("json_web_key_test.json: %d tests, %d valid accepted, %d invalid refused", n, valid, invalid)
}

// wycheproofJWSExceptions are the tests of json_web_signature_test.json on
// which a strict verifier disagrees with the file (see
// ../testdata/README.md). The value is what these packages do, the strict
// way.
var wycheproofJWSExceptions = map[int]string{
	346: "invalid", // key alg PS256, token PS384: the key pins PS256
	350: "invalid", // the same with key_ops
	347: "invalid", // key alg "ES521", no such algorithm
	351: "invalid", // the same with key_ops
	367: "valid",   // marked invalid, but byte for byte tcId 357, which is valid
	370: "valid",   // the same
	372: "invalid", // a '?' in a base64url part
	373: "invalid", // the same
}

func TestWycheproofJSONWebSignature(t *testing.T) {
	f := wycheproofJWSFile(t)
	var n, valid, invalid, exceptions int
	for _, g := range f.TestGroups {
		for _, tc := range g.Tests {
			n++
			want := tc.Result
			if w, ok := wycheproofJWSExceptions[tc.TcID]; ok {
				require.NotEqual(t, want, w, "tcId %d is listed as an exception", tc.TcID)
				want = w
				exceptions++
			} else if want == "valid" {
				valid++
			} else {
				invalid++
			}
			t.Run(fmt.Sprintf("json_web_signature_test.json/tcId %d %s", tc.TcID, tc.Comment), func(t *testing.T) {
				// The verifier's key is the public one where the group
				// gives it. (tcId 349's private key has key_ops
				// ["sign, verify"], one unknown operation, so it may not
				// verify at all.)
				name, key := "public", g.Public
				if key == nil {
					name, key = "private", g.Private
				}
				{
					err := func() error {
						k, err := jwk.ParseKey(key)
						if err != nil {
							return err
						}
						v, err := k.Verifier("") // alg pinned by the key
						if err != nil {
							return err
						}
						ks, err := jwt.NewKeySet(v)
						if err != nil {
							return err
						}
						return joseOutcome(t, tc.JWS, ks)
					}()
					switch want {
					case "valid":
						assert.NoError(t, err, "%s key", name)
					case "invalid":
						assert.Error(t, err, "%s key", name)
					default:
						t.Fatalf("result %q", tc.Result)
					}
				}
			})
		}
	}
	require.Equal(t, f.NumberOfTests, n)
	require.Equal(t, len(wycheproofJWSExceptions), exceptions)
	t.Logf("json_web_signature_test.json: %d tests, %d valid accepted, %d invalid refused, %d documented exceptions", n, valid, invalid, exceptions)
}
