package ui

import (
	"errors"
	"image/color"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
)

// callView is one call's window, laid out as Telegram Desktop's call
// panel: the peer's avatar, name, @username or number, state and timer;
// the key emoji; round buttons (Accept / Decline while an incoming call
// rings, then mute, devices and hang up).
type callView struct {
	u    *session
	c    *calling.Call
	w    fyne.Window
	last calling.Snapshot

	avatar    *avatar
	peer      *widget.Label
	handle    *widget.Label // @username or +number
	account   *widget.Label // "to Alice Archer": the account, when several are signed in
	state     *widget.Label
	mutedNote *noteLine // "Your microphone is off", while muted
	emoji     *emojiRow
	explain   *wrapLabel
	bars      *widget.Label
	remoteMic *wrapLabel
	device    *noteLine // a microphone or speaker gone or missing
	mic       *levelMeter
	spkBar    *levelMeter
	stats     *widget.Label
	quality   *widget.Label // the statistics in one line
	accept    *roundButton
	decline   *roundButton
	mute      *roundButton
	talk      *holdButton // push-to-talk instead of mute; nil when off
	talking   bool
	pttNote   bool         // Ctrl+M with push to talk on: the muted note says how to talk, until the user does
	speaker   *roundButton // shows the device menus
	hangup    *roundButton
	input     *callSelect
	output    *callSelect
	devices   *fyne.Container
	media     *fyne.Container // signal, meters, statistics: once media flows
	message   *wrapLabel
	after     *fyne.Container // Close and Call again, once a call ended badly
	rating    *ratingView
	closed    bool

	// rang: the outgoing call was seen ringing on the peer's device; a
	// busy answer after that is the peer declining, before it a device
	// already in a call (tdesktop discards busy without ringing then).
	rang bool
	// hungUpHere: this window's user ended the call (Hang up, Ctrl+E, closing).
	hungUpHere bool
	// signedOut: the server ended the account's session during the call,
	// which ended it; its end says so.
	signedOut bool
	// notification is the desktop notification of a ringing call, 0 when
	// none; notified: it was put up (or tried) once.
	notification uint32
	notified     bool
}

