package ui

import (
	"math"
	"os"
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
		// The sentence (Message) is shown once, below: the state line is short.
		{calling.Snapshot{State: calling.StateBusy, Message: "Bob Baker is busy."}, "Busy"},
		{calling.Snapshot{State: calling.StateMissed, Outgoing: true, Message: "Bob Baker did not answer."}, "No answer"},
		{calling.Snapshot{State: calling.StateFailed, Message: "Connection lost."}, "Call failed"},
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
	for in, want := range map[string]string{"Alice Archer": "AA", "echo": "E", "": "?", "Élodie de la Tour": "ÉD"} {
		if got := initials(in); got != want {
			t.Errorf("initials(%q) = %q, want %q", in, got, want)
		}
	}
	if levelFraction(math.Inf(-1)) != 0 || levelFraction(0) != 1 || levelFraction(-30) != 0.5 {
		t.Error("levelFraction maps −inf/0/−30 dBFS wrongly")
	}
}

func writeFile(path, s string) error { return os.WriteFile(path, []byte(s), 0o600) }

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

// TestHistoryWords: Recents says how each call went, not only its direction.
func TestHistoryWords(t *testing.T) {
	now := time.Date(2026, 12, 1, 15, 0, 0, 0, time.Local)
	at := now.Add(-time.Hour)
	for _, tt := range []struct {
		e    account.HistoryEntry
		want string
	}{
		{account.HistoryEntry{Outgoing: true, Kind: account.CallOutgoing, Reason: "hangup", Duration: 125 * time.Second, Date: at}, "↗ answered · 2:05 · today 14:00"},
		{account.HistoryEntry{Outgoing: true, Kind: account.CallOutgoing, Reason: "busy", Date: at}, "↗ busy · today 14:00"},
		{account.HistoryEntry{Outgoing: true, Kind: account.CallOutgoing, Reason: "hangup", Date: at}, "↗ declined · today 14:00"},
		{account.HistoryEntry{Outgoing: true, Kind: account.CallOutgoing, Reason: "missed", Date: at}, "↗ not answered · today 14:00"},
		{account.HistoryEntry{Outgoing: true, Kind: account.CallOutgoing, Reason: "disconnect", Date: at}, "↗ failed · today 14:00"},
		{account.HistoryEntry{Kind: account.CallIncoming, Reason: "hangup", Duration: 61 * time.Second, Date: at}, "↙ answered · 1:01 · today 14:00"},
		{account.HistoryEntry{Kind: account.CallMissed, Reason: "missed", Date: at}, "✗ missed · today 14:00"},
		{account.HistoryEntry{Kind: account.CallDeclined, Reason: "busy", Date: at}, "⊘ declined · today 14:00"},
	} {
		if got := historyLine(tt.e, now); got != tt.want {
			t.Errorf("historyLine(%+v) = %q, want %q", tt.e, got, tt.want)
		}
	}
}
