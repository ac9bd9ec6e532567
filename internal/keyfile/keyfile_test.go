package keyfile_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/keyfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// keys is where the jwt command keeps its key fixtures (see the README
// there for how each was made).
const keys = "../../cmd/jwt/testdata/keys/"

func TestPEMForms(t *testing.T) {
	tests := []struct {
		name   string
		alg    jwt.Algorithm
		signer string // private key file
		file   string // the form under test
	}{
		{name: "RSA PKCS#8 private verifies", alg: jwt.RS256, signer: "rsa.pem", file: "rsa.pem"},
		{name: "RSA PKCS#1 private verifies", alg: jwt.PS256, signer: "rsa.pem", file: "rsa.pkcs1.pem"},
		{name: "RSA PKIX public", alg: jwt.RS384, signer: "rsa.pem", file: "rsa.pub.pem"},
		{name: "RSA PKCS#1 public", alg: jwt.RS512, signer: "rsa.pem", file: "rsa.pkcs1.pub.pem"},
		{name: "RSA certificate", alg: jwt.PS512, signer: "rsa.pem", file: "rsa.cert.pem"},
		{name: "EC SEC 1 private", alg: jwt.ES256, signer: "ec256.sec1.pem", file: "ec256.sec1.pem"},
		{name: "EC PKIX public", alg: jwt.ES256, signer: "ec256.pem", file: "ec256.pub.pem"},
		{name: "EC certificate", alg: jwt.ES256, signer: "ec256.pem", file: "ec256.cert.pem"},
		{name: "EC after EC PARAMETERS", alg: jwt.ES256, signer: "ec256.openssl.pem", file: "ec256.openssl.pem"},
		{name: "P-384", alg: jwt.ES384, signer: "ec384.pem", file: "ec384.pub.pem"},
		{name: "P-521", alg: jwt.ES512, signer: "ec521.pem", file: "ec521.pub.pem"},
		{name: "Ed25519", alg: jwt.EdDSA, signer: "ed25519.pem", file: "ed25519.pub.pem"},
		{name: "HMAC secret", alg: jwt.HS512, signer: "hmac.key", file: "hmac.key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := keyfile.ReadSigner(keys+tt.signer, tt.alg)
			require.NoError(t, err)
			require.Equal(t, tt.alg, s.Algorithm())
			v, err := keyfile.ReadVerifier(keys+tt.file, tt.alg)
			require.NoError(t, err)
			require.Equal(t, tt.alg, v.Algorithm())
			tok, err := jwt.Sign(s, jwt.Claims{Subject: "x"})
			require.NoError(t, err)
			require.NoError(t, jwt.Expect{AllowMissingExpiry: true}.Verify(tok, keyfile.Keys(v), nil))
		})
	}
}

func TestPrivateFormsSign(t *testing.T) {
	tests := []struct {
		name string
		alg  jwt.Algorithm
		file string
		pub  string
	}{
		{name: "PKCS#8 RSA", alg: jwt.RS256, file: "rsa.pem", pub: "rsa.pub.pem"},
		{name: "PKCS#1 RSA", alg: jwt.PS384, file: "rsa.pkcs1.pem", pub: "rsa.pub.pem"},
		{name: "SEC 1 EC", alg: jwt.ES256, file: "ec256.sec1.pem", pub: "ec256.pub.pem"},
		{name: "PKCS#8 EC", alg: jwt.ES256, file: "ec256.pem", pub: "ec256.pub.pem"},
		{name: "PKCS#8 Ed25519", alg: jwt.EdDSA, file: "ed25519.pem", pub: "ed25519.pub.pem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := keyfile.ReadSigner(keys+tt.file, tt.alg)
			require.NoError(t, err)
			v, err := keyfile.ReadVerifier(keys+tt.pub, tt.alg)
			require.NoError(t, err)
			tok, err := jwt.Sign(s, jwt.Claims{Subject: "x"})
			require.NoError(t, err)
			require.NoError(t, jwt.Expect{AllowMissingExpiry: true}.Verify(tok, keyfile.Keys(v), nil))
		})
	}
}

