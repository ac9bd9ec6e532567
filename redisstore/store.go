package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jwtpair/jwt"
	"github.com/redis/go-redis/v9"
)

// DefaultPrefix is the key prefix used when [Config].Prefix is empty.
const DefaultPrefix = "jwt"

// DefaultTimeout is how long a call may take when [Config].Timeout is
// zero and its context has no earlier deadline.
const DefaultTimeout = time.Second

// Config configures a [Store]. The zero value is ready to use. New copies
// it, so changing it afterwards has no effect.
type Config struct {
	// Prefix names every key of the store: a session is under
	// {Prefix}:s:<sid> and the sessions of a subject under
	// {Prefix}:u:<subject>, so that several applications can share one
	// Redis. The braces make Prefix the keys' hash tag, which keeps them
	// in one Redis Cluster slot, so Prefix must not contain '{' or '}'.
	// Empty means DefaultPrefix.
	Prefix string

	// Timeout bounds each call of the store, whatever the client's own
	// timeouts: a call whose context has not ended it before returns once
	// Timeout has passed, with an error wrapping
	// context.DeadlineExceeded. Zero means DefaultTimeout (1 second); a
	// negative value is refused.
	Timeout time.Duration

	// Now returns the store's current time, which decides when sessions
	// expire: a session is absent once its Expires is not after Now, and
	// each key's expiry in Redis is the time left to it by this clock.
	// Nil means time.Now.
	Now func() time.Time
}

// Store is a [jwt.Store] kept in Redis, for services whose instances must
// share their sessions. Each method is one round trip: one command or one
// Lua script, atomic on the server (and one more the first time a script
// runs on a server that has not loaded it).
//
// A Store is safe for concurrent use, and any number of Stores in any
// number of processes may share one Redis and prefix. Each call returns
// by its context's deadline and by Config.Timeout: when the client has
// not answered by then, the call returns the context's error and leaves
// the command to the client, which ends it at its own timeouts (see the
// client settings in the README). A call that returns an error may still
// have been carried out; every method may be called again with the same
// arguments to the same end.
type Store struct {
	client  redis.UniversalClient
	prefix  string // "{Prefix}:"
	timeout time.Duration
	now     func() time.Time
}

var _ jwt.Store = (*Store)(nil)

// New returns a Store that keeps its sessions in client, configured by
// cfg. It returns an error wrapping jwt.ErrConfig when client is nil, when
// Prefix contains a brace, or when Timeout is negative. The Store does
// not close client.
func New(client redis.UniversalClient, cfg Config) (*Store, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: redisstore: client is required", jwt.ErrConfig)
	}
	if strings.ContainsAny(cfg.Prefix, "{}") {
		return nil, fmt.Errorf("%w: redisstore: Prefix cannot contain a brace", jwt.ErrConfig)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: redisstore: negative Timeout", jwt.ErrConfig)
	}
	s := &Store{client: client, prefix: cfg.Prefix, timeout: cfg.Timeout, now: cfg.Now}
	if s.prefix == "" {
		s.prefix = DefaultPrefix
	}
	s.prefix = "{" + s.prefix + "}:"
	if s.timeout == 0 {
		s.timeout = DefaultTimeout
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

func (s *Store) sessionKey(sid string) string     { return s.prefix + "s:" + sid }
func (s *Store) subjectKey(subject string) string { return s.prefix + "u:" + subject }

// Create records a new session. It follows the contract of [jwt.Store].
func (s *Store) Create(ctx context.Context, ses jwt.Session) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ses.ID == "" || ses.Subject == "" || ses.Token == "" {
		return fmt.Errorf("%w in redisstore.Create", jwt.ErrStoreEmptyID)
	}
	keys := []string{s.sessionKey(ses.ID), s.subjectKey(ses.Subject)}
	args := []any{s.now().UnixMilli(), ses.Subject, millis(ses.Created), millis(ses.Refreshed), ses.Expires.UnixMilli(), ses.Token, ses.ID, ses.Previous, ses.Nonce}
	created, err := call(ctx, s, "create", func(ctx context.Context) (bool, error) {
		n, err := createScript.Run(ctx, s.client, keys, args...).Int64()
		return n == 1, err
	})
	if err != nil {
		return err
	}
	if !created {
		return fmt.Errorf("%w: session %q", jwt.ErrStoreExists, ses.ID)
	}
	return nil
}

