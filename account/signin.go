package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/auth/qrlogin"
	"github.com/gotd/td/tg"
)

// How a login code was (or will next be) delivered: CodeRequest.Via and
// CodeRequest.Next. The UI words its hint from these, as Telegram Desktop's
// intro screens do.
const (
	ViaApp        = "app"         // a message in the user's other Telegram apps
	ViaSMS        = "sms"         // an SMS with digits
	ViaCall       = "call"        // a phone call dictates the code
	ViaFlashCall  = "flash_call"  // the calling number is the code (mobile apps only)
	ViaMissedCall = "missed_call" // the last digits of a missed call's number
	ViaEmail      = "email"       // an email to the account's login address
	ViaFragment   = "fragment"    // on fragment.com, for an anonymous number: open URL
	ViaSMSWord    = "sms_word"    // an SMS with one word (Prefix: its first letter, if given)
	ViaSMSPhrase  = "sms_phrase"  // an SMS with a phrase (Prefix: its first word, if given)
)

// CodeRequest is a sent login code awaiting the user's input.
type CodeRequest struct {
	Phone string
	Hash  string
	// Via is how this code was sent: one of the Via* constants.
	Via string
	// Length is the number of characters to expect; 0 when the server did not say.
	Length int
	// Prefix is the known beginning: of the missed call's number, or of
	// the SMS word or phrase.
	Prefix string
	// Pattern is the flash call's number pattern, or the email address
	// with parts hidden ("a***@e*****.com") for ViaEmail.
	Pattern string
	// URL is where a ViaFragment code is read (fragment.com); the UI shows
	// it as a link and tells the user to open it.
	URL string
	// Next is how ResendCode would deliver a new code; "" when it cannot.
	Next string
	// ResendAfter is how long to wait before offering ResendCode (the
	// server's timeout), counted from Sent; 0 when it gave none.
	ResendAfter time.Duration
	Sent        time.Time
}

// ResendAt is when ResendCode may be offered; the zero time when Next is "".
func (r CodeRequest) ResendAt() time.Time {
	if r.Next == "" {
		return time.Time{}
	}
	return r.Sent.Add(r.ResendAfter)
}

// EmailSetupRequiredError is SendCode's answer when the account must add a
// login email before any code is sent (auth.sentCodeTypeSetUpEmailRequired):
// call SendLoginEmailCode with the address, then VerifyLoginEmail with the
// code mailed to it.
type EmailSetupRequiredError struct{ Req CodeRequest }

func (e *EmailSetupRequiredError) Error() string {
	return "Telegram asks this account to add a login email before it sends a code"
}

// Is makes errors.Is(err, ErrEmailSetupRequired) true.
func (e *EmailSetupRequiredError) Is(target error) bool { return target == ErrEmailSetupRequired }

// TermsOfService is what the user must see and accept to sign up
// (help.termsOfService from auth.authorizationSignUpRequired).
type TermsOfService struct {
	ID   string // the server's JSON id, passed back by AcceptTerms
	Text string
	// MinAge, when not 0, is the age the user must confirm they have reached.
	MinAge int
	// Popup asks the UI to show the terms in a box that must be answered,
	// not only as a link.
	Popup bool
}

// SignUpRequiredError says the phone has no account; Terms, when not nil,
// must be shown before SignUp. errors.Is(err, ErrSignUpRequired) holds.
type SignUpRequiredError struct{ Terms *TermsOfService }

func (e *SignUpRequiredError) Error() string { return ErrSignUpRequired.Error() }

// Is makes errors.Is(err, ErrSignUpRequired) true.
func (e *SignUpRequiredError) Is(target error) bool { return target == ErrSignUpRequired }

