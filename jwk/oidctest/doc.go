// Package oidctest holds the end-to-end tests of package jwk against an
// OpenID provider this project did not write: the example server of
// github.com/zitadel/oidc, started by the tests on 127.0.0.1. It is a
// module of its own, so that the jwt module keeps no dependency outside
// the standard library; it has no API.
//
// The tests get genuine access tokens from the provider's token endpoint
// (the client credentials grant, with JWT access tokens) signed with
// RS256, PS256, ES256 and EdDSA, and verify them through discovery and
// through jwt.NewMiddleware with a jwk.Issuers; they check that
// tampered, expired, other-audience, other-issuer and forged tokens are
// refused, that a key rotation at the provider is picked up without a
// restart, and that a service started while the provider is down comes
// up once the provider does.
package oidctest
