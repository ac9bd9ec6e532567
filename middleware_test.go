package jwt_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The bodies of the default answers.
const (
	notProvided = `{"detail":"Authentication credentials were not provided."}`
	badHeader   = `{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`
	unavailable = `{"detail":"Service temporarily unavailable, try again later."}`

	challenge      = `Bearer realm="api"`
	invalidToken   = `Bearer realm="api", error="invalid_token"`
	invalidRequest = `Bearer realm="api", error="invalid_request"`
)

// notValid is the body of shape C for a token that fails with msg.
func notValid(msg string) string {
	return `{"detail":"Given token not valid for any token type","code":"token_not_valid",` +
		`"messages":[{"token_class":"AccessToken","token_type":"access","message":"` + msg + `"}]}`
}

// mwEnv is a middleware over a SimpleJWT-shaped Pairs, in front of a
// handler that records what it was given.
type mwEnv struct {
	*pairEnv
	mw *jwt.Middleware
	h  http.Handler

	calls  int
	claims any
	got    *http.Request
}

func newMWEnv(t testing.TB, mod func(*jwt.MiddlewareConfig)) *mwEnv {
	t.Helper()
	return newMWEnvWith(t, nil, mod)
}

// newMWEnvWith is newMWEnv with the pair manager configured by pmod too.
func newMWEnvWith(t testing.TB, pmod func(*jwt.PairConfig), mod func(*jwt.MiddlewareConfig)) *mwEnv {
	t.Helper()
	e := &mwEnv{pairEnv: newPairEnv(t, func(c *jwt.PairConfig) {
		c.SubjectClaim = "user_id"
		if pmod != nil {
			pmod(c)
		}
	})}
	cfg := jwt.MiddlewareConfig{Verifier: e.p}
	if mod != nil {
		mod(&cfg)
	}
	mw, err := jwt.NewMiddleware(cfg)
	require.NoError(t, err)
	e.mw = mw
	e.h = mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.calls++
		e.got = r
		e.claims, _ = jwt.FromContext(r.Context())
		w.Write([]byte("next"))
	}))
	return e
}

// serve sends r through the middleware.
func (e *mwEnv) serve(r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// get sends a GET with the given Authorization headers.
func (e *mwEnv) get(auth ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/hello/", nil)
	for _, a := range auth {
		r.Header.Add("Authorization", a)
	}
	return e.serve(r)
}

// assertRefused checks a default answer: status 401, the exact body, the
// challenge, and that next was not called.
func (e *mwEnv) assertRefused(t *testing.T, w *httptest.ResponseRecorder, body, wwwAuth string) {
	t.Helper()
	assert.Equal(t, http.StatusUnauthorized, w.Code)
	assert.Equal(t, body, w.Body.String())
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	assert.Equal(t, []string{wwwAuth}, w.Header().Values("WWW-Authenticate"))
	assert.Zero(t, e.calls, "next must not run")
}

// assertPassed checks that next ran with the claims of a token for user 42.
func (e *mwEnv) assertPassed(t *testing.T, w *httptest.ResponseRecorder) {
	t.Helper()
	require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	assert.Equal(t, "next", w.Body.String())
	require.Equal(t, 1, e.calls)
	claims, ok := e.claims.(map[string]any)
	require.True(t, ok, "claims are a map by default, got %T", e.claims)
	assert.Equal(t, "42", claims["user_id"])
	assert.Equal(t, "access", claims["token_type"])
}

func TestMiddlewareAuthorizationHeader(t *testing.T) {
	tests := []struct {
		name    string
		headers func(access string) []string
		body    string // exact body of the refusal; "" when next must run
		wwwAuth string
	}{
		{name: "Bearer and token", headers: func(a string) []string { return []string{"Bearer " + a} }},
		{name: "runs of white space around", headers: func(a string) []string { return []string{" \tBearer  \t " + a + " \t"} }},
		{name: "no header", headers: func(string) []string { return nil }, body: notProvided, wwwAuth: challenge},
		{name: "empty header", headers: func(string) []string { return []string{""} }, body: notProvided, wwwAuth: challenge},
		{name: "only white space", headers: func(string) []string { return []string{" \t "} }, body: notProvided, wwwAuth: challenge},
		{name: "scheme in lower case", headers: func(a string) []string { return []string{"bearer " + a} }, body: notProvided, wwwAuth: challenge},
		{name: "scheme in capitals", headers: func(a string) []string { return []string{"BEARER " + a} }, body: notProvided, wwwAuth: challenge},
		{name: "Basic scheme", headers: func(string) []string { return []string{"Basic YWRtaW46YWRtaW5AMTIz"} }, body: notProvided, wwwAuth: challenge},
		{name: "JWT scheme", headers: func(a string) []string { return []string{"JWT " + a} }, body: notProvided, wwwAuth: challenge},
		{name: "token alone", headers: func(a string) []string { return []string{a} }, body: notProvided, wwwAuth: challenge},
		{name: "Bearer and zero parts", headers: func(string) []string { return []string{"Bearer"} }, body: badHeader, wwwAuth: invalidRequest},
		{name: "Bearer and trailing space", headers: func(string) []string { return []string{"Bearer   "} }, body: badHeader, wwwAuth: invalidRequest},
		{name: "three parts", headers: func(a string) []string { return []string{"Bearer " + a + " extra"} }, body: badHeader, wwwAuth: invalidRequest},
		{name: "comma-joined tokens", headers: func(a string) []string { return []string{"Bearer " + a + ", Bearer " + a} }, body: badHeader, wwwAuth: invalidRequest},
		{name: "two Authorization headers", headers: func(a string) []string { return []string{"Bearer " + a, "Bearer " + a} }, body: badHeader, wwwAuth: invalidRequest},
		{name: "two headers, one empty", headers: func(a string) []string { return []string{"", "Bearer " + a} }, body: badHeader, wwwAuth: invalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMWEnv(t, nil)
			w := e.get(tt.headers(e.issue(t).Access)...)
			if tt.body == "" {
				e.assertPassed(t, w)
				return
			}
			e.assertRefused(t, w, tt.body, tt.wwwAuth)
		})
	}
}

