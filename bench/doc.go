// Package bench measures github.com/jwtpair/jwt side by side with other Go
// JWT libraries and with two floors written with the standard library: the
// signature primitive alone, and the plain format (encoding/json, base64url
// and the primitive). Every adapter signs and verifies the same claims with
// the same keys; TestAdaptersAgree proves that each accepts the tokens of
// every other, so that none is measured doing less work.
//
// It uses github.com/jwtpair/jwt through its exported API only, as any
// user would, and depends on the libraries it compares:
// github.com/golang-jwt/jwt/v5, github.com/go-jose/go-jose/v4,
// github.com/lestrrat-go/jwx/v3, github.com/cristalhq/jwt/v4 and
// github.com/kataras/jwt. It is a module of its own so that they never
// become dependencies of github.com/jwtpair/jwt. Run it with
//
//	go test -run='^$' -bench=. -count=10 | tee new.txt; benchstat new.txt
package bench
