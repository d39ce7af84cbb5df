// Package mediastate is the tgcalls engines' MediaState (the V2 engine's
// and the reference engine's alike): our mute, told the peer as JSON on the
// data channel "data" when the channel opens and at each change, and the
// peer's, from that channel or from the signalling.
//
// The data channel is read through the few methods of pion's
// *webrtc.DataChannel that State uses, so tests give it a channel of their
// own.
package mediastate

import (
	"log/slog"
	"sync"
	"time"

	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// Label is the data channel tgcalls carries MediaState on.
const Label = "data"

// DataChannel is what State uses of a *webrtc.DataChannel.
type DataChannel interface {
	Label() string
	ReadyState() webrtc.DataChannelState
	OnOpen(func())
	OnMessage(func(webrtc.DataChannelMessage))
	SendText(string) error
	Close() error
}

// State is one call's MediaState. Log, Heard and Changed are required.
type State struct {
	Log *slog.Logger
	// Heard is told each message that comes on the data channel: it
	// counts as the peer heard (pionmedia.Counters.Heard).
	Heard func(time.Time)
	// Changed runs when the peer's mute changed (not under State's lock):
	// the engine reports its state again, with RemoteMuted.
	Changed func()

	mu          sync.Mutex
	dc          DataChannel
	open        bool
	muted       bool // ours, as last sent or to send on open
	remoteMuted bool
}

// Bind takes the call's data channel (one labelled otherwise is not
// tgcalls' and is left alone): our MediaState goes out once it opens, the
// peer's comes in on it.
func (s *State) Bind(dc DataChannel) {
	if dc.Label() != Label {
		return
	}
	s.mu.Lock()
	s.dc = dc
	s.mu.Unlock()
	dc.OnOpen(func() {
		s.mu.Lock()
		s.open = true
		s.mu.Unlock()
		s.send()
	})
	dc.OnMessage(func(msg webrtc.DataChannelMessage) {
		s.Heard(time.Now())
		if !msg.IsString {
			return // tgcalls takes text messages only, and sends only those
		}
		m, err := signaling.Parse(msg.Data)
		if err != nil {
			s.Log.Debug("data channel message", "err", err)
			return
		}
		if ms, ok := m.(*signaling.MediaState); ok {
			s.SetRemoteMuted(ms.Muted)
		}
	})
	// A channel that opened before OnOpen was set fires nothing.
	if dc.ReadyState() == webrtc.DataChannelStateOpen {
		s.mu.Lock()
		already := s.open
		s.open = true
		s.mu.Unlock()
		if !already {
			s.send()
		}
	}
}

// SetMuted tells the peer our mute now, or once the channel opens.
func (s *State) SetMuted(muted bool) {
	s.mu.Lock()
	s.muted = muted
	s.mu.Unlock()
	s.send()
}

// SetRemoteMuted takes the peer's MediaState (from the data channel or the
// signalling); Changed runs if it differs from the last.
func (s *State) SetRemoteMuted(muted bool) {
	s.mu.Lock()
	changed := s.remoteMuted != muted
	s.remoteMuted = muted
	s.mu.Unlock()
	if changed {
		s.Changed()
	}
}

// RemoteMuted is whether the peer's last MediaState said muted.
func (s *State) RemoteMuted() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remoteMuted
}

// Close closes the data channel, if one was bound.
func (s *State) Close() {
	s.mu.Lock()
	dc := s.dc
	s.mu.Unlock()
	if dc != nil {
		_ = dc.Close()
	}
}

// send sends our MediaState if the channel is open (else it goes on open).
func (s *State) send() {
	s.mu.Lock()
	dc, open, muted := s.dc, s.open, s.muted
	s.mu.Unlock()
	if dc == nil || !open {
		return // sent on open
	}
	data, err := signaling.Marshal(&signaling.MediaState{Muted: muted, VideoState: "inactive", ScreencastState: "inactive"})
	if err != nil {
		return
	}
	if err := dc.SendText(string(data)); err != nil {
		s.Log.Debug("send MediaState", "err", err)
	}
}
