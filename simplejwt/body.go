package simplejwt

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// fieldValue is a body field as the parsers found it.
type fieldValue struct {
	kind fieldKind
	text string // for text and number: the value as text
}

type fieldKind int

const (
	fieldText    fieldKind = iota + 1 // a string
	fieldNumber                       // a JSON number, as Python writes it
	fieldNull                         // JSON null
	fieldInvalid                      // a boolean, array, object or file
)

// readBody reads and parses the request body, at most maxBody bytes, into
// its fields. On failure it has answered the request and returns false.
func readBody(w http.ResponseWriter, r *http.Request, maxBody int64) (map[string]fieldValue, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeJSON(w, http.StatusRequestEntityTooLarge, object{{"detail", "Request body is too large."}})
		} else {
			writeJSON(w, http.StatusBadRequest, object{{"detail", "The request body could not be read."}})
		}
		return nil, false
	}
	if len(body) == 0 {
		return nil, true
	}
	ct := r.Header.Get("Content-Type")
	mt, params, _ := mime.ParseMediaType(ct) // a bad parameter still gives the type
	switch mt {
	case "application/json":
		return parseJSONBody(w, body)
	case "application/x-www-form-urlencoded":
		q, _ := url.ParseQuery(string(body)) // pairs that do not decode are skipped, as Django does
		fields := make(map[string]fieldValue, len(q))
		for k, vs := range q {
			fields[k] = fieldValue{kind: fieldText, text: vs[len(vs)-1]}
		}
		return fields, true
	case "multipart/form-data":
		fields, err := parseMultipart(body, params["boundary"])
		if err != nil {
			writeJSON(w, http.StatusBadRequest, object{{"detail", "Multipart form parse error - Invalid multipart body."}})
			return nil, false
		}
		return fields, true
	}
	writeJSON(w, http.StatusUnsupportedMediaType, object{{"detail", `Unsupported media type "` + ct + `" in request.`}})
	return nil, false
}

func parseMultipart(body []byte, boundary string) (map[string]fieldValue, error) {
	if boundary == "" {
		return nil, errors.New("no boundary")
	}
	fields := make(map[string]fieldValue)
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return fields, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(part)
		if err != nil {
			return nil, err
		}
		if name := part.FormName(); name != "" {
			if part.FileName() != "" {
				fields[name] = fieldValue{kind: fieldInvalid}
			} else {
				fields[name] = fieldValue{kind: fieldText, text: string(data)}
			}
		}
	}
}

func parseJSONBody(w http.ResponseWriter, body []byte) (map[string]fieldValue, bool) {
	var v any
	var err error
	if !utf8.Valid(body) {
		err = errors.New("body is not UTF-8")
	} else {
		d := json.NewDecoder(bytes.NewReader(body))
		d.UseNumber()
		var se *json.SyntaxError
		if err = d.Decode(&v); errors.As(err, &se) {
			// The decoder counts the offending byte as read.
			err = &json.SyntaxError{Offset: se.Offset - 1}
		} else if err == nil {
			// Only white space may follow the value.
			if rest := bytes.TrimLeft(body[d.InputOffset():], " \t\r\n"); len(rest) > 0 {
				err = &json.SyntaxError{Offset: int64(len(body) - len(rest))}
			}
		}
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, object{{"detail", "JSON parse error - " + jsonErrorText(body, err)}})
		return nil, false
	}
	var got string
	switch v := v.(type) {
	case map[string]any:
		fields := make(map[string]fieldValue, len(v))
		for k, x := range v {
			fields[k] = jsonField(x)
		}
		return fields, true
	case nil:
		writeJSON(w, http.StatusBadRequest, object{{"non_field_errors", []string{"No data provided"}}})
		return nil, false
	case []any:
		got = "list"
	case string:
		got = "str"
	case bool:
		got = "bool"
	case json.Number:
		got = "int"
		if strings.ContainsAny(string(v), ".eE") {
			got = "float"
		}
	}
	writeJSON(w, http.StatusBadRequest, object{{"non_field_errors", []string{"Invalid data. Expected a dictionary, but got " + got + "."}}})
	return nil, false
}

// jsonErrorText describes a JSON parse error by its place in the body,
// never with the parser's own text.
func jsonErrorText(body []byte, err error) string {
	var se *json.SyntaxError
	off := int64(len(body))
	if errors.As(err, &se) {
		off = se.Offset
	} else if !errors.Is(err, io.ErrUnexpectedEOF) {
		return "Invalid UTF-8 or JSON text."
	}
	off = min(max(off, 0), int64(len(body)))
	line := 1 + bytes.Count(body[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(body[:off], '\n'))
	return "Invalid JSON at line " + strconv.Itoa(line) + " column " + strconv.FormatInt(col, 10) + " (char " + strconv.FormatInt(off, 10) + ")."
}

func jsonField(x any) fieldValue {
	switch x := x.(type) {
	case nil:
		return fieldValue{kind: fieldNull}
	case string:
		return fieldValue{kind: fieldText, text: x}
	case json.Number:
		return fieldValue{kind: fieldNumber, text: pythonNumber(string(x))}
	}
	return fieldValue{kind: fieldInvalid}
}

// pythonNumber returns the text Python's str gives the number that its
// json module reads from the JSON number n: an int as its digits, a float
// in its shortest form with ".0" or an exponent.
func pythonNumber(n string) string {
	if !strings.ContainsAny(n, ".eE") {
		if n == "-0" {
			return "0"
		}
		return n
	}
	f, _ := strconv.ParseFloat(n, 64) // n is a valid JSON number; out of range gives ±Inf
	if math.IsInf(f, 0) {
		if f < 0 {
			return "-inf"
		}
		return "inf"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	exp, _ := strconv.Atoi(s[strings.IndexByte(s, 'e')+1:])
	if exp < -4 || exp >= 16 {
		return s
	}
	s = strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// validate checks the fields called names of a body as Django REST framework's
// CharField does and returns their trimmed values, or an error object
// holding every failing field, in the order of names.
func validate(fields map[string]fieldValue, names []string) ([]string, object) {
	values := make([]string, len(names))
	var errs object
	for i, name := range names {
		f, ok := fields[name]
		msg := ""
		switch {
		case !ok:
			msg = "This field is required."
		case f.kind == fieldNull:
			msg = "This field may not be null."
		case f.kind == fieldInvalid:
			msg = "Not a valid string."
		default:
			values[i] = strings.TrimFunc(f.text, isPythonSpace)
			switch {
			case values[i] == "":
				msg = "This field may not be blank."
			case strings.IndexByte(values[i], 0) >= 0:
				msg = "Null characters are not allowed."
			}
		}
		if msg != "" {
			errs = append(errs, member{name, []string{msg}})
		}
	}
	return values, errs
}

// isPythonSpace reports whether Python's str.strip removes r: Unicode
// white space and the four ASCII separators U+001C to U+001F.
func isPythonSpace(r rune) bool {
	return unicode.IsSpace(r) || 0x1c <= r && r <= 0x1f
}
