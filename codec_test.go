package jwt_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
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

// taggedEmbed embeds jwt.Claims under a name: encoding/json does not fill
// it from the registered claims.
type taggedEmbed struct {
	jwt.Claims `json:"claims"`
	Role       string `json:"role"`
}

// shadowEmbed has a field that takes iss away from the embedded Claims.
type shadowEmbed struct {
	jwt.Claims
	Iss string `json:"iss"`
}

// ptrEmbed embeds *jwt.Claims.
type ptrEmbed struct {
	*jwt.Claims
	Role string `json:"role"`
}

// laterEmbed embeds jwt.Claims after another field: encoding/json writes
// that field first.
type laterEmbed struct {
	Role string `json:"role"`
	jwt.Claims
}

// selfMarshaler embeds jwt.Claims and writes itself.
type selfMarshaler struct {
	jwt.Claims
	Role string
}

func (s *selfMarshaler) MarshalJSON() ([]byte, error) { return []byte(`{"role":"fixed"}`), nil }

// richEmbed embeds jwt.Claims first, with fields of every kind after it.
type richEmbed struct {
	jwt.Claims
	When    time.Time         `json:"when"`
	Note    string            `json:"note,omitempty"`
	Count   *int              `json:"count"`
	Tags    []string          `json:"tags"`
	Extra   map[string]any    `json:"extra,omitempty"`
	Raw     json.RawMessage   `json:"raw,omitempty"`
	Nested  struct{ A int }   `json:"nested"`
	Strings map[string]string `json:"-"`
	hidden  int
}

// kindsEmbed embeds jwt.Claims with fields of every kind that Verify sets
// without encoding/json, and fields that it leaves to encoding/json.
type kindsEmbed struct {
	jwt.Claims
	S        string      `json:"s"`
	B        bool        `json:"b"`
	I8       int8        `json:"i8"`
	I        int         `json:"i"`
	U16      uint16      `json:"u16"`
	F32      float32     `json:"f32"`
	F64      float64     `json:"f64"`
	Named    role        `json:"named"`
	Text     textRole    `json:"text"`
	Num      json.Number `json:"num"`
	Quoted   int         `json:"quoted,string"`
	P        *string     `json:"p"`
	L        []string    `json:"l"`
	A        any         `json:"a"`
	Untagged string
	Bad      int `json:"b'ad"` // not a name encoding/json takes: "Bad" is
	Hidden   int `json:"-"`
	Dash     int `json:"-,"`
	extra
}

type role string

// textRole reads itself from text, so encoding/json hands it its string.
type textRole string

func (r *textRole) UnmarshalText(b []byte) error {
	*r = textRole("text:" + string(b))
	return nil
}

type extra struct {
	X int `json:"x"`
}

// kindsSeeds are payloads for kindsEmbed, for FuzzClaimsCodec.
var kindsSeeds = []string{
	`{"exp":1800000000,"s":"x","b":true,"i8":127,"i":-5,"u16":65535,"f32":1.5,"f64":-2e10,"Untagged":"u","Bad":1,"-":3}`,
	`{"exp":1800000000,"s":"x","named":"n","text":"t","num":12,"quoted":"3","p":"p","l":["a"],"a":1,"x":4}`,
	`{"exp":1800000000,"i8":128}`, `{"exp":1800000000,"i8":-129}`, `{"exp":1800000000,"u16":-1}`, `{"exp":1800000000,"u16":65536}`,
	`{"exp":1800000000,"f32":1e39}`, `{"exp":1800000000,"f64":1e400}`, `{"exp":1800000000,"i":1.5}`, `{"exp":1800000000,"i":1e2}`,
	`{"exp":1800000000,"i":-0}`, `{"exp":1800000000,"b":"true"}`, `{"exp":1800000000,"s":1}`, `{"exp":1800000000,"s":["x"]}`,
	`{"exp":1800000000,"s":null,"b":null,"i":null,"f32":null}`, `{"exp":1800000000,"untagged":"u"}`, `{"exp":1800000000,"unknown":1,"s":"x"}`,
	`{"exp":1800000000,"quoted":3}`, `{"exp":1800000000,"num":"abc"}`, `{"exp":1800000000,"num":"12"}`, `{"exp":1800000000,"text":"t","s":"y"}`,
	`{"exp":1800000000,"b'ad":2,"s":"y"}`, `{"exp":1800000000,"hidden":5,"Hidden":6}`, `{"exp":1800000000,"b":false,"f64":0.1}`,
}

