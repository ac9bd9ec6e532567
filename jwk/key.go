package jwk

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/base64url"
	"github.com/jwtpair/jwt/internal/strictjson"
)

// Bounds on the JSON that ParseKey and ParseSet read. A private RSA key
// of 8192 bits, the largest accepted, takes about 6 KiB as a JWK; a JWK Set
// in use holds a handful of keys.
const (
	// MaxKeySize is the largest JWK ParseKey reads, in bytes.
	MaxKeySize = 64 << 10
	// MaxSetSize is the largest JWK Set ParseSet reads, in bytes.
	MaxSetSize = 1 << 20
	// MaxSetKeys is the most keys a JWK Set may hold.
	MaxSetKeys = 256
)

// Key is one JSON Web Key (RFC 7517), of a key type of RFC 7518 §6 or
// RFC 8037 §2: "RSA", "EC" (P-256, P-384, P-521), "OKP" (Ed25519) or
// "oct".
//
// A Key is a key with what its owner says about it. Its Signer and
// Verifier methods obey that: they refuse an algorithm other than
// Algorithm, a Use other than "sig" and KeyOps without the operation asked
// for.
type Key struct {
	// Key is the key: *rsa.PublicKey, *rsa.PrivateKey,
	// *ecdsa.PublicKey, *ecdsa.PrivateKey, ed25519.PublicKey,
	// ed25519.PrivateKey, or []byte for an "oct" secret.
	Key any
	// KeyID is kid. Empty means none.
	KeyID string
	// Algorithm is alg: the one algorithm the key is meant for. Empty
	// means none was named. It may name an algorithm the jwt package does
	// not implement, such as an encryption algorithm.
	Algorithm jwt.Algorithm
	// Use is use: "sig", "enc", another value, or empty for none.
	Use string
	// KeyOps is key_ops: the operations the key may be used for, such
	// as "sign" and "verify". Nil means none were named; an empty,
	// non-nil slice allows none.
	KeyOps []string
	// Certificates is x5c: a certificate chain whose first certificate
	// holds the same public key. Only that equality is checked: not the
	// chain, dates or signatures. Nil means none.
	Certificates []*x509.Certificate
}

// errUnsupportedKey marks a JWK of a key type or curve this package does
// not implement. ParseSet skips such keys, as RFC 7517 §5 says.
var errUnsupportedKey = fmt.Errorf("%w: unsupported key type or curve", jwt.ErrInvalidKey)

// maxRSABits is the largest RSA modulus the jwt package's constructors
// accept. ParseKey refuses a larger one before doing any arithmetic on it,
// so that a hostile JWK costs nothing to refuse.
const maxRSABits = 8192

// jwkNames are the JWK members this package reads. A member that matches
// one only when case is ignored is refused, as in a header.
var jwkNames = [...]string{
	"kty", "kid", "alg", "use", "key_ops", "x5c", "x5u", "x5t", "x5t#S256",
	"crv", "x", "y", "d", "n", "e", "p", "q", "dp", "dq", "qi", "oth", "k",
}

// ParseKey parses one JWK, at most MaxKeySize bytes, strictly: one JSON
// object in valid UTF-8 naming no member twice, with member names matched
// exactly and each binary member in base64url without padding. Members
// this package does not know are ignored.
//
// The key must be whole and sound: RSA n and e (e odd, at least 3, and
// without leading zero octets), and for a private key d with all of p, q,
// dp, dq and qi, which must agree (a private key without its primes, or
// with more than two, is refused); EC crv with x, y and d of exactly the
// curve's size, a point on the curve and d matching it; OKP crv Ed25519
// with x and d of 32 bytes, d matching x; oct a non-empty k. Leading zero
// octets in n and the RSA private members are accepted, since some
// libraries write them; the key is the same integer.
//
// An RSA modulus shorter than 2048 bits parses, so that such a key can be
// inspected, but its Signer and Verifier refuse it with [jwt.ErrWeakKey].
//
// An alg of the jwt package must fit the key (HS* an oct key, RS* and PS*
// RSA, ES256 P-256, ES384 P-384, ES512 P-521, EdDSA Ed25519), or
// [jwt.ErrKeyMismatch] is returned, and so it is when use and key_ops
// disagree (RFC 7517 §4.3). Another alg is kept as it is. When x5c is
// present its first certificate must hold the JWK's public key.
//
// Errors wrap [jwt.ErrInvalidKey], [jwt.ErrWeakKey] or [jwt.ErrKeyMismatch].
func ParseKey(data []byte) (*Key, error) {
	if len(data) > MaxKeySize {
		return nil, fmt.Errorf("%w: JWK larger than %d bytes", jwt.ErrInvalidKey, MaxKeySize)
	}
	return parseKey(data, false)
}