func (u *session) openCallWindow(c *calling.Call) *callView {
	s := c.Snapshot()
	v := &callView{u: u, c: c, last: s}
	v.w = u.app.NewWindow(callTitle(s, u.accountName()))
	v.avatar = u.newAvatar(s.Peer, 112)
	v.peer = newLabelWithStyle(nameOf(s.Peer), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	v.peer.SizeName = theme.SizeNameSubHeadingText
	v.peer.Truncation = fyne.TextTruncateEllipsis
	v.handle = newLabelWithStyle(peerHandle(s.Peer), fyne.TextAlignCenter, fyne.TextStyle{})
	v.account = newLabelWithStyle(accountLine(s, u.accountName()), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	setVisible(v.account, v.account.Text != "")
	v.state = newLabelWithStyle(stateText(s), fyne.TextAlignCenter, fyne.TextStyle{})
	v.mutedNote = newNoteLine(iconMicOff, func() color.Color { return hangupColour }, true)
	setText(v.mutedNote, tr("call.muted_note", "Name", nameOf(s.Peer)))
	v.mutedNote.Hide()
	v.emoji = newEmojiRow(28)
	v.explain = newWrapLabel("")
	v.explain.Alignment = fyne.TextAlignCenter
	v.explain.SizeName = theme.SizeNameCaptionText
	v.bars = newLabel("")
	v.remoteMic = newWrapLabel("")
	v.remoteMic.Alignment = fyne.TextAlignCenter
	v.device = newNoteLine(iconWarning, warningColour, false)
	v.device.Hide()
	v.mic = newLevelMeter(tr("meter.microphone"))
	v.spkBar = newLevelMeter(tr("meter.speaker"))
	v.stats = newLabel("")
	v.stats.SizeName = theme.SizeNameCaptionText
	v.quality = newLabel("")
	v.quality.SizeName = theme.SizeNameCaptionText
	v.message = newWrapLabel("")
	v.message.Alignment = fyne.TextAlignCenter
	v.message.Hide() // an empty line until there is something to say
	green := func() color.Color { return acceptColour }
	red := func() color.Color { return hangupColour }
	v.accept = newRoundButton(tr("call.accept"), iconCall, green, white, c.Answer)
	v.decline = newRoundButton(tr("call.decline"), iconCallEnd, red, white, v.hangUp)
	v.mute = newRoundButton(tr("call.mute"), iconMic, neutralColour, white, v.toggleMute)
	v.speaker = newRoundButton(tr("call.devices"), iconSpeaker, neutralColour, white, v.toggleDevices)
	v.hangup = newRoundButton(tr("call.hang_up"), iconCallEnd, red, white, v.hangUp)
	muteOrTalk := fyne.CanvasObject(v.mute)
	if u.currentSettings().PushToTalk {
		v.talk = newHoldButton(talkLabel(false), func(down bool) { v.hold(down) })
		muteOrTalk = container.NewCenter(v.talk)
	}
	v.input, v.output = v.deviceSelects()
	v.devices = container.NewVBox(
		border(nil, nil, newLabel(tr("common.microphone")), nil, v.input),
		border(nil, nil, newLabel(tr("common.speaker")), nil, v.output))
	v.devices.Hide()
	statsToggle := newStatsToggle(v.stats)
	v.media = container.NewVBox(v.quality, container.NewGridWithColumns(2, v.mic, v.spkBar), statsToggle, v.stats)

	closeBtn := newButton(tr("common.close"), v.close)
	again := newPrimaryButtonWithIcon(tr("call.again"), iconResource(iconCall, color.White), v.callAgain)
	v.after = container.NewGridWithColumns(2, closeBtn, again)
	v.after.Hide()

	// The person, the state and the call's media in the middle, centred
	// when they fit and scrolling when they do not (statistics opened in a
	// small window); the buttons stay at the bottom.
	middle := container.NewVBox(
		container.NewCenter(v.avatar),
		v.peer, v.handle, v.account, v.state, v.mutedNote, v.remoteMic, v.device, v.message, v.media,
	)
	top := container.NewVBox(container.NewCenter(v.emoji), v.explain)
	buttons := hbox(layout.NewSpacer(), v.decline, v.accept, muteOrTalk, v.speaker, v.hangup, layout.NewSpacer())
	record := u.recordControl(c)
	if v.talk != nil {
		// Space talks whichever of these has the focus (the talk button
		// holds by itself).
		for _, s := range []*spaceTalker{&v.accept.spaceTalker, &v.decline.spaceTalker, &v.mute.spaceTalker,
			&v.speaker.spaceTalker, &v.hangup.spaceTalker, &v.input.spaceTalker, &v.output.spaceTalker,
			&statsToggle.spaceTalker, &record.button.spaceTalker} {
			s.talk = v.spaceTalk
		}
	}
	bottom := container.NewVBox(v.devices, buttons, record, v.after)
	v.w.SetContent(container.NewPadded(container.NewBorder(top, bottom, nil, nil,
		container.NewVScroll(container.New(centreVertically{}, middle)))))
	v.w.Resize(fyne.NewSize(400, 660))
	v.w.SetOnClosed(func() {
		v.closed = true
		v.forget()
		v.closeNotification()
		if !v.c.Snapshot().State.Terminal() {
			v.hangUp() // closing the window ends the call, as in every softphone
		}
		v.release()
		letGo(v.w)
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

// centreVertically lays out its one object centred top to bottom when
// there is room, and no wider than maxPanelWidth: in a large window a
// call panel's lines stay together instead of running edge to edge.
type centreVertically struct{}

const maxPanelWidth = 480

func (centreVertically) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		h := o.MinSize().Height
		w := max(min(size.Width, maxPanelWidth), o.MinSize().Width)
		o.Move(fyne.NewPos(max(0, (size.Width-w)/2), max(0, (size.Height-h)/2)))
		o.Resize(fyne.NewSize(w, h))
	}
}

func (centreVertically) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

// peerHandle is the line under the name: @username and the number,
// each when known (the number only for contacts and those who share it).
func peerHandle(c account.Contact) string {
	var parts []string
	if c.Username != "" {
		parts = append(parts, "@"+c.Username)
	}
	if c.Phone != "" {
		parts = append(parts, formatPhone(c.Phone))
	}
	return strings.Join(parts, " · ")
}

// callTitle is the call window's title: an incoming call is "Incoming
// call from …" until answered, then a call like any other; with several
// accounts signed in it names the account too (acct, "" with one).
func callTitle(s calling.Snapshot, acct string) string {
	incoming := !s.Outgoing && (s.State == calling.StateIdle || s.State == calling.StateRinging)
	switch {
	case incoming && acct != "":
		return tr("call.title_incoming_to", "Name", nameOf(s.Peer), "Account", acct)
	case incoming:
		return tr("call.title_incoming", "Name", nameOf(s.Peer))
	case acct != "":
		return tr("call.title_account", "Name", nameOf(s.Peer), "Account", acct)
	}
	return tr("call.title", "Name", nameOf(s.Peer))
}

// accountLine is the line under the peer's handle naming the account
// the call came to or goes from; "" with one account signed in.
func accountLine(s calling.Snapshot, acct string) string {
	switch {
	case acct == "":
		return ""
	case s.Outgoing:
		return tr("call.from_account", "Account", acct)
	}
	return tr("call.to_account", "Account", acct)
}

// hangUp ends the call from this window (Hang up, Decline, Ctrl+E, closing).
func (v *callView) hangUp() {
	v.hungUpHere = true
	v.c.Hangup()
}

// audioConfig is the devices this call's audio opens.
func (v *callView) audioConfig() audio.Config {
	if v.u.opts.Audio != nil {
		return *v.u.opts.Audio
	}
	return v.u.currentSettings().audioConfig()
}

// deviceSelects switch the call's microphone and speaker live; each shows
// the device in use.
func (v *callView) deviceSelects() (*callSelect, *callSelect) {
	devs, err := audio.ListDevices()
	if err != nil {
		v.u.log.Warn("list sound devices", "err", err)
	}
	cfg := v.audioConfig()
	in := deviceSelect(devs, true, cfg.Input, func(id, label string) { v.switchDevice(v.c.SwitchInput, id, label) })
	out := deviceSelect(devs, false, cfg.Output, func(id, label string) { v.switchDevice(v.c.SwitchOutput, id, label) })
	return in, out
}

// deviceSelect is a device menu with the device in use (id) selected; a
// device that is not in the list (a virtual one such as tone:440) is
// listed by its id.
func deviceSelect(devs []audio.Device, capture bool, id string, chosen func(id, label string)) *callSelect {
	m := newDeviceMenu(devs, capture, "")
	sel := &callSelect{}
	sel.Options = m.labels
	sel.OnChanged = func(label string) { chosen(m.id(label), label) }
	sel.ExtendBaseWidget(sel)
	if id == "" {
		id = audio.DefaultID
	}
	label := m.label(id)
	if !slices.Contains(sel.Options, label) {
		sel.Options = append(sel.Options, label)
	}
	sel.Selected = label // not SetSelected: that would switch to it again
	return sel
}

// noDevice tells whether devs hold no real capture (or playback) device:
// none at all, or only ALSA's null plugin, which discards what it plays
// and records silence.
func noDevice(devs []audio.Device, capture bool) bool {
	for _, d := range devs {
		if d.Capture == capture && !strings.HasPrefix(d.Name, "Discard all samples") {
			return false
		}
	}
	return true
}

func (v *callView) switchDevice(f func(string) error, id, label string) {
	go func() {
		if err := f(id); err != nil && !errors.Is(err, calling.ErrNoAudio) {
			v.u.log.Warn("switch device", "device", label, "err", err)
			v.u.do(func() { v.say(tr("call.switch_failed", "Device", label)) })
		}
	}()
}

// toggleDevices shows or hides the microphone and speaker menus.
func (v *callView) toggleDevices() {
	setVisible(v.devices, !v.devices.Visible())
}

// keys: Enter accepts and Escape declines a ringing call; Ctrl+M mutes,
// Ctrl+E hangs up; with the rating shown, Esc dismisses it. Fyne gives the
// window a key only while no widget has the focus: a focused round button
// presses itself on Enter and hands Esc on (roundButton.TypedKey).
func (v *callView) keys() {
	v.w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		if v.rating != nil && !v.closed {
			v.rating.key(k)
			return
		}
		if v.last.State != calling.StateRinging || v.last.Outgoing {
			return
		}
		switch k.Name {
		case fyne.KeyReturn, fyne.KeyEnter:
			v.c.Answer()
		case fyne.KeyEscape:
			v.hangUp()
		}
	})
	v.w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyM, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { v.toggleMute() })
	v.w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { v.hangUp() })
}