// TestPlainFields checks which fields of a struct embedding Claims Verify
// sets itself: those encoding/json fills from a scalar by their kind
// alone, under the names encoding/json gives them.
func TestPlainFields(t *testing.T) {
	assert.Equal(t, []string{"s", "b", "i8", "i", "u16", "f32", "f64", "named", "Untagged", "Bad", "-"}, jwt.PlainFields(new(kindsEmbed)))
	assert.Equal(t, []string{"token_type", "user_id"}, jwt.PlainFields(new(embedUser)))
	assert.Empty(t, jwt.PlainFields(new(plainUser)), "a struct without Claims is left to encoding/json")
}

// plainKinds embeds jwt.Claims first and has only fields that Sign writes
// without encoding/json, and fields encoding/json does not write.
type plainKinds struct {
	jwt.Claims
	S      string  `json:"s"`
	SE     string  `json:"se,omitempty"`
	B      bool    `json:"b"`
	BE     bool    `json:"be,omitempty"`
	I8     int8    `json:"i8"`
	IE     int     `json:"ie,omitempty"`
	U64    uint64  `json:"u64"`
	UP     uintptr `json:"up,omitempty"`
	Named  role    `json:"named"`
	Text   textRole
	Odd    int `json:"b'ad"` // written as "Odd"
	HTML   int `json:"a<b>&c"`
	Dash   int `json:"-,"`
	Hidden int `json:"-"`
	hidden int
}

// upper writes itself in capitals.
type upper string

func (u upper) MarshalText() ([]byte, error) { return []byte(strings.ToUpper(string(u))), nil }

// Each of these has one field that encoding/json writes in its own way.
type (
	textField struct {
		jwt.Claims
		U upper `json:"u"`
	}
	quotedField struct {
		jwt.Claims
		N int `json:"n,string"`
	}
	zeroField struct {
		jwt.Claims
		N int `json:"n,omitzero"`
	}
	numberField struct {
		jwt.Claims
		N json.Number `json:"n"`
	}
	embedsMore struct {
		jwt.Claims
		extra
	}
)

// onlyClaims embeds jwt.Claims with one field that can be left out.
type onlyClaims struct {
	jwt.Claims
	Note string `json:"note,omitempty"`
}

// foldUser has a field whose name folds to a registered claim's.
type foldUser struct {
	Sub string `json:"Sub"`
}

