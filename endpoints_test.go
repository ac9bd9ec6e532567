package jwt_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeUser is an account of fakeAuth.
type fakeUser struct {
	id, password string
	active       bool
}

// fakeAuth is an Authenticator over a fixed set of users. It records the
// last credentials it was given.
type fakeAuth struct {
	users map[string]fakeUser

	mu                 sync.Mutex
	username, password string
}

var errAccountsDown = errors.New("accounts down")

func newFakeAuth() *fakeAuth {
	return &fakeAuth{users: map[string]fakeUser{
		"admin":    {id: "1", password: "admin@123", active: true},
		"inactive": {id: "2", password: "secret", active: false},
		"123":      {id: "3", password: "1.5", active: true},
	}}
}

func (a *fakeAuth) Authenticate(_ context.Context, username, password string) (string, map[string]any, error) {
	a.mu.Lock()
	a.username, a.password = username, password
	a.mu.Unlock()
	if username == "broken" {
		return "", nil, errAccountsDown
	}
	u, ok := a.users[username]
	if !ok || u.password != password || !u.active {
		return "", nil, jwt.ErrNoActiveAccount
	}
	return u.id, nil, nil
}

func (a *fakeAuth) Active(_ context.Context, subject string) error {
	if subject == "500" {
		return errAccountsDown
	}
	for _, u := range a.users {
		if u.id == subject && u.active {
			return nil
		}
	}
	return jwt.ErrNoActiveAccount
}

func (a *fakeAuth) last() (string, string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.username, a.password
}

// endpointEnv is the endpoints over a SimpleJWT-shaped Pairs.
type endpointEnv struct {
	*pairEnv
	h    *jwt.Endpoints
	auth *fakeAuth
}

func newEndpointEnv(t testing.TB, mod func(*jwt.PairConfig), emod func(*jwt.EndpointConfig)) *endpointEnv {
	t.Helper()
	pe := newPairEnv(t, func(c *jwt.PairConfig) {
		c.SubjectClaim = "user_id"
		if mod != nil {
			mod(c)
		}
	})
	auth := newFakeAuth()
	cfg := jwt.EndpointConfig{Pairs: pe.p, Authenticator: auth}
	if emod != nil {
		emod(&cfg)
	}
	h, err := jwt.NewEndpoints(cfg)
	require.NoError(t, err)
	return &endpointEnv{pairEnv: pe, h: h, auth: auth}
}

func (e *endpointEnv) do(method, path, contentType, body string, header http.Header) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func (e *endpointEnv) postJSON(path string, fields map[string]any) *httptest.ResponseRecorder {
	b, _ := json.Marshal(fields)
	return e.do(http.MethodPost, path, "application/json", string(b), nil)
}

// login returns a pair from the obtain route.
func (e *endpointEnv) login(t testing.TB) jwt.Pair {
	t.Helper()
	w := e.postJSON("/api/token/", map[string]any{"username": "admin", "password": "admin@123"})
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	var p jwt.Pair
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	return p
}

func multipartBody(t testing.TB, fields [][2]string, file string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		require.NoError(t, mw.WriteField(f[0], f[1]))
	}
	if file != "" {
		fw, err := mw.CreateFormFile(file, "x.txt")
		require.NoError(t, err)
		_, err = fw.Write([]byte("admin"))
		require.NoError(t, err)
	}
	require.NoError(t, mw.Close())
	return buf.String(), mw.FormDataContentType()
}

const (
	bothRequired    = `{"username":["This field is required."],"password":["This field is required."]}`
	badCredentials  = `{"detail":"No active account found with the given credentials"}`
	noActiveAccount = `{"detail":"No active account found for the given token."}`
	serverError     = `{"detail":"A server error occurred."}`
)

func tokenErr(msg string) string {
	return `{"detail":"` + msg + `","code":"token_not_valid"}`
}

// assertResponse checks status, exact body and the headers every answer
// of a token route carries.
func assertResponse(t *testing.T, w *httptest.ResponseRecorder, status int, body string) {
	t.Helper()
	assert.Equal(t, status, w.Code)
	assert.Equal(t, body, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, "no-store", w.Header().Get("Cache-Control"))
	if status == http.StatusUnauthorized {
		assert.Equal(t, `Bearer realm="api"`, w.Header().Get("WWW-Authenticate"), "every 401 names the realm")
	} else {
		assert.Empty(t, w.Header().Values("WWW-Authenticate"))
	}
	if status != http.StatusNotFound {
		assert.Equal(t, "POST, OPTIONS", w.Header().Get("Allow"))
	}
}

