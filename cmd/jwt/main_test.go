package main

import (
	"bytes"
	"crypto/rsa"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// clock is the time every test runs at.
var clock = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const keys = "testdata/keys/"

// result is what one run of the command gave.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command at the fixed clock, with stdin as standard input.
// keygen's RSA keys are the fixture rsa.pem rather than fresh ones.
func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	c := &cli{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut,
		now:    func() time.Time { return clock },
		genRSA: func(bits int) (*rsa.PrivateKey, error) { return fixtureRSA(t), nil },
	}
	code := c.run(args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

func fixtureRSA(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := jwt.ParsePrivateKeyPEM(readFile(t, keys+"rsa.pem"))
	require.NoError(t, err)
	return k.(*rsa.PrivateKey)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return data
}

// golden compares got with testdata/NAME.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	assert.Equal(t, string(readFile(t, path)), got)
}

// mustSign signs claims with the fixture key file at the test clock.
func mustSign(t *testing.T, claims string, args ...string) string {
	t.Helper()
	r := runCLI(t, claims, append([]string{"sign"}, args...)...)
	require.Equal(t, 0, r.code, r.stderr)
	require.Empty(t, r.stderr)
	return strings.TrimSuffix(r.stdout, "\n")
}

func payloadOf(t *testing.T, tok string) string {
	t.Helper()
	p, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	require.NoError(t, err)
	return string(p)
}

func TestHelp(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		golden string
	}{
		{name: "help", args: []string{"help"}, golden: "help"},
		{name: "-h", args: []string{"-h"}, golden: "help"},
		{name: "--help", args: []string{"--help"}, golden: "help"},
		{name: "help sign", args: []string{"help", "sign"}, golden: "help-sign"},
		{name: "sign -h", args: []string{"sign", "-h"}, golden: "help-sign"},
		{name: "verify -h", args: []string{"verify", "-h"}, golden: "help-verify"},
		{name: "help verify", args: []string{"help", "verify"}, golden: "help-verify"},
		{name: "decode -h", args: []string{"decode", "-h"}, golden: "help-decode"},
		{name: "keygen -help", args: []string{"keygen", "-help"}, golden: "help-keygen"},
		{name: "help keygen", args: []string{"help", "keygen"}, golden: "help-keygen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			assert.Equal(t, 0, r.code)
			assert.Empty(t, r.stderr)
			golden(t, tt.golden, r.stdout)
		})
	}
}

func TestNoArgumentsPrintsUsageAndFails(t *testing.T) {
	r := runCLI(t, "")
	assert.Equal(t, 2, r.code)
	assert.Empty(t, r.stdout)
	golden(t, "help", r.stderr)
}

// failure is a case that must fail with code and one golden line on stderr.
type failure struct {
	name  string
	stdin string
	args  []string
	code  int
}

func checkFailures(t *testing.T, dir string, tests []failure) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.stdin, tt.args...)
			assert.Equal(t, tt.code, r.code)
			assert.Empty(t, r.stdout, "nothing on standard output")
			assert.Equal(t, 1, strings.Count(r.stderr, "\n"), "one line")
			assert.True(t, strings.HasPrefix(r.stderr, "jwt: "), r.stderr)
			golden(t, filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")), r.stderr)
		})
	}
}

