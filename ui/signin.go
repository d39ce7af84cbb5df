package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
)

// signInView walks phone → code → (2FA password | sign-up) in the main
// window, or signs in by QR code. The step shown (and in QR mode the code)
// sits in body; every change of step lays the whole view out again, or a
// taller step would be drawn under the message and buttons below it.
type signInView struct {
	u        *session
	phone    *keyEntry
	code     *keyEntry
	password *keyEntry
	first    *keyEntry
	last     *keyEntry
	sendCode *primaryButton
	submit   *primaryButton
	qr       *enterButton // switches between the QR code and the phone number
	qrLink   *enterLink
	qrCode   *canvas.Image
	message  *wrapLabel
	body     *fyne.Container // the current step's widgets
	root     *fyne.Container
	req      account.CodeRequest
	stage    string // "phone", "code", "password", "signup", "qr"
	auto     bool   // a demo sign-in that submits the known code by itself
	// qrStop ends the QR login in progress; qrRun counts them, so a
	// stopped one's ending does not touch the view.
	qrStop func()
	qrRun  int
	// codeField holds code, sized by the request's code length.
	codeField  *fyne.Container
	resend     *enterButton  // sends the code the request's Next way
	resendNote *widget.Label // counts down to when resend is offered
	tickStop   chan struct{} // stops the countdown's ticker
	resending  bool
	email      *keyEntry    // the login email an account must add
	cancel     *enterButton // back to the accounts signed in, while adding one
	// A signed-out account's: back to the accounts signed in (shown once
	// one is), and its removal.
	back, remove *enterButton
	ageOK        *widget.Check // the terms' minimum age confirmed
}

// qrButtonText and phoneButtonText are the words of the button that
// switches between signing in by QR code and by phone number.
func qrButtonText() string    { return tr("signin.qr_button") }
func phoneButtonText() string { return tr("signin.phone_button") }

