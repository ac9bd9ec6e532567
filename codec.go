package jwt

import (
	"encoding"
	"encoding/json"
	"maps"
	"math/bits"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The claims codec: a decoder and an encoder for the registered claims that
// do not use reflection. They cover the payloads real issuers write (ASCII
// names and strings without escapes, integer dates, aud as a string or an
// array of strings) and give up on anything else, handing the payload to
// the strict scanner and encoding/json, which decide exactly as before.
// They never refuse: a payload the fast decoder does not take is not
// judged by it. Around them: the string, number and boolean fields of a
// struct that embeds Claims are set from the payload directly (setFields),
// a map[string]any is filled directly (decodeMap), and Sign writes the
// Claims a struct embeds first with appendClaims; each gives way to
// encoding/json for anything it does not take. FuzzClaimsCodec holds the
// fast paths and the slow ones to the same results.

// dstInfo is what the fast decoder needs to know of a destination type.
type dstInfo struct {
	// names are the JSON member names encoding/json would fill.
	names []string
	// split is set for a struct that embeds Claims directly, by value and
	// without a tag, and is not a json.Unmarshaler: the fast decoder can
	// fill its registered claims and leave the other members to
	// encoding/json.
	split bool
	// fast is false when the type cannot take the fast path: a name that
	// is not ASCII, a name twice (a field that shadows another), or two
	// names that are equal when case is ignored.
	fast bool
	// fields are, for a split type, its own fields that setFields fills
	// without encoding/json.
	fields []plainField
}

// plainField is a direct field of a struct that encoding/json fills from
// a JSON scalar by the kind of its type alone: a string, a bool or a
// number, without the string option, not a json.Number, with no
// json.Unmarshaler or encoding.TextUnmarshaler on the type or its
// pointer.
type plainField struct {
	name  string
	index int
}

// claimsInfo is the dstInfo of *Claims and of no destination at all.
var claimsInfo = newDstInfo(nil)

var dstInfoCache sync.Map // reflect.Type → *dstInfo

func newDstInfo(names []string) *dstInfo {
	info := &dstInfo{names: names, fast: true}
	for i, a := range names {
		for _, b := range names[i+1:] {
			if a == b {
				info.fast = false
			}
		}
	}
	all := append(append([]string(nil), claimNames[:]...), names...)
	for i, a := range all {
		for j := 0; j < len(a); j++ {
			if a[j] >= utf8.RuneSelf {
				info.fast = false
			}
		}
		for _, b := range all[i+1:] {
			if a != b && strings.EqualFold(a, b) {
				info.fast = false
			}
		}
	}
	return info
}

// infoFor returns the dstInfo of the destination dst.
func infoFor(dst any) *dstInfo {
	switch dst.(type) {
	case nil, *Claims:
		return claimsInfo
	}
	t := reflect.TypeOf(dst)
	if v, ok := dstInfoCache.Load(t); ok {
		return v.(*dstInfo)
	}
	info := newDstInfo(fieldNames(dst))
	info.split = info.fast && embedsClaims(t)
	if info.split {
		info.fields = plainFields(t.Elem())
	}
	dstInfoCache.Store(t, info)
	return info
}

// embedsClaims reports whether t is a pointer to a struct with Claims as
// a direct, untagged field by value, neither t nor the struct being a
// json.Unmarshaler: encoding/json then fills that Claims from the
// registered claims and from nothing else.
func embedsClaims(t reflect.Type) bool {
	unmarshaler := reflect.TypeFor[json.Unmarshaler]()
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || t.Implements(unmarshaler) || t.Elem().Implements(unmarshaler) {
		return false
	}
	for i := 0; i < t.Elem().NumField(); i++ {
		f := t.Elem().Field(i)
		if f.Anonymous && f.Type == reflect.TypeFor[Claims]() {
			return f.Tag.Get("json") == ""
		}
	}
	return false
}

// The kinds of field the fast paths read and write themselves.
const (
	otherKind = iota
	stringKind
	boolKind
	intKind
	uintKind
	floatKind
)

// scalarKind returns which of those kinds k is.
func scalarKind(k reflect.Kind) int {
	switch k {
	case reflect.String:
		return stringKind
	case reflect.Bool:
		return boolKind
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intKind
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return uintKind
	case reflect.Float32, reflect.Float64:
		return floatKind
	}
	return otherKind
}

// plainFields returns the plainFields of the struct type t.
func plainFields(t reflect.Type) []plainField {
	var fields []plainField
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, ok := jsonTag(f)
		if !ok || f.Anonymous || !f.IsExported() || hasOption(opts, "string") ||
			f.Type == reflect.TypeFor[json.Number]() || handsOver(f.Type, unmarshalers) ||
			scalarKind(f.Type.Kind()) == otherKind {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, plainField{name: name, index: i})
	}
	return fields
}

