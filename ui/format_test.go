package ui

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/media"
)

func TestStateText(t *testing.T) {
	bob := account.Contact{FirstName: "Bob", LastName: "Baker"}
	for _, tt := range []struct {
		s    calling.Snapshot
		want string
	}{
		{calling.Snapshot{State: calling.StateRequesting, Outgoing: true, Peer: bob}, "Requesting…"},
		{calling.Snapshot{State: calling.StateWaiting, Outgoing: true, Peer: bob}, "Waiting for Bob Baker…"},
		{calling.Snapshot{State: calling.StateRinging, Outgoing: true, Peer: bob}, "Ringing…"},
		{calling.Snapshot{State: calling.StateRinging, Peer: bob}, "Incoming call"},
		{calling.Snapshot{State: calling.StateExchangingKeys, Peer: bob}, "Exchanging encryption keys…"},
		{calling.Snapshot{State: calling.StateActive, Duration: 75 * time.Second}, "1:15"},
		{calling.Snapshot{State: calling.StateReconnecting}, "Reconnecting…"},
		{calling.Snapshot{State: calling.StateEnded, Duration: 3725 * time.Second}, "Call ended 1:02:05"},
		// The sentence (the Ending worded) is shown once, below: the state line is short.
		{calling.Snapshot{State: calling.StateBusy, Peer: bob, Ending: calling.Ending{Reason: calling.EndBusy}}, "Busy"},
		{calling.Snapshot{State: calling.StateMissed, Outgoing: true, Peer: bob, Ending: calling.Ending{Reason: calling.EndNoAnswer}}, "No answer"},
		{calling.Snapshot{State: calling.StateFailed, Ending: calling.Ending{Reason: calling.EndConnectionLost}}, "Call failed"},
	} {
		if got := stateText(tt.s); got != tt.want {
			t.Errorf("stateText(%s) = %q, want %q", tt.s.State, got, tt.want)
		}
	}
}

func TestMOS(t *testing.T) {
	clean := mos(media.Stats{RTT: 20 * time.Millisecond, Jitter: 2 * time.Millisecond})
	lossy := mos(media.Stats{RTT: 20 * time.Millisecond, RecvLoss: 0.10})
	slow := mos(media.Stats{RTT: 800 * time.Millisecond})
	if clean < 4.0 || clean > 4.5 {
		t.Errorf("clean call MOS %.2f, want 4.0–4.5", clean)
	}
	if !(lossy < clean && slow < clean) || lossy < 1 || slow < 1 {
		t.Errorf("MOS clean %.2f, 10%% loss %.2f, 800 ms RTT %.2f: impairments must lower it, never below 1", clean, lossy, slow)
	}
}