// SendCode asks the server to deliver a login code to phone. When the
// server signs the user in at once (auth.sentCodeSuccess), the request
// comes back with ErrAlreadySignedIn and Self is set.
func (c *Client) SendCode(ctx context.Context, phone string) (CodeRequest, error) {
	res, err := c.api.AuthSendCode(ctx, &tg.AuthSendCodeRequest{
		PhoneNumber: phone, APIID: c.opts.AppID, APIHash: c.opts.AppHash, Settings: tg.CodeSettings{},
	})
	if err != nil {
		return CodeRequest{}, fmt.Errorf("send code: %w", mapAuthError(err))
	}
	req, err := c.sentCode(phone, res)
	if err != nil {
		return req, fmt.Errorf("send code: %w", err)
	}
	return req, nil
}

// ResendCode asks for the code again, delivered as req.Next says; the
// answer says how it was sent and what a further resend would use.
func (c *Client) ResendCode(ctx context.Context, req CodeRequest) (CodeRequest, error) {
	if req.Next == "" {
		return req, fmt.Errorf("resend code: %w", ErrNoResend)
	}
	res, err := c.api.AuthResendCode(ctx, &tg.AuthResendCodeRequest{PhoneNumber: req.Phone, PhoneCodeHash: req.Hash})
	if err != nil {
		return req, fmt.Errorf("resend code: %w", mapAuthError(err))
	}
	out, err := c.sentCode(req.Phone, res)
	if err != nil {
		return req, fmt.Errorf("resend code: %w", err)
	}
	return out, nil
}

// sentCode reads an auth.SentCode answer.
func (c *Client) sentCode(phone string, res tg.AuthSentCodeClass) (CodeRequest, error) {
	switch r := res.(type) {
	case *tg.AuthSentCode:
		req, err := codeRequest(phone, r, time.Now())
		if err != nil {
			return req, err
		}
		if req.Via == "" { // set-up-email-required: nothing was sent yet
			return req, &EmailSetupRequiredError{Req: req}
		}
		return req, nil
	case *tg.AuthSentCodeSuccess:
		// Future auth tokens signed the user in without a code.
		if _, err := c.finishAuth(r.Authorization); err != nil {
			return CodeRequest{}, err
		}
		return CodeRequest{Phone: phone}, ErrAlreadySignedIn
	case *tg.AuthSentCodePaymentRequired:
		return CodeRequest{Phone: phone}, ErrCodePaymentRequired
	}
	return CodeRequest{}, fmt.Errorf("unexpected answer %T", res)
}

// codeRequest reads auth.sentCode as Telegram Desktop does. A desktop app
// cannot pass Firebase's device checks, so a Firebase code comes as an SMS
// (tdlib does the same off Android and iOS). Via is "" only for
// set-up-email-required.
func codeRequest(phone string, sent *tg.AuthSentCode, now time.Time) (CodeRequest, error) {
	req := CodeRequest{Phone: phone, Hash: sent.PhoneCodeHash, Sent: now}
	switch t := sent.Type.(type) {
	case *tg.AuthSentCodeTypeApp:
		req.Via, req.Length = ViaApp, t.Length
	case *tg.AuthSentCodeTypeSMS:
		req.Via, req.Length = ViaSMS, t.Length
	case *tg.AuthSentCodeTypeCall:
		req.Via, req.Length = ViaCall, t.Length
	case *tg.AuthSentCodeTypeFlashCall:
		req.Via, req.Pattern = ViaFlashCall, t.Pattern
	case *tg.AuthSentCodeTypeMissedCall:
		req.Via, req.Prefix, req.Length = ViaMissedCall, t.Prefix, t.Length
	case *tg.AuthSentCodeTypeEmailCode:
		req.Via, req.Pattern, req.Length = ViaEmail, t.EmailPattern, t.Length
	case *tg.AuthSentCodeTypeSetUpEmailRequired:
	case *tg.AuthSentCodeTypeFragmentSMS:
		req.Via, req.URL, req.Length = ViaFragment, t.URL, t.Length
	case *tg.AuthSentCodeTypeFirebaseSMS:
		req.Via, req.Length = ViaSMS, t.Length
	case *tg.AuthSentCodeTypeSMSWord:
		req.Via, req.Prefix = ViaSMSWord, t.Beginning
	case *tg.AuthSentCodeTypeSMSPhrase:
		req.Via, req.Prefix = ViaSMSPhrase, t.Beginning
	default:
		return req, fmt.Errorf("code sent in a way this app does not know (%T)", sent.Type)
	}
	if next, ok := sent.GetNextType(); ok {
		switch next.(type) {
		case *tg.AuthCodeTypeSMS:
			req.Next = ViaSMS
		case *tg.AuthCodeTypeCall:
			req.Next = ViaCall
		case *tg.AuthCodeTypeFlashCall:
			req.Next = ViaFlashCall
		case *tg.AuthCodeTypeMissedCall:
			req.Next = ViaMissedCall
		case *tg.AuthCodeTypeFragmentSMS:
			req.Next = ViaFragment
		}
	}
	if _, firebase := sent.Type.(*tg.AuthSentCodeTypeFirebaseSMS); firebase && req.Next == "" {
		req.Next = ViaSMS // as tdlib: a Firebase code can always be resent as an SMS
	}
	if t, ok := sent.GetTimeout(); ok && t > 0 {
		req.ResendAfter = time.Duration(t) * time.Second
	}
	return req, nil
}

