package jwt_test

import (
	"errors"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// plainUser is a destination that does not embed jwt.Claims.
type plainUser struct {
	Issuer    string   `json:"iss"`
	Audience  any      `json:"aud"`
	Expiry    float64  `json:"exp"`
	TokenType string   `json:"token_type"`
	UserID    int64    `json:"user_id"`
	Roles     []string `json:"roles"`
}

// embedUser embeds jwt.Claims, as the docs suggest.
type embedUser struct {
	jwt.Claims
	TokenType string `json:"token_type"`
	UserID    int64  `json:"user_id"`
}

// foldUser has a field whose name folds to a registered claim's.
type foldUser struct {
	Sub string `json:"Sub"`
}

var codecSeeds = []string{
	`{"iss":"https://auth.example.com","sub":"user-1","aud":"api","exp":1800000000,"nbf":1600000000,"iat":1600000000,"jti":"x","token_type":"access","user_id":42}`,
	`{}`, ` { } `, `{"exp":1800000000}`, "\t{\"exp\" :\r\n1800000000 }\n",
	`{"aud":["a","b"],"exp":1800000000}`, `{"aud":[],"exp":1800000000}`, `{"aud":null,"exp":1800000000}`,
	`{"aud":[null],"exp":1800000000}`, `{"aud":1,"exp":1800000000}`, `{"aud":["a",1]}`,
	`{"iss":null,"exp":1800000000}`, `{"iss":1}`, `{"exp":"1800000000"}`, `{"exp":null}`,
	`{"exp":1800000000.5}`, `{"exp":1.8e9}`, `{"exp":18e8}`, `{"exp":-1}`, `{"exp":0}`, `{"exp":00}`,
	`{"exp":01800000000}`, `{"exp":253402300799}`, `{"exp":253402300800}`, `{"exp":99999999999999999999999}`,
	`{"exp":1800000000,"exp":1800000000}`, `{"exp":1800000000,"\u0065xp":1}`, `{"iss":"a","iss":"a"}`,
	`{"user_id":1,"user_id":1}`, `{"user_id":1,"user\u005fid":1}`,
	`{"EXP":1800000000}`, `{"Iss":"a"}`, `{"ſub":"x"}`, `{"\u017fub":"x"}`, `{"Token_Type":"a"}`, `{"sub":"x","Sub":"y"}`,
	`{"iss":"a\"b"}`, `{"iss":"a\u0041"}`, `{"iss":"é"}`, "{\"iss\":\"\xff\"}", `{"iss":"\ud800"}`, `{"iss":"\ud83d\ude00"}`,
	`{"iss":"a<b>&"}`, "{\"iss\":\"a\tb\"}",
	`{"user_id":1e400}`, `{"user_id":-0}`, `{"user_id":1.0}`, `{"user_id":9223372036854775808}`, `{"user_id":"1"}`,
	`{"roles":["a","b"]}`, `{"roles":"a"}`, `{"roles":[["a"]]}`, `{"x":{"y":1}}`, `{"x":{"y":1,"y":2}}`, `{"x":[1,2,{}]}`,
	`{"x":true,"y":false,"z":null}`, `{"x":tru}`, `{"x":1,}`, `{"x":1}x`, `{"x":1}{}`, `[]`, `"x"`, `{"x":-}`, `{"x":1.}`, `{"x":.5}`,
	`{"x":1e}`, `{"x":1E+5}`, `{"x":+1}`, `{"x"1}`, `{"x":1 "y":2}`, `{x:1}`, ``, `{`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"a":18}`,
}

// errClasses are the errors Verify may return from the claims step.
var errClasses = []error{jwt.ErrMalformed, jwt.ErrExpired, jwt.ErrMissingExpiry, jwt.ErrNotYetValid,
	jwt.ErrIssuedInFuture, jwt.ErrIssuer, jwt.ErrAudience, jwt.ErrSubject, jwt.ErrType}

func sameClass(t *testing.T, fast, slow error) {
	t.Helper()
	if (fast == nil) != (slow == nil) {
		t.Fatalf("fast: %v, slow: %v", fast, slow)
	}
	for _, c := range errClasses {
		if errors.Is(fast, c) != errors.Is(slow, c) {
			t.Fatalf("fast: %v, slow: %v", fast, slow)
		}
	}
}

// FuzzClaimsCodec holds the fast claims decoder to the strict scanner and
// encoding/json: the same decision, the same error class and the same
// values, for every kind of destination.
func FuzzClaimsCodec(f *testing.F) {
	for _, s := range codecSeeds {
		f.Add(s)
	}
	now := time.Unix(1700000000, 0)
	policies := []jwt.Expect{{Now: at(now)}, {Now: at(now), AllowMissingExpiry: true, Audience: "b", Issuer: "https://auth.example.com"}}
	f.Fuzz(func(t *testing.T, payload string) {
		for _, e := range policies {
			{
				var a, b jwt.Claims
				sameClass(t, jwt.DecodeClaimsFast(payload, &a, &e), jwt.DecodeClaimsSlow([]byte(payload), &b, &e))
				assert.Equal(t, b, a)
			}
			{
				var a, b plainUser
				fe, se := jwt.DecodeClaimsFast(payload, &a, &e), jwt.DecodeClaimsSlow([]byte(payload), &b, &e)
				sameClass(t, fe, se)
				if fe == nil {
					assert.Equal(t, b, a)
				}
			}
			{
				var a, b embedUser
				fe, se := jwt.DecodeClaimsFast(payload, &a, &e), jwt.DecodeClaimsSlow([]byte(payload), &b, &e)
				sameClass(t, fe, se)
				if fe == nil {
					assert.Equal(t, b, a)
				}
			}
			{
				var a, b foldUser
				fe, se := jwt.DecodeClaimsFast(payload, &a, &e), jwt.DecodeClaimsSlow([]byte(payload), &b, &e)
				sameClass(t, fe, se)
				if fe == nil {
					assert.Equal(t, b, a)
				}
			}
			sameClass(t, jwt.DecodeClaimsFast(payload, nil, &e), jwt.DecodeClaimsSlow([]byte(payload), nil, &e))
		}
	})
}

// TestFastPathTaken pins which payloads the fast decoder takes, so that
// FuzzClaimsCodec compares two paths and not one path with itself.
func TestFastPathTaken(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		dst     any
		want    bool
	}{
		{name: "usual claims", payload: codecSeeds[0], dst: new(jwt.Claims), want: true},
		{name: "usual claims, plain struct", payload: codecSeeds[0], dst: new(plainUser), want: true},
		{name: "no destination", payload: codecSeeds[0], dst: nil, want: true},
		{name: "aud array", payload: `{"aud":["a","b"]}`, dst: new(jwt.Claims), want: true},
		{name: "array of scalars", payload: `{"roles":["a",1,true,null]}`, dst: new(jwt.Claims), want: true},
		{name: "escape", payload: `{"iss":"a\u0041"}`, dst: new(jwt.Claims), want: false},
		{name: "non-ASCII", payload: `{"iss":"é"}`, dst: new(jwt.Claims), want: false},
		{name: "fraction", payload: `{"exp":1.5}`, dst: new(jwt.Claims), want: false},
		{name: "exponent", payload: `{"exp":1e9}`, dst: new(jwt.Claims), want: false},
		{name: "null claim", payload: `{"iss":null}`, dst: new(jwt.Claims), want: false},
		{name: "nested object", payload: `{"x":{}}`, dst: new(jwt.Claims), want: false},
		{name: "duplicate", payload: `{"iss":"a","iss":"a"}`, dst: new(jwt.Claims), want: false},
		{name: "duplicate private", payload: `{"x":1,"x":1}`, dst: new(jwt.Claims), want: false},
		{name: "folded name", payload: `{"ISS":"a"}`, dst: new(jwt.Claims), want: false},
		{name: "folded field name", payload: `{"Token_Type":"a"}`, dst: new(plainUser), want: false},
		{name: "destination with a folding field", payload: `{"sub":"a"}`, dst: new(foldUser), want: false},
		{name: "trailing data", payload: `{}x`, dst: new(jwt.Claims), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, jwt.FastTakes(tt.payload, tt.dst))
		})
	}
}

// TestSignClaimsEncoding checks that Sign writes Claims exactly as
// encoding/json would.
func TestSignClaimsEncoding(t *testing.T) {
	k, err := jwt.NewHMAC(jwt.HS256, make([]byte, 32))
	require.NoError(t, err)
	tests := []struct {
		name string
		c    jwt.Claims
		want string
	}{
		{name: "empty", want: `{}`},
		{name: "all", c: jwt.Claims{Issuer: "i", Subject: "s", Audience: jwt.Audience{"a"}, Expiry: 3, NotBefore: 2, IssuedAt: 1, ID: "j"},
			want: `{"iss":"i","sub":"s","aud":"a","exp":3,"nbf":2,"iat":1,"jti":"j"}`},
		{name: "two audiences", c: jwt.Claims{Audience: jwt.Audience{"a", "b"}}, want: `{"aud":["a","b"]}`},
		{name: "empty audience", c: jwt.Claims{Audience: jwt.Audience{}}, want: `{}`},
		{name: "escapes", c: jwt.Claims{Issuer: "a\"<é>\x01"}, want: `{"iss":"a\"\u003cé\u003e\u0001"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, v := range []any{tt.c, &tt.c} {
				tok, err := jwt.Sign(k, v)
				require.NoError(t, err)
				u, err := jwt.DecodeUnverified(tok)
				require.NoError(t, err)
				assert.Equal(t, tt.want, string(u.Payload))
			}
		})
	}
	_, err = jwt.Sign(k, jwt.Claims{Expiry: -1})
	require.ErrorIs(t, err, jwt.ErrMalformed, "a date out of range is refused on the fast path too")
}
