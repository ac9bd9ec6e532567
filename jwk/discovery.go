package jwk

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/jwtpair/jwt/internal/strictjson"
)

// maxMetadataSize is the largest authorization server metadata document
// read. Real ones are a few KiB.
const maxMetadataSize = 1 << 20

// checkIssuerURL accepts an issuer identifier that discovery can use: an
// absolute URL without query or fragment (OpenID Connect Discovery 1.0 §3,
// RFC 8414 §2), https or, as for a key set's URL, http to a loopback host
// or with allowHTTP.
func checkIssuerURL(issuer string, allowHTTP bool) error {
	u, err := url.Parse(issuer)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return fmt.Errorf("%w: issuer is not an absolute URL", ErrKeySetURL)
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(issuer, "#"):
		return fmt.Errorf("%w: issuer has a query or a fragment", ErrKeySetURL)
	case u.User != nil:
		return fmt.Errorf("%w: issuer has user information", ErrKeySetURL)
	}
	return checkScheme(u, allowHTTP)
}

// metadataURLs returns the URLs of issuer's metadata, in the order they
// are tried: OpenID Connect Discovery 1.0 §4 appends the well-known path
// to the issuer, after removing a terminating "/"; RFC 8414 §3 inserts
// its well-known path between the host and the issuer's path.
func metadataURLs(issuer string) []string {
	u, _ := url.Parse(issuer) // checked by checkIssuerURL
	oidc := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	oauth := u.Scheme + "://" + u.Host + "/.well-known/oauth-authorization-server" + path
	return []string{oidc, oauth}
}

// discover fetches r's issuer metadata and returns the jwks_uri it names.
// It tries the URL of RFC 8414 only when OpenID Connect Discovery's
// answers another status than 200 OK: a document that answers but is
// refused, such as one naming another issuer, is not looked past.
func (r *RemoteSet) discover(ctx context.Context) (string, error) {
	var statuses []string
	for _, u := range metadataURLs(r.issuer) {
		jwksURI, status, err := r.metadata(ctx, u)
		if err != nil {
			return "", err
		}
		if status == http.StatusOK {
			return jwksURI, nil
		}
		statuses = append(statuses, fmt.Sprintf("status %d", status))
	}
	return "", fmt.Errorf("%w: no metadata at the issuer's well-known URLs (%s)", ErrDiscovery, strings.Join(statuses, ", "))
}

// metadata fetches the metadata document at u. For a status other than
// 200 OK it returns only the status; for a 200 OK it returns the
// document's jwks_uri, or an error when the document is not one strict
// JSON object, names another issuer than r's, or has no jwks_uri that
// NewRemoteSet would accept.
func (r *RemoteSet) metadata(ctx context.Context, u string) (jwksURI string, status int, err error) {
	resp, err := r.get(ctx, u, "application/json", "")
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", resp.StatusCode, nil
	}
	body, err := readBody(resp.Body, maxMetadataSize)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrDiscovery, err)
	}
	var m map[string]json.RawMessage
	if !strictjson.Check(body, nil) || json.Unmarshal(body, &m) != nil {
		return "", 0, fmt.Errorf("%w: metadata is not a strict JSON object", ErrDiscovery)
	}
	var issuer string
	if json.Unmarshal(m["issuer"], &issuer) != nil || issuer != r.issuer {
		// OpenID Connect Discovery 1.0 §4.3, RFC 8414 §3.3: a document
		// that names another issuer must not be used.
		return "", 0, fmt.Errorf("%w: metadata names another issuer", ErrDiscovery)
	}
	if json.Unmarshal(m["jwks_uri"], &jwksURI) != nil || jwksURI == "" {
		return "", 0, fmt.Errorf("%w: metadata has no jwks_uri", ErrDiscovery)
	}
	if err := checkKeySetURL(jwksURI, r.allowHTTP); err != nil {
		return "", 0, fmt.Errorf("%w: jwks_uri: %w", ErrDiscovery, err)
	}
	return jwksURI, http.StatusOK, nil
}