// countingKeys is Keys that counts how often it is asked for a key.
type countingKeys struct {
	jwt.Keys
	calls int
}

func (k *countingKeys) VerifierFor(ctx context.Context, h jwt.Header) (jwt.Verifier, error) {
	k.calls++
	return k.Keys.VerifierFor(ctx, h)
}

// accessTokens returns an AccessTokens of cfg.
func accessTokens(t testing.TB, cfg jwt.AccessConfig) *jwt.AccessTokens {
	t.Helper()
	a, err := jwt.NewAccessTokens(cfg)
	require.NoError(t, err)
	return a
}

func TestMiddlewareOversizedAuthorizationHeader(t *testing.T) {
	keys := &countingKeys{Keys: jwt.SingleKey(pairKey(t))}
	e := newMWEnv(t, func(c *jwt.MiddlewareConfig) { c.Verifier = accessTokens(t, jwt.AccessConfig{Keys: keys}) })
	access := e.issue(t).Access
	tests := []struct {
		name   string
		header string
	}{
		// A valid token padded with white space: only the header cap
		// refuses it.
		{name: "valid token padded past the cap", header: "Bearer " + strings.Repeat(" ", jwt.DefaultMaxLength) + access},
		{name: "huge token", header: "Bearer " + strings.Repeat("a", jwt.DefaultMaxLength) + "." + strings.Repeat("b", 1<<20) + ".c"},
		{name: "huge header of three parts", header: "Bearer " + strings.Repeat("x ", jwt.DefaultMaxLength)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.calls, keys.calls = 0, 0
			w := e.get(tt.header)
			e.assertRefused(t, w, notValid("Token is invalid"), invalidToken)
			assert.Zero(t, keys.calls, "nothing of the token may be read")
		})
	}
	t.Run("the cap follows MaxTokenLength", func(t *testing.T) {
		e := newMWEnv(t, func(c *jwt.MiddlewareConfig) {
			// The time the token was issued.
			c.Verifier = accessTokens(t, jwt.AccessConfig{Keys: keys, Expect: jwt.Expect{Now: newFakeClock().Now}})
			c.MaxTokenLength = 1 << 16
		})
		w := e.get("Bearer " + strings.Repeat(" ", jwt.DefaultMaxLength) + access)
		e.assertPassed(t, w)
	})
}

func TestMiddlewareTokenFailures(t *testing.T) {
	craft := func(claims func(now int64) map[string]any) func(*testing.T, *mwEnv) string {
		return func(t *testing.T, e *mwEnv) string { return e.sign(t, claims(e.clock.Now().Unix())) }
	}
	const jti = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name  string
		token func(*testing.T, *mwEnv) string
		msg   string
	}{
		{name: "malformed", token: func(*testing.T, *mwEnv) string { return "abc.def" }, msg: "Token is invalid"},
		{name: "not base64url", token: func(*testing.T, *mwEnv) string { return "a=.b.c" }, msg: "Token is invalid"},
		{name: "bad signature", token: func(t *testing.T, e *mwEnv) string {
			k, err := jwt.NewHMAC(jwt.HS256, []byte("forger-secret-thirty-two-bytes!!"))
			require.NoError(t, err)
			tok, err := jwt.Sign(k, payload(t, e.issue(t).Access))
			require.NoError(t, err)
			return tok
		}, msg: "Token is invalid"},
		{name: "expired", token: func(t *testing.T, e *mwEnv) string {
			tok := e.issue(t).Access
			e.clock.Advance(jwt.DefaultAccessTTL)
			return tok
		}, msg: "Token is expired"},
		{name: "not yet valid", token: craft(func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "exp": now + 600, "nbf": now + 300, "jti": jti}
		}), msg: "Token is invalid"},
		{name: "no exp", token: craft(func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "jti": jti}
		}), msg: "Token has no 'exp' claim"},
		{name: "no jti", token: craft(func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "exp": now + 60}
		}), msg: "Token has no id"},
		{name: "no type", token: craft(func(now int64) map[string]any {
			return map[string]any{"exp": now + 60, "jti": jti}
		}), msg: "Token has no type"},
		{name: "other type", token: craft(func(now int64) map[string]any {
			return map[string]any{"token_type": "sliding", "exp": now + 60, "jti": jti}
		}), msg: "Token has wrong type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMWEnv(t, nil)
			w := e.get("Bearer " + tt.token(t, e))
			e.assertRefused(t, w, notValid(tt.msg), invalidToken)
		})
	}
}