// Session returns the session sid. It follows the contract of [jwt.Store].
func (s *Store) Session(ctx context.Context, sid string) (jwt.Session, error) {
	if err := ctx.Err(); err != nil {
		return jwt.Session{}, err
	}
	if sid == "" {
		return jwt.Session{}, jwt.ErrNoSession
	}
	key := s.sessionKey(sid)
	fields, err := call(ctx, s, "session", func(ctx context.Context) (map[string]string, error) {
		return s.client.HGetAll(ctx, key).Result()
	})
	if err != nil {
		return jwt.Session{}, err
	}
	if len(fields) == 0 {
		return jwt.Session{}, jwt.ErrNoSession
	}
	ses, err := decode(sid, fields)
	if err != nil {
		return jwt.Session{}, err
	}
	if !ses.Expires.After(s.now()) {
		return jwt.Session{}, jwt.ErrNoSession
	}
	return ses, nil
}

// Refresh records a refresh of session sid, in one Lua script: of any
// number of concurrent calls with one from, on any number of instances,
// exactly one is done, and the same call repeated (a reply lost and the
// command retried by the client) is done too and changes nothing. It
// follows the contract of [jwt.Store].
func (s *Store) Refresh(ctx context.Context, sid, from, to, nonce string, at, expires time.Time) (jwt.Session, bool, error) {
	if err := ctx.Err(); err != nil {
		return jwt.Session{}, false, err
	}
	if sid == "" || from == "" || to == "" || nonce == "" {
		return jwt.Session{}, false, fmt.Errorf("%w in redisstore.Refresh", jwt.ErrStoreEmptyID)
	}
	keys := []string{s.sessionKey(sid)}
	args := []any{s.now().UnixMilli(), from, to, nonce, millis(at), expires.UnixMilli(), s.subjectKey(""), sid}
	reply, err := call(ctx, s, "refresh", func(ctx context.Context) ([]any, error) {
		return refreshScript.Run(ctx, s.client, keys, args...).Slice()
	})
	if errors.Is(err, redis.Nil) {
		return jwt.Session{}, false, jwt.ErrNoSession
	}
	if err != nil {
		return jwt.Session{}, false, err
	}
	if len(reply) != 2 {
		return jwt.Session{}, false, errReply("refresh")
	}
	done, ok := reply[0].(int64)
	fields, ok2 := pairs(reply[1])
	if !ok || !ok2 {
		return jwt.Session{}, false, errReply("refresh")
	}
	ses, err := decode(sid, fields)
	if err != nil {
		return jwt.Session{}, false, err
	}
	return ses, done == 1, nil
}

// End ends the session sid. It follows the contract of [jwt.Store].
func (s *Store) End(ctx context.Context, sid string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sid == "" {
		return fmt.Errorf("%w in redisstore.End", jwt.ErrStoreEmptyID)
	}
	keys := []string{s.sessionKey(sid)}
	args := []any{s.now().UnixMilli(), expires.UnixMilli(), s.subjectKey(""), sid}
	_, err := call(ctx, s, "end", func(ctx context.Context) (struct{}, error) {
		return struct{}{}, endScript.Run(ctx, s.client, keys, args...).Err()
	})
	return err
}

// EndAll ends every session of subject, in one Lua script. It follows
// the contract of [jwt.Store].
func (s *Store) EndAll(ctx context.Context, subject string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if subject == "" {
		return 0, fmt.Errorf("%w in redisstore.EndAll", jwt.ErrStoreEmptyID)
	}
	keys := []string{s.subjectKey(subject)}
	args := []any{s.now().UnixMilli(), s.sessionKey(""), subject}
	n, err := call(ctx, s, "end all", func(ctx context.Context) (int64, error) {
		return endAllScript.Run(ctx, s.client, keys, args...).Int64()
	})
	return int(n), err
}

