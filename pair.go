package jwt

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jwtpair/jwt/internal/codec"
)

// Default lifetimes of the tokens a [Pairs] issues, as in SimpleJWT, and
// the default grace of a rotated refresh token.
const (
	DefaultAccessTTL  = 5 * time.Minute
	DefaultRefreshTTL = 24 * time.Hour
	DefaultReuseGrace = 10 * time.Second
)

// AuthTimeClaim is the claim that carries the time of the login (the first
// iat of a session) in every token of a pair, named as in OpenID Connect
// Core §2 and RFC 9068 §2.2.1. [PairConfig.SessionTTL] is counted from it.
const AuthTimeClaim = "auth_time"

// PairConfig configures a [Pairs]. NewPairs copies it, so changing it
// afterwards has no effect. Only Signer is required.
type PairConfig struct {
	// Signer signs every token. Required.
	Signer Signer
	// Keys verifies the tokens presented back. Nil means the Signer, which
	// must then also be Keys, as every key type of this package is.
	Keys Keys

	// AccessTTL is the lifetime of an access token. Zero means
	// DefaultAccessTTL (5 minutes).
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of a refresh token. Zero means
	// DefaultRefreshTTL (24 hours).
	RefreshTTL time.Duration
	// SessionTTL is the absolute lifetime of a login, counted from the
	// AuthTimeClaim of its first pair: no token of the session, rotated
	// or not, expires after it, and once it has passed every refresh is
	// refused with ErrSessionExpired. Zero means no absolute limit.
	SessionTTL time.Duration

	// Expect is the policy the tokens presented back are verified with, as
	// [Expect.Verify] applies it: its Issuer and Audience, when set, are
	// also written as iss and aud into every token; its Leeway, Now and
	// MaxLength apply as there, and Now is the clock of the whole manager.
	// Its Subject and Type must be empty, and AllowMissingExpiry false:
	// the manager checks exp itself, after the Store. The zero value
	// writes and checks no iss or aud, allows no leeway and uses time.Now.
	Expect Expect

	// Store keeps the sessions: which logins are live and which refresh
	// token is the current one of each.
	// Nil means a new MemoryStore that uses Expect.Now, which suits one
	// process; services with several instances need a shared Store.
	Store Store
	// Rotate makes every refresh return a new refresh token too, and
	// replace the presented one atomically in the Store: it can be used
	// once, but for ReuseGrace. False (the default, as in SimpleJWT): a
	// refresh token can be used until it expires or its session ends.
	Rotate bool
	// RevokeAccess makes VerifyAccess ask the Store whether the token's
	// session has been revoked, so that a logout of the session, a session
	// revocation or a detected refresh token reuse stops its access tokens
	// at once rather than when they expire; it costs a Store lookup per
	// access token. False (the default, as in SimpleJWT): an access token
	// is valid until it expires.
	RevokeAccess bool
	// ReuseGrace is how long after a rotation the refresh token it
	// replaced may be presented again and get the same session back, so
	// that two tabs refreshing at once, and a client retrying after a
	// lost response, are not taken for a thief. The second refresh gets
	// a new access token and the refresh token the first one got (the
	// same jti and times, signed anew); past the grace, presenting a
	// replaced refresh token is reuse and ends the session (RFC 9700
	// §4.14). A Store call retried by its client after a lost reply is
	// recognised as the same call whatever the grace. Zero means
	// DefaultReuseGrace (10 seconds); NoReuseGrace turns it off. Only
	// used with Rotate.
	ReuseGrace time.Duration
	// NoReuseGrace turns the grace off: any second presentation of a
	// rotated refresh token ends its session, and of concurrent refreshes
	// with one token exactly one succeeds.
	NoReuseGrace bool

	// OnEvent, when set, is told what operators want to know: a refresh
	// token reused (a theft, most likely) and the session it ended,
	// sessions ended by a logout or a revocation, and a Store that failed.
	// It is called synchronously; it must not block. Nil means no events.
	// SlogEvents makes one that logs with log/slog.
	OnEvent func(ctx context.Context, e Event)

	// Active, when set, is asked before every refresh whether the subject
	// of the refresh token still belongs to an account that may get
	// tokens. It runs after every check of the token and before the token
	// is consumed; an error refuses the refresh and leaves the token as it
	// was (return one wrapping ErrNoActiveAccount for an account that is
	// gone or deactivated). Nil means every subject may refresh until its
	// tokens expire or are revoked. Django REST framework SimpleJWT makes
	// this check (CHECK_USER_IS_ACTIVE) since CVE-2024-22513.
	Active func(ctx context.Context, subject string) error

	// SubjectClaim names the claim that holds the subject, written as a
	// JSON string and read from a string or a number. Empty means "sub";
	// "user_id" gives the payloads of SimpleJWT.
	SubjectClaim string
	// TokenTypeClaim names the claim that holds "access" or "refresh".
	// Empty means "token_type".
	TokenTypeClaim string
	// IDClaim names the claim that holds a token's random id. Empty means
	// "jti".
	IDClaim string
	// SessionClaim names the claim that holds the id shared by the tokens
	// of one login. Empty means "sid".
	SessionClaim string
}

