// Command jwks shows keys shared across two services: an issuer that signs
// tokens with a rotating key ring and publishes its public keys at
// /.well-known/jwks.json, and a resource service that verifies those tokens
// with a jwk.RemoteSet of that URL. It rotates the issuer's key once,
// printing what each service sees, and exits.
//
// Both services listen on 127.0.0.1 on ports the system chooses. To keep
// the run short, the resource service refreshes its copy of the key set
// every few hundred milliseconds (a real one would use the defaults), and
// the hour a retired key stays published passes on a simulated clock.
//
// It uses nothing but the exported API of the jwt and jwk packages and the
// standard library, whose net/http serves and calls both services.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/jwk"
)

// main runs the demonstration, printing to standard output.
func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "jwks:", err)
		os.Exit(1)
	}
}

// run starts both services, rotates the issuer's key once, printing to out
// what each service sees, and stops the services.
func run(out io.Writer) error {
	clock := &simClock{t: time.Now()}
	first, err := newKey()
	if err != nil {
		return err
	}
	iss, err := startIssuer(first, clock)
	if err != nil {
		return err
	}
	defer iss.stop()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := startResource(ctx, iss.jwksURL(), clock)
	if err != nil {
		return err
	}
	defer res.stop()

	r := &rotation{out: out, clock: clock, issuer: iss, resource: res, oldKey: first}
	steps := []func(context.Context) error{
		r.useFirstKey,
		r.publishNextKey,
		r.promoteNextKey,
		r.retireOldKey,
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// jwksPath is where the issuer publishes its JWK Set.
const jwksPath = "/.well-known/jwks.json"

// issuer is the service that signs tokens with a rotating key ring and
// publishes the ring's public keys at jwksPath.
type issuer struct {
	clock *simClock
	ring  *jwk.KeyRing
	jwks  *countingHandler // the JWK Set handler, counting the fetches
	url   string           // the base URL
	stop  func()
}

// startIssuer starts the issuer, signing with first, on a free port.
func startIssuer(first *jwt.ECDSASigner, clock *simClock) (*issuer, error) {
	ring, err := jwk.NewKeyRing(first, jwk.KeyRingConfig{TokenLifetime: time.Hour, Now: clock.Now})
	if err != nil {
		return nil, err
	}
	h, err := jwk.NewHandler(ring, jwk.HandlerConfig{MaxAge: time.Second})
	if err != nil {
		return nil, err
	}
	counted := &countingHandler{h: h}
	mux := http.NewServeMux()
	mux.Handle("GET "+jwksPath, counted)
	url, stop, err := listen(mux)
	if err != nil {
		return nil, err
	}
	return &issuer{clock: clock, ring: ring, jwks: counted, url: url, stop: stop}, nil
}

// jwksURL returns the URL of the issuer's JWK Set.
func (is *issuer) jwksURL() string { return is.url + jwksPath }

// fetches returns how many times the JWK Set has been served.
func (is *issuer) fetches() int64 { return is.jwks.done.Load() }

// sign returns a token for alice, valid for an hour, signed with the
// ring's current key.
func (is *issuer) sign() (string, error) {
	now := is.clock.Now()
	return jwt.Sign(is.ring, jwt.Claims{Subject: "alice", IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))})
}

