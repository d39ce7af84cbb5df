package ui

import (
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
)

// SandboxStep is the step at which the local sandbox failed to start.
type SandboxStep int

const (
	SandboxDataFolder SandboxStep = iota // its data folder (Path) could not be created
	SandboxLock                          // its data folder (Path) could not be locked
	SandboxSpawn                         // its process could not be started
	SandboxLog                           // its log (Path) could not be written
	SandboxTimeout                       // it did not start within Wait; Path is its log
	SandboxPortTaken                     // another program listens on Listen
	SandboxExited                        // it exited; Path is its log, which says why
	SandboxNoAddress                     // it did not say where it listens; Path is its log
	SandboxBadInfo                       // its sandbox.json in the folder Path does not describe it
)

// SandboxProblem is why the local sandbox could not start, for
// SandboxFailed to word in the user's language.
type SandboxProblem struct {
	Step   SandboxStep
	Path   string
	Listen string
	Wait   time.Duration
}

// sandboxSentence words p in the catalogue's language.
func sandboxSentence(p SandboxProblem) string {
	switch p.Step {
	case SandboxDataFolder:
		return tr("start.sandbox_data_folder", "Path", p.Path)
	case SandboxLock:
		return tr("start.sandbox_lock", "Path", p.Path)
	case SandboxSpawn:
		return tr("start.sandbox_spawn")
	case SandboxLog:
		return tr("start.sandbox_log", "Path", p.Path)
	case SandboxTimeout:
		return tr("start.sandbox_timeout", "Wait", durationWords(p.Wait), "Path", p.Path)
	case SandboxPortTaken:
		return tr("start.sandbox_port_taken", "Listen", p.Listen)
	case SandboxNoAddress:
		return tr("start.sandbox_no_address", "Path", p.Path)
	case SandboxBadInfo:
		return tr("start.sandbox_bad_info", "Path", p.Path)
	}
	return tr("start.sandbox_exited", "Path", p.Path)
}

// SandboxFailed is StartFailed for a sandbox that could not start, in the
// system locale's language (or TGPHONE_LANG's): the Settings choice is
// read only once the app starts.
func SandboxFailed(a fyne.App, p SandboxProblem) {
	StartFailed(a, tr("start.sandbox_title"), sandboxSentence(p))
}

// StartFailed shows why tgphone cannot start, in a window of its own (an
// app started from a menu has no terminal to read), and returns once the
// user has closed it. It must be called from the main goroutine.
func StartFailed(a fyne.App, title, sentence string) {
	prepareApp(a)
	w := a.NewWindow("tgphone: " + lowerFirst(title))
	heading := newLabelWithStyle(title, leadingAlign(), fyne.TextStyle{Bold: true})
	text := newWrapLabel(sentence)
	quit := newPrimaryButton(tr("common.quit"), w.Close)
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
