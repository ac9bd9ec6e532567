package jwt_test

import (
	"crypto/rsa"
	"math/big"
	"testing"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rocaModulus is the modulus of the key that Wycheproof's
// json_web_key_test.json (tcId 7) made with the flawed generator.
func rocaModulus(t *testing.T) *big.Int {
	t.Helper()
	var f struct {
		TestGroups []struct {
			Comment string `json:"comment"`
			Public  struct {
				Keys []struct {
					N string `json:"n"`
				} `json:"keys"`
			} `json:"public"`
		} `json:"testGroups"`
	}
	loadJSON(t, "testdata/wycheproof/json_web_key_test.json", &f)
	for _, g := range f.TestGroups {
		if g.Comment == "jws_rsa_roca_key" {
			b, err := b64(g.Public.Keys[0].N)
			require.NoError(t, err)
			return new(big.Int).SetBytes(b)
		}
	}
	t.Fatal("no ROCA key in the Wycheproof file")
	return nil
}

func TestRSAKeyFromROCAGeneratorRefused(t *testing.T) {
	roca := &rsa.PublicKey{N: rocaModulus(t), E: 65537}
	require.GreaterOrEqual(t, roca.N.BitLen(), 2048, "refused for its fingerprint, not its size")
	for _, alg := range []jwt.Algorithm{jwt.RS256, jwt.PS512} {
		_, err := jwt.NewRSAVerifier(alg, roca)
		assert.ErrorIs(t, err, jwt.ErrWeakKey, "%s", alg)
	}
	_, err := jwt.NewRSAVerifier(jwt.RS256, &rsaTestKey(t).PublicKey)
	assert.NoError(t, err, "a sound key of the same size passes")
}