// toggleMute mutes or unmutes. With push to talk the microphone is off
// but while Space or the talk button is held, and Ctrl+M cannot change
// that: it shows the muted note saying so instead of doing nothing.
func (v *callView) toggleMute() {
	if v.talk == nil {
		v.c.SetMuted(!v.c.Snapshot().Muted)
		return
	}
	v.pttNote = true
	v.showMutedNote(v.last)
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
	if v.closed {
		// Closing destroyed the window's renderers: refreshing its widgets
		// now (the call ending after the window closed) would only make
		// new ones for Fyne's cache to hold. The tones still follow.
		v.u.ring.follow(prev, s)
		return
	}
	if s.ID != 0 && prev.ID == 0 {
		delete(v.u.calls, 0)
		v.u.calls[s.ID] = v
	}
	if s.Outgoing && s.State == calling.StateRinging {
		v.rang = true
	}
	setText(v.state, v.stateLine(s))
	if t := callTitle(s, v.u.accountName()); t != v.w.Title() {
		v.w.SetTitle(t) // "Incoming call from …" only while it rings
	}
	ringing := s.State == calling.StateRinging && !s.Outgoing
	switch {
	case ringing && !v.notified:
		// Once, when it starts ringing: the window may open a moment before.
		v.notified = true
		v.notifyIncoming()
	case !ringing && v.notification != 0:
		v.closeNotification()
	}
	setVisible(v.accept, ringing)
	setVisible(v.decline, ringing)
	live := !s.State.Terminal() && !ringing
	setVisible(v.mute, live && v.talk == nil)
	if v.talk != nil {
		setVisible(v.talk, live)
	}
	setVisible(v.speaker, live)
	setVisible(v.hangup, live)
	if !live {
		setVisible(v.devices, false)
	}
	connected := s.State == calling.StateActive || s.State == calling.StateReconnecting
	setVisible(v.media, connected)
	if s.Muted {
		v.mute.set(tr("call.unmute"), iconMicOff, mutedColour, mutedIconColour)
	} else {
		v.mute.set(tr("call.mute"), iconMic, neutralColour, white)
	}
	v.showMutedNote(s)
	if s.Emoji[0] != "" {
		v.emoji.Set(s.Emoji)
		setText(v.explain, tr("call.emoji_explanation", "Name", nameOf(s.Peer)))
	}
	setVisible(v.emoji, s.Emoji[0] != "" && !s.State.Terminal())
	setVisible(v.explain, s.Emoji[0] != "" && !s.State.Terminal())
	if connected {
		setText(v.quality, qualityLine(s))
		setText(v.stats, statsLines(s))
		v.mic.SetValue(levelFraction(s.Stats.Audio.MicLevelDBFS))
		v.spkBar.SetValue(levelFraction(s.Stats.Audio.SpeakerLevelDBFS))
	}
	notice := deviceText(s)
	if notice == "" && !s.State.Terminal() {
		notice = v.missingDevices()
	}
	setText(v.device, notice) // a noteLine: unchanged text is skipped there
	setVisible(v.device, notice != "" && !s.State.Terminal())
	v.avatar.SetMicOff(s.RemoteMuted && connected)
	switch {
	case s.RemoteMuted && connected:
		setText(v.remoteMic, tr("call.remote_mic_off", "Name", nameOf(s.Peer)))
	case s.NoAudio && !s.State.Terminal():
		// Connected, yet nothing to hear: say so rather than look healthy.
		setText(v.remoteMic, tr("call.no_sound_from", "Name", nameOf(s.Peer)))
	default:
		setText(v.remoteMic, "")
	}
	setVisible(v.remoteMic, v.remoteMic.Text != "")
	v.u.ring.follow(prev, s)
}

