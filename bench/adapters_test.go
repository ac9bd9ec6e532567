package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"time"

	cjwt "github.com/cristalhq/jwt/v4"
	jose "github.com/go-jose/go-jose/v4"
	josejwt "github.com/go-jose/go-jose/v4/jwt"
	gjwt "github.com/golang-jwt/jwt/v5"
	"github.com/jwtpair/jwt"
	kjwt "github.com/kataras/jwt"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	xjwt "github.com/lestrrat-go/jwx/v3/jwt"
)

// adapter is one way of doing the work: sign UserClaims into a token, and
// verify a token (algorithm pinned, exp and nbf checked) into UserClaims.
type adapter struct {
	name string
	// partial: the destination holds only the registered claims; the
	// others are still checked as JSON but not kept. A partial adapter
	// has no sign: it could not write the private claims.
	partial bool
	sign    func(c *UserClaims) (string, error)
	verify  func(tok string, dst *UserClaims) error
	// maxSaltPSS: PS256 signatures use the longest salt the key allows,
	// not the hash-sized salt RFC 7518 §3.5 requires.
	maxSaltPSS bool
	// anySaltPSS: PS256 verification accepts any salt length.
	anySaltPSS bool
}

var errClaims = errors.New("claims out of their validity window")

// checkTimes is what every floor does with the time claims.
func checkTimes(c *UserClaims) error {
	now := time.Now().Unix()
	if now >= c.Expiry || now < c.NotBefore {
		return errClaims
	}
	return nil
}

// primitive is the signature algorithm alone, on the JWS signature form.
type primitive struct {
	sign   func(input []byte) ([]byte, error)
	verify func(input, sig []byte) error
}

var errSig = errors.New("bad signature")

func newPrimitive(k keys) primitive {
	switch k.alg {
	case "HS256":
		// One reused HMAC state, as a server would keep per goroutine.
		h := hmac.New(sha256.New, k.secret)
		mac := func(input []byte, dst []byte) []byte {
			h.Reset()
			h.Write(input)
			return h.Sum(dst)
		}
		return primitive{
			sign: func(input []byte) ([]byte, error) { return mac(input, nil), nil },
			verify: func(input, sig []byte) error {
				var buf [32]byte
				if !hmac.Equal(mac(input, buf[:0]), sig) {
					return errSig
				}
				return nil
			},
		}
	case "RS256", "PS256":
		priv := k.priv.(*rsa.PrivateKey)
		pss := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}
		return primitive{
			sign: func(input []byte) ([]byte, error) {
				d := sha256.Sum256(input)
				if k.alg == "PS256" {
					return rsa.SignPSS(rand.Reader, priv, crypto.SHA256, d[:], pss)
				}
				return rsa.SignPKCS1v15(nil, priv, crypto.SHA256, d[:])
			},
			verify: func(input, sig []byte) error {
				d := sha256.Sum256(input)
				if k.alg == "PS256" {
					return rsa.VerifyPSS(&priv.PublicKey, crypto.SHA256, d[:], sig, pss)
				}
				return rsa.VerifyPKCS1v15(&priv.PublicKey, crypto.SHA256, d[:], sig)
			},
		}
	case "ES256":
		priv := k.priv.(*ecdsa.PrivateKey)
		return primitive{
			sign: func(input []byte) ([]byte, error) {
				d := sha256.Sum256(input)
				r, s, err := ecdsa.Sign(rand.Reader, priv, d[:])
				if err != nil {
					return nil, err
				}
				sig := make([]byte, 64)
				r.FillBytes(sig[:32])
				s.FillBytes(sig[32:])
				return sig, nil
			},
			verify: func(input, sig []byte) error {
				if len(sig) != 64 {
					return errSig
				}
				d := sha256.Sum256(input)
				r := new(big.Int).SetBytes(sig[:32])
				s := new(big.Int).SetBytes(sig[32:])
				if !ecdsa.Verify(&priv.PublicKey, d[:], r, s) {
					return errSig
				}
				return nil
			},
		}
	default: // EdDSA
		priv := k.priv.(ed25519.PrivateKey)
		pub := priv.Public().(ed25519.PublicKey)
		return primitive{
			sign: func(input []byte) ([]byte, error) { return ed25519.Sign(priv, input), nil },
			verify: func(input, sig []byte) error {
				if !ed25519.Verify(pub, input, sig) {
					return errSig
				}
				return nil
			},
		}
	}
}

