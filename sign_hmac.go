package jwt

import (
	"context"
	"crypto"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/jwtpair/jwt/internal/base64url"
)

// HMAC is a secret key for HS256, HS384 or HS512 (RFC 7518 §3.2). It is a
// [Signer], a [Verifier] and [Keys]. It is safe for concurrent use.
type HMAC struct {
	keyMeta
	secret []byte
	size   int
	pool   *sync.Pool // of *hmacState keyed with secret
}

// hmacState is a keyed hash with room to decode a signature and to write
// the MAC, so that checking a token allocates nothing.
type hmacState struct {
	h   hash.Hash
	sig [64]byte
	sum [64]byte
}

// NewHMAC returns a key for alg, which must be HS256, HS384 or HS512. The
// secret must be at least as long as the hash output (32, 48 or 64 bytes),
// as RFC 7518 §3.2 requires: a shorter one is refused with [ErrWeakKey],
// an empty one with [ErrInvalidKey]. The secret is copied.
func NewHMAC(alg Algorithm, secret []byte) (*HMAC, error) {
	var h func() hash.Hash
	switch alg {
	case HS256:
		h = sha256.New
	case HS384:
		h = sha512.New384
	case HS512:
		h = sha512.New
	default:
		return nil, fmt.Errorf("%w: %q is not an HMAC algorithm", ErrKeyMismatch, alg)
	}
	size := hmacHash(alg).Size()
	if len(secret) == 0 {
		return nil, fmt.Errorf("%w: empty HMAC secret", ErrInvalidKey)
	}
	if len(secret) < size {
		return nil, fmt.Errorf("%w: %s needs a secret of at least %d bytes, got %d", ErrWeakKey, alg, size, len(secret))
	}
	secret = append([]byte(nil), secret...)
	return &HMAC{
		keyMeta: newKeyMeta(alg, ""),
		secret:  secret,
		size:    size,
		pool:    &sync.Pool{New: func() any { return &hmacState{h: hmac.New(h, secret)} }},
	}, nil
}

func hmacHash(alg Algorithm) crypto.Hash {
	switch alg {
	case HS384:
		return crypto.SHA384
	case HS512:
		return crypto.SHA512
	}
	return crypto.SHA256
}

// WithKeyID returns a copy of k whose tokens carry kid.
func (k *HMAC) WithKeyID(kid string) *HMAC {
	c := *k
	c.keyMeta = newKeyMeta(k.Algorithm(), kid)
	return &c
}

// Sign returns the MAC of signingInput.
func (k *HMAC) Sign(signingInput []byte) ([]byte, error) {
	return k.mac(make([]byte, 0, k.size), signingInput), nil
}

func (k *HMAC) mac(dst, input []byte) []byte {
	st := k.pool.Get().(*hmacState)
	st.h.Reset()
	st.h.Write(input)
	dst = st.h.Sum(dst)
	k.pool.Put(st)
	return dst
}

// verifyCompact is the pipeline's signature step for a token whose header
// is exactly the one k writes, the usual case: each part is read once. The
// payload is decoded, into a stack buffer when it fits, before the MAC is
// checked, but only to check its alphabet, so that the order of checks and
// every error are those of the general path; it is returned, to be read,
// only after the MAC has been checked.
func (k *HMAC) verifyCompact(token string, d1, d2 int) (string, error) {
	penc, senc := token[d1+1:d2], token[d2+1:]
	var stack [1024]byte
	pay := stack[:]
	if len(penc)*6/8 > len(pay) {
		pay = make([]byte, len(penc)*6/8)
	}
	n, palpha, pstrict := base64url.Decode(pay, penc)
	st := k.pool.Get().(*hmacState)
	defer k.pool.Put(st)
	sig := st.sig[:]
	if len(senc)*6/8 > len(sig) {
		sig = make([]byte, len(senc)*6/8) // longer than any MAC, but its errors come in order
	}
	m, salpha, sstrict := base64url.Decode(sig, senc)
	switch {
	case !palpha || !salpha:
		return "", errNotBase64URL
	case !sstrict:
		return "", errSigNotBase64URL
	case m != k.size || !st.check(token[:d2], sig[:m]):
		return "", ErrSignature
	case !pstrict:
		return "", errPayloadNotBase64URL
	}
	return string(pay[:n]), nil
}

// signCompact returns enc.payload.MAC, with payload and MAC in base64url,
// written once into the string's own memory: the token is the only
// allocation.
func (k *HMAC) signCompact(enc string, payload []byte) string {
	b64 := base64.RawURLEncoding
	var t strings.Builder
	t.Grow(len(enc) + 1 + b64.EncodedLen(len(payload)) + 1 + b64.EncodedLen(k.size))
	t.WriteString(enc)
	t.WriteByte('.')
	var chunk [256]byte // encodes 192 bytes of payload at a time
	for len(payload) > 0 {
		m := min(len(payload), len(chunk)/4*3)
		b64.Encode(chunk[:], payload[:m])
		t.Write(chunk[:b64.EncodedLen(m)])
		payload = payload[m:]
	}
	st := k.pool.Get().(*hmacState)
	st.h.Reset()
	st.h.Write(readOnlyBytes(t.String()))
	sum := st.h.Sum(st.sum[:0])
	t.WriteByte('.')
	b64.Encode(chunk[:], sum)
	t.Write(chunk[:b64.EncodedLen(len(sum))])
	k.pool.Put(st)
	return t.String()
}

// check reports whether mac is the MAC of input, hashed where it lies, in
// constant time.
func (st *hmacState) check(input string, mac []byte) bool {
	st.h.Reset()
	st.h.Write(readOnlyBytes(input))
	return hmac.Equal(st.h.Sum(st.sum[:0]), mac)
}

// Verify checks the MAC in constant time. A MAC of any length but the hash
// output's is refused: JWS never truncates.
func (k *HMAC) Verify(signingInput, signature []byte) error {
	if len(signature) != k.size {
		return ErrSignature
	}
	var buf [64]byte
	if !hmac.Equal(k.mac(buf[:0], signingInput), signature) {
		return ErrSignature
	}
	return nil
}

// VerifierFor returns k, unless k has a key ID and the token names another.
func (k *HMAC) VerifierFor(_ context.Context, h Header) (Verifier, error) {
	return k.verifierFor(k, h.KeyID)
}

func (k *HMAC) matchHeader(enc string) (Verifier, *Header) { return k.match(k, enc) }