var codecSeeds = []string{
	`{"iss":"https://auth.example.com","sub":"user-1","aud":"api","exp":1800000000,"nbf":1600000000,"iat":1600000000,"jti":"x","token_type":"access","user_id":42}`,
	`{"iss":"a","exp":1800000000,"when":"2026-01-02T03:04:05Z","note":"<b>&","count":3,"tags":["x"],"extra":{"k":[1,"v"]},"raw":{"z":1},"nested":{"A":2}}`,
	`{"note":"only"}`, `{"role":"r","iss":"i","sub":"s"}`, `{"exp":1800000000,"when":"2026-01-02T03:04:05+01:00","tags":[]}`,
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
	`{"iss" :"a","iss":"b"}`, `{"iss":"a", "iss":"b"}`, `{"exp":1000000000000}`, `{"exp":100000000000}`, `{"iat":1e5}`,
	`{"issx":1,"iss":"a"}`, `{"is":1}`, `{"iss"}`, `{"nbf":1`, `{"aud":"x"}`,
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
	for _, s := range slices.Concat(codecSeeds, pairSeeds, kindsSeeds) {
		f.Add(s)
	}
	now := time.Unix(1700000000, 0)
	policies := []jwt.Expect{{Now: at(now)}, {Now: at(now), AllowMissingExpiry: true, Audience: jwt.Audience{"b"}, Issuer: "https://auth.example.com"}}
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
				a, b := kindsEmbed{S: "old", I: 9}, kindsEmbed{S: "old", I: 9}
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
			{
				a, b := map[string]any{"kept": true, "exp": "old"}, map[string]any{"kept": true, "exp": "old"}
				fe, se := jwt.DecodeClaimsFast(payload, &a, &e), jwt.DecodeClaimsSlow([]byte(payload), &b, &e)
				sameClass(t, fe, se)
				if fe == nil {
					assert.Equal(t, b, a)
				}
			}
			sameClass(t, jwt.DecodeClaimsFast(payload, nil, &e), jwt.DecodeClaimsSlow([]byte(payload), nil, &e))
			for _, tok := range codecTokens(t, payload) {
				sameVerify(t, &e, codecKey, tok)
			}
			for _, tok := range signedTokens(t, codecKey, "eyJhbGciOiJIUzI1NiJ9", payload) {
				sameVerify(t, &e, codecKey, tok)
			}
			for _, tok := range signedTokens(t, codecEdKey, "", payload) {
				sameVerify(t, &e, codecEdKey, tok)
			}
		}
		sameMap(t, payload)
		sameSign(t, payload)
		for _, cfg := range codecPairConfigs {
			for _, tok := range signedTokens(t, cfg.Signer, "", payload) {
				samePairs(t, cfg, tok)
			}
		}
	})
}

// sameMap checks that the fast map reader, where it takes payload, reads
// what json.Unmarshal into a map[string]any reads (the last value of a
// name given twice, as encoding/json keeps), and that it never takes a
// payload encoding/json refuses.
func sameMap(t *testing.T, payload string) {
	t.Helper()
	fast, ok := jwt.DecodeMap(payload)
	if !ok {
		return
	}
	var slow map[string]any
	require.NoError(t, json.Unmarshal([]byte(payload), &slow))
	require.Equal(t, slow, fast)
}

// sameSign checks that Sign writes the same token, or the same error,
// with its fast paths as without them, for the claims payload decodes to
// in each kind of claims value.
func sameSign(t *testing.T, payload string) {
	t.Helper()
	var c jwt.Claims
	var e embedUser
	var m map[string]any
	var te taggedEmbed
	var se shadowEmbed
	var pe ptrEmbed
	var le laterEmbed
	var sm selfMarshaler
	var re richEmbed
	var oc onlyClaims
	var pk plainKinds
	var ke kindsEmbed
	for _, v := range []any{&c, &e, &m, &te, &se, &pe, &le, &sm, &re, &oc, &pk, &ke} {
		if json.Unmarshal([]byte(payload), v) == nil {
			signsAlike(t, v)
		}
	}
}

// signsAlike checks that Sign writes the same token, or the same error,
// for claims with its fast paths as without them.
func signsAlike(t *testing.T, claims any) {
	t.Helper()
	fast, fe := jwt.Sign(codecKey, claims)
	slow, se := jwt.SignPlain(codecKey, claims)
	require.Equal(t, se, fe)
	require.Equal(t, slow, fast)
}