var b64 = base64.RawURLEncoding

// plainAdapter is the format written plainly with the standard library:
// encoding/json for header and payload, base64url, the primitive.
func plainAdapter(k keys) adapter {
	p := newPrimitive(k)
	type header struct {
		Alg string `json:"alg"`
		Typ string `json:"typ,omitempty"`
	}
	return adapter{
		name: "plain",
		sign: func(c *UserClaims) (string, error) {
			h, err := json.Marshal(header{Alg: k.alg, Typ: "JWT"})
			if err != nil {
				return "", err
			}
			pl, err := json.Marshal(c)
			if err != nil {
				return "", err
			}
			input := b64.AppendEncode(append(b64.AppendEncode(nil, h), '.'), pl)
			sig, err := p.sign(input)
			if err != nil {
				return "", err
			}
			return string(b64.AppendEncode(append(input, '.'), sig)), nil
		},
		verify: func(tok string, dst *UserClaims) error {
			d1 := strings.IndexByte(tok, '.')
			d2 := strings.LastIndexByte(tok, '.')
			if d1 < 0 || d2 <= d1 {
				return errors.New("malformed")
			}
			hb, err := b64.DecodeString(tok[:d1])
			if err != nil {
				return err
			}
			var h header
			if err := json.Unmarshal(hb, &h); err != nil {
				return err
			}
			if h.Alg != k.alg {
				return errors.New("wrong alg")
			}
			sig, err := b64.DecodeString(tok[d2+1:])
			if err != nil {
				return err
			}
			if err := p.verify([]byte(tok[:d2]), sig); err != nil {
				return err
			}
			pl, err := b64.DecodeString(tok[d1+1 : d2])
			if err != nil {
				return err
			}
			if err := json.Unmarshal(pl, dst); err != nil {
				return err
			}
			return checkTimes(dst)
		},
	}
}

// ourClaims is how a user of this library adds private claims.
type ourClaims struct {
	jwt.Claims
	TokenType string `json:"token_type"`
	UserID    int64  `json:"user_id"`
}

func toOurs(c *UserClaims) ourClaims {
	return ourClaims{
		Claims: jwt.Claims{
			Issuer: c.Issuer, Subject: c.Subject, Audience: jwt.Audience{c.Audience},
			Expiry: jwt.NumericDate(c.Expiry), NotBefore: jwt.NumericDate(c.NotBefore),
			IssuedAt: jwt.NumericDate(c.IssuedAt), ID: c.ID,
		},
		TokenType: c.TokenType, UserID: c.UserID,
	}
}

func fromRegistered(c *jwt.Claims, dst *UserClaims) {
	dst.Issuer, dst.Subject, dst.ID = c.Issuer, c.Subject, c.ID
	if len(c.Audience) == 1 {
		dst.Audience = c.Audience[0]
	}
	dst.Expiry, dst.NotBefore, dst.IssuedAt = int64(c.Expiry), int64(c.NotBefore), int64(c.IssuedAt)
}

func ourKey(k keys) (jwt.Signer, jwt.Keys) {
	if k.alg == "HS256" {
		h, err := jwt.NewHMAC(jwt.HS256, k.secret)
		if err != nil {
			panic(err)
		}
		return h, h
	}
	s, err := jwt.NewSigner(jwt.Algorithm(k.alg), k.priv)
	if err != nil {
		panic(err)
	}
	v, err := jwt.NewVerifier(jwt.Algorithm(k.alg), k.public())
	if err != nil {
		panic(err)
	}
	return s, v.(jwt.Keys)
}

