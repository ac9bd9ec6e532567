// Package jwk moves the keys of the jwt package between services: JSON Web
// Keys and JWK Sets ([RFC 7517]) in and out, their [RFC 7638] thumbprints,
// a [KeyRing] that rotates signing keys, a [Handler] that publishes them
// at /.well-known/jwks.json, a [RemoteSet] that verifies with the keys
// another service publishes, found by URL or by discovery from an
// issuer, and [Issuers], which verifies the access tokens of one or more
// identity providers in front of a [jwt.Middleware].
//
// An issuer signs with a KeyRing, whose tokens carry the kid of the key
// that signed them, and serves the ring's public keys:
//
//	ring, err := jwk.NewKeyRing(signer, jwk.KeyRingConfig{}) // signer: a jwt.EdDSASigner, say
//	…
//	h, err := jwk.NewHandler(ring, jwk.HandlerConfig{})
//	…
//	mux.Handle("GET /.well-known/jwks.json", h)
//	tok, err := jwt.Sign(ring, claims)
//
// Another service verifies those tokens with a RemoteSet of that URL,
// which caches the set, refreshes it in the background and fetches it
// again, at most once a minute, for a kid it does not know:
//
//	keys, err := jwk.NewRemoteSet(ctx, "https://issuer.example/.well-known/jwks.json", jwk.RemoteSetConfig{})
//	…
//	defer keys.Close()
//	err = jwt.Verify(tok, keys, &c)
//
// To rotate, [KeyRing.Add] the next key, let the verifiers' caches catch
// up, then [KeyRing.Promote] it; the old key stays published until the
// tokens it signed have expired.
//
// # Identity providers
//
// A service that takes the access tokens of an OpenID provider (Entra ID,
// Keycloak, Auth0, Okta, Google, …) names the provider's issuer and its
// own audiences, and puts the verifier in front of its handlers:
//
//	issuers, err := jwk.NewIssuers(ctx, jwk.IssuersConfig{Issuers: []jwk.IssuerConfig{{
//		Issuer:   "https://login.example.com/tenant/v2.0",
//		Audience: jwt.Audience{"api://my-api"},
//		RFC9068:  true, // or AllowMissingTokenType, for a provider without "at+jwt"
//	}}})
//	…
//	mw, err := jwt.NewMiddleware(jwt.MiddlewareConfig{Verifier: issuers})
//
// The keys are found through the issuer's metadata (OpenID Connect
// Discovery or RFC 8414), whose issuer must be exactly the one named. A
// provider's set is read leniently: keys this package cannot or should
// not use (an RSA key of 1024 bits, an X448 key, a key for encryption)
// are left out and reported to RemoteSetConfig.OnSkippedKey, and the
// others are used. The zero policy accepts nbf and iat up to 30 seconds
// ahead of this host's clock (jwt.DefaultClockSkew), and checks exp with
// no leeway. A service that may start before its provider can be reached
// sets RemoteSetConfig.StartUnready and asks [Issuers.Ready] from its
// readiness check.
//
// The one thing to get right: a JWK names its algorithm only if its alg
// member does. [Key.Signer] and [Key.Verifier] take the algorithm from the
// caller or from alg, never from a token. [Set.KeySet] leaves out the keys
// without alg; [NewKeys], [RemoteSet] and [Issuers] give such a key the
// algorithms the caller lists or, by default, those its type is published
// for (RS256 for RSA, as OpenID Connect says; the curve's ES algorithm for
// EC; EdDSA and Ed25519 for Ed25519), so that a token's header chooses
// among what a key was made for, never more.
//
// # Dependencies
//
// Package jwk uses the jwt package through its exported API only: the key
// constructors, [jwt.Signer], [jwt.Verifier], [jwt.Keys], [jwt.KeySet],
// [jwt.AccessTokens] and [jwt.AccessVerifier], and the jwt package's
// errors, which its own errors wrap. It checks JSON
// with internal/strictjson, the strict checker the jwt package uses for
// headers and payloads, and the alphabet of base64url members with
// internal/base64url, and it needs net/http for the Handler and the
// RemoteSet. The jwt package does not import jwk.
//
// [RFC 7517]: https://www.rfc-editor.org/rfc/rfc7517
// [RFC 7638]: https://www.rfc-editor.org/rfc/rfc7638
package jwk
