// Package simplejwt serves the token routes of [Django REST framework
// SimpleJWT] over the pair manager of package jwt, so that a front end or
// any other client written for a SimpleJWT back end works unchanged against
// a Go service:
//
//	POST /api/token/            username, password → {"refresh": …, "access": …}
//	POST /api/token/refresh/    refresh → {"access": …} (and "refresh" with rotation)
//	POST /api/token/verify/     token → {}
//	POST /api/token/blacklist/  refresh → {} (logout)
//
// The request bodies (JSON, form-encoded or multipart), the status codes,
// the JSON bodies and the WWW-Authenticate header are those of SimpleJWT
// 5.5.1 on Django REST framework's defaults, messages included, since
// clients match on them.
//
// The package is an HTTP front end and nothing more. It depends on net/http
// and on the exported API of [jwt.Pairs], which makes, checks and revokes
// the tokens: the login route calls [jwt.Pairs.Issue], the refresh route
// [jwt.Pairs.Refresh], the verify route [jwt.Pairs.VerifyAnyType] and the
// blacklist route [jwt.Pairs.Revoke]. User accounts stay with the
// application, which supplies them as an [Authenticator]. Authenticated
// views, which SimpleJWT serves with its JWTAuthentication class, are the
// job of [jwt.Middleware].
//
// # Wiring
//
// A service makes a [jwt.Pairs] whose payloads match SimpleJWT's
// (SubjectClaim "user_id"), with its Active field set to the account
// check, and mounts a [Handler] at "/api/token/":
//
//	pairs, err := jwt.NewPairs(jwt.PairConfig{
//		Signer:       key,
//		SubjectClaim: "user_id",       // SimpleJWT's USER_ID_CLAIM
//		Active:       accounts.Active, // SimpleJWT's CHECK_USER_IS_ACTIVE
//	})
//	if err != nil {
//		return err
//	}
//	tokens, err := simplejwt.NewHandler(simplejwt.Config{Pairs: pairs, Authenticator: accounts})
//	if err != nil {
//		return err
//	}
//	mux.Handle("/api/token/", tokens)
//
// Here accounts is the application's: its Authenticate method checks a
// username and password, and its Active method returns nil for the id of
// an active account and an error wrapping [jwt.ErrNoActiveAccount]
// otherwise, an empty id included.
//
// # Limiting logins
//
// A password check is slow on purpose, and guessing must be too. An
// Authenticator that limits logins refuses one for now with an error
// wrapping [ErrThrottled] (too many failures for the username or from
// the address: 429) or [jwt.ErrUnavailable] (too many checks at once: 503),
// and tells the client when to come back with [RetryAfter]:
//
//	if failures(username) >= 10 {
//		return "", nil, simplejwt.RetryAfter(simplejwt.ErrThrottled, window.Sub(now))
//	}
//
// The answers are Django REST framework's, with Retry-After: {"detail":
// "Request was throttled. Expected available in 42 seconds."} and
// {"detail": "Service temporarily unavailable, try again later."}. The
// second is also the answer when the Store cannot answer for now.
//
// # Deactivated accounts
//
// The Handler asks the Authenticator only at login. A refresh token
// outlives that moment, so SimpleJWT checks the account again on every
// refresh (CHECK_USER_IS_ACTIVE, since 5.4.0; [CVE-2024-22513]). Here that
// check is [jwt.PairConfig.Active], not a method of the Authenticator:
// Pairs.Refresh asks it after every check of the token and before
// consuming it, so a refused account leaves the token as it was, and the
// refresh route answers 401 {"detail": "No active account found for the
// given token."}. Because the check lives in the pair manager, refreshes
// made through the Go API are refused too. Leave Active nil and an account
// deactivated or deleted after login keeps getting new access tokens until
// its refresh token expires.
//
// # Logout and the blacklist
//
// SimpleJWT keeps a blacklist of refresh token ids. Here the pair manager's
// [jwt.Store] keeps one session per login instead, and the routes answer
// as SimpleJWT's do. The blacklist route ends the session of the refresh
// token it is given ([jwt.Pairs.Revoke]). From then on that token, and
// every refresh token rotated from it, counts as blacklisted: 401
// {"detail": "Token is blacklisted", "code": "token_not_valid"} on the
// refresh and blacklist routes, 400 {"non_field_errors": ["Token is
// blacklisted"]} on the verify route. A refresh token that a rotation has
// replaced counts as blacklisted too (on the refresh route once its grace,
// below, has passed); given to the blacklist route, it is answered so and
// still ends its session, so that a logout with an older token also stops
// whoever holds the newer one. The other logins of the user are not
// affected.
//
// By default access tokens are not looked up: as in SimpleJWT, an access
// token stays valid until it expires, after a logout too. Set
// [jwt.PairConfig.RevokeAccess] and check access tokens with the same
// Pairs (a [jwt.Middleware] whose Verifier is the Pairs) to stop them at
// once: a logout then refuses the session's access tokens on
// authenticated views ("Token is blacklisted") and on the verify route,
// at the cost of a Store lookup per request.
//
// The Store must hold the session of every refresh token it is to accept.
// A validly signed refresh token whose session it does not hold, because
// it never recorded it or lost it in a restart, counts as blacklisted on
// the refresh and verify routes, where SimpleJWT, which records only the
// tokens it blacklists, would accept it. The blacklist route still takes
// such a token, as SimpleJWT does: it records the session ended and
// answers 200 {}.
//
// # Rotation
//
// With [jwt.PairConfig.Rotate] the refresh route also answers with a new
// refresh token, which replaces the one presented. SimpleJWT answers the
// replaced token as blacklisted at once. The pair manager by default
// accepts it again for [jwt.PairConfig.ReuseGrace] (10 seconds), and
// answers with the same new refresh token, so that two tabs refreshing at
// once, or a client retrying a refresh whose answer it lost, keep their
// login. Past the grace, presenting the replaced token is reuse: it is
// answered as blacklisted and its whole session ends, the newer tokens
// included. Set [jwt.PairConfig.NoReuseGrace] for SimpleJWT's answer at
// once: then of concurrent refreshes with one token exactly one succeeds.
//
// [Django REST framework SimpleJWT]: https://django-rest-framework-simplejwt.readthedocs.io/
// [CVE-2024-22513]: https://nvd.nist.gov/vuln/detail/CVE-2024-22513
package simplejwt