// TestSignEmbeddedClaims holds Sign's encoder for structs that embed
// Claims to encoding/json on the values a payload cannot make: a
// registered claim shadowed by another field, a nil pointer, a value,
// a date out of range and a field that fails to encode.
func TestSignEmbeddedClaims(t *testing.T) {
	full := jwt.Claims{Issuer: "inner", Subject: "s", Audience: jwt.Audience{"a", "b"}, Expiry: 1800000000, ID: "j"}
	for _, v := range []any{
		&shadowEmbed{Claims: full, Iss: "outer"},
		&shadowEmbed{Claims: full},
		&onlyClaims{Claims: full},
		&onlyClaims{},
		&embedUser{Claims: full, TokenType: "<access>"},
		&embedUser{Claims: jwt.Claims{Expiry: -1}},
		&richEmbed{Claims: full, Extra: map[string]any{"bad": func() {}}},
		(*embedUser)(nil),
		embedUser{Claims: full},
		&plainKinds{},
		&plainKinds{Claims: full, S: "<\u2028\xff\"\\\n>", SE: "é", B: true, BE: true, I8: -128, IE: -1, U64: 1<<64 - 1, UP: 7, Named: "<n>", Text: "t", Odd: 1, HTML: 2, Dash: 3, Hidden: 4, hidden: 5},
		&plainKinds{Claims: jwt.Claims{Expiry: 1 << 62}, S: "x"},
	} {
		signsAlike(t, v)
	}
	for _, v := range []any{&embedUser{}, &onlyClaims{}, &plainKinds{}} {
		assert.True(t, jwt.FieldsPlain(v), "%T", v)
	}
	others := []any{&textField{U: "u"}, &quotedField{N: 1}, &zeroField{}, &numberField{N: "12"}, &embedsMore{extra: extra{X: 1}}}
	for _, v := range others {
		signsAlike(t, v)
	}
	for _, v := range append(others, &richEmbed{}, &kindsEmbed{}, &shadowEmbed{}) {
		assert.False(t, jwt.FieldsPlain(v), "%T", v)
	}
	for _, v := range []any{&embedUser{}, &richEmbed{}, &onlyClaims{}} {
		assert.True(t, jwt.ClaimsFirst(v), "%T", v)
	}
	for _, v := range []any{embedUser{}, &shadowEmbed{}, &taggedEmbed{}, &ptrEmbed{}, &laterEmbed{}, &selfMarshaler{}, &foldUser{}} {
		assert.False(t, jwt.ClaimsFirst(v), "%T", v)
	}
}

// pairSeeds are payloads of the kind the pair manager issues, for
// FuzzClaimsCodec to start from.
var pairSeeds = []string{
	`{"auth_time":1700000000,"exp":1800000000,"iat":1700000000,"jti":"0123456789abcdef0123456789abcdef","sid":"s1","sub":"alice","token_type":"access"}`,
	`{"auth_time":1700000000,"exp":1800000000,"iat":1700000000,"jti":"j","sid":"s1","sub":"alice","token_type":"refresh","role":"admin"}`,
	`{"exp":1800000000,"jti":"j","token_type":"access"}`, `{"exp":1800000000,"jti":"","token_type":"access"}`,
	`{"exp":1800000000,"jti":"j","token_type":"access","sid":1}`, `{"exp":1800000000,"jti":"j","token_type":1}`,
	`{"exp":1800000000,"jti":"j","token_type":"access","auth_time":"1"}`, `{"exp":1800000000,"jti":"j","token_type":"access","auth_time":1.5}`,
	`{"exp":1800000000,"jti":"j","token_type":"access","auth_time":null}`, `{"exp":1800000000,"jti":"j","token_type":"access","sub":1}`,
	`{"exp":1800000000,"uid":"j","typ2":"access","user_id":42,"session":"s"}`, `{"exp":1800000000,"uid":"j","typ2":"refresh","user_id":"u","session":["s"]}`,
	`{"exp":1800000000,"uid":1,"typ2":"access"}`, `{"exp":1800000000,"jti":"j","token_type":"access","Token_type":"x"}`,
	`{"exp":1800000000,"jti":"j","token_type":"access","nested":{"a":1}}`, `{"exp":1800000000,"jti":"j","token_type":"acc\u0065ss"}`,
}

