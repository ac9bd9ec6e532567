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
// [Django REST framework SimpleJWT]: https://django-rest-framework-simplejwt.readthedocs.io/
// [CVE-2024-22513]: https://nvd.nist.gov/vuln/detail/CVE-2024-22513
package simplejwt
