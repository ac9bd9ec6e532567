package jwt_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/jwtpair/jwt"
)

// The secret and the clock are fixed so that the output is the same on
// every run; a real service reads its secret from its configuration and
// leaves Now nil.
var (
	exampleSecret = []byte("an example secret of 32 bytes!!!")
	exampleNow    = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
)

func Example() {
	key, err := jwt.NewHMAC(jwt.HS256, exampleSecret)
	if err != nil {
		panic(err)
	}
	token, err := jwt.Sign(key, jwt.Claims{
		Subject: "42",
		Expiry:  jwt.NewNumericDate(exampleNow.Add(5 * time.Minute)),
	})
	if err != nil {
		panic(err)
	}

	var claims jwt.Claims
	err = jwt.Expect{Now: func() time.Time { return exampleNow }}.Verify(token, key, &claims)
	fmt.Println(err, claims.Subject, claims.Expiry.Time().UTC())
	// Output: <nil> 42 2025-01-02 03:09:05 +0000 UTC
}

func ExampleSign() {
	key, err := jwt.NewHMAC(jwt.HS256, exampleSecret)
	if err != nil {
		panic(err)
	}
	token, err := jwt.Sign(key, jwt.Claims{Issuer: "auth", Subject: "42", Expiry: 1735787045})
	if err != nil {
		panic(err)
	}
	fmt.Println(token)
	// Output: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJhdXRoIiwic3ViIjoiNDIiLCJleHAiOjE3MzU3ODcwNDV9.Mpi0DlB8BSb5Cxhwm8cHlB_Q02g3N4C7Vrn10VItfvA
}

func ExampleVerify() {
	key, err := jwt.NewHMAC(jwt.HS256, exampleSecret)
	if err != nil {
		panic(err)
	}
	// A token that expired in 2025: Verify checks exp against the
	// current time.
	token, err := jwt.Sign(key, jwt.Claims{Subject: "42", Expiry: jwt.NewNumericDate(exampleNow)})
	if err != nil {
		panic(err)
	}
	var claims jwt.Claims
	err = jwt.Verify(token, key, &claims)
	fmt.Println(errors.Is(err, jwt.ErrExpired), claims.Subject == "")
	// Output: true true
}

func ExampleExpect_Verify() {
	key, err := jwt.NewHMAC(jwt.HS256, exampleSecret)
	if err != nil {
		panic(err)
	}
	token, err := jwt.Sign(key, jwt.Claims{
		Issuer:   "auth",
		Audience: jwt.Audience{"api", "admin"},
		Expiry:   jwt.NewNumericDate(exampleNow),
	})
	if err != nil {
		panic(err)
	}

	// Ten seconds after exp: refused without leeway, accepted with 30s.
	later := func() time.Time { return exampleNow.Add(10 * time.Second) }
	strict := jwt.Expect{Issuer: "auth", Audience: jwt.Audience{"api"}, Now: later}
	fmt.Println(strict.Verify(token, key, nil))
	lenient := jwt.Expect{Issuer: "auth", Audience: jwt.Audience{"api"}, Leeway: 30 * time.Second, Now: later}
	fmt.Println(lenient.Verify(token, key, nil))
	otherAudience := jwt.Expect{Issuer: "auth", Audience: jwt.Audience{"web"}, Leeway: 30 * time.Second, Now: later}
	fmt.Println(otherAudience.Verify(token, key, nil))
	// Output:
	// jwt: token is expired
	// <nil>
	// jwt: unexpected audience
}

func ExampleDecodeUnverified() {
	// The example token of RFC 7519 §3.1. Nothing here is verified: use
	// this to show a token to a person, never to decide anything.
	const token = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9" +
		".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ" +
		".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	u, err := jwt.DecodeUnverified(token)
	if err != nil {
		panic(err)
	}
	fmt.Println(u.Header.Algorithm, u.Header.Type)
	fmt.Printf("%q\n", u.Payload)
	// Output:
	// HS256 JWT
	// "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}"
}
