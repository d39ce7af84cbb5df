package ui

import (
	"errors"
	"slices"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestEnterPressesButtons: Return and the keypad's Enter press every kind
// of button tgphone builds, as Space does, once each, and not the window's
// own Enter; a disabled or hidden button that kept the focus does
// nothing (Fyne's pressed a hidden one on Space); Esc still goes to the window from the buttons that hand it on.
// Before, Fyne's buttons took Space only and dropped Enter.
func TestEnterPressesButtons(t *testing.T) {
	inUI(func() { testEnterPressesButtons(t) })
}

type keyButton interface {
	fyne.Focusable
	fyne.CanvasObject
}

func testEnterPressesButtons(t *testing.T) {
	test.NewTempApp(t)
	kinds := []struct {
		name string
		make func(tapped func()) keyButton
		esc  bool // hands Esc to the window
	}{
		{"newButton", func(f func()) keyButton { return newButton("Plain", f) }, false},
		{"newButtonWithIcon", func(f func()) keyButton { return newButtonWithIcon("Icon", theme.FileTextIcon(), f) }, false},
		{"primaryButton", func(f func()) keyButton { return newPrimaryButton("Primary", f) }, true},
		{"escButton", func(f func()) keyButton { return newEscButtonWithIcon("Esc", nil, f) }, true},
		{"callButton", func(f func()) keyButton { return newCallButton("Record", nil, f) }, false},
		{"roundButton", func(f func()) keyButton { return newRoundButton("Mute", iconMic, neutralColour, white, f) }, true},
	}
	keys := []struct {
		key     fyne.KeyName
		presses int
	}{
		{fyne.KeyReturn, 1},
		{fyne.KeyEnter, 1},
		{fyne.KeySpace, 1},
		{fyne.KeyEscape, 0},
		{fyne.KeyA, 0},
	}
	states := []string{"enabled", "disabled", "hidden"}
	for _, kind := range kinds {
		for _, k := range keys {
			for _, state := range states {
				presses := 0
				b := kind.make(func() { presses++ })
				w := test.NewWindow(container.NewVBox(b, newButton("Other", func() { t.Errorf("%s: the other button pressed", kind.name) })))
				var windowKeys []fyne.KeyName
				w.Canvas().SetOnTypedKey(func(e *fyne.KeyEvent) { windowKeys = append(windowKeys, e.Name) })
				c := w.Canvas()
				c.Focus(b)
				if c.Focused() != fyne.Focusable(b) {
					t.Fatalf("%s did not take the focus", kind.name)
				}
				// As Fyne leaves it: the focus stays on a button disabled or
				// hidden behind its back (the widget's own Disable and Hide
				// give it up, and are tested with the call window).
				switch state {
				case "disabled":
					forceDisabled(b)
				case "hidden":
					forceHidden(b)
				}
				typeKey(c, k.key)
				want := k.presses
				if state != "enabled" {
					want = 0
				}
				if presses != want {
					t.Errorf("%s %s, %s: pressed %d times, want %d", state, kind.name, k.key, presses, want)
				}
				wantWindow := 0
				if k.key == fyne.KeyEscape && kind.esc {
					wantWindow = 1
				}
				if len(windowKeys) != wantWindow {
					t.Errorf("%s %s, %s: the window saw %q", state, kind.name, k.key, windowKeys)
				}
				w.Close()
			}
		}
	}
}

// forceDisabled and forceHidden disable and hide b as a change from
// elsewhere does (a parent's Hide, a field set before a Refresh), keeping
// the focus on it, unlike the buttons' own Disable and Hide.
func forceDisabled(b keyButton) {
	switch b := b.(type) {
	case *enterButton:
		b.Button.Disable()
	case *primaryButton:
		b.Button.Disable()
	case *escButton:
		b.Button.Disable()
	case *callButton:
		b.Button.Disable()
	case *roundButton:
		b.DisableableWidget.Disable()
	}
}

func forceHidden(b keyButton) {
	switch b := b.(type) {
	case *enterButton:
		b.Button.Hide()
	case *primaryButton:
		b.Button.Hide()
	case *escButton:
		b.Button.Hide()
	case *callButton:
		b.Button.Hide()
	case *roundButton:
		b.DisableableWidget.Hide()
	}
}

// TestEnterFollowsLink: Return and the keypad's Enter follow a focused
// link (the sign-in's QR login link, Fragment's), as Space does; other
// keys do not.
func TestEnterFollowsLink(t *testing.T) {
	inUI(func() {
		test.NewTempApp(t)
		followed := 0
		l := newLink("tg://login?token=x", nil)
		l.OnTapped = func() { followed++ }
		w := test.NewWindow(container.NewVBox(l))
		defer w.Close()
		for _, k := range []struct {
			key  fyne.KeyName
			want int
		}{{fyne.KeyReturn, 1}, {fyne.KeyEnter, 1}, {fyne.KeySpace, 1}, {fyne.KeyA, 0}, {fyne.KeyEscape, 0}} {
			followed = 0
			w.Canvas().Focus(l)
			typeKey(w.Canvas(), k.key)
			if followed != k.want {
				t.Errorf("%s on the link: followed %d times, want %d", k.key, followed, k.want)
			}
		}
	})
}

// TestEnterHoldsTalkButton: Enter held on the focused push-to-talk button
// talks while held, as Space does, instead of a click that did nothing.
func TestEnterHoldsTalkButton(t *testing.T) {
	inUI(func() {
		test.NewTempApp(t)
		var holds []bool
		b := newHoldButton("Hold to talk", func(down bool) { holds = append(holds, down) })
		w := test.NewWindow(container.NewVBox(b))
		defer w.Close()
		w.Canvas().Focus(b)
		for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
			holds = nil
			typeKey(w.Canvas(), k)
			if len(holds) != 2 || !holds[0] || holds[1] || w.Canvas().Focused() != fyne.Focusable(b) {
				t.Errorf("%s on the talk button: held %v, focus kept %v", k, holds, w.Canvas().Focused() == fyne.Focusable(b))
			}
		}
	})
}