func TestMiddlewareRefreshTokenUsedAsAccessToken(t *testing.T) {
	e := newMWEnv(t, nil)
	w := e.get("Bearer " + e.issue(t).Refresh)
	e.assertRefused(t, w, notValid("Token has wrong type"), invalidToken)
}

func TestMiddlewareAlgNone(t *testing.T) {
	e := newMWEnv(t, nil)
	parts := strings.Split(e.issue(t).Access, ".")
	for _, hdr := range []string{
		"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0", // {"alg":"none","typ":"JWT"}
		"eyJhbGciOiJOb05lIiwidHlwIjoiSldUIn0", // {"alg":"NoNe","typ":"JWT"}
	} {
		for _, tok := range []string{hdr + "." + parts[1] + ".", hdr + "." + parts[1] + "." + parts[2]} {
			e.calls = 0
			w := e.get("Bearer " + tok)
			e.assertRefused(t, w, notValid("Token is invalid"), invalidToken)
		}
	}
}

func TestMiddlewareExpiredTokenWithBadSignature(t *testing.T) {
	e := newMWEnv(t, nil)
	tok := e.issue(t).Access
	e.clock.Advance(time.Hour)
	forged := tok[:len(tok)-4] + "AAAA"
	if forged == tok {
		forged = tok[:len(tok)-4] + "BBBB"
	}
	w := e.get("Bearer " + forged)
	e.assertRefused(t, w, notValid("Token is invalid"), invalidToken) // the signature error wins
}

func TestMiddlewareRevokedSession(t *testing.T) {
	t.Run("with a Store, a revoked session is refused", func(t *testing.T) {
		e := newMWEnvWith(t, func(c *jwt.PairConfig) { c.RevokeAccess = true }, nil)
		pair := e.issue(t)
		w := e.get("Bearer " + pair.Access)
		require.Equal(t, http.StatusOK, w.Code)
		e.calls = 0
		require.NoError(t, e.p.RevokeSession(context.Background(), payload(t, pair.Access)["sid"].(string)))
		w = e.get("Bearer " + pair.Access)
		e.assertRefused(t, w, notValid("Token is blacklisted"), invalidToken)
	})
	t.Run("without a Store, nothing is looked up", func(t *testing.T) {
		e := newMWEnv(t, nil)
		pair := e.issue(t)
		require.NoError(t, e.p.RevokeSession(context.Background(), payload(t, pair.Access)["sid"].(string)))
		e.assertPassed(t, e.get("Bearer "+pair.Access))
	})
	t.Run("with a Store, a token without a session is refused", func(t *testing.T) {
		e := newMWEnvWith(t, func(c *jwt.PairConfig) { c.RevokeAccess = true }, nil)
		now := e.clock.Now().Unix()
		tok := e.sign(t, map[string]any{"token_type": "access", "exp": now + 60, "jti": "0123456789abcdef0123456789abcdef"})
		e.assertRefused(t, e.get("Bearer "+tok), notValid("Token has no id"), invalidToken)
	})
}

// unreachableStore is a Store that cannot be reached.
type unreachableStore struct{ jwt.MemoryStore }

var errUnreachable = errors.New("store down: dial tcp 10.0.0.1:6379: connection refused")

func (*unreachableStore) Session(context.Context, string) (jwt.Session, error) {
	return jwt.Session{}, errUnreachable
}

func TestMiddlewareStoreFailure(t *testing.T) {
	e := newMWEnvWith(t, func(c *jwt.PairConfig) { c.Store, c.RevokeAccess = new(unreachableStore), true }, nil)
	w := e.get("Bearer " + e.issue(t).Access)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, unavailable, w.Body.String())
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Empty(t, w.Header().Values("WWW-Authenticate"))
	assert.Zero(t, e.calls)
}

