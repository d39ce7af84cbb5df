package ui

import (
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"

	"golang.org/x/text/language"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/internal/phonefmt"
	"github.com/tgphone/tgphone/media"
)

// nameOf is how the UI names c: its name, or "Deleted Account" in the
// UI's language for a deleted account. The UI never shows Contact.Name
// itself, whose words are English for logs and the command line
// (TestContactNamesThroughNameOf), and which ends in "user N".
//
// A user with neither a first nor a last name is named as Telegram
// Desktop names one: by the phone number (tdesktop's Session::processUser
// names a user by Ui::FormatPhone(phone) then; see formatPhone), else
// by the @username, else in the words tdesktop shows for a person with no
// name, its lng_deleted ("Deleted Account"; its export names an empty name
// so, and Telegram for Android's HiddenName is the same words).
func nameOf(c account.Contact) string {
	if c.Deleted {
		return tr("contact.deleted")
	}
	if n := strings.TrimSpace(c.FirstName + " " + c.LastName); n != "" {
		return n
	}
	switch {
	case c.Phone != "":
		return formatPhone(c.Phone)
	case c.Username != "":
		return "@" + c.Username
	}
	return tr("contact.deleted")
}

// formatPhone is phone (digits, as Telegram sends them, with or without
// the +) grouped as Telegram's apps show it, by the server's country list
// (help.getCountriesList, which each account's client loads when it
// connects), or after a + as it is until that list is loaded and for a
// number it has no pattern for, as Telegram Desktop does.
func formatPhone(phone string) string { return phonefmt.Current().Format(phone) }

// stateKeys are the catalogue keys of the call states said in words
// alone, without the peer, the direction or the duration.
var stateKeys = map[calling.State]string{
	calling.StateIdle:              "state.requesting",
	calling.StateRequesting:        "state.requesting",
	calling.StateAccepting:         "state.answering",
	calling.StateExchangingKeys:    "state.exchanging_keys",
	calling.StateConnecting:        "common.connecting",
	calling.StateReconnecting:      "state.reconnecting",
	calling.StateHangingUp:         "state.hanging_up",
	calling.StateBusy:              "state.busy",
	calling.StateDeclined:          "call.declined",
	calling.StateFailed:            "state.failed",
	calling.StateAnsweredElsewhere: "state.answered_elsewhere",
	calling.StateDeclinedElsewhere: "state.declined_elsewhere",
	calling.StateEndedElsewhere:    "state.ended_elsewhere",
	calling.StateMovedToGroupCall:  "state.moved_to_group_call",
}

// stateText is the in-call window's words for a call state.
func stateText(s calling.Snapshot) string {
	switch s.State {
	case calling.StateWaiting:
		return tr("state.waiting", "Name", nameOf(s.Peer))
	case calling.StateRinging:
		if s.Outgoing {
			return tr("state.ringing")
		}
		return tr("state.incoming")
	case calling.StateActive:
		return formatDuration(s.Duration)
	case calling.StateEnded:
		return tr("state.ended", "Duration", formatDuration(s.Duration))
	case calling.StateMissed:
		if s.Outgoing {
			return tr("state.no_answer")
		}
		return tr("state.missed")
	}
	if key, ok := stateKeys[s.State]; ok {
		return tr(key)
	}
	// Every State has its words above; this is a value outside them. The
	// sentence saying why a call ended (endMessage) goes below, once.
	return s.State.String()
}

// formatDuration shows m:ss, or h:mm:ss for long calls.
func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%02d", h, m, sec)
	}
	return fmt.Sprintf("%d:%02d", m, sec)
}

// signalBars draws 0–4 bars as text.
func signalBars(n int) string {
	n = max(0, min(n, 4))
	return strings.Repeat("▮", n) + strings.Repeat("▯", 4-n)
}

// mos estimates the call's Mean Opinion Score (1–4.5) from loss, RTT and
// jitter with the ITU-T G.107 E-model in its usual simplified form: the
// delay impairment from one-way delay (RTT/2 plus twice the jitter for the
// buffer), the equipment impairment of Opus at ~20 kbit/s (Ie = 11) rising
// with loss (Bpl = 25 with FEC/PLC).
func mos(st media.Stats) float64 {
	d := float64(st.RTT.Milliseconds())/2 + 2*float64(st.Jitter.Milliseconds()) + 20
	id := 0.024 * d
	if d > 177.3 {
		id += 0.11 * (d - 177.3)
	}
	loss := 100 * max(st.RecvLoss, st.SendLoss)
	ie := 11 + (95-11)*loss/(loss+25)
	r := 93.2 - id - ie
	switch {
	case r < 0:
		return 1
	case r > 100:
		return 4.5
	}
	return math.Round((1+0.035*r+r*(r-60)*(100-r)*7e-6)*100) / 100
}

