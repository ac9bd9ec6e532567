// Package strictjson checks that a header, a payload or a JWK is exactly
// one JSON object that every JSON parser reads the same way: valid UTF-8,
// no duplicate member names, no lone surrogates, nothing after it. It
// depends on the standard library only.
package strictjson

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of arrays and objects in a header or payload,
// so that no input can make Check recurse without limit.
const MaxDepth = 32

// Check reports whether data is exactly one JSON object (RFC 8259), with
// white space around it and nothing else, in valid UTF-8, with no escape that
// encodes a lone surrogate and no object anywhere in it that names a member
// twice. Names are compared after unescaping, so {"a":1,"\u0061":2} is
// refused. When top is not nil it is called with each top-level member name
// (unescaped) in the order met.
//
// encoding/json accepts all of these (it keeps the last duplicate and
// replaces bad UTF-8), which lets two parsers of one token disagree about its
// claims; a verifier calls Check before encoding/json sees a byte.
func Check(data []byte, top func(name string)) bool {
	s := scanner{data: data}
	s.space()
	if s.pos >= len(s.data) || s.data[s.pos] != '{' {
		return false
	}
	if !s.object(0, top) {
		return false
	}
	s.space()
	return s.pos == len(s.data)
}

type scanner struct {
	data []byte
	pos  int
}

func (s *scanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

func (s *scanner) value(depth int) bool {
	if s.pos >= len(s.data) {
		return false
	}
	switch c := s.data[s.pos]; {
	case c == '{':
		return s.object(depth+1, nil)
	case c == '[':
		return s.array(depth + 1)
	case c == '"':
		_, ok := s.str(false)
		return ok
	case c == '-' || ('0' <= c && c <= '9'):
		return s.number()
	default:
		return s.literal("true") || s.literal("false") || s.literal("null")
	}
}

func (s *scanner) literal(lit string) bool {
	if len(s.data)-s.pos >= len(lit) && string(s.data[s.pos:s.pos+len(lit)]) == lit {
		s.pos += len(lit)
		return true
	}
	return false
}

func (s *scanner) object(depth int, top func(string)) bool {
	if depth > MaxDepth {
		return false
	}
	s.pos++ // '{'
	var names []string
	var set map[string]struct{}
	s.space()
	if s.pos < len(s.data) && s.data[s.pos] == '}' {
		s.pos++
		return true
	}
	for {
		if s.pos >= len(s.data) || s.data[s.pos] != '"' {
			return false
		}
		name, ok := s.str(true)
		if !ok {
			return false
		}
		// Few members: a linear search beats hashing. Many: a set keeps
		// the check linear in the size of the input.
		if set == nil && len(names) < 16 {
			for _, n := range names {
				if n == name {
					return false
				}
			}
			names = append(names, name)
		} else {
			if set == nil {
				set = make(map[string]struct{}, 2*len(names))
				for _, n := range names {
					set[n] = struct{}{}
				}
			}
			if _, dup := set[name]; dup {
				return false
			}
			set[name] = struct{}{}
		}
		if top != nil {
			top(name)
		}
		s.space()
		if s.pos >= len(s.data) || s.data[s.pos] != ':' {
			return false
		}
		s.pos++
		s.space()
		if !s.value(depth) {
			return false
		}
		s.space()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			s.space()
		case '}':
			s.pos++
			return true
		default:
			return false
		}
	}
}

func (s *scanner) array(depth int) bool {
	if depth > MaxDepth {
		return false
	}
	s.pos++ // '['
	s.space()
	if s.pos < len(s.data) && s.data[s.pos] == ']' {
		s.pos++
		return true
	}
	for {
		if !s.value(depth) {
			return false
		}
		s.space()
		if s.pos >= len(s.data) {
			return false
		}
		switch s.data[s.pos] {
		case ',':
			s.pos++
			s.space()
		case ']':
			s.pos++
			return true
		default:
			return false
		}
	}
}

// str scans a string starting at its opening quote. When want is true it
// returns the unescaped contents; a string without escapes is returned
// without copying the bytes more than once.
func (s *scanner) str(want bool) (string, bool) {
	s.pos++ // '"'
	start := s.pos
	var buf []byte // unescaped contents, once an escape is met
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		switch {
		case c == '"':
			end := s.pos
			s.pos++
			if !want {
				return "", true
			}
			if buf == nil {
				return string(s.data[start:end]), true
			}
			return string(buf), true
		case c < 0x20:
			return "", false
		case c == '\\':
			if want && buf == nil {
				buf = append([]byte(nil), s.data[start:s.pos]...)
			}
			r, ok := s.escape()
			if !ok {
				return "", false
			}
			if want {
				buf = utf8.AppendRune(buf, r)
			}
		case c < utf8.RuneSelf:
			s.pos++
			if buf != nil {
				buf = append(buf, c)
			}
		default:
			r, n := utf8.DecodeRune(s.data[s.pos:])
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			if buf != nil {
				buf = append(buf, s.data[s.pos:s.pos+n]...)
			}
			s.pos += n
		}
	}
	return "", false
}

// escape scans one escape sequence starting at its backslash and returns the
// rune it stands for. A \u escape of a surrogate must be a high surrogate
// followed at once by an escaped low one.
func (s *scanner) escape() (rune, bool) {
	if s.pos+1 >= len(s.data) {
		return 0, false
	}
	c := s.data[s.pos+1]
	s.pos += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), true
	case 'b':
		return '\b', true
	case 'f':
		return '\f', true
	case 'n':
		return '\n', true
	case 'r':
		return '\r', true
	case 't':
		return '\t', true
	case 'u':
		r, ok := s.hex4()
		if !ok {
			return 0, false
		}
		if !utf16.IsSurrogate(r) {
			return r, true
		}
		if r >= 0xdc00 || s.pos+1 >= len(s.data) || s.data[s.pos] != '\\' || s.data[s.pos+1] != 'u' {
			return 0, false
		}
		s.pos += 2
		r2, ok := s.hex4()
		if !ok {
			return 0, false
		}
		d := utf16.DecodeRune(r, r2)
		return d, d != utf8.RuneError
	}
	return 0, false
}

func (s *scanner) hex4() (rune, bool) {
	if len(s.data)-s.pos < 4 {
		return 0, false
	}
	var r rune
	for _, c := range s.data[s.pos : s.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.pos += 4
	return r, true
}

// number scans a number as RFC 8259 §6 defines it: no leading zeros, no
// plus sign, digits on both sides of a point.
func (s *scanner) number() bool {
	if s.data[s.pos] == '-' {
		s.pos++
	}
	if s.pos >= len(s.data) {
		return false
	}
	if s.data[s.pos] == '0' {
		s.pos++
	} else if !s.digits() {
		return false
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if !s.digits() {
			return false
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

func (s *scanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && '0' <= s.data[s.pos] && s.data[s.pos] <= '9' {
		s.pos++
	}
	return s.pos > start
}

// FoldsTo reports whether name equals one of names when case is ignored but
// not exactly. It folds as encoding/json matches names, Unicode included, so
// that "\u017fub" (a long s) counts as a spelling of sub.
func FoldsTo(name string, names []string) bool {
	for _, n := range names {
		if n != name && strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
