package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/keyfile"
)

func (c *cli) sign(args []string) error {
	fs := flag.NewFlagSet("sign", flag.ContinueOnError)
	algFlag := fs.String("alg", "", "algorithm: HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519\n(may be omitted when -key is a JWK naming its alg)")
	keyPath := fs.String("key", "", "private key or HMAC secret `file`: PEM, JWK, or the secret's raw bytes")
	kid := fs.String("kid", "", "key ID written as kid in the header (default: the JWK's kid, else none)")
	typ := fs.String("typ", "JWT", "typ written in the header")
	iat := fs.Bool("iat", false, "add iat: the current time")
	var nbf, exp time.Duration
	fs.DurationVar(&nbf, "nbf", 0, "add nbf: the current time plus `duration` (may be negative)")
	fs.DurationVar(&exp, "exp", 0, "add exp: the current time plus `duration` (negative makes an expired token)")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	alg, err := algorithm("sign", *algFlag)
	if err != nil {
		return err
	}
	if *keyPath == "" {
		return usagef("sign", "-key is required")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	signer, err := keyfile.ReadSigner(*keyPath, alg)
	if errors.Is(err, keyfile.ErrNoAlgorithm) {
		return usagef("sign", "-alg is required unless -key is a JWK that names its alg")
	}
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}

	data, err := c.input(pos, "claims file")
	if err != nil {
		return err
	}
	var payload bytes.Buffer
	if err := json.Compact(&payload, data); err != nil {
		return fmt.Errorf("claims are not JSON: %w", err)
	}
	names, err := topLevelNames(payload.Bytes())
	if err != nil {
		return err
	}
	now := c.now()
	add := []struct {
		flag, claim string
		value       time.Time
	}{
		{"iat", "iat", now},
		{"nbf", "nbf", now.Add(nbf)},
		{"exp", "exp", now.Add(exp)},
	}
	out := payload.Bytes()
	for _, a := range add {
		if !set[a.flag] || a.flag == "iat" && !*iat {
			continue
		}
		if names[a.claim] {
			return usagef("sign", "the claims already have %s: drop it or -%s", a.claim, a.flag)
		}
		out = appendMember(out, a.claim, strconv.AppendInt(nil, a.value.Unix(), 10))
	}

	tok, err := jwt.SignRaw(signer, jwt.Header{KeyID: *kid, Type: *typ}, out)
	if errors.Is(err, jwt.ErrMalformed) {
		return errors.New("claims must be one JSON object in UTF-8 that names no member twice")
	}
	if err != nil {
		return err
	}
	if len(tok) > jwt.DefaultMaxLength {
		return fmt.Errorf("the token would be %d bytes, more than verify accepts (%d)", len(tok), jwt.DefaultMaxLength)
	}
	_, err = fmt.Fprintln(c.stdout, tok)
	return err
}

// topLevelNames returns the member names of the JSON object obj. Anything
// but an object is refused.
func topLevelNames(obj []byte) (map[string]bool, error) {
	notObject := errors.New("claims must be a JSON object")
	if len(obj) == 0 || obj[0] != '{' {
		return nil, notObject
	}
	dec := json.NewDecoder(bytes.NewReader(obj))
	if _, err := dec.Token(); err != nil { // '{'
		return nil, notObject
	}
	names := map[string]bool{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, notObject
		}
		name, _ := t.(string)
		names[name] = true
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, notObject
		}
	}
	return names, nil
}

// appendMember adds "name":value at the end of the compact JSON object obj.
func appendMember(obj []byte, name string, value []byte) []byte {
	out := make([]byte, 0, len(obj)+len(name)+len(value)+4)
	out = append(out, obj[:len(obj)-1]...)
	if len(obj) > 2 {
		out = append(out, ',')
	}
	out = append(out, '"')
	out = append(out, name...)
	out = append(out, `":`...)
	out = append(out, value...)
	return append(out, '}')
}
