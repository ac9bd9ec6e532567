package codec

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzScanString holds the fast decoder's eight-bytes-at-a-time string
// reader to the rule it implements: a quote, printable ASCII (DEL too)
// without quote or backslash, a quote.
func FuzzScanString(f *testing.F) {
	for _, s := range []string{`"abc"`, `"abcdefghijklmnop"x`, `"abcdefg\"`, `"abcdefgh\u0041"`, "\"abcdefghi\x1f\"", "\"abcdefghi\x7f\"", "\"abcdefghij\xc3\xa9\"", `"`, `""`, `"abcdefghijklmnopqrstuvwxyz`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := fastDecoder{s: s}
		v, ok := d.str()
		n := d.i
		want, wantOK := "", false
		if strings.HasPrefix(s, `"`) {
			i := 1
			for i < len(s) && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\' {
				i++
			}
			if i < len(s) && s[i] == '"' {
				want, wantOK = s[1:i], true
				require.Equal(t, i+1, n)
			}
		}
		require.Equal(t, wantOK, ok, "%q", s)
		require.Equal(t, want, v, "%q", s)
	})
}
