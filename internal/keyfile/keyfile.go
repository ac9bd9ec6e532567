// Package keyfile reads the key files of the jwt command and the example
// server: PEM for the asymmetric algorithms, a JWK (RFC 7517) for any
// algorithm, and for HMAC the secret's bytes exactly as the file holds
// them.
//
// A key file is read for an algorithm and a purpose: signing needs a
// private key (or an HMAC secret); verifying takes a public key, a private
// key's public half, or an HMAC secret. The algorithm comes from the caller
// or, when the caller gives none, from the alg member of a JWK; never from a
// token.
//
// It makes keys through the exported API of the jwt package (its PEM
// parsers and key constructors) and of package jwk (ParseKey, then the
// Key's Signer or Verifier), and otherwise uses the standard library only.
package keyfile

import (
	"bytes"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/jwtpair/jwt"
)

// MaxSize is the largest key file read, in bytes: far more than any key
// or certificate needs, and small enough that a wrong path (a log file, a
// device) cannot exhaust memory.
const MaxSize = 1 << 20

// Errors of key files. The constructors' errors of package jwt
// (jwt.ErrWeakKey, jwt.ErrKeyMismatch, jwt.ErrInvalidKey,
// jwt.ErrUnsupportedAlgorithm) are returned wrapped as they are.
var (
	// ErrTooLarge is returned for a key file larger than MaxSize.
	ErrTooLarge = errors.New("key file is larger than 1 MiB")

	// ErrNoAlgorithm is returned when no algorithm is given and the key
	// file is not a JWK that names one.
	ErrNoAlgorithm = errors.New("no algorithm given, and the key is not a JWK that names one")
)

// Purpose is what a key is read for.
type Purpose int

// The purposes of a key.
const (
	// Sign asks for a private key or an HMAC secret.
	Sign Purpose = iota
	// Verify asks for a public key, a private key (its public half is used)
	// or an HMAC secret.
	Verify
)

// Read reads the file at path, at most MaxSize bytes.
func Read(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSize {
		return nil, ErrTooLarge
	}
	return data, nil
}

// ReadSigner reads the key file at path and returns a signer for alg. An
// empty alg means the alg of a JWK.
func ReadSigner(path string, alg jwt.Algorithm) (jwt.Signer, error) {
	data, err := Read(path)
	if err != nil {
		return nil, err
	}
	return ParseSigner(data, alg)
}

// ReadVerifier reads the key file at path and returns a verifier for alg.
// An empty alg means the alg of a JWK. The verifier is also jwt.Keys (see
// [Keys]).
func ReadVerifier(path string, alg jwt.Algorithm) (jwt.Verifier, error) {
	data, err := Read(path)
	if err != nil {
		return nil, err
	}
	return ParseVerifier(data, alg)
}

// ParseSigner is ReadSigner on the contents of a key file.
func ParseSigner(data []byte, alg jwt.Algorithm) (jwt.Signer, error) {
	k, err := parse(data, alg, Sign)
	if err != nil {
		return nil, err
	}
	return k.(jwt.Signer), nil
}

// ParseVerifier is ReadVerifier on the contents of a key file.
func ParseVerifier(data []byte, alg jwt.Algorithm) (jwt.Verifier, error) {
	k, err := parse(data, alg, Verify)
	if err != nil {
		return nil, err
	}
	return k.(jwt.Verifier), nil
}

// Keys returns v as jwt.Keys: v itself when it is (every verifier of
// package jwt is, and keeps its fast path and its key ID check), else
// jwt.SingleKey(v).
func Keys(v jwt.Verifier) jwt.Keys {
	if k, ok := v.(jwt.Keys); ok {
		return k
	}
	return jwt.SingleKey(v)
}

// parse returns a jwt.Signer for Sign and a jwt.Verifier for Verify.
func parse(data []byte, alg jwt.Algorithm, p Purpose) (any, error) {
	if alg != "" && !slices.Contains(jwt.Algorithms(), alg) {
		return nil, fmt.Errorf("%w: %q", jwt.ErrUnsupportedAlgorithm, alg)
	}
	if isJWK(data) {
		return parseJWK(data, alg, p)
	}
	if alg == "" {
		return nil, ErrNoAlgorithm
	}
	if isHMAC(alg) {
		return parseSecret(data, alg)
	}
	return parsePEM(data, alg, p)
}

func isHMAC(alg jwt.Algorithm) bool { return strings.HasPrefix(string(alg), "HS") }

// isJWK reports whether data looks like a JSON object with a kty member,
// which no PEM file and almost no random secret is. A secret file that is
// such an object is a JWK, whatever its author meant.
func isJWK(data []byte) bool {
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{' && bytes.Contains(t, []byte(`"kty"`))
}

// parseSecret takes the file's bytes, exactly, as an HMAC secret. A file
// holding a PEM block is refused: using a public key's PEM as an HMAC
// secret is the algorithm confusion attack, and no real secret looks like
// PEM.
func parseSecret(data []byte, alg jwt.Algorithm) (any, error) {
	if block, _ := pem.Decode(data); block != nil {
		return nil, fmt.Errorf("%w: a PEM %s is not an HMAC secret", jwt.ErrKeyMismatch, strings.ToLower(block.Type))
	}
	return jwt.NewHMAC(alg, data)
}

// keyBlock returns the first PEM block of data that holds a key or a
// certificate, skipping the EC PARAMETERS block that OpenSSL writes before
// an EC private key, re-encoded on its own for package jwt's parsers.
func keyBlock(data []byte) (*pem.Block, []byte, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, nil, fmt.Errorf("%w: no PEM key block", jwt.ErrInvalidKey)
		}
		if block.Type != "EC PARAMETERS" {
			return block, pem.EncodeToMemory(block), nil
		}
	}
}

func parsePEM(data []byte, alg jwt.Algorithm, p Purpose) (any, error) {
	block, one, err := keyBlock(data)
	if err != nil {
		return nil, err
	}
	if p == Verify {
		pub, err := jwt.ParsePublicKeyPEM(one)
		if err != nil {
			return nil, err
		}
		return jwt.NewVerifier(alg, pub)
	}
	switch block.Type {
	case "PUBLIC KEY", "RSA PUBLIC KEY", "CERTIFICATE":
		return nil, fmt.Errorf("%w: signing needs a private key, the file holds a %s", jwt.ErrKeyMismatch, strings.ToLower(block.Type))
	}
	priv, err := jwt.ParsePrivateKeyPEM(one)
	if err != nil {
		return nil, err
	}
	return jwt.NewSigner(alg, priv)
}
