// Command loadtest measures a running token server (examples/server or
// deploy/server) as its README reports it. It uses the standard library
// only, and sends requests to the one URL it is given, on this machine.
//
//	go run ./loadtest -mode flood -url http://127.0.0.1:8000
//
// Modes:
//
//	flood     /hello/ and refresh latency at a steady rate, first alone, then
//	          during a flood of logins from -logins concurrent clients
//	conns     open -conns idle keep-alive connections and report the
//	          server's memory per connection (-pid: its process), then open
//	          as many more and report what the server did with them
//	shutdown  put -logins logins and as many /hello/ requests in flight,
//	          send SIGTERM to -pid, and count the answers
//	guess     -logins clients guess passwords from 127.0.0.1, each sending
//	          its next guess as soon as it has its answer, for usernames of
//	          their own (password spraying) or, with -target, for that one,
//	          while admin logs in with the right password from 127.0.0.2,
//	          again half a second after each answer: what the guesses got,
//	          and how admin fared
//
// The demo account admin / admin@123 must exist. Outside guess mode the
// limits on failed logins are never reached: every login succeeds.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	mode := flag.String("mode", "flood", "flood, conns, shutdown or guess")
	base := flag.String("url", "http://127.0.0.1:8000", "the server")
	rate := flag.Int("rate", 50, "flood: requests per second to /hello/, and as many refreshes")
	logins := flag.Int("logins", 200, "flood, shutdown, guess: concurrent clients logging in")
	dur := flag.Duration("duration", 10*time.Second, "flood: length of each phase; guess: length of the guessing")
	patient := flag.Bool("retry-after", true, "flood: the login clients wait as Retry-After says before trying again; false: at once, as an attacker would")
	jitter := flag.Bool("jitter", false, "flood: the login clients wait up to twice what Retry-After says, at random, as clients that spread their retries do")
	conns := flag.Int("conns", 1000, "conns: idle connections to open")
	pid := flag.Int("pid", 0, "conns, shutdown: the server's process id")
	target := flag.String("target", "", "guess: the username whose password is guessed; empty: a new one for each guess")
	flag.Parse()
	var err error
	switch *mode {
	case "flood":
		err = flood(*base, *rate, *logins, *dur, *patient, *jitter)
	case "conns":
		err = idleConns(*base, *conns, *pid)
	case "shutdown":
		err = shutdown(*base, *logins, *pid)
	case "guess":
		err = guess(*base, *logins, *dur, *target)
	default:
		err = fmt.Errorf("unknown mode %q", *mode)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// sample collects latencies and statuses of one kind of request.
type sample struct {
	mu     sync.Mutex
	lat    []time.Duration
	status map[string]int
}

func (s *sample) add(d time.Duration, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.status == nil {
		s.status = map[string]int{}
	}
	s.lat = append(s.lat, d)
	s.status[status]++
}

func (s *sample) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.lat) == 0 {
		return "no requests"
	}
	slices.Sort(s.lat)
	q := func(p float64) time.Duration { return s.lat[min(len(s.lat)-1, int(p*float64(len(s.lat))))] }
	return fmt.Sprintf("n=%d p50=%v p90=%v p99=%v max=%v statuses=%v", len(s.lat),
		round(q(0.50)), round(q(0.90)), round(q(0.99)), round(s.lat[len(s.lat)-1]), s.status)
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(10 * time.Microsecond)
}

// call sends one request and returns its status ("200", or "error") and
// JSON body.
func call(c *http.Client, method, url, auth string, body map[string]string) (string, map[string]any) {
	status, m, _ := callHeader(c, method, url, auth, body)
	return status, m
}

// callHeader is call that also returns the answer's header.
func callHeader(c *http.Client, method, url, auth string, body map[string]string) (string, map[string]any, http.Header) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		return err.Error(), nil, nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", "Bearer "+auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "error", nil, nil
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return strconv.Itoa(resp.StatusCode), m, resp.Header
}

func client(conns int) *http.Client {
	return &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true},
	}
}

var account = map[string]string{"username": "admin", "password": "admin@123"}

