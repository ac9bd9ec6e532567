package jwt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// Authenticator is what the application supplies to the HTTP endpoints: its
// user accounts. Implementations must be safe for concurrent use.
type Authenticator interface {
	// Authenticate checks a username and password, both trimmed of white
	// space, and returns the subject to write into the tokens (the user's
	// id) and extra claims for them, or nil. For an unknown user, a wrong
	// password and an inactive user alike it returns an error wrapping
	// ErrNoActiveAccount, so that none can be told from another; it must
	// also take the same time for each, by hashing the password even when
	// the user does not exist. Any other error is answered as a server
	// error.
	Authenticate(ctx context.Context, username, password string) (subject string, extra map[string]any, err error)

	// Active returns nil if subject still names an active account, and an
	// error wrapping ErrNoActiveAccount if it names none, or an inactive
	// one. The refresh route asks it before issuing tokens.
	Active(ctx context.Context, subject string) error
}

// DefaultMaxBodyBytes is the largest request body the endpoints read when
// EndpointConfig.MaxBodyBytes is zero: 64 KiB.
const DefaultMaxBodyBytes = 64 << 10

// EndpointConfig configures [Endpoints]. NewEndpoints copies it.
type EndpointConfig struct {
	// Pairs issues and checks the tokens. Required.
	Pairs *Pairs
	// Authenticator checks credentials and accounts. Required.
	Authenticator Authenticator
	// Realm is the realm of the WWW-Authenticate header sent with every
	// 401 answer. Empty means "api".
	Realm string
	// MaxBodyBytes is the largest request body read; a larger one is
	// answered with 413. Zero means DefaultMaxBodyBytes (64 KiB).
	MaxBodyBytes int64
}

// Endpoints is an http.Handler that serves the token routes of Django REST
// framework SimpleJWT, so that clients written for it work unchanged:
//
//	POST /api/token/            username, password → {"refresh": …, "access": …}
//	POST /api/token/refresh/    refresh → {"access": …} (and "refresh" with rotation)
//	POST /api/token/verify/     token → {}
//	POST /api/token/blacklist/  refresh → {} (logout)
//
// Bodies may be JSON, form-encoded or multipart; answers are JSON with the
// status codes and messages of SimpleJWT 5.5.1 on Django REST framework.
// Mount it at "/api/token/" of a ServeMux; any other path under it is
// answered 404 {"detail": "Not found."}. The Authorization header is
// ignored. Every answer carries Cache-Control: no-store, as RFC 6749 §5.1
// asks of token responses.
//
// Answers the contract does not fix: a body over MaxBodyBytes is 413
// {"detail": "Request body is too large."}, and an error of the Store or
// the Authenticator is 500 {"detail": "A server error occurred."}; no Go
// error text is ever sent.
//
// An Endpoints is safe for concurrent use.
type Endpoints struct {
	pairs   *Pairs
	auth    Authenticator
	realm   string
	maxBody int64
}

// NewEndpoints returns the endpoints configured by cfg, or an error
// wrapping ErrConfig when Pairs or Authenticator is nil or MaxBodyBytes is
// negative.
func NewEndpoints(cfg EndpointConfig) (*Endpoints, error) {
	if cfg.Pairs == nil || cfg.Authenticator == nil {
		return nil, fmt.Errorf("%w: Pairs and Authenticator are required", ErrConfig)
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("%w: negative MaxBodyBytes", ErrConfig)
	}
	return &Endpoints{
		pairs:   cfg.Pairs,
		auth:    cfg.Authenticator,
		realm:   orDefault(cfg.Realm, "api"),
		maxBody: orDefault(cfg.MaxBodyBytes, DefaultMaxBodyBytes),
	}, nil
}

// route is one token route: its fields, in the order errors are reported,
// and what it does with their values.
type route struct {
	name, description string
	fields            []string
	serve             func(e *Endpoints, w http.ResponseWriter, r *http.Request, v []string)
}

var routes = map[string]*route{
	"/api/token/": {
		name:        "Token Obtain Pair",
		description: "Checks a username and password and answers with a new refresh token and access token.",
		fields:      []string{"username", "password"},
		serve:       (*Endpoints).obtain,
	},
	"/api/token/refresh/": {
		name:        "Token Refresh",
		description: "Answers a refresh token with a new access token, and a new refresh token when tokens rotate.",
		fields:      []string{"refresh"},
		serve:       (*Endpoints).refresh,
	},
	"/api/token/verify/": {
		name:        "Token Verify",
		description: "Answers whether a token of either type is valid, without saying anything about it.",
		fields:      []string{"token"},
		serve:       (*Endpoints).verify,
	},
	"/api/token/blacklist/": {
		name:        "Token Blacklist",
		description: "Revokes a refresh token: a logout.",
		fields:      []string{"refresh"},
		serve:       (*Endpoints).blacklist,
	},
}