// TestErrorDialogEnter: the error dialog's OK, focused, closes it on Enter
// (Fyne's took Space only); its text starts with a capital and stands on
// one line when it fits, as Fyne's did.
func TestErrorDialogEnter(t *testing.T) {
	inUI(func() {
		test.NewTempApp(t)
		w := test.NewWindow(container.NewVBox(newButton("Behind", nil)))
		defer w.Close()
		w.Resize(fyne.NewSize(400, 300))
		showErrorOn(w, errors.New("could not call Bob"))
		labels, buttons := overlayTexts(w)
		ok := buttons["OK"]
		if ok == nil || !slices.Contains(labels, "Could not call Bob") || !slices.Contains(labels, "Error") {
			t.Fatalf("the error dialog shows %q with buttons %v", labels, buttons)
		}
		var okButton fyne.Focusable
		var text *wrapLabel
		for _, o := range test.LaidOutObjects(w.Canvas().Overlays().Top()) {
			if b, isB := o.(*enterButton); isB && &b.Button == ok {
				okButton = b
			}
			if l, isL := o.(*wrapLabel); isL {
				text = l
			}
		}
		// On one line, as Fyne's error dialog showed it, not a word a line,
		// and OK just under it, not under the height of a word a line.
		if oneLine := widget.NewLabel("Could not call Bob").MinSize().Width; text == nil || text.Size().Width < oneLine {
			t.Fatalf("the error's text is laid out narrower than its %v on one line", oneLine)
		}
		d := fyne.CurrentApp().Driver()
		gap := d.AbsolutePositionForObject(okButton.(fyne.CanvasObject)).Y - d.AbsolutePositionForObject(text).Y - text.MinSize().Height
		if gap > 6*theme.Padding() {
			t.Errorf("OK is %v under the error's text", gap)
		}
		w.Canvas().Focus(okButton)
		typeKey(w.Canvas(), fyne.KeyReturn)
		if w.Canvas().Overlays().Top() != nil {
			t.Error("Enter on OK left the error dialog open")
		}
	})
}

// TestEnterOnDialerKey: Enter on a focused key of the dialer's keypad
// types its digit, as Space does, and does not dial; Enter in the number
// field still dials.
func TestEnterOnDialerKey(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	u := startAppOn(t, test.NewTempApp(t), env, "alice", audio.Config{Input: "silence", Output: "null", Ring: "null"})
	waitFor(t, "signed in", func() bool { return u.me != nil && u.dialer != nil })
	inUI(func() {
		u.tabs.SelectIndex(1) // the Dialer
		var five *enterButton
		for _, o := range test.LaidOutObjects(u.dialer.root) {
			if b, ok := o.(*enterButton); ok && b.Text == "5" {
				five = b
			}
		}
		if five == nil {
			t.Fatal("no key 5 on the dialer")
		}
		c := u.main.Canvas()
		for _, k := range []fyne.KeyName{fyne.KeyReturn, fyne.KeyEnter} {
			c.Focus(five)
			if c.Focused() != fyne.Focusable(five) {
				t.Fatal("the key 5 did not take the focus")
			}
			typeKey(c, k)
		}
		if u.dialer.entry.Text != "55" || len(u.calls) != 0 {
			t.Errorf("Enter twice on the focused 5: the number reads %q, %d calls", u.dialer.entry.Text, len(u.calls))
		}
		u.dialer.entry.SetText("@bob")
		c.Focus(u.dialer.entry)
		typeKey(c, fyne.KeyReturn)
	})
	waitFor(t, "Enter in the number field to dial", func() bool { return len(u.calls) == 1 })
}
