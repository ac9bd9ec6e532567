package jwt

import "errors"

// Errors of the token format. Verify returns them, wrapped with detail where
// there is any; test for them with [errors.Is].
var (
	// ErrMalformed is returned for a token that is not a compact JWS: wrong
	// number of parts, an empty part, characters outside the base64url
	// alphabet, padding, or a header or payload that is not one strict JSON
	// object (invalid UTF-8, duplicate member names, trailing data, members of
	// the wrong JSON type).
	ErrMalformed = errors.New("jwt: malformed token")

	// ErrTooLarge is returned for a token longer than the policy's MaxLength
	// (8 KiB by default). Nothing of such a token is decoded.
	ErrTooLarge = errors.New("jwt: token too large")

	// ErrAlgorithm is returned when the header's alg differs from the
	// algorithm of the key. This includes "none" in every spelling: no key
	// of this package has that algorithm.
	ErrAlgorithm = errors.New("jwt: unexpected algorithm")

	// ErrCritical is returned for a header with a crit member. This package
	// implements no JWS extension, so every critical extension is unknown.
	ErrCritical = errors.New("jwt: unsupported critical header")

	// ErrUnknownKey is returned when a KeySet has no key for the token's kid.
	ErrUnknownKey = errors.New("jwt: no key for token")

	// ErrUnavailable is matched by the errors of Keys or of a Store that
	// cannot answer for now, such as a remote key set whose provider is
	// down: the token may be good. The [Middleware] answers 503 with
	// Retry-After to a token refused so, rather than 401.
	ErrUnavailable = errors.New("jwt: temporarily unavailable")

	// ErrSignature is returned when the signature does not verify. It is
	// returned alone: no claim of such a token has been read.
	ErrSignature = errors.New("jwt: signature is invalid")
)

// Errors of the claims, in the order Verify checks them.
var (
	// ErrExpired is returned when the time is at or after exp plus leeway.
	ErrExpired = errors.New("jwt: token is expired")

	// ErrMissingExpiry is returned when exp is absent and the policy
	// requires it, as it does by default.
	ErrMissingExpiry = errors.New("jwt: token has no expiry")

	// ErrNotYetValid is returned when the time is before nbf minus leeway.
	ErrNotYetValid = errors.New("jwt: token is not valid yet")

	// ErrIssuedInFuture is returned when iat is after the time plus leeway.
	ErrIssuedInFuture = errors.New("jwt: token is issued in the future")

	// ErrIssuer is returned when the policy names an issuer and iss differs.
	ErrIssuer = errors.New("jwt: unexpected issuer")

	// ErrAudience is returned when the policy names an audience that aud does
	// not contain, including when aud is absent.
	ErrAudience = errors.New("jwt: unexpected audience")

	// ErrSubject is returned when the policy names a subject and sub differs.
	ErrSubject = errors.New("jwt: unexpected subject")

	// ErrType is returned when the policy names a header typ and the
	// token's differs.
	ErrType = errors.New("jwt: unexpected token type")
)

// ErrDestination is returned by Verify, and by the methods of [Pairs]
// that decode claims, for a destination that is neither nil nor a non-nil
// pointer: there is nowhere to put the claims. It is a mistake in the
// calling code, found before the token is read.
var ErrDestination = errors.New("jwt: claims destination must be nil or a non-nil pointer")

// Errors of keys, returned by the constructors and by the PEM and JWK
// functions.
var (
	// ErrWeakKey is returned for a key too weak for its algorithm: an HMAC
	// secret shorter than the hash output, an RSA modulus under 2048 bits or
	// an RSA public exponent that is even or below 3.
	ErrWeakKey = errors.New("jwt: key is too weak")

	// ErrKeyMismatch is returned when a key does not fit the algorithm or the
	// use: another family, a curve other than the algorithm's, or a JWK whose
	// alg, use or key_ops forbid what is asked of it.
	ErrKeyMismatch = errors.New("jwt: key does not fit the algorithm")

	// ErrInvalidKey is returned for a key that cannot be used at all: empty,
	// malformed, a point not on its curve, or a PEM or JWK that does not
	// parse.
	ErrInvalidKey = errors.New("jwt: invalid key")

	// ErrUnsupportedAlgorithm is returned by constructors given an algorithm
	// this package does not implement, such as "none".
	ErrUnsupportedAlgorithm = errors.New("jwt: unsupported algorithm")

	// ErrDuplicateKeyID is returned by NewKeySet, and so by a JWK Set's
	// KeySet method, when two keys share a kid (or two have none): a
	// token's kid must name one key, never a choice.
	ErrDuplicateKeyID = errors.New("jwt: duplicate key ID in key set")
)