// Pairs issues, refreshes, verifies and revokes access/refresh token
// pairs, as Django REST framework SimpleJWT does, and adds what it lacks:
// atomic single use of rotated refresh tokens, reuse detection that revokes
// the whole session (RFC 9700 §4.14), an optional grace window for retries,
// session revocation and an absolute session lifetime.
//
// Every token carries jti (128 random bits as 32 lowercase hex digits), iat,
// exp, token_type ("access" or "refresh"), the subject, the session id sid
// shared by the tokens of one login, and auth_time, the time of that login.
// An access token copies its refresh token's claims but for token_type,
// exp, jti and iat.
//
// A Pairs is safe for concurrent use if its Store is.
type Pairs struct {
	signer Signer
	keys   Keys
	store  Store
	expect Expect

	accessTTL, refreshTTL, sessionTTL, grace time.Duration
	issuer                                   string
	audience                                 Audience
	now                                      func() time.Time
	rotate                                   bool
	active                                   func(ctx context.Context, subject string) error
	onEvent                                  func(ctx context.Context, e Event)
	revokeAccess                             bool

	subClaim, typClaim, idClaim, sidClaim string
	// capNames are the configured claims in the order of capID and the
	// others, for the fast decoder to keep.
	capNames [5]string
}

// Pair is an access token and a refresh token. Pairs.Refresh without
// rotation leaves Refresh empty.
type Pair struct {
	Access  string `json:"access"`
	Refresh string `json:"refresh,omitempty"`
}

// The values of the token type claim.
const (
	typeAccess  = "access"
	typeRefresh = "refresh"
)

