package keyfile

import (
	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
)

// parseJWK reads a JWK for alg, or for the JWK's own alg when alg is
// empty. The JWK's alg, use and key_ops bind: a given alg other than the
// JWK's is refused with jwt.ErrKeyMismatch, and so is an RSA, EC or OKP
// JWK offered as an HMAC secret.
func parseJWK(data []byte, alg jwt.Algorithm, p Purpose) (any, error) {
	k, err := jwk.ParseKey(data)
	if err != nil {
		return nil, err
	}
	if alg == "" && k.Algorithm == "" {
		return nil, ErrNoAlgorithm
	}
	if p == Sign {
		return k.Signer(alg)
	}
	return k.Verifier(alg)
}