func TestMiddlewareCookie(t *testing.T) {
	tests := []struct {
		name    string
		cookie  string // the configured name
		request func(r *http.Request, access string)
		body    string // "" when next must run
		wwwAuth string
	}{
		{name: "token in the cookie", cookie: "access", request: func(r *http.Request, a string) {
			r.AddCookie(&http.Cookie{Name: "access", Value: a})
		}},
		{name: "cookie beside another scheme", cookie: "access", request: func(r *http.Request, a string) {
			r.Header.Set("Authorization", "Basic YWRtaW46YWRtaW5AMTIz")
			r.AddCookie(&http.Cookie{Name: "access", Value: a})
		}},
		{name: "no cookie configured", request: func(r *http.Request, a string) {
			r.AddCookie(&http.Cookie{Name: "access", Value: a})
		}, body: notProvided, wwwAuth: challenge},
		{name: "cookie of another name", cookie: "access", request: func(r *http.Request, a string) {
			r.AddCookie(&http.Cookie{Name: "token", Value: a})
		}, body: notProvided, wwwAuth: challenge},
		{name: "empty cookie", cookie: "access", request: func(r *http.Request, a string) {
			r.AddCookie(&http.Cookie{Name: "access", Value: ""})
		}, body: notProvided, wwwAuth: challenge},
		{name: "bad cookie", cookie: "access", request: func(r *http.Request, a string) {
			r.AddCookie(&http.Cookie{Name: "access", Value: "abc.def"})
		}, body: notValid("Token is invalid"), wwwAuth: invalidToken},
		{name: "a malformed Bearer header wins over the cookie", cookie: "access", request: func(r *http.Request, a string) {
			r.Header.Set("Authorization", "Bearer")
			r.AddCookie(&http.Cookie{Name: "access", Value: a})
		}, body: badHeader, wwwAuth: invalidRequest},
		{name: "a bad Bearer token wins over the cookie", cookie: "access", request: func(r *http.Request, a string) {
			r.Header.Set("Authorization", "Bearer abc.def")
			r.AddCookie(&http.Cookie{Name: "access", Value: a})
		}, body: notValid("Token is invalid"), wwwAuth: invalidToken},
		{name: "two cookies of the name (cookie tossing)", cookie: "access", request: func(r *http.Request, a string) {
			r.AddCookie(&http.Cookie{Name: "access", Value: a})
			r.AddCookie(&http.Cookie{Name: "access", Value: a})
		}, body: notValid("Token is invalid"), wwwAuth: invalidToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMWEnv(t, func(c *jwt.MiddlewareConfig) { c.Cookie = tt.cookie })
			r := httptest.NewRequest(http.MethodGet, "/hello/", nil)
			tt.request(r, e.issue(t).Access)
			w := e.serve(r)
			if tt.body == "" {
				e.assertPassed(t, w)
				return
			}
			e.assertRefused(t, w, tt.body, tt.wwwAuth)
		})
	}
}

func TestMiddlewareIgnoresQueryStringToken(t *testing.T) {
	e := newMWEnv(t, func(c *jwt.MiddlewareConfig) { c.Cookie = "access_token" })
	a := e.issue(t).Access
	r := httptest.NewRequest(http.MethodGet, "/hello/?access_token="+a+"&token="+a+"&jwt="+a, nil)
	e.assertRefused(t, e.serve(r), notProvided, challenge)
}

func TestMiddlewareOptional(t *testing.T) {
	tests := []struct {
		name     string
		optional bool
		header   func(access string) []string
		status   int
		claims   bool // whether next saw claims
	}{
		{name: "anonymous passes", optional: true, header: func(string) []string { return nil }, status: 200},
		{name: "other scheme passes as anonymous", optional: true, header: func(string) []string { return []string{"Basic eA=="} }, status: 200},
		{name: "valid token has claims", optional: true, header: func(a string) []string { return []string{"Bearer " + a} }, status: 200, claims: true},
		{name: "bad token is refused", optional: true, header: func(string) []string { return []string{"Bearer abc.def"} }, status: 401},
		{name: "malformed header is refused", optional: true, header: func(string) []string { return []string{"Bearer"} }, status: 401},
		{name: "by default anonymous is refused", header: func(string) []string { return nil }, status: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMWEnv(t, func(c *jwt.MiddlewareConfig) { c.Optional = tt.optional })
			w := e.get(tt.header(e.issue(t).Access)...)
			assert.Equal(t, tt.status, w.Code)
			assert.Equal(t, tt.status == 200, e.calls == 1)
			assert.Equal(t, tt.claims, e.claims != nil)
		})
	}
}

func TestMiddlewarePreflight(t *testing.T) {
	tests := []struct {
		name      string
		allow     bool
		method    string
		acrm      string
		wantCalls int
	}{
		{name: "preflight allowed", allow: true, method: http.MethodOptions, acrm: "GET", wantCalls: 1},
		{name: "OPTIONS without Access-Control-Request-Method", allow: true, method: http.MethodOptions},
		{name: "GET with Access-Control-Request-Method", allow: true, method: http.MethodGet, acrm: "GET"},
		{name: "preflight refused by default", method: http.MethodOptions, acrm: "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMWEnv(t, func(c *jwt.MiddlewareConfig) { c.AllowPreflight = tt.allow })
			r := httptest.NewRequest(tt.method, "/hello/", nil)
			r.Header.Set("Origin", "https://app.example")
			if tt.acrm != "" {
				r.Header.Set("Access-Control-Request-Method", tt.acrm)
			}
			w := e.serve(r)
			assert.Equal(t, tt.wantCalls, e.calls)
			if tt.wantCalls == 0 {
				assert.Equal(t, http.StatusUnauthorized, w.Code)
			} else {
				assert.Nil(t, e.claims)
			}
		})
	}
}

