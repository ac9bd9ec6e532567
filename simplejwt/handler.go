package simplejwt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jwtpair/jwt"
)

// Authenticator is the application's user accounts, as the login route
// POST /api/token/ needs them. Implementations must be safe for concurrent
// use.
//
// The login route is the only one that asks it. Whether an account may
// still refresh its tokens is the pair manager's question: set
// [jwt.PairConfig.Active] to the application's account check, as the
// package documentation shows, or a refresh token keeps working after its
// account is deactivated or deleted.
type Authenticator interface {
	// Authenticate checks a username and password, both trimmed of white
	// space, and returns the subject to write into the tokens (the user's
	// id) and extra claims for them, or nil. For an unknown user, a wrong
	// password and an inactive user alike it returns an error wrapping
	// jwt.ErrNoActiveAccount, so that none can be told from another; it
	// must also take the same time for each, by hashing the password even
	// when the user does not exist. To refuse a login for now, it returns
	// an error wrapping ErrThrottled (too many attempts: 429) or
	// jwt.ErrUnavailable (it cannot check passwords now: 503), with the
	// wait that [RetryAfter] attaches. Any other error is answered as a
	// server error.
	Authenticate(ctx context.Context, username, password string) (subject string, extra map[string]any, err error)
}

// ErrThrottled is wrapped by the error of an Authenticator that refuses a
// login because too many were tried, for the username or from the
// client's address. The login route answers it 429 with Retry-After and
// Django REST framework's throttling body, {"detail": "Request was
// throttled. Expected available in 42 seconds."}.
var ErrThrottled = errors.New("simplejwt: too many login attempts")

// RetryAfter returns err with the time after which the client may try
// again. The Handler sends it, in whole seconds rounded up, in the
// Retry-After header of its 429 and 503 answers; an error that carries
// none is answered with Retry-After: 1. RetryAfter(nil, d) is nil.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryError{err: err, after: d}
}

