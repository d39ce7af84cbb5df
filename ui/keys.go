package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
)

// The main window's shortcuts (Ctrl+F search, Ctrl+D dialer, Ctrl+R
// recents, Ctrl+, settings, Ctrl+Q quit) must work whatever has the focus.
// Fyne hands a shortcut to the focused widget when it takes shortcuts, as
// a text field does, and a text field drops those it has no use for; so the
// app's text fields are keyEntry, which give the window's back.

// addKey makes Ctrl+key (Cmd on macOS) run f anywhere in the main window.
func (u *UI) addKey(key fyne.KeyName, f func()) {
	sc := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault}
	if u.keys == nil {
		u.keys = map[string]func(){}
	}
	u.keys[sc.ShortcutName()] = f
	u.main.Canvas().AddShortcut(sc, func(fyne.Shortcut) { f() })
}

// windowShortcut runs the main window's shortcut s, if it is one.
func (u *UI) windowShortcut(s fyne.Shortcut) bool {
	if _, ok := s.(*desktop.CustomShortcut); !ok {
		return false // copy, paste, select all…: the field's own
	}
	f, ok := u.keys[s.ShortcutName()]
	if ok {
		f()
	}
	return ok
}

// keyEntry is a text field that leaves the window's shortcuts to the window.
type keyEntry struct {
	widget.Entry
	window func(fyne.Shortcut) bool
	// onKey, when set, sees keys first (Up and Down move a list's selection).
	onKey func(*fyne.KeyEvent) bool
}

// TypedKey offers k to onKey, then to the field.
func (e *keyEntry) TypedKey(k *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(k) {
		return
	}
	e.Entry.TypedKey(k)
}

// newEntry is widget.NewEntry as a keyEntry.
func (u *UI) newEntry() *keyEntry {
	e := &keyEntry{window: u.windowShortcut}
	e.Wrapping = fyne.TextWrap(fyne.TextTruncateClip)
	e.ExtendBaseWidget(e)
	return e
}

// withHint gives e the placeholder hint and has Enter in it call enter
// (nil: Enter does nothing more than the entry itself does); it returns e.
func withHint(e *keyEntry, hint string, enter func()) *keyEntry {
	e.SetPlaceHolder(shown(hint))
	if enter != nil {
		e.OnSubmitted = func(string) { enter() }
	}
	return e
}

// newPasswordEntry is widget.NewPasswordEntry as a keyEntry: Fyne gives a
// password field its show-password button when it draws it.
func (u *UI) newPasswordEntry() *keyEntry {
	e := u.newEntry()
	e.Password = true
	return e
}

// TypedShortcut gives the window its shortcuts and the field the rest.
func (e *keyEntry) TypedShortcut(s fyne.Shortcut) {
	if e.window != nil && e.window(s) {
		return
	}
	e.Entry.TypedShortcut(s)
}

// answerKey answers a question dialog from the keyboard: Esc says no,
// Enter yes.
func answerKey(d *confirmDialog, k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		d.Hide()
	case fyne.KeyReturn, fyne.KeyEnter:
		d.Confirm()
	}
}