func TestMiddlewareErrorHandler(t *testing.T) {
	tests := []struct {
		name  string
		store jwt.Store
		auth  func(access, refresh string) string
		want  error
	}{
		{name: "no credentials", auth: func(string, string) string { return "" }, want: jwt.ErrNoCredentials},
		{name: "malformed header", auth: func(string, string) string { return "Bearer" }, want: jwt.ErrAuthorizationHeader},
		{name: "oversized header", auth: func(string, string) string { return "Bearer " + strings.Repeat("a", 1<<16) }, want: jwt.ErrTooLarge},
		{name: "refresh token", auth: func(_, r string) string { return "Bearer " + r }, want: jwt.ErrWrongTokenType},
		{name: "bad signature", auth: func(a, _ string) string { return "Bearer " + a + "x" }, want: jwt.ErrSignature},
		{name: "store down", store: new(unreachableStore), auth: func(a, _ string) string { return "Bearer " + a }, want: errUnreachable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got error
			e := newMWEnvWith(t, func(c *jwt.PairConfig) {
				if tt.store != nil {
					c.Store, c.RevokeAccess = tt.store, true
				}
			}, func(c *jwt.MiddlewareConfig) {
				c.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
					got = err
					w.WriteHeader(http.StatusTeapot)
				}
			})
			pair := e.issue(t)
			w := e.get(tt.auth(pair.Access, pair.Refresh))
			require.ErrorIs(t, got, tt.want)
			assert.Equal(t, http.StatusTeapot, w.Code)
			assert.Empty(t, w.Header().Values("WWW-Authenticate"), "the handler decides the answer")
			assert.Zero(t, e.calls)
		})
	}
}

func TestMiddlewareDoesNotLeakErrorText(t *testing.T) {
	e := newMWEnvWith(t, func(c *jwt.PairConfig) { c.Store, c.RevokeAccess = new(unreachableStore), true }, nil)
	pair := e.issue(t)
	for _, auth := range []string{"", "Bearer", "Bearer abc.def", "Bearer " + pair.Refresh, "Bearer " + pair.Access} {
		body := e.get(auth).Body.String()
		assert.NotContains(t, body, "jwt:")
		assert.NotContains(t, body, "store down")
		assert.NotContains(t, body, "10.0.0.1")
	}
}

type myClaims struct {
	jwt.Claims
	UserID    string `json:"user_id"`
	TokenType string `json:"token_type"`
}

func TestMiddlewareContext(t *testing.T) {
	t.Run("NewClaims gives the caller's type", func(t *testing.T) {
		var got *myClaims
		var ok bool
		e := newMWEnv(t, nil)
		mw, err := jwt.NewMiddleware(jwt.MiddlewareConfig{Verifier: e.p, NewClaims: func() any { return new(myClaims) }})
		require.NoError(t, err)
		h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got, ok = jwt.ClaimsFrom[*myClaims](r.Context())
			_, isMap := jwt.ClaimsFrom[map[string]any](r.Context())
			assert.False(t, isMap, "ClaimsFrom of another type")
		}))
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Authorization", "Bearer "+e.issue(t).Access)
		h.ServeHTTP(httptest.NewRecorder(), r)
		require.True(t, ok)
		assert.Equal(t, "42", got.UserID)
		assert.Equal(t, "access", got.TokenType)
		assert.Equal(t, e.clock.Now().Add(jwt.DefaultAccessTTL).Unix(), int64(got.Expiry))
	})
	t.Run("NewClaims decoding fails: the token is refused", func(t *testing.T) {
		type strict struct {
			UserID int `json:"user_id"` // the token holds a string
		}
		e := newMWEnv(t, func(c *jwt.MiddlewareConfig) { c.NewClaims = func() any { return new(strict) } })
		e.assertRefused(t, e.get("Bearer "+e.issue(t).Access), notValid("Token is invalid"), invalidToken)
	})
	t.Run("default is a map", func(t *testing.T) {
		e := newMWEnv(t, nil)
		e.assertPassed(t, e.get("Bearer "+e.issue(t).Access))
		m, ok := jwt.ClaimsFrom[map[string]any](e.got.Context())
		require.True(t, ok)
		assert.Equal(t, "42", m["user_id"])
	})
	t.Run("an empty context holds nothing", func(t *testing.T) {
		c, ok := jwt.FromContext(context.Background())
		assert.False(t, ok)
		assert.Nil(t, c)
		_, ok = jwt.ClaimsFrom[map[string]any](context.Background())
		assert.False(t, ok)
	})
	t.Run("NewContext round trip", func(t *testing.T) {
		want := &myClaims{UserID: "7"}
		ctx := jwt.NewContext(context.Background(), want)
		got, ok := jwt.ClaimsFrom[*myClaims](ctx)
		require.True(t, ok)
		assert.Same(t, want, got)
		any, ok := jwt.FromContext(ctx)
		require.True(t, ok)
		assert.Same(t, want, any)
	})
}

func TestMiddlewareDoesNotMutateRequest(t *testing.T) {
	e := newMWEnv(t, nil)
	r := httptest.NewRequest(http.MethodGet, "/hello/", nil)
	r.Header.Set("Authorization", "Bearer "+e.issue(t).Access)
	ctx := r.Context()
	e.assertPassed(t, e.serve(r))
	assert.NotSame(t, r, e.got, "next gets a copy")
	assert.Equal(t, ctx, r.Context(), "the incoming request keeps its context")
	_, ok := jwt.FromContext(r.Context())
	assert.False(t, ok)
	assert.Len(t, r.Header, 1)
}

