package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jwtpair/jwt"
)

// middleware is one way of authenticating a request with an HS256 access
// token: wrap returns the handler that checks the Bearer token and calls
// next with the claims in the request's context, and userID is how next
// reads the user_id claim back from that context.
type middleware struct {
	name   string
	wrap   func(next http.Handler) http.Handler
	userID func(r *http.Request) (int64, bool)
}

type plainKey struct{}

// middlewares are the bare handler's baseline, a floor written with the
// standard library (the plain format, token_type checked, the claims put
// in the context), and this library's Middleware with its default map
// claims and with a struct of the user's.
func middlewares(k keys) []middleware {
	plain := plainAdapter(k)
	s, ks := ourKey(k)
	pairs, err := jwt.NewPairs(jwt.PairConfig{Signer: s, Keys: ks})
	if err != nil {
		panic(err)
	}
	ours := func(newClaims func() any) func(http.Handler) http.Handler {
		m, err := jwt.NewMiddleware(jwt.MiddlewareConfig{Verifier: pairs, NewClaims: newClaims})
		if err != nil {
			panic(err)
		}
		return m.Handler
	}
	return []middleware{{
		name: "bare",
		wrap: func(next http.Handler) http.Handler { return next },
	}, {
		name: "plain",
		wrap: func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				values := r.Header.Values("Authorization")
				if len(values) != 1 {
					http.Error(w, "", http.StatusUnauthorized)
					return
				}
				tok, ok := strings.CutPrefix(values[0], "Bearer ")
				c := new(UserClaims)
				if !ok || plain.verify(tok, c) != nil || c.TokenType != "access" {
					http.Error(w, "", http.StatusUnauthorized)
					return
				}
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), plainKey{}, c)))
			})
		},
		userID: func(r *http.Request) (int64, bool) {
			c, ok := r.Context().Value(plainKey{}).(*UserClaims)
			if !ok {
				return 0, false
			}
			return c.UserID, true
		},
	}, {
		name: "jwtpair",
		wrap: ours(nil),
		userID: func(r *http.Request) (int64, bool) {
			c, ok := jwt.ClaimsFrom[map[string]any](r.Context())
			id, isNum := c["user_id"].(float64)
			return int64(id), ok && isNum
		},
	}, {
		name: "jwtpair-struct",
		wrap: ours(func() any { return new(ourClaims) }),
		userID: func(r *http.Request) (int64, bool) {
			c, ok := jwt.ClaimsFrom[*ourClaims](r.Context())
			if !ok {
				return 0, false
			}
			return c.UserID, true
		},
	}}
}

// handlerFor is the handler each middleware wraps: it reads the user id
// from the context, as an application would, and answers 204.
func handlerFor(m middleware, seen *int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.userID != nil {
			id, ok := m.userID(r)
			if !ok {
				http.Error(w, "", http.StatusInternalServerError)
				return
			}
			*seen = id
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// TestMiddlewaresAgree checks that every middleware lets the sample access
// token through with its user id in the context, and refuses a bad
// signature, an expired token and a refresh token.
func TestMiddlewaresAgree(t *testing.T) {
	k := fixedKeys(t, "HS256")
	plain := plainAdapter(k)
	sign := func(c UserClaims) string {
		tok, err := plain.sign(&c)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	good := sign(sample)
	expired, refresh := sample, sample
	expired.Expiry = 1700000100
	refresh.TokenType = "refresh"
	bad := []byte(good)
	bad[len(bad)-5] ^= 'A' ^ 'B'
	for _, m := range middlewares(k) {
		if m.userID == nil {
			continue
		}
		var seen int64
		h := m.wrap(handlerFor(m, &seen))
		for name, tc := range map[string]struct {
			tok  string
			want int
		}{
			"good":        {good, http.StatusNoContent},
			"bad":         {string(bad), http.StatusUnauthorized},
			"expired":     {sign(expired), http.StatusUnauthorized},
			"refresh":     {sign(refresh), http.StatusUnauthorized},
			"not a token": {"Bearer", http.StatusUnauthorized},
		} {
			seen = 0
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer "+tc.tok)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.want {
				t.Errorf("%s, %s token: status %d, want %d", m.name, name, w.Code, tc.want)
			}
			if tc.want == http.StatusNoContent && seen != sample.UserID {
				t.Errorf("%s: the handler saw user %d, want %d", m.name, seen, sample.UserID)
			}
		}
	}
}

// BenchmarkMiddleware sends one request with the sample HS256 access token
// through each middleware to a handler that reads the user id from the
// context; "bare" is the handler alone.
func BenchmarkMiddleware(b *testing.B) {
	k := fixedKeys(b, "HS256")
	tok, err := plainAdapter(k).sign(&sample)
	if err != nil {
		b.Fatal(err)
	}
	for _, m := range middlewares(k) {
		b.Run("HS256/"+m.name, func(b *testing.B) {
			var seen int64
			h := m.wrap(handlerFor(m, &seen))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusNoContent {
					b.Fatal(w.Code)
				}
			}
		})
	}
}
