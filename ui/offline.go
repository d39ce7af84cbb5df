package ui

import (
	"errors"

	"github.com/tgphone/tgphone/account"
)

// While the server is out of reach the header says "Connecting…" (u.offline),
// nothing is dialed, and no contact is shown as online: their last known
// state is all there is, and "online" from before the cut may be false.
// Once back, the contacts are read again with their real states.

// setOnline shows the connection's state; on the UI goroutine.
func (u *session) setOnline(online bool) {
	was := !u.offline.Visible()
	if online {
		u.offline.Hide()
	} else {
		u.offline.Show()
	}
	if u.contacts == nil || u.contacts.all == nil || was == online {
		return
	}
	if online {
		u.contacts.load()
		return
	}
	for i := range u.contacts.all {
		u.contacts.all[i].Presence = account.Presence{}
	}
	u.contacts.filter(u.contacts.search.Text)
}

// isOffline tells whether the server is out of reach now.
func (u *session) isOffline() bool { return u.offline.Visible() }

// offlineError is why a call cannot be placed while offline.
func (u *UI) offlineError(who string) error {
	// Fyne's error dialog capitalises the first letter: the sentence starts
	// with the service, not with "tgphone".
	// The sentence starts with the service's name, which is "the sandbox".
	return errors.New(upperFirst(tr("offline.cannot_call", "Service", u.serviceName(), "Who", who)))
}
