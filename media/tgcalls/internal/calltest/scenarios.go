package calltest

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/toneaudio"
)

// NewEngine is an engine package's New.
type NewEngine func(media.Params) (media.Engine, error)

// NewRejects: newEngine refuses a version it does not speak (foreign: the
// other engines') with errUnsupported, and Params without Audio or
// SendSignaling; it takes each of versions.
func NewRejects(t *testing.T, newEngine NewEngine, versions, foreign []string, errUnsupported error) {
	ok := media.Params{LibraryVersion: versions[0], Audio: toneaudio.New(t, 1), SendSignaling: func(context.Context, []byte) error { return nil }}
	type rejection struct {
		name string
		edit func(*media.Params)
		want error
	}
	cases := []rejection{
		{"no audio", func(p *media.Params) { p.Audio = nil }, nil},
		{"no signalling", func(p *media.Params) { p.SendSignaling = nil }, nil},
	}
	for _, v := range foreign {
		cases = append(cases, rejection{"version " + v, func(p *media.Params) { p.LibraryVersion = v }, errUnsupported})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			_, err := newEngine(p)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	for _, v := range versions {
		p := ok
		p.LibraryVersion = v
		e, err := newEngine(p)
		if err != nil {
			t.Errorf("New(%s): %v", v, err)
			continue
		}
		_ = e.Close() // never started
	}
}

// ConnectTimeout: a caller on version whose peer never answers fails with
// want (the engine's ErrConnectTimeout) once its connect timeout passed.
func ConnectTimeout(t *testing.T, newEngine NewEngine, version string, want error, log *slog.Logger) {
	var key [256]byte
	events := make(chan media.Event, 16)
	eng, err := newEngine(media.Params{
		Key: key, Outgoing: true, LibraryVersion: version, P2PAllowed: true,
		ConnectTimeout: 500 * time.Millisecond,
		Audio:          toneaudio.New(t, 100),
		SendSignaling:  func(context.Context, []byte) error { return nil }, // the peer never answers
		OnEvent:        func(ev media.Event) { events <- ev },
		Logger:         log,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if ev.State == media.StateFailed {
			if !errors.Is(ev.Err, want) {
				t.Fatalf("failed with %v", ev.Err)
			}
			return
		}
	}
}

// MutedPeerStaysUp: tgcalls sends no RTP while muted, and neither does
// tgphone. A peer muted for twice the packet timeout (the call's, timeout)
// is neither "reconnecting" nor failed (ICE and DTLS say it is there), is
// known to be muted rather than silent, and is heard again once it
// unmutes.
func MutedPeerStaysUp[E media.Engine](t *testing.T, caller, callee *Side[E], timeout time.Duration) {
	t.Helper()
	WaitState(t, caller, media.StateConnected)
	WaitState(t, callee, media.StateConnected)
	WaitPackets(t, callee, 10)

	caller.Eng.SetMuted(true)
	WaitRemoteMuted(t, callee)
	time.Sleep(200 * time.Millisecond) // packets already in flight
	before := callee.Audio.Packets()
	end := time.After(2 * timeout)
	for done := false; !done; {
		select {
		case ev := <-callee.Events:
			if ev.State != media.StateConnected {
				t.Fatalf("muted peer: callee went %v (%v)", ev.State, ev.Err)
			}
		case ev := <-caller.Events:
			if ev.State != media.StateConnected {
				t.Fatalf("muted side: caller went %v (%v)", ev.State, ev.Err)
			}
		case <-end:
			done = true
		}
	}
	if got := callee.Audio.Packets(); got != before {
		t.Errorf("a muted tgphone sent %d audio packets; tgcalls sends none", got-before)
	}
	if st := callee.Eng.Stats(); !st.RemoteMuted || st.NoAudio {
		t.Errorf("muted peer: RemoteMuted %v NoAudio %v, want true/false", st.RemoteMuted, st.NoAudio)
	}

	caller.Eng.SetMuted(false)
	WaitPackets(t, callee, before+25)
	if st := callee.Eng.Stats(); st.RemoteMuted {
		t.Error("still RemoteMuted after unmute")
	}
}
