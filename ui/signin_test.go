package ui

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// drawn tells whether o is laid out and visible in w's window content.
func drawn(w fyne.Window, o fyne.CanvasObject) bool {
	return slices.Contains(test.LaidOutObjects(w.Content()), o) && o.Visible()
}

// button is the button labelled text in w's content, or nil.
func button(w fyne.Window, text string) *widget.Button {
	for _, o := range test.LaidOutObjects(w.Content()) {
		if b, ok := o.(*enterButton); ok && b.Text == text && b.Visible() {
			return &b.Button
		}
	}
	return nil
}

// below fails unless lower starts where upper ends or further down: one
// drawn over the other is what the user saw.
func below(t *testing.T, what string, upper, lower fyne.CanvasObject) {
	t.Helper()
	d := fyne.CurrentApp().Driver()
	u, l := d.AbsolutePositionForObject(upper), d.AbsolutePositionForObject(lower)
	if u.Y+upper.Size().Height > l.Y+0.5 {
		t.Errorf("%s: the upper one ends at y=%.0f, the lower starts at y=%.0f", what, u.Y+upper.Size().Height, l.Y)
	}
	if lower.Size().Height+0.5 < lower.MinSize().Height {
		t.Errorf("%s: the lower one is %.0f high, it needs %.0f", what, lower.Size().Height, lower.MinSize().Height)
	}
}

// TestSignInPasswordLayout: Carol's two-step password step lays the view
// out again, so "Check password" is not half covered by the QR button and a
// wrong password's sentence is not drawn over the button.
func TestSignInPasswordLayout(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	waitFor(t, "the sign-in window", func() bool { return u.signIn != nil })
	v := u.signIn
	phone, _ := sandbox.DemoPhone("carol")
	inUI(func() {
		test.Type(v.phone, "+"+phone)
		test.Tap(v.sendCode)
	})
	waitFor(t, "the code step", func() bool { return v.stage == "code" && v.code.Text != "" })
	inUI(func() { test.Tap(v.submit) })
	waitFor(t, "the password step", func() bool { return v.stage == "password" })
	inUI(func() {
		if !drawn(u.main, v.password) || !drawn(u.main, v.submit) {
			t.Fatal("the password step is not shown")
		}
		below(t, "password field and Check password", v.password, v.submit)
		below(t, "Check password and the message", v.submit, v.message)
		below(t, "the message and the QR button", v.message, v.qr)
		test.Type(v.password, "wrong password")
		test.Tap(v.submit)
	})
	waitFor(t, "the wrong-password sentence", func() bool { return v.message.Text == "That password is not correct." })
	inUI(func() {
		below(t, "Check password and the wrong-password sentence", v.submit, v.message)
		below(t, "the sentence and the QR button", v.message, v.qr)
		// The window's shortcuts work from the password field, which still
		// has its show-password button.
		u.main.Canvas().Focus(v.password)
		typeShortcut(t, u.main, fyne.KeyComma)
		if u.settingsWin == nil {
			t.Error("Ctrl+, from the password field opened no Settings")
		} else {
			u.settingsWin.w.Close()
		}
		if reveal, ok := v.password.ActionItem.(fyne.Tappable); !ok {
			t.Error("the password field has no show-password button")
		} else {
			test.Tap(reveal)
			if v.password.Password {
				t.Error("the show-password button did not show the password")
			}
			test.Tap(reveal)
		}
		v.password.SetText("sandbox-2fa")
		test.Tap(v.submit)
	})
	waitFor(t, "signed in as carol", func() bool { return u.me != nil && u.me.Username == "carol" })
}

func TestValidPhone(t *testing.T) {
	for s, want := range map[string]bool{
		"12345": false, "+12345": false, "+1234567": false, "": false, "+": false, "+44 abc": false,
		"+1 2345678": true, "+44 7700 900123": true, "+9996620001": true, "9996620001": true,
		"+1 (555) 010-0100": true, "+1234567890123456": false, "++44 7700 900123": false,
	} {
		if got := validPhone(s); got != want {
			t.Errorf("validPhone(%q) = %v", s, got)
		}
	}
}

