package ui

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"

	"github.com/godbus/dbus/v5"
)

// Desktop notifications with actions, over D-Bus
// (org.freedesktop.Notifications), for the incoming call's Accept and
// Decline: Fyne's SendNotification has no actions. Where there is no
// session bus or no notification server, the ringing window (always shown
// and raised) is what the user sees, and the log says why.

const (
	notifyName  = "org.freedesktop.Notifications"
	notifyPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	notifyIface = "org.freedesktop.Notifications"
)

// notifier is a connection to the notification server.
type notifier struct {
	conn    *dbus.Conn
	log     *slog.Logger
	actions bool // the server shows action buttons

	mu       sync.Mutex
	handlers map[uint32]func(action string)
}

var (
	notifierMu sync.Mutex
	// notifiers holds one connection per session bus address; a nil entry
	// means that bus has no notification server (said once in the log).
	notifiers = map[string]*notifier{}
)

// desktopNotifier is the session's notifier, nil when there is none.
func desktopNotifier(log *slog.Logger) *notifier {
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	notifierMu.Lock()
	defer notifierMu.Unlock()
	if n, ok := notifiers[addr]; ok {
		return n
	}
	n, err := connectNotifier(log)
	if err != nil {
		log.Warn("desktop notifications unavailable: an incoming call shows its window only", "err", err)
		n = nil
	}
	notifiers[addr] = n
	return n
}

func connectNotifier(log *slog.Logger) (*notifier, error) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		// godbus would try to start a bus with dbus-launch, which may block.
		return nil, errors.New("no D-Bus session (DBUS_SESSION_BUS_ADDRESS is not set)")
	}
	conn, err := dbus.ConnectSessionBus()
	if err != nil {
		return nil, fmt.Errorf("connect to the session bus: %w", err)
	}
	var caps []string
	if err := conn.Object(notifyName, notifyPath).Call(notifyIface+".GetCapabilities", 0).Store(&caps); err != nil {
		conn.Close()
		return nil, fmt.Errorf("no notification server: %w", err)
	}
	n := &notifier{conn: conn, log: log, actions: slices.Contains(caps, "actions"), handlers: map[uint32]func(string){}}
	if err := conn.AddMatchSignal(dbus.WithMatchObjectPath(notifyPath), dbus.WithMatchInterface(notifyIface)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("listen for notification actions: %w", err)
	}
	ch := make(chan *dbus.Signal, 16)
	conn.Signal(ch)
	go n.listen(ch)
	if !n.actions {
		log.Info("the notification server shows no buttons: Accept and Decline are in the call window")
	}
	return n, nil
}

// notify shows a notification that stays until closed. actions are pairs
// of key and label; on gets the key of the one the user chose ("default"
// for a click on the notification itself).
func (n *notifier) notify(summary, body string, actions []string, on func(action string)) (uint32, error) {
	if !n.actions {
		actions = nil
	}
	hints := map[string]dbus.Variant{
		"urgency":       dbus.MakeVariant(byte(2)), // critical: stays on screen while it rings
		"category":      dbus.MakeVariant("call.incoming"),
		"desktop-entry": dbus.MakeVariant("tgphone"),
	}
	var id uint32
	err := n.conn.Object(notifyName, notifyPath).Call(notifyIface+".Notify", 0,
		"tgphone", uint32(0), "call-start", summary, body, actions, hints, int32(0)).Store(&id)
	if err != nil {
		return 0, fmt.Errorf("notify: %w", err)
	}
	n.mu.Lock()
	n.handlers[id] = on
	n.mu.Unlock()
	return id, nil
}

// close takes the notification down.
func (n *notifier) close(id uint32) {
	n.mu.Lock()
	delete(n.handlers, id)
	n.mu.Unlock()
	if err := n.conn.Object(notifyName, notifyPath).Call(notifyIface+".CloseNotification", 0, id).Err; err != nil {
		n.log.Debug("close notification", "id", id, "err", err)
	}
}

// listen runs the handlers of chosen actions.
func (n *notifier) listen(ch <-chan *dbus.Signal) {
	for sig := range ch {
		switch sig.Name {
		case notifyIface + ".ActionInvoked":
			var id uint32
			var action string
			if err := dbus.Store(sig.Body, &id, &action); err != nil {
				continue
			}
			n.mu.Lock()
			h := n.handlers[id]
			n.mu.Unlock()
			if h != nil {
				h(action)
			}
		case notifyIface + ".NotificationClosed":
			var id, reason uint32
			if err := dbus.Store(sig.Body, &id, &reason); err == nil {
				n.mu.Lock()
				delete(n.handlers, id)
				n.mu.Unlock()
			}
		}
	}
}
