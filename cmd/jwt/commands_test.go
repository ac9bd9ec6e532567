package main

import (
	"crypto/rsa"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoundTripEveryAlgorithm(t *testing.T) {
	exp := strconv.FormatInt(clock.Unix()+3600, 10)
	for _, alg := range jwt.Algorithms() {
		t.Run(string(alg), func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "k")
			r := runCLI(t, "", "keygen", "-alg", string(alg), "-out", prefix)
			require.Equal(t, 0, r.code, r.stderr)
			hmac := strings.HasPrefix(string(alg), "HS")
			var priv, pub []string
			if hmac {
				priv, pub = []string{".key", ".jwk.json"}, []string{".key", ".jwk.json"}
			} else {
				priv, pub = []string{".pem", ".jwk.json"}, []string{".pub.pem", ".pub.jwk.json"}
			}
			for i := range priv {
				for _, withAlg := range []bool{true, false} {
					if !withAlg && !strings.HasSuffix(priv[i], ".jwk.json") {
						continue
					}
					args := []string{"-key", prefix + priv[i], "-exp", "1h"}
					if withAlg {
						args = append(args, "-alg", string(alg))
					}
					tok := mustSign(t, `{"sub":"42"}`, args...)
					vargs := []string{"verify", "-key", prefix + pub[i], tok}
					if withAlg {
						vargs = append(vargs, "-alg", string(alg))
					}
					v := runCLI(t, "", vargs...)
					require.Equal(t, 0, v.code, v.stderr)
					assert.Equal(t, `{"sub":"42","exp":`+exp+"}\n", v.stdout)
				}
			}
		})
	}
}

func TestKeygenFiles(t *testing.T) {
	tests := []struct {
		name  string
		alg   string
		files map[string]os.FileMode
	}{
		{name: "HMAC", alg: "HS384", files: map[string]os.FileMode{".key": 0o600, ".jwk.json": 0o600}},
		{name: "ECDSA", alg: "ES512", files: map[string]os.FileMode{".pem": 0o600, ".pub.pem": 0o644, ".jwk.json": 0o600, ".pub.jwk.json": 0o644}},
		{name: "RSA", alg: "PS256", files: map[string]os.FileMode{".pem": 0o600, ".pub.pem": 0o644, ".jwk.json": 0o600, ".pub.jwk.json": 0o644}},
		{name: "EdDSA", alg: "EdDSA", files: map[string]os.FileMode{".pem": 0o600, ".pub.pem": 0o644, ".jwk.json": 0o600, ".pub.jwk.json": 0o644}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			prefix := filepath.Join(dir, "k")
			r := runCLI(t, "", "keygen", "-alg", tt.alg, "-out", prefix)
			require.Equal(t, 0, r.code, r.stderr)
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Len(t, entries, len(tt.files))
			var printed []string
			for suffix, mode := range tt.files {
				fi, err := os.Stat(prefix + suffix)
				require.NoError(t, err)
				if mode == 0o600 {
					assert.Equal(t, mode, fi.Mode().Perm(), "secret file %s", suffix)
				} else {
					assert.Zero(t, fi.Mode().Perm()&0o022, "public file %s is not writable by others", suffix)
				}
				printed = append(printed, prefix+suffix)
			}
			assert.ElementsMatch(t, printed, strings.Fields(r.stdout))

			priv, err := jwk.ParseKey(readFile(t, prefix+".jwk.json"))
			require.NoError(t, err)
			assert.Equal(t, jwt.Algorithm(tt.alg), priv.Algorithm)
			kid, err := priv.Thumbprint()
			require.NoError(t, err)
			assert.Equal(t, kid, priv.KeyID, "kid is the RFC 7638 thumbprint")
			if _, ok := tt.files[".pub.jwk.json"]; ok {
				pub, err := jwk.ParseKey(readFile(t, prefix+".pub.jwk.json"))
				require.NoError(t, err)
				assert.Equal(t, kid, pub.KeyID)
				assert.Equal(t, pub.Key, pub.Public().Key, "the published JWK holds no private key")
			}
		})
	}
}

