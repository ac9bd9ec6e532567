package jwt

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
	return decodeFast(payload, &c, infoFor(dst))
}
