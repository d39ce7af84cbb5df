package ui

import (
	"context"
	"time"

	"github.com/godbus/dbus/v5"
)

// On Linux the tray is a StatusNotifierItem over the session D-Bus. Without
// a session bus, or with no tray host on it (Xvfb, many tiling window
// managers), Fyne's tray fails with a line on stderr nobody reads, and the
// user, who then has no tray icon, is not told why. trayProblem finds
// that out; the app logs it and Settings says it.

// trayWatcher is the D-Bus name a tray host (StatusNotifierWatcher) owns.
const trayWatcher = "org.kde.StatusNotifierWatcher"

// trayProblem is why no tray icon can be shown here, "" when one can.
func trayProblem(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	// NoAutoStartup: starting a bus of our own would show the icon to no one.
	conn, err := dbus.SessionBusPrivateNoAutoStartup(dbus.WithContext(ctx))
	if err != nil {
		return tr("tray.no_dbus")
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return tr("tray.refused")
	}
	if err := conn.Hello(); err != nil {
		return tr("tray.refused")
	}
	var owned bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, trayWatcher).Store(&owned); err != nil {
		return tr("tray.no_answer", "Err", err.Error())
	}
	if !owned {
		return tr("tray.no_tray")
	}
	return ""
}

// trayHint is the sentence Settings shows when there is no tray.
func trayHint(problem string) string {
	return tr("tray.notice", "Problem", problem)
}