// TestEndpointsRequestBodies covers contract §1: how a body is read.
func TestEndpointsRequestBodies(t *testing.T) {
	e := newEndpointEnv(t, nil, nil)
	mpGood, mpGoodCT := multipartBody(t, [][2]string{{"username", "x"}, {"username", "admin"}, {"password", "admin@123"}}, "")
	mpFile, mpFileCT := multipartBody(t, [][2]string{{"password", "admin@123"}}, "username")
	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		want        string // exact body; "" for a pair
	}{
		{name: "json", contentType: "application/json", body: `{"username":"admin","password":"admin@123"}`, status: 200},
		{name: "json with charset", contentType: "application/json; charset=utf-8", body: `{"username":"admin","password":"admin@123"}`, status: 200},
		{name: "json with other charset parameter", contentType: "application/json; charset=latin-1", body: `{"username":"admin","password":"admin@123"}`, status: 200},
		{name: "json type in capitals", contentType: "Application/JSON", body: `{"username":"admin","password":"admin@123"}`, status: 200},
		{name: "form", contentType: "application/x-www-form-urlencoded", body: "username=admin&password=admin%40123", status: 200},
		{name: "multipart, last value wins", contentType: mpGoodCT, body: mpGood, status: 200},
		{name: "form, last value wins", contentType: "application/x-www-form-urlencoded", body: "username=nobody&username=admin&password=admin%40123", status: 200},
		{name: "form, last value wins against", contentType: "application/x-www-form-urlencoded", body: "username=admin&username=nobody&password=admin%40123", status: 401, want: badCredentials},
		{name: "unknown fields ignored", contentType: "application/json", body: `{"username":"admin","password":"admin@123","remember":true}`, status: 200},
		{name: "empty body, json", contentType: "application/json", body: "", status: 400, want: bothRequired},
		{name: "empty body, text/plain", contentType: "text/plain", body: "", status: 400, want: bothRequired},
		{name: "empty body, no type", contentType: "", body: "", status: 400, want: bothRequired},
		{name: "empty body, form", contentType: "application/x-www-form-urlencoded", body: "", status: 400, want: bothRequired},
		{name: "empty object", contentType: "application/json", body: "{}", status: 400, want: bothRequired},
		{name: "text/plain", contentType: "text/plain", body: `{"username":"admin"}`, status: 415, want: `{"detail":"Unsupported media type \"text/plain\" in request."}`},
		{name: "text/plain with charset, quoted as received", contentType: "text/plain;charset=UTF-8", body: `x`, status: 415, want: `{"detail":"Unsupported media type \"text/plain;charset=UTF-8\" in request."}`},
		{name: "no content type", contentType: "", body: `{"username":"admin"}`, status: 415, want: `{"detail":"Unsupported media type \"\" in request."}`},
		{name: "xml", contentType: "application/xml", body: `<a/>`, status: 415, want: `{"detail":"Unsupported media type \"application/xml\" in request."}`},
		{name: "invalid json", contentType: "application/json", body: `{"username":`, status: 400, want: `{"detail":"JSON parse error - Invalid JSON at line 1 column 13 (char 12)."}`},
		{name: "invalid json on line 2", contentType: "application/json", body: "{\n  \"a\" 1}", status: 400, want: `{"detail":"JSON parse error - Invalid JSON at line 2 column 7 (char 8)."}`},
		{name: "trailing data", contentType: "application/json", body: `{} {}`, status: 400, want: `{"detail":"JSON parse error - Invalid JSON at line 1 column 4 (char 3)."}`},
		{name: "invalid utf-8", contentType: "application/json", body: "{\"username\":\"\xff\"}", status: 400, want: `{"detail":"JSON parse error - Invalid UTF-8 or JSON text."}`},
		{name: "list", contentType: "application/json", body: `[]`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}`},
		{name: "str", contentType: "application/json", body: `"admin"`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got str."]}`},
		{name: "int", contentType: "application/json", body: `12`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got int."]}`},
		{name: "float", contentType: "application/json", body: `1.5`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}`},
		{name: "float with exponent", contentType: "application/json", body: `1e3`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got float."]}`},
		{name: "bool", contentType: "application/json", body: `true`, status: 400, want: `{"non_field_errors":["Invalid data. Expected a dictionary, but got bool."]}`},
		{name: "null", contentType: "application/json", body: ` null `, status: 400, want: `{"non_field_errors":["No data provided"]}`},
		{name: "multipart without boundary", contentType: "multipart/form-data", body: "x", status: 400, want: `{"detail":"Multipart form parse error - Invalid multipart body."}`},
		{name: "multipart file part", contentType: mpFileCT, body: mpFile, status: 400, want: `{"username":["Not a valid string."]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(http.MethodPost, "/api/token/", tt.contentType, tt.body, nil)
			if tt.want == "" {
				require.Equal(t, tt.status, w.Code, w.Body.String())
				assert.Regexp(t, `^\{"refresh":"[^"]+","access":"[^"]+"\}$`, w.Body.String())
				return
			}
			assertResponse(t, w, tt.status, tt.want)
		})
	}
}

// TestEndpointsFieldValidation covers contract §1's field table, trimming
// and reporting every failing field together.
func TestEndpointsFieldValidation(t *testing.T) {
	e := newEndpointEnv(t, nil, nil)
	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{name: "username missing", body: `{"password":"admin@123"}`, status: 400, want: `{"username":["This field is required."]}`},
		{name: "null", body: `{"username":null,"password":"admin@123"}`, status: 400, want: `{"username":["This field may not be null."]}`},
		{name: "blank", body: `{"username":"","password":"admin@123"}`, status: 400, want: `{"username":["This field may not be blank."]}`},
		{name: "only white space", body: `{"username":" \t\n\u00a0\u3000\u001f","password":"admin@123"}`, status: 400, want: `{"username":["This field may not be blank."]}`},
		{name: "boolean", body: `{"username":true,"password":"admin@123"}`, status: 400, want: `{"username":["Not a valid string."]}`},
		{name: "array", body: `{"username":["admin"],"password":"admin@123"}`, status: 400, want: `{"username":["Not a valid string."]}`},
		{name: "object", body: `{"username":{},"password":"admin@123"}`, status: 400, want: `{"username":["Not a valid string."]}`},
		{name: "null character", body: `{"username":"ad\u0000min","password":"admin@123"}`, status: 400, want: `{"username":["Null characters are not allowed."]}`},
		{name: "every failing field", body: `{"password":""}`, status: 400, want: `{"username":["This field is required."],"password":["This field may not be blank."]}`},
		{name: "two failing fields in field order", body: `{"password":[],"username":null}`, status: 400, want: `{"username":["This field may not be null."],"password":["Not a valid string."]}`},
		{name: "empty body", body: "", status: 400, want: bothRequired},
		{name: "trimmed", body: `{"username":" admin ","password":" admin@123 "}`, status: 200},
		{name: "trimmed tabs and newlines", body: `{"username":"\tadmin\n","password":"\u00a0admin@123\r\n"}`, status: 200},
		{name: "username is case-sensitive", body: `{"username":"ADMIN","password":"admin@123"}`, status: 401, want: badCredentials},
		{name: "wrong password", body: `{"username":"admin","password":"admin@124"}`, status: 401, want: badCredentials},
		{name: "unknown user", body: `{"username":"nobody","password":"admin@123"}`, status: 401, want: badCredentials},
		{name: "inactive user", body: `{"username":"inactive","password":"secret"}`, status: 401, want: badCredentials},
		{name: "numbers as their text", body: `{"username":123,"password":1.5}`, status: 200},
		{name: "authenticator failure", body: `{"username":"broken","password":"x"}`, status: 500, want: serverError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(http.MethodPost, "/api/token/", "application/json", tt.body, nil)
			if tt.want == "" {
				require.Equal(t, tt.status, w.Code, w.Body.String())
				return
			}
			assertResponse(t, w, tt.status, tt.want)
		})
	}

	t.Run("form blank field", func(t *testing.T) {
		w := e.do(http.MethodPost, "/api/token/", "application/x-www-form-urlencoded", "username=&password=%20", nil)
		assertResponse(t, w, 400, `{"username":["This field may not be blank."],"password":["This field may not be blank."]}`)
	})
	t.Run("trimmed values reach the authenticator", func(t *testing.T) {
		e.do(http.MethodPost, "/api/token/", "application/x-www-form-urlencoded", "username=+admin+&password=%09admin%40123%0A", nil)
		u, p := e.auth.last()
		assert.Equal(t, "admin", u)
		assert.Equal(t, "admin@123", p)
	})
}

func TestEndpointsNumbersAsText(t *testing.T) {
	e := newEndpointEnv(t, nil, nil)
	tests := []struct {
		name   string
		number string
		want   string
	}{
		{name: "int", number: "123", want: "123"},
		{name: "negative zero", number: "-0", want: "0"},
		{name: "big int", number: "12345678901234567890", want: "12345678901234567890"},
		{name: "float", number: "1.5", want: "1.5"},
		{name: "whole float", number: "2.0", want: "2.0"},
		{name: "exponent, fixed", number: "1e2", want: "100.0"},
		{name: "small", number: "0.0001", want: "0.0001"},
		{name: "smaller", number: "0.00001", want: "1e-05"},
		{name: "large", number: "1E16", want: "1e+16"},
		{name: "large fraction", number: "1.5e300", want: "1.5e+300"},
		{name: "negative float", number: "-2.25", want: "-2.25"},
		{name: "overflow", number: "1e400", want: "inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(http.MethodPost, "/api/token/", "application/json", `{"username":`+tt.number+`,"password":"x"}`, nil)
			assertResponse(t, w, 401, badCredentials)
			u, _ := e.auth.last()
			assert.Equal(t, tt.want, u)
		})
	}
}

// TestEndpointsRouting covers methods, OPTIONS and unknown paths.
func TestEndpointsRouting(t *testing.T) {
	e := newEndpointEnv(t, nil, nil)
	paths := []string{"/api/token/", "/api/token/refresh/", "/api/token/verify/", "/api/token/blacklist/"}
	for _, path := range paths {
		for _, method := range []string{"GET", "PUT", "PATCH", "DELETE"} {
			t.Run(method+" "+path, func(t *testing.T) {
				w := e.do(method, path, "application/json", `{"username":"admin"}`, nil)
				assertResponse(t, w, 405, `{"detail":"Method \"`+method+`\" not allowed."}`)
			})
		}
		t.Run("HEAD "+path, func(t *testing.T) {
			w := e.do(http.MethodHead, path, "", "", nil)
			assert.Equal(t, 405, w.Code)
			assert.Equal(t, "POST, OPTIONS", w.Header().Get("Allow"))
		})
		t.Run("OPTIONS "+path, func(t *testing.T) {
			w := e.do(http.MethodOptions, path, "", "", nil)
			require.Equal(t, 200, w.Code)
			assert.Equal(t, "POST, OPTIONS", w.Header().Get("Allow"))
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
			var desc struct {
				Name    string   `json:"name"`
				Renders []string `json:"renders"`
				Parses  []string `json:"parses"`
			}
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &desc))
			assert.NotEmpty(t, desc.Name)
			assert.Equal(t, []string{"application/json"}, desc.Renders)
			assert.Equal(t, []string{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"}, desc.Parses)
		})
	}
	for _, path := range []string{"/api/token", "/api/token/other/", "/api/", "/", "/api/token/refresh"} {
		t.Run("unknown "+path, func(t *testing.T) {
			w := e.do(http.MethodPost, path, "application/json", `{}`, nil)
			assertResponse(t, w, 404, `{"detail":"Not found."}`)
			assert.Empty(t, w.Header().Values("Allow"))
		})
	}
}

func TestEndpointsIgnoreAuthorization(t *testing.T) {
	e := newEndpointEnv(t, nil, nil)
	pair := e.login(t)
	e.clock.Advance(10 * time.Minute) // pair.Access has expired
	for _, auth := range []string{"garbage", "Bearer " + pair.Access, "Bearer " + pair.Refresh, "Basic YWRtaW46YWRtaW5AMTIz"} {
		t.Run(auth[:min(len(auth), 12)], func(t *testing.T) {
			h := http.Header{"Authorization": {auth}}
			w := e.do(http.MethodPost, "/api/token/", "application/json", `{"username":"admin","password":"admin@123"}`, h)
			assert.Equal(t, 200, w.Code)
			w = e.do(http.MethodPost, "/api/token/refresh/", "application/json", `{"refresh":"`+pair.Refresh+`"}`, h)
			assert.Equal(t, 200, w.Code)
			w = e.do(http.MethodPost, "/api/token/verify/", "application/json", `{}`, h)
			assertResponse(t, w, 400, `{"token":["This field is required."]}`)
		})
	}
}

func TestEndpointsObtain(t *testing.T) {
	e := newEndpointEnv(t, nil, nil)
	w := e.postJSON("/api/token/", map[string]any{"username": "admin", "password": "admin@123"})
	require.Equal(t, 200, w.Code)
	assert.Regexp(t, `^\{"refresh":"[^"]+","access":"[^"]+"\}$`, w.Body.String(), "exactly these two keys, in this order")
	var pair jwt.Pair
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &pair))
	r, a := payload(t, pair.Refresh), payload(t, pair.Access)
	assert.Equal(t, "1", r["user_id"], "user_id is a string")
	assert.Equal(t, "1", a["user_id"])
	assert.Equal(t, "refresh", r["token_type"])
	assert.Equal(t, "access", a["token_type"])
	require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, nil))

	u, err := jwt.DecodeUnverified(pair.Access)
	require.NoError(t, err)
	assert.Equal(t, `{"alg":"HS256","typ":"JWT"}`, string(u.RawHeader))

	again := e.login(t)
	assert.NotEqual(t, r["jti"], payload(t, again.Refresh)["jti"], "every login makes a new pair")
}

// tokenCase is a row of the token tables of contract §3.2–3.4.
type tokenCase struct {
	name   string
	token  func(t *testing.T, e *endpointEnv) string
	field  string // "" means the route's own field
	status int
	want   string
}

// Tokens of the tables, each made fresh in the env of the row.
var (
	validRefresh = func(t *testing.T, e *endpointEnv) string { return e.login(t).Refresh }
	validAccess  = func(t *testing.T, e *endpointEnv) string { return e.login(t).Access }
	expired      = func(t *testing.T, e *endpointEnv) string {
		tok := e.login(t).Refresh
		e.clock.Advance(24 * time.Hour)
		return tok
	}
	expiredAccess = func(t *testing.T, e *endpointEnv) string {
		tok := e.login(t).Access
		e.clock.Advance(5 * time.Minute)
		return tok
	}
	blacklisted = func(t *testing.T, e *endpointEnv) string {
		tok := e.login(t).Refresh
		require.Equal(t, 200, e.postJSON("/api/token/blacklist/", map[string]any{"refresh": tok}).Code)
		return tok
	}
	expiredBlacklisted = func(t *testing.T, e *endpointEnv) string {
		tok := blacklisted(t, e)
		e.clock.Advance(24 * time.Hour)
		return tok
	}
	malformed = func(*testing.T, *endpointEnv) string { return "abc.def" }
	badBase64 = func(*testing.T, *endpointEnv) string { return "a=.b.c" }
	badSig    = func(t *testing.T, e *endpointEnv) string {
		return resign(t, e, "forged", "forger-secret-thirty-two-bytes!!")
	}
	otherAlg = func(t *testing.T, e *endpointEnv) string {
		return resign(t, e, "hs512", string(append(pairSecret, pairSecret...)))
	}
	noneAlg = func(t *testing.T, e *endpointEnv) string { return noneToken(t, e) }
	craft   = func(claims func(now int64) map[string]any) func(*testing.T, *endpointEnv) string {
		return func(t *testing.T, e *endpointEnv) string { return e.sign(t, claims(e.clock.Now().Unix())) }
	}
	noExp = craft(func(now int64) map[string]any {
		return map[string]any{"token_type": "refresh", "jti": "0123456789abcdef0123456789abcdef", "user_id": "1"}
	})
	noJTI = craft(func(now int64) map[string]any {
		return map[string]any{"token_type": "refresh", "exp": now + 60, "user_id": "1"}
	})
	noType = craft(func(now int64) map[string]any {
		return map[string]any{"exp": now + 60, "jti": "0123456789abcdef0123456789abcdef", "user_id": "1"}
	})
	numericUser = craft(func(now int64) map[string]any {
		return map[string]any{"token_type": "refresh", "exp": now + 60, "jti": "0123456789abcdef0123456789abcdef", "user_id": 1}
	})
	refreshFor = func(userID any) func(*testing.T, *endpointEnv) string {
		return craft(func(now int64) map[string]any {
			c := map[string]any{"token_type": "refresh", "exp": now + 60, "jti": "0123456789abcdef0123456789abcdef"}
			if userID != nil {
				c["user_id"] = userID
			}
			return c
		})
	}
)

// resign signs the claims of a fresh refresh token with another key.
func resign(t *testing.T, e *endpointEnv, alg, secret string) string {
	a := jwt.HS256
	if alg == "hs512" {
		a = jwt.HS512
	}
	k, err := jwt.NewHMAC(a, []byte(secret))
	require.NoError(t, err)
	tok, err := jwt.Sign(k, payload(t, e.login(t).Refresh))
	require.NoError(t, err)
	return tok
}

// noneToken is a fresh refresh token's claims under alg none.
func noneToken(t *testing.T, e *endpointEnv) string {
	parts := strings.Split(e.login(t).Refresh, ".")
	return "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0." + parts[1] + "."
}

func runTokenCases(t *testing.T, path, field string, mod func(*jwt.PairConfig), tests []tokenCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpointEnv(t, mod, nil)
			body := map[string]any{}
			if tt.token != nil {
				body[field] = tt.token(t, e)
			}
			w := e.postJSON(path, body)
			if tt.want == "" {
				require.Equal(t, tt.status, w.Code, w.Body.String())
				return
			}
			assertResponse(t, w, tt.status, tt.want)
		})
	}
}

// The rows every route that takes a token shares.
func commonTokenRows(field string) []tokenCase {
	return []tokenCase{
		{name: "missing", status: 400, want: `{"` + field + `":["This field is required."]}`},
		{name: "blank", token: func(*testing.T, *endpointEnv) string { return "  " }, status: 400, want: `{"` + field + `":["This field may not be blank."]}`},
		{name: "malformed", token: malformed, status: 401, want: tokenErr("Token is invalid")},
		{name: "not base64url", token: badBase64, status: 401, want: tokenErr("Token is invalid")},
		{name: "bad signature", token: badSig, status: 401, want: tokenErr("Token is invalid")},
		{name: "wrong algorithm", token: otherAlg, status: 401, want: tokenErr("Token is invalid")},
		{name: "alg none", token: noneAlg, status: 401, want: tokenErr("Token is invalid")},
		{name: "expired", token: expired, status: 401, want: tokenErr("Token is expired")},
		{name: "no exp", token: noExp, status: 401, want: tokenErr("Token has no 'exp' claim")},
		{name: "no jti", token: noJTI, status: 401, want: tokenErr("Token has no id")},
	}
}

// TestEndpointsRefresh covers contract §3.2.
func TestEndpointsRefresh(t *testing.T) {
	rows := append(commonTokenRows("refresh"),
		tokenCase{name: "valid, no rotation", token: validRefresh, status: 200},
		tokenCase{name: "blacklisted", token: blacklisted, status: 401, want: tokenErr("Token is blacklisted")},
		tokenCase{name: "an access token", token: validAccess, status: 401, want: tokenErr("Token has wrong type")},
		tokenCase{name: "no type", token: noType, status: 401, want: tokenErr("Token has no type")},
		tokenCase{name: "user inactive", token: refreshFor("2"), status: 401, want: noActiveAccount},
		tokenCase{name: "user unknown", token: refreshFor("99"), status: 401, want: noActiveAccount},
		tokenCase{name: "no user_id", token: refreshFor(nil), status: 401, want: noActiveAccount},
		tokenCase{name: "user_id as a number", token: numericUser, status: 200},
		tokenCase{name: "accounts failing", token: refreshFor("500"), status: 500, want: serverError},
	)
	runTokenCases(t, "/api/token/refresh/", "refresh", nil, rows)

	t.Run("no rotation: only access, same token again", func(t *testing.T) {
		e := newEndpointEnv(t, nil, nil)
		pair := e.login(t)
		for range 2 {
			w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh})
			require.Equal(t, 200, w.Code)
			assert.Regexp(t, `^\{"access":"[^"]+"\}$`, w.Body.String(), "no refresh key")
		}
	})
	t.Run("rotation: access then refresh, old token blacklisted", func(t *testing.T) {
		e := newEndpointEnv(t, func(c *jwt.PairConfig) { c.Rotate = true }, nil)
		pair := e.login(t)
		w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh})
		require.Equal(t, 200, w.Code)
		assert.Regexp(t, `^\{"access":"[^"]+","refresh":"[^"]+"\}$`, w.Body.String())
		var next jwt.Pair
		require.NoError(t, json.Unmarshal(w.Body.Bytes(), &next))

		w = e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh})
		assertResponse(t, w, 401, tokenErr("Token is blacklisted"))
		w = e.postJSON("/api/token/refresh/", map[string]any{"refresh": next.Refresh})
		assertResponse(t, w, 401, tokenErr("Token is blacklisted")) // reuse revoked the login's later tokens
	})
	t.Run("a refused user check leaves the token unconsumed", func(t *testing.T) {
		e := newEndpointEnv(t, func(c *jwt.PairConfig) { c.Rotate = true }, nil)
		tok := refreshFor("2")(t, e)
		assertResponse(t, e.postJSON("/api/token/refresh/", map[string]any{"refresh": tok}), 401, noActiveAccount)
		e.auth.users["inactive"] = fakeUser{id: "2", password: "secret", active: true}
		w := e.postJSON("/api/token/refresh/", map[string]any{"refresh": tok})
		assert.Equal(t, 200, w.Code, w.Body.String())
	})
	t.Run("store failure", func(t *testing.T) {
		e := newEndpointEnv(t, nil, nil)
		pair := e.login(t)
		p, err := jwt.NewPairs(jwt.PairConfig{Signer: e.key, SubjectClaim: "user_id", Store: &failingStore{Store: e.store, fail: "Revoked"}, Expect: jwt.Expect{Now: e.clock.Now}})
		require.NoError(t, err)
		h, err := jwt.NewEndpoints(jwt.EndpointConfig{Pairs: p, Authenticator: e.auth})
		require.NoError(t, err)
		for _, path := range []string{"/api/token/refresh/", "/api/token/blacklist/"} {
			w := httptest.NewRecorder()
			r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(`{"refresh":"`+pair.Refresh+`"}`))
			r.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(w, r)
			assert.Equal(t, 500, w.Code, path)
			assert.Equal(t, serverError, w.Body.String(), path)
		}
	})
}

