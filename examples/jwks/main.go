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

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "jwks:", err)
		os.Exit(1)
	}
}

// simClock is a clock that the program moves forward by hand.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

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

func short(kid string) string { return kid[:8] }

func run(out io.Writer) error {
	clock := &simClock{t: time.Now()}
	say := func(format string, args ...any) { fmt.Fprintf(out, format+"\n", args...) }

	// The issuer.
	first, err := newKey()
	if err != nil {
		return err
	}
	ring, err := jwk.NewKeyRing(first, jwk.KeyRingConfig{TokenLifetime: time.Hour, Now: clock.Now})
	if err != nil {
		return err
	}
	jwks, err := jwk.NewHandler(ring, jwk.HandlerConfig{MaxAge: time.Second})
	if err != nil {
		return err
	}
	counted := &countingHandler{h: jwks}
	issuerMux := http.NewServeMux()
	issuerMux.Handle("GET /.well-known/jwks.json", counted)
	issuerURL, stopIssuer, err := listen(issuerMux)
	if err != nil {
		return err
	}
	defer stopIssuer()
	sign := func() (string, error) {
		now := clock.Now()
		return jwt.Sign(ring, jwt.Claims{Subject: "alice", IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Hour))})
	}

	// The resource service.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	keys, err := jwk.NewRemoteSet(ctx, issuerURL+"/.well-known/jwks.json", jwk.RemoteSetConfig{
		MinRefreshInterval: 100 * time.Millisecond,
		MaxRefreshInterval: 200 * time.Millisecond,
	})
	if err != nil {
		return err
	}
	defer keys.Close()
	resourceURL, stopResource, err := listen(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var c jwt.Claims
		switch err := (jwt.Expect{Now: clock.Now}).Verify(tok, keys, &c); {
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
	}))
	if err != nil {
		return err
	}
	defer stopResource()
	call := func(what, tok string) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, resourceURL+"/hello", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		say("resource: %s -> %d %s", what, resp.StatusCode, strings.TrimSpace(string(body)))
		return nil
	}
	published := func() error {
		resp, err := http.Get(issuerURL + "/.well-known/jwks.json")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var set struct {
			Keys []struct {
				KeyID string `json:"kid"`
				Alg   string `json:"alg"`
			} `json:"keys"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
			return err
		}
		var kids []string
		for _, k := range set.Keys {
			kids = append(kids, short(k.KeyID)+" ("+k.Alg+")")
		}
		say("issuer: JWKS lists %s", strings.Join(kids, ", "))
		return nil
	}

	kid1 := ring.KeyID()
	say("issuer: signing with key %s; JWKS at %s/.well-known/jwks.json", short(kid1), issuerURL)
	oldTok, err := sign()
	if err != nil {
		return err
	}
	if err := call("token of key "+short(kid1), oldTok); err != nil {
		return err
	}

	// Rotation, step 1: publish the next key before it signs anything.
	second, err := newKey()
	if err != nil {
		return err
	}
	kid2, err := ring.Add(second)
	if err != nil {
		return err
	}
	say("issuer: added upcoming key %s (published, not signing yet)", short(kid2))
	if err := published(); err != nil {
		return err
	}
	if err := waitForFetches(counted); err != nil {
		return err
	}
	say("resource: refreshed its copy of the JWKS in the background")

	// Step 2: promote it. The resource service already knows it.
	if err := ring.Promote(kid2); err != nil {
		return err
	}
	say("issuer: promoted %s; %s retired, published for one more hour", short(kid2), short(kid1))
	newTok, err := sign()
	if err != nil {
		return err
	}
	before := counted.done.Load()
	if err := call("token of key "+short(kid2), newTok); err != nil {
		return err
	}
	if counted.done.Load() == before {
		say("resource: no extra fetch was needed: the key was published before use")
	}
	if err := call("old token of key "+short(kid1), oldTok); err != nil {
		return err
	}

	// Step 3: an hour later every token of the old key has expired, and
	// the old key leaves the set.
	clock.Advance(time.Hour)
	say("(one simulated hour later)")
	if err := published(); err != nil {
		return err
	}
	if err := waitForFetches(counted); err != nil {
		return err
	}
	if err := call("old token of key "+short(kid1), oldTok); err != nil {
		return err
	}
	leaked, err := jwt.Sign(first.WithKeyID(kid1), jwt.Claims{Subject: "mallory", Expiry: jwt.NewNumericDate(clock.Now().Add(time.Hour))})
	if err != nil {
		return err
	}
	if err := call("fresh token of retired key "+short(kid1), leaked); err != nil {
		return err
	}
	newTok, err = sign()
	if err != nil {
		return err
	}
	return call("token of key "+short(kid2), newTok)
}
