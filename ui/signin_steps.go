package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/tgphone/tgphone/account"
)

// codeSentText words where the login code went, from req.Via, as Telegram
// Desktop's intro screens do.
func codeSentText(req account.CodeRequest, phone string) string {
	switch req.Via {
	case account.ViaApp:
		return tr("signin.code_sent_app", "Phone", phone)
	case account.ViaSMS:
		return tr("signin.code_sent_sms", "Phone", phone)
	case account.ViaCall:
		return tr("signin.code_sent_call", "Phone", phone)
	case account.ViaMissedCall:
		if req.Prefix != "" {
			return tr("signin.code_sent_missed_call_prefix", "Phone", phone, "Prefix", req.Prefix)
		}
		return tr("signin.code_sent_missed_call", "Phone", phone)
	case account.ViaFlashCall:
		return tr("signin.code_sent_flash_call", "Phone", phone, "Pattern", req.Pattern)
	case account.ViaEmail:
		if req.Pattern != "" {
			return tr("signin.code_sent_email_to", "Phone", phone, "Email", req.Pattern)
		}
		return tr("signin.code_sent_email", "Phone", phone)
	case account.ViaFragment:
		return tr("signin.code_sent_fragment_link", "Phone", phone)
	case account.ViaSMSWord:
		if req.Prefix != "" {
			return tr("signin.code_sent_sms_word_prefix", "Phone", phone, "Prefix", req.Prefix)
		}
		return tr("signin.code_sent_sms_word", "Phone", phone)
	case account.ViaSMSPhrase:
		if req.Prefix != "" {
			return tr("signin.code_sent_sms_phrase_prefix", "Phone", phone, "Prefix", req.Prefix)
		}
		return tr("signin.code_sent_sms_phrase", "Phone", phone)
	}
	return tr("signin.code_sent_other", "Phone", phone, "Via", req.Via)
}

// resendText is the resend button's label for how the next code would go.
func resendText(next string) string {
	switch next {
	case account.ViaSMS:
		return tr("signin.resend_sms")
	case account.ViaCall:
		return tr("signin.resend_call")
	}
	return tr("signin.resend")
}

// codeWidth is the width a code of n characters needs in an entry; 0 when
// n is not known.
func codeWidth(n int) float32 {
	if n <= 0 {
		return 0
	}
	ch := fyne.MeasureText(strings.Repeat("0", n+2), theme.TextSize(), fyne.TextStyle{Monospace: true})
	return ch.Width + 4*theme.InnerPadding()
}

// codeFieldLayout gives its one object the width of a code of chars
// characters (the whole width when unknown), at the leading edge.
type codeFieldLayout struct{ chars int }

func (l *codeFieldLayout) width(o fyne.CanvasObject, avail float32) float32 {
	w := codeWidth(l.chars)
	if w == 0 {
		return avail
	}
	w = max(w, o.MinSize().Width)
	if avail > 0 {
		w = min(w, avail)
	}
	return w
}

func (l *codeFieldLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := objs[0].MinSize()
	return fyne.NewSize(max(m.Width, codeWidth(l.chars)), m.Height)
}

func (l *codeFieldLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := l.width(objs[0], size.Width)
	objs[0].Resize(fyne.NewSize(w, size.Height))
	x := float32(0)
	if rightToLeft() {
		x = size.Width - w
	}
	objs[0].Move(fyne.NewPos(x, 0))
}

