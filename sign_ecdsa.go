package jwt

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"math/big"
)

// ECDSAVerifier is an ECDSA public key for ES256 (P-256), ES384 (P-384) or
// ES512 (P-521), RFC 7518 §3.4. It is a [Verifier] and [Keys], and safe for
// concurrent use.
type ECDSAVerifier struct {
	keyMeta
	pub  *ecdsa.PublicKey
	hash crypto.Hash
	size int // bytes of r and of s
}

// NewECDSAVerifier returns a verifier for alg, one of ES256, ES384 and
// ES512. The key's curve must be the algorithm's (P-256, P-384, P-521), or
// [ErrKeyMismatch] is returned, and its point must lie on the curve.
func NewECDSAVerifier(alg Algorithm, key *ecdsa.PublicKey) (*ECDSAVerifier, error) {
	curve, h, ok := ecdsaParams(alg)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not an ECDSA algorithm", ErrKeyMismatch, alg)
	}
	if key == nil || key.Curve == nil || key.X == nil || key.Y == nil {
		return nil, fmt.Errorf("%w: empty ECDSA key", ErrInvalidKey)
	}
	if key.Curve != curve {
		return nil, fmt.Errorf("%w: %s needs a key on %s, got %s", ErrKeyMismatch, alg, curve.Params().Name, key.Curve.Params().Name)
	}
	if _, err := key.ECDH(); err != nil {
		return nil, fmt.Errorf("%w: ECDSA point is not on its curve", ErrInvalidKey)
	}
	return &ECDSAVerifier{keyMeta: newKeyMeta(alg, ""), pub: key, hash: h, size: (curve.Params().BitSize + 7) / 8}, nil
}

func ecdsaParams(alg Algorithm) (elliptic.Curve, crypto.Hash, bool) {
	switch alg {
	case ES256:
		return elliptic.P256(), crypto.SHA256, true
	case ES384:
		return elliptic.P384(), crypto.SHA384, true
	case ES512:
		return elliptic.P521(), crypto.SHA512, true
	}
	return nil, 0, false
}

// WithKeyID returns a copy of v whose key ID is kid.
func (v *ECDSAVerifier) WithKeyID(kid string) *ECDSAVerifier {
	c := *v
	c.keyMeta = newKeyMeta(v.Algorithm(), kid)
	return &c
}

// PublicKey returns the key v verifies with.
func (v *ECDSAVerifier) PublicKey() *ecdsa.PublicKey { return v.pub }

// Verify checks a signature in the JWS form: r and s as big-endian
// integers, each exactly the size of the curve (64 bytes for ES256, 96 for
// ES384, 132 for ES512). Any other length, an ASN.1 DER signature
// included, is refused, and so are r or s of zero or not below the group
// order.
func (v *ECDSAVerifier) Verify(signingInput, signature []byte) error {
	if len(signature) != 2*v.size {
		return ErrSignature
	}
	r := new(big.Int).SetBytes(signature[:v.size])
	s := new(big.Int).SetBytes(signature[v.size:])
	n := v.pub.Curve.Params().N
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(n) >= 0 || s.Cmp(n) >= 0 {
		return ErrSignature
	}
	if !ecdsa.Verify(v.pub, hashSum(v.hash, signingInput), r, s) {
		return ErrSignature
	}
	return nil
}

// VerifierFor returns v, unless v has a key ID and the token names another.
func (v *ECDSAVerifier) VerifierFor(_ context.Context, h Header) (Verifier, error) {
	return v.verifierFor(v, h.KeyID)
}

func (v *ECDSAVerifier) matchHeader(enc string) (Verifier, *Header) { return v.match(v, enc) }

// ECDSASigner is an ECDSA private key for the algorithms of
// [ECDSAVerifier]. It is a [Signer] and also verifies, with its public
// half. It is safe for concurrent use.
type ECDSASigner struct {
	ECDSAVerifier
	priv *ecdsa.PrivateKey
}

// NewECDSASigner returns a signer for alg, one of ES256, ES384 and ES512;
// the key's curve must be the algorithm's.
func NewECDSASigner(alg Algorithm, key *ecdsa.PrivateKey) (*ECDSASigner, error) {
	if key == nil || key.D == nil || key.D.Sign() <= 0 {
		return nil, fmt.Errorf("%w: empty ECDSA key", ErrInvalidKey)
	}
	v, err := NewECDSAVerifier(alg, &key.PublicKey)
	if err != nil {
		return nil, err
	}
	if _, err := key.ECDH(); err != nil {
		return nil, fmt.Errorf("%w: ECDSA private key does not match its public key", ErrInvalidKey)
	}
	return &ECDSASigner{ECDSAVerifier: *v, priv: key}, nil
}

// WithKeyID returns a copy of s whose tokens carry kid.
func (s *ECDSASigner) WithKeyID(kid string) *ECDSASigner {
	c := *s
	c.keyMeta = newKeyMeta(s.Algorithm(), kid)
	return &c
}

// Public returns the verifier of s's public key, with the same key ID.
func (s *ECDSASigner) Public() *ECDSAVerifier {
	v := s.ECDSAVerifier
	return &v
}

// PrivateKey returns the key s signs with.
func (s *ECDSASigner) PrivateKey() *ecdsa.PrivateKey { return s.priv }

// Sign returns r and s, each padded to the size of the curve.
func (s *ECDSASigner) Sign(signingInput []byte) ([]byte, error) {
	r, sv, err := ecdsa.Sign(rand.Reader, s.priv, hashSum(s.hash, signingInput))
	if err != nil {
		return nil, err
	}
	sig := make([]byte, 2*s.size)
	r.FillBytes(sig[:s.size])
	sv.FillBytes(sig[s.size:])
	return sig, nil
}

// VerifierFor returns s, unless s has a key ID and the token names another.
func (s *ECDSASigner) VerifierFor(_ context.Context, h Header) (Verifier, error) {
	return s.verifierFor(s, h.KeyID)
}

func (s *ECDSASigner) matchHeader(enc string) (Verifier, *Header) { return s.match(s, enc) }
