package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
)

// callView is one call's window: ringing (Accept / Decline) for an
// incoming call, then the in-call controls.
type callView struct {
	u    *UI
	c    *calling.Call
	w    fyne.Window
	last calling.Snapshot

	peer      *widget.Label
	state     *widget.Label
	emoji     *canvas.Text
	explain   *widget.Label
	bars      *widget.Label
	remoteMic *widget.Label
	device    *widget.Label // a microphone or speaker gone or missing
	mic       *levelMeter
	spkBar    *levelMeter
	stats     *widget.Label
	accept    *widget.Button
	decline   *widget.Button
	mute      *widget.Button
	talk      *holdButton // push-to-talk instead of mute; nil when off
	talking   bool
	hangup    *widget.Button
	input     *widget.Select
	output    *widget.Select
	devices   *fyne.Container
	media     *fyne.Container // signal, meters, devices, statistics: once media flows
	message   *widget.Label
	after     *fyne.Container // Close and Call again, once a call ended badly
	rating    *dialog.ConfirmDialog
	closed    bool
}

func (u *UI) openCallWindow(c *calling.Call) *callView {
	s := c.Snapshot()
	v := &callView{u: u, c: c, last: s}
	v.w = u.app.NewWindow(callTitle(s))
	v.peer = widget.NewLabelWithStyle(s.Peer.Name(), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	v.state = widget.NewLabelWithStyle(stateText(s), fyne.TextAlignCenter, fyne.TextStyle{})
	v.emoji = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	v.emoji.TextSize = 32
	v.emoji.FontSource = theme.DefaultEmojiFont()
	v.emoji.Alignment = fyne.TextAlignCenter
	v.explain = widget.NewLabel("")
	v.explain.Wrapping = fyne.TextWrapWord
	v.explain.Alignment = fyne.TextAlignCenter
	v.bars = widget.NewLabel("")
	v.remoteMic = widget.NewLabel("")
	v.device = widget.NewLabel("")
	v.device.Wrapping = fyne.TextWrapWord
	v.device.Alignment = fyne.TextAlignCenter
	v.device.Importance = widget.WarningImportance
	v.mic = newLevelMeter("microphone")
	v.spkBar = newLevelMeter("speaker")
	v.stats = widget.NewLabel("")
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord
	v.accept = widget.NewButton("Accept", c.Answer)
	v.accept.Importance = widget.SuccessImportance
	v.decline = widget.NewButton("Decline", c.Decline)
	v.decline.Importance = widget.DangerImportance
	v.mute = widget.NewButton("Mute", v.toggleMute)
	muteOrTalk := fyne.CanvasObject(v.mute)
	if u.currentSettings().PushToTalk {
		v.talk = newHoldButton(talkLabel(false), func(down bool) { v.hold(down) })
		muteOrTalk = v.talk
	}
	v.hangup = widget.NewButton("Hang up", c.Hangup)
	v.hangup.Importance = widget.DangerImportance
	v.input, v.output = v.deviceSelects()
	v.devices = container.NewGridWithColumns(2, v.input, v.output)
	statsBox := widget.NewAccordion(widget.NewAccordionItem("Statistics", v.stats))

	v.media = container.NewVBox(container.NewHBox(v.bars, v.remoteMic), v.mic, v.spkBar, v.devices, statsBox)
	closeBtn := widget.NewButton("Close", v.close)
	again := widget.NewButton("Call again", v.callAgain)
	again.Importance = widget.SuccessImportance
	v.after = container.NewGridWithColumns(2, closeBtn, again)
	v.after.Hide()
	v.w.SetContent(container.NewPadded(container.NewVBox(
		v.peer, v.state, v.device, v.emoji, v.explain, v.media, v.message,
		container.NewGridWithColumns(2, v.accept, v.decline),
		container.NewGridWithColumns(2, muteOrTalk, v.hangup),
		v.after,
	)))
	v.w.Resize(fyne.NewSize(380, 520))
	v.w.SetOnClosed(func() {
		v.closed = true
		v.forget()
		if !v.c.Snapshot().State.Terminal() {
			v.c.Hangup() // closing the window ends the call, as in every softphone
		}
	})
	v.keys()
	if v.talk != nil {
		v.setupPushToTalk()
	}
	u.calls[s.ID] = v
	v.render(s)
	v.w.Show()
	v.w.RequestFocus()
	go v.watch()
	return v
}

// callTitle is the call window's title: an incoming call is "Incoming
// call from …" until answered, then a call like any other.
func callTitle(s calling.Snapshot) string {
	if !s.Outgoing && (s.State == calling.StateIdle || s.State == calling.StateRinging) {
		return "Incoming call from " + s.Peer.Name()
	}
	return "Call with " + s.Peer.Name()
}

// deviceSelects switch the call's microphone and speaker live.
func (v *callView) deviceSelects() (*widget.Select, *widget.Select) {
	devs, _ := audio.ListDevices() // none listed: only "System default"
	in := newDeviceMenu(devs, true, "").selectFor(func(id, label string) { v.switchDevice(v.c.SwitchInput, id, label) })
	in.PlaceHolder = "Microphone"
	out := newDeviceMenu(devs, false, "").selectFor(func(id, label string) { v.switchDevice(v.c.SwitchOutput, id, label) })
	out.PlaceHolder = "Speaker"
	return in, out
}

func (v *callView) switchDevice(f func(string) error, id, label string) {
	go func() {
		if err := f(id); err != nil && !errors.Is(err, calling.ErrNoAudio) {
			v.u.do(func() { v.message.SetText("Could not switch to " + label + ": " + err.Error()) })
		}
	}()
}

// keys: Enter accepts and Escape declines a ringing call; Ctrl+M mutes,
// Ctrl+E hangs up.
func (v *callView) keys() {
	v.w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if v.rating != nil && !v.closed {
			answerKey(v.rating, k) // Esc: not now; Enter: send
			return
		}
		if v.last.State != calling.StateRinging || v.last.Outgoing {
			return
		}
		switch k.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			v.c.Answer()
		case fyne.KeyEscape:
			v.c.Decline()
		}
	})
	v.w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyM, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { v.toggleMute() })
	v.w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { v.c.Hangup() })
}