// parseKey parses one JWK. With publicOnly, a private or secret key is
// refused before any of its members is decoded: a published set never
// holds one, and validating an RSA private key costs milliseconds, which
// a set fetched from the network must not be able to make anyone spend.
func parseKey(data []byte, publicOnly bool) (*Key, error) {
	folded := false
	if !strictjson.Check(data, func(name string) { folded = folded || strictjson.FoldsTo(name, jwkNames[:]) }) {
		return nil, fmt.Errorf("%w: JWK is not a strict JSON object", jwt.ErrInvalidKey)
	}
	if folded {
		return nil, fmt.Errorf("%w: JWK names a member in the wrong case", jwt.ErrInvalidKey)
	}
	r := jwkReader{}
	if err := json.Unmarshal(data, &r.m); err != nil {
		return nil, fmt.Errorf("%w: JWK is not a JSON object", jwt.ErrInvalidKey)
	}
	kty, ok := r.str("kty")
	if !ok && r.err == nil {
		return nil, fmt.Errorf("%w: JWK has no kty", jwt.ErrInvalidKey)
	}
	if _, private := r.m["d"]; publicOnly && (private || kty == "oct") {
		return nil, fmt.Errorf("%w: a published key set holds a private or secret key", jwt.ErrKeyMismatch)
	}
	k := &Key{}
	k.KeyID, _ = r.str("kid")
	alg, _ := r.str("alg")
	k.Algorithm = jwt.Algorithm(alg)
	k.Use, _ = r.str("use")
	k.KeyOps = r.strs("key_ops")
	if r.err != nil {
		return nil, r.err
	}
	switch kty {
	case "RSA":
		k.Key = r.rsaKey()
	case "EC":
		k.Key = r.ecKey()
	case "OKP":
		k.Key = r.okpKey()
	case "oct":
		k.Key = r.bytes("k", true)
		if r.err == nil && len(k.Key.([]byte)) == 0 {
			r.fail(jwt.ErrInvalidKey, "empty oct key")
		}
	default:
		return nil, errUnsupportedKey
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := k.checkMetadata(); err != nil {
		return nil, err
	}
	if certs := r.strs("x5c"); certs != nil {
		if err := k.parseCertificates(certs); err != nil {
			return nil, err
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	return k, nil
}

// jwkReader reads the members of one JWK, keeping the first error.
type jwkReader struct {
	m   map[string]json.RawMessage
	err error
}

func (r *jwkReader) fail(class error, what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", class, what)
	}
}

// raw returns the value of member name, refusing null.
func (r *jwkReader) raw(name string) (json.RawMessage, bool) {
	v, ok := r.m[name]
	if ok && string(v) == "null" {
		r.fail(jwt.ErrInvalidKey, "JWK member "+name+" is null")
		return nil, false
	}
	return v, ok
}

func (r *jwkReader) str(name string) (string, bool) {
	v, ok := r.raw(name)
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		r.fail(jwt.ErrInvalidKey, "JWK member "+name+" is not a string")
		return "", false
	}
	return s, true
}

func (r *jwkReader) strs(name string) []string {
	v, ok := r.raw(name)
	if !ok {
		return nil
	}
	var s []string
	if err := json.Unmarshal(v, &s); err != nil {
		r.fail(jwt.ErrInvalidKey, "JWK member "+name+" is not an array of strings")
		return nil
	}
	if s == nil {
		s = []string{}
	}
	return s
}

// bytes decodes a base64url member; absent gives nil, or an error when it
// is required.
func (r *jwkReader) bytes(name string, required bool) []byte {
	s, ok := r.str(name)
	if !ok {
		if required {
			r.fail(jwt.ErrInvalidKey, "JWK has no "+name)
		}
		return nil
	}
	if !base64url.Valid(s) {
		r.fail(jwt.ErrInvalidKey, "JWK member "+name+" is not base64url")
		return nil
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		r.fail(jwt.ErrInvalidKey, "JWK member "+name+" is not base64url")
		return nil
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// uint decodes a Base64urlUInt member (RFC 7518 §2).
func (r *jwkReader) uint(name string, required bool) *big.Int {
	b := r.bytes(name, required)
	if b == nil {
		return nil
	}
	if len(b) == 0 {
		r.fail(jwt.ErrInvalidKey, "JWK member "+name+" is empty")
		return nil
	}
	return new(big.Int).SetBytes(b)
}

func (r *jwkReader) rsaKey() any {
	n := r.uint("n", true)
	eb := r.bytes("e", true)
	if r.err != nil {
		return nil
	}
	switch {
	case n.Sign() == 0:
		r.fail(jwt.ErrInvalidKey, "RSA modulus is zero")
	case n.BitLen() > maxRSABits:
		r.fail(jwt.ErrInvalidKey, fmt.Sprintf("RSA modulus over %d bits", maxRSABits))
	case len(eb) == 0 || eb[0] == 0:
		r.fail(jwt.ErrInvalidKey, "RSA exponent is empty or has a leading zero octet")
	case len(eb) > 4 || len(eb) == 4 && eb[0] >= 0x80:
		r.fail(jwt.ErrInvalidKey, "RSA exponent does not fit in 31 bits")
	}
	if r.err != nil {
		return nil
	}
	e := 0
	for _, c := range eb {
		e = e<<8 | int(c)
	}
	if e < 3 || e%2 == 0 {
		r.fail(jwt.ErrWeakKey, "RSA public exponent must be odd and at least 3")
		return nil
	}
	pub := rsa.PublicKey{N: n, E: e}
	if _, ok := r.m["d"]; !ok {
		for _, name := range [...]string{"p", "q", "dp", "dq", "qi", "oth"} {
			if _, ok := r.m[name]; ok {
				r.fail(jwt.ErrInvalidKey, "RSA JWK has "+name+" but no d")
				return nil
			}
		}
		return &pub
	}
	if _, ok := r.m["oth"]; ok {
		r.fail(jwt.ErrInvalidKey, "RSA keys of more than two primes are not supported")
		return nil
	}
	d := r.uint("d", true)
	p, q := r.uint("p", true), r.uint("q", true)
	dp, dq, qi := r.uint("dp", true), r.uint("dq", true), r.uint("qi", true)
	if r.err != nil {
		return nil
	}
	priv := &rsa.PrivateKey{PublicKey: pub, D: d, Primes: []*big.Int{p, q}}
	if err := priv.Validate(); err != nil {
		r.fail(jwt.ErrInvalidKey, "RSA private key does not validate")
		return nil
	}
	priv.Precompute()
	if priv.Precomputed.Dp == nil || priv.Precomputed.Dp.Cmp(dp) != 0 ||
		priv.Precomputed.Dq.Cmp(dq) != 0 || priv.Precomputed.Qinv.Cmp(qi) != 0 {
		r.fail(jwt.ErrInvalidKey, "RSA dp, dq or qi does not match the key")
		return nil
	}
	return priv
}

// jwkCurve returns the curve of an EC crv name, or nil.
func jwkCurve(crv string) elliptic.Curve {
	switch crv {
	case "P-256":
		return elliptic.P256()
	case "P-384":
		return elliptic.P384()
	case "P-521":
		return elliptic.P521()
	}
	return nil
}

func curveName(c elliptic.Curve) string {
	switch c {
	case elliptic.P256():
		return "P-256"
	case elliptic.P384():
		return "P-384"
	case elliptic.P521():
		return "P-521"
	}
	return ""
}

func (r *jwkReader) ecKey() any {
	crv, ok := r.str("crv")
	if !ok {
		r.fail(jwt.ErrInvalidKey, "EC JWK has no crv")
		return nil
	}
	curve := jwkCurve(crv)
	if curve == nil {
		r.fail(errUnsupportedKey, "EC curve")
		return nil
	}
	size := (curve.Params().BitSize + 7) / 8
	x, y := r.bytes("x", true), r.bytes("y", true)
	if r.err != nil {
		return nil
	}
	if len(x) != size || len(y) != size {
		r.fail(jwt.ErrInvalidKey, fmt.Sprintf("%s coordinates must be %d bytes", crv, size))
		return nil
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
	if err != nil {
		r.fail(jwt.ErrInvalidKey, "EC point is not on its curve")
		return nil
	}
	if _, ok := r.m["d"]; !ok {
		return pub
	}
	d := r.bytes("d", true)
	if r.err != nil {
		return nil
	}
	if len(d) != size {
		r.fail(jwt.ErrInvalidKey, fmt.Sprintf("%s private key must be %d bytes", crv, size))
		return nil
	}
	priv, err := ecdsa.ParseRawPrivateKey(curve, d)
	if err != nil || !priv.PublicKey.Equal(pub) {
		r.fail(jwt.ErrInvalidKey, "EC private key does not match its point")
		return nil
	}
	return priv
}

func (r *jwkReader) okpKey() any {
	crv, ok := r.str("crv")
	if !ok {
		r.fail(jwt.ErrInvalidKey, "OKP JWK has no crv")
		return nil
	}
	if crv != "Ed25519" {
		r.fail(errUnsupportedKey, "OKP curve")
		return nil
	}
	x := r.bytes("x", true)
	if r.err != nil {
		return nil
	}
	if len(x) != ed25519.PublicKeySize {
		r.fail(jwt.ErrInvalidKey, "Ed25519 public key must be 32 bytes")
		return nil
	}
	if _, ok := r.m["d"]; !ok {
		return ed25519.PublicKey(x)
	}
	d := r.bytes("d", true)
	if r.err != nil {
		return nil
	}
	if len(d) != ed25519.SeedSize {
		r.fail(jwt.ErrInvalidKey, "Ed25519 private key must be 32 bytes")
		return nil
	}
	priv := ed25519.NewKeyFromSeed(d)
	if !bytes.Equal(priv[ed25519.SeedSize:], x) {
		r.fail(jwt.ErrInvalidKey, "Ed25519 private key does not match x")
		return nil
	}
	return priv
}

// checkMetadata checks that alg fits the key and that use and key_ops
// agree.
func (k *Key) checkMetadata() error {
	if k.Algorithm != "" && implemented(k.Algorithm) && !k.fits(k.Algorithm) {
		return fmt.Errorf("%w: JWK alg %s does not fit its key", jwt.ErrKeyMismatch, k.Algorithm)
	}
	for i, op := range k.KeyOps {
		if slices.Contains(k.KeyOps[:i], op) {
			return fmt.Errorf("%w: JWK key_ops names an operation twice", jwt.ErrInvalidKey)
		}
		sig := op == "sign" || op == "verify"
		enc := slices.Contains([]string{"encrypt", "decrypt", "wrapKey", "unwrapKey", "deriveKey", "deriveBits"}, op)
		if k.Use == "sig" && enc || k.Use == "enc" && sig {
			return fmt.Errorf("%w: JWK use and key_ops disagree", jwt.ErrKeyMismatch)
		}
	}
	return nil
}

// implemented reports whether alg is an algorithm of the jwt package.
func implemented(alg jwt.Algorithm) bool {
	return slices.Contains(jwt.Algorithms(), alg)
}

// fits reports whether k's key can serve alg, one of the jwt package's
// algorithms.
func (k *Key) fits(alg jwt.Algorithm) bool {
	switch key := k.public().(type) {
	case []byte:
		return alg == jwt.HS256 || alg == jwt.HS384 || alg == jwt.HS512
	case *rsa.PublicKey:
		return rsaFits(alg)
	case *ecdsa.PublicKey:
		curve := ecdsaCurve(alg)
		return curve != nil && key.Curve == curve
	case ed25519.PublicKey:
		return alg == jwt.EdDSA || alg == jwt.Ed25519
	}
	return false
}

// rsaFits reports whether alg is an RSA algorithm of the jwt package.
func rsaFits(alg jwt.Algorithm) bool {
	switch alg {
	case jwt.RS256, jwt.RS384, jwt.RS512, jwt.PS256, jwt.PS384, jwt.PS512:
		return true
	}
	return false
}

// ecdsaCurve returns the curve of an ECDSA algorithm of the jwt package, or
// nil.
func ecdsaCurve(alg jwt.Algorithm) elliptic.Curve {
	switch alg {
	case jwt.ES256:
		return elliptic.P256()
	case jwt.ES384:
		return elliptic.P384()
	case jwt.ES512:
		return elliptic.P521()
	}
	return nil
}

func (k *Key) parseCertificates(x5c []string) error {
	if len(x5c) == 0 {
		return fmt.Errorf("%w: JWK x5c is empty", jwt.ErrInvalidKey)
	}
	pub, ok := k.public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return fmt.Errorf("%w: JWK x5c on a secret key", jwt.ErrKeyMismatch)
	}
	// RFC 7517 §4.7: standard base64 with padding, not base64url.
	std := base64.StdEncoding.Strict()
	for _, s := range x5c {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c == '\r' || c == '\n' {
				return fmt.Errorf("%w: JWK x5c is not base64", jwt.ErrInvalidKey)
			}
		}
		der, err := std.DecodeString(s)
		if err != nil {
			return fmt.Errorf("%w: JWK x5c is not base64", jwt.ErrInvalidKey)
		}
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return fmt.Errorf("%w: JWK x5c holds a certificate that does not parse", jwt.ErrInvalidKey)
		}
		k.Certificates = append(k.Certificates, cert)
	}
	if !pub.Equal(k.Certificates[0].PublicKey) {
		return fmt.Errorf("%w: JWK x5c certificate holds another key", jwt.ErrKeyMismatch)
	}
	return nil
}

// public returns the public key of k, or the secret of an oct key, or nil
// for a key of an unknown type.
func (k *Key) public() any {
	switch key := k.Key.(type) {
	case *rsa.PrivateKey:
		if key == nil {
			return nil
		}
		return &key.PublicKey
	case *ecdsa.PrivateKey:
		if key == nil {
			return nil
		}
		return &key.PublicKey
	case ed25519.PrivateKey:
		if len(key) != ed25519.PrivateKeySize {
			return nil
		}
		return key.Public()
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey, []byte:
		return key
	}
	return nil
}

// MarshalJSON encodes k as a JWK, with private members only when Key is a
// private key or a secret. Members come in a fixed order: kty, kid, use,
// key_ops, alg, the key's public members in the order of RFC 7518, its
// private members, then x5c. An RSA key of more than two primes, an
// invalid key or a Key of another type is refused with [jwt.ErrInvalidKey].
func (k *Key) MarshalJSON() ([]byte, error) {
	kty, members, err := k.keyMembers()
	if err != nil {
		return nil, err
	}
	b := make([]byte, 0, 128+len(members))
	b = append(b, `{"kty":"`...)
	b = append(b, kty...)
	b = append(b, '"')
	b = k.appendMetadata(b)
	b = append(b, members...)
	b = appendCertificates(b, k.Certificates)
	return append(b, '}'), nil
}

// keyMembers checks k's key and encodes the members that hold it, each
// preceded by a comma: its public members in the order of RFC 7518, then
// its private members. It returns them with the kty that names them. The
// key is checked before anything is written, so that MarshalJSON never
// returns half a JWK.
func (k *Key) keyMembers() (kty string, members []byte, err error) {
	b := make([]byte, 0, 512)
	switch key := k.Key.(type) {
	case *rsa.PublicKey:
		b, err = appendRSAPublicKey(b, key)
		return "RSA", b, err
	case *rsa.PrivateKey:
		b, err = appendRSAPrivateKey(b, key)
		return "RSA", b, err
	case *ecdsa.PublicKey, *ecdsa.PrivateKey:
		pub, _ := k.public().(*ecdsa.PublicKey)
		priv, _ := key.(*ecdsa.PrivateKey)
		b, err = appendECKey(b, pub, priv)
		return "EC", b, err
	case ed25519.PublicKey, ed25519.PrivateKey:
		pub, _ := k.public().(ed25519.PublicKey)
		priv, _ := key.(ed25519.PrivateKey)
		b, err = appendEd25519Key(b, pub, priv)
		return "OKP", b, err
	case []byte:
		b, err = appendOctKey(b, key)
		return "oct", b, err
	}
	return "", nil, fmt.Errorf("%w: JWK of a %T", jwt.ErrInvalidKey, k.Key)
}

// appendRSAPublicKey appends n and e of key (RFC 7518 §6.3.1), refusing an
// empty key.
func appendRSAPublicKey(b []byte, key *rsa.PublicKey) ([]byte, error) {
	if err := checkRSAForJWK(key); err != nil {
		return nil, err
	}
	return appendRSAPublicMembers(b, key), nil
}

// appendRSAPrivateKey appends n and e of key, then d, p, q, dp, dq and qi
// (RFC 7518 §6.3.2), computing the last three from d and the primes. It
// refuses an empty key and a key of other than two primes, which a JWK
// could hold only in oth, a member this package does not support.
func appendRSAPrivateKey(b []byte, key *rsa.PrivateKey) ([]byte, error) {
	if key == nil || checkRSAForJWK(&key.PublicKey) != nil || key.D == nil || len(key.Primes) != 2 {
		return nil, fmt.Errorf("%w: RSA private key of other than two primes", jwt.ErrInvalidKey)
	}
	b = appendRSAPublicMembers(b, &key.PublicKey)
	p, q := key.Primes[0], key.Primes[1]
	one := big.NewInt(1)
	b = appendBase64URL(b, "d", key.D.Bytes())
	b = appendBase64URL(b, "p", p.Bytes())
	b = appendBase64URL(b, "q", q.Bytes())
	b = appendBase64URL(b, "dp", new(big.Int).Mod(key.D, new(big.Int).Sub(p, one)).Bytes())
	b = appendBase64URL(b, "dq", new(big.Int).Mod(key.D, new(big.Int).Sub(q, one)).Bytes())
	return appendBase64URL(b, "qi", new(big.Int).ModInverse(q, p).Bytes()), nil
}

// checkRSAForJWK refuses an RSA public key with no modulus or exponent to
// write.
func checkRSAForJWK(key *rsa.PublicKey) error {
	if key == nil || key.N == nil || key.N.Sign() <= 0 || key.E <= 0 {
		return fmt.Errorf("%w: empty RSA key", jwt.ErrInvalidKey)
	}
	return nil
}

// appendRSAPublicMembers appends n and e of key, which checkRSAForJWK has
// accepted.
func appendRSAPublicMembers(b []byte, key *rsa.PublicKey) []byte {
	b = appendBase64URL(b, "n", key.N.Bytes())
	return appendBase64URL(b, "e", big.NewInt(int64(key.E)).Bytes())
}

// appendECKey appends crv, x and y of pub and, when priv is not nil, d of
// priv, the private key of pub (RFC 7518 §6.2). x, y and d have the fixed
// size of the curve. It refuses a nil key and a curve other than P-256,
// P-384 and P-521.
func appendECKey(b []byte, pub *ecdsa.PublicKey, priv *ecdsa.PrivateKey) ([]byte, error) {
	if pub == nil || pub.Curve == nil {
		return nil, fmt.Errorf("%w: empty EC key", jwt.ErrInvalidKey)
	}
	crv := curveName(pub.Curve)
	point, err := pub.Bytes() // uncompressed: 4, then x and y
	if crv == "" || err != nil {
		return nil, fmt.Errorf("%w: EC key not on P-256, P-384 or P-521", jwt.ErrInvalidKey)
	}
	var d []byte
	if priv != nil {
		if d, err = priv.Bytes(); err != nil {
			return nil, fmt.Errorf("%w: invalid EC private key", jwt.ErrInvalidKey)
		}
	}
	b = append(b, `,"crv":"`...)
	b = append(b, crv...) // a fixed name: nothing to escape
	b = append(b, '"')
	size := (len(point) - 1) / 2
	b = appendBase64URL(b, "x", point[1:1+size])
	b = appendBase64URL(b, "y", point[1+size:])
	if d != nil {
		b = appendBase64URL(b, "d", d)
	}
	return b, nil
}

// appendEd25519Key appends crv Ed25519 and x of pub and, when priv is not
// nil, the seed of priv, the private key of pub, as d (RFC 8037 §2). It
// refuses a public key of the wrong size.
func appendEd25519Key(b []byte, pub ed25519.PublicKey, priv ed25519.PrivateKey) ([]byte, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: Ed25519 key of the wrong size", jwt.ErrInvalidKey)
	}
	b = append(b, `,"crv":"Ed25519"`...)
	b = appendBase64URL(b, "x", pub)
	if priv != nil {
		b = appendBase64URL(b, "d", priv.Seed())
	}
	return b, nil
}

