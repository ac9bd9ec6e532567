package jwt

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unsafe"

	"github.com/jwtpair/jwt/internal/base64url"
	"github.com/jwtpair/jwt/internal/codec"
	"github.com/jwtpair/jwt/internal/strictjson"
)

// Algorithm is a JWS algorithm name as registered by RFC 7518 §3.1 and
// RFC 8037 §3.1, spelled exactly as there.
type Algorithm string

// The algorithms this package implements. There is no "none".
const (
	HS256 Algorithm = "HS256" // HMAC with SHA-256
	HS384 Algorithm = "HS384" // HMAC with SHA-384
	HS512 Algorithm = "HS512" // HMAC with SHA-512
	RS256 Algorithm = "RS256" // RSASSA-PKCS1-v1_5 with SHA-256
	RS384 Algorithm = "RS384" // RSASSA-PKCS1-v1_5 with SHA-384
	RS512 Algorithm = "RS512" // RSASSA-PKCS1-v1_5 with SHA-512
	PS256 Algorithm = "PS256" // RSASSA-PSS with SHA-256, MGF1 with SHA-256, 32-byte salt
	PS384 Algorithm = "PS384" // RSASSA-PSS with SHA-384, MGF1 with SHA-384, 48-byte salt
	PS512 Algorithm = "PS512" // RSASSA-PSS with SHA-512, MGF1 with SHA-512, 64-byte salt
	ES256 Algorithm = "ES256" // ECDSA on P-256 with SHA-256
	ES384 Algorithm = "ES384" // ECDSA on P-384 with SHA-384
	ES512 Algorithm = "ES512" // ECDSA on P-521 with SHA-512
	EdDSA Algorithm = "EdDSA" // Ed25519 (RFC 8037), the name RFC 9864 deprecates
	// Ed25519 is Ed25519 under the fully-specified name of RFC 9864.
	Ed25519 Algorithm = "Ed25519"
)

// Algorithms lists every algorithm of this package, in the order above.
func Algorithms() []Algorithm {
	return []Algorithm{HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA, Ed25519}
}

// Signer signs the signing input of a token (the encoded header, a dot and
// the encoded payload) with one key and one algorithm. The keys of this
// package are Signers; a key held in a KMS or an HSM becomes one with a type
// of a dozen lines. A Signer that also has a method KeyID() string has its
// key ID written into the header of the tokens it signs. A Signer whose key
// changes over time, such as a key ring, also has a method Current()
// Signer that returns the key that signs now: [Sign] takes one such
// snapshot per token, so its header and its signature come from one key.
type Signer interface {
	// Algorithm returns the algorithm Sign uses.
	Algorithm() Algorithm
	// Sign returns the signature of signingInput, in the form the
	// algorithm's JWS encoding defines (for ECDSA: r and s, each padded
	// to the size of the curve).
	Sign(signingInput []byte) ([]byte, error)
}

// Verifier checks signatures made with one key and one algorithm.
type Verifier interface {
	// Algorithm returns the algorithm Verify checks. A token whose header
	// names any other algorithm is refused before Verify is called.
	Algorithm() Algorithm
	// Verify returns nil if signature is a valid signature of
	// signingInput, and an error wrapping ErrSignature if it is not.
	Verify(signingInput, signature []byte) error
}

// Keys is where Verify finds the key for a token. Every key of this package
// is Keys for itself; a [KeySet] chooses among several by kid. Whatever Keys
// returns, the token's alg must equal the returned Verifier's algorithm:
// the header may help choose among keys, but never makes a key verify an
// algorithm it was not made for.
type Keys interface {
	// VerifierFor returns the verifier for a token with the header h,
	// decoded strictly but not yet verified. It returns an error wrapping
	// ErrUnknownKey when it has no key for the token. Keys that may fetch
	// (a remote key set) stop waiting when ctx is done.
	VerifierFor(ctx context.Context, h Header) (Verifier, error)
}

// keyMeta is what the keys of this package share: the algorithm, the key ID
// and the header that Sign writes for the key, encoded once. Verify
// compares a token's header with that encoding as bytes and skips the JSON
// of any header that matches.
type keyMeta struct {
	hdr Header
	enc string
}

func newKeyMeta(alg Algorithm, kid string) keyMeta {
	h := Header{Algorithm: alg, KeyID: kid, Type: "JWT"}
	return keyMeta{hdr: h, enc: h.encode()}
}

// Algorithm returns the algorithm of the key, fixed when it was made.
func (m *keyMeta) Algorithm() Algorithm { return m.hdr.Algorithm }

// KeyID returns the key ID written as kid in the tokens the key signs, and
// published with it in a JWK Set. Empty means none.
func (m *keyMeta) KeyID() string { return m.hdr.KeyID }

func (m *keyMeta) meta() *keyMeta { return m }

