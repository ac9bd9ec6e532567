package bench

import (
	"testing"
)

// TestAdaptersAgree signs with every adapter and verifies with every other,
// and requires the same claims back: no adapter is measured doing less.
// The one exception is PS256 from signers that use a salt of the wrong
// length, which the strict verifiers must refuse.
func TestAdaptersAgree(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			ads := allAdapters(fixedKeys(t, alg))
			for _, signer := range ads {
				if signer.sign == nil {
					continue
				}
				tok, err := signer.sign(&sample)
				if err != nil {
					t.Fatalf("%s sign: %v", signer.name, err)
				}
				for _, v := range ads {
					var got UserClaims
					if alg == "PS256" && signer.maxSaltPSS && !v.anySaltPSS {
						// A salt other than the hash's is not RFC 7518
						// PS256; a strict verifier must refuse it.
						if err := v.verify(tok, &got); err == nil {
							t.Errorf("%s accepts %s's PS256 token with the wrong salt length", v.name, signer.name)
						}
						continue
					}
					if err := v.verify(tok, &got); err != nil {
						t.Errorf("%s does not accept %s's token: %v", v.name, signer.name, err)
						continue
					}
					want := sample
					if v.partial {
						want.TokenType, want.UserID = "", 0
					}
					if got != want {
						t.Errorf("%s reads %s's token as %+v", v.name, signer.name, got)
					}
				}
			}
		})
	}
}

// TestAdaptersRefuse checks that every verifier refuses a token with a bad
// signature, an expired token and a token of another algorithm.
func TestAdaptersRefuse(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg, func(t *testing.T) {
			k := fixedKeys(t, alg)
			plain := plainAdapter(k)
			good, err := plain.sign(&sample)
			if err != nil {
				t.Fatal(err)
			}
			expired := sample
			expired.Expiry = 1700000100
			old, err := plain.sign(&expired)
			if err != nil {
				t.Fatal(err)
			}
			other := "HS256"
			if alg == "HS256" {
				other = "EdDSA"
			}
			foreign, err := plainAdapter(fixedKeys(t, other)).sign(&sample)
			if err != nil {
				t.Fatal(err)
			}
			bad := []byte(good)
			i := len(bad) - 5
			bad[i] ^= 'A' ^ 'B'
			for _, v := range allAdapters(k) {
				for name, tok := range map[string]string{"bad signature": string(bad), "expired": old, "other algorithm": foreign} {
					var got UserClaims
					if err := v.verify(tok, &got); err == nil {
						t.Errorf("%s accepts a token with %s", v.name, name)
					}
				}
			}
		})
	}
}
