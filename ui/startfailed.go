package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// StartFailed shows why tgphone cannot start, in a window of its own (an
// app started from a menu has no terminal to read), and returns once the
// user has closed it. It must be called from the main goroutine.
func StartFailed(a fyne.App, title, sentence string) {
	if a.Icon() == nil {
		a.SetIcon(appIcon)
	}
	w := a.NewWindow("tgphone: " + strings.ToLower(title[:1]) + title[1:])
	heading := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	text := widget.NewLabel(sentence)
	text.Wrapping = fyne.TextWrapWord
	quit := widget.NewButton(tr("common.quit"), w.Close)
	quit.Importance = widget.HighImportance
	w.SetContent(container.NewPadded(container.NewBorder(heading, container.NewHBox(layout.NewSpacer(), quit), nil, nil, text)))
	w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch k.Name {
		case fyne.KeyEscape, fyne.KeyReturn, fyne.KeyEnter:
			w.Close()
		}
	})
	w.Resize(fyne.NewSize(460, 200))
	w.SetMaster()
	w.ShowAndRun()
}