// verifierFor is VerifierFor for one key: a token naming another key ID is
// refused when the key has one; a key without an ID takes any token.
func (m *keyMeta) verifierFor(v Verifier, kid string) (Verifier, error) {
	if kid != "" && m.hdr.KeyID != "" && kid != m.hdr.KeyID {
		return nil, ErrUnknownKey
	}
	return v, nil
}

// match is the fast path: v and its header when enc is exactly the header
// this key writes.
func (m *keyMeta) match(v Verifier, enc string) (Verifier, *Header) {
	if enc == m.enc {
		return v, &m.hdr
	}
	return nil, nil
}

// headerMatcher is implemented by the Keys of this package, which know the
// encoded headers of their own tokens.
type headerMatcher interface {
	matchHeader(enc string) (Verifier, *Header)
}

// Sign returns a compact token holding claims, signed by s. The header is
// {"alg":…,"kid":…,"typ":"JWT"}, with kid only when s has a key ID. claims
// is anything encoding/json encodes as an object: a struct embedding
// [Claims], a [Claims], or a map.
func Sign(s Signer, claims any) (string, error) {
	return SignHeader(s, Header{}, claims)
}

// SignHeader is Sign with a header of the caller's: h.Algorithm must be
// empty or the signer's algorithm; empty KeyID means the signer's key ID;
// empty Type means "JWT".
func SignHeader(s Signer, h Header, claims any) (string, error) {
	s = current(s)
	enc, err := encodeHeaderFor(s, h)
	if err != nil {
		return "", err
	}
	var stack [512]byte
	payload, err := encodeClaims(stack[:0], claims)
	if err != nil {
		return "", fmt.Errorf("jwt: encoding claims: %w", err)
	}
	if len(payload) == 0 || payload[0] != '{' {
		return "", fmt.Errorf("%w: claims must encode as a JSON object", ErrMalformed)
	}
	return sign(s, enc, payload)
}

// SignRaw is SignHeader with a payload that is already JSON: the bytes of
// payload are signed exactly as they are, so that numbers such as 1e400,
// the order of members and every escape reach the token unchanged.
// encoding/json would reformat them, for instance by escaping '<' in
// strings. payload must be one JSON object in valid UTF-8 that names no
// member twice at any depth, the form Verify accepts; anything else is
// refused with [ErrMalformed]. Nothing in payload is checked for meaning:
// an exp that is a string is signed, and Verify will refuse the token.
func SignRaw(s Signer, h Header, payload []byte) (string, error) {
	s = current(s)
	enc, err := encodeHeaderFor(s, h)
	if err != nil {
		return "", err
	}
	if !strictjson.Check(payload, nil) {
		return "", fmt.Errorf("%w: payload is not a strict JSON object", ErrMalformed)
	}
	return sign(s, enc, payload)
}

// current returns the Signer that signs now: s itself or, for a Signer
// whose key changes over time, the one its Current method returns, so that
// a single key writes both the header and the signature of a token.
func current(s Signer) Signer {
	if r, ok := s.(interface{ Current() Signer }); ok {
		return r.Current()
	}
	return s
}

// encodeHeaderFor returns the encoded header SignHeader writes for s and h:
// the key's own, computed once, unless h asks for something else.
func encodeHeaderFor(s Signer, h Header) (string, error) {
	alg := s.Algorithm()
	if h.Algorithm != "" && h.Algorithm != alg {
		return "", fmt.Errorf("%w: header names %q for a %s key", ErrAlgorithm, h.Algorithm, alg)
	}
	if m, ok := s.(interface{ meta() *keyMeta }); ok && h.KeyID == "" && (h.Type == "" || h.Type == "JWT") && h.ContentType == "" {
		return m.meta().enc, nil
	}
	h.Algorithm = alg
	if h.KeyID == "" {
		if k, ok := s.(interface{ KeyID() string }); ok {
			h.KeyID = k.KeyID()
		}
	}
	if h.Type == "" {
		h.Type = "JWT"
	}
	return h.encode(), nil
}

// sign builds header.payload.signature in one buffer sized in advance.
func sign(s Signer, enc string, payload []byte) (string, error) {
	// An HMAC key builds the whole token in one buffer.
	if k, ok := s.(*HMAC); ok {
		return k.signCompact(enc, payload), nil
	}
	return signGeneral(s, enc, payload)
}

// signGeneral is sign for any Signer.
func signGeneral(s Signer, enc string, payload []byte) (string, error) {
	b64 := base64.RawURLEncoding
	n := len(enc) + 1 + b64.EncodedLen(len(payload))
	buf := make([]byte, n, n+1+b64.EncodedLen(512))
	copy(buf, enc)
	buf[len(enc)] = '.'
	b64.Encode(buf[len(enc)+1:], payload)
	sig, err := s.Sign(buf)
	if err != nil {
		return "", err
	}
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig)
	return string(buf), nil
}