func TestMiddlewareKeys(t *testing.T) {
	const jti = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name   string
		mod    func(*jwt.AccessConfig)
		claims func(now int64) map[string]any
		msg    string // "" when next must run
	}{
		{name: "access token", claims: func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "exp": now + 60, "user_id": "42"}
		}},
		{name: "refresh token", claims: func(now int64) map[string]any {
			return map[string]any{"token_type": "refresh", "exp": now + 60, "user_id": "42"}
		}, msg: "Token has wrong type"},
		{name: "no type by default", claims: func(now int64) map[string]any {
			return map[string]any{"exp": now + 60, "user_id": "42"}
		}, msg: "Token has no type"},
		{name: "type not a string", claims: func(now int64) map[string]any {
			return map[string]any{"token_type": 1, "exp": now + 60, "user_id": "42"}
		}, msg: "Token has wrong type"},
		{name: "no type, allowed", mod: func(c *jwt.AccessConfig) { c.AllowMissingTokenType = true }, claims: func(now int64) map[string]any {
			return map[string]any{"exp": now + 60, "user_id": "42"}
		}},
		{name: "refresh token, missing type allowed", mod: func(c *jwt.AccessConfig) { c.AllowMissingTokenType = true }, claims: func(now int64) map[string]any {
			return map[string]any{"token_type": "refresh", "exp": now + 60, "user_id": "42"}
		}, msg: "Token has wrong type"},
		{name: "own type claim", mod: func(c *jwt.AccessConfig) { c.TokenTypeClaim = "typ" }, claims: func(now int64) map[string]any {
			return map[string]any{"typ": "access", "token_type": "refresh", "exp": now + 60, "user_id": "42"}
		}},
		{name: "no exp by default", claims: func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "user_id": "42"}
		}, msg: "Token has no 'exp' claim"},
		{name: "Expect issuer", mod: func(c *jwt.AccessConfig) { c.Expect.Issuer = "https://auth.example" }, claims: func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "exp": now + 60, "user_id": "42", "iss": "https://evil.example"}
		}, msg: "Token is invalid"},
		{name: "Expect clock", claims: func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "exp": now - 1, "user_id": "42"}
		}, msg: "Token is expired"},
		{name: "revoked session", mod: func(c *jwt.AccessConfig) {
			s := &jwt.MemoryStore{}
			require.NoError(t, s.End(context.Background(), "s1", time.Now().Add(time.Hour)))
			c.Store = s
		}, claims: func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "exp": now + 60, "user_id": "42", "sid": "s1", "jti": jti}
		}, msg: "Token is blacklisted"},
		{name: "own session claim", mod: func(c *jwt.AccessConfig) {
			s := &jwt.MemoryStore{}
			require.NoError(t, s.End(context.Background(), "s1", time.Now().Add(time.Hour)))
			now := time.Now()
			require.NoError(t, s.Create(context.Background(), jwt.Session{ID: "s2", Subject: "42", Created: now, Refreshed: now, Expires: now.Add(time.Hour), Token: "t"}))
			c.Store = s
			c.SessionClaim = "session"
		}, claims: func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "exp": now + 60, "user_id": "42", "session": "s1", "sid": "s2"}
		}, msg: "Token is blacklisted"},
		{name: "session claim not a string", mod: func(c *jwt.AccessConfig) { c.Store = &jwt.MemoryStore{} }, claims: func(now int64) map[string]any {
			return map[string]any{"token_type": "access", "exp": now + 60, "user_id": "42", "sid": 1}
		}, msg: "Token is invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newMWEnv(t, func(c *jwt.MiddlewareConfig) {
				cfg := jwt.AccessConfig{Keys: pairKey(t)}
				if tt.mod != nil {
					tt.mod(&cfg)
				}
				c.Verifier = accessTokens(t, cfg)
			})
			now := time.Now().Unix() // Expect's zero value uses time.Now
			w := e.get("Bearer " + e.sign(t, tt.claims(now)))
			if tt.msg == "" {
				require.Equal(t, http.StatusOK, w.Code, w.Body.String())
				assert.Equal(t, 1, e.calls)
				return
			}
			e.assertRefused(t, w, notValid(tt.msg), invalidToken)
		})
	}
}

func TestMiddlewareRealm(t *testing.T) {
	e := newMWEnv(t, func(c *jwt.MiddlewareConfig) { c.Realm = "example" })
	assert.Equal(t, `Bearer realm="example"`, e.get().Header().Get("WWW-Authenticate"))
	assert.Equal(t, `Bearer realm="example", error="invalid_token"`, e.get("Bearer x.y.z").Header().Get("WWW-Authenticate"))
}

