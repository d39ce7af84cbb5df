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
	onHold func(down bool)
}

func newHoldButton(label string, onHold func(down bool)) *holdButton {
	b := &holdButton{onHold: onHold}
	b.Text = shown(label)
	b.ExtendBaseWidget(b)
	return b
}

func (b *holdButton) MouseDown(*desktop.MouseEvent) { b.onHold(true) }
func (b *holdButton) MouseUp(*desktop.MouseEvent)   { b.onHold(false) }

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

// hold turns the microphone on while push-to-talk is held.
func (v *callView) hold(down bool) {
	if v.talk == nil || v.talking == down || (down && !v.talk.Visible()) {
		return // Space on a ringing window does not open the microphone
	}
	v.talking = down
	v.c.SetMuted(!down)
	setText(v.talk, talkLabel(down))
	if down {
		v.talk.Importance = widget.HighImportance
	} else {
		v.talk.Importance = widget.MediumImportance
	}
	v.talk.Refresh()
}
