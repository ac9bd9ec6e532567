package jwt

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jwtpair/jwt/internal/codec"
)

// Default lifetimes of the tokens a [Pairs] issues, as in SimpleJWT.
const (
	DefaultAccessTTL  = 5 * time.Minute
	DefaultRefreshTTL = 24 * time.Hour
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

	// Store records used and revoked refresh tokens and revoked sessions.
	// Nil means a new MemoryStore that uses Expect.Now, which suits one
	// process;
	// services with several instances need a shared Store.
	Store Store
	// Rotate makes every refresh return a new refresh token too, and
	// consume the presented one atomically: it can be used once. False
	// (the default, as in SimpleJWT): a refresh token can be used until it
	// expires or is revoked.
	Rotate bool
	// RevokeAccess makes VerifyAccess ask the Store whether the token's
	// session has been revoked, so that a logout of the session, a session
	// revocation or a detected refresh token reuse stops its access tokens
	// at once rather than when they expire; it costs a Store lookup per
	// access token. False (the default, as in SimpleJWT): an access token
	// is valid until it expires.
	RevokeAccess bool
	// ReuseGrace is how long after its first use a rotated refresh token
	// may be presented again and get the same result as the first use, so
	// that a client whose response was lost can retry. Past it, a reuse
	// revokes the session. Zero means no grace: any second use revokes the
	// session. Only used with Rotate. While the grace lasts, the Store
	// holds the tokens of the first result until the presented token
	// expires; with zero grace it holds only the time of use.
	ReuseGrace time.Duration

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
	issuer, audience                         string
	now                                      func() time.Time
	rotate                                   bool
	active                                   func(ctx context.Context, subject string) error
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
		grace:        cfg.ReuseGrace,
		issuer:       cfg.Expect.Issuer,
		audience:     cfg.Expect.Audience,
		now:          cfg.Expect.Now,
		rotate:       cfg.Rotate,
		active:       cfg.Active,
		revokeAccess: cfg.RevokeAccess,
		subClaim:     orDefault(cfg.SubjectClaim, "sub"),
		typClaim:     orDefault(cfg.TokenTypeClaim, "token_type"),
		idClaim:      orDefault(cfg.IDClaim, "jti"),
		sidClaim:     orDefault(cfg.SessionClaim, "sid"),
	}
	if p.now == nil {
		p.now = time.Now
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
// Issue reads nothing from the Store and writes nothing to it.
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
	claims[p.subClaim] = subject
	claims[p.sidClaim] = newID()
	claims[AuthTimeClaim] = now.Unix()
	if p.issuer != "" {
		claims["iss"] = p.issuer
	}
	if p.audience != "" {
		claims["aud"] = p.audience
	}
	return p.issue(claims, now, now, true)
}

