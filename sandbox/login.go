package sandbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// How Telegram delivers login codes besides a message in the other apps,
// so that clients can be tried against each: Options.CodeDelivery picks one
// per phone number. Every way delivers the same code (for test numbers
// 99966XYYYY, X five times) and logs it, as the sandbox's stand-in.
type CodeDelivery string

const (
	DeliverApp        CodeDelivery = ""            // sentCodeTypeApp, then SMS, then a call
	DeliverSMS        CodeDelivery = "sms"         // sentCodeTypeSms, then a call
	DeliverEmail      CodeDelivery = "email"       // sentCodeTypeEmailCode: auth.signIn with email_verification
	DeliverEmailSetup CodeDelivery = "email_setup" // sentCodeTypeSetUpEmailRequired: the account adds a login email first
	DeliverFragment   CodeDelivery = "fragment"    // sentCodeTypeFragmentSms: read on fragment.com
	DeliverFirebase   CodeDelivery = "firebase"    // sentCodeTypeFirebaseSms without device checks: an SMS for a desktop app
	DeliverSMSWord    CodeDelivery = "sms_word"    // sentCodeTypeSmsWord
	DeliverSMSPhrase  CodeDelivery = "sms_phrase"  // sentCodeTypeSmsPhrase
)

// resendAfter is the timeout auth.sentCode announces before a resend.
const resendAfter = 60

// TermsOfServiceText is what the sandbox asks new accounts to accept.
const TermsOfServiceText = "This is the tgphone sandbox: a local test server. Accounts made here exist only on this computer."

// termsID is the id of the sandbox's terms (help.termsOfService.id).
const termsID = `{"sandbox_terms":1}`

var (
	errResendUnavailable = tgerr.New(400, "SEND_CODE_UNAVAILABLE")
	errEmailCodeInvalid  = tgerr.New(400, "EMAIL_CODE_INVALID")
	errEmailInvalid      = tgerr.New(400, "EMAIL_INVALID")
	errEmailNotSetUp     = tgerr.New(400, "EMAIL_NOT_SETUP")
)

// sentCode is the auth.sentCode for pc's current delivery. Caller holds mu.
func (s *Server) sentCode(pc *pendingCode, hash string) *tg.AuthSentCode {
	out := &tg.AuthSentCode{PhoneCodeHash: hash}
	n := len(pc.code)
	switch pc.via {
	case viaApp:
		out.Type = &tg.AuthSentCodeTypeApp{Length: n}
	case viaSMS:
		out.Type = &tg.AuthSentCodeTypeSMS{Length: n}
	case viaCall:
		out.Type = &tg.AuthSentCodeTypeCall{Length: n}
	case viaEmail:
		out.Type = &tg.AuthSentCodeTypeEmailCode{EmailPattern: emailPattern(pc.email), Length: n}
	case viaEmailSetup:
		out.Type = &tg.AuthSentCodeTypeSetUpEmailRequired{}
	case viaFragment:
		out.Type = &tg.AuthSentCodeTypeFragmentSMS{URL: "https://fragment.com/number/" + pc.phone + "/code", Length: n}
	case viaFirebase:
		out.Type = &tg.AuthSentCodeTypeFirebaseSMS{Length: n}
	case viaSMSWord:
		out.Type = &tg.AuthSentCodeTypeSMSWord{Beginning: pc.code[:1]}
	case viaSMSPhrase:
		out.Type = &tg.AuthSentCodeTypeSMSPhrase{Beginning: pc.code[:1]}
	}
	if len(pc.next) > 0 {
		switch pc.next[0] {
		case viaSMS:
			out.SetNextType(&tg.AuthCodeTypeSMS{})
		case viaCall:
			out.SetNextType(&tg.AuthCodeTypeCall{})
		}
		out.SetTimeout(resendAfter)
	}
	return out
}

// Internal delivery names (pendingCode.via).
const (
	viaApp        = "app"
	viaSMS        = "sms"
	viaCall       = "call"
	viaEmail      = "email"
	viaEmailSetup = "email_setup"
	viaFragment   = "fragment"
	viaFirebase   = "firebase"
	viaSMSWord    = "sms_word"
	viaSMSPhrase  = "sms_phrase"
)

// delivery is how the first code for phone goes out and what resends
// follow, as Telegram does it: the apps first, then SMS, then a call.
// Caller holds mu.
func (s *Server) delivery(phone string) (via string, next []string, email string) {
	u := s.st.byPhone(phone)
	d := s.opts.CodeDelivery[phone]
	if u != nil && u.LoginEmail != "" && (d == DeliverEmail || d == DeliverEmailSetup) {
		return viaEmail, nil, u.LoginEmail
	}
	switch d {
	case DeliverSMS:
		return viaSMS, []string{viaCall}, ""
	case DeliverEmail:
		return viaEmail, nil, "sandbox-" + phone + "@example.com"
	case DeliverEmailSetup:
		return viaEmailSetup, nil, ""
	case DeliverFragment:
		return viaFragment, nil, ""
	case DeliverFirebase:
		return viaFirebase, []string{viaSMS}, ""
	case DeliverSMSWord:
		return viaSMSWord, nil, ""
	case DeliverSMSPhrase:
		return viaSMSPhrase, nil, ""
	}
	if u == nil {
		// No account, so no app to receive a message: Telegram sends an SMS.
		return viaSMS, []string{viaCall}, ""
	}
	return viaApp, []string{viaSMS, viaCall}, ""
}

