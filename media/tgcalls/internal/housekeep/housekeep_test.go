package housekeep

import (
	"errors"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/lifecycle"
)

var (
	errConnect = errors.New("connect timeout")
	errPacket  = errors.New("packet timeout")
)

// fakeStats answers with fixed durations and records what it is told.
type fakeStats struct {
	quiet, noAudio time.Duration
	loss           int
	lossChanged    bool
	updated, heard []time.Time
}

func (s *fakeStats) Update(now time.Time)               { s.updated = append(s.updated, now) }
func (s *fakeStats) Heard(now time.Time)                { s.heard = append(s.heard, now) }
func (s *fakeStats) QuietFor(time.Time) time.Duration   { return s.quiet }
func (s *fakeStats) NoAudioFor(time.Time) time.Duration { return s.noAudio }
func (s *fakeStats) LossForEncoder() (int, bool)        { return s.loss, s.lossChanged }

// counter counts the signalling's ticks.
type counter int

func (c *counter) Tick() { *c++ }

// engine is a fake engine: a state that Fail moves to Failed, as the
// lifecycle table does, and what the keeper did.
type engine struct {
	call     Call
	iceUp    bool
	frame    time.Duration
	sendOn   bool
	failed   []error
	events   []media.Event
	encoders []media.EncoderConfig
}

func newKeeper(e *engine, st *fakeStats, sig *counter) *Keeper {
	return &Keeper{
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Stats: st, Signaling: sig,
		ConnectTimeout: 10 * time.Second, PacketTimeout: 20 * time.Second,
		ErrConnectTimeout: errConnect, ErrPacketTimeout: errPacket,
		Call:  func() Call { return e.call },
		ICEUp: func() bool { return e.iceUp },
		Fail: func(err error) {
			e.failed = append(e.failed, err)
			e.call.State = lifecycle.Failed
		},
		Emit:       func(ev media.Event) { e.events = append(e.events, ev) },
		Encoder:    func() (time.Duration, bool) { return e.frame, e.sendOn },
		SetEncoder: func(c media.EncoderConfig) { e.encoders = append(e.encoders, c) },
		Bitrate:    32000,
	}
}

// TestTickTimeouts: which call fails on a tick, and with what.
func TestTickTimeouts(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name           string
		st             lifecycle.State
		since          time.Duration // since Start
		quiet          time.Duration
		connectTimeout time.Duration
		packetTimeout  time.Duration
		want           error
	}{
		{"signaling within the connect timeout", lifecycle.Signaling, 10 * time.Second, 0, 10 * time.Second, 20 * time.Second, nil},
		{"signaling past the connect timeout", lifecycle.Signaling, 10*time.Second + 1, 0, 10 * time.Second, 20 * time.Second, errConnect},
		{"connecting past the connect timeout", lifecycle.Connecting, 11 * time.Second, 0, 10 * time.Second, 20 * time.Second, errConnect},
		{"connecting, no connect timeout", lifecycle.Connecting, time.Hour, 0, 0, 20 * time.Second, nil},
		{"connected long after the connect timeout", lifecycle.Connected, time.Hour, 0, 10 * time.Second, 20 * time.Second, nil},
		{"connected, quiet up to the packet timeout", lifecycle.Connected, time.Hour, 20 * time.Second, 10 * time.Second, 20 * time.Second, nil},
		{"connected, quiet past the packet timeout", lifecycle.Connected, time.Hour, 20*time.Second + 1, 10 * time.Second, 20 * time.Second, errPacket},
		{"reconnecting, quiet past the packet timeout", lifecycle.Reconnecting, time.Minute, 21 * time.Second, 10 * time.Second, 20 * time.Second, errPacket},
		{"connected, quiet, no packet timeout", lifecycle.Connected, time.Minute, time.Hour, 10 * time.Second, 0, nil},
		{"connecting, quiet past the packet timeout", lifecycle.Connecting, time.Second, time.Hour, 10 * time.Second, 20 * time.Second, nil},
		{"idle", lifecycle.Idle, time.Hour, time.Hour, 10 * time.Second, 20 * time.Second, nil},
		{"failed", lifecycle.Failed, time.Hour, time.Hour, 10 * time.Second, 20 * time.Second, nil},
		{"closed", lifecycle.Closed, time.Hour, time.Hour, 10 * time.Second, 20 * time.Second, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &engine{call: Call{State: tc.st, Started: t0}}
			st := &fakeStats{quiet: tc.quiet}
			var sig counter
			k := newKeeper(e, st, &sig)
			k.ConnectTimeout, k.PacketTimeout = tc.connectTimeout, tc.packetTimeout
			now := t0.Add(tc.since)
			k.Tick(now)
			var want []error
			if tc.want != nil {
				want = []error{tc.want}
			}
			if !slices.Equal(e.failed, want) {
				t.Errorf("failed with %v, want %v", e.failed, want)
			}
			if sig != 1 {
				t.Errorf("signalling ticked %d times, want 1", sig)
			}
			if !slices.Equal(st.updated, []time.Time{now}) {
				t.Errorf("stats updated at %v, want once at %v", st.updated, now)
			}
		})
	}
}