// appendOctKey appends secret as k (RFC 7518 §6.4), refusing an empty one.
func appendOctKey(b, secret []byte) ([]byte, error) {
	if len(secret) == 0 {
		return nil, fmt.Errorf("%w: empty oct key", jwt.ErrInvalidKey)
	}
	return appendBase64URL(b, "k", secret), nil
}

// appendMetadata appends what k's owner says about the key, each member
// only when it is set: kid, use, key_ops and alg.
func (k *Key) appendMetadata(b []byte) []byte {
	if k.KeyID != "" {
		b = append(b, `,"kid":`...)
		b = appendString(b, k.KeyID)
	}
	if k.Use != "" {
		b = append(b, `,"use":`...)
		b = appendString(b, k.Use)
	}
	if k.KeyOps != nil {
		b = append(b, `,"key_ops":[`...)
		for i, op := range k.KeyOps {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, op)
		}
		b = append(b, ']')
	}
	if k.Algorithm != "" {
		b = append(b, `,"alg":`...)
		b = appendString(b, string(k.Algorithm))
	}
	return b
}

// appendCertificates appends certs as x5c, each in standard base64 with
// padding as RFC 7517 §4.7 asks, not base64url. It appends nothing when
// there are no certificates.
func appendCertificates(b []byte, certs []*x509.Certificate) []byte {
	if len(certs) == 0 {
		return b
	}
	b = append(b, `,"x5c":[`...)
	for i, c := range certs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, c.Raw)
		b = append(b, '"')
	}
	return append(b, ']')
}

