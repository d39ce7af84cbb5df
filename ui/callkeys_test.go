package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestCallControlsSpaceTalks: as TestRoundButtonSpaceTalks for the call
// window's other controls (a button such as Record or the statistics'
// header, a device menu): with push to talk, Space held on the focused
// one talks while the call is live and neither presses it nor opens the
// menu, its repeats neither; Tab while holding it ends it; while the call
// rings Space does what it did. And one hidden inside a container with
// the focus on it (the device menus) gives the focus up.
func TestCallControlsSpaceTalks(t *testing.T) {
	inUI(func() { testCallControlsSpaceTalks(t) })
}

func testCallControlsSpaceTalks(t *testing.T) {
	test.NewTempApp(t)
	presses, live, talking := 0, true, false
	talk := func(down bool) bool {
		if down && !live {
			return false
		}
		talking = down
		return true
	}
	b := newCallButton("Record", nil, func() { presses++ })
	sel := &callSelect{}
	sel.Options = []string{"Built-in", "Headset"}
	sel.ExtendBaseWidget(sel)
	b.talk, sel.talk = talk, talk
	menus := container.NewVBox(sel)
	other := widget.NewButton("Other", func() {})
	w := test.NewWindow(container.NewVBox(b, menus, other))
	w.Resize(fyne.NewSize(300, 300))
	t.Cleanup(w.Close)
	c := w.Canvas()
	space := &fyne.KeyEvent{Name: fyne.KeySpace}

	for _, f := range []interface {
		fyne.Focusable
		KeyDown(*fyne.KeyEvent)
		KeyUp(*fyne.KeyEvent)
	}{b, sel} {
		live = true
		before := presses
		c.Focus(f)
		f.KeyDown(space)
		f.TypedKey(space)
		f.TypedKey(space) // the key's repeats
		if !talking || presses != before || c.Overlays().Top() != nil {
			t.Errorf("Space held on %T: talking %v, pressed %d times, menu open %v", f, talking, presses-before, c.Overlays().Top() != nil)
		}
		f.KeyUp(space)
		if talking {
			t.Errorf("letting go of Space on %T left the microphone on", f)
		}
		f.KeyDown(space)
		c.Focus(other)
		if talking {
			t.Errorf("Tab while holding Space on %T left the microphone on", f)
		}
		live = false
		c.Focus(f)
		typeKey(c, fyne.KeySpace)
		if talking {
			t.Errorf("Space on %T while ringing talked", f)
		}
	}
	if presses != 1 || c.Overlays().Top() == nil {
		t.Errorf("Space while ringing: Record pressed %d times, want 1; the menu opened %v", presses, c.Overlays().Top() != nil)
	}
	c.Overlays().Top().Hide()
	c.Overlays().Remove(c.Overlays().Top())

	c.Focus(sel)
	setVisible(menus, false)
	if c.Focused() != nil {
		t.Errorf("the focus stayed on the menu hidden with its container (%T)", c.Focused())
	}
	setVisible(menus, true)
	c.Focus(b)
	setVisible(b, false)
	if c.Focused() != nil {
		t.Errorf("the focus stayed on the hidden button (%T)", c.Focused())
	}
	c.Focus(sel)
	sel.Disable()
	if c.Focused() != nil {
		t.Errorf("the focus stayed on the disabled menu (%T)", c.Focused())
	}
}