func (u *session) showSignIn() {
	v := &signInView{u: u, stage: "phone"}
	u.signIn = v
	v.phone = withHint(u.newEntry(), tr("signin.phone_placeholder"), v.requestCode)
	v.code = withHint(u.newEntry(), tr("signin.code_placeholder"), v.next)
	v.codeField = container.New(&codeFieldLayout{}, v.code)
	v.resend = newButton(tr("signin.resend"), v.resendCode)
	v.resendNote = newLabel("")
	v.email = withHint(u.newEntry(), tr("signin.email_placeholder"), v.next)
	v.password = withHint(u.newPasswordEntry(), tr("signin.password_placeholder"), v.next)
	v.first = withHint(u.newEntry(), tr("signin.first_name"), nil)
	v.last = withHint(u.newEntry(), tr("signin.last_name"), nil)
	v.sendCode = newPrimaryButton(tr("signin.send_code"), v.requestCode)
	v.submit = newPrimaryButton(tr("signin.sign_in"), v.next)
	v.qr = newButton(qrButtonText(), v.toggleQR)
	v.qrLink = newLink("", nil)
	v.qrLink.Wrapping = fyne.TextWrapBreak
	v.qrCode = canvas.NewImageFromImage(nil)
	v.qrCode.ScaleMode = canvas.ImageScalePixels
	v.qrCode.FillMode = canvas.ImageFillContain
	v.qrCode.SetMinSize(fyne.NewSize(220, 220))
	v.message = newWrapLabel("")
	v.body = container.NewVBox()

	title := newLabelWithStyle(tr("signin.title", "Service", u.serviceName()), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	top := container.NewVBox(title)
	if u.opts.Sandbox != nil && len(u.opts.DemoUsers) > 0 {
		top.Add(newLabel(tr("signin.demo")))
		demos := container.NewGridWithColumns(3)
		for _, d := range u.opts.DemoUsers {
			d := d
			demos.Add(newButton(d.Name, func() {
				v.phone.SetText("+" + d.Phone)
				v.requestCode()
			}))
		}
		top.Add(demos)
	}
	if u.signedOut {
		top.Add(wrapped(tr("accounts.signed_out_note", "Name", nameOf(u.savedContact()), "Service", u.serviceName())))
	}
	v.root = container.NewVBox(top, v.body, v.message, widget.NewSeparator(), v.qr)
	switch {
	case u.signedOut:
		// Its files stay until it is removed: Back leaves it signed out.
		v.back = newButton(tr("accounts.cancel_add"), func() {
			if signed := u.signedInAccounts(); len(signed) > 0 {
				u.show(signed[0])
			}
		})
		v.back.Hidden = len(u.signedInAccounts()) == 0 // refreshAccountButtons shows it
		v.remove = newButton(tr("accounts.remove"), func() { u.dropAccount(u) })
		v.remove.Importance = widget.DangerImportance
		v.root.Add(hbox(v.back, layout.NewSpacer(), v.remove))
	case len(u.signedInAccounts()) > 0:
		// Add account: the accounts signed in are a click away.
		v.cancel = newButton(tr("accounts.cancel_add"), func() { u.dropAccount(u) })
		v.root.Add(v.cancel)
	}
	v.showPhone()
	if u.UI.session == u {
		u.show(u)
	}
}

// show puts objs in the step's place and lays the view out again.
func (v *signInView) show(stage string, objs ...fyne.CanvasObject) {
	v.stopTicker()
	v.stage = stage
	v.body.Objects = objs
	v.root.Refresh()
}

func (v *signInView) showPhone() {
	v.show("phone", v.phone, v.sendCode)
}

func (v *signInView) say(msg string) {
	setText(v.message, msg)
	v.root.Refresh() // a longer sentence wraps onto more lines
}

// toggleQR switches between signing in by QR code and by phone number.
func (v *signInView) toggleQR() {
	if v.stage == "qr" {
		v.stopQR()
		v.say("")
		v.showPhone()
		v.u.main.Canvas().Focus(v.phone)
		return
	}
	v.qrLogin()
}

// stopQR ends the QR login in progress, if any, and takes its code away.
func (v *signInView) stopQR() {
	if v.qrStop != nil {
		v.qrStop()
		v.qrStop = nil
	}
	v.qrCode.Image = nil
	setText(v.qrLink, "")
	setText(v.qr, qrButtonText())
}

// validPhone tells a number Telegram could have from one it cannot: a
// country code and at least seven digits after it (E.164 allows 15 in
// all), spaces, dashes, dots and brackets aside.
func validPhone(s string) bool {
	digits := 0
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 8 && digits <= 15
}

func (v *signInView) requestCode() {
	phone := strings.TrimSpace(v.phone.Text)
	if v.stage == "qr" {
		v.stopQR()
		v.showPhone()
	}
	if !validPhone(phone) {
		v.say(tr("signin.whole_number"))
		v.u.main.Canvas().Focus(v.phone)
		return
	}
	v.say(tr("signin.sending"))
	v.sendCode.Disable()
	rpc(v.u, func(ctx context.Context) (account.CodeRequest, error) { return v.u.acct.SendCode(ctx, phone) },
		func(req account.CodeRequest, err error) {
			v.sendCode.Enable()
			if err != nil {
				v.sendCodeFailed(req, err)
				return
			}
			v.code.SetText("")
			if code, ok := account.TestNumberCode(req.Phone); ok && v.u.opts.Sandbox != nil {
				v.code.SetText(code) // demo numbers: the code is known, one press signs in
			}
			v.say("")
			v.showCode(req)
			v.u.main.Canvas().Focus(v.code)
			if v.auto && v.code.Text != "" {
				v.auto = false
				v.next()
			}
		})
}

// next submits whatever the current step asks for.
func (v *signInView) next() {
	var call func(ctx context.Context) (*tg.User, error)
	switch v.stage {
	case "code":
		code := v.code.Text
		req := v.req
		call = func(ctx context.Context) (*tg.User, error) { return v.u.acct.SignIn(ctx, req, code) }
	case "password":
		pw := v.password.Text
		call = func(ctx context.Context) (*tg.User, error) { return v.u.acct.CheckPassword(ctx, pw) }
	case "signup":
		first, last := v.first.Text, v.last.Text
		req := v.req
		call = func(ctx context.Context) (*tg.User, error) { return v.u.acct.SignUp(ctx, req, first, last) }
	case "email":
		v.sendEmailCode()
		return
	case "email_code":
		v.verifyEmail()
		return
	default:
		v.requestCode()
		return
	}
	v.submit.Disable()
	v.say(tr("signin.signing_in"))
	rpc(v.u, call, func(me *tg.User, err error) {
		v.submit.Enable()
		switch {
		case errors.Is(err, account.ErrPasswordNeeded):
			v.showPassword()
		case errors.Is(err, account.ErrSignUpRequired):
			var su *account.SignUpRequiredError
			if errors.As(err, &su) && v.stage != "signup" {
				v.showSignUp(su.Terms)
			} else if v.stage != "signup" {
				v.showSignUp(nil)
			} else {
				v.say(authErrorText(err, v.u.serviceName()))
			}
		case err != nil:
			v.say(authErrorText(err, v.u.serviceName()))
		default:
			v.stopTicker()
			v.u.signedIn(me)
		}
	})
}

// authErrorText is one sentence for a sign-in error; errors without one of
// their own are the server out of reach or a fault, said as such (the
// details go to the log, not to the user).
func authErrorText(err error, service string) string {
	var flood *account.FloodWaitError
	switch {
	case errors.As(err, &flood):
		return tr("signin.flood", "Wait", durationWords(flood.Wait))
	case errors.Is(err, account.ErrCodeInvalid):
		return tr("signin.code_invalid")
	case errors.Is(err, account.ErrCodeExpired):
		return tr("signin.code_expired")
	case errors.Is(err, account.ErrPasswordInvalid):
		return tr("signin.password_invalid")
	case errors.Is(err, account.ErrCodePaymentRequired):
		return tr("signin.payment_required")
	case errors.Is(err, account.ErrPhoneInvalid):
		return tr("signin.phone_invalid")
	}
	return unreachableText(err, service, tr("signin.failed"))
}

// qrLogin shows a QR code of a tg://login link, renewed as the server
// renews the token, for a signed-in Telegram app to scan ("Settings →
// Devices → Link desktop device"); the link is shown too, for a device
// that takes it as text. Switching back to the phone number stops it.
func (v *signInView) qrLogin() {
	ctx := v.u.ctx
	if ctx == nil {
		v.say(tr("signin.not_connected", "Service", v.u.serviceName()))
		return
	}
	ctx, stop := context.WithCancel(ctx)
	v.qrStop = stop
	v.qrRun++
	run := v.qrRun
	setText(v.qr, phoneButtonText())
	v.show("qr", v.qrCode, v.qrLink)
	v.say(tr("signin.qr_waiting", "Service", v.u.serviceName()))
	go func() {
		me, err := v.u.acct.QRLogin(ctx, func(ctx context.Context, url string, expires time.Time) error {
			img, err := qrImage(url)
			if err != nil {
				return err
			}
			v.u.do(func() {
				if run != v.qrRun || v.stage != "qr" {
					return
				}
				v.say(tr("signin.qr_scan"))
				v.qrCode.Image = img
				v.qrCode.Refresh()
				setText(v.qrLink, url)
				v.root.Refresh()
			})
			return nil
		})
		stop()
		v.u.do(func() {
			if run != v.qrRun || v.stage != "qr" {
				return // switched back to the phone number meanwhile
			}
			v.stopQR()
			switch {
			case errors.Is(err, account.ErrPasswordNeeded):
				v.showPassword()
			case err != nil:
				v.u.log.Warn("QR login", "err", err)
				v.showPhone()
				v.say(authErrorText(err, v.u.serviceName()))
			default:
				v.u.signedIn(me)
			}
		})
	}()
}

// askSignOut asks before signing out: signing in again takes a login code
// (and the 2FA password), and a call in progress would end.
func (u *session) askSignOut() {
	if u.signOutAsk != nil {
		return
	}
	question := tr("signout.question")
	if c := u.ownCall(); c != nil {
		question = tr("signout.question_call", "Name", nameOf(c.Snapshot().Peer))
	}
	title := tr("signout.title", "Service", u.serviceName())
	if name := u.accountName(); name != "" {
		title = tr("accounts.sign_out_title", "Name", name, "Service", u.serviceName())
	}
	d := newConfirm(title, question, tr("common.sign_out"), tr("common.cancel"), func(ok bool) {
		u.signOutAsk = nil
		if !ok {
			return
		}
		c := u.ownCall()
		if c == nil {
			u.signOut()
			return
		}
		// Hang up through the account before it signs out.
		rpc(u, func(ctx context.Context) (struct{}, error) {
			c.Hangup()
			select {
			case <-c.Done():
			case <-ctx.Done():
			}
			return struct{}{}, nil
		}, func(struct{}, error) { u.signOut() })
	}, u.main)
	u.signOutAsk = d
	d.Show()
}