// codecPairConfigs are the pair managers FuzzClaimsCodec compares: the
// default claim names, and every name configured.
var codecPairConfigs = []jwt.PairConfig{
	{Signer: codecKey, Expect: jwt.Expect{Now: at(time.Unix(1700000000, 0))}},
	{Signer: codecKey, Expect: jwt.Expect{Now: at(time.Unix(1700000000, 0))}, SubjectClaim: "user_id", IDClaim: "uid", TokenTypeClaim: "typ2", SessionClaim: "session", SessionTTL: time.Hour},
	{Signer: codecEdKey, Expect: jwt.Expect{Now: at(time.Unix(1700000000, 0))}},
}

// samePairs checks that the pair manager gives tok the same results, with
// its fast paths as without them: VerifyAccess and VerifyAnyType into
// each kind of destination (a *jwt.Claims that holds claims already, to
// check that a token's claims are merged in as encoding/json would), and
// Refresh, whose new tokens must carry the same claims but for jti.
func samePairs(t *testing.T, cfg jwt.PairConfig, tok string) {
	t.Helper()
	p, err := jwt.NewPairs(cfg)
	require.NoError(t, err)
	hidden := cfg
	hidden.Keys = hiddenKeys{cfg.Signer.(jwt.Keys)}
	general, err := jwt.NewPairs(hidden)
	require.NoError(t, err)
	same := func(fe, se error) {
		t.Helper()
		require.Equal(t, se == nil, fe == nil, "fast: %v, slow: %v", fe, se)
		if fe != nil {
			require.Equal(t, se.Error(), fe.Error())
			for _, c := range append(errClasses, jwt.ErrMissingID, jwt.ErrMissingTokenType, jwt.ErrWrongTokenType, jwt.ErrSessionExpired) {
				require.Equal(t, errors.Is(se, c), errors.Is(fe, c), "fast: %v, slow: %v", fe, se)
			}
		}
	}
	dsts := []func() any{
		func() any { return nil },
		func() any { return &jwt.Claims{Issuer: "old", Audience: jwt.Audience{"x"}, NotBefore: 5} },
		func() any { return new(embedUser) },
		func() any {
			return &embedUser{Claims: jwt.Claims{Issuer: "old", Audience: jwt.Audience{"x"}, NotBefore: 5}, TokenType: "old", UserID: 7}
		},
		func() any { return &shadowEmbed{Claims: jwt.Claims{Issuer: "old"}, Iss: "old"} },
		func() any { return &kindsEmbed{S: "old", B: true, I: 9} },
		func() any { return new(map[string]any) },
	}
	for _, dst := range dsts {
		fd, gd, sd := dst(), dst(), dst()
		fc, fe := jwt.PairsParse(p, tok, fd, false)
		gc, ge := jwt.PairsParse(general, tok, gd, false)
		sc, se := jwt.PairsParse(p, tok, sd, true)
		same(fe, se)
		same(ge, se)
		assert.Equal(t, sc, fc)
		assert.Equal(t, sc, gc)
		assert.Equal(t, sd, fd)
		assert.Equal(t, sd, gd)
	}
	// The pair manager's own checks run on what parse read: the two
	// paths also agree on them.
	ctx := context.Background()
	for _, verify := range []func(p *jwt.Pairs) error{
		func(p *jwt.Pairs) error { return p.VerifyAccess(ctx, tok, nil) },
		func(p *jwt.Pairs) error { return p.VerifyAnyType(ctx, tok, nil) },
		func(p *jwt.Pairs) error { _, err := p.Refresh(ctx, tok); return err },
	} {
		same(verify(p), verify(general))
	}
}

// withoutJTI returns the claims of tok but its random ids.
func withoutJTI(t *testing.T, tok string) map[string]any {
	u, err := jwt.DecodeUnverified(tok)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(u.Payload, &m))
	delete(m, "jti")
	delete(m, "uid")
	return m
}

// codecKey is the HMAC key of the token-level half of FuzzClaimsCodec.
var codecKey = func() *jwt.HMAC {
	k, err := jwt.NewHMAC(jwt.HS256, []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		panic(err)
	}
	return k
}()