// showMutedNote shows or hides the line under the state about the
// user's own microphone, for call state s.
func (v *callView) showMutedNote(s calling.Snapshot) {
	live := !s.State.Terminal() && !(s.State == calling.StateRinging && !s.Outgoing)
	switch {
	case v.talk != nil:
		// With push-to-talk the microphone is off between presses, which the
		// talk button says; the note only answers a Ctrl+M.
		setText(v.mutedNote, tr("call.ptt_note"))
	case s.Stats.Audio.TalkingWhileMuted:
		// Speech into the muted microphone: say it plainly, with the key.
		setText(v.mutedNote, tr("call.talking_muted", "Name", nameOf(s.Peer)))
	default:
		// For a mute the user may have forgotten.
		setText(v.mutedNote, tr("call.muted_note", "Name", nameOf(s.Peer)))
	}
	setVisible(v.mutedNote, s.Muted && live && (v.talk == nil || v.pttNote))
}

// missingDevices says, before the call's audio has opened (it reports
// its own devices from then on), that the computer has no microphone or
// speaker at all, when it uses the system's default ones.
func (v *callView) missingDevices() string {
	cfg := v.audioConfig()
	onDefault := func(id string) bool { return id == "" || id == audio.DefaultID }
	if !onDefault(cfg.Input) && !onDefault(cfg.Output) {
		return ""
	}
	devs, err := listDevices()
	if err != nil {
		return ""
	}
	noMic := onDefault(cfg.Input) && noDevice(devs, true)
	noSpk := onDefault(cfg.Output) && noDevice(devs, false)
	switch {
	case noMic && noSpk:
		return tr("call.no_devices")
	case noMic:
		return tr("call.no_mic")
	case noSpk:
		return tr("call.no_speaker")
	}
	return ""
}

