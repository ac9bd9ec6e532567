package main

// The help texts. Each is what "jwt help CMD" and "jwt CMD -h" print.

const mainUsage = `jwt signs, verifies and decodes JSON Web Tokens, and makes keys for them.

Usage:

	jwt sign -alg ALG -key FILE [-kid KID] [-typ T] [-iat] [-nbf DUR] [-exp DUR] [CLAIMS]
	jwt verify [-alg ALG] -key FILE [-iss ISS] [-aud AUD] [-leeway DUR] [TOKEN]
	jwt decode [TOKEN]
	jwt keygen -alg ALG -out PREFIX [-bits N]
	jwt help [COMMAND]

Algorithms: HS256 HS384 HS512 RS256 RS384 RS512 PS256 PS384 PS512
ES256 ES384 ES512 EdDSA Ed25519 (both Ed25519 signatures: EdDSA is the
name RFC 8037 gave, Ed25519 the one RFC 9864 gives). "none" is never accepted.

Key files (-key): PEM (PKCS #8, PKCS #1 or SEC 1 private keys, PKIX or
PKCS #1 public keys, X.509 certificates) or a JWK; for HMAC, the file's
bytes exactly as they are (no trimming) or a JWK with "kty":"oct". -alg
may be omitted only when the key is a JWK that names its alg. The
algorithm is never taken from a token.

Exit status: 0 success; 1 the token or key was rejected, or the command
could not do its work (the reason is one line on standard error); 2 the
command line is wrong.

Run "jwt help COMMAND" or "jwt COMMAND -h" for the flags and examples of
a command.
`

const signUsage = `Usage: jwt sign -alg ALG -key FILE [-kid KID] [-typ T] [-iat] [-nbf DUR] [-exp DUR] [CLAIMS]

Sign the JSON object in the file CLAIMS (standard input when CLAIMS is
absent or "-") and print the compact token and a newline. The claims are
signed exactly as written, only without insignificant white space: large
numbers, nested values, null and the order of members are kept. No claim
is added unless a flag asks: -iat, -nbf and -exp add theirs at the end,
and refuse to replace one the claims already have. The claims must be
one object in UTF-8 that names no member twice.

-key is a private key (PEM or JWK) or an HMAC secret (raw bytes or an
oct JWK). The header is {"alg":ALG,"kid":KID,"typ":T}, kid only when
-kid is given or the JWK has one.

Flags:
  -alg ALG      algorithm (may be omitted when -key is a JWK naming its alg)
  -key FILE     private key or HMAC secret
  -kid KID      key ID for the header (default: the JWK's kid, else none)
  -typ T        typ for the header (default "JWT")
  -iat          add iat: the current time
  -nbf DUR      add nbf: the current time plus DUR, such as 30s (may be negative)
  -exp DUR      add exp: the current time plus DUR, such as 15m or 24h
                (negative makes an already expired token, for tests)

Examples:
  echo '{"sub":"42","role":"admin"}' | jwt sign -alg HS256 -key app.key -exp 15m
  jwt sign -alg ES256 -key issuer.pem -kid 2026-01 -iat -exp 1h claims.json
  jwt sign -key issuer.jwk.json -exp 1h claims.json
`

const verifyUsage = `Usage: jwt verify [-alg ALG] -key FILE [-iss ISS] [-aud AUD] [-leeway DUR] [TOKEN]

Verify TOKEN (standard input when TOKEN is absent or "-"; white space
around it is ignored). On success print its payload as the token carries
it, and a newline, and exit 0. On any failure print the reason on one
line and exit 1.

The token's alg must equal -alg (or the JWK's alg): the header never
chooses the algorithm. The signature is checked first; then exp is
required and must be in the future, nbf and iat must not be in the
future, and -iss and -aud, when given, must match exactly. A JWK with a
kid refuses tokens that name another kid.

Flags:
  -alg ALG      the algorithm the token must use (may be omitted when
                -key is a JWK naming its alg)
  -key FILE     public key, private key or HMAC secret
  -iss ISS      require iss to equal ISS
  -aud AUD      require aud to contain AUD
  -leeway DUR   allow DUR of clock skew in exp, nbf and iat (default 0)

Examples:
  jwt verify -alg RS256 -key issuer.pub.pem "$TOKEN"
  echo "$TOKEN" | jwt verify -alg HS256 -key app.key -iss auth -aud api
  jwt verify -key issuer.pub.jwk.json -leeway 30s "$TOKEN"
`

const decodeUsage = `Usage: jwt decode [TOKEN]

Print the header and the payload of TOKEN (standard input when TOKEN is
absent or "-") WITHOUT verifying anything, as one indented JSON object
{"header": ..., "payload": ...}, and say so on standard error. A payload
that is not JSON is shown as a JSON string. Anyone can make a token that
decodes to anything: never trust what decode shows.

Examples:
  jwt decode "$TOKEN"
  pbpaste | jwt decode
`

const keygenUsage = `Usage: jwt keygen -alg ALG -out PREFIX [-bits N]

Make a new key for ALG and write it to files named PREFIX.*, printing the
name of each file written. Files that hold a secret get mode 0600.

For RSA, ECDSA and Ed25519:
  PREFIX.pem          private key, PKCS #8 PEM (0600)
  PREFIX.pub.pem      public key, PKIX PEM
  PREFIX.jwk.json     private key as a JWK with alg and kid (0600)
  PREFIX.pub.jwk.json public key as a JWK with alg and kid, to publish
For HMAC:
  PREFIX.key          random secret, as many bytes as the hash output (0600)
  PREFIX.jwk.json     the same secret as a JWK, "kty":"oct", with alg and kid (0600)

The kid is the key's RFC 7638 thumbprint. Tokens signed with a JWK file
carry it; tokens signed with the PEM or raw secret do not unless -kid is
given. keygen refuses to overwrite: when any of the files exists it
writes nothing and exits 1.

Flags:
  -alg ALG      algorithm the key is for
  -out PREFIX   path prefix of the files
  -bits N       RSA modulus size: 2048 (default), 3072 or 4096

Examples:
  jwt keygen -alg ES256 -out issuer
  jwt keygen -alg RS256 -bits 3072 -out keys/rsa
  jwt keygen -alg HS256 -out app
`