// NewPairs returns a pair manager configured by cfg. It returns an error
// wrapping ErrConfig when Signer is nil, when Keys is nil and Signer is not
// Keys, when a duration is negative, or when two claim names coincide or
// name a claim the manager writes for another purpose.
func NewPairs(cfg PairConfig) (*Pairs, error) {
	if cfg.Signer == nil {
		return nil, fmt.Errorf("%w: Signer is required", ErrConfig)
	}
	keys := cfg.Keys
	if keys == nil {
		k, ok := cfg.Signer.(Keys)
		if !ok {
			return nil, fmt.Errorf("%w: Keys is required when the Signer is not Keys", ErrConfig)
		}
		keys = k
	}
	if cfg.AccessTTL < 0 || cfg.RefreshTTL < 0 || cfg.SessionTTL < 0 || cfg.ReuseGrace < 0 {
		return nil, fmt.Errorf("%w: negative duration", ErrConfig)
	}
	if err := cfg.Expect.valid(); err != nil {
		return nil, err
	}
	if cfg.Expect.Subject != "" || cfg.Expect.Type != "" || cfg.Expect.AllowMissingExpiry {
		return nil, fmt.Errorf("%w: Expect.Subject, Expect.Type and Expect.AllowMissingExpiry cannot be set for a Pairs", ErrConfig)
	}
	p := &Pairs{
		signer:       cfg.Signer,
		keys:         keys,
		store:        cfg.Store,
		accessTTL:    orDefault(cfg.AccessTTL, DefaultAccessTTL),
		refreshTTL:   orDefault(cfg.RefreshTTL, DefaultRefreshTTL),
		sessionTTL:   cfg.SessionTTL,
		grace:        orDefault(cfg.ReuseGrace, DefaultReuseGrace),
		issuer:       cfg.Expect.Issuer,
		audience:     cfg.Expect.Audience,
		now:          cfg.Expect.Now,
		rotate:       cfg.Rotate,
		active:       cfg.Active,
		revokeAccess: cfg.RevokeAccess,
		onEvent:      cfg.OnEvent,
		subClaim:     orDefault(cfg.SubjectClaim, "sub"),
		typClaim:     orDefault(cfg.TokenTypeClaim, "token_type"),
		idClaim:      orDefault(cfg.IDClaim, "jti"),
		sidClaim:     orDefault(cfg.SessionClaim, "sid"),
	}
	if p.now == nil {
		p.now = time.Now
	}
	if cfg.NoReuseGrace {
		if cfg.ReuseGrace != 0 {
			return nil, fmt.Errorf("%w: ReuseGrace with NoReuseGrace", ErrConfig)
		}
		p.grace = 0
	}
	p.capNames = [...]string{capID: p.idClaim, capSID: p.sidClaim, capSub: p.subClaim, capTyp: p.typClaim, capAuthTime: AuthTimeClaim}
	if p.store == nil {
		p.store = &MemoryStore{Now: cfg.Expect.Now}
	}
	p.expect = cfg.Expect
	p.expect.AllowMissingExpiry = true // checked after the blacklist, as SimpleJWT orders it
	// The configurable names must differ from each other and from the
	// claims written with fixed names; sub may hold the subject and jti
	// the id.
	registered := map[string]bool{"iss": true, "sub": true, "aud": true, "exp": true, "nbf": true, "iat": true, "jti": true, AuthTimeClaim: true}
	used := make(map[string]bool, 4)
	for _, c := range []struct{ name, own string }{
		{p.typClaim, ""}, {p.idClaim, "jti"}, {p.sidClaim, ""}, {p.subClaim, "sub"},
	} {
		if used[c.name] || registered[c.name] && c.name != c.own {
			return nil, fmt.Errorf("%w: claim name %q cannot be used there", ErrConfig, c.name)
		}
		used[c.name] = true
	}
	return p, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// newID returns 128 random bits as 32 lowercase hex digits, the form of
// SimpleJWT's jti.
func newID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails, as crypto/rand documents
	return hex.EncodeToString(b[:])
}

// reserved reports whether an extra claim may not be called name.
func (p *Pairs) reserved(name string) bool {
	switch name {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti", AuthTimeClaim,
		p.subClaim, p.typClaim, p.idClaim, p.sidClaim:
		return true
	}
	return false
}

// Issue returns a new pair for subject, starting a new session: the tokens
// share a new session id, and the login time is now. extra holds claims
// to add to both tokens; their names must not be registered claim names
// or names the manager writes itself (ErrReservedClaim), and their values
// must encode as JSON. An empty subject is refused with ErrMissingSubject.
// Issue records the session in the Store; when the Store fails, no pair is
// issued.
func (p *Pairs) Issue(ctx context.Context, subject string, extra map[string]any) (Pair, error) {
	if subject == "" {
		return Pair{}, ErrMissingSubject
	}
	claims := make(map[string]any, len(extra)+10)
	for k, v := range extra {
		if p.reserved(k) {
			return Pair{}, fmt.Errorf("%w: %q", ErrReservedClaim, k)
		}
		claims[k] = v
	}
	now := p.now()
	sid, jti := newID(), newID()
	claims[p.subClaim] = subject
	claims[p.sidClaim] = sid
	claims[AuthTimeClaim] = now.Unix()
	if p.issuer != "" {
		claims["iss"] = p.issuer
	}
	if len(p.audience) > 0 {
		claims["aud"] = p.audience
	}
	exp := p.capped(now.Add(p.refreshTTL), now)
	pair, err := p.issue(claims, jti, now, exp, now)
	if err != nil {
		return Pair{}, err
	}
	s := Session{ID: sid, Subject: subject, Created: now, Refreshed: now, Expires: p.until(exp), Token: jti}
	if err := p.store.Create(ctx, s); err != nil {
		p.storeFailed(ctx, subject, sid, err)
		return Pair{}, err
	}
	return pair, nil
}

