package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/media"
)

// stateText is the in-call window's words for a call state.
func stateText(s calling.Snapshot) string {
	switch s.State {
	case calling.StateIdle, calling.StateRequesting:
		return "Requesting…"
	case calling.StateWaiting:
		return "Waiting for " + s.Peer.Name() + "…"
	case calling.StateRinging:
		if s.Outgoing {
			return "Ringing…"
		}
		return "Incoming call"
	case calling.StateAccepting:
		return "Answering…"
	case calling.StateExchangingKeys:
		return "Exchanging encryption keys…"
	case calling.StateConnecting:
		return "Connecting…"
	case calling.StateActive:
		return formatDuration(s.Duration)
	case calling.StateReconnecting:
		return "Reconnecting…"
	case calling.StateHangingUp:
		return "Hanging up…"
	case calling.StateEnded:
		return "Call ended " + formatDuration(s.Duration)
	case calling.StateBusy:
		return "Busy"
	case calling.StateDeclined:
		return "Declined"
	case calling.StateMissed:
		if s.Outgoing {
			return "No answer"
		}
		return "Missed call"
	case calling.StateFailed:
		return "Call failed"
	case calling.StateAnsweredElsewhere:
		return "Answered on another device"
	}
	// The sentence saying why (Snapshot.Message) goes below, once.
	return strings.ReplaceAll(s.State.String(), "_", " ")
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

// statsLines is the in-call window's statistics panel.
func statsLines(s calling.Snapshot) string {
	st := s.Stats
	path := st.Path
	if path == "" {
		path = "—"
	}
	return fmt.Sprintf("Protocol %s · %s\nBitrate ↑%d ↓%d kbit/s\nLoss ↑%.1f%% ↓%.1f%% · RTT %d ms · jitter %d ms\nQuality (MOS) %.1f",
		s.LibraryVersion, path, st.SendBitrate/1000, st.RecvBitrate/1000, 100*st.SendLoss, 100*st.RecvLoss,
		st.RTT.Milliseconds(), st.Jitter.Milliseconds(), mos(st))
}

// levelFraction maps dBFS (−60…0) to a meter's 0…1.
func levelFraction(dbfs float64) float64 {
	if math.IsInf(dbfs, -1) || math.IsNaN(dbfs) {
		return 0
	}
	return max(0, min(1, (dbfs+60)/60))
}

// initials is what an avatar shows for a name.
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		for _, r := range w {
			out = append(out, r)
			break
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return strings.ToUpper(string(out))
}

// emojiExplanation tells the user what the four emoji mean.
const emojiExplanation = "If these emoji are the same on %s's screen, this call is end-to-end encrypted."
