package jwk_test

import (
	"fmt"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
)

func ExampleParseKey() {
	// The Ed25519 private key of RFC 8037, Appendix A.1.
	k, err := jwk.ParseKey([]byte(`{"kty":"OKP","crv":"Ed25519",
		"d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A",
		"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}`))
	if err != nil {
		panic(err)
	}
	s, err := k.Signer(jwt.EdDSA)
	if err != nil {
		panic(err)
	}
	pub, err := k.Public().MarshalJSON()
	if err != nil {
		panic(err)
	}
	tp, err := k.Thumbprint()
	if err != nil {
		panic(err)
	}
	fmt.Println(s.Algorithm())
	fmt.Println(string(pub))
	fmt.Println(tp)
	// Output:
	// EdDSA
	// {"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}
	// kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k
}

func ExampleKey_Thumbprint() {
	// The RSA key of RFC 7638, Section 3.1.
	k, err := jwk.ParseKey([]byte(`{"kty":"RSA","kid":"2011-04-29","alg":"RS256","e":"AQAB",
		"n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"}`))
	if err != nil {
		panic(err)
	}
	tp, err := k.Thumbprint()
	if err != nil {
		panic(err)
	}
	fmt.Println(tp)
	// Output: NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs
}
