package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"
	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
)

// signInView walks phone → code → (2FA password | sign-up) in the main
// window, or signs in by QR code.
type signInView struct {
	u        *UI
	phone    *keyEntry
	code     *keyEntry
	password *widget.Entry
	first    *widget.Entry
	last     *widget.Entry
	sendCode *widget.Button
	submit   *widget.Button
	qr       *widget.Button
	qrLink   *widget.Hyperlink
	qrCode   *canvas.Image
	message  *widget.Label
	step     *fyne.Container
	req      account.CodeRequest
	stage    string // "phone", "code", "password", "signup"
	auto     bool   // a demo sign-in that submits the known code by itself
}

func (u *UI) showSignIn() {
	v := &signInView{u: u, stage: "phone"}
	u.signIn = v
	v.phone = u.newEntry()
	v.phone.SetPlaceHolder("Phone number, e.g. +44 7700 900123")
	v.phone.OnSubmitted = func(string) { v.requestCode() }
	v.code = u.newEntry()
	v.code.SetPlaceHolder("Login code")
	v.code.OnSubmitted = func(string) { v.next() }
	v.password = widget.NewPasswordEntry()
	v.password.SetPlaceHolder("Two-step verification password")
	v.password.OnSubmitted = func(string) { v.next() }
	v.first = widget.NewEntry()
	v.first.SetPlaceHolder("First name")
	v.last = widget.NewEntry()
	v.last.SetPlaceHolder("Last name (optional)")
	v.sendCode = widget.NewButton("Send code", v.requestCode)
	v.sendCode.Importance = widget.HighImportance
	v.submit = widget.NewButton("Sign in", v.next)
	v.submit.Importance = widget.HighImportance
	v.qr = widget.NewButton("Log in with a QR code instead", v.qrLogin)
	v.qrLink = widget.NewHyperlink("", nil)
	v.qrLink.Wrapping = fyne.TextWrapBreak
	v.qrLink.Hide()
	v.qrCode = canvas.NewImageFromImage(nil)
	v.qrCode.ScaleMode = canvas.ImageScalePixels
	v.qrCode.FillMode = canvas.ImageFillContain
	v.qrCode.SetMinSize(fyne.NewSize(220, 220))
	v.qrCode.Hide()
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord
	v.step = container.NewVBox()

	title := widget.NewLabelWithStyle("Sign in to "+u.serviceName(), fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	top := container.NewVBox(title)
	if u.opts.Sandbox != nil && len(u.opts.DemoUsers) > 0 {
		top.Add(widget.NewLabel("Try a demo account (code 22222):"))
		demos := container.NewGridWithColumns(3)
		for _, d := range u.opts.DemoUsers {
			d := d
			demos.Add(widget.NewButton(d.Name, func() {
				v.phone.SetText("+" + d.Phone)
				v.requestCode()
			}))
		}
		top.Add(demos)
	}
	v.showPhone()
	u.main.SetContent(container.NewPadded(container.NewVBox(top, v.step, v.message, v.qr, v.qrCode, v.qrLink)))
	u.main.Canvas().Focus(v.phone)
}

func (v *signInView) showPhone() {
	v.stage = "phone"
	v.step.Objects = []fyne.CanvasObject{v.phone, v.sendCode}
	v.step.Refresh()
}

func (v *signInView) say(msg string) { v.message.SetText(msg) }

func (v *signInView) requestCode() {
	phone := v.phone.Text
	v.say("Sending a code…")
	v.sendCode.Disable()
	rpc(v.u, func(ctx context.Context) (account.CodeRequest, error) { return v.u.acct.SendCode(ctx, phone) },
		func(req account.CodeRequest, err error) {
			v.sendCode.Enable()
			if err != nil {
				v.say(authErrorText(err))
				return
			}
			v.req = req
			v.stage = "code"
			v.submit.SetText("Sign in")
			sent := widget.NewLabel("Code sent to " + phone + codeHint(req.Via, v.u.opts.Sandbox != nil))
			sent.Wrapping = fyne.TextWrapWord
			if code, ok := account.TestNumberCode(req.Phone); ok && v.u.opts.Sandbox != nil {
				v.code.SetText(code) // demo numbers: the code is known, one press signs in
			}
			v.step.Objects = []fyne.CanvasObject{sent, v.code, v.submit}
			v.step.Refresh()
			v.say("")
			v.u.main.Canvas().Focus(v.code)
			if v.auto && v.code.Text != "" {
				v.auto = false
				v.next()
			}
		})
}

func codeHint(via string, sandbox bool) string {
	if sandbox {
		return " (the sandbox prints it in its log; demo numbers use 22222)"
	}
	if via == "app" {
		return " in your Telegram app"
	}
	return " by " + via
}

// next submits whatever the current step asks for.
func (v *signInView) next() {
	var call func(ctx context.Context) (*tg.User, error)
	switch v.stage {
	case "code":
		code := v.code.Text
		call = func(ctx context.Context) (*tg.User, error) { return v.u.acct.SignIn(ctx, v.req, code) }
	case "password":
		pw := v.password.Text
		call = func(ctx context.Context) (*tg.User, error) { return v.u.acct.CheckPassword(ctx, pw) }
	case "signup":
		first, last := v.first.Text, v.last.Text
		call = func(ctx context.Context) (*tg.User, error) { return v.u.acct.SignUp(ctx, v.req, first, last) }
	default:
		v.requestCode()
		return
	}
	v.submit.Disable()
	v.say("Signing in…")
	rpc(v.u, call, func(me *tg.User, err error) {
		v.submit.Enable()
		switch {
		case errors.Is(err, account.ErrPasswordNeeded):
			v.stage = "password"
			v.submit.SetText("Check password")
			v.step.Objects = []fyne.CanvasObject{widget.NewLabel("This account has two-step verification."), v.password, v.submit}
			v.step.Refresh()
			v.say("")
			v.u.main.Canvas().Focus(v.password)
		case errors.Is(err, account.ErrSignUpRequired):
			v.stage = "signup"
			v.submit.SetText("Create account")
			v.step.Objects = []fyne.CanvasObject{widget.NewLabel("No account uses this number yet. Your name:"), v.first, v.last, v.submit}
			v.step.Refresh()
			v.say("")
			v.u.main.Canvas().Focus(v.first)
		case err != nil:
			v.say(authErrorText(err))
		default:
			v.u.signedIn(me)
		}
	})
}

// authErrorText is one sentence for a sign-in error.
func authErrorText(err error) string {
	var flood *account.FloodWaitError
	switch {
	case errors.As(err, &flood):
		return fmt.Sprintf("Too many attempts. Try again in %s.", flood.Wait.Round(time.Second))
	case errors.Is(err, account.ErrCodeInvalid):
		return "That code is not correct. Check it and try again."
	case errors.Is(err, account.ErrCodeExpired):
		return "That code has expired. Press Send code for a new one."
	case errors.Is(err, account.ErrPasswordInvalid):
		return "That password is not correct."
	case errors.Is(err, account.ErrPhoneInvalid):
		return "That phone number is not valid. Include the country code, e.g. +44…"
	}
	return "Could not sign in: " + err.Error()
}

// qrLogin shows a QR code of a tg://login link, renewed as the server
// renews the token, for a signed-in Telegram app to scan ("Settings →
// Devices → Link desktop device"); the link is shown too, for a device
// that takes it as text.
func (v *signInView) qrLogin() {
	v.qr.Disable()
	v.say("Waiting for another device to accept the login…")
	ctx := v.u.ctx
	if ctx == nil {
		return
	}
	go func() {
		me, err := v.u.acct.QRLogin(ctx, func(ctx context.Context, url string, expires time.Time) error {
			img, err := qrImage(url)
			if err != nil {
				return err
			}
			v.u.do(func() {
				v.say("Scan this code with Telegram on your phone: Settings, Devices, Link Desktop Device.")
				v.qrCode.Image = img
				v.qrCode.Refresh()
				v.qrCode.Show()
				v.qrLink.SetText(url)
				v.qrLink.Show()
			})
			return nil
		})
		v.u.do(func() {
			v.qr.Enable()
			v.qrCode.Hide()
			v.qrLink.Hide()
			if err != nil {
				v.say(authErrorText(err))
				return
			}
			v.u.signedIn(me)
		})
	}()
}

// showErrorOn shows err as one sentence in a dialog over w.
func showErrorOn(w fyne.Window, err error) {
	dialog.ShowError(err, w)
}
