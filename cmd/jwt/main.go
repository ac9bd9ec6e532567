// Command jwt signs, verifies, decodes and makes keys for JSON Web Tokens.
//
// Usage:
//
//	jwt sign -alg ALG -key FILE [-kid KID] [-typ T] [-iat] [-nbf DUR] [-exp DUR] [CLAIMS]
//	jwt verify [-alg ALG] -key FILE [-iss ISS] [-aud AUD] [-leeway DUR] [TOKEN]
//	jwt decode [TOKEN]
//	jwt keygen -alg ALG -out PREFIX [-bits N]
//	jwt help [COMMAND]
//
// Exit status: 0 on success, 1 when a token or key is rejected or the
// command cannot do what it was asked (the reason is one line on standard
// error), 2 when the command line is wrong. Run "jwt help" for more.
//
// It is built on the exported API of the jwt package and of package jwk,
// which writes the JWK files of keygen, and reads key files with
// internal/keyfile; everything else is the standard library.
package main

import (
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jwtpair/jwt"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// run is the whole command: tests call it directly.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	c := &cli{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now, genRSA: genRSA}
	return c.run(args)
}

// cli holds what a command reads, writes and depends on, so that tests can
// fix the clock and avoid generating RSA keys.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	now            func() time.Time
	genRSA         func(bits int) (*rsa.PrivateKey, error)
}

func genRSA(bits int) (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, bits) }

// usageError is a mistake in the command line: exit status 2.
type usageError struct {
	cmd, msg string
}

func (e *usageError) Error() string {
	if e.cmd == "" {
		return e.msg + " (run 'jwt help')"
	}
	return e.msg + " (run 'jwt " + e.cmd + " -h')"
}

func usagef(cmd, format string, a ...any) error {
	return &usageError{cmd: cmd, msg: fmt.Sprintf(format, a...)}
}

type command struct {
	run   func(c *cli, args []string) error
	usage string
}

var commands = map[string]command{
	"sign":   {run: (*cli).sign, usage: signUsage},
	"verify": {run: (*cli).verify, usage: verifyUsage},
	"decode": {run: (*cli).decode, usage: decodeUsage},
	"keygen": {run: (*cli).keygen, usage: keygenUsage},
}

func (c *cli) run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, mainUsage)
		return 2
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) == 0 {
			fmt.Fprint(c.stdout, mainUsage)
			return 0
		}
		cmd, ok := commands[rest[0]]
		if !ok || len(rest) > 1 {
			return c.fail(usagef("", "help: no help for %q", strings.Join(rest, " ")))
		}
		fmt.Fprint(c.stdout, cmd.usage)
		return 0
	}
	cmd, ok := commands[name]
	if !ok {
		return c.fail(usagef("", "unknown command %q", name))
	}
	if err := cmd.run(c, rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(c.stdout, cmd.usage)
			return 0
		}
		return c.fail(err)
	}
	return 0
}

// fail writes the reason for err on one line and returns the exit status.
func (c *cli) fail(err error) int {
	fmt.Fprintln(c.stderr, reason(err))
	var u *usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

// reason is err as one line starting "jwt: ": the package's own "jwt: "
// prefixes are dropped from inside the chain and control characters become
// spaces, so that no input can add a line.
func reason(err error) string {
	s := strings.ReplaceAll(err.Error(), "jwt: ", "")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return "jwt: " + s
}

// parse parses args with fs, letting flags come before or after the
// positional arguments ("--" ends the flags), and returns the positional
// arguments. At most max are allowed.
func parse(fs *flag.FlagSet, args []string, max int) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usagef(fs.Name(), "%v", err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if len(pos) > max {
		return nil, usagef(fs.Name(), "too many arguments")
	}
	return pos, nil
}

// algorithm checks the -alg flag: empty, or one of the algorithms of
// package jwt spelled exactly.
func algorithm(cmd, s string) (jwt.Algorithm, error) {
	alg := jwt.Algorithm(s)
	if s != "" && !slices.Contains(jwt.Algorithms(), alg) {
		return "", usagef(cmd, "unsupported algorithm %q", s)
	}
	return alg, nil
}

// maxInput bounds what is read from a claims file, a token argument file or
// standard input.
const maxInput = 1 << 20

// input reads the file named by arg, or standard input when arg is absent
// or "-".
func (c *cli) input(pos []string, what string) ([]byte, error) {
	r := c.stdin
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, maxInput+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxInput {
		return nil, fmt.Errorf("%s is larger than 1 MiB", what)
	}
	return data, nil
}

// token returns the token from the argument, or from standard input when
// it is absent or "-", without surrounding white space.
func (c *cli) token(pos []string) (string, error) {
	if len(pos) == 1 && pos[0] != "-" {
		return strings.TrimSpace(pos[0]), nil
	}
	data, err := io.ReadAll(io.LimitReader(c.stdin, maxInput+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxInput {
		return "", jwt.ErrTooLarge
	}
	return strings.TrimSpace(string(data)), nil
}
