package jwt

import (
	"context"
	"errors"
	"fmt"

	"github.com/jwtpair/jwt/internal/codec"
)

// AccessVerifier checks access tokens: it is what a [Middleware] asks of
// each request's token. [*Pairs] is one, for the tokens it issues;
// [*AccessTokens] is one for tokens that another service issues.
type AccessVerifier interface {
	// VerifyAccess checks token as an access token and, only if it
	// passes, sets dst to exactly its claims, as Verify does.
	VerifyAccess(ctx context.Context, token string, dst any) error
}

// AccessConfig configures an [AccessTokens]. NewAccessTokens copies it, so
// changing it afterwards has no effect. Only Keys is required.
type AccessConfig struct {
	// Keys verifies the tokens, such as a KeySet built from the issuer's
	// JWK Set. Required.
	Keys Keys
	// Expect is the policy the tokens are verified with. Its zero value
	// requires exp and checks the time claims with no leeway.
	Expect Expect
	// TokenTypeClaim names the claim that must hold "access", so that a
	// refresh token is never taken for an access token. Empty means
	// "token_type".
	TokenTypeClaim string
	// RFC9068 verifies the tokens as the JWT access tokens of RFC 9068,
	// which identity providers issue (Keycloak, Auth0, Okta, Entra ID with
	// the profile turned on): the header's typ must be "at+jwt" (or
	// "application/at+jwt"), and no token type claim is required, but one
	// that says anything but "access" is still refused, so that the
	// refresh token of a pair manager is never taken for an access token.
	// RFC 9068 §4 has the resource server check iss and aud: Expect.Issuer
	// and Expect.Audience must then be set, and Expect.Type be empty or
	// "at+jwt". False (the default): the token type claim of a pair
	// manager decides, as TokenTypeClaim and AllowMissingTokenType say.
	RFC9068 bool
	// AllowMissingTokenType lets through a token that has no token type
	// claim at all; a token whose claim holds anything but "access" is
	// still refused. By default (false) such a token is refused. Set it
	// only for an issuer that signs nothing but access tokens with these
	// keys and does not mark them with the typ of RFC 9068 (then use
	// RFC9068), and set Expect.Audience, so that the issuer's other
	// tokens, such as ID tokens, are refused by their audience.
	AllowMissingTokenType bool
	// Store, when set, is the Store of the issuer's pair manager, asked
	// whether the token's session is live, so that a logout, a revocation
	// or a detected refresh token reuse also stops the access tokens of
	// the session at once rather than when they expire. A token without a
	// session id is then refused, since it could never be revoked. Nil
	// means no lookup: an access token is valid until it expires, as in
	// SimpleJWT.
	Store Store
	// SessionClaim names the claim that holds the session id, read when
	// Store is set. Empty means "sid".
	SessionClaim string
}

// AccessTokens verifies access tokens that another service issued, such
// as the [Pairs] of an authentication service or an OpenID provider: a
// resource service that only verifies. It is an [AccessVerifier], and is
// safe for concurrent use if its Keys and Store are.
type AccessTokens struct {
	keys       Keys
	expect     Expect
	names      [2]string // the token type and session claims
	allowNoTyp bool
	store      Store
}

// NewAccessTokens returns the verifier configured by cfg, or an error
// wrapping ErrConfig when Keys is nil, when Expect cannot be applied, or
// when RFC9068 is set without Expect.Issuer and Expect.Audience or with
// another Expect.Type.
func NewAccessTokens(cfg AccessConfig) (*AccessTokens, error) {
	if cfg.Keys == nil {
		return nil, fmt.Errorf("%w: Keys is required", ErrConfig)
	}
	if err := cfg.Expect.valid(); err != nil {
		return nil, err
	}
	if cfg.RFC9068 {
		switch {
		case cfg.Expect.Issuer == "" || len(cfg.Expect.Audience) == 0:
			return nil, fmt.Errorf("%w: RFC9068 needs Expect.Issuer and Expect.Audience", ErrConfig)
		case cfg.Expect.Type != "" && !codec.EqualFoldASCII(shortMediaType(cfg.Expect.Type), "at+jwt"):
			return nil, fmt.Errorf("%w: RFC9068 with an Expect.Type other than at+jwt", ErrConfig)
		}
		cfg.Expect.Type = "at+jwt"
		cfg.AllowMissingTokenType = true
	}
	return &AccessTokens{
		keys:       cfg.Keys,
		expect:     cfg.Expect,
		names:      [...]string{accessTyp: orDefault(cfg.TokenTypeClaim, "token_type"), accessSID: orDefault(cfg.SessionClaim, "sid")},
		allowNoTyp: cfg.AllowMissingTokenType,
		store:      cfg.Store,
	}, nil
}

// VerifyAccess checks token with the keys and the policy of a and decodes
// its claims into dst. After the checks of [Expect.Verify] it checks, in
// order: the token type claim (ErrMissingTokenType, ErrWrongTokenType);
// when a Store is set, the session id (ErrMissingID) and whether the
// session was revoked (ErrRevoked, or the Store's own error).
func (a *AccessTokens) VerifyAccess(ctx context.Context, token string, dst any) error {
	if err := reset(dst); err != nil {
		return err
	}
	err := a.verify(ctx, token, dst)
	if err != nil {
		reset(dst)
	}
	return err
}

// The indexes of the claims AccessTokens reads in a token.
const (
	accessTyp = iota
	accessSID
)

func (a *AccessTokens) verify(ctx context.Context, token string, dst any) error {
	capture := codec.Captured{Names: a.names[:]}
	var c Claims
	if _, err := a.expect.decode(ctx, token, a.keys, dst, &c, &capture); err != nil {
		return err
	}
	_, found := capture.Get(accessTyp)
	switch typ, ok := stringClaim(&capture, accessTyp, false); {
	case !found && !a.allowNoTyp:
		return ErrMissingTokenType
	case found && (!ok || typ != typeAccess):
		return ErrWrongTokenType
	}
	sid, ok := stringClaim(&capture, accessSID, false)
	if !ok {
		return fmt.Errorf("%w: session claim is not a string", ErrMalformed)
	}
	if a.store == nil {
		return nil
	}
	return sessionLive(ctx, a.store, sid)
}

// sessionLive asks store whether the session sid is live: held and not
// ended.
func sessionLive(ctx context.Context, store Store, sid string) error {
	if sid == "" {
		return fmt.Errorf("%w: no session id", ErrMissingID)
	}
	s, err := store.Session(ctx, sid)
	switch {
	case errors.Is(err, ErrNoSession):
		return ErrRevoked
	case err != nil:
		return err
	case s.Ended:
		return ErrRevoked
	}
	return nil
}
