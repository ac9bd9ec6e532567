package jwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/jwtpair/jwt/internal/codec"
	"github.com/jwtpair/jwt/internal/strictjson"
)

// Claims holds the registered claims of RFC 7519 §4.1. Embed it by value in
// a struct of your own to add claims:
//
//	type MyClaims struct {
//		jwt.Claims
//		Role string `json:"role"`
//	}
//
// Verify checks the registered claims of a struct that embeds Claims without
// decoding the payload twice. Members are matched by their exact names:
// a payload with "EXP" or "Exp" is refused rather than read as exp.
type Claims struct {
	Issuer    string      `json:"iss,omitempty"`
	Subject   string      `json:"sub,omitempty"`
	Audience  Audience    `json:"aud,omitempty"`
	Expiry    NumericDate `json:"exp,omitempty"`
	NotBefore NumericDate `json:"nbf,omitempty"`
	IssuedAt  NumericDate `json:"iat,omitempty"`
	ID        string      `json:"jti,omitempty"`
}

// registered gives Verify the registered claims of any struct that embeds
// Claims.
func (c *Claims) registered() *Claims { return c }

// registeredClaims is implemented by every struct embedding Claims.
type registeredClaims interface{ registered() *Claims }

// set sets c to r.
func (c *Claims) set(r *codec.Registered) {
	*c = Claims{
		Issuer:    r.Issuer,
		Subject:   r.Subject,
		Audience:  r.Audience,
		Expiry:    NumericDate(r.Expiry),
		NotBefore: NumericDate(r.NotBefore),
		IssuedAt:  NumericDate(r.IssuedAt),
		ID:        r.ID,
	}
}

// codec returns c as the codec holds registered claims.
func (c *Claims) codec() codec.Registered {
	return codec.Registered{
		Issuer:    c.Issuer,
		Subject:   c.Subject,
		Audience:  c.Audience,
		Expiry:    int64(c.Expiry),
		NotBefore: int64(c.NotBefore),
		IssuedAt:  int64(c.IssuedAt),
		ID:        c.ID,
	}
}

// maxNumericDate is the last second of the year 9999. A NumericDate past it,
// or before 1970, is refused as malformed: no real token needs one, and
// time arithmetic on such values overflows.
const maxNumericDate = codec.MaxDate

// NumericDate is a time as RFC 7519 §2 defines it: seconds since
// 1970-01-01T00:00:00Z, ignoring leap seconds. Zero means absent. A
// fractional value is accepted and truncated to whole seconds; the value
// must lie between 0 and the end of the year 9999.
type NumericDate int64

// NewNumericDate returns t as a NumericDate, truncated to whole seconds.
func NewNumericDate(t time.Time) NumericDate { return NumericDate(t.Unix()) }

// Time returns d as a time.Time, or the zero time.Time when d is zero.
func (d NumericDate) Time() time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Unix(int64(d), 0)
}

// MarshalJSON writes d as a JSON integer.
func (d NumericDate) MarshalJSON() ([]byte, error) {
	if d < 0 || d > maxNumericDate {
		return nil, fmt.Errorf("%w: NumericDate out of range", ErrMalformed)
	}
	return strconv.AppendInt(nil, int64(d), 10), nil
}

// UnmarshalJSON reads a JSON number. A string, null or a number out of range
// is refused with an error wrapping [ErrMalformed].
func (d *NumericDate) UnmarshalJSON(data []byte) error {
	v, ok := parseNumericDate(string(data))
	if !ok {
		return errNumericDate
	}
	*d = v
	return nil
}

var errNumericDate = fmt.Errorf("%w: NumericDate must be a number from 0 to %d", ErrMalformed, maxNumericDate)