// toggleMute mutes or unmutes; with push-to-talk the talk button rules.
func (v *callView) toggleMute() {
	if v.talk == nil {
		v.c.SetMuted(!v.c.Snapshot().Muted)
	}
}

// watch refreshes the window five times a second until the call ends.
func (v *callView) watch() {
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-v.c.Done():
			v.u.do(func() { v.ended(v.c.Snapshot()) })
			return
		case <-t.C:
			s := v.c.Snapshot()
			v.u.do(func() { v.render(s) })
		}
	}
}

func (v *callView) render(s calling.Snapshot) {
	prev := v.last
	v.last = s
	if s.ID != 0 && prev.ID == 0 {
		delete(v.u.calls, 0)
		v.u.calls[s.ID] = v
	}
	v.state.SetText(stateText(s))
	if t := callTitle(s); t != v.w.Title() {
		v.w.SetTitle(t) // "Incoming call from …" only while it rings
	}
	ringing := s.State == calling.StateRinging && !s.Outgoing
	setVisible(v.accept, ringing)
	setVisible(v.decline, ringing)
	live := !s.State.Terminal() && !ringing
	setVisible(v.mute, live && v.talk == nil)
	if v.talk != nil {
		setVisible(v.talk, live)
	}
	setVisible(v.hangup, live)
	setVisible(v.media, s.State == calling.StateActive || s.State == calling.StateReconnecting)
	if s.Muted {
		v.mute.SetText("Unmute")
	} else {
		v.mute.SetText("Mute")
	}
	if s.Emoji[0] != "" {
		v.emoji.Text = strings.Join(s.Emoji[:], " ")
		v.emoji.Refresh()
		explain := fmt.Sprintf(emojiExplanation, s.Peer.Name())
		if missing := undrawnEmoji(s.Emoji); missing != "" {
			explain += " " + missing
		}
		v.explain.SetText(explain)
	}
	if s.State == calling.StateActive || s.State == calling.StateReconnecting {
		v.bars.SetText("Signal " + signalBars(s.SignalBars))
		v.stats.SetText(statsLines(s))
		v.mic.SetValue(levelFraction(s.Stats.Audio.MicLevelDBFS))
		v.spkBar.SetValue(levelFraction(s.Stats.Audio.SpeakerLevelDBFS))
	}
	v.device.SetText(s.AudioNotice)
	setVisible(v.device, s.AudioNotice != "" && !s.State.Terminal())
	switch {
	case s.RemoteMuted:
		v.remoteMic.SetText(s.Peer.Name() + "'s microphone is off")
	case s.NoAudio && !s.State.Terminal():
		// Connected, yet nothing to hear: say so rather than look healthy.
		v.remoteMic.SetText("No sound is coming from " + s.Peer.Name())
	default:
		v.remoteMic.SetText("")
	}
	v.u.ring.follow(prev, s)
}

