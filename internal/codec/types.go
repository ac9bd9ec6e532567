package codec

import (
	"bytes"
	"encoding"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Info is what the fast decoder needs to know of a destination type.
type Info struct {
	// names are the JSON member names encoding/json would fill.
	names []string
	// split is set for a struct that embeds the claims type directly, by
	// value and without a tag, and is not a json.Unmarshaler: the fast
	// decoder can fill its registered claims and leave the other members
	// to SetRest.
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

// Types knows the destination types of one claims type, the registered
// claims of the package that uses the codec, and keeps what it learns of
// each type. It is safe for concurrent use.
type Types struct {
	claims  reflect.Type
	plain   *Info
	infos   sync.Map // reflect.Type → *Info
	layouts sync.Map // reflect.Type → *Layout
}

// NewTypes returns the Types of the claims type claims, a struct whose
// fields are the registered claims in the order of Registered.
func NewTypes(claims reflect.Type) *Types {
	return &Types{claims: claims, plain: newInfo(nil)}
}

// Plain returns the Info of the claims type itself and of no destination:
// only the registered claims are read.
func (ts *Types) Plain() *Info { return ts.plain }

// Split reports whether the destination of info embeds the claims type in
// the way that lets Decode read its registered claims and SetRest the
// others.
func (i *Info) Split() bool { return i.split }

// Names returns the JSON member names encoding/json fills in the
// destination of info.
func (i *Info) Names() []string { return i.names }

// PlainFields returns the names of the fields SetRest sets without
// encoding/json.
func (i *Info) PlainFields() []string {
	var names []string
	for _, f := range i.fields {
		names = append(names, f.name)
	}
	return names
}

func newInfo(names []string) *Info {
	info := &Info{names: names, fast: true}
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

// Info returns the Info of dst, a pointer of a type other than one to the
// claims type.
func (ts *Types) Info(dst any) *Info {
	t := reflect.TypeOf(dst)
	if v, ok := ts.infos.Load(t); ok {
		return v.(*Info)
	}
	info := newInfo(fieldNames(t))
	info.split = info.fast && ts.embedsClaims(t)
	if info.split {
		info.fields = plainFields(t.Elem())
	}
	ts.infos.Store(t, info)
	return info
}

// embedsClaims reports whether t is a pointer to a struct with the claims
// type as a direct, untagged field by value, neither t nor the struct
// being a json.Unmarshaler: encoding/json then fills that field from the
// registered claims and from nothing else.
func (ts *Types) embedsClaims(t reflect.Type) bool {
	unmarshaler := reflect.TypeFor[json.Unmarshaler]()
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct || t.Implements(unmarshaler) || t.Elem().Implements(unmarshaler) {
		return false
	}
	for i := 0; i < t.Elem().NumField(); i++ {
		f := t.Elem().Field(i)
		if f.Anonymous && f.Type == ts.claims {
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
func setFields(dst any, info *Info, capture *Captured) bool {
	var sets [maxFastMembers]fieldSet
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
		sets[n] = fieldSet{field: field, lit: capture.otherValues[i]}
		n++
	}
	v := reflect.ValueOf(dst).Elem()
	// First every value is parsed, then written, so that nothing is
	// written when one of them is left to encoding/json.
	for k := range sets[:n] {
		if !sets[k].parse(v.Field(sets[k].field)) {
			return false
		}
	}
	for k := range sets[:n] {
		sets[k].write(v.Field(sets[k].field))
	}
	return true
}

// fieldSet is a field setFields sets: its index in the struct, the JSON
// of its value, and that value parsed.
type fieldSet struct {
	field int
	lit   string
	i     int64
	u     uint64
	f     float64
}

// parse parses the value for the field f as encoding/json would, and
// reports whether encoding/json would store it without an error.
func (fs *fieldSet) parse(f reflect.Value) bool {
	lit := fs.lit
	if lit == "null" {
		return true // encoding/json leaves such a field as it is
	}
	var err error
	switch scalarKind(f.Kind()) {
	case stringKind:
		return lit[0] == '"'
	case boolKind:
		return lit == "true" || lit == "false"
	case intKind:
		fs.i, err = strconv.ParseInt(lit, 10, 64)
		return err == nil && !f.OverflowInt(fs.i)
	case uintKind:
		fs.u, err = strconv.ParseUint(lit, 10, 64)
		return err == nil && !f.OverflowUint(fs.u)
	case floatKind:
		if lit[0] != '-' && (lit[0] < '0' || lit[0] > '9') {
			return false
		}
		fs.f, err = strconv.ParseFloat(lit, f.Type().Bits())
		return err == nil && !f.OverflowFloat(fs.f)
	}
	return true
}

// write stores the parsed value in the field f.
func (fs *fieldSet) write(f reflect.Value) {
	if fs.lit == "null" {
		return
	}
	switch scalarKind(f.Kind()) {
	case stringKind:
		f.SetString(fs.lit[1 : len(fs.lit)-1])
	case boolKind:
		f.SetBool(fs.lit == "true")
	case intKind:
		f.SetInt(fs.i)
	case uintKind:
		f.SetUint(fs.u)
	case floatKind:
		f.SetFloat(fs.f)
	}
}

// SetRest decodes into dst, a pointer to a split type, the members of a
// payload that capture holds other than the registered claims: directly
// when each is a string, number or boolean for a field of that kind, else
// with encoding/json, whose error it returns.
func SetRest(dst any, info *Info, capture *Captured, useNumber bool) error {
	if setFields(dst, info, capture) {
		return nil
	}
	// encoding/json keeps its input: no stack buffer.
	return Unmarshal(capture.rest(nil), dst, useNumber)
}

// Unmarshal is json.Unmarshal of data, one JSON value, into dst, with
// numbers in interface values as json.Number when useNumber is set.
func Unmarshal(data []byte, dst any, useNumber bool) error {
	if !useNumber {
		return json.Unmarshal(data, dst)
	}
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	return d.Decode(dst)
}

// fieldNames returns the JSON member names encoding/json would fill in the
// struct t points to, so that a verifier can refuse members that match one
// of them only when case is ignored.
func fieldNames(t reflect.Type) []string {
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return nil
	}
	var names []string
	collectFieldNames(t.Elem(), &names, 0)
	return names
}

func collectFieldNames(t reflect.Type, names *[]string, depth int) {
	if depth > 8 {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, ok := jsonTag(f)
		if !ok {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			collectFieldNames(ft, names, depth+1)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		*names = append(*names, name)
	}
}

// jsonTag returns the name and the options of f's json tag as
// encoding/json reads them: an empty name for no tag or a name it does not
// take (one with a quote, a backslash or other reserved characters), and
// ok false when the tag is "-", which hides the field.
func jsonTag(f reflect.StructField) (name, opts string, ok bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", "", false
	}
	name, opts, _ = strings.Cut(tag, ",")
	for _, c := range name {
		if !strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c) && !unicode.IsLetter(c) && !unicode.IsDigit(c) {
			return "", opts, true
		}
	}
	return name, opts, true
}
