package jwk_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// provider serves an issuer's metadata at metadataPath and its keys at
// /keys, and records the paths asked for.
type provider struct {
	mu           sync.Mutex
	metadataPath string
	metadata     string
	keys         []byte
	paths        []string
}

func (p *provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.paths = append(p.paths, r.URL.Path)
	metadataPath, metadata, keys := p.metadataPath, p.metadata, p.keys
	p.mu.Unlock()
	switch r.URL.Path {
	case metadataPath:
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, metadata)
	case "/keys":
		w.Write(keys)
	default:
		http.NotFound(w, r)
	}
}

func (p *provider) asked() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.paths...)
}

func metadataOf(issuer, jwksURI string) string {
	return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q,"id_token_signing_alg_values_supported":["RS256"]}`, issuer, jwksURI)
}

// discovered returns a RemoteSet discovered from issuer over p.
func discovered(p *provider, issuer string, cfg jwk.RemoteSetConfig) (*jwk.RemoteSet, error) {
	cfg.Client = &http.Client{Transport: handlerTransport{p}}
	return jwk.NewDiscoveredSet(context.Background(), issuer, cfg)
}

func TestDiscoveredSetWellKnownURLs(t *testing.T) {
	tests := []struct {
		name      string
		issuer    string
		metadata  string // the path the metadata is served at
		wantAsked []string
	}{
		{name: "OpenID Connect, no path", issuer: "https://issuer.test", metadata: "/.well-known/openid-configuration",
			wantAsked: []string{"/.well-known/openid-configuration", "/keys"}},
		{name: "OpenID Connect, a path", issuer: "https://issuer.test/tenant/v2.0", metadata: "/tenant/v2.0/.well-known/openid-configuration",
			wantAsked: []string{"/tenant/v2.0/.well-known/openid-configuration", "/keys"}},
		{name: "OpenID Connect, a terminating slash removed", issuer: "https://issuer.test/realms/a/", metadata: "/realms/a/.well-known/openid-configuration",
			wantAsked: []string{"/realms/a/.well-known/openid-configuration", "/keys"}},
		{name: "RFC 8414, no path", issuer: "https://issuer.test", metadata: "/.well-known/oauth-authorization-server",
			wantAsked: []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server", "/keys"}},
		{name: "RFC 8414, path inserted after the well-known name", issuer: "https://issuer.test/tenant/a", metadata: "/.well-known/oauth-authorization-server/tenant/a",
			wantAsked: []string{"/tenant/a/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/tenant/a", "/keys"}},
		{name: "RFC 8414, a terminating slash removed", issuer: "https://issuer.test/tenant/", metadata: "/.well-known/oauth-authorization-server/tenant",
			wantAsked: []string{"/tenant/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/tenant", "/keys"}},
	}
	k := edKey(t, 1).WithKeyID("k")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &provider{metadataPath: tt.metadata, metadata: metadataOf(tt.issuer, "https://keys.issuer.test/keys"), keys: setOf(t, k)}
			remote, err := discovered(p, tt.issuer, jwk.RemoteSetConfig{})
			require.NoError(t, err)
			defer remote.Close()
			assert.Equal(t, tt.wantAsked, p.asked())
			tok, err := jwt.Sign(k, claimsAt(time.Now(), time.Minute))
			require.NoError(t, err)
			require.NoError(t, jwt.Verify(tok, remote, nil))
		})
	}
}

// TestDiscoveryIssuerMismatch: metadata that names another issuer than
// the one configured, even by a slash, is refused, and not looked past.
func TestDiscoveryIssuerMismatch(t *testing.T) {
	for _, named := range []string{"https://issuer.test/tenant/", "https://evil.test/tenant", "https://ISSUER.test/tenant", ""} {
		p := &provider{metadataPath: "/tenant/.well-known/openid-configuration", metadata: metadataOf(named, "https://issuer.test/keys"), keys: setOf(t, edKey(t, 1))}
		_, err := discovered(p, "https://issuer.test/tenant", jwk.RemoteSetConfig{})
		require.ErrorIs(t, err, jwk.ErrKeySetFetch, named)
		require.ErrorIs(t, err, jwk.ErrDiscovery, named)
		assert.Equal(t, []string{"/tenant/.well-known/openid-configuration"}, p.asked(), "no other URL tried")
	}
}

func TestDiscoveryRefuses(t *testing.T) {
	const issuer = "https://issuer.test"
	const path = "/.well-known/openid-configuration"
	tests := []struct {
		name     string
		path     string
		metadata string
		wantErr  error
	}{
		{name: "no metadata anywhere", path: "/elsewhere", metadata: metadataOf(issuer, issuer+"/keys")},
		{name: "not JSON", path: path, metadata: `<html>`},
		{name: "not an object", path: path, metadata: `["issuer"]`},
		{name: "issuer twice", path: path, metadata: `{"issuer":"https://evil.test","issuer":"https://issuer.test","jwks_uri":"https://issuer.test/keys"}`},
		{name: "no jwks_uri", path: path, metadata: `{"issuer":"https://issuer.test"}`},
		{name: "jwks_uri not a string", path: path, metadata: `{"issuer":"https://issuer.test","jwks_uri":["https://issuer.test/keys"]}`},
		{name: "jwks_uri over http", path: path, metadata: metadataOf(issuer, "http://issuer.test/keys"), wantErr: jwk.ErrKeySetURL},
		{name: "jwks_uri relative", path: path, metadata: metadataOf(issuer, "/keys"), wantErr: jwk.ErrKeySetURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &provider{metadataPath: tt.path, metadata: tt.metadata, keys: setOf(t, edKey(t, 1))}
			_, err := discovered(p, issuer, jwk.RemoteSetConfig{})
			require.ErrorIs(t, err, jwk.ErrKeySetFetch)
			require.ErrorIs(t, err, jwk.ErrDiscovery)
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
			}
		})
	}
}

func TestNewDiscoveredSetIssuerURL(t *testing.T) {
	tests := []struct {
		name      string
		issuer    string
		allowHTTP bool
		wantErr   error
	}{
		{name: "https", issuer: "https://issuer.test"},
		{name: "http to loopback", issuer: "http://127.0.0.1:8080/realms/a"},
		{name: "http to another host", issuer: "http://issuer.test", wantErr: jwk.ErrKeySetURL},
		{name: "http to another host, allowed", issuer: "http://issuer.test", allowHTTP: true},
		{name: "query", issuer: "https://issuer.test/?tenant=a", wantErr: jwk.ErrKeySetURL},
		{name: "empty query", issuer: "https://issuer.test/?", wantErr: jwk.ErrKeySetURL},
		{name: "fragment", issuer: "https://issuer.test/#a", wantErr: jwk.ErrKeySetURL},
		{name: "user information", issuer: "https://a:b@issuer.test", wantErr: jwk.ErrKeySetURL},
		{name: "other scheme", issuer: "ftp://issuer.test", wantErr: jwk.ErrKeySetURL},
		{name: "not absolute", issuer: "issuer.test", wantErr: jwk.ErrKeySetURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &provider{metadataPath: "/.well-known/openid-configuration", metadata: `{}`}
			r, err := discovered(p, tt.issuer, jwk.RemoteSetConfig{InsecureAllowHTTP: tt.allowHTTP, StartUnready: true})
			if tt.wantErr != nil {
				require.ErrorIs(t, err, tt.wantErr)
				assert.Nil(t, r)
				assert.Empty(t, p.asked())
				return
			}
			require.NoError(t, err)
			require.NoError(t, r.Close())
		})
	}
}

// TestDiscoveryRetriedUntilItSucceeds: with StartUnready, a provider
// that is down at start is discovered once it is up, and its jwks_uri is
// then kept: later fetches go to the keys alone.
func TestDiscoveryRetriedUntilItSucceeds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const issuer = "https://issuer.test"
		k := edKey(t, 1).WithKeyID("k")
		p := &provider{metadataPath: "/down", metadata: metadataOf(issuer, issuer+"/keys"), keys: setOf(t, k)}
		remote, err := discovered(p, issuer, jwk.RemoteSetConfig{StartUnready: true})
		require.NoError(t, err)
		defer remote.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		require.ErrorIs(t, remote.Ready(ctx), jwk.ErrDiscovery)
		cancel()

		p.mu.Lock()
		p.metadataPath = "/.well-known/openid-configuration"
		p.mu.Unlock()
		time.Sleep(2 * jwk.DefaultMinRefreshInterval)
		require.NoError(t, remote.Ready(context.Background()))
		n := len(p.asked())

		time.Sleep(jwk.DefaultMinRefreshInterval)
		_, err = remote.VerifierFor(context.Background(), jwt.Header{Algorithm: jwt.EdDSA, KeyID: "new"})
		require.ErrorIs(t, err, jwt.ErrUnknownKey)
		assert.Equal(t, []string{"/keys"}, p.asked()[n:], "the jwks_uri is kept")
	})
}