func TestRefused(t *testing.T) {
	tests := []struct {
		name    string
		file    string
		data    string // used when file is empty
		alg     jwt.Algorithm
		purpose keyfile.Purpose
		wantErr error
	}{
		{name: "sign with a public key", file: "rsa.pub.pem", alg: jwt.RS256, purpose: keyfile.Sign, wantErr: jwt.ErrKeyMismatch},
		{name: "sign with a PKCS#1 public key", file: "rsa.pkcs1.pub.pem", alg: jwt.RS256, purpose: keyfile.Sign, wantErr: jwt.ErrKeyMismatch},
		{name: "sign with a certificate", file: "rsa.cert.pem", alg: jwt.RS256, purpose: keyfile.Sign, wantErr: jwt.ErrKeyMismatch},
		{name: "EC key for RSA algorithm", file: "ec256.pem", alg: jwt.RS256, purpose: keyfile.Sign, wantErr: jwt.ErrKeyMismatch},
		{name: "RSA key for EdDSA", file: "rsa.pub.pem", alg: jwt.EdDSA, purpose: keyfile.Verify, wantErr: jwt.ErrKeyMismatch},
		{name: "P-256 key for ES384", file: "ec256.pub.pem", alg: jwt.ES384, purpose: keyfile.Verify, wantErr: jwt.ErrKeyMismatch},
		{name: "alg none", file: "hmac.key", alg: "none", purpose: keyfile.Verify, wantErr: jwt.ErrUnsupportedAlgorithm},
		{name: "alg in the wrong case", file: "hmac.key", alg: "hs256", purpose: keyfile.Verify, wantErr: jwt.ErrUnsupportedAlgorithm},
		{name: "no algorithm for a PEM", file: "rsa.pem", purpose: keyfile.Verify, wantErr: keyfile.ErrNoAlgorithm},
		{name: "no algorithm for a secret", file: "hmac.key", purpose: keyfile.Sign, wantErr: keyfile.ErrNoAlgorithm},
		{name: "algorithm confusion: public key PEM as HMAC secret", file: "rsa.pub.pem", alg: jwt.HS256, purpose: keyfile.Verify, wantErr: jwt.ErrKeyMismatch},
		{name: "algorithm confusion: certificate as HMAC secret", file: "rsa.cert.pem", alg: jwt.HS256, purpose: keyfile.Sign, wantErr: jwt.ErrKeyMismatch},
		{name: "short secret", data: "0123456789abcdef0123456789abcde", alg: jwt.HS256, purpose: keyfile.Sign, wantErr: jwt.ErrWeakKey},
		{name: "secret too short for HS512", file: "", data: strings.Repeat("s", 63), alg: jwt.HS512, purpose: keyfile.Verify, wantErr: jwt.ErrWeakKey},
		{name: "empty secret", data: "", alg: jwt.HS256, purpose: keyfile.Verify, wantErr: jwt.ErrInvalidKey},
		{name: "not PEM", data: "hello", alg: jwt.RS256, purpose: keyfile.Verify, wantErr: jwt.ErrInvalidKey},
		{name: "only EC PARAMETERS", data: "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n", alg: jwt.ES256, purpose: keyfile.Verify, wantErr: jwt.ErrInvalidKey},
		{name: "broken PEM body", data: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n", alg: jwt.ES256, purpose: keyfile.Sign, wantErr: jwt.ErrInvalidKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.data)
			if tt.file != "" {
				var err error
				data, err = os.ReadFile(keys + tt.file)
				require.NoError(t, err)
			}
			var k any
			var err error
			if tt.purpose == keyfile.Sign {
				k, err = keyfile.ParseSigner(data, tt.alg)
			} else {
				k, err = keyfile.ParseVerifier(data, tt.alg)
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, k)
		})
	}
}

func TestSecretBytesTakenExactly(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32) + "\n")
	s, err := keyfile.ParseSigner(secret, jwt.HS256)
	require.NoError(t, err)
	tok, err := jwt.Sign(s, jwt.Claims{Subject: "x"})
	require.NoError(t, err)
	exact, err := jwt.NewHMAC(jwt.HS256, secret)
	require.NoError(t, err)
	trimmed, err := jwt.NewHMAC(jwt.HS256, bytes.TrimSpace(secret))
	require.NoError(t, err)
	e := jwt.Expect{AllowMissingExpiry: true}
	require.NoError(t, e.Verify(tok, exact, nil), "the newline is part of the secret")
	require.ErrorIs(t, e.Verify(tok, trimmed, nil), jwt.ErrSignature)
}

func TestReadSize(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		size    int
		wantErr error
	}{
		{name: "exactly MaxSize", size: keyfile.MaxSize},
		{name: "one byte more", size: keyfile.MaxSize + 1, wantErr: keyfile.ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "k")
			require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte{'k'}, tt.size), 0o600))
			data, err := keyfile.Read(path)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, data)
				_, err = keyfile.ReadSigner(path, jwt.HS256)
				require.ErrorIs(t, err, tt.wantErr)
				_, err = keyfile.ReadVerifier(path, jwt.HS256)
				require.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Len(t, data, tt.size)
		})
	}
}

func TestReadMissing(t *testing.T) {
	_, err := keyfile.ReadSigner(filepath.Join(t.TempDir(), "absent"), jwt.HS256)
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = keyfile.ReadVerifier(filepath.Join(t.TempDir(), "absent"), jwt.HS256)
	require.ErrorIs(t, err, os.ErrNotExist)
}

// kmsVerifier stands for a Verifier of the caller's own, which is not Keys.
type kmsVerifier struct{ jwt.Verifier }

func TestKeys(t *testing.T) {
	v, err := keyfile.ReadVerifier(keys+"hmac.key", jwt.HS256)
	require.NoError(t, err)
	assert.Same(t, v, keyfile.Keys(v), "a verifier of package jwt is used as it is")

	own := kmsVerifier{v}
	k := keyfile.Keys(own)
	got, err := k.VerifierFor(context.Background(), jwt.Header{KeyID: "any"})
	require.NoError(t, err)
	assert.Equal(t, own, got)
}
