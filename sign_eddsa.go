package jwt

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"fmt"
)

// EdDSAVerifier is an Ed25519 public key for Ed25519 signatures, under
// either of their names: Ed25519 (RFC 9864) or the older EdDSA (RFC
// 8037), which RFC 9864 deprecates. It is a [Verifier] and [Keys], and
// safe for concurrent use.
type EdDSAVerifier struct {
	keyMeta
	pub ed25519.PublicKey
}

// NewEdDSAVerifier returns a verifier for alg, Ed25519 or EdDSA, with an
// Ed25519 public key of exactly ed25519.PublicKeySize bytes. The key is
// copied. The two names are one algorithm, but a verifier checks the name
// it was made for: a token's alg must be that name.
func NewEdDSAVerifier(alg Algorithm, key ed25519.PublicKey) (*EdDSAVerifier, error) {
	if alg != EdDSA && alg != Ed25519 {
		return nil, fmt.Errorf("%w: %q is not an Ed25519 algorithm", ErrKeyMismatch, alg)
	}
	if len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: Ed25519 public key of %d bytes", ErrInvalidKey, len(key))
	}
	return &EdDSAVerifier{keyMeta: newKeyMeta(alg, ""), pub: bytes.Clone(key)}, nil
}

// WithKeyID returns a copy of v whose key ID is kid.
func (v *EdDSAVerifier) WithKeyID(kid string) *EdDSAVerifier {
	c := *v
	c.keyMeta = newKeyMeta(c.Algorithm(), kid)
	return &c
}

// PublicKey returns the key v verifies with.
func (v *EdDSAVerifier) PublicKey() ed25519.PublicKey { return v.pub }

// Verify checks an Ed25519 signature of exactly 64 bytes.
func (v *EdDSAVerifier) Verify(signingInput, signature []byte) error {
	if len(signature) != ed25519.SignatureSize || !ed25519.Verify(v.pub, signingInput, signature) {
		return ErrSignature
	}
	return nil
}

// VerifierFor returns v, unless v has a key ID and the token names another.
func (v *EdDSAVerifier) VerifierFor(_ context.Context, h Header) (Verifier, error) {
	return v.verifierFor(v, h.KeyID)
}

func (v *EdDSAVerifier) matchHeader(enc string) (Verifier, *Header) { return v.match(v, enc) }

// EdDSASigner is an Ed25519 private key for Ed25519 signatures, under the
// name Ed25519 or EdDSA, as [EdDSAVerifier]. It is a [Signer] and also
// verifies, with its public half. It is safe for concurrent use.
type EdDSASigner struct {
	EdDSAVerifier
	priv ed25519.PrivateKey
}

// NewEdDSASigner returns a signer for alg, Ed25519 or EdDSA, with an
// Ed25519 private key of exactly ed25519.PrivateKeySize bytes whose public
// half is the one its seed gives: signing with a mismatched public half
// would leak the private key, so such a key is refused with
// [ErrInvalidKey]. The key is copied. New issuers should prefer Ed25519,
// the name RFC 9864 gives; verifiers that know only EdDSA need EdDSA.
func NewEdDSASigner(alg Algorithm, key ed25519.PrivateKey) (*EdDSASigner, error) {
	if alg != EdDSA && alg != Ed25519 {
		return nil, fmt.Errorf("%w: %q is not an Ed25519 algorithm", ErrKeyMismatch, alg)
	}
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: Ed25519 private key of %d bytes", ErrInvalidKey, len(key))
	}
	priv := ed25519.NewKeyFromSeed(key.Seed())
	if !bytes.Equal(priv, key) {
		return nil, fmt.Errorf("%w: Ed25519 public half does not match the seed", ErrInvalidKey)
	}
	pub := priv.Public().(ed25519.PublicKey)
	return &EdDSASigner{EdDSAVerifier: EdDSAVerifier{keyMeta: newKeyMeta(alg, ""), pub: pub}, priv: priv}, nil
}

// WithKeyID returns a copy of s whose tokens carry kid.
func (s *EdDSASigner) WithKeyID(kid string) *EdDSASigner {
	c := *s
	c.keyMeta = newKeyMeta(c.Algorithm(), kid)
	return &c
}

// Public returns the verifier of s's public key, with the same key ID.
func (s *EdDSASigner) Public() *EdDSAVerifier {
	v := s.EdDSAVerifier
	return &v
}

// PrivateKey returns the key s signs with.
func (s *EdDSASigner) PrivateKey() ed25519.PrivateKey { return s.priv }

// Sign returns the Ed25519 signature of signingInput.
func (s *EdDSASigner) Sign(signingInput []byte) ([]byte, error) {
	return ed25519.Sign(s.priv, signingInput), nil
}

// VerifierFor returns s, unless s has a key ID and the token names another.
func (s *EdDSASigner) VerifierFor(_ context.Context, h Header) (Verifier, error) {
	return s.verifierFor(s, h.KeyID)
}

func (s *EdDSASigner) matchHeader(enc string) (Verifier, *Header) { return s.match(s, enc) }
