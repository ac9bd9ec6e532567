package jwk

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/base64url"
	"github.com/jwtpair/jwt/internal/strictjson"
)

// IssuerConfig is one issuer whose access tokens an [Issuers] accepts,
// with the policy they are checked with.
type IssuerConfig struct {
	// Issuer is the issuer identifier: what the iss of its tokens must
	// equal exactly and, when JWKSURL is empty, the URL its keys are
	// discovered from, as [NewDiscoveredSet] does. Required.
	Issuer string
	// JWKSURL, when not empty, is the URL of the issuer's JWK Set, fetched
	// as [NewRemoteSet] does, without discovery; Issuer may then be any
	// string, such as "accounts.google.com". Empty means discovery.
	JWKSURL string
	// Audience lists the audiences this service answers to for this
	// issuer: the token's aud must name at least one of them. Required:
	// an identity provider signs tokens for every application it serves,
	// and a service that took any audience would take the tokens meant
	// for another (and ID tokens, whose aud is a client's ID).
	Audience jwt.Audience
	// RFC9068 verifies the issuer's tokens as the JWT access tokens of
	// RFC 9068: the header's typ must be "at+jwt", as Keycloak, Auth0 and
	// Okta can be set to issue. See jwt.AccessConfig.RFC9068. False (the
	// default): AllowMissingTokenType decides.
	RFC9068 bool
	// AllowMissingTokenType takes tokens without a token type claim, for
	// an issuer whose access tokens carry neither the typ of RFC 9068 nor
	// a token_type claim, such as Entra ID. Audience then keeps out its
	// other tokens. See jwt.AccessConfig.AllowMissingTokenType. When both
	// this and RFC9068 are false, the token_type claim must be "access",
	// as in the tokens of a [jwt.Pairs].
	AllowMissingTokenType bool
	// Expect is the rest of the policy: leeway, clock skew, subject, typ,
	// the longest token, the clock. Its Issuer and Audience must be
	// empty: the fields above set them. Its zero value requires exp and
	// checks it with no leeway, and takes a token whose nbf or iat is up
	// to jwt.DefaultClockSkew (30 seconds) ahead of this host's clock, so
	// that a token fresh from a provider whose clock runs a little ahead
	// is not refused; set Expect.ClockSkew to change that, or
	// Expect.NoClockSkew to check nbf and iat with Leeway alone.
	Expect jwt.Expect
}

// IssuersConfig configures an [Issuers]. NewIssuers copies it, so
// changing it afterwards has no effect.
type IssuersConfig struct {
	// Issuers lists the issuers whose tokens are accepted. At least one
	// is required, and no two may have the same Issuer.
	Issuers []IssuerConfig
	// RemoteSet configures the key set of each issuer. The errors that
	// its OnFetchError and OnSkippedKey get name the issuer. Its zero
	// value is ready to use.
	RemoteSet RemoteSetConfig
}

// Issuers verifies the access tokens of one or more identity providers,
// each with its own keys and policy: a [jwt.AccessVerifier] to give to
// [jwt.NewMiddleware]. Make one with [NewIssuers].
//
// A token's iss, read from its payload before anything is verified,
// chooses among the configured issuers, and only among them: a token
// whose iss is not one of them, or that has none, is refused with
// [jwt.ErrIssuer] without further checks (there are no keys to check its
// signature with). The chosen issuer's keys and policy then verify the
// token as [jwt.AccessTokens] does, and its policy requires iss to equal
// that issuer, so that a token cannot choose one issuer's policy and be
// verified by another's keys: a token that names issuer A is checked
// with A's keys alone.
//
// An Issuers is safe for concurrent use. Close stops the goroutines of
// its key sets.
type Issuers struct {
	byIssuer  map[string]*issuerEntry
	order     []*issuerEntry
	maxLength int
}

// issuerEntry is one issuer: the Keys of its access verifier, which are
// its key set once made.
type issuerEntry struct {
	name   string
	keys   *RemoteSet
	access *jwt.AccessTokens
}

func (e *issuerEntry) VerifierFor(ctx context.Context, h jwt.Header) (jwt.Verifier, error) {
	return e.keys.VerifierFor(ctx, h)
}

