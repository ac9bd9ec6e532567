package jwk

import (
	"errors"

	"github.com/jwtpair/jwt"
)

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
	// address when RemoteSetConfig.InsecureAllowHTTP is not set; by
	// [NewDiscoveredSet] for an issuer that is not such a URL or has a
	// query or a fragment; and, wrapped, for a response that a redirect
	// brought from such a URL.
	ErrKeySetURL = errors.New("jwk: unusable key set URL")

	// ErrKeySetFetch is returned when fetching a JWK Set fails: the
	// request fails or times out, the status is not 200 OK, the body is
	// larger than [MaxSetSize] or is not a JWK Set, discovery fails
	// ([ErrDiscovery]), or the set holds no key usable for signatures (the
	// error then says why each key was left out, and wraps each reason).
	// The previous set, if any, is kept.
	ErrKeySetFetch = errors.New("jwk: fetching the key set failed")

	// ErrDiscovery is returned, wrapped in an error wrapping
	// [ErrKeySetFetch], when the metadata of an issuer cannot give the URL
	// of its keys: neither well-known URL answers 200 OK, the request
	// fails, the document is not a strict JSON object, its issuer is not
	// exactly the one configured, or its jwks_uri is missing or is a URL
	// that [NewRemoteSet] would refuse.
	ErrDiscovery = errors.New("jwk: issuer discovery failed")

	// ErrKeySetUnavailable is returned by [RemoteSet.VerifierFor] when it
	// has no set it may use (none has arrived yet, with StartUnready, or
	// the last one is stale past MaxStale) and could not fetch one, and by
	// Ready when it stops waiting for one. It wraps the error of the last
	// fetch, if any, or the context's error when the caller stopped
	// waiting for a fetch. It matches [jwt.ErrUnknownKey] (no key is known
	// for the token) and [jwt.ErrUnavailable] (the token may be good): a
	// [jwt.Middleware] answers 503 with Retry-After rather than 401, so
	// that clients keep their tokens.
	ErrKeySetUnavailable error = unavailableError{}
)

// unavailableError is the type of ErrKeySetUnavailable.
type unavailableError struct{}

func (unavailableError) Error() string   { return "jwk: no usable key set" }
func (unavailableError) Unwrap() []error { return []error{jwt.ErrUnavailable, jwt.ErrUnknownKey} }
