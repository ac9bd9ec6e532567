package jwt

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// NewSigner returns the Signer of this package for alg and key: an
// *rsa.PrivateKey for RS* and PS*, an *ecdsa.PrivateKey for ES*, an
// ed25519.PrivateKey for EdDSA and Ed25519. A key of another type is refused with
// [ErrKeyMismatch]; the family constructor's checks apply. HMAC secrets
// are not crypto.Signers: use [NewHMAC].
func NewSigner(alg Algorithm, key crypto.Signer) (Signer, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if _, _, ok := rsaParams(alg); ok {
			return NewRSASigner(alg, k)
		}
	case *ecdsa.PrivateKey:
		if _, _, ok := ecdsaParams(alg); ok {
			return NewECDSASigner(alg, k)
		}
	case ed25519.PrivateKey:
		if alg == EdDSA || alg == Ed25519 {
			return NewEdDSASigner(alg, k)
		}
	case nil:
		return nil, fmt.Errorf("%w: no key", ErrInvalidKey)
	}
	return nil, fmt.Errorf("%w: %T cannot sign %s", ErrKeyMismatch, key, alg)
}

// NewVerifier returns the Verifier of this package for alg and key: an
// *rsa.PublicKey for RS* and PS*, an *ecdsa.PublicKey for ES*, an
// ed25519.PublicKey for EdDSA and Ed25519. A private key of those types is taken as its
// public half. A key of another type is refused with [ErrKeyMismatch].
func NewVerifier(alg Algorithm, key crypto.PublicKey) (Verifier, error) {
	if s, ok := key.(crypto.Signer); ok {
		key = s.Public()
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		if _, _, ok := rsaParams(alg); ok {
			return NewRSAVerifier(alg, k)
		}
	case *ecdsa.PublicKey:
		if _, _, ok := ecdsaParams(alg); ok {
			return NewECDSAVerifier(alg, k)
		}
	case ed25519.PublicKey:
		if alg == EdDSA || alg == Ed25519 {
			return NewEdDSAVerifier(alg, k)
		}
	case nil:
		return nil, fmt.Errorf("%w: no key", ErrInvalidKey)
	}
	return nil, fmt.Errorf("%w: %T cannot verify %s", ErrKeyMismatch, key, alg)
}

// ParsePrivateKeyPEM parses the first PEM block of data as a private key:
// "PRIVATE KEY" (PKCS #8), "RSA PRIVATE KEY" (PKCS #1) or "EC PRIVATE KEY"
// (SEC 1). The result is an *rsa.PrivateKey, an *ecdsa.PrivateKey or an
// ed25519.PrivateKey. Encrypted PEM is not supported.
func ParsePrivateKeyPEM(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrInvalidKey)
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a private key", ErrInvalidKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidKey, block.Type, err)
	}
	switch k := key.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		return k.(crypto.Signer), nil
	}
	return nil, fmt.Errorf("%w: unsupported private key type %T", ErrInvalidKey, key)
}

// ParsePublicKeyPEM parses the first PEM block of data as a public key:
// "PUBLIC KEY" (PKIX), "RSA PUBLIC KEY" (PKCS #1) or "CERTIFICATE" (X.509,
// whose public key is returned; the certificate itself is not checked: its
// dates, issuer and signature mean nothing here). A private key block is
// also accepted, and its public half returned. The result is an
// *rsa.PublicKey, an *ecdsa.PublicKey or an ed25519.PublicKey.
func ParsePublicKeyPEM(data []byte) (crypto.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrInvalidKey)
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "CERTIFICATE":
		var cert *x509.Certificate
		if cert, err = x509.ParseCertificate(block.Bytes); err == nil {
			key = cert.PublicKey
		}
	case "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY":
		var priv crypto.Signer
		if priv, err = ParsePrivateKeyPEM(data); err != nil {
			return nil, err
		}
		key = priv.Public()
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a public key", ErrInvalidKey, block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrInvalidKey, block.Type, err)
	}
	switch key.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return key, nil
	}
	return nil, fmt.Errorf("%w: unsupported public key type %T", ErrInvalidKey, key)
}

// MarshalPrivateKeyPEM encodes key as a PKCS #8 "PRIVATE KEY" PEM block.
func MarshalPrivateKeyPEM(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// MarshalPublicKeyPEM encodes key as a PKIX "PUBLIC KEY" PEM block.
func MarshalPublicKeyPEM(key crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidKey, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// hashSum returns the digest of data with h, one of SHA-256, SHA-384 and
// SHA-512, without allocating a hash state.
func hashSum(h crypto.Hash, data []byte) []byte {
	switch h {
	case crypto.SHA384:
		d := sha512.Sum384(data)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(data)
		return d[:]
	default:
		d := sha256.Sum256(data)
		return d[:]
	}
}