// hasOption reports whether the comma-separated options of a json tag
// hold opt.
func hasOption(opts, opt string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == opt {
			return true
		}
	}
	return false
}

// The interfaces through which encoding/json hands a value to its own
// methods, to be read and to be written.
var (
	unmarshalers = []reflect.Type{reflect.TypeFor[json.Unmarshaler](), reflect.TypeFor[encoding.TextUnmarshaler]()}
	marshalers   = []reflect.Type{reflect.TypeFor[json.Marshaler](), reflect.TypeFor[encoding.TextMarshaler]()}
)

// handsOver reports whether t or *t implements one of ifaces.
func handsOver(t reflect.Type, ifaces []reflect.Type) bool {
	for _, m := range ifaces {
		if t.Implements(m) || reflect.PointerTo(t).Implements(m) {
			return true
		}
	}
	return false
}

// setFields sets the fields of dst, a pointer to a split type, from the
// members capture holds other than the registered claims, as
// json.Unmarshal would, and reports whether it could: each member names
// one of info.fields or no field at all, and its value is what
// encoding/json stores in that field without an error. Otherwise it
// writes nothing, and encoding/json is to decode the members.
func setFields(dst any, info *dstInfo, capture *captured) bool {
	type set struct {
		field int // index in the struct
		value string
	}
	var sets [maxFastMembers]set
	n := 0
	for i, name := range capture.otherNames[:capture.nOthers] {
		if !known(name, info.names) {
			continue // encoding/json skips it: its name folds to no field's
		}
		field := -1
		for _, f := range info.fields {
			if f.name == name {
				field = f.index
			}
		}
		if field < 0 {
			return false
		}
		sets[n] = set{field, capture.otherValues[i]}
		n++
	}
	v := reflect.ValueOf(dst).Elem()
	// First every value is parsed, then written, so that nothing is
	// written when one of them is left to encoding/json.
	var parsed [maxFastMembers]struct {
		i int64
		u uint64
		f float64
	}
	for k, st := range sets[:n] {
		f, lit := v.Field(st.field), st.value
		if lit == "null" {
			continue // encoding/json leaves such a field as it is
		}
		var err error
		switch scalarKind(f.Kind()) {
		case stringKind:
			if lit[0] != '"' {
				return false
			}
		case boolKind:
			if lit != "true" && lit != "false" {
				return false
			}
		case intKind:
			parsed[k].i, err = strconv.ParseInt(lit, 10, 64)
			if err != nil || f.OverflowInt(parsed[k].i) {
				return false
			}
		case uintKind:
			parsed[k].u, err = strconv.ParseUint(lit, 10, 64)
			if err != nil || f.OverflowUint(parsed[k].u) {
				return false
			}
		case floatKind:
			if lit[0] != '-' && (lit[0] < '0' || lit[0] > '9') {
				return false
			}
			parsed[k].f, err = strconv.ParseFloat(lit, f.Type().Bits())
			if err != nil || f.OverflowFloat(parsed[k].f) {
				return false
			}
		}
	}
	for k, st := range sets[:n] {
		f, lit := v.Field(st.field), st.value
		if lit == "null" {
			continue
		}
		switch scalarKind(f.Kind()) {
		case stringKind:
			f.SetString(lit[1 : len(lit)-1])
		case boolKind:
			f.SetBool(lit == "true")
		case intKind:
			f.SetInt(parsed[k].i)
		case uintKind:
			f.SetUint(parsed[k].u)
		case floatKind:
			f.SetFloat(parsed[k].f)
		}
	}
	return true
}

