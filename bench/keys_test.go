package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"testing"
	"time"
)

// UserClaims is the payload every adapter signs and verifies: the
// registered claims with one audience, and two private claims as a
// SimpleJWT access token carries them.
type UserClaims struct {
	Issuer    string `json:"iss"`
	Subject   string `json:"sub"`
	Audience  string `json:"aud"`
	Expiry    int64  `json:"exp"`
	NotBefore int64  `json:"nbf"`
	IssuedAt  int64  `json:"iat"`
	ID        string `json:"jti"`
	TokenType string `json:"token_type"`
	UserID    int64  `json:"user_id"`
}

// sample is valid from 2023 until 2100, so that the real clock accepts it.
var sample = UserClaims{
	Issuer:    "https://auth.example.com",
	Subject:   "user-0123456789",
	Audience:  "https://api.example.com",
	Expiry:    4102444800,
	NotBefore: 1700000000,
	IssuedAt:  1700000000,
	ID:        "6f1e7c1a-9a3b-4b2e-8c1d-2f5e0a7b9c3d",
	TokenType: "access",
	UserID:    1234567890,
}

var sampleTime = time.Unix(1800000000, 0)

// keys are the fixed keys of one algorithm: HMAC secret or private key.
type keys struct {
	alg    string
	secret []byte
	priv   crypto.Signer
}

func (k keys) public() crypto.PublicKey { return k.priv.Public() }

var algs = []string{"HS256", "RS256", "PS256", "ES256", "EdDSA"}

// fixedKeys reads the RFC example keys from the root module's testdata,
// so that no run generates a key.
func fixedKeys(tb testing.TB, alg string) keys {
	tb.Helper()
	if alg == "HS256" {
		return keys{alg: alg, secret: []byte("bench-secret-0123456789abcdefghij")}
	}
	file, idx := "rfc7515.json", 1 // A.2, a 2048-bit RSA key
	switch alg {
	case "ES256":
		idx = 2 // A.3, a P-256 key
	case "EdDSA":
		file, idx = "rfc8037.json", 0
	}
	data, err := os.ReadFile("../testdata/" + file)
	if err != nil {
		tb.Fatal(err)
	}
	var f struct {
		JWS []struct {
			KeyPEM struct {
				Private string `json:"private_pkcs8"`
			} `json:"key_pem"`
		} `json:"jws"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		tb.Fatal(err)
	}
	block, _ := pem.Decode([]byte(f.JWS[idx].KeyPEM.Private))
	if block == nil {
		tb.Fatal("no PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		return keys{alg: alg, priv: k}
	case *ecdsa.PrivateKey:
		return keys{alg: alg, priv: k}
	case ed25519.PrivateKey:
		return keys{alg: alg, priv: k}
	}
	tb.Fatalf("unexpected key %T", k)
	return keys{}
}
