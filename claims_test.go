package jwt_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/require"
)

// referenceTimeCheck is the time rule of Expect written with time.Time:
// expired at or after exp + leeway, not yet valid before nbf - leeway,
// issued in the future when now + leeway is before iat.
func referenceTimeCheck(now time.Time, leeway time.Duration, c jwt.Claims) error {
	switch {
	case c.Expiry == 0:
		return jwt.ErrMissingExpiry
	case !now.Before(c.Expiry.Time().Add(leeway)):
		return jwt.ErrExpired
	case c.NotBefore != 0 && now.Before(c.NotBefore.Time().Add(-leeway)):
		return jwt.ErrNotYetValid
	case c.IssuedAt != 0 && now.Add(leeway).Before(c.IssuedAt.Time()):
		return jwt.ErrIssuedInFuture
	}
	return nil
}

// TestTimeChecksAtTheBoundaries compares Verify's exp, nbf and iat
// checks with time.Time arithmetic around each boundary: nanoseconds on
// both sides of a second, leeways of whole and fractional seconds.
func TestTimeChecksAtTheBoundaries(t *testing.T) {
	key, err := jwt.NewHMAC(jwt.HS256, []byte(strings.Repeat("k", 32)))
	require.NoError(t, err)
	const base = 1_700_000_000
	leeways := []time.Duration{0, 1, time.Second - 1, time.Second, time.Second + 1, 1500 * time.Millisecond, 3 * time.Second}
	nsecs := []int{0, 1, 500_000_000, 999_999_999}
	rng := rand.New(rand.NewPCG(1, 2))
	date := func() jwt.NumericDate {
		if rng.IntN(4) == 0 {
			return 0
		}
		return jwt.NumericDate(base + rng.IntN(9) - 4)
	}
	outcomes := map[error]int{}
	for range 20_000 {
		c := jwt.Claims{Expiry: date(), NotBefore: date(), IssuedAt: date()}
		now := time.Unix(base+int64(rng.IntN(5)-2), int64(nsecs[rng.IntN(len(nsecs))]))
		leeway := leeways[rng.IntN(len(leeways))]
		want := referenceTimeCheck(now, leeway, c)
		tok, err := jwt.Sign(key, c)
		require.NoError(t, err)
		e := jwt.Expect{Now: func() time.Time { return now }, Leeway: leeway}
		got := e.Verify(tok, key, nil)
		if !errors.Is(got, want) || (want == nil) != (got == nil) {
			t.Fatalf("now %v, leeway %v, claims %+v: got %v, want %v", now, leeway, c, got, want)
		}
		outcomes[want]++
	}
	// Every outcome must have been reached, or the test proves little.
	for _, want := range []error{nil, jwt.ErrMissingExpiry, jwt.ErrExpired, jwt.ErrNotYetValid, jwt.ErrIssuedInFuture} {
		require.Positive(t, outcomes[want], "no case ended in %v", want)
	}
}

// TestExpectTypeApplicationPrefix checks RFC 7515 §4.1.9: a typ without a
// "/" means "application/" and the value, so the long and the short form
// of a media type are one type, in either place and in any case.
func TestExpectTypeApplicationPrefix(t *testing.T) {
	k := hs256(t)
	for _, tc := range []struct {
		header, expect string
		same           bool
	}{
		{"at+jwt", "application/at+jwt", true},
		{"application/at+jwt", "at+jwt", true},
		{"AT+JWT", "Application/At+Jwt", true},
		{"JWT", "application/jwt", true},
		{"application/jwt", "application/JWT", true},
		{"at+jwt", "jwt", false},
		{"application/at+jwt", "application/jwt", false},
		{"text/at+jwt", "at+jwt", false},
		{"application/x/at+jwt", "x/at+jwt", false},
		{"application/", "", true}, // an empty Type checks nothing
		{"application/", "application/application/", false},
		{"application", "application/application", true},
	} {
		t.Run(tc.header+" "+tc.expect, func(t *testing.T) {
			tok := signRaw(t, k, `{"alg":"HS256","typ":"`+tc.header+`"}`, validPayload())
			err := jwt.Expect{Now: at(secNow), Type: tc.expect}.Verify(tok, k, nil)
			if tc.same {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, jwt.ErrType)
			}
		})
	}
}