func parseNumericDate(data string) (NumericDate, bool) {
	if len(data) == 0 || !(data[0] == '-' || '0' <= data[0] && data[0] <= '9') {
		return 0, false
	}
	if n, err := strconv.ParseInt(data, 10, 64); err == nil {
		return NumericDate(n), 0 <= n && n <= maxNumericDate
	}
	f, err := strconv.ParseFloat(data, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f >= maxNumericDate+1 {
		return 0, false
	}
	return NumericDate(f), true
}

// Audience is the aud claim: the recipients a token is meant for. RFC 7519
// §4.1.3 lets it be one string or an array of strings; both are read, and
// one audience is written as a plain string, many as an array.
type Audience []string

// Contains reports whether a is one of the audiences, compared exactly.
func (a Audience) Contains(aud string) bool {
	for _, v := range a {
		if v == aud {
			return true
		}
	}
	return false
}

// any reports whether a holds one of want.
func (a Audience) any(want Audience) bool {
	for _, w := range want {
		if a.Contains(w) {
			return true
		}
	}
	return false
}

// MarshalJSON writes one audience as a string and several as an array.
func (a Audience) MarshalJSON() ([]byte, error) {
	if len(a) == 1 {
		return json.Marshal(a[0])
	}
	return json.Marshal([]string(a))
}

// UnmarshalJSON reads a string or an array of strings. Anything else,
// null included, is refused with an error wrapping [ErrMalformed].
func (a *Audience) UnmarshalJSON(data []byte) error {
	if s, ok := codec.PlainString(data); ok {
		*a = Audience{s}
		return nil
	}
	if len(data) > 0 && data[0] == '"' {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return fmt.Errorf("%w: aud: %v", ErrMalformed, err)
		}
		*a = Audience{s}
		return nil
	}
	if len(data) == 0 || data[0] != '[' {
		return fmt.Errorf("%w: aud must be a string or an array of strings", ErrMalformed)
	}
	var list []string
	if err := json.Unmarshal(data, &list); err != nil {
		return fmt.Errorf("%w: aud must be a string or an array of strings", ErrMalformed)
	}
	if list == nil {
		list = []string{}
	}
	*a = list
	return nil
}

// Expect is a validation policy: what Verify requires of a token beyond a
// good signature. The zero value is safe: it requires exp, checks exp
// against the current time with no leeway and nbf and iat with the
// default clock skew (a token issued by a host whose clock runs up to 30
// seconds ahead is accepted, never one that has expired), and accepts any
// issuer, audience, subject and typ.
//
// Claims are checked in this order, and the first failure is returned:
// exp (absent: [ErrMissingExpiry], past: [ErrExpired]), nbf
// ([ErrNotYetValid]), iat ([ErrIssuedInFuture]), iss ([ErrIssuer]), aud
// ([ErrAudience]), sub ([ErrSubject]), then the header's typ ([ErrType]).
type Expect struct {
	// Issuer, when not empty, must equal iss exactly.
	Issuer string
	// Audience, when not empty, lists the audiences this service answers
	// to: the token's aud must name at least one of them, compared
	// exactly; a token without aud is then refused.
	Audience Audience
	// Subject, when not empty, must equal sub exactly.
	Subject string
	// Type, when not empty, must equal the header's typ, compared without
	// regard to case as RFC 7515 §4.1.9 says of media types, and with
	// "application/" prepended to a value that has no "/" as it also says:
	// "at+jwt" and "application/at+jwt" are the same type. Empty: typ is
	// not checked.
	Type string

	// Leeway widens every time check to allow for clock skew between the
	// issuer and the verifier: a token is expired once the time is at or
	// after exp + Leeway, and not yet valid before nbf - Leeway. Zero: no
	// leeway. A negative Leeway is refused with [ErrConfig].
	Leeway time.Duration
	// ClockSkew is how far ahead of this host's clock the issuer's may
	// run: a token whose nbf or iat is up to ClockSkew (or Leeway, if
	// larger) in the future is accepted, so that a fresh token from a
	// host whose clock runs a few seconds ahead is not refused. exp is
	// not widened by it. Zero means DefaultClockSkew (30 seconds);
	// NoClockSkew turns it off. A negative ClockSkew is refused with
	// [ErrConfig].
	ClockSkew time.Duration
	// NoClockSkew makes nbf and iat be checked with Leeway alone: a
	// token that is not valid yet by a second is refused.
	NoClockSkew bool
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// AllowMissingExpiry lets a token without exp through. By default
	// (false) exp is required, since a token without it is valid forever.
	AllowMissingExpiry bool
	// MaxLength is the longest token accepted, in bytes. Zero means
	// DefaultMaxLength; a negative MaxLength is refused with [ErrConfig].
	MaxLength int
	// UseNumber decodes the numbers of a map[string]any destination, and
	// of the interface values of any destination, as json.Number rather
	// than float64, as encoding/json's Decoder.UseNumber does, so that an
	// integer beyond 2^53 keeps every digit. False: float64.
	UseNumber bool
}

// DefaultClockSkew is how far in the future nbf and iat may lie unless
// Expect.ClockSkew or Expect.NoClockSkew says otherwise.
const DefaultClockSkew = 30 * time.Second

// DefaultMaxLength is the longest token Verify accepts unless
// Expect.MaxLength says otherwise: 8 KiB, more than any header can carry
// through common proxies.
const DefaultMaxLength = 8 << 10