// codecEdKey is the EdDSA key of the token-level half of FuzzClaimsCodec:
// its tokens take the general path, as do codecKey's with another header.
var codecEdKey = func() *jwt.EdDSASigner {
	k, err := jwt.NewEdDSASigner(jwt.EdDSA, ed25519.NewKeyFromSeed(make([]byte, 32)))
	if err != nil {
		panic(err)
	}
	return k
}()

// codecTokens returns tokens made of payload, each with the header the key
// writes, so that Verify takes its fast path: payload signed, payload
// signed with a bad MAC, payload taken as the encoded payload part (any
// character, any length), and payload taken as the signature part.
func codecTokens(t *testing.T, payload string) []string {
	return signedTokens(t, codecKey, "", payload)
}

// signedTokens is codecTokens for the signer s, with the encoded header
// hdr or, when it is empty, the one s writes.
func signedTokens(t *testing.T, s jwt.Signer, hdr, payload string) []string {
	if hdr == "" {
		tok, err := jwt.Sign(s, jwt.Claims{})
		require.NoError(t, err)
		hdr = tok[:strings.IndexByte(tok, '.')]
	}
	b64 := base64.RawURLEncoding
	sign := func(input string) string {
		sig, err := s.Sign([]byte(input))
		require.NoError(t, err)
		return b64.EncodeToString(sig)
	}
	input := hdr + "." + b64.EncodeToString([]byte(payload))
	raw := hdr + "." + payload
	return []string{
		input + "." + sign(input),
		input + "." + sign(input+"x"),
		raw + "." + sign(raw),
		input + "." + payload,
		payload,
	}
}

// sameVerify checks that Verify gives tok the same result, error and
// claims, with its fast paths as without them, for each kind of
// destination.
func sameVerify(t *testing.T, e *jwt.Expect, keys jwt.Keys, tok string) {
	t.Helper()
	check := func(dst func() any) {
		t.Helper()
		fast, general, plain := dst(), dst(), dst()
		fe := verifyPaths[0].verify(*e, tok, keys, fast)
		ge := verifyPaths[1].verify(*e, tok, keys, general)
		pe := verifyPaths[2].verify(*e, tok, keys, plain)
		sameClass(t, fe, pe)
		sameClass(t, ge, pe)
		if pe != nil {
			assert.Equal(t, pe.Error(), fe.Error())
			assert.Equal(t, pe.Error(), ge.Error())
		}
		assert.Equal(t, plain, fast)
		assert.Equal(t, plain, general)
	}
	check(func() any { return new(jwt.Claims) })
	check(func() any { return new(plainUser) })
	check(func() any { return new(embedUser) })
	check(func() any {
		return &embedUser{Claims: jwt.Claims{Issuer: "old", Audience: jwt.Audience{"x"}, NotBefore: 5}, TokenType: "t", UserID: 7}
	})
	check(func() any { return new(kindsEmbed) })
	check(func() any { return new(taggedEmbed) })
	check(func() any { return new(shadowEmbed) })
	check(func() any { return &ptrEmbed{Claims: new(jwt.Claims)} })
	check(func() any { return new(map[string]any) })
	check(func() any { return nil })
}