// publishedKeys fetches the issuer's JWK Set, as any client would, and
// describes each of its keys by the start of its kid and its alg.
func (is *issuer) publishedKeys() ([]string, error) {
	resp, err := http.Get(is.jwksURL())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var set struct {
		Keys []struct {
			KeyID string `json:"kid"`
			Alg   string `json:"alg"`
		} `json:"keys"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		return nil, err
	}
	var keys []string
	for _, k := range set.Keys {
		keys = append(keys, short(k.KeyID)+" ("+k.Alg+")")
	}
	return keys, nil
}

// resource is the service that verifies the issuer's tokens with the keys
// the issuer publishes, and greets their subject.
type resource struct {
	clock      *simClock
	keys       *jwk.RemoteSet
	url        string // the base URL
	stopServer func()
}

// startResource starts the resource service on a free port, verifying with
// the JWK Set at jwksURL, which it refreshes in the background until ctx
// is done or the service stops.
func startResource(ctx context.Context, jwksURL string, clock *simClock) (*resource, error) {
	keys, err := jwk.NewRemoteSet(ctx, jwksURL, jwk.RemoteSetConfig{
		MinRefreshInterval: 100 * time.Millisecond,
		MaxRefreshInterval: 200 * time.Millisecond,
	})
	if err != nil {
		return nil, err
	}
	rs := &resource{clock: clock, keys: keys}
	rs.url, rs.stopServer, err = listen(http.HandlerFunc(rs.hello))
	if err != nil {
		keys.Close()
		return nil, err
	}
	return rs, nil
}

// stop stops the service, then its copy of the key set.
func (rs *resource) stop() {
	rs.stopServer()
	rs.keys.Close()
}

// hello greets the subject of the request's bearer token, or says in a
// word why the token was refused.
func (rs *resource) hello(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	var c jwt.Claims
	switch err := (jwt.Expect{Now: rs.clock.Now}).Verify(tok, rs.keys, &c); {
	case !ok:
		http.Error(w, "no token", http.StatusUnauthorized)
	case errors.Is(err, jwt.ErrUnknownKey):
		http.Error(w, "unknown key", http.StatusUnauthorized)
	case errors.Is(err, jwt.ErrExpired):
		http.Error(w, "expired", http.StatusUnauthorized)
	case err != nil:
		http.Error(w, "invalid token", http.StatusUnauthorized)
	default:
		fmt.Fprintf(w, "hello, %s", c.Subject)
	}
}

// get calls the service with tok as a bearer token and returns the status
// code and body of the answer.
func (rs *resource) get(ctx context.Context, tok string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rs.url+"/hello", nil)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, strings.TrimSpace(string(body)), nil
}

// rotation walks through one rotation of the issuer's key, step by step,
// printing what each service sees.
type rotation struct {
	out      io.Writer
	clock    *simClock
	issuer   *issuer
	resource *resource
	oldKey   *jwt.ECDSASigner // the first key, retired by the rotation
	oldKeyID string
	oldToken string // a token the old key signed before the rotation
	newKeyID string
}

// say prints one line of the transcript.
func (r *rotation) say(format string, args ...any) { fmt.Fprintf(r.out, format+"\n", args...) }

// call sends tok, described by what, to the resource service and prints
// the answer.
func (r *rotation) call(ctx context.Context, what, tok string) error {
	status, body, err := r.resource.get(ctx, tok)
	if err != nil {
		return err
	}
	r.say("resource: %s -> %d %s", what, status, body)
	return nil
}

// printPublished prints the keys the issuer publishes.
func (r *rotation) printPublished() error {
	keys, err := r.issuer.publishedKeys()
	if err != nil {
		return err
	}
	r.say("issuer: JWKS lists %s", strings.Join(keys, ", "))
	return nil
}

// useFirstKey signs a token with the first key, which the resource service
// accepts.
func (r *rotation) useFirstKey(ctx context.Context) error {
	r.oldKeyID = r.issuer.ring.KeyID()
	r.say("issuer: signing with key %s; JWKS at %s", short(r.oldKeyID), r.issuer.jwksURL())
	tok, err := r.issuer.sign()
	if err != nil {
		return err
	}
	r.oldToken = tok
	return r.call(ctx, "token of key "+short(r.oldKeyID), r.oldToken)
}

// publishNextKey is step 1 of the rotation: the issuer publishes the next
// key before it signs anything, and the resource service's copy of the
// set catches up.
func (r *rotation) publishNextKey(context.Context) error {
	next, err := newKey()
	if err != nil {
		return err
	}
	if r.newKeyID, err = r.issuer.ring.Add(next); err != nil {
		return err
	}
	r.say("issuer: added upcoming key %s (published, not signing yet)", short(r.newKeyID))
	if err := r.printPublished(); err != nil {
		return err
	}
	if err := waitForFetches(r.issuer.jwks); err != nil {
		return err
	}
	r.say("resource: refreshed its copy of the JWKS in the background")
	return nil
}

// promoteNextKey is step 2: the issuer signs with the next key, which the
// resource service already knows, so that its tokens pass with no extra
// fetch; the old key's tokens still pass too.
func (r *rotation) promoteNextKey(ctx context.Context) error {
	if err := r.issuer.ring.Promote(r.newKeyID); err != nil {
		return err
	}
	r.say("issuer: promoted %s; %s retired, published for one more hour", short(r.newKeyID), short(r.oldKeyID))
	tok, err := r.issuer.sign()
	if err != nil {
		return err
	}
	before := r.issuer.fetches()
	if err := r.call(ctx, "token of key "+short(r.newKeyID), tok); err != nil {
		return err
	}
	if r.issuer.fetches() == before {
		r.say("resource: no extra fetch was needed: the key was published before use")
	}
	return r.call(ctx, "old token of key "+short(r.oldKeyID), r.oldToken)
}

// retireOldKey is step 3: an hour later every token of the old key has
// expired, and the old key leaves the set. The resource service then
// refuses the old key's tokens, even one signed after it left, while
// the new key's still pass.
func (r *rotation) retireOldKey(ctx context.Context) error {
	r.clock.Advance(time.Hour)
	r.say("(one simulated hour later)")
	if err := r.printPublished(); err != nil {
		return err
	}
	if err := waitForFetches(r.issuer.jwks); err != nil {
		return err
	}
	if err := r.call(ctx, "old token of key "+short(r.oldKeyID), r.oldToken); err != nil {
		return err
	}
	leaked, err := jwt.Sign(r.oldKey.WithKeyID(r.oldKeyID), jwt.Claims{Subject: "mallory", Expiry: jwt.NewNumericDate(r.clock.Now().Add(time.Hour))})
	if err != nil {
		return err
	}
	if err := r.call(ctx, "fresh token of retired key "+short(r.oldKeyID), leaked); err != nil {
		return err
	}
	tok, err := r.issuer.sign()
	if err != nil {
		return err
	}
	return r.call(ctx, "token of key "+short(r.newKeyID), tok)
}

// simClock is a clock that the program moves forward by hand.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the time the clock shows.
func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *simClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// countingHandler counts the requests it has answered.
type countingHandler struct {
	h    http.Handler
	done atomic.Int64
}

// ServeHTTP answers the request with the wrapped handler, then counts it.
func (c *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer c.done.Add(1)
	c.h.ServeHTTP(w, r)
}

// waitForFetches waits until the resource service has fetched the set
// three more times: the last of them began after this call, so the one
// before it, which has been stored, did too.
func waitForFetches(c *countingHandler) error {
	want := c.done.Load() + 3
	deadline := time.Now().Add(10 * time.Second)
	for c.done.Load() < want {
		if time.Now().After(deadline) {
			return errors.New("the resource service did not refresh its key set")
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// newKey returns a signer with a fresh P-256 key, for ES256.
func newKey() (*jwt.ECDSASigner, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return jwt.NewECDSASigner(jwt.ES256, k)
}

// listen serves h on 127.0.0.1 on a free port and returns its base URL and
// a function that stops it.
func listen(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ln) //nolint:errcheck // always ErrServerClosed after Close
	}()
	return "http://" + ln.Addr().String(), func() { srv.Close(); <-done }, nil
}

// short returns the start of a key ID, enough to tell the keys apart in
// the transcript.
func short(kid string) string { return kid[:8] }
