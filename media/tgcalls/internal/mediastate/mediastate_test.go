package mediastate

import (
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

// fakeChannel is a data channel the test opens and speaks on.
type fakeChannel struct {
	label  string
	state  webrtc.DataChannelState
	onOpen func()
	onMsg  func(webrtc.DataChannelMessage)
	sent   []string
	closed bool
}

func (c *fakeChannel) Label() string                               { return c.label }
func (c *fakeChannel) ReadyState() webrtc.DataChannelState         { return c.state }
func (c *fakeChannel) OnOpen(f func())                             { c.onOpen = f }
func (c *fakeChannel) OnMessage(f func(webrtc.DataChannelMessage)) { c.onMsg = f }
func (c *fakeChannel) SendText(s string) error                     { c.sent = append(c.sent, s); return nil }
func (c *fakeChannel) Close() error                                { c.closed = true; return nil }
func (c *fakeChannel) open()                                       { c.state = webrtc.DataChannelStateOpen; c.onOpen() }
func (c *fakeChannel) text(s string) {
	c.onMsg(webrtc.DataChannelMessage{IsString: true, Data: []byte(s)})
}
func (c *fakeChannel) binary(s string) { c.onMsg(webrtc.DataChannelMessage{Data: []byte(s)}) }

var _ DataChannel = (*webrtc.DataChannel)(nil)

const (
	// tgcalls' MediaState as tgphone sends it: no video, no screencast.
	mutedJSON   = `{"@type":"MediaState","muted":true,"lowBattery":false,"videoState":"inactive","videoRotation":0,"screencastState":"inactive"}`
	unmutedJSON = `{"@type":"MediaState","muted":false,"lowBattery":false,"videoState":"inactive","videoRotation":0,"screencastState":"inactive"}`
)

func TestState(t *testing.T) {
	for _, tc := range []struct {
		name string
		// steps run on a bound channel (opened first if openBefore).
		openBefore  bool
		label       string
		steps       func(s *State, c *fakeChannel)
		wantSent    []string
		wantRemote  bool
		wantChanged int
		wantHeard   int
	}{
		{name: "sent on open", steps: func(_ *State, c *fakeChannel) { c.open() },
			wantSent: []string{unmutedJSON}},
		{name: "open before bind: sent at bind, once", openBefore: true,
			steps:    func(_ *State, c *fakeChannel) {},
			wantSent: []string{unmutedJSON}},
		{name: "muted before open: sent on open", steps: func(s *State, c *fakeChannel) { s.SetMuted(true); c.open() },
			wantSent: []string{mutedJSON}},
		{name: "each change once open", steps: func(s *State, c *fakeChannel) { c.open(); s.SetMuted(true); s.SetMuted(false) },
			wantSent: []string{unmutedJSON, mutedJSON, unmutedJSON}},
		{name: "peer's mute by text", steps: func(_ *State, c *fakeChannel) { c.open(); c.text(mutedJSON) },
			wantSent: []string{unmutedJSON}, wantRemote: true, wantChanged: 1, wantHeard: 1},
		{name: "peer's same mute twice: one change", steps: func(_ *State, c *fakeChannel) { c.open(); c.text(mutedJSON); c.text(mutedJSON) },
			wantSent: []string{unmutedJSON}, wantRemote: true, wantChanged: 1, wantHeard: 2},
		{name: "binary message heard, not taken", steps: func(_ *State, c *fakeChannel) { c.open(); c.binary(mutedJSON) },
			wantSent: []string{unmutedJSON}, wantHeard: 1},
		{name: "garbage heard, not taken", steps: func(_ *State, c *fakeChannel) { c.open(); c.text(`{"@type":`) },
			wantSent: []string{unmutedJSON}, wantHeard: 1},
		{name: "signalling's MediaState", steps: func(s *State, c *fakeChannel) { s.SetRemoteMuted(true); s.SetRemoteMuted(false) },
			wantChanged: 2},
		{name: "another label is not ours", label: "other", steps: func(s *State, c *fakeChannel) { s.SetMuted(true) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var changed, heard int
			s := &State{
				Log:     slog.New(slog.NewTextHandler(io.Discard, nil)),
				Heard:   func(time.Time) { heard++ },
				Changed: func() { changed++ },
			}
			c := &fakeChannel{label: Label, state: webrtc.DataChannelStateConnecting}
			if tc.label != "" {
				c.label = tc.label
			}
			if tc.openBefore {
				c.state = webrtc.DataChannelStateOpen
			}
			s.Bind(c)
			tc.steps(s, c)
			if !slices.Equal(c.sent, tc.wantSent) {
				t.Errorf("sent %q, want %q", c.sent, tc.wantSent)
			}
			if s.RemoteMuted() != tc.wantRemote || changed != tc.wantChanged || heard != tc.wantHeard {
				t.Errorf("remote muted %v, changed %d, heard %d; want %v, %d, %d",
					s.RemoteMuted(), changed, heard, tc.wantRemote, tc.wantChanged, tc.wantHeard)
			}
			s.Close()
			if c.closed != (tc.label == "") {
				t.Errorf("closed %v", c.closed)
			}
		})
	}
}
