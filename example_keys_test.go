package jwt_test

import (
	"fmt"
	"time"

	"github.com/jwtpair/jwt"
)

// The Ed25519 key of RFC 8037 Appendix A.1 as a PKCS #8 PEM.
const exampleEd25519PEM = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g
-----END PRIVATE KEY-----
`

func ExampleParsePrivateKeyPEM() {
	priv, err := jwt.ParsePrivateKeyPEM([]byte(exampleEd25519PEM))
	if err != nil {
		panic(err)
	}
	key, err := jwt.NewSigner(jwt.EdDSA, priv)
	if err != nil {
		panic(err)
	}
	// Ed25519 signatures are deterministic: the same key and claims give
	// the same token.
	token, err := jwt.Sign(key, jwt.Claims{Subject: "42", Expiry: 1735790645}) // an hour after the example clock
	if err != nil {
		panic(err)
	}
	fmt.Println(token)

	err = jwt.Expect{Now: func() time.Time { return exampleNow }}.Verify(token, key.(jwt.Keys), nil)
	fmt.Println(err)
	// Output:
	// eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsImV4cCI6MTczNTc5MDY0NX0.NbTu2iFu5VTBtAuNR09ecMYPRg3OQcqEkM5O4_sTF7uOMyVoAMkiooX1a26_Ki_PbdufEHu2Ovh8_e6OX2F-Cg
	// <nil>
}
