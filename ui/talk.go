package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// holdButton acts while it is held down, as push-to-talk needs: a click
// would only toggle. The driver sends MouseUp to the button pressed even if
// the pointer left it meanwhile. While held it is of high importance, and
// then, as a primaryButton, it shows the keyboard focus with a ring.
type holdButton struct {
	primaryButton
	onHold  func(down bool)
	keyHeld bool // Space went down while it had the focus
}

func newHoldButton(label string, onHold func(down bool)) *holdButton {
	b := &holdButton{onHold: onHold}
	b.Text = shown(label)
	b.ExtendBaseWidget(b)
	return b
}

func (b *holdButton) MouseDown(*desktop.MouseEvent) { b.onHold(true) }
func (b *holdButton) MouseUp(*desktop.MouseEvent)   { b.onHold(false) }

// KeyDown and KeyUp: Space on the focused talk button talks while held, as
// it does with nothing focused, and so does Enter, which presses the other
// buttons. Fyne's desktop driver gives keys to the focused widget only,
// and its button took Space as a click, which here did nothing but drop
// the focus.
func (b *holdButton) KeyDown(k *fyne.KeyEvent) {
	if holdKey(k) {
		b.keyHeld = true
		b.onHold(true)
	}
}

func (b *holdButton) KeyUp(k *fyne.KeyEvent) {
	if holdKey(k) {
		b.keyHeld = false
		b.onHold(false)
	}
}

// holdKey tells whether k is one the talk button is held with.
func holdKey(k *fyne.KeyEvent) bool {
	return k.Name == fyne.KeySpace || k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter
}

// TypedKey leaves Space and Enter to KeyDown and KeyUp (their repeats
// too); Esc goes to the window as from a primaryButton.
func (b *holdButton) TypedKey(k *fyne.KeyEvent) {
	if !holdKey(k) {
		b.primaryButton.TypedKey(k)
	}
}

// FocusLost ends a Space hold begun here (Tab while holding it).
func (b *holdButton) FocusLost() {
	if b.keyHeld {
		b.keyHeld = false
		b.onHold(false)
	}
	b.primaryButton.FocusLost()
}

// talkLabel is the push-to-talk button's text for whether the user talks.
func talkLabel(talking bool) string {
	if talking {
		return tr("talk.talking")
	}
	return tr("talk.hold")
}

// setupPushToTalk keeps the microphone off except while Space or the talk
// button is held, for calls from noisy rooms or with many listeners nearby.
func (v *callView) setupPushToTalk() {
	v.c.SetMuted(true)
	if dc, ok := v.w.Canvas().(desktop.Canvas); ok {
		dc.SetOnKeyDown(func(k *fyne.KeyEvent) {
			if k.Name == fyne.KeySpace {
				v.hold(true)
			}
		})
		dc.SetOnKeyUp(func(k *fyne.KeyEvent) {
			if k.Name == fyne.KeySpace {
				v.hold(false)
			}
		})
	}
}

// spaceTalk is Space held (down) or let go on a focused round button with
// push to talk on: while the call is live it talks there as it does with
// nothing focused, and the button is not pressed; true when it talked.
func (v *callView) spaceTalk(down bool) bool {
	if down && !v.talk.Visible() {
		return false // a ringing call: Space presses Accept or Decline
	}
	v.hold(down)
	return true
}

// hold turns the microphone on while push-to-talk is held.
func (v *callView) hold(down bool) {
	if v.talk == nil || v.talking == down || (down && !v.talk.Visible()) {
		return // Space on a ringing window does not open the microphone
	}
	v.talking = down
	if down {
		v.pttNote = false // the user has found how to talk
		v.mutedNote.Hide()
	}
	v.c.SetMuted(!down)
	setText(v.talk, talkLabel(down))
	if down {
		v.talk.Importance = widget.HighImportance
	} else {
		v.talk.Importance = widget.MediumImportance
	}
	v.talk.Refresh()
}
