package account

import (
	"fmt"
	"time"

	"github.com/gotd/td/tg"
)

// PresenceKind is what a user's Telegram status tells about when they were
// last online, as far as their privacy settings let the server say.
type PresenceKind uint8

const (
	// PresenceHidden: the server sent no status (bots, some hidden users);
	// nothing is shown.
	PresenceHidden PresenceKind = iota
	// PresenceOnline: online now, until Presence.At unless renewed.
	PresenceOnline
	// PresenceRecently: online within the last few days; the time is hidden.
	PresenceRecently
	// PresenceWithinWeek: online within the last week; the time is hidden.
	PresenceWithinWeek
	// PresenceWithinMonth: online within the last month; the time is hidden.
	PresenceWithinMonth
	// PresenceLongAgo: not online for more than a month, or never
	// (userStatusEmpty).
	PresenceLongAgo
	// PresenceAt: offline since Presence.At.
	PresenceAt
)

// Presence is a user's last-seen state as a value: the UI words it in its
// own language (English is English).
type Presence struct {
	Kind PresenceKind
	// At is when an online status lapses (PresenceOnline) or when the user
	// was last online (PresenceAt); zero for the other kinds.
	At time.Time
}

// PresenceOf reads an API user's status.
func PresenceOf(s tg.UserStatusClass) Presence {
	switch s := s.(type) {
	case *tg.UserStatusOnline:
		return Presence{Kind: PresenceOnline, At: time.Unix(int64(s.Expires), 0)}
	case *tg.UserStatusOffline:
		return Presence{Kind: PresenceAt, At: time.Unix(int64(s.WasOnline), 0)}
	case *tg.UserStatusRecently:
		return Presence{Kind: PresenceRecently}
	case *tg.UserStatusLastWeek:
		return Presence{Kind: PresenceWithinWeek}
	case *tg.UserStatusLastMonth:
		return Presence{Kind: PresenceWithinMonth}
	case *tg.UserStatusEmpty:
		return Presence{Kind: PresenceLongAgo}
	}
	return Presence{}
}

// As is the presence at now: an online status whose time ran out without
// being renewed means offline since then, as Telegram's apps show it.
func (p Presence) As(now time.Time) Presence {
	if p.Kind == PresenceOnline && !p.At.IsZero() && !now.Before(p.At) {
		return Presence{Kind: PresenceAt, At: p.At}
	}
	return p
}

// English words the presence at now for logs and command-line output
// ("online", "last seen 5 minutes ago", "last seen yesterday at 14:05");
// "" when hidden. The UI words it from its catalogue instead.
func (p Presence) English(now time.Time) string {
	p = p.As(now)
	switch p.Kind {
	case PresenceOnline:
		return "online"
	case PresenceRecently:
		return "last seen recently"
	case PresenceWithinWeek:
		return "last seen within a week"
	case PresenceWithinMonth:
		return "last seen within a month"
	case PresenceLongAgo:
		return "last seen a long time ago"
	case PresenceAt:
		return englishAt(p.At, now)
	}
	return ""
}

func englishAt(at, now time.Time) string {
	at = at.In(now.Location())
	ago := now.Sub(at)
	switch {
	case ago < time.Minute:
		return "last seen just now"
	case ago < time.Hour:
		if m := int(ago / time.Minute); m != 1 {
			return fmt.Sprintf("last seen %d minutes ago", m)
		}
		return "last seen 1 minute ago"
	}
	switch daysBetween(at, now) {
	case 0:
		return "last seen at " + at.Format("15:04")
	case 1:
		return "last seen yesterday at " + at.Format("15:04")
	}
	if at.Year() == now.Year() {
		return "last seen " + at.Format("2 January")
	}
	return "last seen " + at.Format("2 January 2006")
}

// daysBetween counts calendar days from a's day to b's in b's time zone:
// 0 the same day, 1 the day before, however few hours apart.
func daysBetween(a, b time.Time) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.In(b.Location()).Date()
		return time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	}
	return int(day(b).Sub(day(a)).Hours() / 24)
}

// String is the presence in English as of the moment it is called.
func (p Presence) String() string { return p.English(time.Now()) }
