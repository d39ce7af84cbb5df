package ui

import (
	"go/ast"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"

	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestOneSettingsWindow: Settings (button, Ctrl+, or the tray) brings the
// open window forward instead of opening a second one, whose Save would
// silently undo the first's.
func TestOneSettingsWindow(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	count := func() int {
		n := 0
		for _, w := range u.app.Driver().AllWindows() {
			if w.Title() == "tgphone settings" {
				n++
			}
		}
		return n
	}
	inUI(func() {
		a := u.openSettings()
		u.showSettings()
		if b := u.openSettings(); b != a || count() != 1 {
			t.Errorf("%d settings windows open", count())
		}
		a.w.Close()
		if count() != 0 || u.settingsWin != nil {
			t.Errorf("after Close: %d settings windows", count())
		}
		if holds(a.w.Content(), a.message) {
			t.Error("the closed settings window's canvas still holds its content")
		}
		if c := u.openSettings(); c == a || count() != 1 {
			t.Errorf("reopening: %d settings windows, the closed one back %v", count(), c == a)
		}
	})
}

// TestCallTitleAfterAnswer: the call window says "Incoming call from Bob"
// while it rings and "Call with Bob" once answered.
func TestCallTitleAfterAnswer(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", false)
	u := startApp(t, env)
	signInAlice(t, u)
	out := bob.dial(t, "@alice")
	v := callWindow(t, u)
	waitFor(t, "the ringing window", func() bool { return v.last.State == calling.StateRinging && v.accept.Visible() })
	inUI(func() {
		if got := v.w.Title(); got != "Incoming call from Bob Baker" {
			t.Errorf("ringing window titled %q", got)
		}
		test.Tap(v.accept)
	})
	waitFor(t, "the call to be answered", func() bool { return v.last.State != calling.StateRinging })
	inUI(func() {
		if got := v.w.Title(); got != "Call with Bob Baker" {
			t.Errorf("answered call's window titled %q", got)
		}
	})
	out.Hangup()
	waitFor(t, "the end", func() bool { return v.last.State.Terminal() })
}

// TestShortcutsFromTextFields: Ctrl+D, Ctrl+R, Ctrl+F and Ctrl+, work
// while a text field has the focus, as it has after start; Ctrl+A still
// selects the field's text.
func TestShortcutsFromTextFields(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	signInAlice(t, u)
	inUI(func() {
		if u.main.Canvas().Focused() != u.contacts.search {
			t.Fatalf("after sign-in the focus is on %T, not the search field", u.main.Canvas().Focused())
		}
		typeShortcut(t, u.main, fyne.KeyD)
		if u.tabs.SelectedIndex() != 1 || u.main.Canvas().Focused() != u.dialer.entry {
			t.Errorf("Ctrl+D from the search field: tab %d", u.tabs.SelectedIndex())
		}
		typeShortcut(t, u.main, fyne.KeyF)
		if u.tabs.SelectedIndex() != 0 || u.main.Canvas().Focused() != u.contacts.search {
			t.Errorf("Ctrl+F from the dialer: tab %d", u.tabs.SelectedIndex())
		}
		typeShortcut(t, u.main, fyne.KeyR)
		if u.tabs.SelectedIndex() != 2 {
			t.Errorf("Ctrl+R from the search field: tab %d", u.tabs.SelectedIndex())
		}
		u.tabs.SelectIndex(0)
		u.main.Canvas().Focus(u.contacts.search)
		typeShortcut(t, u.main, fyne.KeyComma)
		if u.settingsWin == nil {
			t.Error("Ctrl+, from the search field opened no settings")
		}
		u.main.Canvas().Focus(u.contacts.search)
		u.contacts.search.SetText("bob")
		u.main.Canvas().Focused().(fyne.Shortcutable).TypedShortcut(&fyne.ShortcutSelectAll{})
		if got := u.contacts.search.SelectedText(); got != "bob" {
			t.Errorf("Ctrl+A in the search field selected %q", got)
		}
	})
}

// typeShortcut types Ctrl+key (Cmd on macOS) in w as Fyne's desktop
// driver hands it on (glfw window.triggersShortcut): to the focused widget
// when that takes shortcuts, as a text field does, else to the window's
// canvas and the shortcuts added there.
func typeShortcut(t *testing.T, w fyne.Window, key fyne.KeyName) {
	t.Helper()
	s := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
	if f, ok := w.Canvas().Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	canvasShortcut(t, w, s)
}

// Every text field in ui is a keyEntry, so the window's shortcuts work
// while it has the focus: Fyne's own fields keep Ctrl+1, Ctrl+, and the
// rest to themselves and drop them.
func TestTextFieldsAreKeyEntries(t *testing.T) {
	for _, file := range uiSources(t) {
		ast.Inspect(file.ast, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "widget" && strings.HasPrefix(sel.Sel.Name, "New") && strings.HasSuffix(sel.Sel.Name, "Entry") {
				t.Errorf("%s: widget.%s: a field that drops the window's shortcuts; use newEntry or newPasswordEntry", file.fset.Position(sel.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}

// TestEndOfCallShownOnce: a call that ends badly says why once, in a
// wrapping line that does not widen the window, and the window stays with
// Close and Call again (it used to vanish after 5 s).
func TestEndOfCallShownOnce(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	signInAlice(t, u)
	v := dialFromDialer(t, u, "@busy")
	waitFor(t, "the busy end", func() bool { return v.last.State.Terminal() && v.after.Visible() })
	inUI(func() {
		if v.message.Text == "" || v.state.Text == v.message.Text || strings.Contains(v.state.Text, v.message.Text) {
			t.Errorf("state line %q, message %q: the sentence must show once", v.state.Text, v.message.Text)
		}
		if v.message.Wrapping != fyne.TextWrapWord {
			t.Error("the message does not wrap")
		}
		if w := v.w.Content().MinSize().Width; w > 380 {
			t.Errorf("the ended window needs %.0f px across", w)
		}
		if v.closed {
			t.Error("the window closed by itself")
		}
	})
	// Call again: a new window for the same person, this one gone.
	var again *primaryButton
	inUI(func() {
		for _, o := range test.LaidOutObjects(v.after) {
			if b, ok := o.(*primaryButton); ok && b.Text == "Call again" {
				again = b
			}
		}
		test.Tap(again)
	})
	waitFor(t, "the new call window", func() bool {
		for _, cv := range u.calls {
			if cv != v {
				return true
			}
		}
		return false
	})
	inUI(func() {
		if !v.closed {
			t.Error("Call again left the old window open")
		}
	})
	var w *callView
	inUI(func() {
		for _, cv := range u.calls {
			w = cv
		}
	})
	waitFor(t, "the second busy end", func() bool { return w.last.State.Terminal() && w.after.Visible() })
	inUI(func() {
		if w.last.Peer.Username != "busy" {
			t.Errorf("Call again called %q", w.last.Peer.Username)
		}
		for _, o := range test.LaidOutObjects(w.after) {
			if b, ok := o.(*enterButton); ok && b.Text == "Close" {
				test.Tap(b)
			}
		}
		if !w.closed || len(u.calls) != 0 {
			t.Errorf("Close: closed %v, %d call windows", w.closed, len(u.calls))
		}
	})
}

// TestEscAndEnterAnswer: Esc dismisses the click-to-call question and the
// Settings window, Enter says yes to the question and saves Settings.
func TestEscAndEnterAnswer(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	newPeer(t, env, "bob", false)
	u := startApp(t, env)
	signInAlice(t, u)
	key := func(w fyne.Window, k fyne.KeyName) {
		inUI(func() { w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: k}) })
	}
	u.AskToCall("@bob")
	waitFor(t, "the question", func() bool { return u.confirm != nil })
	key(u.main, fyne.KeyEscape)
	inUI(func() {
		if u.confirm != nil || len(u.calls) != 0 || u.main.Canvas().Overlays().Top() != nil {
			t.Errorf("Esc: question %v, dialog %v, %d calls", u.confirm != nil, u.main.Canvas().Overlays().Top() != nil, len(u.calls))
		}
	})
	u.AskToCall("@bob")
	waitFor(t, "the question again", func() bool { return u.confirm != nil })
	key(u.main, fyne.KeyReturn)
	v := callWindow(t, u)
	inUI(v.c.Hangup)

	var s *settingsView
	inUI(func() { s = u.openSettings() })
	key(s.w, fyne.KeyEscape)
	inUI(func() {
		if u.settingsWin != nil {
			t.Error("Esc left Settings open")
		}
		s = u.openSettings()
		s.dnd.SetChecked(true)
	})
	key(s.w, fyne.KeyReturn)
	inUI(func() {
		if u.settingsWin != nil || !u.currentSettings().DoNotDisturb {
			t.Errorf("Enter: open %v, saved %+v", u.settingsWin != nil, u.currentSettings())
		}
	})
}

// TestArrowKeysPickTheContact: typing selects the first match visibly,
// Down and Up move the selection from the search field, and Enter calls
// the row shown selected (it called the first match with nothing shown).
func TestArrowKeysPickTheContact(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	signInAlice(t, u)
	c := u.contacts
	key := func(k fyne.KeyName) { c.search.TypedKey(&fyne.KeyEvent{Name: k}) }
	inUI(func() {
		test.Type(c.search, "b")
		if len(c.shown) < 2 {
			t.Fatalf("'b' matches %d contacts", len(c.shown))
		}
		if c.selected != 0 {
			t.Errorf("after typing, row %d is selected, want the first", c.selected)
		}
		key(fyne.KeyDown)
		key(fyne.KeyDown)
		key(fyne.KeyUp)
		if c.selected != 1 {
			t.Errorf("Down, Down, Up: row %d selected", c.selected)
		}
		if u.main.Canvas().Focused() != c.search || c.search.Text != "b" {
			t.Errorf("the arrows took the focus or changed the text (%q)", c.search.Text)
		}
		c.search.OnSubmitted(c.search.Text) // Enter
	})
	v := callWindow(t, u)
	inUI(func() {
		if v.last.Peer.ID != c.shown[1].ID {
			t.Errorf("Enter called %s, the selected row is %s", v.last.Peer.Name(), c.shown[1].Name())
		}
		v.c.Hangup()
	})
}
