package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"unicode/utf8"

	"github.com/jwtpair/jwt"
)

func (c *cli) decode(args []string) error {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	pos, err := parse(fs, args, 1)
	if err != nil {
		return err
	}
	tok, err := c.token(pos)
	if err != nil {
		return err
	}
	u, err := jwt.DecodeUnverified(tok)
	if err != nil {
		return err
	}
	payload := u.Payload
	if !utf8.Valid(payload) || !json.Valid(payload) {
		// Not JSON (a JWS may carry any bytes): shown as a JSON string,
		// invalid UTF-8 replaced by U+FFFD.
		payload, _ = json.Marshal(string(u.Payload))
	}
	var doc bytes.Buffer
	doc.WriteString(`{"header":`)
	doc.Write(u.RawHeader)
	doc.WriteString(`,"payload":`)
	doc.Write(payload)
	doc.WriteString(`}`)
	var out bytes.Buffer
	if err := json.Indent(&out, doc.Bytes(), "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	fmt.Fprintln(c.stderr, "jwt: decoded only: the signature and the claims were NOT verified")
	_, err = c.stdout.Write(out.Bytes())
	return err
}
