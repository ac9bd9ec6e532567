package jwt_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/jwtpair/jwt"
)

func ExampleMiddleware() {
	key, err := jwt.NewHMAC(jwt.HS256, []byte("an example secret of 32 bytes..."))
	if err != nil {
		panic(err)
	}
	pairs, err := jwt.NewPairs(jwt.PairConfig{Signer: key, SubjectClaim: "user_id", Expect: jwt.Expect{Now: exampleClock}})
	if err != nil {
		panic(err)
	}
	type userClaims struct {
		jwt.Claims
		UserID string `json:"user_id"`
	}
	mw, err := jwt.NewMiddleware(jwt.MiddlewareConfig{
		Verifier:  pairs,
		NewClaims: func() any { return new(userClaims) },
	})
	if err != nil {
		panic(err)
	}
	hello := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := jwt.ClaimsFrom[*userClaims](r.Context()) // no type assertion
		fmt.Fprintf(w, "hello, user %s", c.UserID)
	}))

	pair, err := pairs.Issue(context.Background(), "1", nil)
	if err != nil {
		panic(err)
	}
	for _, auth := range []string{"Bearer " + pair.Access, "Bearer " + pair.Refresh, ""} {
		r := httptest.NewRequest(http.MethodGet, "/hello/", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		hello.ServeHTTP(w, r)
		fmt.Println(w.Code, w.Body.String())
	}
	// Output:
	// 200 hello, user 1
	// 401 {"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token has wrong type"}]}
	// 401 {"detail":"Authentication credentials were not provided."}
}
