package jwt

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/jwtpair/jwt/internal/codec"
)

// The plain references that the differential tests hold the pipeline's
// fast paths to: each does its step the plain way, with encoding/base64,
// the strict JSON scanner and encoding/json, and reports its errors in the
// pipeline's order and words.

// VerifyPlain is e.VerifyContext written plainly: no header match, no
// one-pass base64url, no codec.
func VerifyPlain(e Expect, token string, keys Keys, dst any) error {
	if err := reset(dst); err != nil {
		return err
	}
	var c Claims
	if _, err := decodePlain(&e, token, keys, dst, &c, nil); err != nil {
		reset(dst)
		return err
	}
	return nil
}

// decodePlain is Expect.decode written plainly.
func decodePlain(e *Expect, token string, keys Keys, dst any, c *Claims, capture *codec.Captured) (string, error) {
	if err := e.valid(); err != nil {
		return "", err
	}
	payload, typ, err := signedPlain(e, token, keys)
	if err != nil {
		return "", err
	}
	claims, err := readClaimsPlain([]byte(payload), dst, c, capture, e.UseNumber)
	if err != nil {
		return "", err
	}
	return payload, e.check(claims, typ)
}

// signedPlain is Expect.signed written plainly.
func signedPlain(e *Expect, token string, keys Keys) (payload, typ string, err error) {
	if _, _, err := e.split(token); err != nil {
		return "", "", err
	}
	parts := strings.Split(token, ".")
	for _, p := range parts {
		for _, c := range []byte(p) {
			if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", rune(c)) {
				return "", "", errNotBase64URL
			}
		}
	}
	v, h, err := lookup(context.Background(), parts[0], keys)
	if err != nil {
		return "", "", err
	}
	b64 := base64.RawURLEncoding.Strict()
	sig, err := b64.DecodeString(parts[2])
	if err != nil {
		return "", "", errSigNotBase64URL
	}
	if err := v.Verify([]byte(parts[0]+"."+parts[1]), sig); err != nil {
		return "", "", err
	}
	p, err := b64.DecodeString(parts[1])
	if err != nil {
		return "", "", errPayloadNotBase64URL
	}
	return string(p), h.Type, nil
}

// SignPlain is Sign written plainly: encoding/json and the general signer.
func SignPlain(s Signer, claims any) (string, error) {
	s = current(s)
	enc, err := encodeHeaderFor(s, Header{})
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("jwt: encoding claims: %w", err)
	}
	if len(payload) == 0 || payload[0] != '{' {
		return "", fmt.Errorf("%w: claims must encode as a JSON object", ErrMalformed)
	}
	return signGeneral(s, enc, payload)
}

// DecodeClaimsFast is what Verify does with a payload: the codec when it
// takes the payload, else the strict scanner and encoding/json.
func DecodeClaimsFast(payload string, dst any, e *Expect) error {
	if err := reset(dst); err != nil {
		return err
	}
	var c Claims
	claims, err := readClaims(payload, dst, &c, nil, e.UseNumber)
	if err != nil {
		return err
	}
	return e.check(claims, "")
}

// DecodeClaimsSlow is the strict scanner and encoding/json alone.
func DecodeClaimsSlow(payload []byte, dst any, e *Expect) error {
	if err := reset(dst); err != nil {
		return err
	}
	var c Claims
	claims, err := readClaimsPlain(payload, dst, &c, nil, e.UseNumber)
	if err != nil {
		return err
	}
	return e.check(claims, "")
}

// PairClaims is what the pair manager reads of a token.
type PairClaims struct {
	Claims
	ID, SID, Sub, Typ string
	HasTyp, TypOK     bool
	AuthTime          NumericDate
}

// PairsParse is the pair manager's parse of tok into dst, with the
// pipeline or, when plain, with the plain references, and what it read.
func PairsParse(p *Pairs, tok string, dst any, plain bool) (PairClaims, error) {
	if err := reset(dst); err != nil {
		return PairClaims{}, err
	}
	c := new(pairClaims)
	var err error
	if !plain {
		err = p.parse(context.Background(), tok, c, dst)
	} else {
		capture := codec.Captured{Names: p.capNames[:]}
		var payload string
		payload, err = decodePlain(&p.expect, tok, p.keys, dst, &c.Claims, &capture)
		if err == nil {
			if d, ok := dst.(registeredClaims); ok && d.registered() != nil {
				c.Claims = *d.registered()
			}
			c.payload = payload
			err = p.readCaptured(c, &capture)
		}
	}
	if err != nil {
		reset(dst)
		return PairClaims{}, err
	}
	return PairClaims{Claims: c.Claims, ID: c.id, SID: c.sid, Sub: c.sub, Typ: c.typ, HasTyp: c.hasTyp, TypOK: c.typOK, AuthTime: c.authTime}, nil
}

// PairsFastTakes reports whether the codec reads the payload of tok with
// the pair manager's names.
func PairsFastTakes(p *Pairs, tok string) bool {
	u, err := DecodeUnverified(tok)
	if err != nil {
		return false
	}
	var reg codec.Registered
	return codec.Decode(string(u.Payload), &reg, types.Plain(), &codec.Captured{Names: p.capNames[:]})
}

// FastTakes reports whether the codec takes payload for dst.
func FastTakes(payload string, dst any) bool {
	info := types.Plain()
	if _, ok := dst.(*Claims); !ok && dst != nil {
		info = types.Info(dst)
	}
	var reg codec.Registered
	return codec.Decode(payload, &reg, info, &codec.Captured{})
}

// SplitTakes reports whether Verify fills the registered claims of dst
// with the codec and leaves only the rest to codec.SetRest.
func SplitTakes(dst any) bool {
	_, ok := dst.(registeredClaims)
	return ok && types.Info(dst).Split()
}

// DecodeMap is the codec's reader of a payload into a map[string]any.
func DecodeMap(payload string) (map[string]any, bool) { return codec.DecodeMap(payload, false) }

// ClaimsFirst reports whether Sign writes the Claims that claims embeds
// with the codec and only the rest otherwise.
func ClaimsFirst(claims any) bool { return types.ClaimsFirst(reflect.TypeOf(claims)) }

// FieldsPlain reports whether Sign writes every field of claims, a
// pointer to a struct embedding Claims first, without encoding/json.
func FieldsPlain(claims any) bool { return types.FieldsPlain(reflect.TypeOf(claims)) }

// PlainFields are the names of the fields of dst that Verify sets without
// encoding/json.
func PlainFields(dst any) []string { return types.Info(dst).PlainFields() }
