package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/jwtpair/jwt"
)

// keyFile is one file keygen writes.
type keyFile struct {
	suffix string
	mode   os.FileMode
	data   []byte
}

func (c *cli) keygen(args []string) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	algFlag := fs.String("alg", "", "algorithm the key is for: HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA Ed25519")
	out := fs.String("out", "", "write the key files to `PREFIX`.*")
	bits := fs.Int("bits", 2048, "RSA modulus size: 2048, 3072 or 4096")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	alg, err := algorithm("keygen", *algFlag)
	if err != nil {
		return err
	}
	if alg == "" {
		return usagef("keygen", "-alg is required")
	}
	if *out == "" {
		return usagef("keygen", "-out is required")
	}
	isRSA := alg[0] == 'R' || alg[0] == 'P'
	bitsSet := false
	fs.Visit(func(f *flag.Flag) { bitsSet = bitsSet || f.Name == "bits" })
	if bitsSet && !isRSA {
		return usagef("keygen", "-bits is for RSA algorithms only")
	}
	if *bits != 2048 && *bits != 3072 && *bits != 4096 {
		return usagef("keygen", "-bits must be 2048, 3072 or 4096")
	}

	var files []keyFile
	if strings.HasPrefix(string(alg), "HS") {
		files, err = c.newSecret(alg)
	} else {
		files, err = c.newKeyPair(alg, *bits)
	}
	if err != nil {
		return err
	}
	return c.writeAll(*out, files)
}

// newSecret makes an HMAC secret as long as the hash output.
func (c *cli) newSecret(alg jwt.Algorithm) ([]keyFile, error) {
	size := map[jwt.Algorithm]int{jwt.HS256: 32, jwt.HS384: 48, jwt.HS512: 64}[alg]
	secret := make([]byte, size)
	if _, err := rand.Read(secret); err != nil {
		return nil, err
	}
	jwk, err := c.secretJWK(alg, secret)
	if err != nil {
		return nil, err
	}
	return append([]keyFile{{suffix: ".key", mode: 0o600, data: secret}}, jwk...), nil
}

// newKeyPair makes a private key for alg and returns its files.
func (c *cli) newKeyPair(alg jwt.Algorithm, bits int) ([]keyFile, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case jwt.ES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case jwt.ES384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case jwt.ES512:
		priv, err = ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	case jwt.EdDSA, jwt.Ed25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		priv, err = c.genRSA(bits)
	}
	if err != nil {
		return nil, err
	}
	if _, err := jwt.NewSigner(alg, priv); err != nil {
		return nil, err
	}
	privPEM, err := jwt.MarshalPrivateKeyPEM(priv)
	if err != nil {
		return nil, err
	}
	pubPEM, err := jwt.MarshalPublicKeyPEM(priv.Public())
	if err != nil {
		return nil, err
	}
	files := []keyFile{
		{suffix: ".pem", mode: 0o600, data: privPEM},
		{suffix: ".pub.pem", mode: 0o644, data: pubPEM},
	}
	jwk, err := c.pairJWK(alg, priv)
	if err != nil {
		return nil, err
	}
	return append(files, jwk...), nil
}

// writeAll writes every file or none: it refuses to start when one of
// them exists, and removes what it wrote when a write fails.
func (c *cli) writeAll(prefix string, files []keyFile) error {
	for _, f := range files {
		if _, err := os.Lstat(prefix + f.suffix); err == nil {
			return fmt.Errorf("%s already exists; nothing written", prefix+f.suffix)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	var written []string
	for _, f := range files {
		path := prefix + f.suffix
		if err := writeNew(path, f.data, f.mode); err != nil {
			for _, w := range written {
				os.Remove(w)
			}
			return err
		}
		written = append(written, path)
	}
	for _, w := range written {
		fmt.Fprintln(c.stdout, w)
	}
	return nil
}

// writeNew creates path, which must not exist, with mode and data.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
