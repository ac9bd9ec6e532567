package jwt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
)

// MiddlewareConfig configures a [Middleware]. NewMiddleware copies it, so
// changing it afterwards has no effect. Only Verifier is required.
type MiddlewareConfig struct {
	// Verifier checks each token as an access token: a [*Pairs] for the
	// tokens it issues, or an [*AccessTokens] for tokens another service
	// issues. Required.
	Verifier AccessVerifier

	// Cookie, when not empty, names a cookie to take the token from when
	// the request has no Bearer token in its Authorization header (no
	// header, an empty one, or another scheme). A request with more than
	// one cookie of that name is refused as malformed. Empty means the
	// Authorization header is the only source. The query string is never
	// a source (RFC 6750 §5.3): it ends up in logs and browser history.
	Cookie string

	// MaxTokenLength caps the token read from a request, in bytes: a
	// longer Authorization header (less room for the scheme and white
	// space) or cookie is refused without being read further. Zero means
	// DefaultMaxLength; raise it together with the verifier's
	// Expect.MaxLength.
	MaxTokenLength int

	// Optional lets a request with no credentials at all through to the
	// next handler, with no claims in its context. A request whose
	// credentials are wrong is still refused. False (the default): every
	// request needs a valid token.
	Optional bool
	// AllowPreflight lets a CORS preflight request (OPTIONS with an
	// Access-Control-Request-Method header) through to the next handler
	// without credentials, since browsers never send credentials with
	// one. False (the default): it is treated like any other request.
	AllowPreflight bool

	// NewClaims returns a new pointer to the value the claims of each
	// token are decoded into, such as new(MyClaims); that pointer is what
	// [FromContext] and [ClaimsFrom] return. Nil means the claims are
	// decoded into a map[string]any, which is what the context then holds.
	// A struct that embeds [Claims] and adds string, number and bool
	// fields is the cheapest: its claims are set without encoding/json,
	// where the map allocates for every claim.
	NewClaims func() any

	// Realm is the realm of the WWW-Authenticate header of every 401
	// answer. Empty means "api". It must not contain a double quote or a
	// backslash.
	Realm string

	// ErrorHandler answers a request that is refused. err wraps
	// ErrNoCredentials, ErrAuthorizationHeader, one of the token errors
	// (ErrExpired, ErrSignature, ErrWrongTokenType, ErrRevoked, …) or is
	// the Store's error. Nil means the answers of Django REST framework
	// SimpleJWT, described on [Middleware]. An ErrorHandler must never
	// write err's text into the response.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
}

// Middleware authenticates HTTP requests with bearer tokens (RFC 6750) and
// hands the claims of each token to the next handler through the request
// context. Make one with NewMiddleware and wrap handlers with Handler.
//
// The token is read from the Authorization header, which must appear once
// and, split on runs of white space, be the word "Bearer" (exactly so) and
// the token; another scheme, "bearer" included, counts as no credentials,
// as in SimpleJWT. A header longer than the token length cap is refused
// without being read further. Then the cookie named by Cookie, if any;
// never the query string.
//
// Without an ErrorHandler, a refused request is answered 401 with
// WWW-Authenticate: Bearer realm="api" and the JSON bodies of SimpleJWT:
//
//	no credentials       {"detail": "Authentication credentials were not provided."}
//	"Bearer" and not one token
//	                     {"detail": "Authorization header must contain two space-delimited values", "code": "bad_authorization_header"}
//	a token that fails   {"detail": "Given token not valid for any token type", "code": "token_not_valid",
//	                      "messages": [{"token_class": "AccessToken", "token_type": "access", "message": "Token is expired"}]}
//
// where message is SimpleJWT's text for the failure ("Token is invalid",
// "Token is expired", "Token has wrong type", "Token has no type", "Token
// is blacklisted" for a revoked session, …). The challenge carries
// error="invalid_token" for a token that fails and error="invalid_request"
// for a malformed header, and no error for missing credentials (RFC 6750
// §3.1). When the Store fails, or the key set cannot be had, the answer
// is 503 {"detail": "Service temporarily unavailable, try again later."}
// (Django REST framework's answer to an unavailable service) with
// Retry-After: 1: the request may well be good, and a token is never let
// through unchecked. No Go error text is ever sent.
//
// A Middleware is safe for concurrent use if its Store is.
type Middleware struct {
	verifier  AccessVerifier
	cookie    string
	optional  bool
	preflight bool
	newClaims func() any
	onError   func(http.ResponseWriter, *http.Request, error)
	maxHeader int

	challenge, invalidToken, invalidRequest string
}

