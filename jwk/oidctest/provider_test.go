package oidctest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/jwtpair/jwt"
	"github.com/stretchr/testify/require"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// provider is one OpenID provider: the example server of zitadel/oidc
// (exampleop.SetupServer over its in-memory storage.Storage), listening
// on 127.0.0.1. The test chooses the keys it signs with and publishes,
// and the clients that may get tokens; everything else (discovery, the
// JWK Set endpoint, the token endpoint, the tokens) is the library's.
type provider struct {
	issuer      string
	srv         *httptest.Server
	store       *keyStorage
	jwksFetches atomic.Int64
}

// opKey is a signing key of the provider.
type opKey struct {
	id         string
	alg        jose.SignatureAlgorithm
	publishAlg bool // false: published without alg, as Entra ID does
	priv       crypto.Signer
}

// keyStorage is the example storage with signing keys and service
// clients of the test's.
type keyStorage struct {
	*storage.Storage
	mu      sync.Mutex
	signing *opKey
	keys    []*opKey
	clients map[string]serviceClient
}

// serviceClient is a client of the client credentials grant whose access
// tokens are JWTs for audience.
type serviceClient struct {
	op.Client
	secret   string
	audience []string
}

func (serviceClient) GrantTypes() []oidc.GrantType {
	return []oidc.GrantType{oidc.GrantTypeClientCredentials}
}

func (serviceClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }

type signingKey struct{ k *opKey }

func (s signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return s.k.alg }
func (s signingKey) Key() any                                    { return s.k.priv }
func (s signingKey) ID() string                                  { return s.k.id }

type publicKey struct{ k *opKey }

func (p publicKey) ID() string { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm {
	if p.k.publishAlg {
		return p.k.alg
	}
	return ""
}
func (p publicKey) Use() string { return "sig" }
func (p publicKey) Key() any    { return p.k.priv.Public() }

func (s *keyStorage) SigningKey(context.Context) (op.SigningKey, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return signingKey{s.signing}, nil
}

func (s *keyStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var algs []jose.SignatureAlgorithm
	for _, k := range s.keys {
		if !slices.Contains(algs, k.alg) {
			algs = append(algs, k.alg)
		}
	}
	return algs, nil
}

func (s *keyStorage) KeySet(context.Context) ([]op.Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	keys := make([]op.Key, len(s.keys))
	for i, k := range s.keys {
		keys[i] = publicKey{k}
	}
	return keys, nil
}

func (s *keyStorage) ClientCredentials(_ context.Context, clientID, clientSecret string) (op.Client, error) {
	c, ok := s.clients[clientID]
	if !ok || c.secret != clientSecret {
		return nil, oidc.ErrInvalidClient()
	}
	return c, nil
}

func (s *keyStorage) ClientCredentialsTokenRequest(_ context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	c, ok := s.clients[clientID]
	if !ok {
		return nil, oidc.ErrInvalidClient()
	}
	return &oidc.JWTTokenRequest{Subject: clientID, Audience: c.audience, Scopes: scopes}, nil
}

// The service clients of every provider.
const (
	apiAudience   = "https://api.example"
	otherAudience = "https://other.example"
)

func newKeyStorage(issuer string, keys []*opKey) *keyStorage {
	return &keyStorage{
		Storage: storage.NewStorage(storage.NewUserStore(issuer)),
		signing: keys[0],
		keys:    keys,
		clients: map[string]serviceClient{
			"svc":   {Client: storage.WebClient("svc", "svc-secret"), secret: "svc-secret", audience: []string{apiAudience}},
			"other": {Client: storage.WebClient("other", "other-secret"), secret: "other-secret", audience: []string{otherAudience}},
		},
	}
}

// startProvider starts a provider with keys, the first signing, on a
// free port of 127.0.0.1; it stops when the test ends.
func startProvider(t testing.TB, keys ...*opKey) *provider {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	return startProviderOn(t, l, keys...)
}

// startProviderOn is startProvider on the listener l.
func startProviderOn(t testing.TB, l net.Listener, keys ...*opKey) *provider {
	t.Helper()
	// The issuer ends in "/", as in the library's example.
	p := &provider{issuer: "http://" + l.Addr().String() + "/"}
	p.store = newKeyStorage(p.issuer, keys)
	router := exampleop.SetupServer(p.issuer, p.store, slog.New(slog.DiscardHandler), false)
	p.srv = &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/keys" {
			p.jwksFetches.Add(1)
		}
		router.ServeHTTP(w, r)
	})}}
	p.srv.Start()
	t.Cleanup(p.srv.Close)
	return p
}

// signWith makes k the key that signs, publishing it if it is not.
func (p *provider) signWith(k *opKey) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	if !slices.Contains(p.store.keys, k) {
		p.store.keys = append(p.store.keys, k)
	}
	p.store.signing = k
}

// token gets an access token from the token endpoint with the client
// credentials grant, as a service would.
func (p *provider) token(t testing.TB, clientID, secret string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}}
	req, err := http.NewRequest(http.MethodPost, p.issuer+"oauth/token", strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.NotEmpty(t, body.AccessToken)
	return body.AccessToken
}

// The keys. RSA keys are never generated in tests: they are those of RFC
// 7515 A.2 and RFC 7520 §3.4, from the testdata of the jwt module.

func rsaKey(t testing.TB, file, name string) *rsa.PrivateKey {
	t.Helper()
	data, err := os.ReadFile("../../testdata/" + file)
	require.NoError(t, err)
	var f struct {
		JWS  []rfcKey `json:"jws"`
		Keys []rfcKey `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(data, &f))
	for _, k := range append(f.JWS, f.Keys...) {
		if k.Name == name {
			key, err := jwt.ParsePrivateKeyPEM([]byte(k.KeyPEM.Private))
			require.NoError(t, err)
			return key.(*rsa.PrivateKey)
		}
	}
	t.Fatalf("no key %q in %s", name, file)
	return nil
}

type rfcKey struct {
	Name   string `json:"name"`
	KeyPEM struct {
		Private string `json:"private_pkcs8"`
	} `json:"key_pem"`
}

func rs256Key(t testing.TB) *opKey {
	return &opKey{id: "rsa-1", alg: jose.RS256, priv: rsaKey(t, "rfc7515.json", "RFC 7515 A.2 RS256")}
}

func ps256Key(t testing.TB) *opKey {
	return &opKey{id: "pss-1", alg: jose.PS256, publishAlg: true, priv: rsaKey(t, "rfc7520.json", "RFC 7520 3.4 RSA private key")}
}

func es256Key(t testing.TB, id string) *opKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return &opKey{id: id, alg: jose.ES256, priv: k}
}

func edDSAKey(t testing.TB) *opKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return &opKey{id: "ed-1", alg: jose.EdDSA, publishAlg: true, priv: k}
}