// issue signs the tokens of a pair from claims, which it changes: a
// refresh token when withRefresh is set, then an access token. authTime is
// the login time of the session, which bounds both expiries when a session
// lifetime is set.
func (p *Pairs) issue(claims map[string]any, now, authTime time.Time, withRefresh bool) (Pair, error) {
	var pair Pair
	var err error
	if withRefresh {
		pair.Refresh, err = p.sign(claims, typeRefresh, p.capped(now.Add(p.refreshTTL), authTime), now)
		if err != nil {
			return Pair{}, err
		}
	}
	pair.Access, err = p.sign(claims, typeAccess, p.capped(now.Add(p.accessTTL), authTime), now)
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

func (p *Pairs) sign(claims map[string]any, typ string, exp, now time.Time) (string, error) {
	claims[p.typClaim] = typ
	claims["exp"] = exp.Unix()
	claims["iat"] = now.Unix()
	claims[p.idClaim] = newID()
	tok, err := Sign(p.signer, claims)
	if maxLen := orDefault(p.expect.MaxLength, DefaultMaxLength); err == nil && len(tok) > maxLen {
		return "", fmt.Errorf("%w: the %s token would be %d bytes, more than the %d a token may have", ErrTooLarge, typ, len(tok), maxLen)
	}
	return tok, err
}

// Refresh returns a new access token for a valid refresh token. With
// rotation it also returns a new refresh token with the same claims (the
// same session), a new id, iat now and exp RefreshTTL from now but never
// past the end of the session, and consumes the presented token atomically:
// of concurrent refreshes with one token, one succeeds.
//
// The checks run in this order, and the first failure is returned: the
// signature and the time, issuer and audience claims (the errors of
// [Expect.Verify]); the Store, for the token and its session (ErrRevoked,
// or the Store's own error: a Store that fails never lets a token
// through); exp present (ErrMissingExpiry); id present (ErrMissingID); type
// (ErrMissingTokenType, ErrWrongTokenType); the session lifetime
// (ErrSessionExpired).
//
// With rotation, a consumed token presented again is reuse: Refresh revokes
// its session, so that the refresh tokens issued from it stop working, and
// returns an error wrapping both ErrReused and ErrRevoked. Within
// ReuseGrace of the first use it instead returns the result of that first
// use, unless the session has been revoked since. A token revoked with
// Revoke (a logout) is refused with ErrRevoked alone and its session left
// as it is: presenting it again is a client's mistake more likely than a
// theft, since a thief gains nothing from a token its owner gave up.
func (p *Pairs) Refresh(ctx context.Context, refresh string) (Pair, error) {
	return p.refresh(ctx, refresh, p.active)
}

// refresh is Refresh with a check of the subject, run after every check of
// the token and before the token is consumed, so that a refusal there
// leaves the token usable.
func (p *Pairs) refresh(ctx context.Context, token string, check func(ctx context.Context, subject string) error) (Pair, error) {
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
	if c.id != "" {
		revoked, err := p.store.Revoked(ctx, c.id, c.sid)
		if err != nil {
			return Pair{}, err
		}
		if revoked {
			if !p.rotate || p.checkShape(c, typeRefresh) != nil {
				return Pair{}, ErrRevoked
			}
			// Consumed, or revoked, or of a revoked session: which one
			// decides between a grace retry, reuse and a plain refusal.
			prior, first, err := p.store.Consume(ctx, c.id, p.marker(now), p.until(c))
			if err != nil {
				return Pair{}, err
			}
			if first {
				return Pair{}, ErrRevoked // only its session was revoked
			}
			return p.reused(ctx, c, prior, now)
		}
	}
	if err := p.checkShape(c, typeRefresh); err != nil {
		return Pair{}, err
	}
	authTime, err := p.authTime(c, now)
	if err != nil {
		return Pair{}, err
	}
	if check != nil {
		if err := check(ctx, c.sub); err != nil {
			return Pair{}, err
		}
	}
	raw := c.rawClaims()
	claims := make(map[string]any, len(raw))
	for k, v := range raw {
		claims[k] = v
	}
	pair, err := p.issue(claims, now, authTime, p.rotate)
	if err != nil {
		return Pair{}, err
	}
	if !p.rotate {
		return pair, nil
	}
	value := p.marker(now)
	if p.grace > 0 {
		value = encodeGrace(now, pair)
	}
	prior, first, err := p.store.Consume(ctx, c.id, value, p.until(c))
	if err != nil {
		return Pair{}, err
	}
	if !first {
		return p.reused(ctx, c, prior, now)
	}
	return pair, nil
}

// reused decides what a second use of a refresh token gets: prior is what
// the Store holds for it.
func (p *Pairs) reused(ctx context.Context, c *pairClaims, prior []byte, now time.Time) (Pair, error) {
	if len(prior) == 0 {
		return Pair{}, ErrRevoked // revoked by Revoke: a logout
	}
	if p.grace > 0 {
		if usedAt, pair, ok := decodeGrace(prior); ok && now.Before(usedAt.Add(p.grace)) {
			if c.sid != "" {
				revoked, err := p.store.Revoked(ctx, "", c.sid)
				if err != nil {
					return Pair{}, err
				}
				if revoked {
					return Pair{}, ErrRevoked
				}
			}
			return pair, nil
		}
	}
	if c.sid != "" {
		if err := p.store.RevokeSession(ctx, c.sid, p.sessionUntil(now)); err != nil {
			return Pair{}, err
		}
	}
	return Pair{}, errReuse
}

var errReuse = fmt.Errorf("%w: %w", ErrReused, ErrRevoked)

// marker is the value a consumed token keeps when no result is kept for
// a grace window: the time of use, and no token.
func (p *Pairs) marker(now time.Time) []byte {
	return strconv.AppendInt([]byte("used:"), now.UnixNano(), 10)
}

// graceRecord is the value a consumed token keeps during a grace window.
type graceRecord struct {
	UsedAt  int64  `json:"t"`
	Access  string `json:"a"`
	Refresh string `json:"r"`
}

func encodeGrace(now time.Time, pair Pair) []byte {
	b, _ := json.Marshal(graceRecord{UsedAt: now.UnixNano(), Access: pair.Access, Refresh: pair.Refresh}) // strings and an int always encode
	return b
}

func decodeGrace(b []byte) (time.Time, Pair, bool) {
	if !bytes.HasPrefix(b, []byte("{")) {
		return time.Time{}, Pair{}, false
	}
	var r graceRecord
	if err := json.Unmarshal(b, &r); err != nil || r.Access == "" || r.Refresh == "" {
		return time.Time{}, Pair{}, false
	}
	return time.Unix(0, r.UsedAt), Pair{Access: r.Access, Refresh: r.Refresh}, true
}

// until is how long the Store must remember a refresh token: until it
// expires, leeway included.
func (p *Pairs) until(c *pairClaims) time.Time {
	return c.Expiry.Time().Add(p.expect.Leeway)
}

// sessionUntil is how long a session revoked now must stay revoked: until
// the last refresh token of the session that can exist now has expired.
// Every such token was issued at most Leeway in the future (a later iat
// fails verification) and lives at most RefreshTTL, or less when a session
// lifetime caps it; it is then refused for Leeway more.
func (p *Pairs) sessionUntil(now time.Time) time.Time {
	life := p.refreshTTL
	if p.sessionTTL > 0 {
		life = min(life, p.sessionTTL)
	}
	return now.Add(life + 2*p.expect.Leeway)
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
		err = sessionLive(ctx, p.store, c.sid)
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
// (ErrMissingID); then the Store: a token revoked or consumed, or of a
// revoked session, is refused with ErrRevoked, and a Store error is
// returned.
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
		var revoked bool
		revoked, err = p.store.Revoked(ctx, c.id, c.sid)
		if err == nil && revoked {
			err = ErrRevoked
		}
	}
	if err != nil {
		reset(dst)
		return err
	}
	return nil
}

// Revoke revokes a refresh token until it expires: a logout. Only a valid
// refresh token can be revoked, checked as Refresh checks it: a token
// already revoked or consumed is refused with ErrRevoked, an access token
// with ErrWrongTokenType. The token's session and the access tokens issued
// with it are left as they are.
func (p *Pairs) Revoke(ctx context.Context, refresh string) error {
	c := new(pairClaims)
	if err := p.parse(ctx, refresh, c, nil); err != nil {
		return err
	}
	if c.id != "" {
		revoked, err := p.store.Revoked(ctx, c.id, c.sid)
		if err != nil {
			return err
		}
		if revoked {
			return ErrRevoked
		}
	}
	if err := p.checkShape(c, typeRefresh); err != nil {
		return err
	}
	return p.store.Revoke(ctx, c.id, p.until(c))
}

// RevokeSession revokes the session sid (the sid claim of its tokens): no
// refresh token of it can be used any more. It stays revoked until every
// refresh token of the session that may exist has expired. Access tokens
// of the session stay valid until they expire.
func (p *Pairs) RevokeSession(ctx context.Context, sid string) error {
	if sid == "" {
		return ErrMissingID
	}
	return p.store.RevokeSession(ctx, sid, p.sessionUntil(p.now()))
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