func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}

// ended shows how the call ended, asks for a rating when the server wants
// one, and closes the window.
func (v *callView) ended(s calling.Snapshot) {
	v.render(s)
	v.u.recents.refresh()
	// The busy and ended tones have said what they must after 3 s.
	time.AfterFunc(3*time.Second, func() { v.u.do(v.u.ring.stop) })
	if v.closed {
		return
	}
	if s.NeedRating {
		v.askRating()
		return
	}
	if s.Message != "" {
		// Why it ended stays until the user is done with it: the window
		// waits with Close and Call again.
		v.message.SetText(s.Message)
		v.after.Show()
		v.w.RequestFocus()
		return
	}
	time.AfterFunc(2*time.Second, func() { v.u.do(v.close) })
}

// callAgain dials the same person in a new window and closes this one.
func (v *callView) callAgain() {
	peer := v.last.Peer
	v.close()
	v.u.dial(peer)
}

func (v *callView) close() {
	if !v.closed {
		v.closed = true
		v.w.Close()
	}
}

// forget drops the window from the open ones.
func (v *callView) forget() {
	for id, cv := range v.u.calls {
		if cv == v {
			delete(v.u.calls, id)
		}
	}
}

// askRating is the after-call dialog: 1–5 stars and a comment.
func (v *callView) askRating() {
	stars := widget.NewRadioGroup([]string{"1", "2", "3", "4", "5"}, nil)
	stars.Horizontal = true
	comment := widget.NewEntry()
	comment.SetPlaceHolder("What went wrong? (optional)")
	form := container.NewVBox(widget.NewLabel("How was the sound?"), stars, comment)
	v.rating = dialog.NewCustomConfirm("Rate this call", "Send", "Not now", form, func(send bool) {
		n, _ := strconv.Atoi(stars.Selected)
		if !send || n == 0 {
			v.close()
			return
		}
		text := comment.Text
		rpc(v.u, func(ctx context.Context) (struct{}, error) { return struct{}{}, v.c.Rate(ctx, n, text) },
			func(_ struct{}, err error) {
				if err != nil {
					v.u.log.Warn("rate call", "err", err)
				}
				v.close()
			})
	}, v.w)
	v.rating.Show()
}

// ringer plays the ringtone for incoming calls and the ringback, busy and
// ended tones for outgoing ones, on the ring device, through an audio
// session of its own (the call's audio opens only once it connects).
type ringer struct {
	u       *UI
	session *audio.Session
	playing audio.Tone
	on      bool
}

func newRinger(u *UI) *ringer { return &ringer{u: u} }

// follow starts or stops tones as a call moves from prev to s.
func (r *ringer) follow(prev, s calling.Snapshot) {
	switch {
	case s.State == calling.StateRinging && !s.Outgoing:
		r.play(audio.ToneRingtone)
	case s.State == calling.StateRinging && s.Outgoing:
		r.play(audio.ToneRingback)
	case s.State == calling.StateBusy && prev.State != calling.StateBusy && s.Outgoing:
		r.play(audio.ToneBusy)
	case s.State == calling.StateEnded && prev.State != calling.StateEnded:
		r.play(audio.ToneEnded)
	case s.State != prev.State:
		r.stop()
	}
}

func (r *ringer) play(t audio.Tone) {
	if r.on && r.playing == t {
		return
	}
	if r.session == nil {
		cfg := audio.Config{Input: "silence", Output: "null", Ring: r.u.currentSettings().Ring}
		if r.u.opts.Audio != nil {
			cfg.Ring = r.u.opts.Audio.Ring
		}
		s, err := audio.Open(cfg, r.u.log.With("component", "ringer"))
		if err != nil {
			r.u.log.Warn("cannot play call tones", "err", err)
			return
		}
		r.session = s
	}
	if err := r.session.PlayTone(t); err != nil {
		r.u.log.Warn("play tone", "tone", t, "err", err)
		return
	}
	r.playing, r.on = t, true
}

// stop silences the tones and releases the ring device.
func (r *ringer) stop() {
	if r.session == nil {
		return
	}
	r.session.StopTone()
	if err := r.session.Close(); err != nil {
		r.u.log.Warn("close ringer", "err", err)
	}
	r.session, r.on = nil, false
}
