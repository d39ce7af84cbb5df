package ui

import (
	"context"
	"errors"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/account"
)

// Click-to-call (`tgphone call @x`, tel: links, the instance socket): the
// app asks before dialing. With several accounts signed in it asks which
// one calls, the account shown chosen already; an account is never offered
// to call itself, so asked to call one of its own accounts the app offers
// the others, and says so when there is no other.

// AskToCall is click-to-call: it finds who target ("+digits" or "@name")
// is, and asks before dialing. A request that comes before sign-in has
// finished is kept and asked about once signed in.
func (u *UI) AskToCall(target string) {
	u.do(func() {
		u.main.Show()
		u.main.RequestFocus()
		if len(u.signedInAccounts()) == 0 {
			u.log.Info("click-to-call waits for sign-in")
			u.pendingCall = target
			return
		}
		u.askToCall(target)
	})
}

// isAccount tells whether target ("+digits" or "@name") is the account c.
func isAccount(c account.Contact, target string) bool {
	switch {
	case c.ID == 0:
		return false
	case strings.HasPrefix(target, "@"):
		return c.Username != "" && strings.EqualFold(target[1:], c.Username)
	case strings.HasPrefix(target, "+"):
		return c.Phone != "" && strings.TrimPrefix(c.Phone, "+") == target[1:]
	}
	return false
}

// IsSelf tells whether target ("+digits" or "@name") is an account signed
// in here with no other account here to call it from: click-to-call must
// leave it to another app. Safe from any goroutine.
func (u *UI) IsSelf(target string) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	self, others := false, false
	for _, s := range u.accounts {
		switch {
		case s.self.ID == 0:
		case isAccount(s.self, target):
			self = true
		default:
			others = true
		}
	}
	return self && !others
}

// callers are the signed-in accounts that may call target (not target
// itself), the account shown first.
func (u *UI) callers(target string) []*session {
	var out []*session
	for _, s := range u.signedInAccounts() {
		if !isAccount(s.self, target) {
			out = append(out, s)
		}
	}
	if i := slices.Index(out, u.session); i > 0 {
		out[0], out[i] = out[i], out[0]
	}
	return out
}

// askToCall looks target up through the first account that may call it,
// then asks.
func (u *UI) askToCall(target string) {
	from := u.callers(target)
	if len(from) == 0 {
		u.showError(errors.New(tr("c2c.is_you", "Target", target)))
		return
	}
	s := from[0]
	rpc(s, func(ctx context.Context) (account.Contact, error) { return s.acct.Resolve(ctx, target) },
		func(c account.Contact, err error) {
			switch {
			case errors.Is(err, account.ErrNotFound):
				u.showError(errors.New(tr("c2c.nobody", "Service", u.serviceName(), "Target", target)))
				return
			case err != nil:
				u.showError(u.sentence(tr("c2c.lookup_failed", "Target", target), err))
				return
			}
			// The target named another way (its number for an @name): it
			// is still not to call itself.
			from = slices.DeleteFunc(from, func(a *session) bool { return a.me == nil || a.me.ID == c.ID })
			switch {
			case len(from) == 0:
				u.showError(errors.New(tr("c2c.is_you", "Target", target)))
			case len(from) == 1:
				u.confirmCall(from[0], s, c, target)
			default:
				u.pickCaller(from, s, c, target)
			}
		})
}

// confirmCall asks "Call X?" and dials from account from; c was looked up
// through account by.
func (u *UI) confirmCall(from, by *session, c account.Contact, target string) {
	question := tr("c2c.question", "Name", nameOf(c), "Target", target)
	if name := from.accountName(); name != "" {
		question = tr("c2c.question_from", "Name", nameOf(c), "Target", target, "Account", name)
	}
	u.confirm = newConfirm(tr("c2c.title", "Name", nameOf(c)), question, tr("common.call"), tr("common.cancel"),
		func(ok bool) {
			u.confirm = nil
			if ok {
				from.dialAs(by, c)
			}
		}, u.main)
	u.confirm.Show()
}

// pickCaller asks which account calls c, the first of from chosen already.
func (u *UI) pickCaller(from []*session, by *session, c account.Contact, target string) {
	names := make([]string, len(from))
	for i, s := range from {
		names[i] = nameOf(s.self)
		if h := peerHandle(s.self); h != "" {
			names[i] += " (" + h + ")"
		}
	}
	choice := widget.NewRadioGroup(names, nil)
	choice.Required = true
	choice.SetSelected(names[0])
	content := container.NewVBox(wrapped(tr("c2c.question", "Name", nameOf(c), "Target", target)),
		newLabel(tr("c2c.which_account")), choice)
	var d *dialog.CustomDialog
	call := newPrimaryButton(tr("common.call"), func() {
		d.Hide()
		if i := slices.Index(names, choice.Selected); i >= 0 {
			from[i].dialAs(by, c)
		}
	})
	cancel := newButton(tr("common.cancel"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(shown(tr("c2c.title", "Name", nameOf(c))), content, u.main)
	d.SetButtons([]fyne.CanvasObject{cancel, call})
	d.SetOnClosed(func() { u.pick = nil })
	u.pick = &accountPick{d: d, choice: choice, call: call}
	d.Show()
}

// dialAs calls c from this account. A user's access hash is per account:
// looked up through another (by), c is looked up again through this one.
func (s *session) dialAs(by *session, c account.Contact) {
	if by == s {
		s.dial(c)
		return
	}
	target := "@" + c.Username
	if c.Username == "" {
		target = "+" + strings.TrimPrefix(c.Phone, "+")
	}
	rpc(s, func(ctx context.Context) (account.Contact, error) { return s.acct.Resolve(ctx, target) },
		func(c account.Contact, err error) {
			if err != nil {
				s.showError(s.sentence(tr("c2c.lookup_failed", "Target", target), err))
				return
			}
			s.dial(c)
		})
}

// accountPick is the question which account calls: Esc cancels, Enter
// calls from the account chosen.
type accountPick struct {
	d      *dialog.CustomDialog
	choice *widget.RadioGroup
	call   *primaryButton
}

func (p *accountPick) key(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyEscape:
		p.d.Hide()
	case fyne.KeyReturn, fyne.KeyEnter:
		p.call.OnTapped()
	}
}