// TestEndpointsVerify covers contract §3.3.
func TestEndpointsVerify(t *testing.T) {
	rows := append(commonTokenRows("token"),
		tokenCase{name: "valid refresh token", token: validRefresh, status: 200, want: `{}`},
		tokenCase{name: "valid access token", token: validAccess, status: 200, want: `{}`},
		tokenCase{name: "no type: type not checked", token: noType, status: 200, want: `{}`},
		tokenCase{name: "expired access token", token: expiredAccess, status: 401, want: tokenErr("Token is expired")},
		tokenCase{name: "blacklisted", token: blacklisted, status: 400, want: `{"non_field_errors":["Token is blacklisted"]}`},
		tokenCase{name: "expired and blacklisted", token: expiredBlacklisted, status: 401, want: tokenErr("Token is expired")},
		tokenCase{name: "user inactive: not checked", token: refreshFor("2"), status: 200, want: `{}`},
	)
	runTokenCases(t, "/api/token/verify/", "token", nil, rows)
}

// TestEndpointsBlacklist covers contract §3.4.
func TestEndpointsBlacklist(t *testing.T) {
	rows := append(commonTokenRows("refresh"),
		tokenCase{name: "valid refresh token", token: validRefresh, status: 200, want: `{}`},
		tokenCase{name: "valid but never seen", token: refreshFor("1"), status: 200, want: `{}`},
		tokenCase{name: "user inactive: not checked", token: refreshFor("2"), status: 200, want: `{}`},
		tokenCase{name: "already blacklisted", token: blacklisted, status: 401, want: tokenErr("Token is blacklisted")},
		tokenCase{name: "an access token", token: validAccess, status: 401, want: tokenErr("Token has wrong type")},
		tokenCase{name: "no type", token: noType, status: 401, want: tokenErr("Token has no type")},
	)
	runTokenCases(t, "/api/token/blacklist/", "refresh", nil, rows)

	t.Run("after logout", func(t *testing.T) {
		e := newEndpointEnv(t, nil, nil)
		pair := e.login(t)
		other := e.login(t)
		assertResponse(t, e.postJSON("/api/token/blacklist/", map[string]any{"refresh": pair.Refresh}), 200, `{}`)
		assertResponse(t, e.postJSON("/api/token/verify/", map[string]any{"token": pair.Access}), 200, `{}`)
		require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, nil), "the access token stays valid")
		assertResponse(t, e.postJSON("/api/token/refresh/", map[string]any{"refresh": pair.Refresh}), 401, tokenErr("Token is blacklisted"))
		assert.Equal(t, 200, e.postJSON("/api/token/refresh/", map[string]any{"refresh": other.Refresh}).Code, "other refresh tokens are unaffected")
	})
}

