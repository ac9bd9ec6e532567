package tokenserver

import (
	"bytes"
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testUsers is admin (id 1) and an inactive user (id 2), with cheap
// hashes.
func testUsers(t testing.TB) *Users {
	t.Helper()
	u, err := NewUsers(
		Account{ID: "1", Username: "admin", Password: HashPassword("admin@123", 10), Active: true},
		Account{ID: "2", Username: "gone", Password: HashPassword("gone@123", 10), Active: false},
	)
	require.NoError(t, err)
	return u
}

func TestAuthenticate(t *testing.T) {
	tests := []struct {
		name, username, password string
		subject                  string // "" when refused
	}{
		{name: "good credentials", username: "admin", password: "admin@123", subject: "1"},
		{name: "wrong password", username: "admin", password: "admin@124"},
		{name: "unknown user", username: "nobody", password: "admin@123"},
		{name: "username is case-sensitive", username: "ADMIN", password: "admin@123"},
		{name: "inactive user", username: "gone", password: "gone@123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := testUsers(t)
			calls := 0
			u.derive = func(pw string, salt []byte, iter int) []byte {
				calls++
				return derivePBKDF2(pw, salt, iter)
			}
			sub, _, err := u.Authenticate(context.Background(), tt.username, tt.password)
			assert.Equal(t, 1, calls, "every attempt hashes once, so that none is faster")
			if tt.subject == "" {
				require.ErrorIs(t, err, jwt.ErrNoActiveAccount)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.subject, sub)
		})
	}
}

func TestDemoAccount(t *testing.T) {
	u, err := DemoUsers()
	require.NoError(t, err)
	a := u.byName["admin"]
	require.NotNil(t, a)
	assert.Equal(t, "1", a.id)
	assert.GreaterOrEqual(t, a.password.iterations, 600000)
	assert.Equal(t, a.password.iterations, u.dummy.iterations, "unknown users cost as much")
	assert.NotContains(t, adminPasswordHash, "admin@123")
}

func TestDemoAccountPassword(t *testing.T) {
	u, err := DemoUsers()
	require.NoError(t, err)
	sub, _, err := u.Authenticate(context.Background(), "admin", "admin@123")
	require.NoError(t, err)
	assert.Equal(t, "1", sub)
}

func TestParsePasswordHash(t *testing.T) {
	for _, s := range []string{
		"", "pbkdf2_sha1$1000$2QLYwyOJFQhD0SX+BH3ldg$9yXtXLm0H4X3hUnigRGL70o1o2B5ReDbkPCIVCqXbCA",
		"pbkdf2_sha256$0$2QLYwyOJFQhD0SX+BH3ldg$9yXtXLm0H4X3hUnigRGL70o1o2B5ReDbkPCIVCqXbCA",
		"pbkdf2_sha256$1000$c2FsdA$9yXtXLm0H4X3hUnigRGL70o1o2B5ReDbkPCIVCqXbCA",
		"pbkdf2_sha256$1000$2QLYwyOJFQhD0SX+BH3ldg$aGFzaA",
	} {
		_, err := parsePasswordHash(s)
		assert.Error(t, err, s)
	}
	h, err := parsePasswordHash(HashPassword("pw", 7))
	require.NoError(t, err, "HashPassword writes what parsePasswordHash reads")
	assert.Equal(t, 7, h.iterations)
	assert.Equal(t, derivePBKDF2("pw", h.salt, 7), h.hash)
}

func TestNewUsersRefusesDuplicates(t *testing.T) {
	h := HashPassword("x", 1)
	_, err := NewUsers(Account{ID: "1", Username: "a", Password: h}, Account{ID: "1", Username: "b", Password: h})
	assert.Error(t, err)
	_, err = NewUsers(Account{ID: "1", Username: "a", Password: "plain text"})
	assert.Error(t, err)
}

// TestDerivePBKDF2 holds the password hash, written out so that it can
// yield, to crypto/pbkdf2 and to the PBKDF2-HMAC-SHA256 vector of RFC 7914,
// section 11 (its first 32 bytes).
func TestDerivePBKDF2(t *testing.T) {
	want, _ := hex.DecodeString("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc")
	assert.Equal(t, want, derivePBKDF2("passwd", []byte("salt"), 1), "RFC 7914")

	long := strings.Repeat("p", 100) // longer than a SHA-256 block: HMAC hashes the key
	for _, pw := range []string{"", "admin@123", long} {
		for _, salt := range [][]byte{nil, []byte("0123456789abcdef"), bytes.Repeat([]byte{0xff}, 70)} {
			for _, iter := range []int{1, 2, yieldEvery - 1, yieldEvery, yieldEvery + 1, 3*yieldEvery + 5} {
				ref, err := pbkdf2.Key(sha256.New, pw, salt, iter, sha256.Size)
				require.NoError(t, err)
				assert.Equal(t, ref, derivePBKDF2(pw, salt, iter), "password %d bytes, salt %d bytes, %d iterations", len(pw), len(salt), iter)
			}
		}
	}
}

// TestDerivePBKDF2Yields: a password check lets other goroutines run every
// yieldEvery iterations, and only then.
func TestDerivePBKDF2Yields(t *testing.T) {
	for _, tt := range []struct{ iterations, yields int }{
		{1, 0}, {yieldEvery, 0}, {yieldEvery + 1, 1}, {600000, 600000 / yieldEvery},
	} {
		n := 0
		pbkdf2SHA256("pw", []byte("salt"), tt.iterations, func() { n++ })
		assert.Equal(t, tt.yields, n, "%d iterations", tt.iterations)
	}
}
