package jwt_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzNow is the clock of FuzzVerify: a time before the exp of the RFC
// examples and of the crafted seeds, so that their claims pass.
var fuzzNow = time.Unix(1_300_000_000, 0)

// fuzzKeys returns the fixed keys FuzzVerify verifies with: the HS256 key
// of RFC 7515 A.1, the EdDSA key of RFC 8037 A.1 and the ES256 key of
// RFC 7515 A.3, so that the RFC tokens among the seeds verify.
func fuzzKeys(t testing.TB) []jwt.Signer {
	t.Helper()
	var out []jwt.Signer
	for _, c := range rfcCases(t, "rfc7515.json") {
		if c.Alg == "HS256" || c.Alg == "ES256" {
			out = append(out, signerFor(t, c))
		}
	}
	for _, c := range rfcCases(t, "rfc8037.json") {
		out = append(out, signerFor(t, c))
	}
	require.Len(t, out, 3)
	return out
}

// seedTokens returns every compact token in testdata: the RFC examples and
// the JWS tokens of Wycheproof's json_web_signature_test.json.
func seedTokens(t testing.TB) []string {
	t.Helper()
	var toks []string
	files, err := filepath.Glob("testdata/rfc*.json")
	require.NoError(t, err)
	for _, f := range files {
		for _, c := range rfcCases(t, filepath.Base(f)) {
			toks = append(toks, c.Compact)
		}
	}
	var w struct {
		TestGroups []struct {
			Tests []struct {
				JWS string `json:"jws"`
			} `json:"tests"`
		} `json:"testGroups"`
	}
	loadJSON(t, "testdata/wycheproof/json_web_signature_test.json", &w)
	for _, g := range w.TestGroups {
		for _, c := range g.Tests {
			toks = append(toks, c.JWS)
		}
	}
	return toks
}

func FuzzVerify(f *testing.F) {
	keys := fuzzKeys(f)
	for _, tok := range seedTokens(f) {
		f.Add(tok)
	}
	// Crafted seeds: tokens of every fixed key with claims of each kind.
	exp := jwt.NewNumericDate(fuzzNow.Add(time.Hour))
	payloads := []any{
		jwt.Claims{Issuer: "auth", Subject: "42", Audience: jwt.Audience{"a", "b"}, Expiry: exp, NotBefore: 1, IssuedAt: 1, ID: "x"},
		map[string]any{"exp": exp, "nested": map[string]any{"a": []any{1.5, "é", nil, true}}},
		map[string]any{"exp": 1.5e9, "aud": "one", "s": "\u2028<>&"},
	}
	for _, k := range keys {
		for _, p := range payloads {
			tok, err := jwt.Sign(k, p)
			require.NoError(f, err)
			f.Add(tok)
		}
	}
	policy := jwt.Expect{Now: func() time.Time { return fuzzNow }, AllowMissingExpiry: true}
	f.Fuzz(func(t *testing.T, tok string) {
		_, _ = jwt.DecodeUnverified(tok)
		for _, k := range keys {
			var got map[string]any
			if err := policy.Verify(tok, k.(jwt.Keys), &got); err != nil {
				require.Nil(t, got, "claims of a refused token are not returned")
				continue
			}
			var reg jwt.Claims
			require.NoError(t, policy.Verify(tok, k.(jwt.Keys), &reg))

			again, err := jwt.Sign(k, got)
			require.NoError(t, err)
			var got2 map[string]any
			require.NoError(t, policy.Verify(again, k.(jwt.Keys), &got2))
			assert.Equal(t, got, got2)

			again, err = jwt.Sign(k, reg)
			require.NoError(t, err)
			var reg2 jwt.Claims
			require.NoError(t, policy.Verify(again, k.(jwt.Keys), &reg2))
			assert.Equal(t, reg, reg2)
		}
	})
}

// FuzzReusedDestination holds Verify to judging and filling a destination
// by the token alone: verifying payload b into a destination that holds
// the claims of payload a gives the same error class, and the same value,
// as verifying b into a new destination, for every kind of destination,
// on the fast and the general paths.
func FuzzReusedDestination(f *testing.F) {
	f.Add(`{"sub":"alice","aud":"api","exp":1800000000,"role":"admin","tags":["a"],"profile":{"name":"root"}}`, `{"sub":"mallory"}`)
	f.Add(`{"sub":"alice","aud":"api","exp":1800000000,"role":"admin"}`, `{"sub":"mallory","exp":1800000000}`)
	f.Add(`{"iss":"auth","aud":["api","web"],"exp":1800000000,"nbf":1600000000}`, `{"aud":"api","exp":1800000000,"role":null}`)
	f.Add(`{"exp":1800000000,"profile":{"name":"x"},"tags":[]}`, `{"exp":1800000000,"profile":null}`)
	f.Add(`{"role":"admin"}`, `{}`)
	for _, s := range codecSeeds {
		f.Add(`{"sub":"alice","aud":"api","exp":1800000000,"role":"admin"}`, s)
	}
	k := codecKey
	policies := []jwt.Expect{
		{Now: at(time.Unix(1_700_000_000, 0)), Audience: jwt.Audience{"api"}},
		{Now: at(time.Unix(1_700_000_000, 0)), AllowMissingExpiry: true},
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		ta, tb := signRaw(t, k, "", a), signRaw(t, k, "", b)
		for _, path := range verifyPaths {
			for _, e := range policies {
				for _, d := range staleDestinations {
					dst, fresh := d.new(), d.new()
					_ = path.verify(e, ta, k, dst)
					got, want := path.verify(e, tb, k, dst), path.verify(e, tb, k, fresh)
					sameClass(t, got, want)
					assert.Equal(t, fresh, dst, "%s, %s", path.name, d.name)
				}
			}
		}
	})
}
