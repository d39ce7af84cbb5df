package lifecycle

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"

	"github.com/tgphone/tgphone/media"
)

// TestNext lists every move of the table, for both Begins, and checks that
// everything else is ignored or refused on purpose.
func TestNext(t *testing.T) {
	type step struct {
		to   State
		acts []Action
	}
	common := map[string]step{
		"connecting/transport-up":   {Connected, []Action{StartMedia, ReportConnected}},
		"connecting/failed":         {Failed, []Action{ReportFailed, Teardown}},
		"connected/path-lost":       {Reconnecting, []Action{ReportReconnecting}},
		"connected/failed":          {Failed, []Action{ReportFailed, Teardown}},
		"reconnecting/path-back":    {Connected, []Action{ReportConnected}},
		"reconnecting/transport-up": {Connected, []Action{ReportConnected}},
		"reconnecting/failed":       {Failed, []Action{ReportFailed, Teardown}},
		"signaling/remote-setup":    {Connecting, []Action{StartTransport}},
		"signaling/failed":          {Failed, []Action{ReportFailed, Teardown}},
	}
	ignored := []string{
		"connecting/remote-setup", "connecting/path-lost", "connecting/path-back",
		"connected/remote-setup", "connected/transport-up", "connected/path-back",
		"reconnecting/remote-setup", "reconnecting/path-lost", "closed/close",
	}
	for _, begin := range []Begin{Begin(Signaling), Begin(Connecting)} {
		allowed := map[string]step{"idle/start": {State(begin), []Action{Setup}}}
		for k, v := range common {
			allowed[k] = v
		}
		for s := Idle; s <= Closed; s++ {
			if s != Closed {
				allowed[s.String()+"/close"] = step{Closed, []Action{Teardown}}
			}
		}
		for s := Idle; s <= Closed; s++ {
			for e := Start; e <= Close; e++ {
				key := fmt.Sprintf("%s/%s", s, e)
				to, acts, err := begin.Next(s, e)
				want, ok := allowed[key]
				switch {
				case ok:
					if err != nil || to != want.to || !slices.Equal(acts, want.acts) {
						t.Errorf("begin %s, %s: %s %v %v, want %s %v", State(begin), key, to, acts, err, want.to, want.acts)
					}
				case slices.Contains(ignored, key) || s == Failed || s == Closed:
					if !errors.Is(err, ErrIgnored) || to != s || acts != nil {
						t.Errorf("begin %s, %s: %s %v %v, want ignored", State(begin), key, to, acts, err)
					}
				default:
					if err == nil || errors.Is(err, ErrIgnored) || to != s || acts != nil {
						t.Errorf("begin %s, %s: %s %v %v, want refused", State(begin), key, to, acts, err)
					}
				}
			}
		}
	}
}

func TestNames(t *testing.T) {
	if Reconnecting.String() != "reconnecting" || State(99).String() != "state(99)" || State(-1).String() != "state(-1)" {
		t.Error("State.String")
	}
	if PathLost.String() != "path-lost" || Event(99).String() != "event(99)" {
		t.Error("Event.String")
	}
	want := map[State]media.State{
		Idle: media.StateConnecting, Signaling: media.StateConnecting, Connecting: media.StateConnecting,
		Connected: media.StateConnected, Reconnecting: media.StateReconnecting,
		Failed: media.StateFailed, Closed: media.StateClosed,
	}
	for s, w := range want {
		if s.Public() != w {
			t.Errorf("%s.Public() = %v, want %v", s, s.Public(), w)
		}
	}
}

// TestFire: a move changes the state and returns its actions; an ignored
// event and a refused one change nothing, and only the refused one warns.
func TestFire(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from     State
		ev       Event
		to       State
		acts     []Action
		warnings int
	}{
		{"move", Connected, PathLost, Reconnecting, []Action{ReportReconnecting}, 0},
		{"ignored", Connected, PathBack, Connected, nil, 0},
		{"refused", Idle, TransportUp, Idle, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logged bytes.Buffer
			log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelWarn}))
			var mu sync.Mutex
			st := tc.from
			acts := Begin(Connecting).Fire(&mu, &st, tc.ev, log)
			if st != tc.to || !slices.Equal(acts, tc.acts) {
				t.Errorf("Fire(%s, %s) = %s %v, want %s %v", tc.from, tc.ev, st, acts, tc.to, tc.acts)
			}
			if n := bytes.Count(logged.Bytes(), []byte("level=WARN")); n != tc.warnings {
				t.Errorf("%d warnings, want %d: %s", n, tc.warnings, logged.String())
			}
		})
	}
}

// TestReport: the Report actions give OnEvent their state (the failure its
// cause); the others give nothing.
func TestReport(t *testing.T) {
	cause := errors.New("cause")
	want := map[Action]media.Event{
		ReportConnected:    {State: media.StateConnected},
		ReportReconnecting: {State: media.StateReconnecting},
		ReportFailed:       {State: media.StateFailed, Err: cause},
	}
	for a := Setup; a <= Teardown; a++ {
		ev, ok := a.Report(cause)
		w, report := want[a]
		if ok != report || ev != w {
			t.Errorf("action %d: %+v %v, want %+v %v", a, ev, ok, w, report)
		}
	}
}