// valid reports a policy that cannot be applied.
func (e *Expect) valid() error {
	if e.Leeway < 0 || e.MaxLength < 0 || e.ClockSkew < 0 {
		return fmt.Errorf("%w: negative Expect.Leeway, Expect.ClockSkew or Expect.MaxLength", ErrConfig)
	}
	if e.NoClockSkew && e.ClockSkew != 0 {
		return fmt.Errorf("%w: Expect.ClockSkew with Expect.NoClockSkew", ErrConfig)
	}
	return nil
}

// skew is how far in the future nbf and iat may lie.
func (e *Expect) skew() time.Duration {
	if e.NoClockSkew {
		return e.Leeway
	}
	return max(e.Leeway, orDefault(e.ClockSkew, DefaultClockSkew))
}

// check applies the policy to the registered claims c of a token whose
// header typ is typ.
func (e *Expect) check(c *Claims, typ string) error {
	var t time.Time
	if e.Now != nil {
		t = e.Now()
	} else {
		t = time.Now()
	}
	// The times are compared as whole seconds and nanoseconds, exactly as
	// time.Time compares them, without building a time.Time per claim.
	now := instant{t.Unix(), int64(t.Nanosecond())}
	if c.Expiry == 0 {
		if !e.AllowMissingExpiry {
			return ErrMissingExpiry
		}
	} else if !now.before(c.Expiry.plus(e.Leeway)) {
		return ErrExpired
	}
	skew := e.skew()
	if c.NotBefore != 0 && now.before(c.NotBefore.plus(-skew)) {
		return ErrNotYetValid
	}
	if c.IssuedAt != 0 && now.before(c.IssuedAt.plus(-skew)) {
		return ErrIssuedInFuture
	}
	if e.Issuer != "" && c.Issuer != e.Issuer {
		return ErrIssuer
	}
	if len(e.Audience) > 0 && !c.Audience.any(e.Audience) {
		return ErrAudience
	}
	if e.Subject != "" && c.Subject != e.Subject {
		return ErrSubject
	}
	if e.Type != "" && !codec.EqualFoldASCII(shortMediaType(typ), shortMediaType(e.Type)) {
		return ErrType
	}
	return nil
}

// instant is a time as seconds since 1970 and nanoseconds in [0, 1e9).
type instant struct{ sec, nsec int64 }

func (a instant) before(b instant) bool {
	return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec
}

// plus returns d + l. No sum overflows: d is at most maxNumericDate
// seconds and l at most about 292 years.
func (d NumericDate) plus(l time.Duration) instant {
	sec, nsec := int64(d)+int64(l/time.Second), int64(l%time.Second)
	if nsec < 0 {
		sec, nsec = sec-1, nsec+int64(time.Second)
	}
	return instant{sec, nsec}
}

// shortMediaType returns the media type t without an "application/"
// prefix when no other "/" follows it. RFC 7515 §4.1.9 reads a typ
// without a "/" as if "application/" were prepended, so "at+jwt" and
// "application/at+jwt" are one type, and so are their short forms.
func shortMediaType(t string) string {
	const prefix = "application/"
	if len(t) > len(prefix) && codec.EqualFoldASCII(t[:len(prefix)], prefix) && !strings.Contains(t[len(prefix):], "/") {
		return t[len(prefix):]
	}
	return t
}

// The claims codec (internal/codec) decodes the payloads real issuers write
// and encodes claims without reflection, and gives way to the strict JSON
// scanner and encoding/json for anything else: the fast paths never decide
// differently, which FuzzClaimsCodec checks.

// types is what the codec knows of the destinations of Claims.
var types = codec.NewTypes(reflect.TypeFor[Claims]())

// claimNames are the registered claim names.
var claimNames = [...]string{"iss", "sub", "aud", "exp", "nbf", "iat", "jti"}

