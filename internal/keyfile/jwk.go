package keyfile

import (
	"fmt"

	"github.com/jwtpair/jwt"
)

func parseJWK(data []byte, alg jwt.Algorithm, p Purpose) (any, error) {
	return nil, fmt.Errorf("%w: JWK key files are not supported yet", jwt.ErrInvalidKey)
}
