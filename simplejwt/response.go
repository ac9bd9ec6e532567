package simplejwt

import (
	"net/http"
	"unicode/utf8"
)

// object is a JSON object whose members keep their order. Values are
// strings, lists of strings, objects or lists of objects.
type object []member

type member struct {
	key   string
	value any
}

func (o object) appendTo(b []byte) []byte {
	b = append(b, '{')
	for i, m := range o {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, m.key)
		b = append(b, ':')
		switch v := m.value.(type) {
		case string:
			b = appendString(b, v)
		case []string:
			b = append(b, '[')
			for j, s := range v {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendString(b, s)
			}
			b = append(b, ']')
		case object:
			b = v.appendTo(b)
		case []object:
			b = append(b, '[')
			for j, o := range v {
				if j > 0 {
					b = append(b, ',')
				}
				b = o.appendTo(b)
			}
			b = append(b, ']')
		}
	}
	return append(b, '}')
}

// appendString appends s as a JSON string, with no HTML escaping, as
// Django REST framework writes it.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s { // invalid UTF-8 becomes U+FFFD
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r == '\n':
			b = append(b, '\\', 'n')
		case r == '\r':
			b = append(b, '\\', 'r')
		case r == '\t':
			b = append(b, '\\', 't')
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

func writeJSON(w http.ResponseWriter, status int, body object) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(body.appendTo(nil))
}