// appendBase64URL appends a comma and the member name, which needs no
// escaping, with v in base64url without padding as its value.
func appendBase64URL(b []byte, name string, v []byte) []byte {
	b = append(b, `,"`...)
	b = append(b, name...)
	b = append(b, `":"`...)
	b = base64.RawURLEncoding.AppendEncode(b, v)
	return append(b, '"')
}

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it.
func appendString(b []byte, s string) []byte {
	q, _ := json.Marshal(s) // a string always marshals
	return append(b, q...)
}

// Public returns the public part of k: the same JWK with the public key
// and key_ops reduced to the operations of a public key ("verify",
// "encrypt", "wrapKey"). A JWK that is already public is returned as a
// copy. An "oct" key has no public part, and neither has a Key of another
// type: Public returns nil for them.
func (k *Key) Public() *Key {
	pub := k.public()
	if pub == nil {
		return nil
	}
	if _, ok := pub.([]byte); ok {
		return nil
	}
	c := *k
	c.Key = pub
	if k.KeyOps != nil {
		c.KeyOps = []string{}
		for _, op := range k.KeyOps {
			if op == "verify" || op == "encrypt" || op == "wrapKey" {
				c.KeyOps = append(c.KeyOps, op)
			}
		}
	}
	c.Certificates = slices.Clone(k.Certificates)
	return &c
}