type retryError struct {
	err   error
	after time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// retryAfter returns the Retry-After of err in whole seconds, rounded up:
// at least 1.
func retryAfter(err error) int64 {
	var re *retryError
	if !errors.As(err, &re) {
		return 1
	}
	return max(1, int64((re.after+time.Second-1)/time.Second))
}

// DefaultMaxBodyBytes is the largest request body a [Handler] reads when
// Config.MaxBodyBytes is zero: 64 KiB.
const DefaultMaxBodyBytes = 64 << 10

// Config configures a [Handler]. NewHandler copies it, so changing it
// afterwards has no effect. Pairs and Authenticator are required.
type Config struct {
	// Pairs issues, refreshes, verifies and revokes the tokens. Required.
	// SubjectClaim "user_id" gives SimpleJWT's payloads. Set its Active
	// field to the application's account check: the refresh route then
	// answers a refresh token of an account that is gone or deactivated
	// with 401 {"detail": "No active account found for the given token."},
	// as SimpleJWT does. With Active nil, the refresh route checks no
	// account. Its Rotate, NoReuseGrace and RevokeAccess decide what a
	// refresh and a logout do, as the package documentation describes.
	Pairs *jwt.Pairs
	// Authenticator checks the username and password of the login route.
	// Required.
	Authenticator Authenticator
	// Realm is the realm of the WWW-Authenticate header sent with every
	// 401 answer. Empty means "api". It must not hold a double quote, a
	// backslash or a control character.
	Realm string
	// MaxBodyBytes is the largest request body read; a larger one is
	// answered with 413. Zero means DefaultMaxBodyBytes (64 KiB); negative
	// is an error.
	MaxBodyBytes int64
}

// Handler is an http.Handler that serves the token routes of Django REST
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
// ignored. Every answer carries Cache-Control: no-store, as [RFC 6749]
// §5.1 asks of token responses.
//
// Answers SimpleJWT has no counterpart for: a body over
// Config.MaxBodyBytes is 413 {"detail": "Request body is too large."}; a
// login the Authenticator refuses with ErrThrottled is 429, and an error
// matching jwt.ErrUnavailable (a Store or key set that cannot answer for
// now, an Authenticator that cannot check passwords) or
// context.DeadlineExceeded is 503 {"detail": "Service temporarily
// unavailable, try again later."}, both with Retry-After, as Django REST
// framework answers throttled and unavailable requests; any other error
// of the Store, the Authenticator or PairConfig.Active that does not wrap
// jwt.ErrNoActiveAccount is 500 {"detail": "A server error occurred."}.
// No Go error text is ever sent.
//
// A Handler is safe for concurrent use if its Pairs is.
//
// [RFC 6749]: https://www.rfc-editor.org/rfc/rfc6749
type Handler struct {
	pairs     *jwt.Pairs
	auth      Authenticator
	challenge string // the WWW-Authenticate value of every 401
	maxBody   int64
}

// NewHandler returns the token routes configured by cfg. It returns an
// error wrapping jwt.ErrConfig when Pairs or Authenticator is nil, when
// MaxBodyBytes is negative, or when Realm cannot be quoted in a header.
func NewHandler(cfg Config) (*Handler, error) {
	if cfg.Pairs == nil || cfg.Authenticator == nil {
		return nil, fmt.Errorf("%w: Pairs and Authenticator are required", jwt.ErrConfig)
	}
	if cfg.MaxBodyBytes < 0 {
		return nil, fmt.Errorf("%w: negative MaxBodyBytes", jwt.ErrConfig)
	}
	realm := cfg.Realm
	if realm == "" {
		realm = "api"
	}
	for i := 0; i < len(realm); i++ {
		if c := realm[i]; c == '"' || c == '\\' || c < 0x20 || c == 0x7f {
			return nil, fmt.Errorf("%w: Realm cannot be quoted", jwt.ErrConfig)
		}
	}
	maxBody := cfg.MaxBodyBytes
	if maxBody == 0 {
		maxBody = DefaultMaxBodyBytes
	}
	return &Handler{
		pairs:     cfg.Pairs,
		auth:      cfg.Authenticator,
		challenge: `Bearer realm="` + realm + `"`,
		maxBody:   maxBody,
	}, nil
}

// route is one token route: its fields, in the order errors are reported,
// and what it does with their values.
type route struct {
	name, description string
	fields            []string
	serve             func(h *Handler, w http.ResponseWriter, r *http.Request, v []string)
}

var routes = map[string]*route{
	"/api/token/": {
		name:        "Token Obtain Pair",
		description: "Checks a username and password and answers with a new refresh token and access token.",
		fields:      []string{"username", "password"},
		serve:       (*Handler).obtain,
	},
	"/api/token/refresh/": {
		name:        "Token Refresh",
		description: "Answers a refresh token with a new access token, and a new refresh token when tokens rotate.",
		fields:      []string{"refresh"},
		serve:       (*Handler).refresh,
	},
	"/api/token/verify/": {
		name:        "Token Verify",
		description: "Answers whether a token of either type is valid, without saying anything about it.",
		fields:      []string{"token"},
		serve:       (*Handler).verify,
	},
	"/api/token/blacklist/": {
		name:        "Token Blacklist",
		description: "Ends the login of a refresh token, so that its refresh tokens are refused: a logout.",
		fields:      []string{"refresh"},
		serve:       (*Handler).blacklist,
	},
}

// ServeHTTP answers a request to one of the token routes.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	rt, ok := routes[r.URL.Path]
	if !ok {
		writeJSON(w, http.StatusNotFound, object{{"detail", "Not found."}})
		return
	}
	hdr.Set("Allow", "POST, OPTIONS")
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
	fields, ok := readBody(w, r, h.maxBody)
	if !ok {
		return
	}
	values, errs := validate(fields, rt.fields)
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, errs)
		return
	}
	rt.serve(h, w, r, values)
}

func (h *Handler) obtain(w http.ResponseWriter, r *http.Request, v []string) {
	sub, extra, err := h.auth.Authenticate(r.Context(), v[0], v[1])
	switch {
	case errors.Is(err, jwt.ErrNoActiveAccount):
		h.unauthorized(w, object{{"detail", "No active account found with the given credentials"}})
		return
	case errors.Is(err, ErrThrottled):
		throttled(w, retryAfter(err))
		return
	case err != nil:
		failed(w, err)
		return
	}
	pair, err := h.pairs.Issue(r.Context(), sub, extra)
	if err != nil {
		failed(w, err)
		return
	}
	writeJSON(w, http.StatusOK, object{{"refresh", pair.Refresh}, {"access", pair.Access}})
}