// showCode shows the code step for req: where the code went, the code
// field sized for it, and when the code can go another way, the resend
// button with its countdown.
func (v *signInView) showCode(req account.CodeRequest) {
	v.req = req
	phone := strings.TrimSpace(v.phone.Text)
	if phone == "" {
		phone = "+" + req.Phone
	}
	setText(v.submit, tr("signin.sign_in"))
	hint := codeSentText(req, phone)
	if v.u.opts.Sandbox != nil {
		hint += "\n" + tr("signin.sandbox_codes")
	}
	sent := newWrapLabel(hint)
	objs := []fyne.CanvasObject{sent}
	if req.Via == account.ViaFragment && req.URL != "" {
		if u, err := url.Parse(req.URL); err == nil {
			link := newLink(req.URL, u)
			link.Wrapping = fyne.TextWrapBreak
			objs = append(objs, link)
		}
	}
	if req.Length > 0 {
		v.code.SetPlaceHolder(shown(tr("signin.code_length", "Length", req.Length)))
	} else {
		v.code.SetPlaceHolder(shown(tr("signin.code_placeholder")))
	}
	v.codeField.Layout = &codeFieldLayout{chars: req.Length}
	objs = append(objs, v.codeField, v.submit)
	if req.Next != "" {
		setText(v.resend, resendText(req.Next))
		objs = append(objs, v.resend, v.resendNote)
	}
	v.show("code", objs...)
	v.codeField.Refresh()
	v.refreshResend(time.Now())
	v.startTicker()
}

// refreshResend enables the resend button once req.ResendAt() is past and
// counts down to it before.
func (v *signInView) refreshResend(now time.Time) {
	if v.req.Next == "" {
		return
	}
	left := v.req.ResendAt().Sub(now)
	if left > 0 && !v.resending {
		v.resend.Disable()
		left = left.Round(time.Second)
		setText(v.resendNote, tr("signin.resend_in", "Wait", fmt.Sprintf("%d:%02d", int(left.Minutes()), int(left.Seconds())%60)))
		return
	}
	if v.resending {
		v.resend.Disable()
	} else {
		v.resend.Enable()
	}
	setText(v.resendNote, "")
}

// startTicker updates the countdown every second while the code step is
// shown; show and the end of sign-in stop it.
func (v *signInView) startTicker() {
	v.stopTicker()
	if v.req.Next == "" || !v.req.ResendAt().After(time.Now()) {
		return
	}
	done := make(chan struct{})
	v.tickStop = done
	var ctxDone <-chan struct{}
	if v.u.ctx != nil {
		ctxDone = v.u.ctx.Done()
	}
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctxDone:
				return
			case <-t.C:
				v.u.do(func() {
					if v.tickStop != done {
						return
					}
					if v.u.signIn != v || v.stage != "code" {
						v.stopTicker()
						return
					}
					v.refreshResend(time.Now())
					if !v.req.ResendAt().After(time.Now()) {
						v.stopTicker()
					}
				})
			}
		}
	}()
}

// stopTicker stops the countdown, if running.
func (v *signInView) stopTicker() {
	if v.tickStop != nil {
		close(v.tickStop)
		v.tickStop = nil
	}
}

// resendCode asks for the code the next way and shows the new request.
func (v *signInView) resendCode() {
	req := v.req
	v.resending = true
	v.resend.Disable()
	v.say(tr("signin.sending"))
	rpc(v.u, func(ctx context.Context) (account.CodeRequest, error) { return v.u.acct.ResendCode(ctx, req) },
		func(nreq account.CodeRequest, err error) {
			v.resending = false
			if v.u.signIn != v || v.stage != "code" {
				return
			}
			if err != nil {
				v.say(authErrorText(err, v.u.serviceName()))
				v.refreshResend(time.Now())
				return
			}
			v.say("")
			v.showCode(nreq)
			v.u.main.Canvas().Focus(v.code)
		})
}

// sendCodeFailed handles SendCode's answers that are not a code sent.
func (v *signInView) sendCodeFailed(req account.CodeRequest, err error) {
	var setup *account.EmailSetupRequiredError
	switch {
	case errors.Is(err, account.ErrAlreadySignedIn):
		if me := v.u.acct.Self(); me != nil {
			v.u.signedIn(me)
			return
		}
		v.say(authErrorText(err, v.u.serviceName()))
	case errors.As(err, &setup):
		v.req = setup.Req
		v.showEmailSetup()
	default:
		v.say(authErrorText(err, v.u.serviceName()))
	}
}

// showPassword asks for the account's two-step verification password.
func (v *signInView) showPassword() {
	setText(v.submit, tr("signin.check_password"))
	v.show("password", newLabel(tr("signin.two_step")), v.password, v.submit)
	v.say("")
	v.u.main.Canvas().Focus(v.password)
}

