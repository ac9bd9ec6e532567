// Command basic is the smallest complete use of the package: make a key,
// sign a token, verify it and print its claims. It uses the jwt package's
// exported API and the standard library only.
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jwtpair/jwt"
)

// claims are the registered claims and one of our own.
type claims struct {
	jwt.Claims
	Role string `json:"role"`
}

func main() {
	if err := run(os.Stdout, time.Now); err != nil {
		fmt.Fprintln(os.Stderr, "basic:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, now func() time.Time) error {
	// A real secret is 32 random bytes kept out of the source.
	key, err := jwt.NewHMAC(jwt.HS256, []byte("an example secret of 32 bytes..."))
	if err != nil {
		return err
	}
	issued := now()
	tok, err := jwt.Sign(key, claims{
		Claims: jwt.Claims{
			Subject:  "42",
			IssuedAt: jwt.NewNumericDate(issued),
			Expiry:   jwt.NewNumericDate(issued.Add(5 * time.Minute)),
		},
		Role: "admin",
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "token:", tok)

	var c claims
	if err := (jwt.Expect{Now: now}).Verify(tok, key, &c); err != nil {
		return err
	}
	fmt.Fprintf(out, "subject %s, role %s, expires %s\n", c.Subject, c.Role, c.Expiry.Time().UTC().Format(time.RFC3339))
	return nil
}