// NewIssuers returns the verifier of the issuers of cfg, with a
// [RemoteSet] for each, made as [NewDiscoveredSet] or, for an issuer with
// a JWKSURL, [NewRemoteSet] makes it, all at once. Unless
// cfg.RemoteSet.StartUnready is set, it returns only once every set has
// been fetched, and fails, leaving nothing running, when one cannot be:
// the error names the issuer and wraps [ErrKeySetFetch].
//
// A configuration that cannot work is refused with [jwt.ErrConfig]
// before anything is fetched: no issuer, an empty or repeated Issuer, an
// empty Audience, an Expect with an Issuer or an Audience or that
// [jwt.NewAccessTokens] refuses. An Issuer that discovery cannot use, or
// a JWKSURL that NewRemoteSet would refuse, is refused with
// [ErrKeySetURL].
//
// ctx is the life of the key sets, as for NewRemoteSet.
func NewIssuers(ctx context.Context, cfg IssuersConfig) (*Issuers, error) {
	if len(cfg.Issuers) == 0 {
		return nil, fmt.Errorf("%w: no issuer", jwt.ErrConfig)
	}
	if err := cfg.RemoteSet.check(); err != nil {
		return nil, err
	}
	s := &Issuers{byIssuer: make(map[string]*issuerEntry, len(cfg.Issuers))}
	for _, ic := range cfg.Issuers {
		e, err := newIssuerEntry(ic, cfg.RemoteSet.InsecureAllowHTTP)
		if err != nil {
			return nil, err
		}
		if _, dup := s.byIssuer[ic.Issuer]; dup {
			return nil, fmt.Errorf("%w: issuer %q configured twice", jwt.ErrConfig, ic.Issuer)
		}
		s.byIssuer[ic.Issuer] = e
		s.order = append(s.order, e)
		s.maxLength = max(s.maxLength, ic.Expect.MaxLength, jwt.DefaultMaxLength)
	}
	errs := make([]error, len(cfg.Issuers))
	var wg sync.WaitGroup
	for i, ic := range cfg.Issuers {
		e := s.order[i]
		rc := cfg.RemoteSet
		if f := cfg.RemoteSet.OnFetchError; f != nil {
			rc.OnFetchError = func(err error) { f(fmt.Errorf("issuer %q: %w", e.name, err)) }
		}
		if f := cfg.RemoteSet.OnSkippedKey; f != nil {
			rc.OnSkippedKey = func(kid string, err error) { f(kid, fmt.Errorf("issuer %q: %w", e.name, err)) }
		}
		wg.Go(func() {
			var err error
			if ic.JWKSURL != "" {
				e.keys, err = NewRemoteSet(ctx, ic.JWKSURL, rc)
			} else {
				e.keys, err = NewDiscoveredSet(ctx, ic.Issuer, rc)
			}
			if err != nil {
				errs[i] = fmt.Errorf("issuer %q: %w", ic.Issuer, err)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			s.Close()
			return nil, err
		}
	}
	return s, nil
}

// newIssuerEntry checks one issuer's configuration and makes its access
// verifier, whose keys are set once fetched.
func newIssuerEntry(ic IssuerConfig, allowHTTP bool) (*issuerEntry, error) {
	switch {
	case ic.Issuer == "":
		return nil, fmt.Errorf("%w: an issuer has no Issuer", jwt.ErrConfig)
	case len(ic.Audience) == 0:
		return nil, fmt.Errorf("%w: issuer %q has no Audience", jwt.ErrConfig, ic.Issuer)
	case ic.Expect.Issuer != "" || len(ic.Expect.Audience) > 0:
		return nil, fmt.Errorf("%w: issuer %q: Expect.Issuer and Expect.Audience are set by Issuer and Audience", jwt.ErrConfig, ic.Issuer)
	}
	var err error
	if ic.JWKSURL != "" {
		err = checkKeySetURL(ic.JWKSURL, allowHTTP)
	} else {
		err = checkIssuerURL(ic.Issuer, allowHTTP)
	}
	if err != nil {
		return nil, fmt.Errorf("issuer %q: %w", ic.Issuer, err)
	}
	e := &issuerEntry{name: ic.Issuer}
	expect := ic.Expect
	expect.Issuer = ic.Issuer
	expect.Audience = append(jwt.Audience(nil), ic.Audience...)
	e.access, err = jwt.NewAccessTokens(jwt.AccessConfig{
		Keys:                  e,
		Expect:                expect,
		RFC9068:               ic.RFC9068,
		AllowMissingTokenType: ic.AllowMissingTokenType,
	})
	if err != nil {
		return nil, fmt.Errorf("issuer %q: %w", ic.Issuer, err)
	}
	return e, nil
}

// VerifyAccess checks token as an access token of the configured issuer
// its iss names, with that issuer's keys and policy, and only if it
// passes sets dst to exactly its claims, as [jwt.AccessTokens.VerifyAccess]
// does. Before the checks of that method it refuses a token that is not
// three base64url parts whose second is one strict JSON object
// ([jwt.ErrMalformed]), one longer than the largest Expect.MaxLength
// ([jwt.ErrTooLarge]), and one whose iss is absent or not one of the
// configured issuers ([jwt.ErrIssuer]). dst must be nil or a non-nil
// pointer ([jwt.ErrDestination]); on any error it is left zero.
func (s *Issuers) VerifyAccess(ctx context.Context, token string, dst any) error {
	if err := zero(dst); err != nil {
		return err
	}
	iss, err := tokenIssuer(token, s.maxLength)
	if err != nil {
		return err
	}
	e, ok := s.byIssuer[iss]
	if !ok {
		return fmt.Errorf("%w: not one of the issuers configured", jwt.ErrIssuer)
	}
	return e.access.VerifyAccess(ctx, token, dst)
}

// zero sets what dst points to to its zero value, and refuses a dst that
// is neither nil nor a non-nil pointer.
func zero(dst any) error {
	if dst == nil {
		return nil
	}
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return fmt.Errorf("%w, not %T", jwt.ErrDestination, dst)
	}
	rv.Elem().SetZero()
	return nil
}

// tokenIssuer returns the iss of token, read from its payload without
// any check of its signature: only to choose the issuer whose keys and
// policy then check it.
func tokenIssuer(token string, maxLength int) (string, error) {
	if len(token) > maxLength {
		return "", jwt.ErrTooLarge
	}
	h, rest, _ := strings.Cut(token, ".")
	p, sig, _ := strings.Cut(rest, ".")
	if h == "" || p == "" || sig == "" || strings.Contains(sig, ".") {
		return "", fmt.Errorf("%w: not three non-empty parts", jwt.ErrMalformed)
	}
	if !base64url.Valid(p) {
		return "", fmt.Errorf("%w: not base64url", jwt.ErrMalformed)
	}
	payload, err := base64.RawURLEncoding.Strict().DecodeString(p)
	if err != nil {
		return "", fmt.Errorf("%w: payload is not base64url", jwt.ErrMalformed)
	}
	var m map[string]json.RawMessage
	if !strictjson.Check(payload, nil) || json.Unmarshal(payload, &m) != nil {
		return "", fmt.Errorf("%w: payload is not a strict JSON object", jwt.ErrMalformed)
	}
	raw, ok := m["iss"]
	if !ok {
		return "", fmt.Errorf("%w: token has no iss", jwt.ErrIssuer)
	}
	var iss string
	if json.Unmarshal(raw, &iss) != nil {
		return "", fmt.Errorf("%w: iss is not a string", jwt.ErrMalformed)
	}
	return iss, nil
}

// Ready returns nil once the key set of every issuer is ready, as
// [RemoteSet.Ready] says, and otherwise the error of the first that is
// not, naming its issuer.
func (s *Issuers) Ready(ctx context.Context) error {
	for _, e := range s.order {
		if err := e.keys.Ready(ctx); err != nil {
			return fmt.Errorf("issuer %q: %w", e.name, err)
		}
	}
	return nil
}

// Close closes the key set of every issuer, as [RemoteSet.Close] does.
// It always returns nil.
func (s *Issuers) Close() error {
	for _, e := range s.order {
		if e.keys != nil {
			e.keys.Close()
		}
	}
	return nil
}
