package ui

import (
	"image/color"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// typeKey types key k into canvas c as Fyne's desktop driver hands it on
// (glfw window.processKeyPressed): to the focused widget, KeyDown (when it
// takes it) then TypedKey then KeyUp; with nothing focused, to the
// window's key handler. The test canvas has no KeyDown handler of its own.
func typeKey(c fyne.Canvas, k fyne.KeyName) {
	ev := &fyne.KeyEvent{Name: k}
	f := c.Focused()
	if f == nil {
		if h := c.OnTypedKey(); h != nil {
			h(ev)
		}
		return
	}
	keyable, _ := f.(desktop.Keyable)
	if keyable != nil {
		keyable.KeyDown(ev)
	}
	f.TypedKey(ev)
	if keyable != nil {
		keyable.KeyUp(ev)
	}
}

// TestRoundButtonKeyboard: the call panel's round buttons are in the Tab
// order with the window's other controls (not while disabled or hidden),
// Space and Enter press the focused one and leave the focus on it, Esc
// goes to the window, and one hidden or disabled while focused gives the
// focus up. Before, Tab went past them: only the shortcuts reached them.
func TestRoundButtonKeyboard(t *testing.T) {
	inUI(func() { testRoundButtonKeyboard(t) })
}

func testRoundButtonKeyboard(t *testing.T) {
	test.NewTempApp(t)
	pressed := map[string]int{}
	round := func(name string) *roundButton {
		return newRoundButton(name, iconMic, neutralColour, white, func() { pressed[name]++ })
	}
	mute, devices, hangup := round("Mute"), round("Devices"), round("Hang up")
	before, after := widget.NewButton("Before", func() {}), widget.NewButton("After", func() {})
	w := test.NewWindow(container.NewHBox(before, mute, devices, hangup, after))
	t.Cleanup(w.Close)
	var windowKeys []fyne.KeyName
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) { windowKeys = append(windowKeys, k.Name) })
	c := w.Canvas()

	devices.Disable()
	var order []fyne.Focusable
	for range 4 {
		c.FocusNext()
		order = append(order, c.Focused())
	}
	if want := []fyne.Focusable{before, mute, hangup, after}; !equalFocus(order, want) {
		t.Errorf("Tab order %v, want Before, Mute, Hang up, After (Devices disabled)", names(order))
	}
	c.Focus(devices)
	if c.Focused() == fyne.Focusable(devices) {
		t.Error("a disabled round button took the focus")
	}
	test.Tap(devices)
	if pressed["Devices"] != 0 {
		t.Error("a disabled round button was pressed by a click")
	}

	c.Focus(mute)
	typeKey(c, fyne.KeySpace)
	typeKey(c, fyne.KeyReturn)
	typeKey(c, fyne.KeyEnter)
	if pressed["Mute"] != 3 {
		t.Errorf("Space, Return and Enter on the focused Mute pressed it %d times, want 3", pressed["Mute"])
	}
	if c.Focused() != fyne.Focusable(mute) {
		t.Error("pressing Mute from the keyboard moved the focus off it: Space cannot unmute again")
	}
	typeKey(c, fyne.KeyA)
	typeKey(c, fyne.KeyEscape)
	if pressed["Mute"] != 3 || len(windowKeys) != 1 || windowKeys[0] != fyne.KeyEscape {
		t.Errorf("A and Esc on Mute: pressed %d times, the window had %v, want Esc only", pressed["Mute"], windowKeys)
	}

	mute.Hide()
	if c.Focused() != nil {
		t.Error("Mute kept the keyboard focus once hidden, keeping the window's keys from it")
	}
	typeKey(c, fyne.KeyReturn)
	if pressed["Mute"] != 3 || len(windowKeys) != 2 {
		t.Errorf("Enter after Mute hid: pressed %d, window keys %v", pressed["Mute"], windowKeys)
	}
	devices.Enable()
	c.Focus(devices)
	devices.Disable()
	if c.Focused() != nil {
		t.Error("Devices kept the keyboard focus once disabled")
	}
}

// TestRoundButtonSpaceTalks: with push to talk, Space held on a focused
// round button talks while the call is live and does not press it, its
// repeats neither; letting go ends it, and so does Tab while holding it.
// While the call rings (talk declines Space) Space presses the button.
func TestRoundButtonSpaceTalks(t *testing.T) {
	inUI(func() { testRoundButtonSpaceTalks(t) })
}

func testRoundButtonSpaceTalks(t *testing.T) {
	test.NewTempApp(t)
	presses, live, talking := 0, true, false
	b := newRoundButton("Hang up", iconCallEnd, func() color.Color { return hangupColour }, white, func() { presses++ })
	b.talk = func(down bool) bool {
		if down && !live {
			return false
		}
		talking = down
		return true
	}
	other := widget.NewButton("Other", func() {})
	w := test.NewWindow(container.NewHBox(b, other))
	t.Cleanup(w.Close)
	c := w.Canvas()
	c.Focus(b)
	space := &fyne.KeyEvent{Name: fyne.KeySpace}
	b.KeyDown(space)
	b.TypedKey(space)
	b.TypedKey(space) // the key's repeats
	if !talking || presses != 0 {
		t.Errorf("Space held on Hang up: talking %v, pressed %d times", talking, presses)
	}
	b.KeyUp(space)
	if talking {
		t.Error("letting go of Space left the microphone on")
	}
	b.KeyDown(space)
	c.FocusNext()
	if talking {
		t.Error("Tab while holding Space left the microphone on")
	}
	c.Focus(b)
	live = false
	typeKey(c, fyne.KeySpace)
	if presses != 1 || talking {
		t.Errorf("Space while ringing: pressed %d times, talking %v", presses, talking)
	}
}

func equalFocus(a, b []fyne.Focusable) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// names names focused objects for a test's message.
func names(fs []fyne.Focusable) []string {
	var out []string
	for _, f := range fs {
		switch o := f.(type) {
		case *roundButton:
			out = append(out, o.Text)
		case *widget.Button:
			out = append(out, o.Text)
		case *enterButton:
			out = append(out, o.Text)
		default:
			out = append(out, "?")
		}
	}
	return out
}