// issue signs the tokens of a pair from claims, which it changes: a
// refresh token with the id jti, issued at iat and expiring at exp, when
// jti is not empty, and an access token issued now. authTime is the login
// time of the session, which bounds the access token's expiry when a
// session lifetime is set.
func (p *Pairs) issue(claims map[string]any, jti string, iat, exp, authTime time.Time) (Pair, error) {
	var pair Pair
	var err error
	now := p.now()
	if jti != "" {
		pair.Refresh, err = p.sign(claims, typeRefresh, jti, exp, iat)
		if err != nil {
			return Pair{}, err
		}
	}
	pair.Access, err = p.sign(claims, typeAccess, newID(), p.capped(now.Add(p.accessTTL), authTime), now)
	if err != nil {
		return Pair{}, err
	}
	return pair, nil
}

// capped returns exp, moved back to the end of the session when a session
// lifetime is set and exp falls after it.
func (p *Pairs) capped(exp, authTime time.Time) time.Time {
	if p.sessionTTL > 0 {
		if end := authTime.Add(p.sessionTTL); exp.After(end) {
			return end
		}
	}
	return exp
}

func (p *Pairs) sign(claims map[string]any, typ, jti string, exp, iat time.Time) (string, error) {
	claims[p.typClaim] = typ
	claims["exp"] = exp.Unix()
	claims["iat"] = iat.Unix()
	claims[p.idClaim] = jti
	tok, err := Sign(p.signer, claims)
	if maxLen := orDefault(p.expect.MaxLength, DefaultMaxLength); err == nil && len(tok) > maxLen {
		return "", fmt.Errorf("%w: the %s token would be %d bytes, more than the %d a token may have", ErrTooLarge, typ, len(tok), maxLen)
	}
	return tok, err
}

// Refresh returns a new access token for a valid refresh token. With
// rotation it also returns a new refresh token with the same claims (the
// same session), a new id, iat now and exp RefreshTTL from now but never
// past the end of the session, and replaces the presented token in the
// Store atomically: of concurrent refreshes with one token, one rotates.
//
// The checks run in this order, and the first failure is returned: the
// signature and the time, issuer and audience claims (the errors of
// [Expect.Verify]); the session in the Store (ErrRevoked when it has ended
// or the Store does not hold it, or the Store's own error: a Store that
// fails never lets a token through); exp present (ErrMissingExpiry); id
// present (ErrMissingID); type (ErrMissingTokenType, ErrWrongTokenType);
// the session lifetime (ErrSessionExpired); the account (PairConfig.Active).
//
// With rotation, a refresh token presented again after it was replaced is
// reuse: Refresh ends its session, so that every token of the login stops
// working, and returns an error wrapping both ErrReused and ErrRevoked.
// Within ReuseGrace of the rotation it instead returns a new access token
// and the refresh token that rotation issued, so that concurrent refreshes
// and retries of one client do not end its session.
func (p *Pairs) Refresh(ctx context.Context, token string) (Pair, error) {
	c := new(pairClaims)
	now := p.now()
	if err := p.parse(ctx, token, c, nil); err != nil {
		// A refresh token expires with its session at the latest: say
		// which of the two has ended.
		if errors.Is(err, ErrExpired) && p.sessionTTL > 0 && c.authTime != 0 && !now.Before(c.authTime.Time().Add(p.sessionTTL)) {
			return Pair{}, fmt.Errorf("%w: %w", ErrSessionExpired, ErrExpired)
		}
		return Pair{}, err
	}
	if _, err := p.refreshSession(ctx, c); err != nil {
		return Pair{}, err
	}
	if err := p.checkShape(c, typeRefresh); err != nil {
		return Pair{}, err
	}
	if c.sid == "" {
		return Pair{}, fmt.Errorf("%w: no session id", ErrMissingID)
	}
	authTime, err := p.authTime(c, now)
	if err != nil {
		return Pair{}, err
	}
	if p.active != nil {
		if err := p.active(ctx, c.sub); err != nil {
			return Pair{}, err
		}
	}
	next := c.id
	if p.rotate {
		next = newID()
	}
	exp := p.capped(now.Add(p.refreshTTL), authTime)
	s, done, err := p.store.Refresh(ctx, c.sid, c.id, next, newID(), now, p.until(exp))
	switch {
	case errors.Is(err, ErrNoSession):
		return Pair{}, ErrRevoked
	case err != nil:
		p.storeFailed(ctx, c.sub, c.sid, err)
		return Pair{}, err
	case !done:
		return p.replayed(ctx, c, s, next, now, exp, authTime)
	case !p.rotate:
		return p.issue(p.claimsOf(c), "", now, now, authTime)
	}
	// A retried Store call is done too: its session holds what the first
	// run recorded, and the tokens are issued from that.
	return p.issue(p.claimsOf(c), s.Token, s.Refreshed, p.capped(s.Refreshed.Add(p.refreshTTL), authTime), authTime)
}

