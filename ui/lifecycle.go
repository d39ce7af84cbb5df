package ui

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"fyne.io/fyne/v2"

	"github.com/tgphone/tgphone/calling"
)

// How the app ends. Every way out — closing the main window, the tray's
// Quit, Ctrl+Q, SIGTERM or SIGINT — stops the UI first and only then hangs up
// (Shutdown), so no widget is touched once Fyne's driver has shut GLFW down.
//
// Fyne's desktop driver runs fyne.Do callbacks on its event loop while it
// runs, but once it has stopped it runs them at once on the caller's
// goroutine, and its own SIGINT/SIGTERM handler stops it without asking the
// app. Work that then touches a window panics ("The GLFW library is not
// initialized"). So do checks that the loop still runs it.

// loopGoroutine is the goroutine running Fyne's event loop (set by Run); 0
// when the loop is not ours to check (Fyne's test driver runs fyne.Do on
// the caller's goroutine).
var loopGoroutine atomic.Uint64

// uiMu serialises the app's UI work. Fyne's desktop driver runs fyne.Do
// callbacks and widget events on one goroutine anyway; its test driver runs
// fyne.Do on the caller's goroutine, so headless tests take the same lock
// to stay as serial as the app.
var uiMu sync.Mutex

// do runs f on Fyne's goroutine, unless the app is stopping or stopped.
func (u *UI) do(f func()) {
	if u.stopping.Load() {
		return
	}
	fyne.Do(func() {
		if !onLoop() {
			return // the driver has stopped and runs this on a stranger's goroutine
		}
		uiMu.Lock()
		defer uiMu.Unlock()
		if u.stopping.Load() {
			return
		}
		f()
	})
}

// onLoop tells whether the caller is Fyne's event loop (always, before Run
// or under the test driver).
func onLoop() bool {
	id := loopGoroutine.Load()
	return id == 0 || id == goroutineID()
}

// goroutineID is the running goroutine's number, from the first line of its
// stack trace ("goroutine 1 [running]:"), as Fyne itself finds its main goroutine.
func goroutineID() uint64 {
	var buf [32]byte
	n := runtime.Stack(buf[:], false)
	var id uint64
	for _, c := range buf[len("goroutine "):n] {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}

// Run runs the app's windows until it quits; it must be called from the
// main goroutine. Then call Shutdown.
func (u *UI) Run() {
	loopGoroutine.Store(goroutineID())
	u.app.Run()
	u.stopping.Store(true)
}

// Quit ends the app from any goroutine without asking (SIGTERM and SIGINT:
// nobody may be there to answer); Shutdown then hangs up.
func (u *UI) Quit() {
	fyne.Do(func() {
		if onLoop() {
			u.quit()
		}
	})
}

// requestQuit is the user's quit (main window closed, tray Quit, Ctrl+Q):
// during a call it asks first.
func (u *UI) requestQuit() {
	c := u.liveCall()
	if c == nil {
		u.quit()
		return
	}
	if u.quitAsk != nil {
		return // already asking
	}
	s := c.Snapshot()
	title, question, yes := tr("quit.call_title"), tr("quit.call_question", "Name", nameOf(s.Peer)), tr("quit.call_yes")
	if !s.Outgoing && s.State == calling.StateRinging {
		title, question, yes = tr("quit.ring_title"), tr("quit.ring_question", "Name", nameOf(s.Peer)), tr("quit.ring_yes")
	}
	d := newConfirm(title, question, yes, tr("quit.stay"), func(ok bool) {
		u.quitAsk = nil
		if ok {
			u.quit()
		}
	}, u.main)
	u.quitAsk = d
	u.main.Show()
	u.main.RequestFocus()
	d.Show()
}

// liveCall is the call in progress on any account, if any (one at a time:
// the accounts share a calling.Line).
func (u *UI) liveCall() *calling.Call {
	for _, s := range u.accounts {
		if c := s.ownCall(); c != nil {
			return c
		}
	}
	return nil
}

// ownCall is the account's call in progress, if any.
func (s *session) ownCall() *calling.Call {
	if s.mgr == nil {
		return nil
	}
	return s.mgr.Live()
}

// quit stops the UI, on Fyne's goroutine; from here on no UI work runs.
func (u *UI) quit() {
	if u.stopping.Swap(true) {
		return
	}
	u.log.Info("quitting")
	u.app.Quit()
}

// Shutdown, after Run, ends what the windows leave behind: the call in
// progress is hung up and waited for (phone.discardCall answered, or the
// hang-up timeout passed), the ringer's device is released and the
// connection of every account is closed. ctx bounds the wait.
func (u *UI) Shutdown(ctx context.Context) error {
	u.stopping.Store(true)
	uiMu.Lock()
	c := u.liveCall()
	ring := u.ring
	accounts := slices.Clone(u.accounts)
	uiMu.Unlock()
	var err error
	if c != nil {
		s := c.Snapshot()
		u.log.Info("hanging up before quitting", "call_id", s.ID, "state", s.State)
		c.Hangup()
		select {
		case <-c.Done():
			u.log.Info("hung up", "call_id", s.ID, "state", c.Snapshot().State)
		case <-ctx.Done():
			err = fmt.Errorf("hang up call %d: %w", s.ID, ctx.Err())
		}
	}
	uiMu.Lock()
	ring.stop()
	uiMu.Unlock()
	for _, s := range accounts {
		if serr := s.stop(ctx); serr != nil && err == nil {
			err = serr
		}
	}
	return err
}

// quitItem is the tray's Quit, marked so Fyne adds no Quit of its own (which
// would stop the driver without hanging up).
func quitItem(f func()) *fyne.MenuItem {
	it := fyne.NewMenuItem(tr("common.quit"), f)
	it.IsQuit = true
	return it
}

// prepareApp readies a for tgphone's windows: the icon, appTheme, and no
// "stopped" callback for Fyne's loop to queue as it ends. Fyne 2.8.1's
// loop queues those to its lifecycle goroutine while it closes its own
// function queue; that goroutine can find the queue still open, then send
// to it once closed ("panic: send on closed channel" after a clean quit,
// seen once in ten quits at load average 10). The only such callback is
// Fyne's own flush of its preferences store, which tgphone does not use
// (its settings are its own files), so none is left; nothing here may
// call SetOnStopped. TestNoStoppedHook checks it.
func prepareApp(a fyne.App) {
	if a.Icon() == nil {
		a.SetIcon(appIcon)
	}
	useAppTheme(a)
	if l, ok := a.Lifecycle().(interface{ SetOnStoppedHookExecuted(func()) }); ok {
		l.SetOnStoppedHookExecuted(nil)
	}
}
