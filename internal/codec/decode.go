package codec

import (
	"encoding/json"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDate is the last second of the year 9999, the latest date the codec
// reads or writes: no real token needs a later one, and time arithmetic on
// such values overflows.
const MaxDate = 253402300799

// Registered holds the registered claims of RFC 7519 §4.1, with the types
// of the claims type of the package that uses the codec, field for field:
// dates in seconds since 1970, zero for absent.
type Registered struct {
	Issuer    string
	Subject   string
	Audience  []string
	Expiry    int64
	NotBefore int64
	IssuedAt  int64
	ID        string
}

// claimNames are the registered claim names.
var claimNames = [...]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// The bits of the registered claims, to find duplicates.
const (
	seenIss = 1 << iota
	seenSub
	seenAud
	seenExp
	seenNbf
	seenIat
	seenJti
)

// maxFastMembers is how many members other than the registered claims the
// fast decoder tracks for duplicates; a payload with more goes the slow way.
const maxFastMembers = 16

// Decode reads payload, one JSON object, into r in the way a strict JSON
// check followed by json.Unmarshal into the claims type would, and reports
// whether it could. Members with names in info are left for
// encoding/json; other members are checked as JSON and skipped. When it
// returns false, c may be partly written and nothing is known of payload.
//
// When capture is not nil, the raw JSON of the members it names that are
// not registered claims is kept in it, and which registered claims were
// present.
func Decode(payload string, c *Registered, info *Info, capture *Captured) bool {
	if !info.fast {
		return false
	}
	d := fastDecoder{s: payload}
	d.space()
	if !d.byte('{') {
		return false
	}
	var seen uint
	var others [maxFastMembers]string
	nOthers := 0
	d.space()
	if d.byte('}') {
		return d.end()
	}
	for {
		bit, name, ok := d.memberName()
		if !ok {
			return false
		}
		d.space()
		if bit != 0 {
			ok = d.registered(bit, c)
		} else {
			for _, o := range others[:nOthers] {
				if o == name {
					return false // duplicate
				}
			}
			// Every registered claim name has three letters.
			if nOthers == len(others) || !known(name, info.names) && (len(name) == 3 && foldsToASCII(name, claimNames[:]) || foldsToASCII(name, info.names)) {
				return false
			}
			others[nOthers] = name
			nOthers++
			start := d.i
			ok = d.value()
			if capture != nil {
				capture.Keep(name, d.s[start:d.i])
				capture.otherNames[nOthers-1], capture.otherValues[nOthers-1] = name, d.s[start:d.i]
			}
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		d.space()
		switch {
		case d.byte(','):
			d.space()
		case d.byte('}'):
			if capture != nil {
				capture.seen, capture.nOthers = seen, nOthers
			}
			return d.end()
		default:
			return false
		}
	}
}

// memberName reads a member's name and the colon after it, and returns
// the name's seen bit when it is a registered claim's, else 0 and the
// name. A registered claim's name, as issuers write it, is matched with
// its quotes and colon in one comparison.
func (d *fastDecoder) memberName() (bit uint, name string, ok bool) {
	if bit = d.registeredName(); bit != 0 {
		return bit, "", true
	}
	if name, ok = d.str(); !ok {
		return 0, "", false
	}
	d.space()
	if !d.byte(':') {
		return 0, "", false
	}
	return claimBit(name), name, true
}

// registered reads the value of the registered claim of the seen bit bit
// into c.
func (d *fastDecoder) registered(bit uint, c *Registered) (ok bool) {
	switch bit {
	case seenIss:
		c.Issuer, ok = d.str()
	case seenSub:
		c.Subject, ok = d.str()
	case seenJti:
		c.ID, ok = d.str()
	case seenAud:
		c.Audience, ok = d.audience()
	case seenExp:
		c.Expiry, ok = d.date()
		// "exp":0 is left to the slow path, which tells it from an
		// absent exp.
		ok = ok && c.Expiry != 0
	case seenNbf:
		c.NotBefore, ok = d.date()
	case seenIat:
		c.IssuedAt, ok = d.date()
	}
	return ok
}

// claimBit returns the seen bit of the registered claim name, or 0.
func claimBit(name string) uint {
	switch name {
	case "iss":
		return seenIss
	case "sub":
		return seenSub
	case "aud":
		return seenAud
	case "exp":
		return seenExp
	case "nbf":
		return seenNbf
	case "iat":
		return seenIat
	case "jti":
		return seenJti
	}
	return 0
}

// The six bytes `"iss":` and so on, read as a little-endian integer.
const (
	quotedIss = '"' | 'i'<<8 | 's'<<16 | 's'<<24 | '"'<<32 | ':'<<40
	quotedSub = '"' | 's'<<8 | 'u'<<16 | 'b'<<24 | '"'<<32 | ':'<<40
	quotedAud = '"' | 'a'<<8 | 'u'<<16 | 'd'<<24 | '"'<<32 | ':'<<40
	quotedExp = '"' | 'e'<<8 | 'x'<<16 | 'p'<<24 | '"'<<32 | ':'<<40
	quotedNbf = '"' | 'n'<<8 | 'b'<<16 | 'f'<<24 | '"'<<32 | ':'<<40
	quotedIat = '"' | 'i'<<8 | 'a'<<16 | 't'<<24 | '"'<<32 | ':'<<40
	quotedJti = '"' | 'j'<<8 | 't'<<16 | 'i'<<24 | '"'<<32 | ':'<<40
)

// registeredName reads a registered claim's name and the colon after it
// when they are written with no white space between, `"iss":`, and
// returns the claim's seen bit. It returns 0, having read nothing, for
// anything else, which str then reads.
func (d *fastDecoder) registeredName() uint {
	if len(d.s)-d.i < 6 {
		return 0
	}
	b := d.s[d.i : d.i+6]
	var bit uint
	switch uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 | uint64(b[4])<<32 | uint64(b[5])<<40 {
	case quotedIss:
		bit = seenIss
	case quotedSub:
		bit = seenSub
	case quotedAud:
		bit = seenAud
	case quotedExp:
		bit = seenExp
	case quotedNbf:
		bit = seenNbf
	case quotedIat:
		bit = seenIat
	case quotedJti:
		bit = seenJti
	default:
		return 0
	}
	d.i += 6
	return bit
}

// Captured is what Decode keeps of a payload: the raw JSON of the members
// it is asked for, and of the members other than the registered claims.
type Captured struct {
	// Names are the members to keep, at most 8.
	Names []string
	// raw[i] is the JSON of the member names[i], when found has bit i.
	raw   [8]string
	found uint8
	// seen has the seen bits of the registered claims present.
	seen uint
	// otherNames and otherValues are the names and the JSON values of
	// the members other than the registered claims, nOthers of them.
	otherNames, otherValues [maxFastMembers]string
	nOthers                 int
}

// rest appends to b the JSON object of the members other than the
// registered claims.
func (c *Captured) rest(b []byte) []byte {
	// A name has no escapes: the fast decoder takes none.
	n := 2
	for i, name := range c.otherNames[:c.nOthers] {
		n += len(name) + 4 + len(c.otherValues[i])
	}
	b = slices.Grow(b, n)
	b = append(b, '{')
	for i, name := range c.otherNames[:c.nOthers] {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		b = append(b, c.otherValues[i]...)
	}
	return append(b, '}')
}

// Keep keeps raw as the JSON of the member name, when name is one of
// Names.
func (c *Captured) Keep(name, raw string) {
	for i, n := range c.Names {
		if n == name {
			c.raw[i] = raw
			c.found |= 1 << i
		}
	}
}

// Get returns the JSON of Names[i] and whether it was present.
func (c *Captured) Get(i int) (string, bool) {
	return c.raw[i], c.found&(1<<i) != 0
}

// known reports whether name is one of names exactly; if it is not, it
// must not be one of them when case is ignored either.
func known(name string, names []string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// foldsToASCII is foldsTo for a name and names of ASCII only, where
// folding is ASCII case folding; names of another length are passed over
// without a look at their bytes.
func foldsToASCII(name string, names []string) bool {
	for _, n := range names {
		if len(n) == len(name) && n != name && EqualFoldASCII(n, name) {
			return true
		}
	}
	return false
}

type fastDecoder struct {
	s string
	i int
	// useNumber makes anyScalar return numbers as json.Number.
	useNumber bool
}

func (d *fastDecoder) space() {
	if d.i < len(d.s) && d.s[d.i] <= ' ' {
		d.skipSpace()
	}
}

func (d *fastDecoder) skipSpace() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

func (d *fastDecoder) byte(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// end reports whether only white space is left.
func (d *fastDecoder) end() bool {
	d.space()
	return d.i == len(d.s)
}

// str reads a string of printable ASCII without escapes. It looks at
// eight bytes at a time: the lowest byte flagged in m below is the first
// that is not plainChars, since no byte under it borrows.
func (d *fastDecoder) str() (string, bool) {
	s, i := d.s, d.i
	if i >= len(s) || s[i] != '"' {
		return "", false
	}
	i++
	start := i
	for i+8 <= len(s) {
		b := s[i : i+8]
		x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		const ones, highs = 0x0101010101010101, 0x8080808080808080
		m := ((x - 0x20*ones) | ((x ^ '"'*ones) - ones) | ((x ^ '\\'*ones) - ones) | x) & highs
		if m != 0 {
			i += bits.TrailingZeros64(m) / 8
			return d.strEnd(start, i)
		}
		i += 8
	}
	for i < len(s) && plainChars[s[i]] {
		i++
	}
	return d.strEnd(start, i)
}

// strEnd ends str at s[i], which must be the closing quote.
func (d *fastDecoder) strEnd(start, i int) (string, bool) {
	if i < len(d.s) && d.s[i] == '"' {
		d.i = i + 1
		return d.s[start:i], true
	}
	return "", false
}

// plainChars marks the bytes str takes as they are: printable ASCII but
// the quote and the backslash.
var plainChars = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// audience reads a string or an array of strings.
func (d *fastDecoder) audience() ([]string, bool) {
	if d.i < len(d.s) && d.s[d.i] == '"' {
		s, ok := d.str()
		return []string{s}, ok
	}
	if !d.byte('[') {
		return nil, false
	}
	return readList(d, (*fastDecoder).str)
}

// readList reads the rest of an array whose '[' d has just read, each
// element with elem, as encoding/json would: [] is an empty list, not nil.
func readList[T any](d *fastDecoder, elem func(*fastDecoder) (T, bool)) ([]T, bool) {
	list := []T{}
	d.space()
	if d.byte(']') {
		return list, true
	}
	for {
		v, ok := elem(d)
		if !ok {
			return nil, false
		}
		list = append(list, v)
		d.space()
		switch {
		case d.byte(','):
			d.space()
		case d.byte(']'):
			return list, true
		default:
			return nil, false
		}
	}
}

// date reads a date written as an integer without sign, exponent or
// fraction, from 0 to MaxDate.
func (d *fastDecoder) date() (int64, bool) {
	s := d.s[d.i:]
	// Twelve digits are more than MaxDate has: stop there.
	s = s[:min(len(s), 13)]
	var n int64
	l := 0
	for ; l < len(s); l++ {
		c := s[l] - '0'
		if c > 9 {
			break
		}
		n = n*10 + int64(c)
	}
	if l == 0 || l > 1 && s[0] == '0' || l > 12 || n > MaxDate {
		return 0, false
	}
	if l < len(s) {
		if c := s[l]; c == '.' || c == 'e' || c == 'E' {
			return 0, false
		}
	}
	d.i += l
	return n, true
}

// value checks one JSON value of the kinds the fast decoder takes: a
// string as str reads it, a number, true, false, null, or an array of
// those. Anything else makes it give up.
func (d *fastDecoder) value() bool {
	if d.i >= len(d.s) {
		return false
	}
	if d.s[d.i] != '[' {
		return d.scalar()
	}
	d.i++
	d.space()
	if d.byte(']') {
		return true
	}
	for {
		if !d.scalar() {
			return false
		}
		d.space()
		switch {
		case d.byte(','):
			d.space()
		case d.byte(']'):
			return true
		default:
			return false
		}
	}
}

// anyValue reads a value as value checks it and returns what
// json.Unmarshal into an interface value makes of it: a string, a float64
// (false when strconv.ParseFloat refuses the number, as encoding/json
// does), a bool, nil, or a []any of those.
func (d *fastDecoder) anyValue() (any, bool) {
	if !d.byte('[') {
		return d.anyScalar()
	}
	return readList(d, (*fastDecoder).anyScalar)
}

// anyScalar is anyValue for a value that scalar takes.
func (d *fastDecoder) anyScalar() (any, bool) {
	start := d.i
	if !d.scalar() {
		return nil, false
	}
	switch lit := d.s[start:d.i]; lit[0] {
	case '"':
		return lit[1 : len(lit)-1], true
	case 't':
		return true, true
	case 'f':
		return false, true
	case 'n':
		return nil, true
	default:
		if d.useNumber {
			return json.Number(lit), true
		}
		f, err := strconv.ParseFloat(lit, 64)
		return f, err == nil
	}
}

// DecodeMap reads payload, one JSON object, as json.Unmarshal into a nil
// map[string]any would, and reports whether it could: at most
// maxFastMembers members whose values are of the kinds value takes.
// Anything else, an object inside included, it leaves to encoding/json.
// A name given twice keeps its last value, as encoding/json does. The
// members are read before the map is made, so that it is made at its size.
func DecodeMap(payload string, useNumber bool) (map[string]any, bool) {
	d := fastDecoder{s: payload, useNumber: useNumber}
	d.space()
	if !d.byte('{') {
		return nil, false
	}
	var members [maxFastMembers]struct {
		name  string
		value any
	}
	n := 0
	d.space()
	if !d.byte('}') {
		for {
			name, ok := d.str()
			if !ok || n == len(members) {
				return nil, false
			}
			d.space()
			if !d.byte(':') {
				return nil, false
			}
			d.space()
			v, ok := d.anyValue()
			if !ok {
				return nil, false
			}
			members[n].name, members[n].value = name, v
			n++
			d.space()
			if d.byte('}') {
				break
			}
			if !d.byte(',') {
				return nil, false
			}
			d.space()
		}
	}
	if !d.end() {
		return nil, false
	}
	m := make(map[string]any, n)
	for _, kv := range members[:n] {
		m[kv.name] = kv.value
	}
	return m, true
}

func (d *fastDecoder) scalar() bool {
	if d.i >= len(d.s) {
		return false
	}
	switch c := d.s[d.i]; {
	case c == '"':
		_, ok := d.str()
		return ok
	case c == '-' || '0' <= c && c <= '9':
		return d.number()
	case strings.HasPrefix(d.s[d.i:], "true"):
		d.i += 4
	case strings.HasPrefix(d.s[d.i:], "false"):
		d.i += 5
	case strings.HasPrefix(d.s[d.i:], "null"):
		d.i += 4
	default:
		return false
	}
	return true
}

// number reads a number as RFC 8259 §6 writes it.
func (d *fastDecoder) number() bool {
	d.byte('-')
	if d.byte('0') {
	} else if !d.digits() {
		return false
	}
	if d.byte('.') && !d.digits() {
		return false
	}
	if d.byte('e') || d.byte('E') {
		if !d.byte('+') {
			d.byte('-')
		}
		if !d.digits() {
			return false
		}
	}
	return true
}

func (d *fastDecoder) digits() bool {
	start := d.i
	for d.i < len(d.s) && '0' <= d.s[d.i] && d.s[d.i] <= '9' {
		d.i++
	}
	return d.i > start
}