// pair logs in, retrying while the server is busy.
func pair(c *http.Client, base string) (access, refresh string, err error) {
	for range 50 {
		status, m := call(c, "POST", base+"/api/token/", "", account)
		if status == "200" {
			return m["access"].(string), m["refresh"].(string), nil
		}
		time.Sleep(200 * time.Millisecond)
	}
	return "", "", errors.New("cannot log in")
}

// probe sends /hello/ and refresh requests at rate per second each, until
// ctx is done.
func probe(ctx context.Context, c *http.Client, base, access, refresh string, rate int, hello, ref *sample) {
	t := time.NewTicker(time.Second / time.Duration(rate))
	defer t.Stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		wg.Go(func() {
			start := time.Now()
			status, _ := call(c, "GET", base+"/hello/", access, nil)
			hello.add(time.Since(start), status)
		})
		wg.Go(func() {
			start := time.Now()
			status, _ := call(c, "POST", base+"/api/token/refresh/", "", map[string]string{"refresh": refresh})
			ref.add(time.Since(start), status)
		})
	}
}

func flood(base string, rate, logins int, dur time.Duration, patient, jitter bool) error {
	c := client(256)
	access, refresh, err := pair(c, base)
	if err != nil {
		return err
	}
	// Warm up the connections.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	probe(ctx, c, base, access, refresh, rate, new(sample), new(sample))
	cancel()

	var hello, ref sample
	ctx, cancel = context.WithTimeout(context.Background(), dur)
	probe(ctx, c, base, access, refresh, rate, &hello, &ref)
	cancel()
	fmt.Printf("unloaded (%d/s each, %v):\n  /hello/  %v\n  refresh  %v\n", rate, dur, &hello, &ref)

	var lhello, lref, login sample
	ctx, cancel = context.WithTimeout(context.Background(), dur)
	defer cancel()
	lc := client(logins) // the flood's own connections
	var wg sync.WaitGroup
	for range logins {
		wg.Go(func() {
			for ctx.Err() == nil {
				start := time.Now()
				status, _, h := callHeader(lc, "POST", base+"/api/token/", "", account)
				login.add(time.Since(start), status)
				if s, err := strconv.Atoi(h.Get("Retry-After")); patient && err == nil {
					wait := time.Duration(s) * time.Second
					if jitter {
						wait += rand.N(wait)
					}
					select {
					case <-ctx.Done():
					case <-time.After(wait):
					}
				}
			}
		})
	}
	probe(ctx, c, base, access, refresh, rate, &lhello, &lref)
	wg.Wait()
	ok := login.status["200"]
	how := "retrying as Retry-After says"
	switch {
	case !patient:
		how = "retrying at once"
	case jitter:
		how = "retrying after Retry-After and up to as long again, at random"
	}
	fmt.Printf("during a flood of %d concurrent logins, %s (%v):\n  /hello/  %v\n  refresh  %v\n  login    %v\n  logins that succeeded: %.1f/s\n",
		logins, how, dur, &lhello, &lref, &login, float64(ok)/dur.Seconds())
	return nil
}

// rss returns the resident memory of process pid, in KiB.
func rss(pid int) (int, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, errors.New("no VmRSS")
}

// openIdle opens n connections that have each made one request and stay
// open, idle. It returns the connections, and how many got 503.
func openIdle(addr string, n int) ([]net.Conn, int, error) {
	var out []net.Conn
	refused := 0
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			return out, refused, err
		}
		out = append(out, c)
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"); err != nil {
			return out, refused, err
		}
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return out, refused, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 503 {
			refused++
		}
	}
	return out, refused, nil
}

func idleConns(base string, n, pid int) error {
	addr := strings.TrimPrefix(base, "http://")
	before, err := rss(pid)
	if err != nil {
		return err
	}
	conns, refused, err := openIdle(addr, n)
	if err != nil {
		return err
	}
	time.Sleep(time.Second)
	after, err := rss(pid)
	if err != nil {
		return err
	}
	fmt.Printf("%d idle keep-alive connections: server RSS %d → %d KiB, %.1f KiB per connection (%d refused)\n",
		n, before, after, float64(after-before)/float64(n), refused)

	// As many again: past the cap the server makes room by closing the
	// connections idle longest.
	more, refused, err := openIdle(addr, n)
	if err != nil {
		return err
	}
	closed := 0
	for _, c := range conns {
		c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			closed++
		}
	}
	peak, _ := rss(pid)
	fmt.Printf("%d more: %d served, %d refused with 503; %d of the first %d closed by the server to make room; RSS %d KiB\n",
		n, n-refused, refused, closed, n, peak)
	for _, c := range append(conns, more...) {
		c.Close()
	}
	time.Sleep(35 * time.Second) // past the server's idle timeout
	end, _ := rss(pid)
	fmt.Printf("after every connection closed: RSS %d KiB\n", end)
	return nil
}

