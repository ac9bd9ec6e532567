package jwt

import (
	"strings"
	"testing"
)

// FuzzFields2 holds fields2, which skips eight bytes at a time, to
// strings.FieldsFunc on ASCII white space.
func FuzzFields2(f *testing.F) {
	for _, s := range []string{"", " ", "Bearer abc", " \tBearer  \t abc.def.ghi \t", "Bearer\vabcdefghijklmnop\fq",
		"Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnopqrstuvwxyz0123456789\r\n", "a b c", "abcdefgh\x00ijklmnop qrs",
		"abcdefg\x85 hijklmnop", "\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8 \xf7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && isASCIISpace(byte(r)) })
		first, second, n := fields2(s)
		if n != len(want) {
			t.Fatalf("fields2(%q): %d fields, want %d", s, n, len(want))
		}
		var wantFirst, wantSecond string
		if n > 0 {
			wantFirst = want[0]
		}
		if n > 1 {
			wantSecond = want[1]
		}
		if first != wantFirst || second != wantSecond {
			t.Fatalf("fields2(%q) = %q, %q; want %q, %q", s, first, second, wantFirst, wantSecond)
		}
	})
}