// ourAdapters are this library three ways: into a struct embedding
// jwt.Claims, into jwt.Claims itself, and into a plain struct of the
// user's through encoding/json.
func ourAdapters(k keys) []adapter {
	s, ks := ourKey(k)
	// The destinations live outside the calls, as the plain floor's
	// does: the benchmark counts the library's allocations, not the
	// caller's. Benchmarks and tests call adapters from one goroutine.
	var oc ourClaims
	var rc jwt.Claims
	return []adapter{{
		name: "jwtpair",
		sign: func(c *UserClaims) (string, error) {
			oc := toOurs(c)
			return jwt.Sign(s, &oc)
		},
		verify: func(tok string, dst *UserClaims) error {
			oc = ourClaims{}
			if err := jwt.Verify(tok, ks, &oc); err != nil {
				return err
			}
			fromRegistered(&oc.Claims, dst)
			dst.TokenType, dst.UserID = oc.TokenType, oc.UserID
			return nil
		},
	}, {
		name:    "jwtpair-claims",
		partial: true,
		verify: func(tok string, dst *UserClaims) error {
			rc = jwt.Claims{}
			if err := jwt.Verify(tok, ks, &rc); err != nil {
				return err
			}
			fromRegistered(&rc, dst)
			return nil
		},
	}, {
		name: "jwtpair-struct",
		sign: func(c *UserClaims) (string, error) { return jwt.Sign(s, c) },
		verify: func(tok string, dst *UserClaims) error {
			return jwt.Verify(tok, ks, dst)
		},
	}}
}

type gjClaims struct {
	gjwt.RegisteredClaims
	TokenType string `json:"token_type"`
	UserID    int64  `json:"user_id"`
}

func golangJWT(k keys) adapter {
	var m gjwt.SigningMethod
	var sk, vk any
	switch k.alg {
	case "HS256":
		m, sk, vk = gjwt.SigningMethodHS256, k.secret, k.secret
	case "RS256":
		m, sk, vk = gjwt.SigningMethodRS256, k.priv, k.public()
	case "PS256":
		m, sk, vk = gjwt.SigningMethodPS256, k.priv, k.public()
	case "ES256":
		m, sk, vk = gjwt.SigningMethodES256, k.priv, k.public()
	case "EdDSA":
		m, sk, vk = gjwt.SigningMethodEdDSA, k.priv, k.public()
	}
	parser := gjwt.NewParser(gjwt.WithValidMethods([]string{k.alg}))
	keyFunc := func(*gjwt.Token) (any, error) { return vk, nil }
	return adapter{
		name:       "golang-jwt",
		anySaltPSS: true,
		sign: func(c *UserClaims) (string, error) {
			gc := gjClaims{
				RegisteredClaims: gjwt.RegisteredClaims{
					Issuer: c.Issuer, Subject: c.Subject, Audience: gjwt.ClaimStrings{c.Audience},
					ExpiresAt: gjwt.NewNumericDate(time.Unix(c.Expiry, 0)),
					NotBefore: gjwt.NewNumericDate(time.Unix(c.NotBefore, 0)),
					IssuedAt:  gjwt.NewNumericDate(time.Unix(c.IssuedAt, 0)),
					ID:        c.ID,
				},
				TokenType: c.TokenType, UserID: c.UserID,
			}
			return gjwt.NewWithClaims(m, gc).SignedString(sk)
		},
		verify: func(tok string, dst *UserClaims) error {
			var gc gjClaims
			if _, err := parser.ParseWithClaims(tok, &gc, keyFunc); err != nil {
				return err
			}
			r := &gc.RegisteredClaims
			*dst = UserClaims{Issuer: r.Issuer, Subject: r.Subject, ID: r.ID, TokenType: gc.TokenType, UserID: gc.UserID,
				Expiry: r.ExpiresAt.Unix(), NotBefore: r.NotBefore.Unix(), IssuedAt: r.IssuedAt.Unix()}
			if len(r.Audience) == 1 {
				dst.Audience = r.Audience[0]
			}
			return nil
		},
	}
}