// Thumbprint returns the RFC 7638 thumbprint of k: the SHA-256 hash of the
// key's required members in lexicographic order, without white space, in
// base64url. Only the key counts, so a private key and its public part
// have the same thumbprint, and kid, alg, use and the other members do not
// change it. oct keys (RFC 7638 §3.2) and OKP keys (RFC 8037 §2) have one
// too.
func (k *Key) Thumbprint() (string, error) {
	pub := k.public()
	if pub == nil {
		return "", fmt.Errorf("%w: JWK of a %T", jwt.ErrInvalidKey, k.Key)
	}
	p := &Key{Key: pub}
	enc, err := p.MarshalJSON()
	if err != nil {
		return "", err
	}
	var m map[string]string
	if err := json.Unmarshal(enc, &m); err != nil {
		return "", fmt.Errorf("%w: %v", jwt.ErrInvalidKey, err)
	}
	var names []string
	switch m["kty"] {
	case "RSA":
		names = []string{"e", "kty", "n"}
	case "EC":
		names = []string{"crv", "kty", "x", "y"}
	case "OKP":
		names = []string{"crv", "kty", "x"}
	case "oct":
		names = []string{"k", "kty"}
	}
	b := []byte{'{'}
	for i, name := range names {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, `":"`...)
		b = append(b, m[name]...) // base64url or a fixed name: nothing to escape
		b = append(b, '"')
	}
	b = append(b, '}')
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// algorithmFor picks the algorithm for Signer and Verifier and checks
// that use and key_ops allow op.
func (k *Key) algorithmFor(alg jwt.Algorithm, op string) (jwt.Algorithm, error) {
	switch {
	case alg == "" && k.Algorithm == "":
		return "", fmt.Errorf("%w: no algorithm given and the JWK names none", jwt.ErrUnsupportedAlgorithm)
	case alg == "":
		alg = k.Algorithm
	case k.Algorithm != "" && alg != k.Algorithm:
		return "", fmt.Errorf("%w: JWK is for %s, not %s", jwt.ErrKeyMismatch, k.Algorithm, alg)
	}
	if !implemented(alg) {
		return "", fmt.Errorf("%w: %q", jwt.ErrUnsupportedAlgorithm, alg)
	}
	if k.Use != "" && k.Use != "sig" {
		return "", fmt.Errorf("%w: JWK use is not sig", jwt.ErrKeyMismatch)
	}
	if k.KeyOps != nil && !slices.Contains(k.KeyOps, op) {
		return "", fmt.Errorf("%w: JWK key_ops does not allow %s", jwt.ErrKeyMismatch, op)
	}
	if !k.fits(alg) {
		return "", fmt.Errorf("%w: JWK key cannot serve %s", jwt.ErrKeyMismatch, alg)
	}
	return alg, nil
}

