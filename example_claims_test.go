package jwt_test

import (
	"fmt"
	"time"

	"github.com/jwtpair/jwt"
)

// AppClaims are the claims of an application: the registered ones,
// embedded by value, and its own.
type AppClaims struct {
	jwt.Claims
	Role  string   `json:"role"`
	Teams []string `json:"teams,omitempty"`
}

// A struct embedding Claims carries custom claims; Verify checks the
// registered ones and fills the rest.
func Example_customClaims() {
	key, err := jwt.NewHMAC(jwt.HS256, exampleSecret)
	if err != nil {
		panic(err)
	}
	token, err := jwt.Sign(key, AppClaims{
		Claims: jwt.Claims{Subject: "42", Expiry: jwt.NewNumericDate(exampleNow.Add(time.Hour))},
		Role:   "admin",
		Teams:  []string{"billing", "ops"},
	})
	if err != nil {
		panic(err)
	}

	var got AppClaims
	if err := (jwt.Expect{Now: func() time.Time { return exampleNow }}).Verify(token, key, &got); err != nil {
		panic(err)
	}
	fmt.Println(got.Subject, got.Role, got.Teams)
	// Output: 42 admin [billing ops]
}
