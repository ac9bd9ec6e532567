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
	// AllowMissingTokenType lets through a token that has no token type
	// claim at all; a token whose claim holds anything but "access" is
	// still refused. By default (false) such a token is refused. Set it
	// only when the issuer signs nothing but access tokens with these
	// keys, as an OpenID provider may; then consider Expect.Type "at+jwt"
	// (RFC 9068).
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
// wrapping ErrConfig when Keys is nil or Expect cannot be applied.
func NewAccessTokens(cfg AccessConfig) (*AccessTokens, error) {
	if cfg.Keys == nil {
		return nil, fmt.Errorf("%w: Keys is required", ErrConfig)
	}
	if err := cfg.Expect.valid(); err != nil {
		return nil, err
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