type chClaims struct {
	cjwt.RegisteredClaims
	TokenType string `json:"token_type"`
	UserID    int64  `json:"user_id"`
}

func cristalhq(k keys) adapter {
	var s cjwt.Signer
	var v cjwt.Verifier
	var err, err2 error
	switch k.alg {
	case "HS256":
		s, err = cjwt.NewSignerHS(cjwt.HS256, k.secret)
		v, err2 = cjwt.NewVerifierHS(cjwt.HS256, k.secret)
	case "RS256":
		s, err = cjwt.NewSignerRS(cjwt.RS256, k.priv.(*rsa.PrivateKey))
		v, err2 = cjwt.NewVerifierRS(cjwt.RS256, k.public().(*rsa.PublicKey))
	case "PS256":
		s, err = cjwt.NewSignerPS(cjwt.PS256, k.priv.(*rsa.PrivateKey))
		v, err2 = cjwt.NewVerifierPS(cjwt.PS256, k.public().(*rsa.PublicKey))
	case "ES256":
		s, err = cjwt.NewSignerES(cjwt.ES256, k.priv.(*ecdsa.PrivateKey))
		v, err2 = cjwt.NewVerifierES(cjwt.ES256, k.public().(*ecdsa.PublicKey))
	case "EdDSA":
		s, err = cjwt.NewSignerEdDSA(k.priv.(ed25519.PrivateKey))
		v, err2 = cjwt.NewVerifierEdDSA(k.public().(ed25519.PublicKey))
	}
	if err = errors.Join(err, err2); err != nil {
		panic(err)
	}
	b := cjwt.NewBuilder(s)
	return adapter{
		name:       "cristalhq",
		maxSaltPSS: true,
		anySaltPSS: true,
		sign: func(c *UserClaims) (string, error) {
			t, err := b.Build(c)
			if err != nil {
				return "", err
			}
			return t.String(), nil
		},
		verify: func(tok string, dst *UserClaims) error {
			t, err := cjwt.Parse([]byte(tok), v)
			if err != nil {
				return err
			}
			var cc chClaims
			if err := t.DecodeClaims(&cc); err != nil {
				return err
			}
			if !cc.IsValidAt(time.Now()) {
				return errClaims
			}
			r := &cc.RegisteredClaims
			*dst = UserClaims{Issuer: r.Issuer, Subject: r.Subject, ID: r.ID, TokenType: cc.TokenType, UserID: cc.UserID,
				Expiry: r.ExpiresAt.Unix(), NotBefore: r.NotBefore.Unix(), IssuedAt: r.IssuedAt.Unix()}
			if len(r.Audience) == 1 {
				dst.Audience = r.Audience[0]
			}
			return nil
		},
	}
}

func kataras(k keys) adapter {
	alg := map[string]kjwt.Alg{"HS256": kjwt.HS256, "RS256": kjwt.RS256, "PS256": kjwt.PS256, "ES256": kjwt.ES256, "EdDSA": kjwt.EdDSA}[k.alg]
	var sk, vk any = k.secret, k.secret
	if k.alg != "HS256" {
		sk, vk = k.priv, k.public()
	}
	return adapter{
		name:       "kataras",
		maxSaltPSS: true,
		anySaltPSS: true,
		sign: func(c *UserClaims) (string, error) {
			t, err := kjwt.Sign(alg, sk, c)
			return string(t), err
		},
		verify: func(tok string, dst *UserClaims) error {
			// Verify checks exp and nbf of the standard claims it decodes.
			t, err := kjwt.Verify(alg, vk, []byte(tok))
			if err != nil {
				return err
			}
			return t.Claims(dst)
		},
	}
}