// claimsOf returns the claims of c, to copy into new tokens.
func (p *Pairs) claimsOf(c *pairClaims) map[string]any {
	raw := c.rawClaims()
	claims := make(map[string]any, len(raw))
	for k, v := range raw {
		claims[k] = v
	}
	return claims
}

// session returns the session of c from the Store: ErrRevoked when it has
// ended or the Store does not hold it. A token without a session id is
// passed over, for the shape checks to refuse.
func (p *Pairs) session(ctx context.Context, c *pairClaims) (Session, error) {
	if c.sid == "" {
		return Session{}, nil
	}
	return p.lookup(ctx, c)
}

// refreshSession is session for a token presented as a refresh token: a
// token of another type is passed over, for the type check to refuse, as
// SimpleJWT consults its blacklist only for refresh tokens.
func (p *Pairs) refreshSession(ctx context.Context, c *pairClaims) (Session, error) {
	if c.hasTyp && c.typ != typeRefresh {
		return Session{}, nil
	}
	return p.session(ctx, c)
}

// lookup asks the Store for the session of c.
func (p *Pairs) lookup(ctx context.Context, c *pairClaims) (Session, error) {
	s, err := p.store.Session(ctx, c.sid)
	switch {
	case errors.Is(err, ErrNoSession):
		return Session{}, ErrRevoked
	case err != nil:
		p.storeFailed(ctx, c.sub, c.sid, err)
		return Session{}, err
	case s.Ended:
		return Session{}, ErrRevoked
	}
	return s, nil
}

// replayed decides what a refresh gets whose token is no longer the
// session's current one: s is the session as the Store holds it, and next
// and exp the id and expiry the refresh would have given.
func (p *Pairs) replayed(ctx context.Context, c *pairClaims, s Session, next string, now, exp, authTime time.Time) (Pair, error) {
	if s.Ended {
		return Pair{}, ErrRevoked
	}
	if p.rotate && c.id == s.Previous && p.grace > 0 && now.Before(s.Refreshed.Add(p.grace)) {
		return p.issue(p.claimsOf(c), s.Token, s.Refreshed, p.capped(s.Refreshed.Add(p.refreshTTL), authTime), authTime)
	}
	// A refresh token issued after the session's last refresh the Store
	// knows of comes from a refresh the Store lost (a crash before its
	// write was persisted): no other way makes one. It is the session's
	// current token.
	if p.rotate && c.id != s.Previous && int64(c.IssuedAt) > s.Refreshed.Unix() {
		s, done, err := p.store.Refresh(ctx, c.sid, s.Token, next, newID(), now, p.until(exp))
		if err == nil && done {
			return p.issue(p.claimsOf(c), s.Token, s.Refreshed, exp, authTime)
		}
		if err != nil && !errors.Is(err, ErrNoSession) {
			p.storeFailed(ctx, c.sub, c.sid, err)
			return Pair{}, err
		}
	}
	if err := p.store.End(ctx, c.sid, time.Time{}); err != nil {
		p.storeFailed(ctx, c.sub, c.sid, err)
		return Pair{}, err
	}
	p.event(ctx, Event{Kind: EventReuse, Subject: c.sub, Session: c.sid})
	return Pair{}, errReuse
}

