package jwt

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unsafe"

	"github.com/jwtpair/jwt/internal/base64url"
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
	EdDSA Algorithm = "EdDSA" // Ed25519 (RFC 8037)
)

// Algorithms lists every algorithm of this package, in the order above.
func Algorithms() []Algorithm {
	return []Algorithm{HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA}
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

// headerMatcher is implemented by Keys that know the encoded headers of
// their own tokens.
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
	if k, ok := s.(*HMAC); ok && !noFastPaths.Load() {
		return k.signToken(enc, payload), nil
	}
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
	if err := e.valid(); err != nil {
		return err
	}
	err := e.verify(ctx, token, keys, dst)
	if err != nil {
		reset(dst)
	}
	return err
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

func (e *Expect) verify(ctx context.Context, token string, keys Keys, dst any) error {
	payload, typ, err := e.verifyPayload(ctx, token, keys)
	if err != nil {
		return err
	}
	return decodeClaims(payload, dst, e, typ)
}

// verifyPayload is verify up to the claims: it returns the decoded
// payload, not yet checked as JSON, and the header's typ.
func (e *Expect) verifyPayload(ctx context.Context, token string, keys Keys) (payload, typ string, err error) {
	d1, d2, err := e.split(token)
	if err != nil {
		return "", "", err
	}
	if k := fastKey(keys, token[:d1]); k != nil {
		if payload, handled, err := verifyHMAC(token, d1, d2, k); handled {
			return payload, k.hdr.Type, err
		}
	}
	return verifyGeneral(ctx, token, d1, d2, keys)
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

// fastKey returns keys as an *HMAC when it is one and hdr is exactly the
// encoded header it writes: the tokens verifyHMAC takes.
func fastKey(keys Keys, hdr string) *HMAC {
	if k, ok := keys.(*HMAC); ok && hdr == k.enc && !noFastPaths.Load() {
		return k
	}
	return nil
}

var errNotThreeParts = fmt.Errorf("%w: not three non-empty parts", ErrMalformed)

// verifyGeneral is verifyPayload for any token and any keys, from the
// alphabet check on. Each part is read once: the payload and the
// signature are decoded while their alphabet is checked, into one buffer;
// their other decoding errors are reported where the checks' order puts
// them.
func verifyGeneral(ctx context.Context, token string, d1, d2 int, keys Keys) (payload, typ string, err error) {
	if noFastPaths.Load() {
		return verifyReference(ctx, token, d1, d2, keys)
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
	v, hdr, err := verifierFor(ctx, token[:d1], keys)
	if err != nil {
		return "", "", err
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
	return string(pay[:pn]), hdr.Type, nil
}

// verifyReference is verifyGeneral as it was written first, three scans
// and encoding/base64; tests compare the fast paths with it.
func verifyReference(ctx context.Context, token string, d1, d2 int, keys Keys) (payload, typ string, err error) {
	if !base64url.Valid(token[:d1]) || !base64url.Valid(token[d1+1:d2]) || !base64url.Valid(token[d2+1:]) {
		return "", "", errNotBase64URL
	}
	v, hdr, err := verifierFor(ctx, token[:d1], keys)
	if err != nil {
		return "", "", err
	}
	payload, err = checkSignature(token, d1, d2, v)
	if err != nil {
		return "", "", err
	}
	return payload, hdr.Type, nil
}

// readOnlyBytes returns the bytes of s where they lie, without a copy.
// Nothing may write to them: they go only to the hashes and signature
// checks of the standard library, whose Write and Verify read their input
// and keep none of it (the io.Writer contract for hash.Hash).
func readOnlyBytes(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// noFastPaths is set only in tests that compare the fast paths with the
// general ones.
// It is read atomically so that a test turning it off races with nothing.
var noFastPaths atomic.Bool

// errNotBase64URL is the error of a part holding a character outside the
// base64url alphabet.
var errNotBase64URL = fmt.Errorf("%w: not base64url", ErrMalformed)

// maxFastPayload is the longest encoded payload verifyHMAC decodes on the
// stack; it decodes to at most 1024 bytes.
const maxFastPayload = 1365

// verifyHMAC is verify for a token whose encoded header is exactly the one
// k writes, the usual case, up to the claims: each part is read once. The
// payload is decoded into a stack buffer before the signature is checked,
// but only to check its alphabet, so that the order of checks and every
// error are those of the general path; it is returned, to be parsed, only
// after the MAC has been checked. handled is false, with nothing decided,
// when a part is too long for the buffers; the general path then takes
// the token.
func verifyHMAC(token string, d1, d2 int, k *HMAC) (payload string, handled bool, err error) {
	penc, senc := token[d1+1:d2], token[d2+1:]
	var buf [1024]byte
	if len(penc) > maxFastPayload || len(senc)*6/8 > len(hmacState{}.sig) {
		return "", false, nil
	}
	n, palpha, pstrict := base64url.Decode(buf[:], penc)
	st := k.pool.Get().(*hmacState)
	m, salpha, sstrict := base64url.Decode(st.sig[:], senc)
	switch {
	case !palpha || !salpha:
		err = errNotBase64URL
	case !sstrict:
		err = errSigNotBase64URL
	case m != k.size || !st.check(token[:d2], m):
		err = ErrSignature
	}
	k.pool.Put(st)
	if err != nil {
		return "", true, err
	}
	if !pstrict {
		return "", true, errPayloadNotBase64URL
	}
	return string(buf[:n]), true, nil
}

var (
	errSigNotBase64URL     = fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	errPayloadNotBase64URL = fmt.Errorf("%w: payload is not base64url", ErrMalformed)
)

// checkSignature checks the signature of token, whose dots are at d1 and
// d2, with v over token[:d2], and only then returns the decoded payload.
// HMAC keys of this package hash the token where it is; other verifiers
// get one buffer holding the token and the decoded signature.
func checkSignature(token string, d1, d2 int, v Verifier) (string, error) {
	b64 := base64.RawURLEncoding.Strict()
	handled := false
	if k, ok := v.(*HMAC); ok {
		var err error
		if handled, err = k.verifyToken(token, d2); err != nil {
			return "", err
		}
	}
	if !handled {
		sigLen := b64.DecodedLen(len(token) - d2 - 1)
		buf := make([]byte, len(token)+sigLen)
		copy(buf, token)
		sig := buf[len(token):]
		n, err := b64.Decode(sig, buf[d2+1:len(token)])
		if err != nil {
			return "", errSigNotBase64URL
		}
		// The verifier may not grow the signing input over the rest.
		if err := v.Verify(buf[:d2:d2], sig[:n]); err != nil {
			return "", err
		}
	}
	return decodePayload(token[d1+1 : d2])
}

// decodePayload decodes the base64url payload into a string.
func decodePayload(enc string) (string, error) {
	p, err := base64.RawURLEncoding.Strict().DecodeString(enc)
	if err != nil {
		return "", errPayloadNotBase64URL
	}
	return string(p), nil
}

// verifierFor finds the verifier for a token's encoded header: by comparing
// bytes when keys knows its headers, else by decoding the header.
func verifierFor(ctx context.Context, enc string, keys Keys) (Verifier, *Header, error) {
	if keys == nil {
		return nil, nil, ErrUnknownKey
	}
	if m, ok := keys.(headerMatcher); ok {
		if v, h := m.matchHeader(enc); v != nil {
			return v, h, nil
		}
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

// registeredClaims is implemented by every struct embedding Claims.
type registeredClaims interface{ registered() *Claims }

// claimNames are the registered claim names Verify reads.
var claimNames = [...]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// decodeClaims checks payload strictly, decodes it into dst and checks the
// registered claims with e. The fast decoder of codec.go takes the usual
// payloads in one pass; whatever it does not take goes through checkJSON
// and encoding/json.
func decodeClaims(payload string, dst any, e *Expect, typ string) error {
	info := infoFor(dst)
	if noFastPaths.Load() {
		return decodeClaimsSlow([]byte(payload), dst, e, typ, info.names)
	}
	if d, ok := dst.(*Claims); ok && d != nil {
		c := *d
		if decodeFast(payload, &c, info, nil) {
			*d = c
			return e.check(d, typ)
		}
	} else if r, ok := dst.(registeredClaims); ok {
		if info.split {
			var c Claims
			var capture captured
			if decodeFast(payload, &c, info, &capture) {
				if err := unmarshalRest(dst, info, &capture); err != nil {
					return err
				}
				d := r.registered()
				capture.merge(d, &c)
				return e.check(d, typ)
			}
		}
	} else {
		var c Claims
		if decodeFast(payload, &c, info, nil) {
			if m, ok := dst.(*map[string]any); ok && m != nil && unmarshalMap(payload, m) {
				return e.check(&c, typ)
			}
			if dst != nil {
				if err := json.Unmarshal([]byte(payload), dst); err != nil {
					return claimsError(err)
				}
			}
			return e.check(&c, typ)
		}
	}
	return decodeClaimsSlow([]byte(payload), dst, e, typ, info.names)
}

// decodeClaimsSlow is decodeClaims for any payload: checkJSON, then
// encoding/json.
func decodeClaimsSlow(payload []byte, dst any, e *Expect, typ string, names []string) error {
	folded, hasExp := false, false
	if !strictjson.Check(payload, func(name string) {
		folded = folded || strictjson.FoldsTo(name, claimNames[:]) || strictjson.FoldsTo(name, names)
		hasExp = hasExp || name == "exp"
	}) {
		return fmt.Errorf("%w: payload is not a strict JSON object", ErrMalformed)
	}
	if folded {
		return fmt.Errorf("%w: payload names a claim in the wrong case", ErrMalformed)
	}
	var c *Claims
	if r, ok := dst.(registeredClaims); ok {
		if err := json.Unmarshal(payload, dst); err != nil {
			return claimsError(err)
		}
		// A struct embedding *Claims holds nil there when the payload
		// has no registered claim.
		if c = r.registered(); c == nil {
			c = new(Claims)
		}
	} else {
		c = new(Claims)
		if err := json.Unmarshal(payload, c); err != nil {
			return claimsError(err)
		}
		if dst != nil {
			if err := json.Unmarshal(payload, dst); err != nil {
				return claimsError(err)
			}
		}
	}
	// A NumericDate of zero reads as absent, but "exp":0 is a time in
	// 1970, long past: it must not pass where exp may be left out.
	if hasExp && c.Expiry == 0 {
		return ErrExpired
	}
	return e.check(c, typ)
}

func claimsError(err error) error {
	if errors.Is(err, ErrMalformed) {
		return err
	}
	var inv *json.InvalidUnmarshalError
	if errors.As(err, &inv) {
		return fmt.Errorf("jwt: claims destination: %w", err)
	}
	return fmt.Errorf("%w: a claim has the wrong JSON type", ErrMalformed)
}

// fieldNamesCache maps a struct type to the JSON names of its fields.
var fieldNamesCache sync.Map // reflect.Type → []string

// fieldNames returns the JSON member names encoding/json would fill in the
// struct dst points to, so that Verify can refuse members that match one
// of them only when case is ignored.
func fieldNames(dst any) []string {
	if dst == nil {
		return nil
	}
	t := reflect.TypeOf(dst)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	t = t.Elem()
	if v, ok := fieldNamesCache.Load(t); ok {
		return v.([]string)
	}
	var names []string
	collectFieldNames(t, &names, 0)
	fieldNamesCache.Store(t, names)
	return names
}

func collectFieldNames(t reflect.Type, names *[]string, depth int) {
	if depth > 8 {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, ok := jsonTag(f)
		if !ok {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			collectFieldNames(ft, names, depth+1)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		*names = append(*names, name)
	}
}

// jsonTag returns the name and the options of f's json tag as
// encoding/json reads them: an empty name for no tag or a name it does not
// take (one with a quote, a backslash or other reserved characters), and
// ok false when the tag is "-", which hides the field.
func jsonTag(f reflect.StructField) (name, opts string, ok bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", "", false
	}
	name, opts, _ = strings.Cut(tag, ",")
	for _, c := range name {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return "", opts, true
		}
	}
	return name, opts, true
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
