package ui

import (
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestCodeSentWording: each way a code goes is said with what the user
// needs to find it.
func TestCodeSentWording(t *testing.T) {
	useLanguage("en")
	for _, c := range []struct {
		req  account.CodeRequest
		want []string
	}{
		{account.CodeRequest{Via: account.ViaApp}, []string{"Telegram app"}},
		{account.CodeRequest{Via: account.ViaSMS}, []string{"SMS"}},
		{account.CodeRequest{Via: account.ViaCall}, []string{"phone call"}},
		{account.CodeRequest{Via: account.ViaMissedCall, Prefix: "+4477"}, []string{"missed call", "+4477"}},
		{account.CodeRequest{Via: account.ViaEmail, Pattern: "a***@e***.org"}, []string{"a***@e***.org"}},
		{account.CodeRequest{Via: account.ViaFragment, URL: "https://fragment.com/x"}, []string{"Fragment", "link"}},
		{account.CodeRequest{Via: account.ViaSMSWord, Prefix: "k"}, []string{"word", "“k”"}},
		{account.CodeRequest{Via: account.ViaSMSPhrase, Prefix: "blue"}, []string{"phrase", "“blue”"}},
	} {
		got := codeSentText(c.req, "+1 555")
		for _, w := range append(c.want, "+1 555") {
			if !strings.Contains(got, w) {
				t.Errorf("%s: %q lacks %q", c.req.Via, got, w)
			}
		}
	}
	if codeWidth(0) != 0 || !(codeWidth(5) < codeWidth(8)) {
		t.Errorf("code widths: 0→%v 5→%v 8→%v", codeWidth(0), codeWidth(5), codeWidth(8))
	}
	if got := authErrorText(fmt.Errorf("send code: %w", account.ErrCodePaymentRequired), "Telegram"); got != tr("signin.payment_required") {
		t.Errorf("payment required said as %q", got)
	}
}

// sendCodeTo types phone into the sign-in view and asks for a code.
func sendCodeTo(t *testing.T, u *UI, phone string) *signInView {
	t.Helper()
	waitFor(t, "the sign-in window", func() bool { return u.signIn != nil })
	v := u.signIn
	inUI(func() {
		test.Type(v.phone, "+"+phone)
		test.Tap(v.sendCode)
	})
	return v
}

// TestSignInResend: the app code offers an SMS after a countdown; the
// resent request replaces the old one and its code signs in.
func TestSignInResend(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	phone, _ := sandbox.DemoPhone("alice")
	v := sendCodeTo(t, u, phone)
	waitFor(t, "the code step", func() bool { return v.stage == "code" })
	inUI(func() {
		if v.req.Via != account.ViaApp || v.req.Next != account.ViaSMS {
			t.Fatalf("request %+v, want app then SMS", v.req)
		}
		if !drawn(u.main, v.resend) || !v.resend.Disabled() || v.resendNote.Text == "" {
			t.Fatalf("resend shown %v, disabled %v, note %q: want a disabled button with a countdown",
				drawn(u.main, v.resend), v.resend.Disabled(), v.resendNote.Text)
		}
		if v.tickStop == nil {
			t.Error("no countdown ticker while the code step shows")
		}
		if v.resend.Text != tr("signin.resend_sms") {
			t.Errorf("resend button says %q", v.resend.Text)
		}
		if !strings.Contains(v.code.PlaceHolder, "5") {
			t.Errorf("code placeholder %q does not give the length", v.code.PlaceHolder)
		}
		if w := v.code.Size().Width; w >= v.body.Size().Width {
			t.Errorf("code field %v wide in a body of %v: not sized by the code", w, v.body.Size().Width)
		}
		v.refreshResend(v.req.ResendAt()) // the countdown's end
		if v.resend.Disabled() || v.resendNote.Text != "" {
			t.Fatal("resend still refused when its time came")
		}
		test.Tap(v.resend)
	})
	waitFor(t, "the code resent by SMS", func() bool { return v.stage == "code" && v.req.Via == account.ViaSMS })
	inUI(func() {
		if v.req.Next != account.ViaCall || v.resend.Text != tr("signin.resend_call") {
			t.Errorf("after SMS: next %q, button %q", v.req.Next, v.resend.Text)
		}
		test.Tap(v.submit)
	})
	waitFor(t, "signed in as alice", func() bool { return u.me != nil && u.me.Username == "alice" })
	inUI(func() {
		if v.tickStop != nil {
			t.Error("the countdown ticker runs on after sign-in")
		}
	})
}

// TestSignInEmailSetup: an account that must add a login email gives an
// address, confirms it with the mailed code, then signs in with the login
// code sent to that address.
func TestSignInEmailSetup(t *testing.T) {
	phone, _ := sandbox.DemoPhone("alice")
	env := sandboxtest.Start(t, sandboxtest.Options{CodeDelivery: map[string]sandbox.CodeDelivery{phone: sandbox.DeliverEmailSetup}})
	u := startApp(t, env)
	v := sendCodeTo(t, u, phone)
	waitFor(t, "the email step", func() bool { return v.stage == "email" })
	inUI(func() {
		if !drawn(u.main, v.email) {
			t.Fatal("no address field")
		}
		test.Type(v.email, "alice@example.org")
		test.Tap(v.submit)
	})
	waitFor(t, "the email code step", func() bool { return v.stage == "email_code" })
	inUI(func() {
		test.Type(v.code, "22222")
		test.Tap(v.submit)
	})
	waitFor(t, "the login code step", func() bool { return v.stage == "code" })
	inUI(func() {
		if v.req.Via != account.ViaEmail {
			t.Errorf("login code went %q, want email", v.req.Via)
		}
		found := false
		for _, o := range v.body.Objects {
			if l, ok := o.(*wrapLabel); ok && strings.Contains(l.Text, "a****@e******.org") {
				found = true
			}
		}
		if !found {
			t.Error("the code step does not say the address")
		}
		test.Type(v.code, "22222")
		test.Tap(v.submit)
	})
	waitFor(t, "signed in as alice", func() bool { return u.me != nil && u.me.Username == "alice" })
}

// TestSignUpTerms: a new number is shown the terms before its name, the
// button accepts them, and a minimum age must be confirmed first.
func TestSignUpTerms(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	v := sendCodeTo(t, u, "9996621234")
	waitFor(t, "the code step", func() bool { return v.stage == "code" && v.code.Text != "" })
	inUI(func() { test.Tap(v.submit) })
	waitFor(t, "the sign-up step", func() bool { return v.stage == "signup" })
	inUI(func() {
		found := false
		for _, o := range v.body.Objects {
			if l, ok := o.(*wrapLabel); ok && l.Text == sandbox.TermsOfServiceText && drawn(u.main, l) {
				found = true
				below(t, "the terms and the name", l, v.first)
			}
		}
		if !found {
			t.Error("the terms are not shown")
		}
		if v.submit.Text != tr("signin.accept_create") {
			t.Errorf("sign-up button says %q", v.submit.Text)
		}
		v.showSignUp(&account.TermsOfService{Text: sandbox.TermsOfServiceText, MinAge: 18})
		if !v.submit.Disabled() || v.ageOK == nil || !drawn(u.main, v.ageOK) {
			t.Fatal("a minimum age does not hold the button back")
		}
		test.Tap(v.ageOK)
		if v.submit.Disabled() {
			t.Fatal("the age confirmed and the button still disabled")
		}
		test.Type(v.first, "Dora")
		test.Tap(v.submit)
	})
	waitFor(t, "signed up as Dora", func() bool { return u.me != nil && u.me.FirstName == "Dora" })
}

// TestSignInFragment: a Fragment code shows fragment.com's link.
func TestSignInFragment(t *testing.T) {
	phone, _ := sandbox.DemoPhone("alice")
	env := sandboxtest.Start(t, sandboxtest.Options{CodeDelivery: map[string]sandbox.CodeDelivery{phone: sandbox.DeliverFragment}})
	u := startApp(t, env)
	v := sendCodeTo(t, u, phone)
	waitFor(t, "the code step", func() bool { return v.stage == "code" })
	inUI(func() {
		found := false
		for _, o := range v.body.Objects {
			if l, ok := o.(*enterLink); ok && l.URL != nil && l.URL.String() == v.req.URL && drawn(u.main, l) {
				found = true
			}
		}
		if v.req.URL == "" || !found {
			t.Errorf("no link to %q", v.req.URL)
		}
		if drawn(u.main, v.resend) {
			t.Error("resend offered for a code with no other way")
		}
	})
}