var errReuse = fmt.Errorf("%w: %w", ErrReused, ErrRevoked)

// until is how long the Store must keep a session whose last refresh
// token expires at exp: until then, leeway included.
func (p *Pairs) until(exp time.Time) time.Time {
	return exp.Add(p.expect.Leeway)
}

// sessionUntil is how long a session ended now that the Store does not
// hold must stay ended: until the last refresh token of it that can exist
// now has expired. Every such token was issued at most the clock skew in
// the future (a later iat fails verification) and lives at most
// RefreshTTL, or less when a session lifetime caps it; it is then refused
// for Leeway more.
func (p *Pairs) sessionUntil(now time.Time) time.Time {
	life := p.refreshTTL
	if p.sessionTTL > 0 {
		life = min(life, p.sessionTTL)
	}
	return now.Add(life + p.expect.skew() + p.expect.Leeway)
}

// authTime returns the login time of the session of c and, when a session
// lifetime is set, checks that it has not passed.
func (p *Pairs) authTime(c *pairClaims, now time.Time) (time.Time, error) {
	if c.authTime == 0 {
		if p.sessionTTL > 0 {
			return time.Time{}, fmt.Errorf("%w: no %s claim", ErrSessionExpired, AuthTimeClaim)
		}
		return now, nil
	}
	t := c.authTime.Time()
	// No leeway here: the end of the session is set by this manager's own
	// clock, not read from another's.
	if p.sessionTTL > 0 && !now.Before(t.Add(p.sessionTTL)) {
		return time.Time{}, ErrSessionExpired
	}
	return t, nil
}

// VerifyAccess checks an access token and decodes its claims into dst, as
// [Expect.Verify] does. It checks, in order: the signature and the time,
// issuer and audience claims; exp present (ErrMissingExpiry); id present
// (ErrMissingID); type (ErrMissingTokenType, and ErrWrongTokenType for a
// refresh token); with RevokeAccess, the session id (ErrMissingID) and
// whether the session was revoked (ErrRevoked, or the Store's error).
// Without RevokeAccess it does not ask the Store: an access token stays
// valid until it expires, after a logout or a session revocation too, as
// in SimpleJWT; keep AccessTTL short.
func (p *Pairs) VerifyAccess(ctx context.Context, token string, dst any) error {
	if err := reset(dst); err != nil {
		return err
	}
	c := new(pairClaims)
	err := p.parse(ctx, token, c, dst)
	if err == nil {
		err = p.checkShape(c, typeAccess)
	}
	if err == nil && p.revokeAccess {
		if c.sid == "" {
			err = fmt.Errorf("%w: no session id", ErrMissingID)
		} else {
			_, err = p.session(ctx, c)
		}
	}
	if err != nil {
		reset(dst)
		return err
	}
	return nil
}

// VerifyAnyType checks a token of EITHER type, access or refresh, as the
// verify route of SimpleJWT does, and decodes its claims into dst. Never
// use it to authorize a request, since it accepts a refresh token: use
// VerifyAccess. It checks, in order: the signature and the time, issuer
// and audience claims; exp present (ErrMissingExpiry); id present
// (ErrMissingID); then the Store: a token of a session that has ended or
// that the Store does not hold, and a refresh token that a rotation has
// replaced, are refused with ErrRevoked, and a Store error is returned.
// An access token is looked up only with RevokeAccess, as VerifyAccess
// does.
func (p *Pairs) VerifyAnyType(ctx context.Context, token string, dst any) error {
	if err := reset(dst); err != nil {
		return err
	}
	c := new(pairClaims)
	err := p.parse(ctx, token, c, dst)
	if err == nil {
		err = p.checkShape(c, "")
	}
	if err == nil {
		err = p.current(ctx, c)
	}
	if err != nil {
		reset(dst)
		return err
	}
	return nil
}