// routeWords is the way the call's audio takes in the UI's language, ""
// before there is one.
func routeWords(r media.Route) string {
	switch r {
	case media.RouteDirect:
		return tr("call.route_direct")
	case media.RouteRelay:
		return tr("call.route_relay")
	case media.RouteTURN:
		return tr("call.route_turn")
	case media.RoutePeerTURN:
		return tr("call.route_peer_turn")
	}
	return ""
}

// statsLines is the in-call window's statistics panel.
func statsLines(s calling.Snapshot) string {
	st := s.Stats
	path := "—"
	if w := routeWords(st.Route); w != "" {
		path = strings.TrimSpace(w + " " + st.RouteAddr)
	}
	return tr("call.stats", "Version", s.LibraryVersion, "Path", path, "Up", st.SendBitrate/1000, "Down", st.RecvBitrate/1000,
		"LossUp", fmt.Sprintf("%.1f", 100*st.SendLoss), "LossDown", fmt.Sprintf("%.1f", 100*st.RecvLoss),
		"RTT", st.RTT.Milliseconds(), "Jitter", st.Jitter.Milliseconds(), "MOS", fmt.Sprintf("%.1f", mos(st)))
}

// levelFraction maps dBFS (−60…0) to a meter's 0…1.
func levelFraction(dbfs float64) float64 {
	if math.IsInf(dbfs, -1) || math.IsNaN(dbfs) {
		return 0
	}
	return max(0, min(1, (dbfs+60)/60))
}

// outcome is how a call in Recents went.
type outcome int

const (
	outcomeAnswered     outcome = iota
	outcomeMissed               // incoming: nobody answered here, or it was turned away
	outcomeDeclined             // incoming: declined here; outgoing: the callee declined
	outcomeCancelled            // outgoing: hung up here before the callee answered
	outcomeUnanswered           // outgoing: the callee did not answer (or it is not known who gave up)
	outcomeBusy                 // outgoing: the callee was busy, or declined: Telegram does not tell
	outcomeFailed               // the connection failed
	outcomeNotConnected         // incoming, ended before it connected by no one's choice known here
	outcomeMoved                // the call moved to a group call
)

// recentCall is a history entry with what this computer knows of it
// beyond the server's record.
type recentCall struct {
	account.HistoryEntry
	// HungUpHere: this computer's user ended the call (from its call log).
	HungUpHere bool
	// TurnedAway is why the call was answered busy without ringing here
	// (calling.TurnedAwayDoNotDisturb or TurnedAwayInCall), "" if it was not.
	TurnedAway string
	// LogFile is the call's log file here, "" without one.
	LogFile string
	// Recording is the call's recording (the last one made), "" without one.
	Recording string
}

// callOutcome reads a call's outcome from the discard reason, the
// duration and who ended it. Telegram's record has no "who": a caller who
// gives up and a callee who never answers both end with reason missed
// (spec §2.9), so "cancelled" needs this computer's own log of the call.
func callOutcome(c recentCall) outcome {
	switch {
	case c.TurnedAway != "":
		return outcomeMissed
	case c.Duration > 0:
		return outcomeAnswered
	case c.Reason == "disconnect":
		return outcomeFailed
	case c.Reason == "other":
		return outcomeMoved
	case c.Outgoing && c.Reason == "busy":
		return outcomeBusy
	case c.Outgoing && c.Reason == "hangup":
		return outcomeDeclined
	case c.Outgoing && c.HungUpHere:
		return outcomeCancelled
	case c.Outgoing:
		return outcomeUnanswered
	case c.Reason == "missed":
		return outcomeMissed
	case c.Reason == "busy":
		return outcomeDeclined
	}
	return outcomeNotConnected
}

// outcomeWords: "Answered · 2:05", "Missed · Do Not Disturb was on", "Cancelled".
func outcomeWords(c recentCall) string {
	switch o := callOutcome(c); o {
	case outcomeAnswered:
		return tr("outcome.answered", "Duration", formatDuration(c.Duration))
	case outcomeMissed:
		switch c.TurnedAway {
		case calling.TurnedAwayDoNotDisturb:
			return tr("outcome.missed_dnd")
		case calling.TurnedAwayInCall:
			return tr("outcome.missed_in_call")
		}
		return tr("outcome.missed")
	default:
		return tr([...]string{outcomeDeclined: "outcome.declined", outcomeCancelled: "outcome.cancelled",
			outcomeUnanswered: "outcome.not_answered", outcomeBusy: "outcome.busy", outcomeFailed: "outcome.failed",
			outcomeNotConnected: "outcome.not_connected", outcomeMoved: "outcome.moved"}[o])
	}
}

// historyLine is a Recents row's second line: outcome, then the time of day
// (the day is the group's heading).
func historyLine(c recentCall) string {
	return outcomeWords(c) + " · " + clockTime(c.Date.Local())
}

// clockTime is t's time of day as the UI's language usually reads it: a
// 12-hour clock with AM/PM in English, as Telegram Desktop shows it for
// en-US, 24 hours in the catalogue's other languages. Telegram Desktop
// takes its clock from the system's locale; here English does when that
// locale names a region with a 24-hour clock (en_GB, en_IE, de_DE…).
func clockTime(t time.Time) string {
	if twelveHourClock() {
		return t.Format("3:04 PM")
	}
	return t.Format("15:04")
}