// Errors of the pair manager ([Pairs]) and of the services built on it.
// The token errors are listed in the order Pairs checks them after the
// signature and the time claims.
var (
	// ErrRevoked is returned for a token that may no longer be used: a
	// refresh token revoked by [Pairs.Revoke] or already used by a rotating
	// refresh, or a token whose session was revoked. SimpleJWT calls such a
	// token blacklisted.
	ErrRevoked = errors.New("jwt: token is revoked")

	// ErrReused is returned, together with ErrRevoked, when a refresh token
	// that a rotating refresh already consumed is presented again after the
	// grace window: the token has probably been stolen, and its whole
	// session has been revoked.
	ErrReused = errors.New("jwt: refresh token was used before")

	// ErrMissingID is returned for a token without the id claim (jti by
	// default). Pairs only accept tokens with an id, since revocation needs
	// one.
	ErrMissingID = errors.New("jwt: token has no id")

	// ErrMissingTokenType is returned for a token without the token type
	// claim (token_type by default) where a type is required.
	ErrMissingTokenType = errors.New("jwt: token has no type")

	// ErrWrongTokenType is returned when the token type claim is not the
	// type required: an access token presented as a refresh token, or a
	// refresh token presented as an access token.
	ErrWrongTokenType = errors.New("jwt: token has the wrong type")

	// ErrSessionExpired is returned by a refresh once the absolute session
	// lifetime (PairConfig.SessionTTL) of the login has passed, or when
	// that lifetime is set and the refresh token does not say when the
	// login happened. Since no token of a session outlives it, the error
	// of a refresh token past the end of its session matches ErrExpired
	// too.
	ErrSessionExpired = errors.New("jwt: session lifetime has ended")

	// ErrMissingSubject is returned by [Pairs.Issue] given an empty subject.
	ErrMissingSubject = errors.New("jwt: token has no subject")

	// ErrReservedClaim is returned by [Pairs.Issue] when an extra claim uses
	// a name the pair manager writes itself, or a registered claim name.
	ErrReservedClaim = errors.New("jwt: extra claim uses a reserved name")

	// ErrNoActiveAccount is what an application's account checks return
	// (PairConfig.Active, or the Authenticator of the simplejwt package)
	// when the credentials match no active account, whatever the reason
	// (unknown user, wrong password, inactive user), and when a subject no
	// longer belongs to an active account.
	ErrNoActiveAccount = errors.New("jwt: no active account")

	// ErrConfig is returned for a configuration that cannot work, such as
	// a missing signer or a negative duration: by the constructors of
	// this package and of its companion packages, and by Verify for an
	// Expect with a negative Leeway or MaxLength.
	ErrConfig = errors.New("jwt: invalid configuration")
)

// Errors of the middleware ([Middleware]): what is wrong with the way a
// request carries its token, found before any token is read.
var (
	// ErrNoCredentials is returned for a request that carries no token: no
	// Authorization header, an empty one or one of another scheme than
	// Bearer, and no token cookie.
	ErrNoCredentials = errors.New("jwt: no credentials")

	// ErrAuthorizationHeader is returned for a request with more than one
	// Authorization header, or whose header names the Bearer scheme but
	// does not hold exactly one token after it.
	ErrAuthorizationHeader = errors.New("jwt: malformed authorization header")
)

// Errors of a [Store]. MemoryStore and the stores in other modules of this
// project return them wrapped; test for them with [errors.Is].
var (
	// ErrNoSession is returned by a Store that does not hold the session
	// asked for: never created, expired, or lost. The pair manager refuses
	// the tokens of such a session with ErrRevoked.
	ErrNoSession = errors.New("jwt: store: no such session")

	// ErrStoreExists is returned by Store.Create for a session id the
	// store already holds: a programmer error, since session ids are 128
	// random bits.
	ErrStoreExists = errors.New("jwt: store: session exists")

	// ErrStoreEmptyID is returned by a Store given an empty session id,
	// token id, nonce or subject where one is required: a programmer
	// error, never a property of a token.
	ErrStoreEmptyID = errors.New("jwt: store: empty id")
)