// SignIn completes a code sign-in with the code the user typed (for
// ViaEmail, the emailed code). ErrPasswordNeeded asks for CheckPassword,
// a *SignUpRequiredError (ErrSignUpRequired) for SignUp.
func (c *Client) SignIn(ctx context.Context, req CodeRequest, code string) (*tg.User, error) {
	in := &tg.AuthSignInRequest{PhoneNumber: req.Phone, PhoneCodeHash: req.Hash}
	if req.Via == ViaEmail {
		// Email codes go in email_verification, not phone_code (auth.signIn).
		in.SetEmailVerification(&tg.EmailVerificationCode{Code: code})
	} else {
		in.SetPhoneCode(code)
	}
	a, err := c.api.AuthSignIn(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", mapAuthError(err))
	}
	return c.finishAuth(a)
}

// SendLoginEmailCode sends a code to email, the login address an account
// must add when SendCode answered *EmailSetupRequiredError. It returns the
// code's length and the address as the server shows it.
func (c *Client) SendLoginEmailCode(ctx context.Context, req CodeRequest, email string) (length int, pattern string, err error) {
	res, err := c.api.AccountSendVerifyEmailCode(ctx, &tg.AccountSendVerifyEmailCodeRequest{
		Purpose: &tg.EmailVerifyPurposeLoginSetup{PhoneNumber: req.Phone, PhoneCodeHash: req.Hash},
		Email:   email,
	})
	if err != nil {
		return 0, "", fmt.Errorf("send login email code: %w", mapAuthError(err))
	}
	return res.Length, res.EmailPattern, nil
}

// VerifyLoginEmail checks the emailed code; the server then sends the
// login code itself, as the returned request says (or signs in at once:
// ErrAlreadySignedIn).
func (c *Client) VerifyLoginEmail(ctx context.Context, req CodeRequest, code string) (CodeRequest, error) {
	res, err := c.api.AccountVerifyEmail(ctx, &tg.AccountVerifyEmailRequest{
		Purpose:      &tg.EmailVerifyPurposeLoginSetup{PhoneNumber: req.Phone, PhoneCodeHash: req.Hash},
		Verification: &tg.EmailVerificationCode{Code: code},
	})
	if err != nil {
		return req, fmt.Errorf("verify login email: %w", mapAuthError(err))
	}
	login, ok := res.(*tg.AccountEmailVerifiedLogin)
	if !ok {
		return req, fmt.Errorf("verify login email: unexpected answer %T", res)
	}
	out, err := c.sentCode(req.Phone, login.SentCode)
	if err != nil {
		return out, fmt.Errorf("verify login email: %w", err)
	}
	return out, nil
}

