package keyfile_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/keyfile"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rfcJWK returns the JWK of the entry name in the keys of an RFC file of
// the repository's testdata.
func rfcJWK(t *testing.T, file, name string, public bool) []byte {
	t.Helper()
	data, err := os.ReadFile("../../testdata/" + file)
	require.NoError(t, err)
	var f struct {
		Keys []struct {
			Name      string          `json:"name"`
			JWK       json.RawMessage `json:"jwk"`
			PublicJWK json.RawMessage `json:"public_jwk"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	for _, k := range f.Keys {
		if k.Name == name {
			if public {
				return k.PublicJWK
			}
			return k.JWK
		}
	}
	t.Fatalf("no key %q in %s", name, file)
	return nil
}

// without returns the JSON object data without the member name.
func without(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	delete(m, name)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

func TestJWKForms(t *testing.T) {
	rsaPriv := rfcJWK(t, "rfc7517.json", "RFC 7517 A.2 RSA private key", false) // alg RS256, kid "2011-04-29"
	rsaPub := rfcJWK(t, "rfc7517.json", "RFC 7517 A.1 RSA public key", false)
	// The RFC's EC keys are for encryption ("use":"enc"); without use
	// they serve ES256. They name no alg.
	ecPriv := without(t, rfcJWK(t, "rfc7517.json", "RFC 7517 A.2 EC P-256 private key", false), "use")
	ecPub := without(t, rfcJWK(t, "rfc7517.json", "RFC 7517 A.1 EC P-256 public key", false), "use")
	edPriv := rfcJWK(t, "rfc8037.json", "RFC 8037 A.1 Ed25519 private key", false)
	edPub := rfcJWK(t, "rfc8037.json", "RFC 8037 A.2 Ed25519 public key", false)
	oct := rfcJWK(t, "rfc7517.json", "RFC 7517 A.3 symmetric key (HMAC, the RFC 7515 A.1 key)", false)
	tests := []struct {
		name      string
		priv      []byte
		pub       []byte
		alg       jwt.Algorithm
		wantAlg   jwt.Algorithm
		wantKeyID string
	}{
		{name: "RSA JWK names its alg", priv: rsaPriv, pub: rsaPub, wantAlg: jwt.RS256, wantKeyID: "2011-04-29"},
		{name: "RSA JWK with the same alg given", priv: rsaPriv, pub: rsaPub, alg: jwt.RS256, wantAlg: jwt.RS256, wantKeyID: "2011-04-29"},
		{name: "EC JWK without alg takes the given one", priv: ecPriv, pub: ecPub, alg: jwt.ES256, wantAlg: jwt.ES256, wantKeyID: "1"},
		{name: "Ed25519 JWK", priv: edPriv, pub: edPub, alg: jwt.EdDSA, wantAlg: jwt.EdDSA},
		{name: "private JWK verifies", priv: edPriv, pub: edPriv, alg: jwt.EdDSA, wantAlg: jwt.EdDSA},
		{name: "oct JWK", priv: oct, pub: oct, alg: jwt.HS256, wantAlg: jwt.HS256, wantKeyID: "HMAC key used in JWS spec Appendix A.1 example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := keyfile.ParseSigner(tt.priv, tt.alg)
			require.NoError(t, err)
			assert.Equal(t, tt.wantAlg, s.Algorithm())
			v, err := keyfile.ParseVerifier(tt.pub, tt.alg)
			require.NoError(t, err)
			assert.Equal(t, tt.wantAlg, v.Algorithm())
			tok, err := jwt.Sign(s, jwt.Claims{Subject: "x"})
			require.NoError(t, err)
			u, err := jwt.DecodeUnverified(tok)
			require.NoError(t, err)
			assert.Equal(t, tt.wantKeyID, u.Header.KeyID, "the JWK's kid goes into the header")
			require.NoError(t, jwt.Expect{AllowMissingExpiry: true}.Verify(tok, keyfile.Keys(v), nil))
		})
	}
}

func TestJWKRefused(t *testing.T) {
	rsaPriv := rfcJWK(t, "rfc7517.json", "RFC 7517 A.2 RSA private key", false)
	rsaPub := rfcJWK(t, "rfc7517.json", "RFC 7517 A.1 RSA public key", false)
	ecEnc := rfcJWK(t, "rfc7517.json", "RFC 7517 A.1 EC P-256 public key", false)
	ecPub := without(t, ecEnc, "use")
	oct := rfcJWK(t, "rfc7517.json", "RFC 7517 A.3 symmetric key (HMAC, the RFC 7515 A.1 key)", false)
	tests := []struct {
		name    string
		data    []byte
		alg     jwt.Algorithm
		purpose keyfile.Purpose
		wantErr error
	}{
		{name: "given alg differs from the JWK's", data: rsaPub, alg: jwt.PS256, purpose: keyfile.Verify, wantErr: jwt.ErrKeyMismatch},
		{name: "no alg anywhere", data: ecPub, purpose: keyfile.Verify, wantErr: keyfile.ErrNoAlgorithm},
		{name: "no alg anywhere, oct", data: oct, purpose: keyfile.Sign, wantErr: keyfile.ErrNoAlgorithm},
		{name: "sign with a public JWK", data: rsaPub, purpose: keyfile.Sign, wantErr: jwt.ErrKeyMismatch},
		{name: "algorithm confusion: RSA public JWK as HMAC secret", data: rsaPub, alg: jwt.HS256, purpose: keyfile.Verify, wantErr: jwt.ErrKeyMismatch},
		{name: "algorithm confusion: EC JWK as HMAC secret", data: ecPub, alg: jwt.HS256, purpose: keyfile.Verify, wantErr: jwt.ErrKeyMismatch},
		{name: "oct JWK for RSA", data: oct, alg: jwt.RS256, purpose: keyfile.Verify, wantErr: jwt.ErrKeyMismatch},
		{name: "private RSA JWK for ES256", data: rsaPriv, alg: jwt.ES256, purpose: keyfile.Sign, wantErr: jwt.ErrKeyMismatch},
		{name: "JWK for encryption", data: ecEnc, alg: jwt.ES256, purpose: keyfile.Verify, wantErr: jwt.ErrKeyMismatch},
		{name: "broken JWK", data: []byte(`{"kty":"EC","crv":"P-256"}`), alg: jwt.ES256, purpose: keyfile.Verify, wantErr: jwt.ErrInvalidKey},
		{name: "alg none in the JWK", data: []byte(`{"kty":"oct","alg":"none","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI"}`), purpose: keyfile.Verify, wantErr: jwt.ErrUnsupportedAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var k any
			var err error
			if tt.purpose == keyfile.Sign {
				k, err = keyfile.ParseSigner(tt.data, tt.alg)
			} else {
				k, err = keyfile.ParseVerifier(tt.data, tt.alg)
			}
			require.ErrorIs(t, err, tt.wantErr)
			assert.Nil(t, k)
		})
	}
}
