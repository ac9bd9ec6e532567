package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"github.com/jwtpair/jwt"
	"github.com/jwtpair/jwt/internal/keyfile"
)

func (c *cli) verify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	algFlag := fs.String("alg", "", "the algorithm the token must use (may be omitted when -key is a JWK naming its alg)")
	keyPath := fs.String("key", "", "public key, private key or HMAC secret `file`: PEM, JWK, or the secret's raw bytes")
	iss := fs.String("iss", "", "require iss to equal `issuer`")
	aud := fs.String("aud", "", "require aud to contain `audience`")
	leeway := fs.Duration("leeway", 0, "allow this much clock skew in exp, nbf and iat")
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	alg, err := algorithm("verify", *algFlag)
	if err != nil {
		return err
	}
	if *keyPath == "" {
		return usagef("verify", "-key is required")
	}
	if *leeway < 0 {
		return usagef("verify", "-leeway must not be negative")
	}
	v, err := keyfile.ReadVerifier(*keyPath, alg)
	if errors.Is(err, keyfile.ErrNoAlgorithm) {
		return usagef("verify", "-alg is required unless -key is a JWK that names its alg")
	}
	if err != nil {
		return fmt.Errorf("key file: %w", err)
	}
	tok, err := c.token(pos)
	if err != nil {
		return err
	}
	e := jwt.Expect{Issuer: *iss, Leeway: *leeway, Now: c.now}
	if *aud != "" {
		e.Audience = jwt.Audience{*aud}
	}
	var payload json.RawMessage
	if err := e.Verify(tok, keyfile.Keys(v), &payload); err != nil {
		return err
	}
	_, err = fmt.Fprintf(c.stdout, "%s\n", payload)
	return err
}