// readClaims reads payload, which must be one strict JSON object, into dst
// as json.Unmarshal would into the zero value dst holds, and returns the
// registered claims the payload carries: those in dst when it holds them,
// else in c, which it sets. capture, when not nil, keeps the raw JSON of
// the members it names. The usual payloads are read by the codec; any
// other goes to readClaimsPlain.
func readClaims(payload string, dst any, c *Claims, capture *codec.Captured, useNumber bool) (*Claims, error) {
	var reg codec.Registered
	switch d := dst.(type) {
	case nil:
		if codec.Decode(payload, &reg, types.Plain(), capture) {
			c.set(&reg)
			return c, nil
		}
	case *Claims:
		if codec.Decode(payload, &reg, types.Plain(), capture) {
			d.set(&reg)
			return d, nil
		}
	case *map[string]any:
		if codec.Decode(payload, &reg, types.Plain(), capture) {
			c.set(&reg)
			if m, ok := codec.DecodeMap(payload, useNumber); ok {
				*d = m
				return c, nil
			}
			return c, unmarshal([]byte(payload), dst, useNumber)
		}
	default:
		info := types.Info(dst)
		if r, ok := dst.(registeredClaims); ok && info.Split() {
			if capture == nil {
				capture = new(codec.Captured) // on the stack: nothing keeps it
			}
			if codec.Decode(payload, &reg, info, capture) {
				if err := codec.SetRest(dst, info, capture, useNumber); err != nil {
					return nil, claimsError(err)
				}
				rc := r.registered()
				rc.set(&reg)
				return rc, nil
			}
		} else if codec.Decode(payload, &reg, info, capture) {
			c.set(&reg)
			return c, unmarshal([]byte(payload), dst, useNumber)
		}
	}
	return readClaimsPlain([]byte(payload), dst, c, capture, useNumber)
}

// readClaimsPlain is readClaims for any payload: the strict JSON scanner,
// then encoding/json.
func readClaimsPlain(payload []byte, dst any, c *Claims, capture *codec.Captured, useNumber bool) (*Claims, error) {
	var names []string
	if _, ok := dst.(*Claims); !ok && dst != nil {
		names = types.Info(dst).Names()
	}
	folded, hasExp := false, false
	if !strictjson.Check(payload, func(name string) {
		folded = folded || strictjson.FoldsTo(name, claimNames[:]) || strictjson.FoldsTo(name, names)
		hasExp = hasExp || name == "exp"
	}) {
		return nil, fmt.Errorf("%w: payload is not a strict JSON object", ErrMalformed)
	}
	if folded {
		return nil, fmt.Errorf("%w: payload names a claim in the wrong case", ErrMalformed)
	}
	// The registered claims are decoded on their own, so that they are
	// what the token carries whatever dst makes of them: a struct may
	// embed Claims under a name, or shadow one of its fields.
	claims := c
	if d, ok := dst.(*Claims); ok {
		if err := unmarshal(payload, d, false); err != nil {
			return nil, err
		}
		claims = d
	} else {
		// Not into c: what encoding/json is given escapes, and c is
		// the caller's, on the stack.
		tmp := new(Claims)
		if err := unmarshal(payload, tmp, false); err != nil {
			return nil, err
		}
		*c = *tmp
		if dst != nil {
			if err := unmarshal(payload, dst, useNumber); err != nil {
				return nil, err
			}
		}
	}
	if capture != nil && len(capture.Names) > 0 {
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(payload, &raw); err != nil {
			return nil, claimsError(err)
		}
		for _, name := range capture.Names {
			if v, ok := raw[name]; ok {
				capture.Keep(name, string(v))
			}
		}
	}
	// A NumericDate of zero reads as absent, but "exp":0 is a time in
	// 1970, long past: it must not pass where exp may be left out.
	if hasExp && claims.Expiry == 0 {
		return nil, ErrExpired
	}
	return claims, nil
}

// unmarshal is json.Unmarshal, with json.Number for numbers in interface
// values when useNumber is set, and with its errors as claim errors.
func unmarshal(data []byte, dst any, useNumber bool) error {
	if err := codec.Unmarshal(data, dst, useNumber); err != nil {
		return claimsError(err)
	}
	return nil
}

func claimsError(err error) error {
	if errors.Is(err, ErrMalformed) {
		return err
	}
	var inv *json.InvalidUnmarshalError
	if errors.As(err, &inv) {
		return fmt.Errorf("%w: %w", ErrDestination, err)
	}
	return fmt.Errorf("%w: a claim has the wrong JSON type", ErrMalformed)
}

// encodeClaims is json.Marshal of claims, appended to b without reflection
// for Claims and for a struct that embeds Claims first.
func encodeClaims(b []byte, claims any) ([]byte, error) {
	var c *Claims
	switch v := claims.(type) {
	case Claims:
		c = &v
	case *Claims:
		c = v
	case registeredClaims:
		if rv := reflect.ValueOf(claims); rv.Kind() == reflect.Pointer && rv.IsNil() {
			break // encoding/json writes null, which Sign refuses
		}
		if r := v.registered(); r != nil {
			reg := r.codec()
			if b, ok := types.EncodeEmbedded(b, claims, &reg); ok {
				return b, nil
			}
		}
	}
	if c != nil {
		reg := c.codec()
		if b, ok := codec.AppendRegistered(b, &reg); ok {
			return b, nil
		}
	}
	return json.Marshal(claims)
}