func TestKeygenSecretSize(t *testing.T) {
	tests := []struct {
		alg  string
		size int
	}{{"HS256", 32}, {"HS384", 48}, {"HS512", 64}}
	for _, tt := range tests {
		t.Run(tt.alg, func(t *testing.T) {
			prefix := filepath.Join(t.TempDir(), "k")
			require.Equal(t, 0, runCLI(t, "", "keygen", "-alg", tt.alg, "-out", prefix).code)
			assert.Len(t, readFile(t, prefix+".key"), tt.size)
		})
	}
}

func TestKeygenRefusesToOverwrite(t *testing.T) {
	dir := t.TempDir()
	prefix := filepath.Join(dir, "k")
	require.NoError(t, os.WriteFile(prefix+".pub.jwk.json", []byte("keep"), 0o644))
	r := runCLI(t, "", "keygen", "-alg", "ES256", "-out", prefix)
	assert.Equal(t, 1, r.code)
	assert.Equal(t, "jwt: "+prefix+".pub.jwk.json already exists; nothing written\n", r.stderr)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "nothing written")
	assert.Equal(t, "keep", string(readFile(t, prefix+".pub.jwk.json")))
}

func TestKeygenRSABits(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{name: "default", want: 2048},
		{name: "3072", args: []string{"-bits", "3072"}, want: 3072},
		{name: "4096", args: []string{"-bits", "4096"}, want: 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got int
			c := &cli{stdin: strings.NewReader(""), stdout: new(strings.Builder), stderr: new(strings.Builder), now: nil,
				genRSA: func(bits int) (*rsa.PrivateKey, error) { got = bits; return fixtureRSA(t), nil }}
			args := append([]string{"keygen", "-alg", "RS256", "-out", filepath.Join(t.TempDir(), "k")}, tt.args...)
			require.Equal(t, 0, c.run(args))
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestKeygenRSAReal generates one real RSA key, the only one in the tests.
func TestKeygenRSAReal(t *testing.T) {
	prefix := filepath.Join(t.TempDir(), "k")
	code := run([]string{"keygen", "-alg", "RS256", "-out", prefix}, strings.NewReader(""), new(strings.Builder), new(strings.Builder))
	require.Equal(t, 0, code)
	k, err := jwt.ParsePrivateKeyPEM(readFile(t, prefix+".pem"))
	require.NoError(t, err)
	assert.Equal(t, 2048, k.(*rsa.PrivateKey).N.BitLen())
}

func TestKeyFileForms(t *testing.T) {
	tests := []struct {
		name      string
		alg       string // empty: from the JWK
		sign      string
		verify    string
		wantKeyID string
	}{
		{name: "PKCS#8 to PKIX", alg: "RS256", sign: "rsa.pem", verify: "rsa.pub.pem"},
		{name: "PKCS#1 to PKCS#1 public", alg: "PS512", sign: "rsa.pkcs1.pem", verify: "rsa.pkcs1.pub.pem"},
		{name: "PKCS#8 to certificate", alg: "RS384", sign: "rsa.pem", verify: "rsa.cert.pem"},
		{name: "SEC 1 to EC certificate", alg: "ES256", sign: "ec256.sec1.pem", verify: "ec256.cert.pem"},
		{name: "OpenSSL EC PARAMETERS file both ways", alg: "ES256", sign: "ec256.openssl.pem", verify: "ec256.openssl.pem"},
		{name: "P-384", alg: "ES384", sign: "ec384.pem", verify: "ec384.pub.pem"},
		{name: "P-521", alg: "ES512", sign: "ec521.pem", verify: "ec521.pub.pem"},
		{name: "private PEM verifies", alg: "EdDSA", sign: "ed25519.pem", verify: "ed25519.pem"},
		{name: "private JWK to public JWK, alg from JWK", sign: "rsa.jwk.json", verify: "rsa.pub.jwk.json", wantKeyID: "rfc7515-a2"},
		{name: "private JWK to PEM", alg: "RS256", sign: "rsa.jwk.json", verify: "rsa.pub.pem", wantKeyID: "rfc7515-a2"},
		{name: "PEM to public JWK", sign: "rsa.pem", alg: "RS256", verify: "rsa.pub.jwk.json"},
		{name: "JWK without alg", alg: "EdDSA", sign: "ed25519.jwk.json", verify: "ed25519.pub.jwk.json"},
		{name: "raw secret to oct JWK", alg: "HS256", sign: "hmac.key", verify: "hmac.jwk.json"},
		{name: "oct JWK to raw secret", sign: "hmac.jwk.json", verify: "hmac.key", alg: "HS256"},
		{name: "raw secret for HS512", alg: "HS512", sign: "hmac.key", verify: "hmac.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"-key", keys + tt.sign, "-exp", "1m"}
			vargs := []string{"verify", "-key", keys + tt.verify}
			if tt.alg != "" {
				args = append(args, "-alg", tt.alg)
				vargs = append(vargs, "-alg", tt.alg)
			}
			tok := mustSign(t, `{"sub":"x"}`, args...)
			u, err := jwt.DecodeUnverified(tok)
			require.NoError(t, err)
			assert.Equal(t, tt.wantKeyID, u.Header.KeyID)
			r := runCLI(t, "", append(vargs, tok)...)
			require.Equal(t, 0, r.code, r.stderr)
		})
	}
}

func TestSignKeepsClaimsExactly(t *testing.T) {
	tests := []struct {
		name   string
		claims string
		args   []string
		want   string
	}{
		{name: "numbers, nesting, null and order", claims: "{\n  \"z\": 1e400,\n  \"a\": 12345678901234567890,\n  \"n\": null,\n  \"o\": {\"b\": [1, -0.5, \"<&>\"]}\n}\n",
			want: `{"z":1e400,"a":12345678901234567890,"n":null,"o":{"b":[1,-0.5,"<&>"]}}`},
		{name: "escapes kept", claims: `{"s":"\u00e9\n"}`, want: `{"s":"\u00e9\n"}`},
		{name: "nothing added", claims: `{}`, want: `{}`},
		{name: "iat, nbf and exp added at the end", claims: `{"sub":"1"}`, args: []string{"-exp", "1h", "-nbf", "-1m", "-iat"},
			want: `{"sub":"1","iat":1767323045,"nbf":1767322985,"exp":1767326645}`},
		{name: "exp into an empty object", claims: `{}`, args: []string{"-exp", "90s"}, want: `{"exp":1767323135}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustSign(t, tt.claims, append([]string{"-alg", "HS256", "-key", keys + "hmac.key"}, tt.args...)...)
			assert.Equal(t, tt.want, payloadOf(t, tok))
		})
	}
}

func TestSignHeader(t *testing.T) {
	tests := []struct {
		name string
		args []string
		key  string
		want string
	}{
		{name: "default", key: "hmac.key", args: []string{"-alg", "HS256"}, want: `{"alg":"HS256","typ":"JWT"}`},
		{name: "kid and typ flags", key: "hmac.key", args: []string{"-alg", "HS256", "-kid", "k1", "-typ", "at+jwt"}, want: `{"alg":"HS256","kid":"k1","typ":"at+jwt"}`},
		{name: "kid from JWK", key: "rsa.jwk.json", want: `{"alg":"RS256","kid":"rfc7515-a2","typ":"JWT"}`},
		{name: "kid flag over JWK", key: "rsa.jwk.json", args: []string{"-kid", "mine"}, want: `{"alg":"RS256","kid":"mine","typ":"JWT"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustSign(t, `{}`, append([]string{"-key", keys + tt.key}, tt.args...)...)
			u, err := jwt.DecodeUnverified(tok)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(u.RawHeader))
		})
	}
}

