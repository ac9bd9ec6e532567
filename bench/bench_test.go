package bench

import (
	"testing"
)

// BenchmarkVerify verifies one token per algorithm, made by the plain
// floor, into UserClaims (or the adapter's own destination).
func BenchmarkVerify(b *testing.B) {
	for _, alg := range algs {
		k := fixedKeys(b, alg)
		tok, err := plainAdapter(k).sign(&sample)
		if err != nil {
			b.Fatal(err)
		}
		p := newPrimitive(k)
		d2 := lastDot(tok)
		input := []byte(tok[:d2])
		sig, err := b64.DecodeString(tok[d2+1:])
		if err != nil {
			b.Fatal(err)
		}
		b.Run(alg+"/primitive", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := p.verify(input, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, a := range allAdapters(k) {
			b.Run(alg+"/"+a.name, func(b *testing.B) {
				b.ReportAllocs()
				var c UserClaims
				for b.Loop() {
					if err := a.verify(tok, &c); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSign signs UserClaims (or the adapter's own claims type built
// from them) once per iteration.
func BenchmarkSign(b *testing.B) {
	for _, alg := range algs {
		k := fixedKeys(b, alg)
		p := newPrimitive(k)
		tok, err := plainAdapter(k).sign(&sample)
		if err != nil {
			b.Fatal(err)
		}
		input := []byte(tok[:lastDot(tok)])
		b.Run(alg+"/primitive", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.sign(input); err != nil {
					b.Fatal(err)
				}
			}
		})
		for _, a := range allAdapters(k) {
			if a.sign == nil {
				continue
			}
			b.Run(alg+"/"+a.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := a.sign(&sample); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func lastDot(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}