func TestUsageErrors(t *testing.T) {
	checkFailures(t, "usage", []failure{
		{name: "unknown command", args: []string{"frobnicate"}, code: 2},
		{name: "help for unknown command", args: []string{"help", "frobnicate"}, code: 2},
		{name: "sign without key", args: []string{"sign", "-alg", "HS256"}, code: 2},
		{name: "sign alg none", args: []string{"sign", "-alg", "none", "-key", keys + "hmac.key"}, code: 2},
		{name: "sign alg in wrong case", args: []string{"sign", "-alg", "hs256", "-key", keys + "hmac.key"}, code: 2},
		{name: "sign unknown flag", args: []string{"sign", "-algo", "HS256"}, code: 2},
		{name: "sign two claims files", args: []string{"sign", "-alg", "HS256", "-key", keys + "hmac.key", "a.json", "b.json"}, code: 2},
		{name: "sign PEM without alg", args: []string{"sign", "-key", keys + "rsa.pem"}, code: 2},
		{name: "sign JWK without alg", args: []string{"sign", "-key", keys + "ed25519.jwk.json"}, code: 2},
		{name: "sign exp twice", stdin: `{"exp":1}`, args: []string{"sign", "-alg", "HS256", "-key", keys + "hmac.key", "-exp", "1h"}, code: 2},
		{name: "sign bad duration", args: []string{"sign", "-alg", "HS256", "-key", keys + "hmac.key", "-exp", "soon"}, code: 2},
		{name: "verify without key", args: []string{"verify", "-alg", "HS256", "x"}, code: 2},
		{name: "verify PEM without alg", args: []string{"verify", "-key", keys + "rsa.pub.pem", "x"}, code: 2},
		{name: "verify secret without alg", args: []string{"verify", "-key", keys + "hmac.key", "x"}, code: 2},
		{name: "verify negative leeway", args: []string{"verify", "-alg", "HS256", "-key", keys + "hmac.key", "-leeway", "-1s", "x"}, code: 2},
		{name: "verify alg none", args: []string{"verify", "-alg", "none", "-key", keys + "hmac.key", "x"}, code: 2},
		{name: "decode two tokens", args: []string{"decode", "a", "b"}, code: 2},
		{name: "keygen without alg", args: []string{"keygen", "-out", "x"}, code: 2},
		{name: "keygen without out", args: []string{"keygen", "-alg", "ES256"}, code: 2},
		{name: "keygen bits for EC", args: []string{"keygen", "-alg", "ES256", "-bits", "3072", "-out", "x"}, code: 2},
		{name: "keygen bad bits", args: []string{"keygen", "-alg", "RS256", "-bits", "1024", "-out", "x"}, code: 2},
		{name: "keygen argument", args: []string{"keygen", "-alg", "RS256", "-out", "x", "extra"}, code: 2},
	})
}

