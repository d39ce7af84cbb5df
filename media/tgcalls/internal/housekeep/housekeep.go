// Package housekeep is the tgcalls engines' periodic housekeeping (the V2
// engine's and the reference engine's alike): each tick it resends what the
// signalling owes, updates the bit rates, counts a working ICE path as the
// peer heard, fails a call past its connect or packet timeout, reports a
// connected call whose unmuted peer sends no audio (and the end of that),
// and tells the encoder the loss the peer reports, so in-band FEC scales
// with it. The engine's events and Stats carry what it found (Event,
// Snapshot).
//
// The decisions read the engine through the functions of a Keeper and the
// time the caller passes to Tick, so tests feed them states and stats and a
// clock of their own.
package housekeep

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/tgphone/tgphone/internal/polltimer"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/lifecycle"
)

// NoAudioAfter is how long a connected call may receive no audio from an
// unmuted peer before the engine says so (media.Event.NoAudio,
// media.Stats.NoAudio).
const NoAudioAfter = 5 * time.Second

// Stats is what housekeeping reads from and tells a call's counters
// (pionmedia.Counters).
type Stats interface {
	Update(now time.Time)
	Heard(now time.Time)
	QuietFor(now time.Time) time.Duration
	NoAudioFor(now time.Time) time.Duration
	LossForEncoder() (pct int, changed bool)
}

// Call is the engine's state as one tick reads it (under the engine's lock).
type Call struct {
	State       lifecycle.State
	Started     time.Time // when Start ran
	RemoteMuted bool      // the peer's MediaState says muted
}

// Keeper is one engine's housekeeping. All its functions are required
// except Signaling; they are called on the ticking goroutine.
type Keeper struct {
	Log   *slog.Logger
	Stats Stats
	// Signaling, if set, is told each tick first (sigpump.Pump.Tick: its
	// resends).
	Signaling interface{ Tick() }

	// ConnectTimeout and PacketTimeout are the call's (media.Params);
	// zero turns one off. A call still signalling or connecting after
	// ConnectTimeout fails with ErrConnectTimeout; one connected or
	// reconnecting that heard nothing for PacketTimeout with
	// ErrPacketTimeout.
	ConnectTimeout, PacketTimeout       time.Duration
	ErrConnectTimeout, ErrPacketTimeout error

	Call  func() Call
	ICEUp func() bool // ICE has a working path now: its checks count as the peer heard
	Fail  func(error)
	// Emit reports the call's state again when NoAudio changed (the
	// engine adds NoAudio, see Event).
	Emit func(media.Event)
	// Encoder is the frame the audio sender runs and whether it runs now;
	// SetEncoder is told the new loss then (media.Audio.SetEncoder).
	Encoder    func() (frame time.Duration, on bool)
	SetEncoder func(media.EncoderConfig)
	Bitrate    int // the encoder's bit rate, the engine's cap

	noAudio atomic.Bool // as the last tick found it
}

// NoAudio is whether the last tick found a connected call whose unmuted
// peer sent no audio for NoAudioAfter.
func (k *Keeper) NoAudio() bool { return k.noAudio.Load() }

// Event is ev as the engine reports it: with the peer's mute and NoAudio.
func (k *Keeper) Event(ev media.Event) media.Event {
	ev.RemoteMuted = k.Call().RemoteMuted
	ev.NoAudio = k.NoAudio()
	return ev
}

// Snapshot is s, a snapshot of the call's counters, as the engine reports
// it: with the peer's mute and NoAudio, and no signal bars unless the call
// is connected.
func (k *Keeper) Snapshot(s media.Stats) media.Stats {
	c := k.Call()
	s.RemoteMuted = c.RemoteMuted
	s.NoAudio = k.NoAudio() // as the last tick found it
	if c.State != lifecycle.Connected {
		s.SignalBars = 0
	}
	return s
}

// Loop ticks on tk, a polltimer on the wall clock's grid of period, until
// ctx ends (see polltimer.Loop: a failed timer falls back to a
// time.Ticker).
func (k *Keeper) Loop(ctx context.Context, tk *polltimer.Ticker, period time.Duration) {
	polltimer.Loop(ctx, tk, period, func(err error) {
		k.Log.Warn("housekeeping timer failed, using a time.Ticker", "err", err)
	}, func() { k.Tick(time.Now()) })
}

// Tick is one round of housekeeping at now.
func (k *Keeper) Tick(now time.Time) {
	if k.Signaling != nil {
		k.Signaling.Tick()
	}
	c := k.Call()
	k.Stats.Update(now)
	if k.ICEUp() {
		k.Stats.Heard(now) // STUN checks count: a muted peer that sends no RTP is alive
	}
	switch {
	case (c.State == lifecycle.Signaling || c.State == lifecycle.Connecting) && k.ConnectTimeout > 0 && now.Sub(c.Started) > k.ConnectTimeout:
		k.Fail(k.ErrConnectTimeout)
	case (c.State == lifecycle.Connected || c.State == lifecycle.Reconnecting) && k.PacketTimeout > 0 && k.Stats.QuietFor(now) > k.PacketTimeout:
		k.Fail(k.ErrPacketTimeout)
	}
	k.checkNoAudio(now)
	k.adaptEncoder()
}

// checkNoAudio reports a connected call whose unmuted peer sends no audio,
// and its end, as they happen. It reads the call again: a timeout this
// tick has failed it.
func (k *Keeper) checkNoAudio(now time.Time) {
	c := k.Call()
	no := c.State == lifecycle.Connected && !c.RemoteMuted && k.Stats.NoAudioFor(now) > NoAudioAfter
	if k.noAudio.Swap(no) == no {
		return
	}
	if no {
		k.Log.Warn("connected, but no audio from the peer", "for", NoAudioAfter)
	}
	k.Emit(media.Event{State: c.State.Public()})
}

// adaptEncoder tells the encoder the loss the peer reports, in 5 % steps,
// while the sender runs.
func (k *Keeper) adaptEncoder() {
	loss, changed := k.Stats.LossForEncoder()
	if !changed {
		return
	}
	if frame, on := k.Encoder(); on {
		k.SetEncoder(media.EncoderConfig{FrameDuration: frame, Bitrate: k.Bitrate, FEC: true, PacketLossPct: loss})
	}
}