// TestTickICEHeard: a working ICE path counts as the peer heard, before the
// packet timeout is judged (a muted peer sends no RTP, only STUN checks).
func TestTickICEHeard(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	for _, up := range []bool{false, true} {
		e := &engine{call: Call{State: lifecycle.Connected, Started: t0}, iceUp: up}
		st := &fakeStats{}
		k := newKeeper(e, st, new(counter))
		k.Signaling = nil // optional
		k.Tick(t0.Add(time.Minute))
		var want []time.Time
		if up {
			want = []time.Time{t0.Add(time.Minute)}
		}
		if !slices.Equal(st.heard, want) {
			t.Errorf("ICE up %v: heard at %v, want %v", up, st.heard, want)
		}
	}
}

// TestTickNoAudio: NoAudio is reported when it begins and when it ends, and
// only then; a muted peer, or a call not connected, is never "no audio".
func TestTickNoAudio(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	type step struct {
		st          lifecycle.State
		remoteMuted bool
		noAudioFor  time.Duration
		quiet       time.Duration
		want        bool         // NoAudio after the tick
		event       *media.State // the state reported, if one is
	}
	connected, reconnecting, failed := media.StateConnected, media.StateReconnecting, media.StateFailed
	tests := []struct {
		name  string
		steps []step
	}{
		{"silent connected peer, then audio", []step{
			{lifecycle.Connected, false, NoAudioAfter, 0, false, nil},
			{lifecycle.Connected, false, NoAudioAfter + 1, 0, true, &connected},
			{lifecycle.Connected, false, time.Minute, 0, true, nil},
			{lifecycle.Connected, false, 20 * time.Millisecond, 0, false, &connected},
		}},
		{"muted peer is not silent", []step{
			{lifecycle.Connected, true, time.Minute, 0, false, nil},
			{lifecycle.Connected, false, time.Minute, 0, true, &connected},
			{lifecycle.Connected, true, time.Minute, 0, false, &connected},
		}},
		{"not connected", []step{
			{lifecycle.Connecting, false, time.Minute, 0, false, nil},
			{lifecycle.Reconnecting, false, time.Minute, 0, false, nil},
		}},
		{"connected then reconnecting", []step{
			{lifecycle.Connected, false, time.Minute, 0, true, &connected},
			{lifecycle.Reconnecting, false, time.Minute, 0, false, &reconnecting},
		}},
		{"the packet timeout fails the call first", []step{
			{lifecycle.Connected, false, time.Minute, 0, true, &connected},
			{lifecycle.Connected, false, time.Minute, time.Minute, false, &failed},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &engine{}
			st := &fakeStats{}
			k := newKeeper(e, st, new(counter))
			for i, s := range tc.steps {
				e.call = Call{State: s.st, Started: t0, RemoteMuted: s.remoteMuted}
				st.noAudio, st.quiet = s.noAudioFor, s.quiet
				e.events = nil
				k.Tick(t0.Add(time.Duration(i+1) * time.Minute))
				if got := k.NoAudio(); got != s.want {
					t.Errorf("step %d: NoAudio %v, want %v", i, got, s.want)
				}
				switch {
				case s.event == nil && len(e.events) != 0:
					t.Errorf("step %d: events %+v, want none", i, e.events)
				case s.event != nil && (len(e.events) != 1 || e.events[0].State != *s.event):
					t.Errorf("step %d: events %+v, want one with state %v", i, e.events, *s.event)
				}
			}
		})
	}
}

