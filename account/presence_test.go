package account

import (
	"testing"
	"time"

	"github.com/gotd/td/tg"
)

// TestPresenceOf: every status the API sends becomes a kind and a time,
// and an online status that ran out reads as offline since it ran out.
func TestPresenceOf(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	now := time.Date(2026, 12, 2, 14, 30, 0, 0, berlin)
	unix := func(t time.Time) int { return int(t.Unix()) }
	for _, tt := range []struct {
		name    string
		status  tg.UserStatusClass
		want    PresenceKind
		wantAt  time.Time
		english string
	}{
		{"none", nil, PresenceHidden, time.Time{}, ""},
		{"empty", &tg.UserStatusEmpty{}, PresenceLongAgo, time.Time{}, "last seen a long time ago"},
		{"online", &tg.UserStatusOnline{Expires: unix(now.Add(4 * time.Minute))}, PresenceOnline, now.Add(4 * time.Minute), "online"},
		{"online lapsed", &tg.UserStatusOnline{Expires: unix(now.Add(-5 * time.Minute))}, PresenceAt, now.Add(-5 * time.Minute), "last seen 5 minutes ago"},
		{"recently", &tg.UserStatusRecently{}, PresenceRecently, time.Time{}, "last seen recently"},
		{"recently, hidden by me", &tg.UserStatusRecently{ByMe: true}, PresenceRecently, time.Time{}, "last seen recently"},
		{"last week", &tg.UserStatusLastWeek{}, PresenceWithinWeek, time.Time{}, "last seen within a week"},
		{"last month", &tg.UserStatusLastMonth{}, PresenceWithinMonth, time.Time{}, "last seen within a month"},
		{"just now", &tg.UserStatusOffline{WasOnline: unix(now.Add(-20 * time.Second))}, PresenceAt, now.Add(-20 * time.Second), "last seen just now"},
		{"a minute ago", &tg.UserStatusOffline{WasOnline: unix(now.Add(-90 * time.Second))}, PresenceAt, now.Add(-90 * time.Second), "last seen 1 minute ago"},
		{"today", &tg.UserStatusOffline{WasOnline: unix(now.Add(-3 * time.Hour))}, PresenceAt, now.Add(-3 * time.Hour), "last seen at 11:30"},
		// 22:10 the day before is yesterday, though under 24 hours ago.
		{"yesterday", &tg.UserStatusOffline{WasOnline: unix(now.Add(-16*time.Hour - 20*time.Minute))}, PresenceAt, now.Add(-16*time.Hour - 20*time.Minute), "last seen yesterday at 22:10"},
		{"this year", &tg.UserStatusOffline{WasOnline: unix(time.Date(2026, 3, 9, 8, 0, 0, 0, berlin))}, PresenceAt, time.Date(2026, 3, 9, 8, 0, 0, 0, berlin), "last seen 9 March"},
		{"last year", &tg.UserStatusOffline{WasOnline: unix(time.Date(2025, 12, 30, 8, 0, 0, 0, berlin))}, PresenceAt, time.Date(2025, 12, 30, 8, 0, 0, 0, berlin), "last seen 30 December 2025"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := PresenceOf(tt.status).As(now)
			if p.Kind != tt.want || !p.At.Equal(tt.wantAt) {
				t.Errorf("presence %v at %v, want %v at %v", p.Kind, p.At, tt.want, tt.wantAt)
			}
			if got := PresenceOf(tt.status).English(now); got != tt.english {
				t.Errorf("English %q, want %q", got, tt.english)
			}
		})
	}
	// A contact carries it.
	c := ContactFromUser(&tg.User{ID: 7, Status: &tg.UserStatusLastWeek{}})
	if c.Presence.Kind != PresenceWithinWeek {
		t.Errorf("contact's presence %v", c.Presence)
	}
}

func TestDaysBetween(t *testing.T) {
	// Across the spring DST change (Europe/Berlin, 29 March 2026): still one day.
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone data:", err)
	}
	a := time.Date(2026, 3, 28, 23, 50, 0, 0, loc)
	b := time.Date(2026, 3, 29, 0, 10, 0, 0, loc)
	if d := daysBetween(a, b); d != 1 {
		t.Errorf("23:50 to 00:10 next day: %d days", d)
	}
	if d := daysBetween(b, b.Add(22*time.Hour)); d != 0 { // 00:10 to 23:10 on a 23-hour day
		t.Errorf("same day (23-hour DST day): %d", d)
	}
}
