package main

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jwtpair/jwt"
)

// adminPasswordHash is the demo account's password, admin@123, as a salted
// PBKDF2-HMAC-SHA256 hash: "pbkdf2_sha256$iterations$salt$hash", salt and
// hash in unpadded standard base64. 600 000 iterations is what OWASP
// recommends for this hash.
const adminPasswordHash = "pbkdf2_sha256$600000$2QLYwyOJFQhD0SX+BH3ldg$9yXtXLm0H4X3hUnigRGL70o1o2B5ReDbkPCIVCqXbCA"

// account is a user of the server.
type account struct {
	id, username string
	password     passwordHash
	active       bool
}

// passwordHash is a parsed stored password hash.
type passwordHash struct {
	iterations int
	salt, hash []byte
}

func parsePasswordHash(s string) (passwordHash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 4 || parts[0] != "pbkdf2_sha256" {
		return passwordHash{}, errors.New("password hash: unknown form")
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 {
		return passwordHash{}, errors.New("password hash: bad iteration count")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[2])
	hash, err2 := base64.RawStdEncoding.DecodeString(parts[3])
	if err1 != nil || err2 != nil || len(salt) < 16 || len(hash) != sha256.Size {
		return passwordHash{}, errors.New("password hash: bad salt or hash")
	}
	return passwordHash{iterations: iter, salt: salt, hash: hash}, nil
}

// derivePBKDF2 derives a key from password as the stored hashes were made.
func derivePBKDF2(password string, salt []byte, iterations int) []byte {
	k, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil {
		// Only a key length beyond what FIPS mode allows fails, and
		// sha256.Size is not.
		panic("pbkdf2: " + err.Error())
	}
	return k
}

// users is the server's user table: a simplejwt.Authenticator, and with
// Active the account check of the pair manager. It does not change once
// made, so it is safe for concurrent use.
type users struct {
	byName, byID map[string]*account
	// dummy is hashed against for an unknown username, so that it takes
	// as long as a wrong password.
	dummy passwordHash
	// derive hashes a password; tests count its calls.
	derive func(password string, salt []byte, iterations int) []byte
}

func newUsers(accounts ...*account) *users {
	u := &users{byName: map[string]*account{}, byID: map[string]*account{}, derive: derivePBKDF2}
	for _, a := range accounts {
		u.byName[a.username] = a
		u.byID[a.id] = a
		u.dummy = passwordHash{iterations: a.password.iterations, salt: make([]byte, 16), hash: make([]byte, sha256.Size)}
	}
	return u
}

// demoUsers is the one demo account, admin (id 1).
func demoUsers() (*users, error) {
	h, err := parsePasswordHash(adminPasswordHash)
	if err != nil {
		return nil, err
	}
	return newUsers(&account{id: "1", username: "admin", password: h, active: true}), nil
}

// Authenticate checks a username and password. An unknown user, a wrong
// password and an inactive user all give jwt.ErrNoActiveAccount, after the
// same work: the password is hashed in every case and compared in
// constant time.
func (u *users) Authenticate(_ context.Context, username, password string) (string, map[string]any, error) {
	a, known := u.byName[username]
	h := u.dummy
	if known {
		h = a.password
	}
	match := subtle.ConstantTimeCompare(u.derive(password, h.salt, h.iterations), h.hash) == 1
	if !known || !match || !a.active {
		return "", nil, fmt.Errorf("%w", jwt.ErrNoActiveAccount)
	}
	return a.id, nil, nil
}

// Active reports whether subject is the id of an active account. It is
// the PairConfig.Active of the pair manager, asked before every refresh.
func (u *users) Active(_ context.Context, subject string) error {
	if a, ok := u.byID[subject]; ok && a.active {
		return nil
	}
	return jwt.ErrNoActiveAccount
}
