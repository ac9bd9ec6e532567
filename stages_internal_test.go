package jwt

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/jwtpair/jwt/internal/base64url"
)

// stageToken is an HS256 token with the nine claims of the bench module's,
// 387 characters long.
func stageToken(tb testing.TB) (string, *HMAC) {
	k, err := NewHMAC(HS256, []byte(strings.Repeat("k", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	tok, err := SignRaw(k, Header{}, []byte(`{"iss":"https://auth.example.com","sub":"user-0123456789","aud":"https://api.example.com","exp":4102444800,"nbf":1700000000,"iat":1700000000,"jti":"6f1e7c1a-9a3b-4b2e-8c1d-2f5e0a7b9c3d","token_type":"access","user_id":1234567890}`))
	if err != nil {
		tb.Fatal(err)
	}
	return tok, k
}

// BenchmarkStages times each stage of Verify for an HS256 token into
// Claims, to show where the time beyond the MAC goes (BENCHMARKS.md).
func BenchmarkStages(b *testing.B) {
	tok, k := stageToken(b)
	d1 := strings.IndexByte(tok, '.')
	d2 := strings.LastIndexByte(tok, '.')
	b.Run("primitive", func(b *testing.B) {
		h := hmac.New(sha256.New, k.secret)
		in := []byte(tok[:d2])
		want, err := base64.RawURLEncoding.DecodeString(tok[d2+1:])
		if err != nil {
			b.Fatal(err)
		}
		var sum [32]byte
		for b.Loop() {
			h.Reset()
			h.Write(in)
			if !hmac.Equal(h.Sum(sum[:0]), want) {
				b.Fatal("MAC differs")
			}
		}
	})
	b.Run("split", func(b *testing.B) {
		var e Expect
		for b.Loop() {
			e.split(tok)
		}
	})
	b.Run("b64payload", func(b *testing.B) {
		var buf [1024]byte
		for b.Loop() {
			base64url.Decode(buf[:], tok[d1+1:d2])
		}
	})
	b.Run("verifyCompact", func(b *testing.B) {
		for b.Loop() {
			if _, err := k.verifyCompact(tok, d1, d2); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("signed", func(b *testing.B) {
		var e Expect
		for b.Loop() {
			if _, _, err := e.signed(context.Background(), tok, k); err != nil {
				b.Fatal(err)
			}
		}
	})
	payload, _, _ := (&Expect{}).signed(context.Background(), tok, k)
	b.Run("readClaims", func(b *testing.B) {
		for b.Loop() {
			var c Claims
			if _, err := readClaims(payload, nil, &c, nil, false); err != nil {
				b.Fatal(err)
			}
		}
	})
	var c Claims
	readClaims(payload, nil, &c, nil, false)
	b.Run("check", func(b *testing.B) {
		var e Expect
		for b.Loop() {
			if err := e.check(&c, ""); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("now", func(b *testing.B) {
		for b.Loop() {
			time.Now()
		}
	})
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			var c Claims
			if err := Verify(tok, k, &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}