// NewMiddleware returns the middleware configured by cfg, or an error
// wrapping ErrConfig when Verifier is nil, when MaxTokenLength is
// negative, when NewClaims does not return a non-nil pointer, or when
// Realm holds a double quote or a backslash.
func NewMiddleware(cfg MiddlewareConfig) (*Middleware, error) {
	if cfg.Verifier == nil {
		return nil, fmt.Errorf("%w: Verifier is required", ErrConfig)
	}
	if cfg.MaxTokenLength < 0 {
		return nil, fmt.Errorf("%w: negative MaxTokenLength", ErrConfig)
	}
	if cfg.NewClaims != nil {
		if v := reflect.ValueOf(cfg.NewClaims()); v.Kind() != reflect.Pointer || v.IsNil() {
			return nil, fmt.Errorf("%w: NewClaims must return a non-nil pointer", ErrConfig)
		}
	}
	realm := orDefault(cfg.Realm, "api")
	for i := 0; i < len(realm); i++ {
		if c := realm[i]; c == '"' || c == '\\' || c < 0x20 || c == 0x7f {
			return nil, fmt.Errorf("%w: Realm cannot be quoted", ErrConfig)
		}
	}
	m := &Middleware{
		verifier:  cfg.Verifier,
		cookie:    cfg.Cookie,
		optional:  cfg.Optional,
		preflight: cfg.AllowPreflight,
		newClaims: cfg.NewClaims,
		onError:   cfg.ErrorHandler,
	}
	// Room for the scheme and some white space around the token.
	m.maxHeader = orDefault(cfg.MaxTokenLength, DefaultMaxLength) + 64
	m.challenge = `Bearer realm="` + realm + `"`
	m.invalidToken = m.challenge + `, error="invalid_token"`
	m.invalidRequest = m.challenge + `, error="invalid_request"`
	if m.onError == nil {
		m.onError = m.answer
	}
	return m, nil
}

// Handler returns a handler that authenticates each request and, when it
// passes, calls next with a request whose context holds the token's
// claims. The incoming request is never changed: next gets a copy made by
// r.WithContext.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.preflight && r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			next.ServeHTTP(w, r)
			return
		}
		tok, err := m.token(r)
		if errors.Is(err, ErrNoCredentials) && m.optional {
			next.ServeHTTP(w, r)
			return
		}
		var claims any
		if err == nil {
			claims, err = m.verify(r.Context(), tok)
		}
		if err != nil {
			m.onError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), claims)))
	})
}

// token returns the token a request carries.
func (m *Middleware) token(r *http.Request) (string, error) {
	values := r.Header.Values("Authorization")
	if len(values) > 1 {
		return "", fmt.Errorf("%w: more than one Authorization header", ErrAuthorizationHeader)
	}
	if len(values) == 1 {
		v := values[0]
		if len(v) > m.maxHeader {
			return "", ErrTooLarge
		}
		scheme, tok, n := fields2(v)
		if n > 0 && scheme == "Bearer" {
			if n != 2 {
				return "", fmt.Errorf("%w: not two space-delimited values", ErrAuthorizationHeader)
			}
			return tok, nil
		}
	}
	if m.cookie != "" {
		var found string
		n := 0
		for _, c := range r.CookiesNamed(m.cookie) {
			if c.Value != "" {
				found = c.Value
				n++
			}
		}
		if n > 1 {
			return "", fmt.Errorf("%w: more than one token cookie", ErrMalformed)
		}
		if n == 1 {
			if len(found) > m.maxHeader-64 {
				return "", ErrTooLarge
			}
			return found, nil
		}
	}
	return "", ErrNoCredentials
}

// fields2 splits s on runs of ASCII white space, as Python splits the bytes
// of a header, and returns the first two fields and how many there are.
func fields2(s string) (first, second string, n int) {
	i := 0
	for {
		for i < len(s) && isASCIISpace(s[i]) {
			i++
		}
		if i == len(s) {
			return first, second, n
		}
		start := i
		i = fieldEnd(s, i)
		switch n {
		case 0:
			first = s[start:i]
		case 1:
			second = s[start:i]
		}
		n++
	}
}