// Signer returns the signer of the jwt package for k and alg ([jwt.HMAC],
// [jwt.RSASigner], [jwt.ECDSASigner] or [jwt.EdDSASigner]), carrying k's
// key ID. An empty alg means k.Algorithm, and both empty is refused with
// [jwt.ErrUnsupportedAlgorithm]. alg must equal k.Algorithm when both are
// set, Use must be "sig" or empty, KeyOps, when present, must include
// "sign", and the key must be private and fit alg; otherwise
// [jwt.ErrKeyMismatch] is returned. The constructors' checks apply too: an
// RSA modulus under 2048 bits is refused with [jwt.ErrWeakKey], and so is
// an HMAC secret shorter than the hash output.
func (k *Key) Signer(alg jwt.Algorithm) (jwt.Signer, error) {
	alg, err := k.algorithmFor(alg, "sign")
	if err != nil {
		return nil, err
	}
	switch key := k.Key.(type) {
	case []byte:
		h, err := jwt.NewHMAC(alg, key)
		if err != nil {
			return nil, err
		}
		return h.WithKeyID(k.KeyID), nil
	case *rsa.PrivateKey:
		s, err := jwt.NewRSASigner(alg, key)
		if err != nil {
			return nil, err
		}
		return s.WithKeyID(k.KeyID), nil
	case *ecdsa.PrivateKey:
		s, err := jwt.NewECDSASigner(alg, key)
		if err != nil {
			return nil, err
		}
		return s.WithKeyID(k.KeyID), nil
	case ed25519.PrivateKey:
		s, err := jwt.NewEdDSASigner(alg, key)
		if err != nil {
			return nil, err
		}
		return s.WithKeyID(k.KeyID), nil
	}
	return nil, fmt.Errorf("%w: a public JWK cannot sign", jwt.ErrKeyMismatch)
}