// twelveHourRegions are the regions whose English reads a 12-hour clock
// (CLDR's short time "h:mm a").
var twelveHourRegions = map[string]bool{"US": true, "CA": true, "AU": true, "NZ": true, "IN": true,
	"PH": true, "SG": true, "MY": true, "HK": true}

// twelveHourClock tells whether times are shown on a 12-hour clock: in
// English, unless the system's time locale (LC_ALL, else LC_TIME, else
// LANG, as POSIX reads them) names a region outside twelveHourRegions.
func twelveHourClock() bool {
	if currentLanguage() != "en" {
		return false
	}
	locale := os.Getenv("LC_ALL")
	for _, env := range []string{"LC_TIME", "LANG"} {
		if locale == "" {
			locale = os.Getenv(env)
		}
	}
	locale, _, _ = strings.Cut(locale, ".")
	tag, err := language.Parse(strings.ReplaceAll(locale, "_", "-"))
	if err != nil {
		return true // C, POSIX or nothing: English's usual clock
	}
	region, conf := tag.Region()
	if conf != language.Exact {
		return true // "en" alone names no region
	}
	return twelveHourRegions[region.String()]
}

// dayHeading names the day a call was on, relative to now: "Today",
// "Yesterday", a weekday within the week, else the date.
func dayHeading(t, now time.Time) string {
	t, now = t.Local(), now.Local()
	day := func(x time.Time) time.Time { y, m, d := x.Date(); return time.Date(y, m, d, 0, 0, 0, 0, time.Local) }
	days := int(day(now).Sub(day(t)).Hours()/24 + 0.5)
	switch {
	case days == 0:
		return tr("day.today")
	case days == 1:
		return tr("day.yesterday")
	case days > 1 && days < 7:
		return weekdayName(t.Weekday())
	case t.Year() == now.Year():
		return tr("date.weekday_day_month", "Weekday", weekdayName(t.Weekday()), "Day", t.Day(), "Month", monthName(t.Month()))
	}
	return tr("date.day_month_year", "Day", t.Day(), "Month", monthName(t.Month()), "Year", t.Year())
}

// presenceWords words a contact's last-seen state at now in the UI's
// language, as Telegram's apps do: "online", "last seen 5 minutes ago",
// "last seen at 2:05 PM" today, "last seen yesterday at 2:05 PM", else the
// date; "" when the server told nothing. Times are in now's time zone.
func presenceWords(p account.Presence, now time.Time) string {
	p = p.As(now)
	switch p.Kind {
	case account.PresenceOnline:
		return tr("presence.online")
	case account.PresenceRecently:
		return tr("presence.recently")
	case account.PresenceWithinWeek:
		return tr("presence.within_week")
	case account.PresenceWithinMonth:
		return tr("presence.within_month")
	case account.PresenceLongAgo:
		return tr("presence.long_ago")
	}
	if p.Kind != account.PresenceAt {
		return "" // hidden
	}
	at := p.At.In(now.Location())
	ago := now.Sub(at)
	switch {
	case ago < time.Minute: // a clock a little behind the server's too
		return tr("presence.just_now")
	case ago < time.Hour:
		return trn("presence.minutes_ago", int(ago/time.Minute))
	}
	clock := clockTime(at)
	switch calendarDays(at, now) {
	case 0:
		return tr("presence.today_at", "Time", clock)
	case 1:
		return tr("presence.yesterday_at", "Time", clock)
	}
	date := tr("date.day_month", "Day", at.Day(), "Month", monthName(at.Month()))
	if at.Year() != now.Year() {
		date = tr("date.day_month_year", "Day", at.Day(), "Month", monthName(at.Month()), "Year", at.Year())
	}
	return tr("presence.on_date", "Date", date)
}

// calendarDays counts the days from a's date to b's in b's time zone: 0 on
// the same day, 1 from the day before however few hours apart, and a day
// with a daylight-saving change counts as one.
func calendarDays(a, b time.Time) int {
	day := func(t time.Time) time.Time {
		y, m, d := t.In(b.Location()).Date()
		return time.Date(y, m, d, 12, 0, 0, 0, time.UTC)
	}
	return int(day(b).Sub(day(a)).Hours() / 24)
}

// cannotCallWhy is a contact row's short reason for a disabled Call, from
// calling.Manager.CanCall's error; "" when the error says nothing against
// calling (none, or the network).
func cannotCallWhy(err error) string {
	switch {
	case errors.Is(err, calling.ErrPrivacyRestricted):
		return tr("cannot.privacy")
	case errors.Is(err, calling.ErrBlocked):
		return tr("cannot.blocked")
	case errors.Is(err, calling.ErrUserInvalid):
		return tr("cannot.invalid")
	}
	return ""
}
