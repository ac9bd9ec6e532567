package simplejwt_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/simplejwt"
)

// exampleAccounts is an Authenticator with one user. A real one looks
// the user up in a database and compares password hashes, hashing the
// given password even when the user does not exist.
type exampleAccounts struct{}

func (exampleAccounts) Authenticate(_ context.Context, username, password string) (string, map[string]any, error) {
	if username != "admin" || password != "admin@123" {
		return "", nil, jwt.ErrNoActiveAccount
	}
	return "1", nil, nil
}

// Active is the account check of the pair manager: it refuses the
// refresh tokens of accounts that are gone or deactivated.
func (exampleAccounts) Active(_ context.Context, subject string) error {
	if subject != "1" {
		return jwt.ErrNoActiveAccount
	}
	return nil
}

func ExampleNewHandler() {
	key, err := jwt.NewHMAC(jwt.HS256, []byte("an example secret of 32 bytes..."))
	if err != nil {
		panic(err)
	}
	accounts := exampleAccounts{}
	pairs, err := jwt.NewPairs(jwt.PairConfig{
		Signer:       key,
		SubjectClaim: "user_id",
		Active:       accounts.Active,
	})
	if err != nil {
		panic(err)
	}
	tokens, err := simplejwt.NewHandler(simplejwt.Config{Pairs: pairs, Authenticator: accounts})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/token/", tokens)

	for _, body := range []string{
		`{"username": "admin", "password": "wrong"}`,
		`{"username": "admin"}`,
	} {
		r := httptest.NewRequest(http.MethodPost, "/api/token/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 401 {"detail":"No active account found with the given credentials"}
	// 400 {"password":["This field is required."]}
}