// refresh answers a refresh token. The account check is the pair
// manager's (PairConfig.Active): Refresh asks it after every check of the
// token and before consuming it, and returns its error as it is.
func (h *Handler) refresh(w http.ResponseWriter, r *http.Request, v []string) {
	pair, err := h.pairs.Refresh(r.Context(), v[0])
	switch {
	case errors.Is(err, jwt.ErrNoActiveAccount):
		h.unauthorized(w, object{{"detail", "No active account found for the given token."}})
	case err != nil:
		h.tokenError(w, err)
	case pair.Refresh == "":
		writeJSON(w, http.StatusOK, object{{"access", pair.Access}})
	default:
		writeJSON(w, http.StatusOK, object{{"access", pair.Access}, {"refresh", pair.Refresh}})
	}
}

// verify answers whether a token is valid. VerifyAnyType refuses with
// ErrRevoked a refresh token whose session has ended or is unknown to the
// Store or that a rotation replaced, and such an access token only with
// RevokeAccess: SimpleJWT's blacklisted token.
func (h *Handler) verify(w http.ResponseWriter, r *http.Request, v []string) {
	err := h.pairs.VerifyAnyType(r.Context(), v[0], nil)
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, object{})
	case errors.Is(err, jwt.ErrRevoked):
		// A validation error in SimpleJWT, not an authentication one.
		writeJSON(w, http.StatusBadRequest, object{{"non_field_errors", []string{"Token is blacklisted"}}})
	default:
		h.tokenError(w, err)
	}
}

// blacklist ends the session of a refresh token: a logout. Revoke ends
// it for a token that a rotation replaced too, and then returns
// ErrRevoked, answered as SimpleJWT answers a blacklisted token.
func (h *Handler) blacklist(w http.ResponseWriter, r *http.Request, v []string) {
	if err := h.pairs.Revoke(r.Context(), v[0]); err != nil {
		h.tokenError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, object{})
}

// tokenError answers a failed token check with SimpleJWT's message for it,
// or, when err is not about the token (a Store failure) or may be about a
// good token (a key set that cannot answer), as failed does.
func (h *Handler) tokenError(w http.ResponseWriter, err error) {
	msg := jwt.TokenMessage(err)
	if msg == "" || errors.Is(err, jwt.ErrUnavailable) {
		failed(w, err)
		return
	}
	h.unauthorized(w, object{{"detail", msg}, {"code", "token_not_valid"}})
}

// unauthorized answers 401 with the WWW-Authenticate challenge and body.
func (h *Handler) unauthorized(w http.ResponseWriter, body object) {
	w.Header().Set("WWW-Authenticate", h.challenge)
	writeJSON(w, http.StatusUnauthorized, body)
}

// failed answers an error that is not about the request: 503 with
// Retry-After when it is for now (jwt.ErrUnavailable, or the request's
// deadline passed), 500 otherwise.
func failed(w http.ResponseWriter, err error) {
	if errors.Is(err, jwt.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		w.Header().Set("Retry-After", strconv.FormatInt(retryAfter(err), 10))
		writeJSON(w, http.StatusServiceUnavailable, object{{"detail", "Service temporarily unavailable, try again later."}})
		return
	}
	serverError(w)
}

// throttled answers a login refused for too many attempts, as Django REST
// framework's throttling does.
func throttled(w http.ResponseWriter, seconds int64) {
	w.Header().Set("Retry-After", strconv.FormatInt(seconds, 10))
	unit := " seconds."
	if seconds == 1 {
		unit = " second."
	}
	writeJSON(w, http.StatusTooManyRequests, object{{"detail", "Request was throttled. Expected available in " + strconv.FormatInt(seconds, 10) + unit}})
}

func serverError(w http.ResponseWriter) {
	writeJSON(w, http.StatusInternalServerError, object{{"detail", "A server error occurred."}})
}