func TestEndpointsFormAndMultipartTokens(t *testing.T) {
	e := newEndpointEnv(t, nil, nil)
	pair := e.login(t)
	w := e.do(http.MethodPost, "/api/token/verify/", "application/x-www-form-urlencoded", url.Values{"token": {pair.Access}}.Encode(), nil)
	assertResponse(t, w, 200, `{}`)
	body, ct := multipartBody(t, [][2]string{{"refresh", pair.Refresh}}, "")
	w = e.do(http.MethodPost, "/api/token/refresh/", ct, body, nil)
	assert.Equal(t, 200, w.Code)
}

func TestEndpointsRealm(t *testing.T) {
	e := newEndpointEnv(t, nil, func(c *jwt.EndpointConfig) { c.Realm = "shop" })
	w := e.postJSON("/api/token/", map[string]any{"username": "admin", "password": "bad"})
	assert.Equal(t, 401, w.Code)
	assert.Equal(t, `Bearer realm="shop"`, w.Header().Get("WWW-Authenticate"))
}

func TestEndpointsMaxBodyBytes(t *testing.T) {
	body := func(n int) string {
		s := `{"username":"admin","password":"admin@123"}`
		return s + strings.Repeat(" ", n-len(s))
	}
	tests := []struct {
		name   string
		max    int64
		size   int
		status int
	}{
		{name: "default: 64 KiB is read", size: 64 << 10, status: 200},
		{name: "default: 64 KiB and one byte is refused", size: 64<<10 + 1, status: 413},
		{name: "set: at the limit", max: 100, size: 100, status: 200},
		{name: "set: over the limit", max: 100, size: 101, status: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEndpointEnv(t, nil, func(c *jwt.EndpointConfig) { c.MaxBodyBytes = tt.max })
			w := e.do(http.MethodPost, "/api/token/", "application/json", body(tt.size), nil)
			if tt.status == 413 {
				assertResponse(t, w, 413, `{"detail":"Request body is too large."}`)
				return
			}
			assert.Equal(t, tt.status, w.Code)
		})
	}
}