func TestSmallHelpers(t *testing.T) {
	if got := signalBars(3); got != "▮▮▮▯" {
		t.Errorf("signalBars(3) = %q", got)
	}
	if got := signalBars(9); got != "▮▮▮▮" {
		t.Errorf("signalBars(9) = %q", got)
	}
	if levelFraction(math.Inf(-1)) != 0 || levelFraction(0) != 1 || levelFraction(-30) != 0.5 {
		t.Error("levelFraction maps −inf/0/−30 dBFS wrongly")
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

// TestOutcomeWords: Recents says how each call went, from the discard
// reason, the duration and who ended it, not only its direction.
func TestOutcomeWords(t *testing.T) {
	at := time.Date(2026, 12, 1, 14, 0, 0, 0, time.Local)
	out := func(reason string, d time.Duration) account.HistoryEntry {
		return account.HistoryEntry{Outgoing: true, Kind: account.CallOutgoing, Reason: reason, Duration: d, Date: at}
	}
	in := func(reason string, d time.Duration) account.HistoryEntry {
		return account.HistoryEntry{Reason: reason, Duration: d, Date: at}
	}
	for _, tt := range []struct {
		c    recentCall
		want string
		o    outcome
	}{
		{recentCall{HistoryEntry: out("hangup", 125*time.Second)}, "Answered · 2:05 · 2:00 PM", outcomeAnswered},
		{recentCall{HistoryEntry: in("hangup", 61*time.Second)}, "Answered · 1:01 · 2:00 PM", outcomeAnswered},
		// A connection lost mid-call still counts as answered: it was.
		{recentCall{HistoryEntry: out("disconnect", 30*time.Second)}, "Answered · 0:30 · 2:00 PM", outcomeAnswered},
		{recentCall{HistoryEntry: out("busy", 0)}, "Busy · 2:00 PM", outcomeBusy},
		{recentCall{HistoryEntry: out("hangup", 0)}, "Declined · 2:00 PM", outcomeDeclined},
		{recentCall{HistoryEntry: out("missed", 0), HungUpHere: true}, "Cancelled · 2:00 PM", outcomeCancelled},
		{recentCall{HistoryEntry: out("missed", 0)}, "Not answered · 2:00 PM", outcomeUnanswered},
		{recentCall{HistoryEntry: out("disconnect", 0)}, "Failed · 2:00 PM", outcomeFailed},
		{recentCall{HistoryEntry: in("missed", 0)}, "Missed · 2:00 PM", outcomeMissed},
		{recentCall{HistoryEntry: in("busy", 0)}, "Declined · 2:00 PM", outcomeDeclined},
		{recentCall{HistoryEntry: in("busy", 0), TurnedAway: calling.TurnedAwayDoNotDisturb}, "Missed · Do Not Disturb was on · 2:00 PM", outcomeMissed},
		{recentCall{HistoryEntry: in("busy", 0), TurnedAway: calling.TurnedAwayInCall}, "Missed · you were in another call · 2:00 PM", outcomeMissed},
		{recentCall{HistoryEntry: in("disconnect", 0)}, "Failed · 2:00 PM", outcomeFailed},
		{recentCall{HistoryEntry: in("hangup", 0)}, "Not connected · 2:00 PM", outcomeNotConnected},
		{recentCall{HistoryEntry: in("other", 0)}, "Moved to a group call · 2:00 PM", outcomeMoved},
	} {
		if got := historyLine(tt.c); got != tt.want {
			t.Errorf("historyLine(%+v) = %q, want %q", tt.c, got, tt.want)
		}
		if got := callOutcome(tt.c); got != tt.o {
			t.Errorf("callOutcome(%+v) = %d, want %d", tt.c, got, tt.o)
		}
	}
}

func TestDayHeading(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 30, 0, 0, time.Local) // a Tuesday, just after midnight
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{now.Add(-20 * time.Minute), "Today"},
		{now.Add(-40 * time.Minute), "Yesterday"},
		{time.Date(2026, 11, 30, 0, 0, 0, 0, time.Local), "Yesterday"},
		{time.Date(2026, 11, 29, 23, 59, 0, 0, time.Local), "Sunday"},
		{time.Date(2026, 11, 25, 9, 0, 0, 0, time.Local), "Wednesday"},
		{time.Date(2026, 11, 24, 9, 0, 0, 0, time.Local), "Tuesday, 24 November"},
		{time.Date(2025, 12, 31, 9, 0, 0, 0, time.Local), "31 December 2025"},
	} {
		if got := dayHeading(tt.t, now); got != tt.want {
			t.Errorf("dayHeading(%s) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestCannotCallWhy(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("can call Bob: %w", calling.ErrPrivacyRestricted), "Their privacy settings do not allow calls"},
		{fmt.Errorf("can call Bob: %w", calling.ErrBlocked), "Blocked: unblock to call"},
		{fmt.Errorf("can call Bob: %w", calling.ErrUserInvalid), "Cannot take calls"},
		{errors.New("can call Bob: connection reset"), ""}, // the network says nothing about Bob
	} {
		if got := cannotCallWhy(tt.err); got != tt.want {
			t.Errorf("cannotCallWhy(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// The call's route is worded in the UI's language on the signal line and
// in the statistics, not as the engine's English log words ("p2p 1.2.3.4:5",
// "relay (Telegram reflector) …"); the address is kept in the statistics.
func TestRouteWords(t *testing.T) {
	routes := []media.Route{media.RouteDirect, media.RouteRelay, media.RouteTURN, media.RoutePeerTURN}
	snap := func(r media.Route) calling.Snapshot {
		return calling.Snapshot{State: calling.StateActive, SignalBars: 3, LibraryVersion: "9.0.0", Stats: media.Stats{
			Path: "relay (Telegram reflector) 149.154.167.51:443 udp", Route: r, RouteAddr: "149.154.167.51:443 udp",
			RTT: 40 * time.Millisecond}}
	}
	english := map[media.Route]string{}
	for _, l := range languages {
		speak(t, l.Code)
		seen := map[string]bool{}
		for _, r := range routes {
			w := routeWords(r)
			switch {
			case strings.TrimSpace(w) == "" || strings.Contains(w, "call.route"):
				t.Errorf("%s: route %d worded %q", l.Code, r, w)
			case seen[w]:
				t.Errorf("%s: two routes are both %q", l.Code, w)
			case l.Code == "en":
				english[r] = w
			case w == english[r]:
				t.Errorf("%s: route %d is the English %q", l.Code, r, w)
			}
			seen[w] = true
			line, stats := qualityLine(snap(r)), statsLines(snap(r))
			if !strings.Contains(line, w) || !strings.Contains(stats, w+" 149.154.167.51:443 udp") {
				t.Errorf("%s: route %d (%q) not in the signal line %q or the statistics %q", l.Code, r, w, line, stats)
			}
			if l.Code != "en" && (strings.Contains(line, "reflector") || strings.Contains(stats, "reflector")) {
				t.Errorf("%s: the engine's English path shows: %q / %q", l.Code, line, stats)
			}
		}
		if w := routeWords(media.RouteNone); w != "" {
			t.Errorf("%s: no route yet is worded %q", l.Code, w)
		}
	}
	speak(t, "ru")
	if got, want := qualityLine(snap(media.RouteDirect)), "Сигнал ▮▮▮▯ · напрямую · качество: хорошее"; got != want {
		t.Errorf("ru signal line %q, want %q", got, want)
	}
	if got := qualityLine(snap(media.RouteNone)); !strings.Contains(got, "соединение") {
		t.Errorf("ru signal line before a route %q", got)
	}
	if got := statsLines(snap(media.RouteNone)); !strings.HasPrefix(got, "Протокол 9.0.0 · —\n") {
		t.Errorf("ru statistics before a route %q", got)
	}
}

// Times of day are on the language's usual clock: 12 hours with AM/PM in
// English, as Telegram Desktop shows en-US, 24 in the other languages; in
// English the system's time locale (LC_ALL over LC_TIME over LANG) names a
// 24-hour region to read 24 hours, as Telegram Desktop follows it.
func TestClock(t *testing.T) {
	afternoon := time.Date(2026, 12, 2, 14, 5, 0, 0, time.UTC)
	night := time.Date(2026, 12, 2, 0, 30, 0, 0, time.UTC)
	for _, tt := range []struct {
		lang, lcAll, lcTime, lang_ string
		want                       [2]string
	}{
		{"en", "", "", "C.UTF-8", [2]string{"2:05 PM", "12:30 AM"}},
		{"en", "", "", "", [2]string{"2:05 PM", "12:30 AM"}},
		{"en", "", "", "en_US.UTF-8", [2]string{"2:05 PM", "12:30 AM"}},
		{"en", "", "", "en_AU.UTF-8", [2]string{"2:05 PM", "12:30 AM"}},
		{"en", "", "", "en_GB.UTF-8", [2]string{"14:05", "00:30"}},
		{"en", "", "en_IE.UTF-8", "en_US.UTF-8", [2]string{"14:05", "00:30"}},
		{"en", "", "de_DE.UTF-8", "en_US.UTF-8", [2]string{"14:05", "00:30"}},
		{"en", "en_US.UTF-8", "en_GB.UTF-8", "", [2]string{"2:05 PM", "12:30 AM"}},
		{"ru", "", "", "en_US.UTF-8", [2]string{"14:05", "00:30"}},
		{"de", "", "", "", [2]string{"14:05", "00:30"}},
		{"es", "", "", "es_ES.UTF-8", [2]string{"14:05", "00:30"}},
		{"fa", "", "", "fa_IR.UTF-8", [2]string{"14:05", "00:30"}},
	} {
		t.Setenv("LC_ALL", tt.lcAll)
		t.Setenv("LC_TIME", tt.lcTime)
		t.Setenv("LANG", tt.lang_)
		speak(t, tt.lang)
		if got := [2]string{clockTime(afternoon), clockTime(night)}; got != tt.want {
			t.Errorf("%s, LC_ALL=%q LC_TIME=%q LANG=%q: %q, want %q", tt.lang, tt.lcAll, tt.lcTime, tt.lang_, got, tt.want)
		}
	}
}
