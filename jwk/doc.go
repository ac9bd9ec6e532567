// Package jwk moves the keys of the jwt package between services: JSON Web
// Keys and JWK Sets ([RFC 7517]) in and out, their [RFC 7638] thumbprints,
// a [KeyRing] that rotates signing keys, a [Handler] that publishes them
// at /.well-known/jwks.json, and a [RemoteSet] that verifies with the keys
// another service publishes.
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
// The one thing to get right: a JWK names its algorithm only if its alg
// member does. [Key.Signer] and [Key.Verifier] take the algorithm from the
// caller or from alg, never from a token, and [Set.KeySet] leaves out the
// keys without alg, so that a token's header never chooses how it is
// checked.
//
// # Dependencies
//
// Package jwk uses the jwt package through its exported API only: the key
// constructors, [jwt.Signer], [jwt.Verifier], [jwt.Keys] and [jwt.KeySet],
// and the jwt package's errors, which its own errors wrap. It checks JSON
// with internal/strictjson, the strict checker the jwt package uses for
// headers and payloads, and the alphabet of base64url members with
// internal/base64url, and it needs net/http for the Handler and the
// RemoteSet. The jwt package does not import jwk.
//
// [RFC 7517]: https://www.rfc-editor.org/rfc/rfc7517
// [RFC 7638]: https://www.rfc-editor.org/rfc/rfc7638
package jwk