// listDevices is audio.ListDevices, asked at most every few seconds: the
// call window renders five times a second.
var listDevices = func() func() ([]audio.Device, error) {
	var (
		mu   sync.Mutex
		at   time.Time
		devs []audio.Device
		err  error
	)
	return func() ([]audio.Device, error) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(at) > 3*time.Second {
			devs, err = audio.ListDevices()
			at = time.Now()
		}
		return devs, err
	}
}()

// stateLine is the line under the name: the state, the timer once
// connected, and at the end what happened in a word or two.
func (v *callView) stateLine(s calling.Snapshot) string {
	switch {
	case s.State == calling.StateMissed && s.Outgoing && v.hungUpHere:
		return tr("call.cancelled")
	case s.State == calling.StateBusy && s.Outgoing && v.rang:
		return tr("call.declined")
	}
	return stateText(s)
}

// endMessage is the sentence saying how the call ended, from the discard
// reason and who ended it; "" when it ended as calls do.
func (v *callView) endMessage(s calling.Snapshot) string {
	name := nameOf(s.Peer)
	switch {
	case v.signedOut:
		return tr("accounts.signed_out_note", "Name", nameOf(v.u.savedContact()), "Service", v.u.serviceName())
	case !s.Outgoing || s.Err != nil:
	case s.State == calling.StateMissed && v.hungUpHere:
		return "" // the user cancelled: nothing to explain
	case s.State == calling.StateBusy && v.rang:
		// Telegram's apps decline with reason busy; it rang first.
		return tr("call.peer_declined", "Name", name)
	case s.State == calling.StateBusy:
		// Turned away without ringing: the peer's device is in another call.
		return tr("call.peer_busy", "Name", name)
	}
	return endingText(s.Ending, name)
}

