package jwt_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// referenceTimeCheck is the time rule of Expect written with time.Time:
// expired at or after exp + leeway, not yet valid before nbf - skew,
// issued in the future when now + skew is before iat.
func referenceTimeCheck(now time.Time, leeway, skew time.Duration, c jwt.Claims) error {
	switch {
	case c.Expiry == 0:
		return jwt.ErrMissingExpiry
	case !now.Before(c.Expiry.Time().Add(leeway)):
		return jwt.ErrExpired
	case c.NotBefore != 0 && now.Before(c.NotBefore.Time().Add(-skew)):
		return jwt.ErrNotYetValid
	case c.IssuedAt != 0 && now.Add(skew).Before(c.IssuedAt.Time()):
		return jwt.ErrIssuedInFuture
	}
	return nil
}

// TestTimeChecksAtTheBoundaries compares Verify's exp, nbf and iat
// checks with time.Time arithmetic around each boundary: nanoseconds on
// both sides of a second, leeways and clock skews of whole and fractional
// seconds.
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
		leeway, skew := leeways[rng.IntN(len(leeways))], leeways[rng.IntN(len(leeways))]
		e := jwt.Expect{Now: func() time.Time { return now }, Leeway: leeway, ClockSkew: skew, NoClockSkew: skew == 0}
		want := referenceTimeCheck(now, leeway, max(leeway, skew), c)
		tok, err := jwt.Sign(key, c)
		require.NoError(t, err)
		got := e.Verify(tok, key, nil)
		if !errors.Is(got, want) || (want == nil) != (got == nil) {
			t.Fatalf("now %v, leeway %v, skew %v, claims %+v: got %v, want %v", now, leeway, skew, c, got, want)
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

// TestUseNumberKeepsLargeIntegers checks Expect.UseNumber: a claim of
// 2^53+1 comes back into a map, and into an interface field of a struct,
// with every digit, on the fast and the plain paths; without it, as
// encoding/json's float64.
func TestUseNumberKeepsLargeIntegers(t *testing.T) {
	k := hs256(t)
	type anyField struct {
		jwt.Claims
		N any `json:"n"`
	}
	for _, payload := range []string{
		fmt.Sprintf(`{"exp":%d,"n":9007199254740993}`, secExp),               // the codec reads it
		fmt.Sprintf(`{"exp":%d,"n":9007199254740993,"x":{"y":1}}`, secExp),   // encoding/json reads it
		fmt.Sprintf(`{"exp":%d,"n":9007199254740993,"s":"\u00e9"}`, secExp),  // encoding/json reads it
		fmt.Sprintf(`{"exp":%d,"n":9007199254740993,"l":[1,2e400]}`, secExp), // too large a float for float64
	} {
		tok := signRaw(t, k, "", payload)
		for _, path := range verifyPaths {
			exact := jwt.Expect{Now: at(secNow), UseNumber: true}
			var m map[string]any
			require.NoError(t, path.verify(exact, tok, k, &m), "%s %s", path.name, payload)
			assert.Equal(t, json.Number("9007199254740993"), m["n"], "%s %s", path.name, payload)
			var s anyField
			require.NoError(t, path.verify(exact, tok, k, &s), "%s %s", path.name, payload)
			assert.Equal(t, json.Number("9007199254740993"), s.N)

			if strings.Contains(payload, "2e400") {
				continue // float64 refuses it, as encoding/json does
			}
			m = nil
			require.NoError(t, path.verify(jwt.Expect{Now: at(secNow)}, tok, k, &m), "%s %s", path.name, payload)
			assert.Equal(t, float64(9007199254740992), m["n"], "without UseNumber, float64 rounds it")
		}
	}
}