// emailPattern hides most of an address as Telegram does ("s***@e******.com").
func emailPattern(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return "***"
	}
	host, tld, _ := strings.Cut(domain, ".")
	hide := func(p string) string {
		if p == "" {
			return ""
		}
		return p[:1] + strings.Repeat("*", len(p)-1)
	}
	out := hide(local) + "@" + hide(host)
	if tld != "" {
		out += "." + tld
	}
	return out
}

func (s *Server) resendCode(ctx context.Context, req *tg.AuthResendCodeRequest) (tg.AuthSentCodeClass, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pc, err := s.pending(req.PhoneCodeHash, req.PhoneNumber)
	if err != nil {
		return nil, err
	}
	if len(pc.next) == 0 {
		return nil, errResendUnavailable
	}
	pc.via, pc.next = pc.next[0], pc.next[1:]
	s.log.Info("login code sent again", "phone", pc.phone, "via", pc.via, "code", pc.code)
	return s.sentCode(pc, req.PhoneCodeHash), nil
}

// pending is the unexpired code of hash for phone. Caller holds mu.
func (s *Server) pending(hash, phone string) (*pendingCode, error) {
	pc := s.codes[hash]
	if pc == nil || pc.phone != cleanPhone(phone) || time.Now().After(pc.expires) {
		delete(s.codes, hash)
		return nil, errCodeExpired
	}
	return pc, nil
}

// sendVerifyEmailCode serves the login-email set-up of an account whose
// codes go by email (emailVerifyPurposeLoginSetup); other purposes need a
// signed-in account and are not served.
func (s *Server) sendVerifyEmailCode(ctx context.Context, req *tg.AccountSendVerifyEmailCodeRequest) (*tg.AccountSentEmailCode, error) {
	p, ok := req.Purpose.(*tg.EmailVerifyPurposeLoginSetup)
	if !ok {
		return nil, tgerr.New(400, "EMAIL_VERIFY_PURPOSE_UNSUPPORTED")
	}
	if _, domain, ok := strings.Cut(req.Email, "@"); !ok || !strings.Contains(domain, ".") || len(req.Email) > 128 {
		return nil, errEmailInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pc, err := s.pending(p.PhoneCodeHash, p.PhoneNumber)
	if err != nil {
		return nil, err
	}
	if pc.via != viaEmailSetup {
		return nil, errEmailNotSetUp
	}
	pc.email = req.Email
	s.log.Info("login email code", "phone", pc.phone, "code", pc.code)
	return &tg.AccountSentEmailCode{EmailPattern: emailPattern(req.Email), Length: len(pc.code)}, nil
}

// verifyEmail checks the set-up code; the address becomes the account's
// login email and the login code goes there.
func (s *Server) verifyEmail(ctx context.Context, req *tg.AccountVerifyEmailRequest) (tg.AccountEmailVerifiedClass, error) {
	p, ok := req.Purpose.(*tg.EmailVerifyPurposeLoginSetup)
	if !ok {
		return nil, tgerr.New(400, "EMAIL_VERIFY_PURPOSE_UNSUPPORTED")
	}
	v, ok := req.Verification.(*tg.EmailVerificationCode)
	if !ok {
		return nil, errEmailCodeInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pc, err := s.pending(p.PhoneCodeHash, p.PhoneNumber)
	if err != nil {
		return nil, err
	}
	if pc.via != viaEmailSetup || pc.email == "" {
		return nil, errEmailNotSetUp
	}
	if !pc.matches(v.Code) {
		return nil, errEmailCodeInvalid
	}
	if u := s.st.byPhone(pc.phone); u != nil {
		u.LoginEmail = pc.email
		s.persist()
	}
	pc.via = viaEmail
	s.log.Info("login code", "phone", pc.phone, "via", "email", "code", pc.code)
	return &tg.AccountEmailVerifiedLogin{Email: pc.email, SentCode: s.sentCode(pc, p.PhoneCodeHash)}, nil
}

// acceptTerms records that the account accepted the sandbox's terms.
func (s *Server) acceptTerms(ctx context.Context, id tg.DataJSON) (bool, error) {
	return asUser(s, ctx, func(me *account) (bool, error) {
		if id.Data != termsID {
			return false, tgerr.New(400, "TERMS_ID_INVALID")
		}
		me.TermsAccepted = true
		s.persist()
		return true, nil
	})
}

// TermsAccepted reports whether user uid accepted the terms of service.
func (s *Server) TermsAccepted(uid int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.Users[uid]
	return u != nil && u.TermsAccepted
}

// signUpRequired is auth.signIn's answer for a number with no account,
// carrying the terms the client must show before auth.signUp.
func signUpRequired() *tg.AuthAuthorizationSignUpRequired {
	out := &tg.AuthAuthorizationSignUpRequired{}
	out.SetTermsOfService(tg.HelpTermsOfService{Popup: true, ID: tg.DataJSON{Data: termsID}, Text: TermsOfServiceText})
	return out
}

// Migration makes the sandbox answer a phone's sign-in from the wrong data
// centre as Telegram does: Kind is "PHONE", "NETWORK" or "USER", DC the data
// centre that serves it (the sandbox listens for it too).
type Migration struct {
	Kind string
	DC   int
}

// migrate is the *_MIGRATE_X error for phone asked on data centre dc, or nil.
func (s *Server) migrate(phone string, dc int) error {
	m, ok := s.opts.Migrate[phone]
	if !ok || m.DC == dc {
		return nil
	}
	return tgerr.New(303, fmt.Sprintf("%s_MIGRATE_%d", m.Kind, m.DC))
}
