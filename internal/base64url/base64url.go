// Package base64url decodes the unpadded base64url of JWS (RFC 7515 §2,
// RFC 4648 §5) in one pass that also checks the alphabet. It depends on
// the standard library only.
package base64url

import "encoding/binary"

// The decoder checks the alphabet while it decodes, so that a part of a
// token is read once instead of being scanned by Valid and then decoded
// by encoding/base64. It tells the two failures apart, as
// Verify's order of checks needs: a character outside the alphabet is
// reported before the signature is checked, a wrong length or nonzero
// trailing bits (what base64.RawURLEncoding.Strict() refuses) only where
// that part is decoded. FuzzBase64URL holds it to encoding/base64.

// invalid is set in a shifted entry for a byte outside the
// base64url alphabet; no valid value reaches it.
const invalid = 1 << 31

// shifted[k][c] is the 6-bit value of the byte c, shifted to its place
// in a group of four characters (the k-th of them), or invalid: one
// group decodes into 24 bits with four loads and three ORs, which also
// collect the invalid bit.
var shifted = func() (t [4][256]uint32) {
	for k := range t {
		for c := range t[k] {
			t[k][c] = invalid
		}
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(alphabet); i++ {
		for k := range t {
			t[k][alphabet[i]] = uint32(i) << (18 - 6*k)
		}
	}
	return t
}()

// Decode decodes src, unpadded base64url, into dst, which must hold
// len(src)*3/4 bytes. alphabet is false when src holds a byte outside the
// alphabet; strict is false when src is otherwise not what
// base64.RawURLEncoding.Strict() decodes: a length of 4n+1, or nonzero
// bits after the last byte. n is meaningful only when both are true.
func Decode(dst []byte, src string) (n int, alphabet, strict bool) {
	t0, t1, t2, t3 := &shifted[0], &shifted[1], &shifted[2], &shifted[3]
	var bad uint32 // the OR of every group: invalid marks a bad byte
	// Eight characters make six bytes, written as one eight-byte store
	// while dst has room for it; the next store covers the last two.
	for len(src) >= 8 && len(dst)-n >= 8 {
		x := t0[src[0]] | t1[src[1]] | t2[src[2]] | t3[src[3]]
		y := t0[src[4]] | t1[src[5]] | t2[src[6]] | t3[src[7]]
		bad |= x | y
		binary.BigEndian.PutUint64(dst[n:], uint64(x)<<40|uint64(y&0xFFFFFF)<<16)
		n += 6
		src = src[8:]
	}
	for len(src) >= 8 && len(dst)-n >= 6 {
		x := t0[src[0]] | t1[src[1]] | t2[src[2]] | t3[src[3]]
		y := t0[src[4]] | t1[src[5]] | t2[src[6]] | t3[src[7]]
		bad |= x | y
		d := dst[n : n+6]
		d[0], d[1], d[2], d[3], d[4], d[5] = byte(x>>16), byte(x>>8), byte(x), byte(y>>16), byte(y>>8), byte(y)
		n += 6
		src = src[8:]
	}
	for len(src) >= 4 {
		x := t0[src[0]] | t1[src[1]] | t2[src[2]] | t3[src[3]]
		bad |= x
		d := dst[n : n+3]
		d[0], d[1], d[2] = byte(x>>16), byte(x>>8), byte(x)
		n += 3
		src = src[4:]
	}
	strict = true
	switch len(src) {
	case 1:
		bad |= t0[src[0]]
		strict = false
	case 2:
		x := t0[src[0]] | t1[src[1]]
		bad |= x
		dst[n] = byte(x >> 16)
		n++
		strict = x&0xFFFF == 0
	case 3:
		x := t0[src[0]] | t1[src[1]] | t2[src[2]]
		bad |= x
		d := dst[n : n+2]
		d[0], d[1] = byte(x>>16), byte(x>>8)
		n += 2
		strict = x&0xFF == 0
	}
	alphabet = bad&invalid == 0
	return n, alphabet, alphabet && strict
}

// Valid reports whether s holds only characters of the base64url alphabet
// (RFC 4648 §5). encoding/base64 would skip CR and LF, and a padded part is
// not the unpadded encoding JWS uses.
func Valid(s string) bool {
	for i := 0; i < len(s); i++ {
		if !chars[s[i]] {
			return false
		}
	}
	return true
}

// chars marks the base64url alphabet: one load per character instead of
// five ranges.
var chars = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
	}
	return t
}()