// ServeHTTP answers a request to one of the token routes.
func (e *Endpoints) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	rt, ok := routes[r.URL.Path]
	if !ok {
		writeJSON(w, http.StatusNotFound, object{{"detail", "Not found."}})
		return
	}
	h.Set("Allow", "POST, OPTIONS")
	switch r.Method {
	case http.MethodPost:
	case http.MethodOptions:
		writeJSON(w, http.StatusOK, object{
			{"name", rt.name},
			{"description", rt.description},
			{"renders", []string{"application/json"}},
			{"parses", []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}},
		})
		return
	default:
		writeJSON(w, http.StatusMethodNotAllowed, object{{"detail", `Method "` + r.Method + `" not allowed.`}})
		return
	}
	fields, ok := e.readBody(w, r)
	if !ok {
		return
	}
	values, errs := validate(fields, rt.fields)
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errs)
		return
	}
	rt.serve(e, w, r, values)
}

func (e *Endpoints) obtain(w http.ResponseWriter, r *http.Request, v []string) {
	sub, extra, err := e.auth.Authenticate(r.Context(), v[0], v[1])
	if errors.Is(err, ErrNoActiveAccount) {
		e.unauthorized(w, object{{"detail", "No active account found with the given credentials"}})
		return
	}
	if err != nil {
		serverError(w)
		return
	}
	pair, err := e.pairs.Issue(r.Context(), sub, extra)
	if err != nil {
		serverError(w)
		return
	}
	writeJSON(w, http.StatusOK, object{{"refresh", pair.Refresh}, {"access", pair.Access}})
}

func (e *Endpoints) refresh(w http.ResponseWriter, r *http.Request, v []string) {
	var authErr error
	pair, err := e.pairs.refresh(r.Context(), v[0], func(ctx context.Context, sub string) error {
		authErr = ErrNoActiveAccount // a token that names no one names no active account
		if sub != "" {
			authErr = e.auth.Active(ctx, sub)
		}
		return authErr
	})
	switch {
	case authErr != nil && errors.Is(authErr, ErrNoActiveAccount):
		e.unauthorized(w, object{{"detail", "No active account found for the given token."}})
	case authErr != nil:
		serverError(w)
	case err != nil:
		e.tokenError(w, err)
	case pair.Refresh == "":
		writeJSON(w, http.StatusOK, object{{"access", pair.Access}})
	default:
		writeJSON(w, http.StatusOK, object{{"access", pair.Access}, {"refresh", pair.Refresh}})
	}
}

func (e *Endpoints) verify(w http.ResponseWriter, r *http.Request, v []string) {
	err := e.pairs.VerifyAnyType(r.Context(), v[0], nil)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, object{})
	case errors.Is(err, ErrRevoked):
		// A validation error in SimpleJWT, not an authentication one.
		writeJSON(w, http.StatusBadRequest, object{{"non_field_errors", []string{"Token is blacklisted"}}})
	default:
		e.tokenError(w, err)
	}
}

func (e *Endpoints) blacklist(w http.ResponseWriter, r *http.Request, v []string) {
	if err := e.pairs.Revoke(r.Context(), v[0]); err != nil {
		e.tokenError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, object{})
}

// tokenError answers a failed token check with SimpleJWT's message for it,
// or with 500 when err is not about the token (a Store failure).
func (e *Endpoints) tokenError(w http.ResponseWriter, err error) {
	msg := tokenMessage(err)
	if msg == "" {
		serverError(w)
		return
	}
	e.unauthorized(w, object{{"detail", msg}, {"code", "token_not_valid"}})
}

// tokenMessage returns SimpleJWT's message for a token error, or "" for
// an error that is not about the token.
func tokenMessage(err error) string {
	is := func(targets ...error) bool {
		for _, t := range targets {
			if errors.Is(err, t) {
				return true
			}
		}
		return false
	}
	switch {
	case is(ErrExpired, ErrSessionExpired):
		return "Token is expired"
	case is(ErrRevoked):
		return "Token is blacklisted"
	case is(ErrMissingExpiry):
		return "Token has no 'exp' claim"
	case is(ErrMissingID):
		return "Token has no id"
	case is(ErrMissingTokenType):
		return "Token has no type"
	case is(ErrWrongTokenType):
		return "Token has wrong type"
	case is(ErrMalformed, ErrTooLarge, ErrAlgorithm, ErrCritical, ErrUnknownKey, ErrSignature,
		ErrNotYetValid, ErrIssuedInFuture, ErrIssuer, ErrAudience, ErrSubject, ErrType):
		return "Token is invalid"
	}
	return ""
}

func (e *Endpoints) unauthorized(w http.ResponseWriter, body object) {
	writeUnauthorized(w, `Bearer realm="`+e.realm+`"`, body)
}

// writeUnauthorized answers 401 with the WWW-Authenticate challenge and
// body.
func writeUnauthorized(w http.ResponseWriter, challenge string, body object) {
	w.Header().Set("WWW-Authenticate", challenge)
	writeJSON(w, http.StatusUnauthorized, body)
}

func serverError(w http.ResponseWriter) {
	writeJSON(w, http.StatusInternalServerError, object{{"detail", "A server error occurred."}})
}

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

// readBody reads and parses the request body into its fields. On failure it
// has answered the request and returns false.
func (e *Endpoints) readBody(w http.ResponseWriter, r *http.Request) (map[string]fieldValue, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, e.maxBody))
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

// validate checks the fields names of a body as Django REST framework's
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
