package main

import (
	"crypto"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
)

// secretJWK returns the file PREFIX.jwk.json: secret as an "oct" JWK with
// alg and its RFC 7638 thumbprint as kid, mode 0600.
func (c *cli) secretJWK(alg jwt.Algorithm, secret []byte) ([]keyFile, error) {
	data, err := marshalJWK(&jwk.Key{Key: secret, Algorithm: alg, Use: "sig"})
	if err != nil {
		return nil, err
	}
	return []keyFile{{suffix: ".jwk.json", mode: 0o600, data: data}}, nil
}

// pairJWK returns the files PREFIX.jwk.json (the private key, 0600) and
// PREFIX.pub.jwk.json (the public key), both with alg, use "sig" and the
// key's RFC 7638 thumbprint as kid.
func (c *cli) pairJWK(alg jwt.Algorithm, priv crypto.Signer) ([]keyFile, error) {
	k := &jwk.Key{Key: priv, Algorithm: alg, Use: "sig"}
	privData, err := marshalJWK(k)
	if err != nil {
		return nil, err
	}
	pubData, err := marshalJWK(k.Public())
	if err != nil {
		return nil, err
	}
	return []keyFile{
		{suffix: ".jwk.json", mode: 0o600, data: privData},
		{suffix: ".pub.jwk.json", mode: 0o644, data: pubData},
	}, nil
}

// marshalJWK sets k's kid to its thumbprint and encodes it, with a newline.
func marshalJWK(k *jwk.Key) ([]byte, error) {
	kid, err := k.Thumbprint()
	if err != nil {
		return nil, err
	}
	k.KeyID = kid
	data, err := k.MarshalJSON()
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}
