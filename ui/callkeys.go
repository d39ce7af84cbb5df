package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The call window's keyboard, for whichever control has the focus.
//
// Fyne's desktop driver hands a key only to the focused widget (KeyDown,
// then TypedKey, then KeyUp): the window's own Space handler, which talks
// with push to talk on, sees keys only while nothing has the focus. So
// each control of the call window that can take the focus embeds a
// spaceTalker, which offers Space to push to talk first; the comment box
// of the rating does not, and types spaces. And Fyne leaves the focus on a
// widget once hidden or disabled, which then takes the keys the window
// needs: giveUpFocus takes it back, from setVisible (containers too) and
// from these controls' own Hide and Disable.

// spaceTalker is what a focusable control of the call window embeds. talk,
// set with push to talk on, is offered Space held (down) and let go; it
// returns true when it talked (the call is live), and the control then
// leaves that Space and its repeats alone (talks).
type spaceTalker struct {
	talk    func(down bool) bool
	talking bool // Space went to talk
}

// KeyDown offers Space to push to talk.
func (s *spaceTalker) KeyDown(k *fyne.KeyEvent) {
	if k.Name == fyne.KeySpace && s.talk != nil && s.talk(true) {
		s.talking = true
	}
}

// KeyUp ends a Space held to talk. It tells push to talk even when this
// control did not see the Space go down (held before the focus came
// here): letting go of a key that was not talking changes nothing.
func (s *spaceTalker) KeyUp(k *fyne.KeyEvent) {
	if k.Name == fyne.KeySpace {
		s.stopTalking()
	}
}

// talks tells whether k is a Space that went to talk, not to the control.
func (s *spaceTalker) talks(k *fyne.KeyEvent) bool {
	return k.Name == fyne.KeySpace && s.talking
}

// focusLost lets go of push to talk when Space held here talks (Tab while
// holding it), and only then: a click on the talk button takes the focus
// from here just after its press has turned the microphone on.
func (s *spaceTalker) focusLost() {
	if s.talking {
		s.stopTalking()
	}
}

func (s *spaceTalker) stopTalking() {
	if s.talk != nil {
		s.talk(false)
	}
	s.talking = false
}

// callButton is a button of the call window (Record, the statistics'
// header) whose Space talks with push to talk on.
type callButton struct {
	widget.Button
	spaceTalker
}

func newCallButton(label string, icon fyne.Resource, tapped func()) *callButton {
	b := &callButton{}
	b.Text, b.Icon, b.OnTapped = shown(label), icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *callButton) TypedKey(k *fyne.KeyEvent) {
	if !b.talks(k) && !keyPresses(&b.Button, k) {
		b.Button.TypedKey(k)
	}
}

func (b *callButton) FocusLost() {
	b.focusLost()
	b.Button.FocusLost()
}

func (b *callButton) Hide()    { giveUpFocus(b); b.Button.Hide() }
func (b *callButton) Disable() { giveUpFocus(b); b.Button.Disable() }

// callSelect is a device menu of the call window whose Space talks with
// push to talk on instead of opening the menu.
type callSelect struct {
	widget.Select
	spaceTalker
}

func (s *callSelect) TypedKey(k *fyne.KeyEvent) {
	if !s.talks(k) {
		s.Select.TypedKey(k)
	}
}

func (s *callSelect) FocusLost() {
	s.focusLost()
	s.Select.FocusLost()
}

func (s *callSelect) Hide()    { giveUpFocus(s); s.Select.Hide() }
func (s *callSelect) Disable() { giveUpFocus(s); s.Select.Disable() }

// newStatsToggle is the header that shows and hides the call statistics,
// as Fyne's accordion draws it; the accordion's own header is a widget of
// its own, which push to talk could not take Space from.
func newStatsToggle(stats fyne.CanvasObject) *callButton {
	b := newCallButton(tr("call.statistics"), theme.MenuExpandIcon(), nil)
	b.Alignment = widget.ButtonAlignLeading
	b.IconPlacement = widget.ButtonIconLeadingText
	b.Importance = widget.LowImportance
	stats.Hide()
	b.OnTapped = func() {
		setVisible(stats, !stats.Visible())
		if stats.Visible() {
			b.SetIcon(theme.MenuDropDownIcon())
		} else {
			b.SetIcon(theme.MenuExpandIcon())
		}
	}
	return b
}

// giveUpFocus takes the keyboard focus from o, or from a widget in
// container o, as o is hidden or disabled.
func giveUpFocus(o fyne.CanvasObject) {
	c := fyne.CurrentApp().Driver().CanvasForObject(o)
	if c == nil || c.Focused() == nil {
		return
	}
	if holds(o, c.Focused().(fyne.CanvasObject)) {
		c.Unfocus()
	}
}

// holds tells whether o is f or holds it in its containers (and scrolls).
func holds(o, f fyne.CanvasObject) bool {
	if o == f {
		return true
	}
	switch c := o.(type) {
	case *fyne.Container:
		for _, x := range c.Objects {
			if holds(x, f) {
				return true
			}
		}
	case *container.Scroll:
		return holds(c.Content, f)
	}
	return false
}