// current checks that the session of c is live and, for a refresh token,
// that c is its current one. An access token is not looked up unless
// RevokeAccess is set: as in SimpleJWT, it stays valid until it expires.
func (p *Pairs) current(ctx context.Context, c *pairClaims) error {
	if c.typ == typeAccess && !p.revokeAccess {
		return nil
	}
	if c.sid == "" {
		return fmt.Errorf("%w: no session id", ErrMissingID)
	}
	s, err := p.session(ctx, c)
	if err != nil {
		return err
	}
	if c.typ == typeRefresh && c.id != s.Token {
		return ErrRevoked
	}
	return nil
}

// Revoke ends the session of a refresh token: a logout. Every token of the
// session is refused from then on: the refresh tokens at once, including
// those a rotation issued (to a thief too), and the access tokens where
// RevokeAccess is set, else when they expire. Only a valid refresh token
// is taken, checked as Refresh checks it: a token whose session has ended
// is refused with ErrRevoked, an access token with ErrWrongTokenType. A
// refresh token that a rotation replaced also ends its session, and is
// then refused with ErrRevoked. A valid refresh token whose session the
// Store does not hold (the Store lost it) ends it all the same, and is
// not refused.
func (p *Pairs) Revoke(ctx context.Context, refresh string) error {
	c := new(pairClaims)
	if err := p.parse(ctx, refresh, c, nil); err != nil {
		return err
	}
	var s Session
	if c.sid != "" && (!c.hasTyp || c.typ == typeRefresh) {
		var err error
		s, err = p.store.Session(ctx, c.sid)
		if err != nil && !errors.Is(err, ErrNoSession) {
			p.storeFailed(ctx, c.sub, c.sid, err)
			return err
		}
		if s.Ended {
			return ErrRevoked
		}
	}
	if err := p.checkShape(c, typeRefresh); err != nil {
		return err
	}
	if c.sid == "" {
		return fmt.Errorf("%w: no session id", ErrMissingID)
	}
	if err := p.store.End(ctx, c.sid, p.until(c.Expiry.Time())); err != nil {
		p.storeFailed(ctx, c.sub, c.sid, err)
		return err
	}
	p.event(ctx, Event{Kind: EventSessionEnded, Subject: c.sub, Session: c.sid})
	if s.Token != "" && c.id != s.Token {
		return ErrRevoked
	}
	return nil
}

// RevokeSession ends the session sid (the sid claim of its tokens), as
// Revoke does for the session of a refresh token.
func (p *Pairs) RevokeSession(ctx context.Context, sid string) error {
	if sid == "" {
		return ErrMissingID
	}
	if err := p.store.End(ctx, sid, p.sessionUntil(p.now())); err != nil {
		p.storeFailed(ctx, "", sid, err)
		return err
	}
	p.event(ctx, Event{Kind: EventSessionEnded, Session: sid})
	return nil
}

// RevokeSubject ends every session of subject: log out everywhere, after a
// password change or when the account was compromised. It returns how
// many sessions it ended. Sessions that the subject starts afterwards are
// not affected.
func (p *Pairs) RevokeSubject(ctx context.Context, subject string) (int, error) {
	if subject == "" {
		return 0, ErrMissingSubject
	}
	n, err := p.store.EndAll(ctx, subject)
	if err != nil {
		p.storeFailed(ctx, subject, "", err)
		return n, err
	}
	p.event(ctx, Event{Kind: EventSubjectEnded, Subject: subject, Count: n})
	return n, nil
}

// Sessions returns the live sessions of subject, oldest first: each with
// its id, login time and last refresh.
func (p *Pairs) Sessions(ctx context.Context, subject string) ([]Session, error) {
	list, err := p.store.List(ctx, subject)
	if err != nil {
		p.storeFailed(ctx, subject, "", err)
	}
	return list, err
}

// storeFailed reports a Store error to OnEvent. The error of a done
// context is the caller's, not the Store's.
func (p *Pairs) storeFailed(ctx context.Context, subject, sid string, err error) {
	if ctx.Err() == nil {
		p.event(ctx, Event{Kind: EventStoreError, Subject: subject, Session: sid, Err: err})
	}
}

func (p *Pairs) event(ctx context.Context, e Event) {
	if p.onEvent != nil {
		p.onEvent(ctx, e)
	}
}

