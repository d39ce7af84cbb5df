package ui

import (
	"context"
	"fmt"
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
		return "there is no D-Bus session"
	}
	defer conn.Close()
	if err := conn.Auth(nil); err != nil {
		return "the D-Bus session refused tgphone"
	}
	if err := conn.Hello(); err != nil {
		return "the D-Bus session refused tgphone"
	}
	var owned bool
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, trayWatcher).Store(&owned); err != nil {
		return fmt.Sprintf("the D-Bus session did not answer (%v)", err)
	}
	if !owned {
		return "the desktop has no system tray"
	}
	return ""
}

// trayHint is the sentence Settings shows when there is no tray.
func trayHint(problem string) string {
	return "No tray icon: " + problem + ". tgphone lives in its main window; closing it quits tgphone."
}