func TestNewEndpointsConfigErrors(t *testing.T) {
	e := newPairEnv(t, nil)
	tests := []struct {
		name string
		cfg  jwt.EndpointConfig
	}{
		{name: "no pairs", cfg: jwt.EndpointConfig{Authenticator: newFakeAuth()}},
		{name: "no authenticator", cfg: jwt.EndpointConfig{Pairs: e.p}},
		{name: "negative body size", cfg: jwt.EndpointConfig{Pairs: e.p, Authenticator: newFakeAuth(), MaxBodyBytes: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := jwt.NewEndpoints(tt.cfg)
			require.ErrorIs(t, err, jwt.ErrConfig)
			assert.Nil(t, h)
		})
	}
}

func TestEndpointsServer(t *testing.T) {
	e := newEndpointEnv(t, nil, nil)
	mux := http.NewServeMux()
	mux.Handle("/api/token/", e.h)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := srv.Client().Post(srv.URL+"/api/token/", "application/x-www-form-urlencoded", strings.NewReader("username=admin&password=admin%40123"))
	require.NoError(t, err)
	defer res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	var pair jwt.Pair
	require.NoError(t, json.NewDecoder(res.Body).Decode(&pair))
	require.NoError(t, e.p.VerifyAccess(t.Context(), pair.Access, nil))
}
