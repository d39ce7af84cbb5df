package ui

import (
	"errors"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/internal/userdirs"
)

// recordView is a call window's Record control: the button, a red
// "Recording 0:12" indicator while the file is written, where the last
// recording went, and the consent reminder asked before recording starts.
type recordView struct {
	widget.BaseWidget
	u *UI
	c *calling.Call

	button    *callButton
	indicator *widget.Label
	saved     *wrapLabel
	ask       *confirmDialog // the reminder, while shown
	last      calling.Snapshot
	box       *fyne.Container
}

// recordControl is the Record button, indicator and reminder for call c.
// It follows the call by itself until the call ends.
func (u *UI) recordControl(c *calling.Call) *recordView {
	r := &recordView{u: u, c: c}
	r.button = newCallButton(tr("record.button"), theme.MediaRecordIcon(), r.tapped)
	r.button.Importance = widget.DangerImportance
	r.indicator = newLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	r.indicator.Importance = widget.DangerImportance
	r.indicator.Hide()
	r.saved = newWrapLabel("")
	r.saved.Alignment = fyne.TextAlignCenter
	r.saved.SizeName = theme.SizeNameCaptionText
	r.saved.Hide()
	r.box = container.NewVBox(container.NewCenter(r.button), r.indicator, r.saved)
	r.ExtendBaseWidget(r)
	r.render(c.Snapshot())
	go r.watch()
	return r
}

func (r *recordView) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(r.box)
}

// watch refreshes the control twice a second (the indicator counts
// seconds) until the call ends; the end stops the recording in calling.
func (r *recordView) watch() {
	t := time.NewTicker(500 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-r.c.Done():
			s := r.c.Snapshot()
			r.u.do(func() { r.render(s) })
			return
		case <-t.C:
			s := r.c.Snapshot()
			r.u.do(func() { r.render(s) })
		}
	}
}

// render shows s; it runs on the UI goroutine.
func (r *recordView) render(s calling.Snapshot) {
	r.last = s
	rec := s.Recording
	switch {
	case rec.Active:
		setText(r.button, tr("record.stop"))
		r.button.SetIcon(theme.MediaStopIcon())
		r.button.Show()
		setText(r.indicator, tr("record.indicator", "Duration", formatDuration(time.Since(rec.Started))))
		r.indicator.Show()
	default:
		setText(r.button, tr("record.button"))
		r.button.SetIcon(theme.MediaRecordIcon())
		// Only a call in progress can be recorded: while it rings or
		// after it ended the button would be clutter.
		if s.State == calling.StateActive {
			r.button.Show()
		} else {
			setVisible(r.button, false)
		}
		r.indicator.Hide()
	}
	switch {
	case rec.Err != nil:
		setText(r.saved, tr("record.failed", "Err", errDetail(rec.Err)))
		r.saved.Importance = widget.DangerImportance
		r.saved.Show()
	case rec.Path != "" && !rec.Active:
		setText(r.saved, tr("record.saved", "File", filepath.Base(rec.Path)))
		r.saved.Importance = widget.LowImportance
		r.saved.Show()
	default:
		r.saved.Hide()
	}
	if s.State.Terminal() && r.ask != nil {
		r.ask.Hide() // nothing left to record
		r.ask = nil
	}
}

func (r *recordView) tapped() {
	if r.last.Recording.Active {
		go func() {
			err := r.c.StopRecording() // waits for the file to be written
			s := r.c.Snapshot()
			r.u.do(func() {
				r.render(s)
				if err != nil {
					r.u.log.Warn("stop recording", "err", err)
				}
			})
		}()
		return
	}
	if r.ask != nil {
		return
	}
	peer := nameOf(r.last.Peer)
	r.ask = newConfirm(tr("record.ask_title"), tr("record.ask_body", "Name", peer, "Dir", recordingsDir()),
		tr("record.button"), tr("common.cancel"), r.answer, r.window())
	r.ask.Show()
}

// answer is the reminder's outcome: ok starts recording.
func (r *recordView) answer(ok bool) {
	r.ask = nil
	if !ok {
		return
	}
	dir := recordingsDir()
	go func() {
		_, err := r.c.StartRecording(dir)
		s := r.c.Snapshot()
		r.u.do(func() {
			r.render(s)
			if err != nil {
				r.u.log.Warn("start recording", "err", err)
				if s.Recording.Err == nil { // calling keeps only errors from the audio side
					setText(r.saved, recordError(err))
					r.saved.Importance = widget.DangerImportance
					r.saved.Show()
				}
			}
		})
	}()
}

// window is the window showing the control, for its dialog.
func (r *recordView) window() fyne.Window {
	if cv := r.u.app.Driver().CanvasForObject(r); cv != nil {
		for _, w := range r.u.app.Driver().AllWindows() {
			if w.Canvas() == cv {
				return w
			}
		}
	}
	return r.u.main
}

// recordingsDir is where recordings go: the user's Music folder, else
// Documents (userdirs.Music).
func recordingsDir() string { return userdirs.DefaultMusic() }

// recordError says why a recording could not start.
func recordError(err error) string {
	if errors.Is(err, calling.ErrNoAudio) {
		return tr("record.no_audio")
	}
	return tr("record.cannot", "Err", errDetail(err))
}
