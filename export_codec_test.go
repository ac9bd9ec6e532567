package jwt

import (
	"context"
	"reflect"
)

// The claims decoder's two paths, for the differential test of codec.go.

// DecodeClaimsFast is what Verify does with a payload: the fast decoder
// when it takes the payload, else the strict scanner and encoding/json.
func DecodeClaimsFast(payload string, dst any, e *Expect) error {
	return decodeClaims(payload, dst, e, "")
}

// DecodeClaimsSlow is the strict scanner and encoding/json alone.
func DecodeClaimsSlow(payload []byte, dst any, e *Expect) error {
	return decodeClaimsSlow(payload, dst, e, "", infoFor(dst).names)
}

// FastTakes reports whether the fast decoder takes payload for dst.
func FastTakes(payload string, dst any) bool {
	var c Claims
	return decodeFast(payload, &c, infoFor(dst), nil)
}

// WithoutFastPaths runs f with every fast path of Verify, Sign and Pairs
// turned off. Tests that call it must not run in parallel.
func WithoutFastPaths(f func()) {
	noFastPaths.Store(true)
	defer noFastPaths.Store(false)
	f()
}

// PairsFastTakes reports whether the pair manager's fast path reads tok.
func PairsFastTakes(p *Pairs, tok string) bool {
	var c pairClaims
	return p.parse(context.Background(), tok, &c) == nil && c.fast
}

// SplitTakes reports whether Verify fills the registered claims of dst
// with the fast decoder and leaves only the rest to encoding/json.
func SplitTakes(dst any) bool { return infoFor(dst).split }

// ScanString is the fast decoder's string reader on s.
func ScanString(s string) (string, int, bool) {
	d := fastDecoder{s: s}
	v, ok := d.str()
	return v, d.i, ok
}

// DecodeMap is the fast reader of a payload into a map[string]any.
func DecodeMap(payload string) (map[string]any, bool) { return decodeMap(payload) }

// ClaimsFirst reports whether Sign writes the Claims that claims embeds
// with appendClaims and only the rest with encoding/json.
func ClaimsFirst(claims any) bool { return claimsFirst(reflect.TypeOf(claims)) }

// PlainFields are the names of the fields of dst that Verify sets without
// encoding/json.
func PlainFields(dst any) []string {
	var names []string
	for _, f := range infoFor(dst).fields {
		names = append(names, f.name)
	}
	return names
}

// FieldsPlain reports whether Sign writes every field of claims, a
// pointer to a struct embedding Claims first, without encoding/json.
func FieldsPlain(claims any) bool { return layoutOf(reflect.TypeOf(claims)).plain }
