// Package tokenserver is the token server that examples/server and
// deploy/server share, so that the two never drift apart: the routes of
// CONTRACTS.md §2 (Django REST framework SimpleJWT's token routes from
// package simplejwt, /hello/ behind jwt.Middleware, /healthz, the JWK
// Set) and, when asked, /readyz; the demo account; and what makes it fit
// for production:
//
//   - LoginLimits: a bound on the password checks running at once, which
//     run at the lowest priority and let other goroutines run every half
//     millisecond, with a fast 503 and Retry-After when it is reached, and
//     limits on failed logins per account and per client address (429
//     with Retry-After), counted in a Counter that the instances of a
//     service may share;
//   - the client's address, read from X-Forwarded-For only when the peer
//     is a trusted proxy, and then from the right;
//   - a deadline on every request, answered 503 when it passes rather
//     than cut off by the server's write timeout;
//   - an access log of what was really written, how long it took in a
//     unit a person reads, and whether the request timed out, was
//     refused by a limit, or lost its client;
//   - a cap on connections that closes the connection idle longest to
//     make room, and answers 503 when none is idle;
//   - a graceful shutdown that stops accepting at once, asks clients to
//     close their connections, finishes what is in flight within its
//     budget, and says whether it did.
//
// It depends on the exported API of packages jwt, jwk and simplejwt, on
// internal/envflag and internal/keyfile for the flags and the key file,
// and on the standard library; it logs with log/slog. The stores on Redis
// and SQL, which need clients outside the standard library, are given to
// it by deploy/server, a module of its own.
package tokenserver
