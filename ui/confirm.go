package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
)

// confirmDialog is a yes-or-no question over a window, as Fyne's
// dialog.NewConfirm, but its yes is a primaryButton: Fyne's own showed the
// keyboard focus on it 1.79:1 (light) and 1.07:1 (dark) from unfocused
// (issue 17 item 15, TestFocusContrast). Its question is a wrapLabel, so a
// right-to-left one reads in order over several lines too.
type confirmDialog struct {
	*dialog.CustomDialog
	yes      *primaryButton
	no       *escButton
	callback func(bool)
	answered bool
}

// newConfirm asks question, titled title, over parent, with the answers
// yes and no; callback is told the answer once: true for yes, false for
// no, Esc or Hide.
func newConfirm(title, question, yes, no string, callback func(bool), parent fyne.Window) *confirmDialog {
	d := &confirmDialog{callback: callback}
	d.no = newEscButtonWithIcon(no, theme.CancelIcon(), d.Hide)
	d.yes = newPrimaryButtonWithIcon(yes, theme.ConfirmIcon(), d.Confirm)
	d.CustomDialog = dialog.NewCustomWithoutButtons(shown(title), wrapped(question), parent)
	d.SetButtons([]fyne.CanvasObject{d.no, d.yes})
	d.SetOnClosed(func() { d.answer(false) })
	return d
}

// answer tells the callback, once.
func (d *confirmDialog) answer(ok bool) {
	if d.answered {
		return
	}
	d.answered = true
	if d.callback != nil {
		d.callback(ok)
	}
}

// Confirm closes the question, then answers yes (as Fyne's does: the
// answer may quit the app).
func (d *confirmDialog) Confirm() {
	if d.answered {
		return
	}
	d.answered = true // closing says no
	d.CustomDialog.Hide()
	if d.callback != nil {
		d.callback(true)
	}
}

// Hide closes the question, which answers no unless answered.
func (d *confirmDialog) Hide() { d.CustomDialog.Hide() }