func jwx(k keys) adapter {
	alg := map[string]jwa.SignatureAlgorithm{"HS256": jwa.HS256(), "RS256": jwa.RS256(), "PS256": jwa.PS256(), "ES256": jwa.ES256(), "EdDSA": jwa.EdDSA()}[k.alg]
	var rawS, rawV any = k.secret, k.secret
	if k.alg != "HS256" {
		rawS, rawV = k.priv, k.public()
	}
	sk, err := jwk.Import(rawS)
	if err != nil {
		panic(err)
	}
	vk, err := jwk.Import(rawV)
	if err != nil {
		panic(err)
	}
	return adapter{
		name: "jwx",
		sign: func(c *UserClaims) (string, error) {
			t, err := xjwt.NewBuilder().
				Issuer(c.Issuer).Subject(c.Subject).Audience([]string{c.Audience}).
				Expiration(time.Unix(c.Expiry, 0)).NotBefore(time.Unix(c.NotBefore, 0)).
				IssuedAt(time.Unix(c.IssuedAt, 0)).JwtID(c.ID).
				Claim("token_type", c.TokenType).Claim("user_id", c.UserID).Build()
			if err != nil {
				return "", err
			}
			b, err := xjwt.Sign(t, xjwt.WithKey(alg, sk))
			return string(b), err
		},
		verify: func(tok string, dst *UserClaims) error {
			t, err := xjwt.ParseString(tok, xjwt.WithKey(alg, vk), xjwt.WithValidate(true))
			if err != nil {
				return err
			}
			*dst = UserClaims{}
			dst.Issuer, _ = t.Issuer()
			dst.Subject, _ = t.Subject()
			dst.ID, _ = t.JwtID()
			if aud, _ := t.Audience(); len(aud) == 1 {
				dst.Audience = aud[0]
			}
			e, _ := t.Expiration()
			n, _ := t.NotBefore()
			i, _ := t.IssuedAt()
			dst.Expiry, dst.NotBefore, dst.IssuedAt = e.Unix(), n.Unix(), i.Unix()
			if err := t.Get("token_type", &dst.TokenType); err != nil {
				return err
			}
			var uid float64
			if err := t.Get("user_id", &uid); err != nil {
				return err
			}
			dst.UserID = int64(uid)
			return nil
		},
	}
}

type joseExtra struct {
	TokenType string `json:"token_type"`
	UserID    int64  `json:"user_id"`
}

func goJose(k keys) adapter {
	alg := jose.SignatureAlgorithm(k.alg)
	var sk, vk any = k.secret, k.secret
	if k.alg != "HS256" {
		sk, vk = k.priv, k.public()
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: sk}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		panic(err)
	}
	return adapter{
		name:       "go-jose",
		anySaltPSS: true,
		sign: func(c *UserClaims) (string, error) {
			return josejwt.Signed(signer).Claims(c).Serialize()
		},
		verify: func(tok string, dst *UserClaims) error {
			t, err := josejwt.ParseSigned(tok, []jose.SignatureAlgorithm{alg})
			if err != nil {
				return err
			}
			var std josejwt.Claims
			var ex joseExtra
			if err := t.Claims(vk, &std, &ex); err != nil {
				return err
			}
			if err := std.ValidateWithLeeway(josejwt.Expected{Time: time.Now()}, 0); err != nil {
				return err
			}
			*dst = UserClaims{Issuer: std.Issuer, Subject: std.Subject, ID: std.ID, TokenType: ex.TokenType, UserID: ex.UserID,
				Expiry: std.Expiry.Time().Unix(), NotBefore: std.NotBefore.Time().Unix(), IssuedAt: std.IssuedAt.Time().Unix()}
			if len(std.Audience) == 1 {
				dst.Audience = std.Audience[0]
			}
			return nil
		},
	}
}

func init() {
	// golang-jwt writes one audience as an array unless told otherwise;
	// every other adapter writes a string, and UserClaims reads one.
	gjwt.MarshalSingleStringAsArray = false
	xjwt.Settings(xjwt.WithFlattenAudience(true))
}

// allAdapters returns every adapter for k: the plain floor, this library,
// then the peers.
func allAdapters(k keys) []adapter {
	out := []adapter{plainAdapter(k)}
	out = append(out, ourAdapters(k)...)
	return append(out, golangJWT(k), cristalhq(k), kataras(k), jwx(k), goJose(k))
}