// TestSignInRefusesShortNumber: "12345" is not sent to the server as a
// phone number; the window asks for the whole number.
func TestSignInRefusesShortNumber(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	waitFor(t, "the sign-in window", func() bool { return u.signIn != nil })
	v := u.signIn
	inUI(func() {
		test.Type(v.phone, "12345")
		test.Tap(v.sendCode)
		if v.stage != "phone" || !strings.HasPrefix(v.message.Text, "Enter the whole number with its country code") {
			t.Errorf("12345: stage %q, message %q", v.stage, v.message.Text)
		}
		if !v.sendCode.Disabled() && u.main.Canvas().Focused() != v.phone {
			t.Error("the focus is not back on the number")
		}
	})
}

// TestQRGoneAfterPhone: switching from the QR code back to the phone number
// (the same button, or a demo account) takes the code away.
func TestQRGoneAfterPhone(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	waitFor(t, "the sign-in window", func() bool { return u.signIn != nil })
	v := u.signIn
	qrShown := func() bool { return drawn(u.main, v.qrCode) && v.qrCode.Image != nil }
	inUI(func() { test.Tap(v.qr) })
	waitFor(t, "the QR code", qrShown)
	inUI(func() {
		if v.qr.Text != phoneButtonText() || drawn(u.main, v.sendCode) {
			t.Errorf("with the QR code: button %q, Send code shown %v", v.qr.Text, drawn(u.main, v.sendCode))
		}
		test.Tap(v.qr)
		if qrShown() || drawn(u.main, v.qrLink) || !drawn(u.main, v.phone) || v.qr.Text != qrButtonText() {
			t.Errorf("back to the phone: QR %v, link %v, phone %v, button %q", qrShown(), drawn(u.main, v.qrLink), drawn(u.main, v.phone), v.qr.Text)
		}
		test.Tap(v.qr)
	})
	waitFor(t, "the QR code again", qrShown)
	inUI(func() { test.Tap(button(u.main, "alice")) }) // a demo account: phone sign-in
	waitFor(t, "the code step", func() bool { return v.stage == "code" })
	inUI(func() {
		if qrShown() || drawn(u.main, v.qrLink) {
			t.Error("the QR code stays after a demo account was chosen")
		}
	})
}

// TestSignOutAsks: Sign out asks first; Esc keeps the account, "Sign out"
// signs out.
func TestSignOutAsks(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	u := startAppOn(t, test.NewTempApp(t), env, "alice", audio.Config{Input: "silence", Output: "null", Ring: "null"})
	waitFor(t, "signed in", func() bool { return u.me != nil && u.contacts != nil })
	inUI(func() {
		b := button(u.main, "Sign out")
		if b == nil {
			t.Fatal("no Sign out button")
		}
		test.Tap(b)
		if u.me == nil || u.signOutAsk == nil {
			t.Fatalf("Sign out: signed in %v, asked %v", u.me != nil, u.signOutAsk != nil)
		}
		labels, _ := overlayTexts(u.main)
		if !slices.Contains(labels, "You will need a login code to sign in again.") {
			t.Errorf("the question says %q", labels)
		}
		u.main.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if u.me == nil || u.signOutAsk != nil || u.main.Canvas().Overlays().Top() != nil {
			t.Errorf("Esc: signed in %v, still asking %v", u.me != nil, u.signOutAsk != nil)
		}
		test.Tap(b)
		_, buttons := overlayTexts(u.main)
		if buttons["Sign out"] == nil {
			t.Fatalf("no Sign out in the question: %v", buttons)
		}
		test.Tap(buttons["Sign out"])
	})
	waitFor(t, "signed out", func() bool { return u.me == nil && u.signIn != nil })
}
