package base64url_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/jwtpair/jwt/internal/base64url"
	"github.com/stretchr/testify/require"
)

// FuzzBase64URL holds the one-pass decoder to Valid's alphabet and
// base64.RawURLEncoding.Strict().
func FuzzBase64URL(f *testing.F) {
	for _, s := range []string{"", "A", "AA", "AB", "AAA", "AAB", "AAAA", "eyJhbGciOiJIUzI1NiJ9", "a-_b", "a+/b", "AAAA=", "AA\nAA", "AAAAAAAAAAAA", "AAAAAAAA\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		dst := make([]byte, len(s)*3/4)
		n, alphabet, strict := base64url.Decode(dst, s)
		want := true
		for _, c := range []byte(s) {
			want = want && strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", c) >= 0
		}
		require.Equal(t, want, alphabet, "alphabet of %q", s)
		require.Equal(t, want, base64url.Valid(s), "Valid(%q)", s)
		ref, err := base64.RawURLEncoding.Strict().DecodeString(s)
		require.Equal(t, alphabet && err == nil, strict, "strictness of %q", s)
		if strict {
			require.Equal(t, ref, dst[:n])
		}
	})
}