// alive reports whether process pid runs: it exists and is not a zombie
// waiting for its parent.
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func shutdown(base string, logins, pid int) error {
	c := client(1)
	access, _, err := pair(c, base)
	if err != nil {
		return err
	}
	c.CloseIdleConnections()
	addr := strings.TrimPrefix(base, "http://")
	type answer struct {
		status string
		took   time.Duration
	}
	answers := make(chan answer, 2*logins)
	body := `{"username": "admin", "password": "admin@123"}`
	start := time.Now()
	for i := range 2 * logins {
		req := "GET /hello/ HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer " + access + "\r\n\r\n"
		if i%2 == 0 {
			req = "POST /api/token/ HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: " +
				strconv.Itoa(len(body)) + "\r\n\r\n" + body
		}
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := io.WriteString(conn, req); err != nil {
			return err
		}
		go func() {
			conn.SetReadDeadline(time.Now().Add(60 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				answers <- answer{"cut off: " + err.Error(), time.Since(start)}
				return
			}
			resp.Body.Close()
			answers <- answer{req[:4] + strconv.Itoa(resp.StatusCode), time.Since(start)}
		}()
	}
	time.Sleep(100 * time.Millisecond)
	signalled := time.Now()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	refusedAfter := time.Duration(-1)
	for {
		if c, err := net.Dial("tcp", addr); err != nil {
			refusedAfter = time.Since(signalled)
			break
		} else {
			c.Close()
		}
		time.Sleep(time.Millisecond)
	}
	counts := map[string]int{}
	var last time.Duration
	for range 2 * logins {
		a := <-answers
		counts[a.status]++
		last = max(last, a.took)
	}
	for alive(pid) {
		time.Sleep(5 * time.Millisecond)
	}
	fmt.Printf("%d logins and %d /hello/ in flight at SIGTERM: answers %v; new connections refused after %v; last answer %v after the signal; process gone after %v\n",
		logins, logins, counts, refusedAfter.Round(time.Millisecond), (last - signalled.Sub(start)).Round(time.Millisecond),
		time.Since(signalled).Round(time.Millisecond))
	return nil
}

// guess has clients guess passwords from 127.0.0.1, at once after each
// answer, for target or, when it is empty, for a new username each time,
// and admin log in, with the right password, from 127.0.0.2, again half a
// second after each answer.
func guess(base string, guessers int, dur time.Duration, target string) error {
	from := func(ip string, conns int) *http.Client {
		c := client(conns)
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
		c.Transport.(*http.Transport).DialContext = d.DialContext
		return c
	}
	attacker, user := from("127.0.0.1", guessers), from("127.0.0.2", 4)
	ctx, cancel := context.WithTimeout(context.Background(), dur)
	defer cancel()
	var guesses, logins sample
	var wg sync.WaitGroup
	for i := range guessers {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				start := time.Now()
				username := target
				if username == "" {
					username = fmt.Sprintf("user-%d-%d", i, n)
				}
				status, _ := call(attacker, "POST", base+"/api/token/", "", map[string]string{
					"username": username, "password": fmt.Sprintf("guess-%d-%d", i, n)})
				guesses.add(time.Since(start), status)
			}
		})
	}
	for ctx.Err() == nil {
		start := time.Now()
		status, _ := call(user, "POST", base+"/api/token/", "", account)
		logins.add(time.Since(start), status)
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
	wg.Wait()
	what := "the passwords of new usernames"
	if target != "" {
		what = target + "'s password"
	}
	fmt.Printf("%d clients guessing %s from 127.0.0.1 (%v):\n  guesses  %v\n  admin logging in from 127.0.0.2, half a second after each answer:\n  logins   %v\n",
		guessers, what, dur, &guesses, &logins)
	return nil
}