func TestNewMiddlewareConfigErrors(t *testing.T) {
	key := accessTokens(t, jwt.AccessConfig{Keys: pairKey(t)})
	tests := []struct {
		name string
		cfg  jwt.MiddlewareConfig
	}{
		{name: "no Verifier", cfg: jwt.MiddlewareConfig{}},
		{name: "negative MaxTokenLength", cfg: jwt.MiddlewareConfig{Verifier: key, MaxTokenLength: -1}},
		{name: "NewClaims returns a struct", cfg: jwt.MiddlewareConfig{Verifier: key, NewClaims: func() any { return myClaims{} }}},
		{name: "NewClaims returns nil", cfg: jwt.MiddlewareConfig{Verifier: key, NewClaims: func() any { return nil }}},
		{name: "NewClaims returns a nil pointer", cfg: jwt.MiddlewareConfig{Verifier: key, NewClaims: func() any { return (*myClaims)(nil) }}},
		{name: "realm with a quote", cfg: jwt.MiddlewareConfig{Verifier: key, Realm: `a"b`}},
		{name: "realm with a backslash", cfg: jwt.MiddlewareConfig{Verifier: key, Realm: `a\b`}},
		{name: "realm with a line break", cfg: jwt.MiddlewareConfig{Verifier: key, Realm: "a\r\nb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mw, err := jwt.NewMiddleware(tt.cfg)
			require.ErrorIs(t, err, jwt.ErrConfig)
			assert.Nil(t, mw)
		})
	}
}

func TestMiddlewareServer(t *testing.T) {
	e := newMWEnv(t, nil)
	srv := httptest.NewServer(e.h)
	defer srv.Close()
	for _, tc := range []struct {
		auth   string
		status int
	}{{"Bearer " + e.issue(t).Access, 200}, {"", 401}, {"Bearer " + e.issue(t).Refresh, 401}} {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/hello/", nil)
		require.NoError(t, err)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, tc.status, resp.StatusCode)
	}
}

func BenchmarkMiddleware(b *testing.B) {
	e := newMWEnv(b, nil)
	access := e.issue(b).Access
	bare := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", bare},
		{"HS256", e.mw.Handler(bare)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := httptest.NewRequest(http.MethodGet, "/hello/", nil)
			r.Header.Set("Authorization", "Bearer "+access)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				bc.h.ServeHTTP(w, r)
				if w.Code != http.StatusNoContent {
					b.Fatal(w.Code)
				}
			}
		})
	}
}

// TestAttackStaleClaimsInNewClaimsValue stops a value that NewClaims
// returns already filled (defaults, or a value shared by mistake) from
// lending its claims to a token: the context holds exactly the token's
// claims, in both of the middleware's modes.
func TestAttackStaleClaimsInNewClaimsValue(t *testing.T) {
	e := newPairEnv(t, nil)
	tok := e.sign(t, map[string]any{"sub": "mallory", "jti": "j", "token_type": "access", "exp": e.clock.Now().Add(time.Minute).Unix()})
	prefilled := func() any {
		return &roleClaims{Claims: jwt.Claims{Audience: jwt.Audience{"api"}, Subject: "alice"}, Role: "admin"}
	}
	for name, cfg := range map[string]jwt.MiddlewareConfig{
		"Pairs":                    {Verifier: e.p, NewClaims: prefilled},
		"Keys":                     {Verifier: accessTokens(t, jwt.AccessConfig{Keys: e.key, Expect: jwt.Expect{Now: e.clock.Now}}), NewClaims: prefilled},
		"Keys expecting aud (401)": {Verifier: accessTokens(t, jwt.AccessConfig{Keys: e.key, Expect: jwt.Expect{Now: e.clock.Now, Audience: jwt.Audience{"api"}}}), NewClaims: prefilled},
	} {
		t.Run(name, func(t *testing.T) {
			mw, err := jwt.NewMiddleware(cfg)
			require.NoError(t, err)
			var got any
			h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got, _ = jwt.FromContext(r.Context()) }))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if strings.Contains(name, "aud") {
				assert.Equal(t, http.StatusUnauthorized, w.Code, "a token without aud is refused")
				return
			}
			require.Equal(t, http.StatusOK, w.Code)
			c := got.(*roleClaims)
			assert.Equal(t, "mallory", c.Subject)
			assert.Empty(t, c.Audience)
			assert.Empty(t, c.Role)
		})
	}
}

func TestNewAccessTokensConfigErrors(t *testing.T) {
	for name, cfg := range map[string]jwt.AccessConfig{
		"no Keys":         {},
		"negative leeway": {Keys: pairKey(t), Expect: jwt.Expect{Leeway: -time.Second}},
		"negative length": {Keys: pairKey(t), Expect: jwt.Expect{MaxLength: -1}},
	} {
		t.Run(name, func(t *testing.T) {
			a, err := jwt.NewAccessTokens(cfg)
			require.ErrorIs(t, err, jwt.ErrConfig)
			assert.Nil(t, a)
		})
	}
}

