// Package jwt issues and checks JSON Web Tokens: the compact
// header.payload.signature form of [RFC 7515] and [RFC 7519], signed with
// the algorithms of [RFC 7518], [RFC 8037] and [RFC 9864] using the
// standard library alone.
//
// A key is made once, by a constructor that refuses keys too weak or of the
// wrong kind for its algorithm, and it fixes the algorithm: the alg of a
// token's header is compared with the key's and never chooses one. There is
// no "none".
//
//	key, err := jwt.NewHMAC(jwt.HS256, secret) // secret: at least 32 random bytes
//	if err != nil {
//		return err
//	}
//	tok, err := jwt.Sign(key, MyClaims{
//		Claims: jwt.Claims{Subject: "42", Expiry: jwt.NewNumericDate(time.Now().Add(5 * time.Minute))},
//		Role:   "admin",
//	})
//	…
//	var c MyClaims
//	if err := jwt.Verify(tok, key, &c); err != nil {
//		return err // errors.Is(err, jwt.ErrExpired), jwt.ErrSignature, …
//	}
//
// where MyClaims embeds [Claims]:
//
//	type MyClaims struct {
//		jwt.Claims
//		Role string `json:"role"`
//	}
//
// # Verifying
//
// [Verify] checks, in this order: the size of the token, its form, its
// header, its signature and only then its payload. The claims are checked
// with the policy of an [Expect], whose zero value requires exp and checks
// it against the clock with no leeway, and nbf and iat with 30 seconds of
// clock skew; set Issuer, Audience, Subject or Type to require them too.
// The destination is set to exactly the claims the token carries, and a
// token that fails any check leaves it zero: the claims of a token that
// did not verify are never returned.
//
// The one thing to get right: verify with the key you expect, not with a key
// that the token names. The jwk, jku, x5u and x5c header members are never
// used to find a key, and kid only chooses among the keys of a [KeySet] you
// built.
//
// # Keys
//
// [NewHMAC], [NewRSASigner], [NewRSAVerifier], [NewECDSASigner],
// [NewECDSAVerifier], [NewEdDSASigner] and [NewEdDSAVerifier] make keys from
// parsed crypto keys; [ParsePrivateKeyPEM] and [ParsePublicKeyPEM] read PEM,
// and [NewSigner] and [NewVerifier] choose the constructor for a parsed key.
// Signers also verify. A key held elsewhere, in a KMS or an HSM, needs only
// the two methods of [Signer] or [Verifier].
//
// # Keys across services
//
// Package [github.com/jwtpair/jwt/jwk] reads and writes JSON Web Keys and
// JWK Sets and moves keys between services. An issuer signs with a
// jwk.KeyRing, whose tokens carry the kid of the key that signed them, and
// publishes the ring's public keys with a jwk.Handler at
// /.well-known/jwks.json. Another service verifies those tokens with a
// jwk.RemoteSet of that URL, which caches the set, refreshes it in the
// background and fetches it again, at most once a minute, for a kid it
// does not know. Both are [Keys] like any other; this package does not
// import jwk.
//
// # Access tokens, pairs and middleware
//
// [Pairs] issues, refreshes, verifies and revokes access/refresh token
// pairs as Django REST framework SimpleJWT does, with rotation, reuse
// detection and session revocation on a [Store]. A [Middleware]
// authenticates HTTP requests with any [AccessVerifier]: a *Pairs for the
// tokens it issues, or an [AccessTokens] for tokens another service
// issues. Package [github.com/jwtpair/jwt/simplejwt] serves SimpleJWT's
// token routes over a *Pairs.
//
// # How the code is laid out
//
// Dependencies point one way, from the edges to this package:
//
//	cmd/jwt, examples/…, deploy/…       programs
//	  │
//	  ├─ simplejwt    SimpleJWT's HTTP routes, on Pairs' exported API
//	  ├─ jwk          JWK and JWK Sets, KeyRing, Handler, RemoteSet, discovery,
//	  │               Issuers (identity providers' tokens), on this package's exported API
//	  ├─ storetest    the Store conformance suite, which these pass:
//	  │               redisstore and sqlstore (modules of their own: Redis; PostgreSQL, MySQL)
//	  │
//	jwt (this package, standard library only)
//	  jwt.go          Sign, Verify and the one pipeline both Verify and Pairs use
//	  header.go claims.go keyset.go keys.go sign_*.go   the format, the claims, the keys
//	  pair.go store.go event.go access.go middleware.go  pairs, their sessions, access tokens over HTTP
//	  │
//	internal/strictjson  internal/base64url  internal/codec   the strict JSON scanner, base64url, the claims codec
//
// A change to how tokens are checked belongs in jwt.go or claims.go, one to
// how a key signs in its sign_*.go file; speed tricks stay inside one key
// type or internal/, and a differential test holds each to the plain way.
//
// # Errors
//
// Every error wraps one of the sentinels declared in errors.go, such as
// [ErrMalformed], [ErrSignature] or [ErrExpired]; test with [errors.Is].
// No error text holds a key or a token.
//
// [RFC 7515]: https://www.rfc-editor.org/rfc/rfc7515
// [RFC 7518]: https://www.rfc-editor.org/rfc/rfc7518
// [RFC 7519]: https://www.rfc-editor.org/rfc/rfc7519
// [RFC 8037]: https://www.rfc-editor.org/rfc/rfc8037
// [RFC 9864]: https://www.rfc-editor.org/rfc/rfc9864
package jwt