// List returns the sessions of subject that are not ended, oldest first,
// read in one Lua script. It follows the contract of [jwt.Store].
func (s *Store) List(ctx context.Context, subject string) ([]jwt.Session, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if subject == "" {
		return nil, nil
	}
	now := s.now()
	keys := []string{s.subjectKey(subject)}
	args := []any{now.UnixMilli(), s.sessionKey("")}
	reply, err := call(ctx, s, "list", func(ctx context.Context) ([]any, error) {
		return listScript.Run(ctx, s.client, keys, args...).Slice()
	})
	if err != nil {
		return nil, err
	}
	if len(reply)%2 != 0 {
		return nil, errReply("list")
	}
	var list []jwt.Session
	for i := 0; i < len(reply); i += 2 {
		sid, ok := reply[i].(string)
		fields, ok2 := pairs(reply[i+1])
		if !ok || !ok2 {
			return nil, errReply("list")
		}
		ses, err := decode(sid, fields)
		if err != nil {
			return nil, err
		}
		if !ses.Ended && ses.Subject == subject && ses.Expires.After(now) {
			list = append(list, ses)
		}
	}
	slices.SortFunc(list, func(a, b jwt.Session) int {
		return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID))
	})
	return list, nil
}

// call runs op, which sends one command, with a context bounded by the
// store's timeout, and returns by that deadline whatever the client
// does. A go-redis client without ContextTimeoutEnabled ignores the
// context while it waits for a reply, so op runs in a goroutine of its
// own, which a call that returns early leaves to end at the client's
// timeouts. name names the operation in errors.
func call[T any](ctx context.Context, s *Store, name string, op func(context.Context) (T, error)) (T, error) {
	type result struct {
		v   T
		err error
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	done := make(chan result, 1)
	go func() {
		v, err := op(ctx)
		done <- result{v, err}
	}()
	var r result
	select {
	case r = <-done:
		if r.err == nil || errors.Is(r.err, redis.Nil) {
			return r.v, r.err
		}
	case <-ctx.Done():
		r.err = ctx.Err()
	}
	if err := parent.Err(); err != nil {
		return r.v, err // the caller's own context: its error, as the contract says
	}
	if ctx.Err() != nil {
		return r.v, fmt.Errorf("redisstore: %s: no reply within %v: %w (%w)", name, s.timeout, jwt.ErrUnavailable, context.DeadlineExceeded)
	}
	return r.v, fmt.Errorf("redisstore: %s: %w: %w", name, jwt.ErrUnavailable, r.err)
}

// millis returns t in Unix milliseconds, or "" for the zero time.
func millis(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// decode makes the session sid of the fields of its hash. A record that
// cannot be read is an error, never an absent session: the store fails
// closed.
func decode(sid string, f map[string]string) (jwt.Session, error) {
	ses := jwt.Session{
		ID:       sid,
		Subject:  f["sub"],
		Token:    f["token"],
		Previous: f["previous"],
		Nonce:    f["nonce"],
		Ended:    f["ended"] == "1",
	}
	if f["expires"] == "" || !ses.Ended && (ses.Subject == "" || ses.Token == "") {
		return jwt.Session{}, errRecord
	}
	for _, t := range []struct {
		dst   *time.Time
		field string
	}{{&ses.Created, "created"}, {&ses.Refreshed, "refreshed"}, {&ses.Expires, "expires"}} {
		if v := f[t.field]; v != "" {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return jwt.Session{}, errRecord
			}
			*t.dst = time.UnixMilli(ms)
		}
	}
	return ses, nil
}

// errRecord is returned for a session record the store did not write in
// that form: the key was changed by hand, or by another program under
// the same prefix.
var errRecord = errors.New("redisstore: malformed session record")

// errReply returns the error of a script reply of the wrong shape.
func errReply(name string) error {
	return fmt.Errorf("redisstore: %s: unexpected reply", name)
}

// pairs returns the flat field-value list of an HGETALL run in a script
// as a map.
func pairs(v any) (map[string]string, bool) {
	list, ok := v.([]any)
	if !ok || len(list)%2 != 0 {
		return nil, false
	}
	m := make(map[string]string, len(list)/2)
	for i := 0; i < len(list); i += 2 {
		k, ok := list[i].(string)
		v, ok2 := list[i+1].(string)
		if !ok || !ok2 {
			return nil, false
		}
		m[k] = v
	}
	return m, true
}
