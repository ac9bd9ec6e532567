// Package bench measures github.com/jwtpair/jwt side by side with other Go
// JWT libraries and with two floors written with the standard library: the
// signature primitive alone, and the plain format (encoding/json, base64url
// and the primitive). Every adapter signs and verifies the same claims with
// the same keys; TestAdaptersAgree proves that each accepts the tokens of
// every other, so that none is measured doing less work.
//
// It is a module of its own so that the libraries it compares never become
// dependencies of github.com/jwtpair/jwt. Run it with
//
//	go test -run='^$' -bench=. -count=10 | tee new.txt; benchstat new.txt
package bench
