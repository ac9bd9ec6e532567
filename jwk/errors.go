package jwk

import "errors"

// Errors of key rotation and of JWK Sets fetched over HTTP. The errors of
// keys themselves are the jwt package's: a JWK that does not parse wraps
// [jwt.ErrInvalidKey], [jwt.ErrWeakKey] or [jwt.ErrKeyMismatch]; two keys
// with one kid wrap [jwt.ErrDuplicateKeyID]; a configuration that cannot
// work wraps [jwt.ErrConfig]. Test for all of them with [errors.Is].
var (
	// ErrRotation is returned by a [KeyRing] asked for a change that would
	// break rotation: promoting a key that is not upcoming, rotating with
	// no upcoming key, or removing the current key.
	ErrRotation = errors.New("jwk: key rotation refused")

	// ErrKeySetURL is returned by [NewRemoteSet] for a URL that is not an
	// absolute https URL, or an http URL to a host other than a loopback
	// address when RemoteSetConfig.InsecureAllowHTTP is not set.
	ErrKeySetURL = errors.New("jwk: unusable key set URL")

	// ErrKeySetFetch is returned when fetching a JWK Set fails: the
	// request fails or times out, the status is not 200 OK, the body is
	// larger than [MaxSetSize], or the set does not parse, holds a private
	// or secret key or holds no key usable for signatures. The previous
	// set, if any, is kept.
	ErrKeySetFetch = errors.New("jwk: fetching the key set failed")

	// ErrKeySetUnavailable is returned by [RemoteSet.VerifierFor] when it
	// has no set it may use (the last one is stale past MaxStale) and
	// could not fetch one. It wraps the error of the last fetch, if any,
	// or the context's error when the caller stopped waiting for a fetch.
	ErrKeySetUnavailable = errors.New("jwk: no usable key set")
)
