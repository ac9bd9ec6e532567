package simplejwt_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

// TestRequestBodies covers contract §1: how a body is read.
func TestRequestBodies(t *testing.T) {
	e := newEnv(t, nil, nil)
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

// TestFieldValidation covers contract §1's field table, trimming
// and reporting every failing field together.
func TestFieldValidation(t *testing.T) {
	e := newEnv(t, nil, nil)
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

func TestNumbersAsText(t *testing.T) {
	e := newEnv(t, nil, nil)
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