// TestVerifyLongPayloads compares the paths on payloads around the sizes
// where a path moves from a stack buffer to the heap: the reference path
// once decoded payloads of 1,025 and 1,026 bytes into 1,024 and panicked.
func TestVerifyLongPayloads(t *testing.T) {
	e := jwt.Expect{Now: at(time.Unix(1700000000, 0))}
	for n := 1018; n <= 1032; n++ {
		head := `{"exp":1800000000,"pad":"`
		payload := head + strings.Repeat("a", n-len(head)-2) + `"}`
		require.Len(t, payload, n)
		for _, tok := range signedTokens(t, codecEdKey, "", payload) {
			sameVerify(t, &e, codecEdKey, tok)
		}
		for _, tok := range signedTokens(t, codecKey, "eyJhbGciOiJIUzI1NiJ9", payload) {
			sameVerify(t, &e, codecKey, tok)
		}
	}
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
		{name: "white space around a registered name", payload: "{ \"iss\" : \"a\" , \"exp\"\t:1800000000}", dst: new(jwt.Claims), want: true},
		{name: "duplicate, once spaced", payload: `{"iss":"a","iss" :"b"}`, dst: new(jwt.Claims), want: false},
		{name: "registered name as a prefix", payload: `{"iss":"a","issx":"b","exp_":1}`, dst: new(jwt.Claims), want: true},
		{name: "registered name cut short", payload: `{"iss"`, dst: new(jwt.Claims), want: false},
		{name: "twelve digits", payload: `{"exp":100000000000}`, dst: new(jwt.Claims), want: true},
		{name: "thirteen digits", payload: `{"exp":1000000000000}`, dst: new(jwt.Claims), want: false},
		{name: "leading zero", payload: `{"exp":01}`, dst: new(jwt.Claims), want: false},
		{name: "date at the end", payload: `{"exp":1`, dst: new(jwt.Claims), want: false},
		{name: "date with fraction", payload: `{"nbf":1.0}`, dst: new(jwt.Claims), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, jwt.FastTakes(tt.payload, tt.dst))
		})
	}
}

// TestSplitTaken pins which destinations have their registered claims
// filled by the fast decoder.
func TestSplitTaken(t *testing.T) {
	assert.True(t, jwt.SplitTakes(new(embedUser)))
	assert.False(t, jwt.SplitTakes(new(taggedEmbed)), "Claims under a name")
	assert.False(t, jwt.SplitTakes(new(shadowEmbed)), "a field that shadows iss")
	assert.False(t, jwt.SplitTakes(new(ptrEmbed)), "*Claims embedded")
	assert.False(t, jwt.SplitTakes(new(plainUser)), "no Claims")
	assert.False(t, jwt.SplitTakes(new(jwt.Claims)), "Claims has its own path")
}

// TestPairsFastPathTaken pins which tokens the pair manager's fast claims
// decoder reads, for HMAC and EdDSA keys, so that FuzzClaimsCodec compares
// two paths.
func TestPairsFastPathTaken(t *testing.T) {
	for i, cfg := range codecPairConfigs {
		p, err := jwt.NewPairs(cfg)
		require.NoError(t, err)
		pair, err := p.Issue(context.Background(), "alice", map[string]any{"role": "admin"})
		require.NoError(t, err)
		assert.True(t, jwt.PairsFastTakes(p, pair.Access), "config %d, access token", i)
		assert.True(t, jwt.PairsFastTakes(p, pair.Refresh), "config %d, refresh token", i)
		assert.True(t, jwt.PairsFastTakes(p, signedTokens(t, cfg.Signer, "", pairSeeds[i%2*10])[0]), "config %d, seed", i)
		assert.False(t, jwt.PairsFastTakes(p, signedTokens(t, cfg.Signer, "", pairSeeds[14])[0]), "config %d, nested object", i)
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

// FuzzAudienceString holds Audience.UnmarshalJSON's shortcut for plain
// strings to encoding/json: the same audience or an error for every input
// that starts as a string, valid JSON or not.
func FuzzAudienceString(f *testing.F) {
	for _, s := range []string{`"api"`, `""`, `"a\"b"`, `"a\u0041"`, `"é"`, `"a`, `"a"x`, `"a" `, `"<&>"`, "\"a\tb\"", `"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		if !strings.HasPrefix(data, `"`) {
			return
		}
		var got jwt.Audience
		err := got.UnmarshalJSON([]byte(data))
		var s string
		if json.Unmarshal([]byte(data), &s) != nil {
			require.ErrorIs(t, err, jwt.ErrMalformed, "%q", data)
			return
		}
		require.NoError(t, err, "%q", data)
		require.Equal(t, jwt.Audience{s}, got, "%q", data)
	})
}