func TestRejected(t *testing.T) {
	good := mustSign(t, `{"sub":"42","iss":"auth","aud":"api"}`, "-alg", "HS256", "-key", keys+"hmac.key", "-exp", "1h")
	d := strings.LastIndexByte(good, '.')
	parts := strings.Split(good, ".")
	evil := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"1","iss":"auth","aud":"api","exp":1999999999}`))
	expired := mustSign(t, `{}`, "-alg", "HS256", "-key", keys+"hmac.key", "-exp", "-1s")
	notYet := mustSign(t, `{}`, "-alg", "HS256", "-key", keys+"hmac.key", "-exp", "2h", "-nbf", "1h")
	noExp := mustSign(t, `{}`, "-alg", "HS256", "-key", keys+"hmac.key")
	rsaTok := mustSign(t, `{}`, "-alg", "RS256", "-key", keys+"rsa.pem", "-exp", "1h")
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."
	noneSigned := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "." + parts[2]

	// Algorithm confusion: an HS256 token whose secret is the RSA public
	// key's PEM, which an attacker knows.
	pubPEM := readFile(t, keys+"rsa.pub.pem")
	confusionKey, err := jwt.NewHMAC(jwt.HS256, pubPEM)
	require.NoError(t, err)
	confused, err := jwt.Sign(confusionKey, jwt.Claims{Subject: "admin", Expiry: jwt.NewNumericDate(clock.Add(time.Hour))})
	require.NoError(t, err)

	dir := t.TempDir()
	other := filepath.Join(dir, "other.key")
	require.NoError(t, os.WriteFile(other, []byte(strings.Repeat("o", 32)), 0o600))
	short := filepath.Join(dir, "short.key")
	require.NoError(t, os.WriteFile(short, []byte("0123456789"), 0o600))

	hs := []string{"verify", "-alg", "HS256", "-key", keys + "hmac.key"}
	checkFailures(t, "rejected", []failure{
		{name: "tampered payload", args: append(hs, parts[0]+"."+evil+"."+parts[2]), code: 1},
		{name: "tampered signature", args: append(hs, good[:d+1]+strings.Repeat("A", len(good)-d-1)), code: 1},
		{name: "expired", args: append(hs, expired), code: 1},
		{name: "not yet valid", args: append(hs, notYet), code: 1},
		{name: "no expiry", args: append(hs, noExp), code: 1},
		{name: "wrong issuer", args: append(hs, "-iss", "other", good), code: 1},
		{name: "wrong audience", args: append(hs, "-aud", "other", good), code: 1},
		{name: "wrong algorithm", args: []string{"verify", "-alg", "HS512", "-key", keys + "hmac.key", good}, code: 1},
		{name: "wrong key", args: []string{"verify", "-alg", "HS256", "-key", other, good}, code: 1},
		{name: "algorithm confusion with certificate as HMAC secret", args: []string{"verify", "-alg", "HS256", "-key", keys + "rsa.cert.pem", confused}, code: 1},
		{name: "alg none unsigned", args: append(hs, none), code: 1},
		{name: "alg none with signature", args: append(hs, noneSigned), code: 1},
		{name: "algorithm confusion with RS256 PEM", args: []string{"verify", "-alg", "RS256", "-key", keys + "rsa.pub.pem", confused}, code: 1},
		{name: "algorithm confusion with RS256 JWK", args: []string{"verify", "-key", keys + "rsa.pub.jwk.json", confused}, code: 1},
		{name: "algorithm confusion with PEM as HMAC secret", args: []string{"verify", "-alg", "HS256", "-key", keys + "rsa.pub.pem", confused}, code: 1},
		{name: "RS256 token against PS256", args: []string{"verify", "-alg", "PS256", "-key", keys + "rsa.pub.pem", rsaTok}, code: 1},
		{name: "JWK alg differs from flag", args: []string{"verify", "-alg", "PS256", "-key", keys + "rsa.pub.jwk.json", rsaTok}, code: 1},
		{name: "malformed token", args: append(hs, "not.a-token"), code: 1},
		{name: "empty token", args: hs, code: 1},
		{name: "missing key file", args: []string{"verify", "-alg", "HS256", "-key", keys + "absent.key", good}, code: 1},
		{name: "short secret", args: []string{"verify", "-alg", "HS256", "-key", short, good}, code: 1},
		{name: "sign with public key", stdin: `{}`, args: []string{"sign", "-alg", "RS256", "-key", keys + "rsa.pub.pem"}, code: 1},
		{name: "sign with public JWK", stdin: `{}`, args: []string{"sign", "-key", keys + "rsa.pub.jwk.json"}, code: 1},
		{name: "sign with EC key for RSA", stdin: `{}`, args: []string{"sign", "-alg", "RS256", "-key", keys + "ec256.pem"}, code: 1},
		{name: "claims not JSON", stdin: `{sub:1}`, args: []string{"sign", "-alg", "HS256", "-key", keys + "hmac.key"}, code: 1},
		{name: "claims not an object", stdin: `[1,2]`, args: []string{"sign", "-alg", "HS256", "-key", keys + "hmac.key"}, code: 1},
		{name: "claims with duplicate", stdin: `{"sub":"a","sub":"b"}`, args: []string{"sign", "-alg", "HS256", "-key", keys + "hmac.key"}, code: 1},
		{name: "claims two objects", stdin: `{} {}`, args: []string{"sign", "-alg", "HS256", "-key", keys + "hmac.key"}, code: 1},
		{name: "claims file missing", args: []string{"sign", "-alg", "HS256", "-key", keys + "hmac.key", "testdata/absent.json"}, code: 1},
		{name: "decode garbage", args: []string{"decode", "garbage"}, code: 1},
	})
}

func TestErrorLineHasNoSecretOrNewline(t *testing.T) {
	// A secret file holding a line break and a PEM-looking marker: the
	// reason must be one line and must not echo the file.
	dir := t.TempDir()
	path := filepath.Join(dir, "k")
	require.NoError(t, os.WriteFile(path, []byte("hunter2\nhunter2"), 0o600))
	r := runCLI(t, "", "verify", "-alg", "HS256", "-key", path, "a.b.c")
	assert.Equal(t, 1, r.code)
	assert.Equal(t, 1, strings.Count(r.stderr, "\n"))
	assert.NotContains(t, r.stderr, "hunter2")
}

func TestReasonIsOneLine(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{name: "package prefix kept once", err: jwt.ErrSignature, want: "jwt: signature is invalid"},
		{name: "inner prefixes dropped", err: fmt.Errorf("key file: %w", jwt.ErrInvalidKey), want: "jwt: key file: invalid key"},
		{name: "control characters become spaces", err: fmt.Errorf("a\nb\rc\x1bd"), want: "jwt: a b c d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, reason(tt.err))
		})
	}
}
