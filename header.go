package jwt

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/jwtpair/jwt/internal/codec"
	"github.com/jwtpair/jwt/internal/strictjson"
)

// Header is the JOSE header of a token (RFC 7515 §4), reduced to the members
// this package acts on. Verify reads the header strictly and refuses a
// token whose header names crit; it never uses jwk, jku, x5u or x5c to find
// a key, and kid only picks a key from a [KeySet].
type Header struct {
	// Algorithm is alg: the algorithm the token claims to be signed with.
	// Verify compares it with the key's algorithm and never lets it choose.
	Algorithm Algorithm `json:"alg"`
	// KeyID is kid: which key of a set signed the token.
	KeyID string `json:"kid,omitempty"`
	// Type is typ: the media type of the whole token, "JWT" by default.
	Type string `json:"typ,omitempty"`
	// ContentType is cty: the media type of the payload.
	ContentType string `json:"cty,omitempty"`
}

// encode returns the header as base64url JSON, members in a fixed order so
// that one key always produces the same bytes.
func (h *Header) encode() string {
	b := make([]byte, 0, 64)
	b = append(b, `{"alg":`...)
	b = codec.AppendString(b, string(h.Algorithm))
	if h.ContentType != "" {
		b = append(b, `,"cty":`...)
		b = codec.AppendString(b, h.ContentType)
	}
	if h.KeyID != "" {
		b = append(b, `,"kid":`...)
		b = codec.AppendString(b, h.KeyID)
	}
	if h.Type != "" {
		b = append(b, `,"typ":`...)
		b = codec.AppendString(b, h.Type)
	}
	b = append(b, '}')
	return base64.RawURLEncoding.EncodeToString(b)
}

// rawHeader is what parseHeader decodes. Members this package does not act
// on are still checked for their JSON type where RFC 7515 gives one, so that
// a header that no other implementation would accept is not accepted here.
type rawHeader struct {
	Algorithm   *string          `json:"alg"`
	KeyID       *string          `json:"kid"`
	Type        *string          `json:"typ"`
	ContentType *string          `json:"cty"`
	Crit        *json.RawMessage `json:"crit"`
	JKU         *string          `json:"jku"`
	X5U         *string          `json:"x5u"`
	X5C         *[]string        `json:"x5c"`
	X5T         *string          `json:"x5t"`
	X5TS256     *string          `json:"x5t#S256"`
	JWK         *json.RawMessage `json:"jwk"`
}

// headerNames are the members of rawHeader. A header member that matches
// one of them only when case is ignored is refused: encoding/json would
// otherwise read "ALG" as alg.
var headerNames = [...]string{"alg", "kid", "typ", "cty", "crit", "jku", "x5u", "x5c", "x5t", "x5t#S256", "jwk"}

// parseHeader decodes the JSON of a protected header strictly.
func parseHeader(data []byte) (Header, error) {
	var crit, folded bool
	ok := strictjson.Check(data, func(name string) {
		if name == "crit" {
			crit = true
		}
		folded = folded || strictjson.FoldsTo(name, headerNames[:])
	})
	if !ok || folded {
		return Header{}, fmt.Errorf("%w: header is not a strict JSON object", ErrMalformed)
	}
	if crit {
		return Header{}, ErrCritical
	}
	var raw rawHeader
	if err := json.Unmarshal(data, &raw); err != nil {
		return Header{}, fmt.Errorf("%w: header member of the wrong type", ErrMalformed)
	}
	if raw.Algorithm == nil {
		return Header{}, fmt.Errorf("%w: header has no alg", ErrMalformed)
	}
	h := Header{Algorithm: Algorithm(*raw.Algorithm)}
	if raw.KeyID != nil {
		h.KeyID = *raw.KeyID
	}
	if raw.Type != nil {
		h.Type = *raw.Type
	}
	if raw.ContentType != nil {
		h.ContentType = *raw.ContentType
	}
	return h, nil
}