// SignUp registers a new account for a phone that has none. Calling it
// means the user accepted the terms of the *SignUpRequiredError that SignIn
// returned (the UI shows them first and offers SignUp only as "accept"):
// they are reported accepted to the server once signed up, as Telegram
// Desktop does.
func (c *Client) SignUp(ctx context.Context, req CodeRequest, first, last string) (*tg.User, error) {
	c.mu.Lock()
	terms := c.terms
	c.mu.Unlock()
	a, err := c.api.AuthSignUp(ctx, &tg.AuthSignUpRequest{PhoneNumber: req.Phone, PhoneCodeHash: req.Hash, FirstName: first, LastName: last})
	if err != nil {
		return nil, fmt.Errorf("sign up: %w", mapAuthError(err))
	}
	u, err := c.finishAuth(a)
	if err != nil {
		return nil, err
	}
	if terms != nil {
		if _, err := c.api.HelpAcceptTermsOfService(ctx, tg.DataJSON{Data: terms.ID}); err != nil {
			// Signed up all the same; the server asks again through
			// help.getTermsOfServiceUpdate.
			c.log.Warn("terms of service accepted but not recorded", "err", err)
		}
	}
	return u, nil
}

// CheckPassword finishes a sign-in that needs the 2FA password (SRP).
func (c *Client) CheckPassword(ctx context.Context, password string) (*tg.User, error) {
	a, err := c.tg.Auth().Password(ctx, password)
	if errors.Is(err, auth.ErrPasswordInvalid) {
		return nil, fmt.Errorf("check password: %w", ErrPasswordInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("check password: %w", mapAuthError(err))
	}
	return c.finishAuth(a)
}

// QRLogin signs in by QR code: show is called with each token's URL (tg://login?token=…)
// to render, until another signed-in device accepts it. An account with a
// 2FA password answers ErrPasswordNeeded once accepted: CheckPassword
// finishes it, as after a code.
func (c *Client) QRLogin(ctx context.Context, show func(ctx context.Context, url string, expires time.Time) error) (*tg.User, error) {
	loggedIn := qrlogin.OnLoginToken(c.disp)
	a, err := c.tg.QR().Auth(ctx, loggedIn, func(ctx context.Context, t qrlogin.Token) error {
		return show(ctx, t.URL(), t.Expires())
	})
	if err != nil {
		return nil, fmt.Errorf("qr login: %w", mapAuthError(err))
	}
	return c.finishAuth(a)
}

// AcceptQR signs in another device that shows a tg://login QR code.
func (c *Client) AcceptQR(ctx context.Context, url string) error {
	t, err := qrlogin.ParseTokenURL(url)
	if err != nil {
		return fmt.Errorf("accept qr: %w", err)
	}
	if _, err := c.tg.QR().Accept(ctx, t); err != nil {
		return fmt.Errorf("accept qr: %w", err)
	}
	return nil
}

// LogOut ends the session on the server and forgets it locally; the
// Client can then sign in as anyone, with a clean updates state. A session
// the server has already ended (SessionEnded) is out as asked.
func (c *Client) LogOut(ctx context.Context) error {
	if _, err := c.api.AuthLogOut(ctx); err != nil && !SessionEnded(err) {
		return fmt.Errorf("log out: %w", err)
	}
	c.signedOut()
	if c.session != nil {
		if err := c.session.forget(); err != nil {
			return fmt.Errorf("log out: %w", err)
		}
	}
	return nil
}

func (c *Client) finishAuth(a tg.AuthAuthorizationClass) (*tg.User, error) {
	switch a := a.(type) {
	case *tg.AuthAuthorization:
		u, ok := a.User.(*tg.User)
		if !ok {
			return nil, fmt.Errorf("sign in: unexpected user %T", a.User)
		}
		c.markAuthorized(u)
		return u, nil
	case *tg.AuthAuthorizationSignUpRequired:
		e := &SignUpRequiredError{}
		if tos, ok := a.GetTermsOfService(); ok {
			e.Terms = &TermsOfService{ID: tos.ID.Data, Text: tos.Text, MinAge: tos.MinAgeConfirm, Popup: tos.Popup}
		}
		c.mu.Lock()
		c.terms = e.Terms
		c.mu.Unlock()
		return nil, e
	}
	return nil, fmt.Errorf("sign in: unexpected answer %T", a)
}