// Verify is Expect{}.Verify: it checks the signature with keys, then
// requires exp and checks exp, nbf and iat against the current time, and
// decodes the payload into dst.
func Verify(token string, keys Keys, dst any) error {
	var e Expect
	return e.VerifyContext(context.Background(), token, keys, dst)
}

// Verify checks token with keys and the policy e and, only if every check
// passes, decodes its claims into dst, as json.Unmarshal would. dst is a
// pointer to a struct (embedding [Claims] to have the registered claims
// decoded once), a pointer to a map, or nil to only check.
//
// The checks run in this order, and the first failure is returned:
//  1. size (at most MaxLength), three non-empty parts, base64url without
//     padding or any other character;
//  2. the header: when its bytes are exactly those the key writes, they
//     are not decoded again; otherwise a strict JSON object whose alg
//     equals the algorithm of the key that keys gives for its kid, and
//     with no crit;
//  3. the signature ([ErrSignature], reported alone);
//  4. only now the payload: one strict JSON object, then the claims in the
//     order [Expect] lists.
//
// dst is set to the zero value of its type before anything is decoded
// into it, so the claims are checked as the token carries them and, after
// a successful Verify, dst holds exactly those: a variable reused across
// tokens never keeps a claim of an earlier one. On any error dst is left
// zero, so the claims of a refused token are never returned.
//
// Verify looks keys up with context.Background; use VerifyContext when keys
// may fetch, as a remote key set does.
func (e Expect) Verify(token string, keys Keys, dst any) error {
	return e.VerifyContext(context.Background(), token, keys, dst)
}

// VerifyContext is Verify with a context for the key lookup: keys that
// fetch (a remote key set) stop waiting when ctx is done.
func (e Expect) VerifyContext(ctx context.Context, token string, keys Keys, dst any) error {
	if err := reset(dst); err != nil {
		return err
	}
	var scratch Claims
	if _, err := e.decode(ctx, token, keys, dst, &scratch, nil); err != nil {
		reset(dst)
		return err
	}
	return nil
}

// reset sets what dst points to to its zero value. dst must be nil or a
// non-nil pointer; anything else is refused with ErrDestination before a
// token is read.
func reset(dst any) error {
	switch d := dst.(type) {
	case nil:
		return nil
	case *Claims:
		if d != nil {
			*d = Claims{}
			return nil
		}
	case *map[string]any:
		if d != nil {
			*d = nil
			return nil
		}
	default:
		if rv := reflect.ValueOf(dst); rv.Kind() == reflect.Pointer && !rv.IsNil() {
			rv.Elem().SetZero()
			return nil
		}
	}
	return fmt.Errorf("%w, not %T", ErrDestination, dst)
}

// decode is the one pipeline behind Verify, [Pairs] and [AccessTokens]: it
// checks token with keys and the policy e and decodes its claims into dst,
// which must hold the zero value of its type. It returns the payload, one
// strict JSON object. The registered claims are set in dst when it holds
// them (a *Claims, a struct embedding Claims), else in c. capture, when
// not nil, keeps the raw JSON of the members it names. The claims are
// decoded before they are checked, so that on a policy error (and only
// then) c and capture hold what the token carries.
func (e *Expect) decode(ctx context.Context, token string, keys Keys, dst any, c *Claims, capture *codec.Captured) (payload string, err error) {
	if err := e.valid(); err != nil {
		return "", err
	}
	payload, typ, err := e.signed(ctx, token, keys)
	if err != nil {
		return "", err
	}
	claims, err := readClaims(payload, dst, c, capture, e.UseNumber)
	if err != nil {
		return "", err
	}
	return payload, e.check(claims, typ)
}

// split checks the size of token and that it has three non-empty parts,
// and returns the positions of its two dots.
func (e *Expect) split(token string) (d1, d2 int, err error) {
	maxLen := e.MaxLength
	if maxLen <= 0 {
		maxLen = DefaultMaxLength
	}
	if len(token) > maxLen {
		return 0, 0, ErrTooLarge
	}
	// Three forward searches: strings.LastIndexByte is a plain loop,
	// slow over an RSA signature.
	d1 = strings.IndexByte(token, '.')
	d2 = -1
	if d1 > 0 {
		if i := strings.IndexByte(token[d1+1:], '.'); i > 0 {
			d2 = d1 + 1 + i
		}
	}
	if d2 < 0 || d2 == len(token)-1 || strings.IndexByte(token[d2+1:], '.') >= 0 {
		return 0, 0, errNotThreeParts
	}
	return d1, d2, nil
}

