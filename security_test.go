package jwt_test

import (
	"encoding/base64"
	"fmt"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// secNow is the clock of these tests, and secExp an exp one hour later.
var (
	secNow = time.Unix(1_700_000_000, 0)
	secExp = secNow.Unix() + 3600
)

// enc is base64url without padding, as JWS encodes every part.
func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// signRaw builds a token from a header and a payload given as JSON text,
// exactly as written, and signs it with s: what an attacker holding s (or
// a signer with another encoder) could send.
func signRaw(t testing.TB, s jwt.Signer, header, payload string) string {
	t.Helper()
	input := enc(header) + "." + enc(payload)
	sig, err := s.Sign([]byte(input))
	require.NoError(t, err)
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// hs256 returns a fixed HS256 key.
func hs256(t testing.TB) *jwt.HMAC {
	t.Helper()
	k, err := jwt.NewHMAC(jwt.HS256, []byte("0123456789abcdef0123456789abcdef"))
	require.NoError(t, err)
	return k
}

// roleClaims is a struct of custom claims embedding Claims.
type roleClaims struct {
	jwt.Claims
	Role string `json:"role"`
}

// TestAttackRefusedClaimsNotReturned checks that dst holds its zero value
// after every failure, even when the caller reuses a variable that held
// the claims of an earlier token.
func TestAttackRefusedClaimsNotReturned(t *testing.T) {
	k := hs256(t)
	other, err := jwt.NewHMAC(jwt.HS256, []byte("another secret of thirty-two byt"))
	require.NoError(t, err)
	policy := jwt.Expect{Now: at(secNow), Issuer: "auth", Audience: "api", Subject: "42", Type: "JWT"}
	good := fmt.Sprintf(`{"iss":"auth","aud":"api","sub":"42","exp":%d,"role":"admin"}`, secExp)
	for _, tc := range []struct {
		name    string
		token   string
		keys    jwt.Keys
		want    error
		payload string
	}{
		{name: "signature", keys: other, want: jwt.ErrSignature, payload: good},
		{name: "missing exp", want: jwt.ErrMissingExpiry, payload: `{"iss":"auth","aud":"api","sub":"42","role":"admin"}`},
		{name: "expired", want: jwt.ErrExpired, payload: `{"iss":"auth","aud":"api","sub":"42","exp":1,"role":"admin"}`},
		{name: "not yet valid", want: jwt.ErrNotYetValid, payload: fmt.Sprintf(`{"iss":"auth","aud":"api","sub":"42","exp":%d,"nbf":%d,"role":"admin"}`, secExp, secExp-1)},
		{name: "issued in the future", want: jwt.ErrIssuedInFuture, payload: fmt.Sprintf(`{"iss":"auth","aud":"api","sub":"42","exp":%d,"iat":%d,"role":"admin"}`, secExp, secExp-1)},
		{name: "issuer", want: jwt.ErrIssuer, payload: fmt.Sprintf(`{"iss":"evil","aud":"api","sub":"42","exp":%d,"role":"admin"}`, secExp)},
		{name: "audience", want: jwt.ErrAudience, payload: fmt.Sprintf(`{"iss":"auth","aud":"web","sub":"42","exp":%d,"role":"admin"}`, secExp)},
		{name: "subject", want: jwt.ErrSubject, payload: fmt.Sprintf(`{"iss":"auth","aud":"api","sub":"7","exp":%d,"role":"admin"}`, secExp)},
		{name: "registered claim of the wrong type", want: jwt.ErrMalformed, payload: fmt.Sprintf(`{"iss":"auth","aud":"api","sub":42,"exp":%d,"role":"admin"}`, secExp)},
		{name: "exp of the wrong type", want: jwt.ErrMalformed, payload: `{"iss":"auth","aud":"api","sub":"42","exp":"soon","role":"admin"}`},
		{name: "type", token: signRaw(t, k, `{"alg":"HS256","typ":"at+jwt"}`, good), want: jwt.ErrType},
		{name: "malformed token", token: "x.y", want: jwt.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := tc.token
			if tok == "" {
				tok = signRaw(t, k, `{"alg":"HS256","typ":"JWT"}`, tc.payload)
			}
			keys := tc.keys
			if keys == nil {
				keys = k
			}
			stale := roleClaims{Claims: jwt.Claims{Subject: "earlier"}, Role: "earlier"}
			require.ErrorIs(t, policy.Verify(tok, keys, &stale), tc.want)
			assert.Zero(t, stale, "a struct embedding Claims")

			staleMap := map[string]any{"sub": "earlier"}
			require.ErrorIs(t, policy.Verify(tok, keys, &staleMap), tc.want)
			assert.Nil(t, staleMap, "a map")

			staleClaims := jwt.Claims{Subject: "earlier"}
			require.ErrorIs(t, policy.Verify(tok, keys, &staleClaims), tc.want)
			assert.Zero(t, staleClaims, "a Claims")
		})
	}
}
