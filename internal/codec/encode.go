package codec

import (
	"encoding/json"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// AppendRegistered appends c as encoding/json would write the claims type
// holding it, every member omitempty, and reports whether it could: a
// date out of range is left to encoding/json, which reports it.
func AppendRegistered(b []byte, c *Registered) ([]byte, bool) {
	for _, d := range [...]int64{c.Expiry, c.NotBefore, c.IssuedAt} {
		if d < 0 || d > MaxDate {
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
			b = AppendString(b, v)
		}
	}
	date := func(name string, v int64) {
		if v != 0 {
			member(name)
			b = strconv.AppendInt(b, v, 10)
		}
	}
	str("iss", c.Issuer)
	str("sub", c.Subject)
	if len(c.Audience) > 0 {
		member("aud")
		if len(c.Audience) == 1 {
			b = AppendString(b, c.Audience[0])
		} else {
			b = append(b, '[')
			for i, a := range c.Audience {
				if i > 0 {
					b = append(b, ',')
				}
				b = AppendString(b, a)
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

// layout is what the encoder knows of a type of claims.
type layout struct {
	// first is set for a pointer to a struct whose first field is the
	// claims type,
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

// layoutOf returns the layout of t.
func (ts *Types) layoutOf(t reflect.Type) *layout {
	if v, ok := ts.layouts.Load(t); ok {
		return v.(*layout)
	}
	l := new(layout)
	if t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct && t.Elem().NumField() > 0 {
		f := t.Elem().Field(0)
		l.first = f.Anonymous && f.Type == ts.claims && f.Tag.Get("json") == "" &&
			ts.Info(reflect.New(t.Elem()).Interface()).fast && !handsOver(t.Elem(), marshalers)
	}
	if l.first {
		l.fields, l.plain = encFields(t.Elem())
	}
	ts.layouts.Store(t, l)
	return l
}

// ClaimsFirst reports whether EncodeEmbedded takes claims, a value of type
// t: a pointer to a struct that embeds the claims type first.
func (ts *Types) ClaimsFirst(t reflect.Type) bool { return ts.layoutOf(t).first }

// FieldsPlain reports whether EncodeEmbedded writes every field of a value
// of type t without encoding/json.
func (ts *Types) FieldsPlain(t reflect.Type) bool { return ts.layoutOf(t).plain }

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
		fields = append(fields, encField{index: i, key: append(AppendString(nil, name), ':'), omitEmpty: hasOption(opts, "omitempty")})
	}
	return fields, true
}

// appendFields replaces the closing brace of the object that b ends with
// by the fields of v, a struct of the layout l, and a closing brace.
func appendFields(b []byte, v reflect.Value, l *layout) []byte {
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
			b = AppendString(b, f.String())
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

// EncodeEmbedded appends json.Marshal of claims, a pointer to a struct
// that embeds the claims type first, whose registered claims are c, and
// reports whether it could be done in two parts: the registered claims by
// AppendRegistered, and the other fields by appendFields when they are
// plain, else by encoding/json from a copy whose claims field is zero, so
// written as {} since every member of the claims type is omitempty.
func (ts *Types) EncodeEmbedded(b []byte, claims any, c *Registered) ([]byte, bool) {
	v := reflect.ValueOf(claims)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return b, false
	}
	l := ts.layoutOf(v.Type())
	if !l.first {
		return b, false
	}
	start := len(b)
	b, ok := AppendRegistered(b, c)
	if !ok {
		return b[:start], false
	}
	if l.plain {
		return appendFields(b, v.Elem(), l), true
	}
	rest := reflect.New(v.Type().Elem())
	rest.Elem().Set(v.Elem())
	rest.Elem().Field(0).SetZero()
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

// AppendString appends s as a JSON string, as encoding/json writes it. Plain printable ASCII, the
// usual case for header values, is copied as it is; anything else goes
// through encoding/json.
func AppendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always marshals
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// PlainString returns the value of data when it is a JSON string of
// printable ASCII without escapes, which encoding/json would decode to
// the bytes between the quotes.
func PlainString(data []byte) (string, bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return "", false
	}
	for _, c := range data[1 : len(data)-1] {
		if !plainChars[c] {
			return "", false
		}
	}
	return string(data[1 : len(data)-1]), true
}

// EqualFoldASCII reports whether a and b are equal under ASCII case
// folding.
func EqualFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
