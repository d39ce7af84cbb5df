package ui

import (
	"net/url"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Enter on a focused button. Fyne's button takes only Space; desktop
// softphones and GTK, Qt and Windows buttons are pressed by Enter (Return
// or the keypad's Enter) as well, so every button tgphone builds
// (enterButton, primaryButton, escButton, callButton, roundButton; the
// dialogs' too, showErrorOn's for Fyne's error dialog) takes both, and
// so does a link (enterLink). The window's own Enter (dial, save, accept,
// yes) is reached as before with no button focused: Fyne gives a key to
// the focused widget only.

// keyPresses presses b when k is Space, Return or the keypad's Enter and
// tells whether it was one of them. A disabled or hidden button (Fyne
// leaves the focus on one) takes the key and does nothing; Fyne's pressed
// a hidden one on Space.
func keyPresses(b *widget.Button, k *fyne.KeyEvent) bool {
	if k.Name != fyne.KeySpace && k.Name != fyne.KeyReturn && k.Name != fyne.KeyEnter {
		return false
	}
	if !b.Disabled() && b.Visible() {
		b.Tapped(nil) // as Fyne's Space does: the tap, and the focus dropped
	}
	return true
}

// enterButton is a widget.Button that Enter presses too.
type enterButton struct{ widget.Button }

func newButton(text string, tapped func()) *enterButton {
	return newButtonWithIcon(text, nil, tapped)
}

func newButtonWithIcon(text string, icon fyne.Resource, tapped func()) *enterButton {
	b := &enterButton{}
	b.Text, b.Icon, b.OnTapped = shown(text), icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *enterButton) TypedKey(k *fyne.KeyEvent) {
	if !keyPresses(&b.Button, k) {
		b.Button.TypedKey(k)
	}
}

// enterLink is a widget.Hyperlink that Enter follows too, as Space does
// (and as Enter follows a link in a browser); Fyne's takes Space only.
type enterLink struct{ widget.Hyperlink }

func newLink(text string, u *url.URL) *enterLink {
	l := &enterLink{}
	l.Text, l.URL = text, u
	l.ExtendBaseWidget(l)
	return l
}

func (l *enterLink) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyReturn || k.Name == fyne.KeyEnter {
		k = &fyne.KeyEvent{Name: fyne.KeySpace, Physical: k.Physical}
	}
	l.Hyperlink.TypedKey(k)
}

// showErrorOn shows err as one sentence in a dialog over w: Fyne's error
// dialog (title, icon, the first letter capital) with an enterButton for
// its OK, Fyne's own taking Space only, and its two words from tgphone's
// catalogue, in the language tgphone shows. Its text is a wrapLabel, so a
// right-to-left sentence reads in order too.
func showErrorOn(w fyne.Window, err error) {
	text := err.Error()
	if r, size := utf8.DecodeRuneInString(text); r != utf8.RuneError {
		text = string(unicode.ToUpper(r)) + text[size:]
	}
	var d *dialog.CustomDialog
	ok := newButton(tr("common.ok"), func() { d.Hide() })
	label := wrapped(text)
	d = dialog.NewCustomWithoutButtons(shown(tr("common.error")), label, w)
	d.SetIcon(theme.ErrorIcon())
	d.SetButtons([]fyne.CanvasObject{ok})
	// As wide as the sentence on one line, up to 600 and to nine tenths of
	// the window, as Fyne's text dialogs are (its createBeforeShowHook;
	// 32 is its dialog's padWidth): a custom dialog is as narrow as its
	// content allows, and a wrapping label allows a word a line. The label
	// is laid out at its width first, so that the dialog's height is that
	// of its lines there, not of a word a line.
	const padWidth = 32
	oneLine := widget.NewLabel(text).MinSize().Width
	width := min(oneLine+padWidth+2*theme.Padding(), 600, w.Canvas().Size().Width*0.9)
	label.Resize(fyne.NewSize(min(oneLine, width-padWidth-2*theme.Padding()), label.MinSize().Height))
	d.Resize(fyne.NewSize(width, d.MinSize().Height))
	d.Show()
}
