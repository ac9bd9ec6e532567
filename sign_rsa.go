package jwt

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"math/big"
)

// Bounds on RSA moduli. RFC 7518 §3.3 requires 2048 bits at least; moduli
// over 8192 bits only make verification slow enough to be a denial of
// service.
const (
	minRSABits = 2048
	maxRSABits = 8192
)

// RSAVerifier is an RSA public key for RS256, RS384, RS512 (RSASSA-PKCS1-v1_5,
// RFC 7518 §3.3) or PS256, PS384, PS512 (RSASSA-PSS, §3.5). It is a
// [Verifier] and [Keys], and safe for concurrent use.
type RSAVerifier struct {
	keyMeta
	pub  *rsa.PublicKey
	hash crypto.Hash
	pss  bool
}

// NewRSAVerifier returns a verifier for alg, one of RS256, RS384, RS512,
// PS256, PS384 and PS512. The key must have a modulus of 2048 to 8192 bits
// and an odd public exponent of at least 3; a smaller modulus is refused
// with [ErrWeakKey].
func NewRSAVerifier(alg Algorithm, key *rsa.PublicKey) (*RSAVerifier, error) {
	h, pss, ok := rsaParams(alg)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not an RSA algorithm", ErrKeyMismatch, alg)
	}
	if err := checkRSAPublic(key); err != nil {
		return nil, err
	}
	return &RSAVerifier{keyMeta: newKeyMeta(alg, ""), pub: key, hash: h, pss: pss}, nil
}

func rsaParams(alg Algorithm) (h crypto.Hash, pss, ok bool) {
	switch alg {
	case RS256:
		return crypto.SHA256, false, true
	case RS384:
		return crypto.SHA384, false, true
	case RS512:
		return crypto.SHA512, false, true
	case PS256:
		return crypto.SHA256, true, true
	case PS384:
		return crypto.SHA384, true, true
	case PS512:
		return crypto.SHA512, true, true
	}
	return 0, false, false
}

func checkRSAPublic(key *rsa.PublicKey) error {
	if key == nil || key.N == nil || key.N.Sign() <= 0 {
		return fmt.Errorf("%w: empty RSA key", ErrInvalidKey)
	}
	bits := key.N.BitLen()
	if bits < minRSABits {
		return fmt.Errorf("%w: RSA modulus of %d bits, at least %d needed", ErrWeakKey, bits, minRSABits)
	}
	if bits > maxRSABits {
		return fmt.Errorf("%w: RSA modulus of %d bits, at most %d accepted", ErrInvalidKey, bits, maxRSABits)
	}
	if key.E < 3 || key.E%2 == 0 {
		return fmt.Errorf("%w: RSA public exponent must be odd and at least 3", ErrWeakKey)
	}
	if hasROCAFingerprint(key.N) {
		return fmt.Errorf("%w: RSA modulus made by a generator with the ROCA flaw (CVE-2017-15361)", ErrWeakKey)
	}
	return nil
}

// rocaPrimes are the small primes whose product divides the constant M of
// the flawed prime generator found by Nemec et al., "The Return of
// Coppersmith's Attack" (ACM CCS 2017), for every key size it made.
var rocaPrimes = [...]uint16{3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167}

// hasROCAFingerprint reports whether n carries the fingerprint of that
// generator. Its primes are k·M + (65537^a mod M), so modulo each prime r
// dividing M, both primes and hence n lie in the subgroup that 65537
// generates. A random modulus lies in all those subgroups with negligible
// probability; the factorisation of a flawed one is practical.
func hasROCAFingerprint(n *big.Int) bool {
	var q, m big.Int
	for _, r := range rocaPrimes {
		res := q.Mod(n, m.SetUint64(uint64(r))).Uint64()
		g := 65537 % uint64(r)
		in := false
		for x, i := uint64(1), 0; i < int(r); i++ {
			if x == res {
				in = true
				break
			}
			x = x * g % uint64(r)
		}
		if !in {
			return false
		}
	}
	return true
}