// fieldEnd returns the index of the first ASCII white space in s at or
// after i, or len(s). A token has none, so it skips eight bytes at a time
// while none of them is below '!', and looks at bytes one by one from the
// first eight that hold one.
func fieldEnd(s string, i int) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; i+8 <= len(s); i += 8 {
		b := s[i : i+8]
		x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
			uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
		// A high bit is set in the lowest byte below '!' and in none
		// before it (Hacker's Delight's test for a byte less than n).
		if (x-'!'*ones)&^x&highs != 0 {
			break
		}
	}
	for i < len(s) && !isASCIISpace(s[i]) {
		i++
	}
	return i
}

func isASCIISpace(c byte) bool {
	return c == ' ' || '\t' <= c && c <= '\r'
}

// verify checks tok as an access token and returns its claims as the
// context will hold them.
func (m *Middleware) verify(ctx context.Context, tok string) (any, error) {
	if m.newClaims == nil {
		var claims map[string]any
		if err := m.verifier.VerifyAccess(ctx, tok, &claims); err != nil {
			return nil, err
		}
		return claims, nil
	}
	claims := m.newClaims()
	if err := m.verifier.VerifyAccess(ctx, tok, claims); err != nil {
		return nil, err
	}
	return claims, nil
}

// answer is the default ErrorHandler: the answers of SimpleJWT.
func (m *Middleware) answer(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrNoCredentials):
		writeAnswer(w, http.StatusUnauthorized, m.challenge, `{"detail":"Authentication credentials were not provided."}`)
	case errors.Is(err, ErrAuthorizationHeader):
		writeAnswer(w, http.StatusUnauthorized, m.invalidRequest,
			`{"detail":"Authorization header must contain two space-delimited values","code":"bad_authorization_header"}`)
	default:
		msg := TokenMessage(err)
		if msg == "" || errors.Is(err, ErrUnavailable) {
			w.Header().Set("Retry-After", "1")
			writeAnswer(w, http.StatusServiceUnavailable, "", `{"detail":"Service temporarily unavailable, try again later."}`)
			return
		}
		writeAnswer(w, http.StatusUnauthorized, m.invalidToken,
			`{"detail":"Given token not valid for any token type","code":"token_not_valid",`+
				`"messages":[{"token_class":"AccessToken","token_type":"access","message":"`+msg+`"}]}`)
	}
}

// writeAnswer writes a JSON body with status and, when not empty, the
// WWW-Authenticate challenge.
func writeAnswer(w http.ResponseWriter, status int, challenge, body string) {
	if challenge != "" {
		w.Header().Set("WWW-Authenticate", challenge)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// TokenMessage returns the message Django REST framework SimpleJWT gives
// for the token error err ("Token is expired", "Token is blacklisted",
// "Token is invalid", …), or "" for an error that is not about the token,
// such as a Store's. The message is text that needs no escaping in JSON.
// The Middleware and the SimpleJWT routes answer with it; an ErrorHandler
// may too.
func TokenMessage(err error) string {
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

// claimsKey is the context key of the claims; its type is unexported so
// that no other package can use it.
type claimsKey struct{}

// NewContext returns a copy of ctx that holds claims, as the middleware
// passes them to the next handler.
func NewContext(ctx context.Context, claims any) context.Context {
	return context.WithValue(ctx, claimsKey{}, claims)
}

// FromContext returns the claims ctx holds, as NewContext stored them:
// the value MiddlewareConfig.NewClaims made, or a map[string]any. ok is
// false when ctx holds none, as for an anonymous request let through by
// Optional.
func FromContext(ctx context.Context) (claims any, ok bool) {
	claims = ctx.Value(claimsKey{})
	return claims, claims != nil
}

// ClaimsFrom returns the claims ctx holds as a T, the type that
// MiddlewareConfig.NewClaims returns (such as *MyClaims) or map[string]any
// when it is nil, so that handlers need no type assertion:
//
//	c, ok := jwt.ClaimsFrom[*MyClaims](r.Context())
//
// ok is false when ctx holds no claims or claims of another type.
func ClaimsFrom[T any](ctx context.Context) (T, bool) {
	c, ok := ctx.Value(claimsKey{}).(T)
	return c, ok
}