// qualityLine is the statistics in one line: signal, path and quality.
func qualityLine(s calling.Snapshot) string {
	path := routeWords(s.Stats.Route)
	if path == "" {
		path = tr("call.path_connecting")
	}
	return tr("call.signal", "Bars", signalBars(s.SignalBars), "Path", path, "Quality", mosWord(mos(s.Stats)))
}

// mosWord names a Mean Opinion Score as people would.
func mosWord(m float64) string {
	switch {
	case m >= 4:
		return tr("call.quality_good")
	case m >= 3.4:
		return tr("call.quality_fair")
	}
	return tr("call.quality_poor")
}

// setVisible shows or hides o; hidden, it takes the keyboard focus from
// whatever it holds (giveUpFocus).
func setVisible(o fyne.CanvasObject, on bool) {
	if on {
		o.Show()
	} else {
		giveUpFocus(o)
		o.Hide()
	}
}

// ended shows how the call ended, asks for a rating when the server wants
// one, and closes the window.
func (v *callView) ended(s calling.Snapshot) {
	v.render(s)
	v.closeNotification()
	v.u.recents.refresh()
	// The busy and ended tones have said what they must after 3 s.
	time.AfterFunc(3*time.Second, func() { v.u.do(v.u.ring.stop) })
	if v.closed {
		return
	}
	if s.NeedRating && !v.signedOut { // signed out, it could not be sent
		v.askRating()
		return
	}
	if msg := v.endMessage(s); msg != "" {
		// Why it ended stays until the user is done with it, as Telegram
		// Desktop's panel waits on a failed or busy call: Close and Call again.
		v.say(msg)
		v.after.Show()
		v.w.RequestFocus()
		return
	}
	// An ordinary end (hung up, cancelled): the state line says so briefly.
	time.AfterFunc(2*time.Second, func() { v.u.do(v.close) })
}

// say shows msg under the state.
func (v *callView) say(msg string) {
	setText(v.message, msg)
	setVisible(v.message, msg != "")
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

// release drops what a closed window's view holds beyond the window: the
// rating and the key handlers (whose closures hold the view), so nothing
// of a finished call outlives Fyne's cache of its window.
func (v *callView) release() {
	if v.rating != nil {
		v.rating.release()
		v.rating = nil
	}
	v.w.Canvas().SetOnTypedKey(nil)
	v.w.Canvas().RemoveShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyM, Modifier: fyne.KeyModifierShortcutDefault})
	v.w.Canvas().RemoveShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyE, Modifier: fyne.KeyModifierShortcutDefault})
}

// forget drops the window from the open ones.
func (v *callView) forget() {
	for id, cv := range v.u.calls {
		if cv == v {
			delete(v.u.calls, id)
		}
	}
}

// notifyIncoming puts up a desktop notification with Accept and Decline,
// where the desktop has notifications over D-Bus; either way the ringing
// window is up and raised.
func (v *callView) notifyIncoming() {
	n := desktopNotifier(v.u.log)
	if n == nil {
		return
	}
	s := v.last
	body := tr("notify.is_calling", "Name", nameOf(s.Peer))
	if h := peerHandle(s.Peer); h != "" {
		body += " (" + h + ")"
	}
	if line := accountLine(s, v.u.accountName()); line != "" {
		body += "\n" + line
	}
	id, err := n.notify(tr("notify.incoming"), body, []string{"accept", tr("call.accept"), "decline", tr("call.decline"), "default", tr("notify.show")},
		func(action string) {
			v.u.do(func() {
				switch action {
				case "accept":
					v.c.Answer()
					v.w.Show()
					v.w.RequestFocus()
				case "decline":
					v.hangUp()
				default:
					v.w.Show()
					v.w.RequestFocus()
				}
			})
		})
	if err != nil {
		v.u.log.Warn("incoming call notification", "err", err)
		return
	}
	v.notification = id
}

func (v *callView) closeNotification() {
	if v.notification == 0 {
		return
	}
	if n := desktopNotifier(v.u.log); n != nil {
		n.close(v.notification)
	}
	v.notification = 0
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