// TestTickEncoder: the encoder hears of a changed loss while the sender
// runs, at its frame and the engine's bit rate, with FEC.
func TestTickEncoder(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		loss    int
		changed bool
		frame   time.Duration
		on      bool
		want    []media.EncoderConfig
	}{
		{"changed, sending", 15, true, 60 * time.Millisecond, true,
			[]media.EncoderConfig{{FrameDuration: 60 * time.Millisecond, Bitrate: 32000, FEC: true, PacketLossPct: 15}}},
		{"changed, 20 ms frames", 5, true, 20 * time.Millisecond, true,
			[]media.EncoderConfig{{FrameDuration: 20 * time.Millisecond, Bitrate: 32000, FEC: true, PacketLossPct: 5}}},
		{"unchanged", 15, false, 60 * time.Millisecond, true, nil},
		{"changed, not sending", 15, true, 60 * time.Millisecond, false, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &engine{call: Call{State: lifecycle.Connected, Started: t0}, frame: tc.frame, sendOn: tc.on}
			k := newKeeper(e, &fakeStats{loss: tc.loss, lossChanged: tc.changed}, new(counter))
			k.Tick(t0.Add(time.Second))
			if !slices.Equal(e.encoders, tc.want) {
				t.Errorf("encoder told %+v, want %+v", e.encoders, tc.want)
			}
		})
	}
}

// TestReport: events and stats carry the peer's mute and what the last
// tick found of its audio; signal bars only while connected.
func TestReport(t *testing.T) {
	t0 := time.Date(2026, 12, 2, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		st          lifecycle.State
		remoteMuted bool
		noAudioFor  time.Duration // at the last tick
		wantNoAudio bool
		wantBars    int
	}{
		{"connected, audio", lifecycle.Connected, false, 0, false, 4},
		{"connected, silent peer", lifecycle.Connected, false, time.Minute, true, 4},
		{"connected, muted peer", lifecycle.Connected, true, time.Minute, false, 4},
		{"reconnecting", lifecycle.Reconnecting, false, time.Minute, false, 0},
		{"connecting, muted peer", lifecycle.Connecting, true, 0, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := &engine{call: Call{State: tc.st, Started: t0, RemoteMuted: tc.remoteMuted}}
			k := newKeeper(e, &fakeStats{noAudio: tc.noAudioFor}, new(counter))
			k.Tick(t0.Add(time.Minute))
			ev := k.Event(media.Event{State: tc.st.Public()})
			if ev.State != tc.st.Public() || ev.RemoteMuted != tc.remoteMuted || ev.NoAudio != tc.wantNoAudio {
				t.Errorf("event %+v, want state %v, remote muted %v, no audio %v", ev, tc.st.Public(), tc.remoteMuted, tc.wantNoAudio)
			}
			s := k.Snapshot(media.Stats{SignalBars: 4, PacketsRecv: 7})
			if s.RemoteMuted != tc.remoteMuted || s.NoAudio != tc.wantNoAudio || s.SignalBars != tc.wantBars || s.PacketsRecv != 7 {
				t.Errorf("stats %+v, want remote muted %v, no audio %v, bars %d, the counters kept", s, tc.remoteMuted, tc.wantNoAudio, tc.wantBars)
			}
		})
	}
}