// pairClaims is what Pairs reads of a verified token: its registered
// claims, its payload and the claims whose names are configured.
type pairClaims struct {
	Claims
	payload string
	id, sid string
	sub     string
	// typ is the token type claim read as a string; hasTyp tells whether
	// it was present, typOK whether it was a string.
	typ           string
	hasTyp, typOK bool
	authTime      NumericDate
}

// rawClaims returns every claim of c as raw JSON.
func (c *pairClaims) rawClaims() map[string]json.RawMessage {
	var raw map[string]json.RawMessage
	_ = json.Unmarshal([]byte(c.payload), &raw) // checked: one strict JSON object
	return raw
}

// The indexes of the configured claims in Pairs.capNames.
const (
	capID = iota
	capSID
	capSub
	capTyp
	capAuthTime
)

// parse verifies token with the policy of p, the pipeline of Verify, and
// reads its registered claims and the claims of configured names into c,
// which must be zero, and all its claims into dst, as Verify does. A
// configured claim of the wrong JSON type is ErrMalformed. When the token
// has expired, c still holds its claims, so that a refresh can tell the
// end of a session from the end of a token.
func (p *Pairs) parse(ctx context.Context, token string, c *pairClaims, dst any) error {
	capture := codec.Captured{Names: p.capNames[:]}
	payload, err := p.expect.decode(ctx, token, p.keys, dst, &c.Claims, &capture)
	if errors.Is(err, ErrExpired) {
		p.readCaptured(c, &capture) // for the end of the session
	}
	if err != nil {
		return err
	}
	if d, ok := dst.(registeredClaims); ok {
		if rc := d.registered(); rc != nil {
			c.Claims = *rc // the pipeline set dst's, not c's
		}
	}
	c.payload = payload
	return p.readCaptured(c, &capture)
}

// readCaptured reads the configured claims from what decode kept. A
// configured name that is a registered claim (jti, sub) was read into
// Claims.
func (p *Pairs) readCaptured(c *pairClaims, capture *codec.Captured) error {
	var ok bool
	if c.id, ok = stringClaim(capture, capID, false); !ok {
		return fmt.Errorf("%w: id claim is not a string", ErrMalformed)
	}
	if p.idClaim == "jti" {
		c.id = c.ID
	}
	if c.sid, ok = stringClaim(capture, capSID, false); !ok {
		return fmt.Errorf("%w: session claim is not a string", ErrMalformed)
	}
	if c.sub, ok = stringClaim(capture, capSub, true); !ok {
		return fmt.Errorf("%w: subject claim is not a string or a number", ErrMalformed)
	}
	if p.subClaim == "sub" {
		c.sub = c.Subject
	}
	if raw, found := capture.Get(capAuthTime); found {
		v, ok := parseNumericDate(raw)
		if !ok {
			return errNumericDate
		}
		c.authTime = v
	}
	if _, c.hasTyp = capture.Get(capTyp); c.hasTyp {
		c.typ, c.typOK = stringClaim(capture, capTyp, false)
	}
	return nil
}

// stringClaim reads the member capture kept as Names[i], which must be a
// string, or also a number when number is set, whose text is then taken
// as it is. An absent member is "".
func stringClaim(capture *codec.Captured, i int, number bool) (string, bool) {
	raw, found := capture.Get(i)
	if !found {
		return "", true
	}
	switch c := raw[0]; {
	case c == '"' && !strings.ContainsRune(raw, '\\'):
		return raw[1 : len(raw)-1], true
	case c == '"':
		var s string
		err := json.Unmarshal([]byte(raw), &s)
		return s, err == nil
	case number && (c == '-' || '0' <= c && c <= '9'):
		return raw, true
	}
	return "", false
}

// checkShape checks, in this order, that c has exp, an id and, unless typ
// is empty, the token type typ.
func (p *Pairs) checkShape(c *pairClaims, typ string) error {
	if c.Expiry == 0 {
		return ErrMissingExpiry
	}
	if c.id == "" {
		return ErrMissingID
	}
	if typ == "" {
		return nil
	}
	if !c.hasTyp {
		return ErrMissingTokenType
	}
	if !c.typOK || c.typ != typ {
		return ErrWrongTokenType
	}
	return nil
}
