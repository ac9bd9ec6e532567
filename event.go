package jwt

import (
	"context"
	"log/slog"
)

// EventKind is what an [Event] reports.
type EventKind int

// The kinds of [Event].
const (
	// EventReuse: a refresh token was presented again after a rotation
	// had replaced it, past the grace, and its session was ended. The
	// token was most likely stolen.
	EventReuse EventKind = iota + 1
	// EventSessionEnded: a session was ended by a logout (Revoke) or by
	// RevokeSession.
	EventSessionEnded
	// EventSubjectEnded: every session of a subject was ended by
	// RevokeSubject; Count says how many.
	EventSubjectEnded
	// EventStoreError: the Store failed, and a token was refused or a
	// pair not issued; Err is the Store's error.
	EventStoreError
)

// String returns the kind's name as logs show it, such as "reuse".
func (k EventKind) String() string {
	switch k {
	case EventReuse:
		return "reuse"
	case EventSessionEnded:
		return "session_ended"
	case EventSubjectEnded:
		return "subject_ended"
	case EventStoreError:
		return "store_error"
	}
	return "unknown"
}

// Event is what a [Pairs] tells operators through PairConfig.OnEvent. It
// names the subject and the session, never a token.
type Event struct {
	Kind EventKind
	// Subject and Session identify the session, where known.
	Subject, Session string
	// Count is the number of sessions ended, for EventSubjectEnded.
	Count int
	// Err is the Store's error, for EventStoreError.
	Err error
}

// SlogEvents returns an OnEvent that logs each event with l: reuse and
// Store errors at level Warn and Error, the ends of sessions at Info.
func SlogEvents(l *slog.Logger) func(ctx context.Context, e Event) {
	return func(ctx context.Context, e Event) {
		level := slog.LevelInfo
		switch e.Kind {
		case EventReuse:
			level = slog.LevelWarn
		case EventStoreError:
			level = slog.LevelError
		}
		attrs := []slog.Attr{slog.String("event", e.Kind.String())}
		if e.Subject != "" {
			attrs = append(attrs, slog.String("subject", e.Subject))
		}
		if e.Session != "" {
			attrs = append(attrs, slog.String("session", e.Session))
		}
		if e.Kind == EventSubjectEnded {
			attrs = append(attrs, slog.Int("sessions", e.Count))
		}
		if e.Err != nil {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		l.LogAttrs(ctx, level, "jwt: "+e.Kind.String(), attrs...)
	}
}