// Verifier returns the verifier of the jwt package for k and alg, carrying
// k's key ID, by the rules of [Key.Signer], except that KeyOps, when
// present, must include "verify". A private key gives the verifier of its
// public key; an "oct" key gives a [jwt.HMAC].
func (k *Key) Verifier(alg jwt.Algorithm) (jwt.Verifier, error) {
	alg, err := k.algorithmFor(alg, "verify")
	if err != nil {
		return nil, err
	}
	switch key := k.public().(type) {
	case []byte:
		h, err := jwt.NewHMAC(alg, key)
		if err != nil {
			return nil, err
		}
		return h.WithKeyID(k.KeyID), nil
	case *rsa.PublicKey:
		v, err := jwt.NewRSAVerifier(alg, key)
		if err != nil {
			return nil, err
		}
		return v.WithKeyID(k.KeyID), nil
	case *ecdsa.PublicKey:
		v, err := jwt.NewECDSAVerifier(alg, key)
		if err != nil {
			return nil, err
		}
		return v.WithKeyID(k.KeyID), nil
	case ed25519.PublicKey:
		v, err := jwt.NewEdDSAVerifier(alg, key)
		if err != nil {
			return nil, err
		}
		return v.WithKeyID(k.KeyID), nil
	}
	return nil, fmt.Errorf("%w: JWK of a %T", jwt.ErrInvalidKey, k.Key)
}