// unmarshalRest decodes into dst, a pointer to a split type, the members
// of a payload that capture holds other than the registered claims.
func unmarshalRest(dst any, info *dstInfo, capture *captured) error {
	if setFields(dst, info, capture) {
		return nil
	}
	// encoding/json keeps its input: no stack buffer.
	if err := json.Unmarshal(capture.rest(nil), dst); err != nil {
		return claimsError(err)
	}
	return nil
}

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

// decodeFast reads payload, one JSON object, into c in the way
// checkJSON followed by json.Unmarshal into a Claims would, and reports
// whether it could. Members with names in info are left for
// encoding/json; other members are checked as JSON and skipped. When it
// returns false, c may be partly written and nothing is known of payload.
//
// When capture is not nil, the raw JSON of the members it names that are
// not registered claims is kept in it, and which registered claims were
// present.
func decodeFast(payload string, c *Claims, info *dstInfo, capture *captured) bool {
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
		// A registered claim's name, as issuers write it, is matched
		// with its quotes and colon in one comparison.
		bit := d.registeredName()
		name, ok := "", true
		if bit == 0 {
			if name, ok = d.str(); !ok {
				return false
			}
			d.space()
			if !d.byte(':') {
				return false
			}
			bit = claimBit(name)
		}
		d.space()
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
			// "exp":0 is left to the slow path, which tells it
			// from an absent exp.
			ok = ok && c.Expiry != 0
		case seenNbf:
			c.NotBefore, ok = d.date()
		case seenIat:
			c.IssuedAt, ok = d.date()
		default:
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
				capture.keep(name, d.s[start:d.i])
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

// captured is what decodeFast keeps of a payload for the pair manager.
type captured struct {
	// names are the members to keep, at most 8.
	names []string
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
func (c *captured) rest(b []byte) []byte {
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

// merge copies into d the registered claims of c that the payload holds,
// as encoding/json would: the others are left as they are.
func (c *captured) merge(d, from *Claims) {
	if c.seen&seenIss != 0 {
		d.Issuer = from.Issuer
	}
	if c.seen&seenSub != 0 {
		d.Subject = from.Subject
	}
	if c.seen&seenAud != 0 {
		d.Audience = from.Audience
	}
	if c.seen&seenExp != 0 {
		d.Expiry = from.Expiry
	}
	if c.seen&seenNbf != 0 {
		d.NotBefore = from.NotBefore
	}
	if c.seen&seenIat != 0 {
		d.IssuedAt = from.IssuedAt
	}
	if c.seen&seenJti != 0 {
		d.ID = from.ID
	}
}

func (c *captured) keep(name, raw string) {
	for i, n := range c.names {
		if n == name {
			c.raw[i] = raw
			c.found |= 1 << i
		}
	}
}

// get returns the JSON of names[i] and whether it was present.
func (c *captured) get(i int) (string, bool) {
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
		if len(n) == len(name) && n != name && equalFoldASCII(n, name) {
			return true
		}
	}
	return false
}

type fastDecoder struct {
	s string
	i int
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
func (d *fastDecoder) audience() (Audience, bool) {
	if d.i < len(d.s) && d.s[d.i] == '"' {
		s, ok := d.str()
		return Audience{s}, ok
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

// date reads a NumericDate written as an integer without sign, exponent
// or fraction, in range.
func (d *fastDecoder) date() (NumericDate, bool) {
	s := d.s[d.i:]
	// Twelve digits are more than maxNumericDate has: stop there.
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
	if l == 0 || l > 1 && s[0] == '0' || l > 12 || n > maxNumericDate {
		return 0, false
	}
	if l < len(s) {
		if c := s[l]; c == '.' || c == 'e' || c == 'E' {
			return 0, false
		}
	}
	d.i += l
	return NumericDate(n), true
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
		f, err := strconv.ParseFloat(lit, 64)
		return f, err == nil
	}
}

// decodeMap reads payload, one JSON object, as json.Unmarshal into a nil
// map[string]any would, and reports whether it could: at most
// maxFastMembers members whose values are of the kinds value takes.
// Anything else, an object inside included, it leaves to encoding/json.
// A name given twice keeps its last value, as encoding/json does. The
// members are read before the map is made, so that it is made at its size.
func decodeMap(payload string) (map[string]any, bool) {
	d := fastDecoder{s: payload}
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

// unmarshalMap is json.Unmarshal of payload into dst through decodeMap,
// and reports whether decodeMap took payload; dst is left as it was when
// it did not. As encoding/json does, it merges into a map dst holds.
func unmarshalMap(payload string, dst *map[string]any) bool {
	if noFastPaths.Load() {
		return false
	}
	m, ok := decodeMap(payload)
	if !ok {
		return false
	}
	if *dst == nil {
		*dst = m
	} else {
		maps.Copy(*dst, m)
	}
	return true
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

// appendClaims appends c as encoding/json would write it, and reports
// whether it could: a NumericDate out of range is left to encoding/json,
// which reports it.
func appendClaims(b []byte, c *Claims) ([]byte, bool) {
	for _, d := range [...]NumericDate{c.Expiry, c.NotBefore, c.IssuedAt} {
		if d < 0 || d > maxNumericDate {
			return b, false
		}
	}
	start := len(b)
	b = append(b, '{')
	member := func(name string) {
		if len(b) > start+1 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = append(b, name...)
		b = append(b, '"', ':')
	}
	str := func(name, v string) {
		if v != "" {
			member(name)
			b = appendJSONString(b, v)
		}
	}
	date := func(name string, v NumericDate) {
		if v != 0 {
			member(name)
			b = strconv.AppendInt(b, int64(v), 10)
		}
	}
	str("iss", c.Issuer)
	str("sub", c.Subject)
	if len(c.Audience) > 0 {
		member("aud")
		if len(c.Audience) == 1 {
			b = appendJSONString(b, c.Audience[0])
		} else {
			b = append(b, '[')
			for i, a := range c.Audience {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, a)
			}
			b = append(b, ']')
		}
	}
	date("exp", c.Expiry)
	date("nbf", c.NotBefore)
	date("iat", c.IssuedAt)
	str("jti", c.ID)
	return append(b, '}'), true
}

// encodeClaims is json.Marshal, without reflection for Claims, which it
// appends to b, and for the Claims that a struct embeds first.
func encodeClaims(b []byte, claims any) ([]byte, error) {
	if noFastPaths.Load() {
		return json.Marshal(claims)
	}
	var c *Claims
	switch v := claims.(type) {
	case Claims:
		c = &v
	case *Claims:
		c = v
	case interface{ registered() *Claims }:
		if b, ok := encodeEmbedded(b, claims, v); ok {
			return b, nil
		}
	}
	if c != nil {
		if b, ok := appendClaims(b, c); ok {
			return b, nil
		}
	}
	return json.Marshal(claims)
}

var claimsFirstCache sync.Map // reflect.Type → *claimsLayout

// claimsLayout is what Sign knows of a type of claims.
type claimsLayout struct {
	// first is set for a pointer to a struct whose first field is Claims,
	// embedded by value and untagged, that json.Marshal writes as the
	// registered claims first, in the order of Claims' fields, and then
	// the other fields: neither the pointer nor the struct marshals
	// itself, and no other field has the name of a registered claim or of
	// another field.
	first bool
	// fields, when plain is set, are the other fields json.Marshal
	// writes, in order, all of them strings, bools or integers that it
	// writes by their kind alone; appendFields writes them the same way.
	plain  bool
	fields []encField
}

// encField is a field appendFields writes.
type encField struct {
	index     int
	key       []byte // "name": as encoding/json writes it
	omitEmpty bool
}

// layoutOf returns the claimsLayout of t.
func layoutOf(t reflect.Type) *claimsLayout {
	if v, ok := claimsFirstCache.Load(t); ok {
		return v.(*claimsLayout)
	}
	l := new(claimsLayout)
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && t.Elem().NumField() > 0 {
		f := t.Elem().Field(0)
		l.first = f.Anonymous && f.Type == reflect.TypeFor[Claims]() && f.Tag.Get("json") == "" &&
			infoFor(reflect.New(t.Elem()).Interface()).fast && !handsOver(t.Elem(), marshalers)
	}
	if l.first {
		l.fields, l.plain = encFields(t.Elem())
	}
	claimsFirstCache.Store(t, l)
	return l
}

// claimsFirst reports whether Sign writes the Claims that a value of type
// t embeds with appendClaims.
func claimsFirst(t reflect.Type) bool { return layoutOf(t).first }

// encFields returns the fields of t after the first that json.Marshal
// writes, and whether all of them are strings, bools or integers written
// by their kind alone: not embedded, not a json.Number, with no method of
// their own to marshal them and no string or omitzero option.
func encFields(t reflect.Type) ([]encField, bool) {
	var fields []encField
	for i := 1; i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, ok := jsonTag(f)
		if !ok || !f.Anonymous && !f.IsExported() {
			continue // encoding/json does not write it
		}
		if k := scalarKind(f.Type.Kind()); k == otherKind || k == floatKind ||
			f.Anonymous || hasOption(opts, "string") || hasOption(opts, "omitzero") ||
			f.Type == reflect.TypeFor[json.Number]() || handsOver(f.Type, marshalers) {
			return nil, false
		}
		if name == "" {
			name = f.Name
		}
		fields = append(fields, encField{index: i, key: append(appendJSONString(nil, name), ':'), omitEmpty: hasOption(opts, "omitempty")})
	}
	return fields, true
}

// appendFields replaces the closing brace of the object that b ends with
// by the fields of v, a struct of the layout l, and a closing brace.
func appendFields(b []byte, v reflect.Value, l *claimsLayout) []byte {
	b = b[:len(b)-1]
	empty := b[len(b)-1] == '{'
	for _, ef := range l.fields {
		f := v.Field(ef.index)
		if ef.omitEmpty && f.IsZero() {
			continue
		}
		if !empty {
			b = append(b, ',')
		}
		empty = false
		b = append(b, ef.key...)
		switch scalarKind(f.Kind()) {
		case stringKind:
			b = appendJSONString(b, f.String())
		case boolKind:
			b = strconv.AppendBool(b, f.Bool())
		case intKind:
			b = strconv.AppendInt(b, f.Int(), 10)
		default:
			b = strconv.AppendUint(b, f.Uint(), 10)
		}
	}
	return append(b, '}')
}

// encodeEmbedded is json.Marshal of claims, a pointer to a struct that
// embeds Claims, and reports whether it could be done in two parts: the
// Claims by appendClaims, and the other fields by appendFields when they
// are plain, else by encoding/json from a copy whose Claims is zero, so
// written as {} since every member of Claims is omitempty.
func encodeEmbedded(b []byte, claims any, r interface{ registered() *Claims }) ([]byte, bool) {
	v := reflect.ValueOf(claims)
	if v.IsNil() {
		return b, false
	}
	l := layoutOf(v.Type())
	if !l.first {
		return b, false
	}
	start := len(b)
	b, ok := appendClaims(b, r.registered())
	if !ok {
		return b[:start], false
	}
	if l.plain {
		return appendFields(b, v.Elem(), l), true
	}
	rest := reflect.New(v.Type().Elem())
	rest.Elem().Set(v.Elem())
	*rest.Interface().(interface{ registered() *Claims }).registered() = Claims{}
	more, err := json.Marshal(rest.Interface())
	if err != nil || len(more) < 2 || more[0] != '{' {
		// The error is encoding/json's to report, from the whole value.
		return b[:start], false
	}
	switch {
	case len(more) == 2:
	case len(b)-start == 2:
		b = append(b[:start], more...)
	default:
		b[len(b)-1] = ','
		b = append(b, more[1:]...)
	}
	return b, true
}
