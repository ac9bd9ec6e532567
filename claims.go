package jwt

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
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

// maxNumericDate is the last second of the year 9999. A NumericDate past it,
// or before 1970, is refused as malformed: no real token needs one, and
// time arithmetic on such values overflows.
const maxNumericDate = 253402300799

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
	if s, ok := plainJSONString(data); ok {
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

// plainJSONString returns the value of data when it is a JSON string of
// printable ASCII without escapes, which encoding/json would decode to
// the bytes between the quotes.
func plainJSONString(data []byte) (string, bool) {
	if len(data) < 2 || data[0] != '"' || data[len(data)-1] != '"' {
		return "", false
	}
	for _, c := range data[1 : len(data)-1] {
		if !plainChars[c] {
			return "", false
		}
	}
	return string(data[1 : len(data)-1]), true
}

// Expect is a validation policy: what Verify requires of a token beyond a
// good signature. The zero value is safe: it requires exp, checks exp, nbf
// and iat against the current time with no leeway, and accepts any issuer,
// audience, subject and typ.
//
// Claims are checked in this order, and the first failure is returned:
// exp (absent: [ErrMissingExpiry], past: [ErrExpired]), nbf
// ([ErrNotYetValid]), iat ([ErrIssuedInFuture]), iss ([ErrIssuer]), aud
// ([ErrAudience]), sub ([ErrSubject]), then the header's typ ([ErrType]).
type Expect struct {
	// Issuer, when not empty, must equal iss exactly.
	Issuer string
	// Audience, when not empty, must be one of the token's audiences; a
	// token without aud is then refused.
	Audience string
	// Subject, when not empty, must equal sub exactly.
	Subject string
	// Type, when not empty, must equal the header's typ, compared without
	// regard to case as RFC 7515 §4.1.9 says of media types, and with
	// "application/" prepended to a value that has no "/" as it also says:
	// "at+jwt" and "application/at+jwt" are the same type. Empty: typ is
	// not checked.
	Type string

	// Leeway widens the time checks to allow for clock skew between the
	// issuer and the verifier: a token is expired once the time is at or
	// after exp + Leeway. Zero: no leeway. A negative Leeway is refused
	// with [ErrConfig].
	Leeway time.Duration
	// Now returns the current time. Nil means time.Now.
	Now func() time.Time
	// AllowMissingExpiry lets a token without exp through. By default
	// (false) exp is required, since a token without it is valid forever.
	AllowMissingExpiry bool
	// MaxLength is the longest token accepted, in bytes. Zero means
	// DefaultMaxLength; a negative MaxLength is refused with [ErrConfig].
	MaxLength int
}

// DefaultMaxLength is the longest token Verify accepts unless
// Expect.MaxLength says otherwise: 8 KiB, more than any header can carry
// through common proxies.
const DefaultMaxLength = 8 << 10

// valid reports a policy that cannot be applied.
func (e *Expect) valid() error {
	if e.Leeway < 0 || e.MaxLength < 0 {
		return fmt.Errorf("%w: negative Expect.Leeway or Expect.MaxLength", ErrConfig)
	}
	return nil
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
	leeway := e.Leeway
	if c.Expiry == 0 {
		if !e.AllowMissingExpiry {
			return ErrMissingExpiry
		}
	} else if !now.before(c.Expiry.plus(leeway)) {
		return ErrExpired
	}
	if c.NotBefore != 0 && now.before(c.NotBefore.plus(-leeway)) {
		return ErrNotYetValid
	}
	if c.IssuedAt != 0 && now.before(c.IssuedAt.plus(-leeway)) {
		return ErrIssuedInFuture
	}
	if e.Issuer != "" && c.Issuer != e.Issuer {
		return ErrIssuer
	}
	if e.Audience != "" && !c.Audience.Contains(e.Audience) {
		return ErrAudience
	}
	if e.Subject != "" && c.Subject != e.Subject {
		return ErrSubject
	}
	if e.Type != "" && !equalFoldASCII(shortMediaType(typ), shortMediaType(e.Type)) {
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
	if len(t) > len(prefix) && equalFoldASCII(t[:len(prefix)], prefix) && !strings.Contains(t[len(prefix):], "/") {
		return t[len(prefix):]
	}
	return t
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