// Public returns the JWK to publish for v, a verifier or signer of the jwt
// package ([jwt.RSAVerifier], [jwt.RSASigner], [jwt.ECDSAVerifier],
// [jwt.ECDSASigner], [jwt.EdDSAVerifier], [jwt.EdDSASigner]): its public
// key, its key ID as kid, its algorithm as alg and use "sig". A [jwt.HMAC]
// is refused with [jwt.ErrKeyMismatch], since its secret must never be
// published, and so is a Verifier of another type, whose public key this
// package cannot know.
func Public(v jwt.Verifier) (*Key, error) {
	var pub any
	switch k := v.(type) {
	case *jwt.RSAVerifier:
		pub = k.PublicKey()
	case *jwt.RSASigner:
		pub = k.PublicKey()
	case *jwt.ECDSAVerifier:
		pub = k.PublicKey()
	case *jwt.ECDSASigner:
		pub = k.PublicKey()
	case *jwt.EdDSAVerifier:
		pub = k.PublicKey()
	case *jwt.EdDSASigner:
		pub = k.PublicKey()
	case *jwt.HMAC:
		return nil, fmt.Errorf("%w: an HMAC secret is never published", jwt.ErrKeyMismatch)
	default:
		return nil, fmt.Errorf("%w: %T is not a key of the jwt package", jwt.ErrKeyMismatch, v)
	}
	k := &Key{Key: pub, Algorithm: v.Algorithm(), Use: "sig"}
	if m, ok := v.(interface{ KeyID() string }); ok {
		k.KeyID = m.KeyID()
	}
	return k, nil
}