// WithKeyID returns a copy of v whose key ID is kid.
func (v *RSAVerifier) WithKeyID(kid string) *RSAVerifier {
	c := *v
	c.keyMeta = newKeyMeta(v.Algorithm(), kid)
	return &c
}

// PublicKey returns the key v verifies with.
func (v *RSAVerifier) PublicKey() *rsa.PublicKey { return v.pub }

// Verify checks an RSA signature, which must be exactly as long as the
// modulus.
func (v *RSAVerifier) Verify(signingInput, signature []byte) error {
	if len(signature) != v.pub.Size() {
		return ErrSignature
	}
	digest := hashSum(v.hash, signingInput)
	var err error
	if v.pss {
		err = rsa.VerifyPSS(v.pub, v.hash, digest, signature, &rsa.PSSOptions{SaltLength: v.hash.Size(), Hash: v.hash})
	} else {
		err = rsa.VerifyPKCS1v15(v.pub, v.hash, digest, signature)
	}
	if err != nil {
		return ErrSignature
	}
	return nil
}

// VerifierFor returns v, unless v has a key ID and the token names another.
func (v *RSAVerifier) VerifierFor(_ context.Context, h Header) (Verifier, error) {
	return v.verifierFor(v, h.KeyID)
}

func (v *RSAVerifier) matchHeader(enc string) (Verifier, *Header) { return v.match(v, enc) }

// RSASigner is an RSA private key for the algorithms of [RSAVerifier]. It
// is a [Signer] and also verifies, with its public half. It is safe for
// concurrent use.
type RSASigner struct {
	RSAVerifier
	priv *rsa.PrivateKey
}

// NewRSASigner returns a signer for alg, one of RS256, RS384, RS512, PS256,
// PS384 and PS512. The key must pass rsa.PrivateKey.Validate and meet the
// bounds of [NewRSAVerifier]. PS* signatures use a salt as long as the hash
// output, as RFC 7518 §3.5 requires.
func NewRSASigner(alg Algorithm, key *rsa.PrivateKey) (*RSASigner, error) {
	if key == nil {
		return nil, fmt.Errorf("%w: empty RSA key", ErrInvalidKey)
	}
	v, err := NewRSAVerifier(alg, &key.PublicKey)
	if err != nil {
		return nil, err
	}
	if err := key.Validate(); err != nil {
		return nil, fmt.Errorf("%w: RSA private key does not validate", ErrInvalidKey)
	}
	return &RSASigner{RSAVerifier: *v, priv: key}, nil
}

// WithKeyID returns a copy of s whose tokens carry kid.
func (s *RSASigner) WithKeyID(kid string) *RSASigner {
	c := *s
	c.keyMeta = newKeyMeta(s.Algorithm(), kid)
	return &c
}

// Public returns the verifier of s's public key, with the same key ID.
func (s *RSASigner) Public() *RSAVerifier {
	v := s.RSAVerifier
	return &v
}

// PrivateKey returns the key s signs with.
func (s *RSASigner) PrivateKey() *rsa.PrivateKey { return s.priv }

// Sign returns the RSA signature of signingInput.
func (s *RSASigner) Sign(signingInput []byte) ([]byte, error) {
	digest := hashSum(s.hash, signingInput)
	if s.pss {
		return rsa.SignPSS(rand.Reader, s.priv, s.hash, digest, &rsa.PSSOptions{SaltLength: s.hash.Size(), Hash: s.hash})
	}
	return rsa.SignPKCS1v15(nil, s.priv, s.hash, digest)
}

// VerifierFor returns s, unless s has a key ID and the token names another.
func (s *RSASigner) VerifierFor(_ context.Context, h Header) (Verifier, error) {
	return s.verifierFor(s, h.KeyID)
}

func (s *RSASigner) matchHeader(enc string) (Verifier, *Header) { return s.match(s, enc) }