var (
	errNotThreeParts       = fmt.Errorf("%w: not three non-empty parts", ErrMalformed)
	errNotBase64URL        = fmt.Errorf("%w: not base64url", ErrMalformed)
	errSigNotBase64URL     = fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	errPayloadNotBase64URL = fmt.Errorf("%w: payload is not base64url", ErrMalformed)
)

// signed checks the size, the form, the header and the signature of token,
// in that order, and returns its payload, decoded but not yet read, and
// the header's typ. Each part is read once: the payload and the signature
// are decoded while their alphabet is checked, and their other decoding
// errors are reported where the order puts them. A key that checks whole
// tokens itself (an HMAC key) does, for a token whose header is exactly
// the one it writes.
func (e *Expect) signed(ctx context.Context, token string, keys Keys) (payload, typ string, err error) {
	d1, d2, err := e.split(token)
	if err != nil {
		return "", "", err
	}
	var v Verifier
	var h *Header
	if m, ok := keys.(headerMatcher); ok {
		v, h = m.matchHeader(token[:d1])
	}
	// An HMAC key checks a token of its own header in one pass.
	if k, ok := v.(*HMAC); ok {
		payload, err := k.verifyCompact(token, d1, d2)
		return payload, h.Type, err
	}
	if !base64url.Valid(token[:d1]) {
		return "", "", errNotBase64URL
	}
	penc, senc := token[d1+1:d2], token[d2+1:]
	sigMax := len(senc) * 6 / 8
	buf := make([]byte, sigMax+len(penc)*6/8)
	sig, pay := buf[:sigMax], buf[sigMax:]
	pn, palpha, pstrict := base64url.Decode(pay, penc)
	sn, salpha, sstrict := base64url.Decode(sig, senc)
	if !palpha || !salpha {
		return "", "", errNotBase64URL
	}
	if v == nil {
		if v, h, err = lookup(ctx, token[:d1], keys); err != nil {
			return "", "", err
		}
	}
	if !sstrict {
		return "", "", errSigNotBase64URL
	}
	// The keys of this package read the signing input where it lies;
	// a Verifier of the caller's gets a copy it may do anything with.
	var input []byte
	if _, ours := v.(interface{ meta() *keyMeta }); ours {
		input = readOnlyBytes(token[:d2])
	} else {
		input = []byte(token[:d2])
	}
	// The verifier may not grow the signature over the payload.
	if err := v.Verify(input, sig[:sn:sn]); err != nil {
		return "", "", err
	}
	if !pstrict {
		return "", "", errPayloadNotBase64URL
	}
	return string(pay[:pn]), h.Type, nil
}

// readOnlyBytes returns the bytes of s where they lie, without a copy.
// Nothing may write to them: they go only to the hashes and signature
// checks of the standard library, whose Write and Verify read their input
// and keep none of it (the io.Writer contract for hash.Hash).
func readOnlyBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// lookup finds the verifier for a token's encoded header, which it
// decodes strictly, and checks that the header's alg is the verifier's.
func lookup(ctx context.Context, enc string, keys Keys) (Verifier, *Header, error) {
	if keys == nil {
		return nil, nil, ErrUnknownKey
	}
	raw, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	h, err := parseHeader(raw)
	if err != nil {
		return nil, nil, err
	}
	v, err := keys.VerifierFor(ctx, h)
	if err != nil {
		return nil, nil, err
	}
	if v == nil {
		return nil, nil, ErrUnknownKey
	}
	if h.Algorithm != v.Algorithm() {
		return nil, nil, ErrAlgorithm
	}
	return v, &h, nil
}

// Unverified is a token decoded without checking anything but its form.
type Unverified struct {
	// Header is the header, decoded strictly.
	Header Header
	// RawHeader is the header's JSON, as the token carries it.
	RawHeader []byte
	// Payload is the payload as the token carries it. It is usually JSON
	// but nothing has checked that.
	Payload []byte
}

// DecodeUnverified decodes a compact token WITHOUT verifying its signature
// or any claim. Nothing in the result can be trusted: anyone can make a
// token that decodes to anything. It exists for tools that show tokens to a
// person, such as the jwt command's decode, and for picking a key before
// verifying; never use what it returns to make a decision.
func DecodeUnverified(token string) (*Unverified, error) {
	if len(token) > DefaultMaxLength {
		return nil, ErrTooLarge
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" {
		return nil, fmt.Errorf("%w: not three parts", ErrMalformed)
	}
	for _, p := range parts {
		if !base64url.Valid(p) {
			return nil, fmt.Errorf("%w: not base64url", ErrMalformed)
		}
	}
	b64 := base64.RawURLEncoding.Strict()
	raw, err := b64.DecodeString(parts[0])
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	h, err := parseHeader(raw)
	if err != nil && !errors.Is(err, ErrCritical) {
		return nil, err
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	return &Unverified{Header: h, RawHeader: raw, Payload: payload}, nil
}
