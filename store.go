package jwt

import (
	"context"
	"time"
)

// Store keeps the state the pair manager needs across requests: which
// refresh tokens have been used or revoked, and which sessions revoked.
// Every method is atomic. Implementations must be safe for concurrent use.
type Store interface {
	// Consume atomically records the first use of the token id, keeping
	// value until the time until. first reports whether this call was the
	// first use. When it was not, prior is the value stored by the first
	// use, or empty if the id was revoked with Revoke. value must not be
	// empty.
	Consume(ctx context.Context, id string, value []byte, until time.Time) (prior []byte, first bool, err error)
	// Revoke records the token id as revoked until the time until,
	// overwriting a consumed value.
	Revoke(ctx context.Context, id string, until time.Time) error
	// RevokeSession records the session id as revoked until the time
	// until.
	RevokeSession(ctx context.Context, sid string, until time.Time) error
	// Revoked reports whether the token id has been consumed or revoked,
	// or the session sid revoked. Either argument may be empty, and is
	// then not asked about.
	Revoked(ctx context.Context, id, sid string) (bool, error)
}