// showEmailSetup asks for the login email address an account must add
// before Telegram sends it a code.
func (v *signInView) showEmailSetup() {
	setText(v.submit, tr("signin.send_code"))
	l := newWrapLabel(tr("signin.email_setup"))
	v.show("email", l, v.email, v.submit)
	v.say("")
	v.u.main.Canvas().Focus(v.email)
}

// submitStep runs call for the step stage with the submit button disabled
// and status said meanwhile; its answer reaches done only while that step
// is still the one shown.
func submitStep[T any](v *signInView, stage, status string, call func(context.Context) (T, error), done func(T, error)) {
	v.submit.Disable()
	v.say(status)
	rpc(v.u, call, func(r T, err error) {
		v.submit.Enable()
		if v.u.signIn == v && v.stage == stage {
			done(r, err)
		}
	})
}

// sendEmailCode sends a code to the address typed in the email step.
func (v *signInView) sendEmailCode() {
	addr := strings.TrimSpace(v.email.Text)
	req := v.req
	type sent struct {
		n       int
		pattern string
	}
	submitStep(v, "email", tr("signin.sending"), func(ctx context.Context) (sent, error) {
		n, p, err := v.u.acct.SendLoginEmailCode(ctx, req, addr)
		return sent{n, p}, err
	}, func(s sent, err error) {
		if err != nil {
			v.say(authErrorText(err, v.u.serviceName()))
			return
		}
		pattern := s.pattern
		if pattern == "" {
			pattern = addr
		}
		l := newWrapLabel(tr("signin.email_code_sent", "Email", pattern))
		v.code.SetText("")
		if s.n > 0 {
			v.code.SetPlaceHolder(shown(tr("signin.code_length", "Length", s.n)))
		}
		v.codeField.Layout = &codeFieldLayout{chars: s.n}
		setText(v.submit, tr("signin.verify_email"))
		v.show("email_code", l, v.codeField, v.submit)
		v.codeField.Refresh()
		v.say("")
		v.u.main.Canvas().Focus(v.code)
	})
}

// verifyEmail checks the emailed code; Telegram then sends the login code.
func (v *signInView) verifyEmail() {
	code := strings.TrimSpace(v.code.Text)
	req := v.req
	submitStep(v, "email_code", tr("signin.signing_in"), func(ctx context.Context) (account.CodeRequest, error) {
		return v.u.acct.VerifyLoginEmail(ctx, req, code)
	},
		func(nreq account.CodeRequest, err error) {
			if err != nil {
				if errors.Is(err, account.ErrAlreadySignedIn) {
					v.sendCodeFailed(nreq, err)
					return
				}
				v.say(authErrorText(err, v.u.serviceName()))
				return
			}
			v.say("")
			v.code.SetText("")
			v.showCode(nreq)
			v.u.main.Canvas().Focus(v.code)
		})
}

// showSignUp asks a new account's name, with the terms to accept first
// when the server sent them: the button then means "accept", and a minimum
// age must be confirmed before it is enabled.
func (v *signInView) showSignUp(terms *account.TermsOfService) {
	objs := []fyne.CanvasObject{}
	setText(v.submit, tr("signin.create_account"))
	v.submit.Enable()
	if terms != nil {
		text := newWrapLabel(terms.Text)
		objs = append(objs, newLabelWithStyle(tr("signin.terms_title"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), text)
		setText(v.submit, tr("signin.accept_create"))
		if terms.MinAge > 0 {
			v.ageOK = newCheck(tr("signin.min_age", "Age", terms.MinAge), func(on bool) {
				if on {
					v.submit.Enable()
				} else {
					v.submit.Disable()
				}
			})
			objs = append(objs, v.ageOK)
			v.submit.Disable()
		}
	}
	objs = append(objs, newLabel(tr("signin.no_account")), v.first, v.last, v.submit)
	v.show("signup", objs...)
	v.say("")
	v.u.main.Canvas().Focus(v.first)
}