// TestAccessTokensRFC9068 checks the explicit configuration for an
// identity provider's access tokens (RFC 9068): typ at+jwt and no token
// type claim are taken, a token of another typ is refused, and so is the
// refresh token of a pair manager, whatever its typ.
func TestAccessTokensRFC9068(t *testing.T) {
	k := pairKey(t)
	now := time.Now().Unix()
	a := accessTokens(t, jwt.AccessConfig{Keys: k, RFC9068: true, Expect: jwt.Expect{Issuer: "https://idp.example", Audience: jwt.Audience{"api"}}})
	claims := func(extra string) string {
		return fmt.Sprintf(`{"iss":"https://idp.example","aud":"api","sub":"42","client_id":"web","iat":%d,"exp":%d,"jti":"j"%s}`, now, now+60, extra)
	}
	for _, tc := range []struct {
		name, header, payload string
		want                  error
	}{
		{"at+jwt", `{"alg":"HS256","typ":"at+jwt"}`, claims(""), nil},
		{"application/at+jwt", `{"alg":"HS256","typ":"application/at+jwt"}`, claims(""), nil},
		{"typ JWT", `{"alg":"HS256","typ":"JWT"}`, claims(""), jwt.ErrType},
		{"no typ", `{"alg":"HS256"}`, claims(""), jwt.ErrType},
		{"a refresh token marked at+jwt", `{"alg":"HS256","typ":"at+jwt"}`, claims(`,"token_type":"refresh"`), jwt.ErrWrongTokenType},
		{"an access token of a pair manager marked at+jwt", `{"alg":"HS256","typ":"at+jwt"}`, claims(`,"token_type":"access"`), nil},
		{"another audience", `{"alg":"HS256","typ":"at+jwt"}`, strings.Replace(claims(""), `"aud":"api"`, `"aud":"other"`, 1), jwt.ErrAudience},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := a.VerifyAccess(t.Context(), signRaw(t, k, tc.header, tc.payload), nil)
			if tc.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.want)
			}
		})
	}
	for name, cfg := range map[string]jwt.AccessConfig{
		"no issuer":    {Keys: k, RFC9068: true, Expect: jwt.Expect{Audience: jwt.Audience{"api"}}},
		"no audience":  {Keys: k, RFC9068: true, Expect: jwt.Expect{Issuer: "i"}},
		"another type": {Keys: k, RFC9068: true, Expect: jwt.Expect{Issuer: "i", Audience: jwt.Audience{"api"}, Type: "JWT"}},
	} {
		_, err := jwt.NewAccessTokens(cfg)
		require.ErrorIs(t, err, jwt.ErrConfig, name)
	}
}

// TestMiddlewareUnavailableKeysAnswer503 checks that a token refused
// because its keys cannot be had for now (a provider down) gets 503 with
// Retry-After, not 401, even when the error also says no key is known.
func TestMiddlewareUnavailableKeysAnswer503(t *testing.T) {
	down := fmt.Errorf("%w: %w", jwt.ErrUnavailable, jwt.ErrUnknownKey)
	e := newMWEnv(t, func(c *jwt.MiddlewareConfig) {
		c.Verifier = accessTokens(t, jwt.AccessConfig{Keys: failingKeys{down}})
	})
	w := e.get("Bearer " + e.issue(t).Access)
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.Equal(t, unavailable, w.Body.String())
	assert.Equal(t, "1", w.Header().Get("Retry-After"))
	assert.Zero(t, e.calls)
}

// failingKeys is Keys whose every lookup fails with err.
type failingKeys struct{ err error }

func (k failingKeys) VerifierFor(context.Context, jwt.Header) (jwt.Verifier, error) {
	return nil, k.err
}

// TestTokenMessage pins SimpleJWT's message for each token error, wrapped
// as the checks wrap them, and "" for errors that are not about the token.
func TestTokenMessage(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{jwt.ErrExpired, "Token is expired"},
		{jwt.ErrSessionExpired, "Token is expired"},
		{jwt.ErrRevoked, "Token is blacklisted"},
		{jwt.ErrMissingExpiry, "Token has no 'exp' claim"},
		{jwt.ErrMissingID, "Token has no id"},
		{jwt.ErrMissingTokenType, "Token has no type"},
		{jwt.ErrWrongTokenType, "Token has wrong type"},
		{jwt.ErrMalformed, "Token is invalid"},
		{jwt.ErrTooLarge, "Token is invalid"},
		{jwt.ErrAlgorithm, "Token is invalid"},
		{jwt.ErrCritical, "Token is invalid"},
		{jwt.ErrUnknownKey, "Token is invalid"},
		{jwt.ErrSignature, "Token is invalid"},
		{jwt.ErrNotYetValid, "Token is invalid"},
		{jwt.ErrIssuedInFuture, "Token is invalid"},
		{jwt.ErrIssuer, "Token is invalid"},
		{jwt.ErrAudience, "Token is invalid"},
		{jwt.ErrSubject, "Token is invalid"},
		{jwt.ErrType, "Token is invalid"},
		{errors.New("store down"), ""},
		{context.DeadlineExceeded, ""},
		{nil, ""},
	} {
		assert.Equal(t, tt.want, jwt.TokenMessage(tt.err), "%v", tt.err)
		if tt.err != nil {
			assert.Equal(t, tt.want, jwt.TokenMessage(fmt.Errorf("checking: %w", tt.err)), "wrapped %v", tt.err)
		}
	}
}
