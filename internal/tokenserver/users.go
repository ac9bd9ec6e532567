package tokenserver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/jwtpair/jwt"
)

// adminPasswordHash is the demo account's password, admin@123, as a salted
// PBKDF2-HMAC-SHA256 hash: "pbkdf2_sha256$iterations$salt$hash", salt and
// hash in unpadded standard base64. 600 000 iterations is what OWASP
// recommends for this hash.
const adminPasswordHash = "pbkdf2_sha256$600000$2QLYwyOJFQhD0SX+BH3ldg$9yXtXLm0H4X3hUnigRGL70o1o2B5ReDbkPCIVCqXbCA"

// Account is a user of the server. Password is a hash in the form
// HashPassword writes, never the password itself.
type Account struct {
	ID, Username string
	Password     string
	Active       bool
}

// account is an Account with its hash parsed.
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

// HashPassword returns password hashed as the server stores it: PBKDF2-
// HMAC-SHA256 with a random 16-byte salt and the given iterations, in the
// form "pbkdf2_sha256$iterations$salt$hash". Tests use few iterations; a
// real account needs at least 600 000.
func HashPassword(password string, iterations int) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	h := derivePBKDF2(password, salt, iterations)
	return "pbkdf2_sha256$" + strconv.Itoa(iterations) + "$" +
		base64.RawStdEncoding.EncodeToString(salt) + "$" + base64.RawStdEncoding.EncodeToString(h)
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

// yieldEvery is how many iterations of a password hash run between two
// yields to the Go scheduler: about half a millisecond of CPU.
const yieldEvery = 1024

// derivePBKDF2 derives a key from password as the stored hashes were made:
// PBKDF2-HMAC-SHA256 (RFC 8018, section 5.2) of one block, sha256.Size
// bytes. It computes what crypto/pbkdf2.Key does, written out so that it
// can let the scheduler run other goroutines every yieldEvery iterations:
// a goroutine that computes for a tenth of a second otherwise keeps its
// processor for the scheduler's whole time slice, 10 ms, and the quick
// requests queued behind it wait that long.
func derivePBKDF2(password string, salt []byte, iterations int) []byte {
	return pbkdf2SHA256(password, salt, iterations, runtime.Gosched)
}

// pbkdf2SHA256 is derivePBKDF2, calling yield between iterations.
func pbkdf2SHA256(password string, salt []byte, iterations int, yield func()) []byte {
	prf := hmac.New(sha256.New, []byte(password))
	prf.Write(salt)
	prf.Write([]byte{0, 0, 0, 1}) // the block number, big-endian
	u := prf.Sum(nil)
	t := bytes.Clone(u)
	for i := 1; i < iterations; i++ {
		if i%yieldEvery == 0 {
			yield()
		}
		prf.Reset()
		prf.Write(u)
		u = prf.Sum(u[:0])
		subtle.XORBytes(t, t, u)
	}
	return t
}

// deriveAside runs derive on an operating-system thread of its own, at the
// lowest scheduling priority where the system has per-thread priorities
// (Linux, SCHED_IDLE): a password check is a tenth of a second of CPU, and
// when the CPUs are contended the system then lets the quick requests run
// first, so that a flood of logins does not slow the other routes down.
// The thread ends with the check.
func deriveAside(derive func(string, []byte, int) []byte, password string, salt []byte, iterations int) []byte {
	done := make(chan []byte, 1)
	go func() {
		// Never unlocked: the thread, with its lowered priority, ends
		// with this goroutine instead of going back to the scheduler.
		runtime.LockOSThread()
		lowerThreadPriority()
		done <- derive(password, salt, iterations)
	}()
	return <-done
}

// Users is the server's user table: a simplejwt.Authenticator, and with
// Active the account check of the pair manager. It does not change once
// made, so it is safe for concurrent use.
type Users struct {
	byName, byID map[string]*account
	// dummy is hashed against for an unknown username, so that it takes
	// as long as a wrong password.
	dummy passwordHash
	// derive hashes a password; tests count its calls.
	derive func(password string, salt []byte, iterations int) []byte
}

// NewUsers returns the user table of accounts. It returns an error when a
// password hash cannot be parsed or when two accounts share an id or a
// username.
func NewUsers(accounts ...Account) (*Users, error) {
	u := &Users{byName: map[string]*account{}, byID: map[string]*account{}, derive: derivePBKDF2}
	for _, a := range accounts {
		h, err := parsePasswordHash(a.Password)
		if err != nil {
			return nil, fmt.Errorf("account %q: %w", a.Username, err)
		}
		if u.byName[a.Username] != nil || u.byID[a.ID] != nil {
			return nil, fmt.Errorf("account %q: id or username given twice", a.Username)
		}
		acc := &account{id: a.ID, username: a.Username, password: h, active: a.Active}
		u.byName[a.Username] = acc
		u.byID[a.ID] = acc
		u.dummy = passwordHash{iterations: h.iterations, salt: make([]byte, 16), hash: make([]byte, sha256.Size)}
	}
	return u, nil
}

// DemoUsers is the one demo account, admin (id 1), password admin@123.
func DemoUsers() (*Users, error) {
	return NewUsers(Account{ID: "1", Username: "admin", Password: adminPasswordHash, Active: true})
}

// Authenticate checks a username and password. An unknown user, a wrong
// password and an inactive user all give jwt.ErrNoActiveAccount, after the
// same work: the password is hashed in every case and compared in
// constant time.
func (u *Users) Authenticate(_ context.Context, username, password string) (string, map[string]any, error) {
	a, known := u.byName[username]
	h := u.dummy
	if known {
		h = a.password
	}
	match := subtle.ConstantTimeCompare(deriveAside(u.derive, password, h.salt, h.iterations), h.hash) == 1
	if !known || !match || !a.active {
		return "", nil, fmt.Errorf("%w", jwt.ErrNoActiveAccount)
	}
	return a.id, nil, nil
}

// Active reports whether subject is the id of an active account. It is
// the PairConfig.Active of the pair manager, asked before every refresh.
func (u *Users) Active(_ context.Context, subject string) error {
	if a, ok := u.byID[subject]; ok && a.active {
		return nil
	}
	return jwt.ErrNoActiveAccount
}
