package strictjson_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/jwtpair/jwt/internal/strictjson"
	"github.com/stretchr/testify/require"
)

// FuzzCheckJSON holds Check to strictJSON, a rule written from
// encoding/json.
func FuzzCheckJSON(f *testing.F) {
	seeds := []string{
		`{}`, ` {"a":1} `, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"b":1,"b":2}}`,
		`{"a":"\ud800"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\udc00\ud800"}`, `{"\ud800":1}`,
		"{\"a\":\"\xff\"}", `[]`, `"x"`, `{"a":1}x`, `{"a":-0.5e+10,"b":[true,false,null]}`,
		`{"a":01}`, `{"a":1.}`, `{"a":"\x"}`, `{"a":"` + "\t" + `"}`,
		`{"a":` + strings.Repeat("[", strictjson.MaxDepth) + strings.Repeat("]", strictjson.MaxDepth) + `}`,
		`{"a":` + strings.Repeat("[", strictjson.MaxDepth+1) + strings.Repeat("]", strictjson.MaxDepth+1) + `}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// The vector files, and the headers and payloads of the compact
	// tokens in them.
	files, err := filepath.Glob("../../testdata/*.json")
	require.NoError(f, err)
	require.NotEmpty(f, files)
	compact := regexp.MustCompile(`"([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.[A-Za-z0-9_-]*"`)
	for _, p := range files {
		data, err := os.ReadFile(p)
		require.NoError(f, err)
		f.Add(data)
		for _, m := range compact.FindAllSubmatch(data, -1) {
			for _, part := range m[1:] {
				if b, err := base64.RawURLEncoding.DecodeString(string(part)); err == nil {
					f.Add(b)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := strictjson.Check(data, nil)
		if got {
			require.True(t, json.Valid(data), "strict accepts only what encoding/json accepts")
		}
		require.Equal(t, strictJSON(data), got)
	})
}

// strictJSON is the rule Check must follow, written from encoding/json:
// data is accepted exactly when json.Valid accepts it, it is an object, it
// is valid UTF-8, no \u escape in it encodes a lone surrogate, no object in
// it names a member twice (names compared after unescaping), and it nests
// at most MaxDepth arrays and objects inside the top-level object.
func strictJSON(data []byte) bool {
	if !json.Valid(data) || !utf8.Valid(data) {
		return false
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return false
	}
	if hasLoneSurrogate(data) {
		return false
	}
	type frame struct {
		obj     bool
		wantKey bool
		names   map[string]bool
	}
	var stack []*frame
	maxNest := 0
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return false
		}
		if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
			if _, ok := tok.(json.Delim); !ok {
				top := stack[n-1]
				name := tok.(string)
				if top.names[name] {
					return false
				}
				top.names[name] = true
				top.wantKey = false
				continue
			}
		}
		d, isDelim := tok.(json.Delim)
		if isDelim && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].obj {
			stack[n-1].wantKey = true
		}
		if isDelim {
			stack = append(stack, &frame{obj: d == '{', wantKey: d == '{', names: map[string]bool{}})
			maxNest = max(maxNest, len(stack))
		}
	}
	return maxNest <= strictjson.MaxDepth+1
}

// hasLoneSurrogate reports whether a string of the valid JSON data holds a
// \u escape of a surrogate that is not a high one followed at once by an
// escaped low one.
func hasLoneSurrogate(data []byte) bool {
	hex4 := func(b []byte) (rune, bool) {
		if len(b) < 4 {
			return 0, false
		}
		var r rune
		for _, c := range b[:4] {
			switch {
			case '0' <= c && c <= '9':
				r = r<<4 | rune(c-'0')
			case 'a' <= c && c <= 'f':
				r = r<<4 | rune(c-'a'+10)
			case 'A' <= c && c <= 'F':
				r = r<<4 | rune(c-'A'+10)
			default:
				return 0, false
			}
		}
		return r, true
	}
	inString := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case !inString:
			inString = c == '"'
		case c == '"':
			inString = false
		case c == '\\':
			if data[i+1] != 'u' {
				i++
				continue
			}
			r, _ := hex4(data[i+2:])
			i += 5
			switch {
			case r >= 0xdc00 && r <= 0xdfff:
				return true
			case r >= 0xd800 && r <= 0xdbff:
				if i+6 >= len(data) || data[i+1] != '\\' || data[i+2] != 'u' {
					return true
				}
				r2, _ := hex4(data[i+3:])
				if r2 < 0xdc00 || r2 > 0xdfff {
					return true
				}
				i += 6
			}
		}
	}
	return false
}