func TestSignGolden(t *testing.T) {
	// HS256 and EdDSA are deterministic: the whole token is pinned.
	tests := []struct {
		name string
		args []string
	}{
		{name: "sign-HS256", args: []string{"-alg", "HS256", "-key", keys + "hmac.key", "-iat", "-exp", "1h"}},
		{name: "sign-EdDSA", args: []string{"-alg", "EdDSA", "-key", keys + "ed25519.pem", "-exp", "1h"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, `{"sub":"42","role":"admin"}`, append([]string{"sign"}, tt.args...)...)
			require.Equal(t, 0, r.code, r.stderr)
			golden(t, tt.name, r.stdout)
		})
	}
}

func TestInputs(t *testing.T) {
	dir := t.TempDir()
	claims := filepath.Join(dir, "claims.json")
	require.NoError(t, os.WriteFile(claims, []byte(`{"from":"file"}`), 0o644))
	sign := []string{"sign", "-alg", "HS256", "-key", keys + "hmac.key", "-exp", "1h"}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{name: "claims from stdin", stdin: `{"from":"stdin"}`, args: sign, want: `"stdin"`},
		{name: "claims from - ", stdin: `{"from":"stdin"}`, args: append(sign, "-"), want: `"stdin"`},
		{name: "claims from file", stdin: `{"from":"stdin"}`, args: append(sign, claims), want: `"file"`},
		{name: "flags after the file", stdin: `{"from":"stdin"}`, args: []string{"sign", claims, "-alg", "HS256", "-key", keys + "hmac.key", "-exp", "1h"}, want: `"file"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.stdin, tt.args...)
			require.Equal(t, 0, r.code, r.stderr)
			tok := strings.TrimSuffix(r.stdout, "\n")
			assert.Contains(t, payloadOf(t, tok), `"from":`+tt.want)

			verify := []string{"verify", "-alg", "HS256", "-key", keys + "hmac.key"}
			for _, v := range []struct {
				name  string
				stdin string
				args  []string
			}{
				{name: "argument", args: append(verify, tok)},
				{name: "argument with white space", args: append(verify, " "+tok+"\n")},
				{name: "stdin with newline", stdin: tok + "\n", args: verify},
				{name: "stdin with -", stdin: "\t" + tok + "\r\n", args: append(verify, "-")},
				{name: "after --", args: append(verify, "--", tok)},
			} {
				r := runCLI(t, v.stdin, v.args...)
				require.Equal(t, 0, r.code, "%s: %s", v.name, r.stderr)
				assert.Equal(t, payloadOf(t, tok)+"\n", r.stdout, v.name)
			}
		})
	}
}

func TestVerifyPolicy(t *testing.T) {
	tok := mustSign(t, `{"iss":"auth","aud":["api","web"]}`, "-alg", "HS256", "-key", keys+"hmac.key", "-exp", "-10s")
	tests := []struct {
		name string
		args []string
		code int
	}{
		{name: "expired without leeway", code: 1},
		{name: "leeway covers the skew", args: []string{"-leeway", "11s"}, code: 0},
		{name: "leeway too small", args: []string{"-leeway", "10s"}, code: 1},
		{name: "issuer and audience match", args: []string{"-leeway", "1m", "-iss", "auth", "-aud", "web"}, code: 0},
		{name: "issuer differs in case", args: []string{"-leeway", "1m", "-iss", "Auth"}, code: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", append(append([]string{"verify", "-alg", "HS256", "-key", keys + "hmac.key"}, tt.args...), tok)...)
			assert.Equal(t, tt.code, r.code, r.stderr)
		})
	}
}

func TestDecode(t *testing.T) {
	var f struct {
		JWS []struct {
			Name    string `json:"name"`
			Compact string `json:"compact"`
		} `json:"jws"`
	}
	for _, file := range []string{"rfc7515.json", "rfc7520.json"} {
		require.NoError(t, json.Unmarshal(readFile(t, "../../testdata/"+file), &f))
		for _, c := range f.JWS {
			if !strings.Contains(c.Name, "A.1") && !strings.Contains(c.Name, "A.5") && !strings.Contains(c.Name, "4.4") {
				continue
			}
			t.Run(c.Name, func(t *testing.T) {
				r := runCLI(t, c.Compact+"\n", "decode")
				require.Equal(t, 0, r.code, r.stderr)
				assert.Equal(t, "jwt: decoded only: the signature and the claims were NOT verified\n", r.stderr)
				golden(t, "decode-"+strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(c.Name), r.stdout)
			})
		}
	}
}
