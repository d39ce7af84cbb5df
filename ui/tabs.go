package ui

import (
	"context"
	"errors"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"github.com/tgphone/tgphone/account"
)

// The main window's tabs: Contacts (contacts.go), Dialer (here) and
// Recents (recents.go).

// rowAvatarSize is the avatar's diameter in a contacts or recents row.
const rowAvatarSize = 36

// setRowAvatar puts c's avatar in a row's holder, keeping the one there
// when it is already c's (so a photo is not fetched again on every scroll).
func (u *session) setRowAvatar(holder *fyne.Container, c account.Contact) {
	if len(holder.Objects) == 1 {
		if a, ok := holder.Objects[0].(*avatar); ok && a.contact.ID == c.ID && nameOf(a.contact) == nameOf(c) {
			return
		}
	}
	holder.Objects = []fyne.CanvasObject{u.newAvatar(c, rowAvatarSize)}
	holder.Refresh()
}

// dialerWidth keeps the keypad phone-sized in a wide window.
const dialerWidth = 360

// dialerView calls a @username or +phone typed or keyed in.
type dialerView struct {
	u       *session
	root    fyne.CanvasObject
	entry   *keyEntry
	call    *primaryButton
	message *wrapLabel
}

func newDialerView(u *session) *dialerView {
	v := &dialerView{u: u}
	v.entry = withHint(u.newEntry(), tr("dialer.placeholder"), v.dial)
	v.message = newWrapLabel("")
	keys := container.NewGridWithColumns(3)
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "+", "0", "⌫"} {
		keys.Add(newButton(k, func() {
			if k == "⌫" {
				if t := v.entry.Text; t != "" {
					v.entry.SetText(string([]rune(t)[:len([]rune(t))-1]))
				}
				return
			}
			v.entry.SetText(v.entry.Text + k)
		}))
	}
	v.call = newPrimaryButtonWithIcon(tr("common.call"), fgIcon(phoneIcon), v.dial)
	v.root = container.New(maxWidth{dialerWidth}, container.NewVBox(v.entry, keys, v.call, v.message))
	return v
}

func (v *dialerView) dial() {
	q := strings.TrimSpace(v.entry.Text)
	if q == "" {
		setText(v.message, tr("dialer.type"))
		return
	}
	if v.u.isOffline() {
		// A lookup would wait for the connection and then fail: say why now.
		setText(v.message, v.u.offlineError(q).Error())
		return
	}
	setText(v.message, tr("dialer.looking_up", "Query", q))
	rpc(v.u, func(ctx context.Context) (account.Contact, error) { return v.u.acct.Resolve(ctx, q) },
		func(c account.Contact, err error) {
			switch {
			case errors.Is(err, account.ErrNotFound):
				setText(v.message, tr("dialer.no_match", "Service", v.u.serviceName(), "Query", q))
			case err != nil:
				setText(v.message, v.u.sentence(tr("c2c.lookup_failed", "Target", q), err).Error())
			default:
				setText(v.message, "")
				v.u.dial(c)
			}
		})
}
