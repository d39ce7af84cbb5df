package sandbox_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gotd/td/telegram/auth/qrlogin"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

func demoPhone(t *testing.T, user string) string {
	t.Helper()
	p, ok := sandbox.DemoPhone(user)
	if !ok {
		t.Fatalf("no demo user %s", user)
	}
	return p
}

// TestCodeDelivery: every way Telegram delivers a login code reaches the
// client as the UI needs it, and the code then signs in.
func TestCodeDelivery(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{CodeDelivery: map[string]sandbox.CodeDelivery{
		demoPhone(t, "alice"):   sandbox.DeliverEmail,
		demoPhone(t, "bob"):     sandbox.DeliverFragment,
		demoPhone(t, "carol"):   sandbox.DeliverSMSWord,
		demoPhone(t, "echo"):    sandbox.DeliverSMSPhrase,
		demoPhone(t, "busy"):    sandbox.DeliverFirebase,
		demoPhone(t, "private"): sandbox.DeliverSMS,
	}})
	for _, tt := range []struct {
		user    string
		want    account.CodeRequest // Phone, Hash, Sent not compared
		wantErr error               // of SignIn with the right code
	}{
		{user: "alice", want: account.CodeRequest{Via: account.ViaEmail, Length: 5, Pattern: "s" + strings.Repeat("*", len("andbox-9996620001")) + "@e******.com"}},
		{user: "bob", want: account.CodeRequest{Via: account.ViaFragment, Length: 5, URL: "https://fragment.com/number/9996620002/code"}},
		{user: "carol", want: account.CodeRequest{Via: account.ViaSMSWord, Prefix: "2"}, wantErr: account.ErrPasswordNeeded},
		{user: "echo", want: account.CodeRequest{Via: account.ViaSMSPhrase, Prefix: "2"}},
		// A desktop app cannot pass Firebase's checks: an SMS, resendable as one.
		{user: "busy", want: account.CodeRequest{Via: account.ViaSMS, Length: 5, Next: account.ViaSMS, ResendAfter: time.Minute}},
		{user: "private", want: account.CodeRequest{Via: account.ViaSMS, Length: 5, Next: account.ViaCall, ResendAfter: time.Minute}},
		{user: "old", want: account.CodeRequest{Via: account.ViaApp, Length: 5, Next: account.ViaSMS, ResendAfter: time.Minute}},
	} {
		t.Run(tt.user, func(t *testing.T) {
			c := env.KeyedAccount(t)
			run(t, c, func(ctx context.Context) error {
				req, err := c.SendCode(ctx, demoPhone(t, tt.user))
				if err != nil {
					return err
				}
				got := req
				got.Phone, got.Hash, got.Sent = "", "", time.Time{}
				if got != tt.want {
					t.Errorf("code request %+v, want %+v", got, tt.want)
				}
				if _, err := c.SignIn(ctx, req, "11111"); err == nil {
					t.Errorf("wrong code signed in")
				}
				u, err := c.SignIn(ctx, req, "22222")
				if tt.wantErr != nil {
					if !errors.Is(err, tt.wantErr) {
						t.Errorf("sign in: %v, want %v", err, tt.wantErr)
					}
					return nil
				}
				if err != nil {
					return err
				}
				if u.Username != tt.user {
					t.Errorf("signed in as %s", u.Username)
				}
				return nil
			})
		})
	}
}

// TestResendCode walks auth.resendCode through the ways the server names
// (app, SMS, call) until it has none left; the code still signs in.
func TestResendCode(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	c := env.KeyedAccount(t)
	run(t, c, func(ctx context.Context) error {
		req, err := c.SendCode(ctx, demoPhone(t, "bob"))
		if err != nil {
			return err
		}
		for _, want := range []struct{ via, next string }{
			{account.ViaApp, account.ViaSMS},
			{account.ViaSMS, account.ViaCall},
			{account.ViaCall, ""},
		} {
			if req.Via != want.via || req.Next != want.next {
				t.Fatalf("code via %q next %q, want %q next %q", req.Via, req.Next, want.via, want.next)
			}
			if want.next == "" {
				break
			}
			if req.ResendAt().Sub(req.Sent) != time.Minute {
				t.Errorf("resend offered after %v, want the server's 60 s", req.ResendAt().Sub(req.Sent))
			}
			if req, err = c.ResendCode(ctx, req); err != nil {
				return err
			}
		}
		if _, err := c.ResendCode(ctx, req); !errors.Is(err, account.ErrNoResend) {
			t.Errorf("resend with no way left: %v, want ErrNoResend", err)
		}
		// The server refuses too (SEND_CODE_UNAVAILABLE), should a client ask.
		_, err = c.API().AuthResendCode(ctx, &tg.AuthResendCodeRequest{PhoneNumber: req.Phone, PhoneCodeHash: req.Hash})
		if !tgerr.Is(err, "SEND_CODE_UNAVAILABLE") {
			t.Errorf("raw resend with no way left: %v", err)
		}
		u, err := c.SignIn(ctx, req, "22222")
		if err != nil {
			return err
		}
		if u.Username != "bob" {
			t.Errorf("signed in as %s", u.Username)
		}
		return nil
	})
}

// TestLoginEmailSetup: an account that must add a login email does so, then
// signs in with the code mailed there, and later codes go by email.
func TestLoginEmailSetup(t *testing.T) {
	phone := demoPhone(t, "alice")
	env := sandboxtest.Start(t, sandboxtest.Options{CodeDelivery: map[string]sandbox.CodeDelivery{phone: sandbox.DeliverEmailSetup}})
	c := env.KeyedAccount(t)
	run(t, c, func(ctx context.Context) error {
		req, err := c.SendCode(ctx, phone)
		var setup *account.EmailSetupRequiredError
		if !errors.As(err, &setup) || !errors.Is(err, account.ErrEmailSetupRequired) {
			t.Fatalf("send code: %v, want EmailSetupRequiredError", err)
		}
		if _, err := c.SignIn(ctx, req, "22222"); err == nil {
			t.Fatal("signed in before any code was sent")
		}
		if _, _, err := c.SendLoginEmailCode(ctx, req, "not an address"); err == nil {
			t.Error("a bad address was taken")
		}
		n, pattern, err := c.SendLoginEmailCode(ctx, req, "alice@example.org")
		if err != nil {
			return err
		}
		if n != 5 || pattern != "a****@e******.org" {
			t.Errorf("email code of %d at %q", n, pattern)
		}
		if _, err := c.VerifyLoginEmail(ctx, req, "11111"); !errors.Is(err, account.ErrEmailCodeInvalid) {
			t.Errorf("wrong email code: %v, want ErrEmailCodeInvalid", err)
		}
		req, err = c.VerifyLoginEmail(ctx, req, "22222")
		if err != nil {
			return err
		}
		if req.Via != account.ViaEmail || req.Pattern != "a****@e******.org" {
			t.Errorf("after set-up the code goes %q to %q", req.Via, req.Pattern)
		}
		if _, err := c.SignIn(ctx, req, "22222"); err != nil {
			return err
		}
		return nil
	})
	// The next sign-in gets its code at the address set up.
	c2 := env.KeyedAccount(t)
	run(t, c2, func(ctx context.Context) error {
		req, err := c2.SendCode(ctx, phone)
		if err != nil {
			return err
		}
		if req.Via != account.ViaEmail || req.Pattern != "a****@e******.org" {
			t.Errorf("second sign-in: code %q to %q", req.Via, req.Pattern)
		}
		_, err = c2.SignIn(ctx, req, "22222")
		return err
	})
}

// TestSignUpTerms: a number without an account gets the terms of service
// to show, and signing up records them accepted.
func TestSignUpTerms(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	c := env.KeyedAccount(t)
	run(t, c, func(ctx context.Context) error {
		req, err := c.SendCode(ctx, "9996625555")
		if err != nil {
			return err
		}
		if req.Via != account.ViaSMS {
			t.Errorf("a number without an account (so without apps) got its code via %q, want sms", req.Via)
		}
		_, err = c.SignIn(ctx, req, "22222")
		var need *account.SignUpRequiredError
		if !errors.As(err, &need) || !errors.Is(err, account.ErrSignUpRequired) {
			t.Fatalf("sign in: %v, want SignUpRequiredError", err)
		}
		if need.Terms == nil || need.Terms.Text != sandbox.TermsOfServiceText || !need.Terms.Popup {
			t.Fatalf("terms %+v", need.Terms)
		}
		u, err := c.SignUp(ctx, req, "Erin", "")
		if err != nil {
			return err
		}
		if !env.Server.TermsAccepted(u.ID) {
			t.Error("the terms shown were not recorded accepted")
		}
		return nil
	})
}

// TestQRLoginPassword: a QR sign-in of an account with a 2FA password asks
// for the password after the scan, as on Telegram.
func TestQRLoginPassword(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	carol := env.SignIn(t, "carol")
	c := env.KeyedAccount(t)
	run(t, c, func(ctx context.Context) error {
		scanned := false
		_, err := c.QRLogin(ctx, func(ctx context.Context, url string, _ time.Time) error {
			if scanned {
				return nil
			}
			scanned = true
			return carol.AcceptQR(ctx, url)
		})
		if !errors.Is(err, account.ErrPasswordNeeded) {
			t.Fatalf("qr login of a 2FA account: %v, want ErrPasswordNeeded", err)
		}
		if _, err := c.CheckPassword(ctx, "guess"); !errors.Is(err, account.ErrPasswordInvalid) {
			t.Errorf("wrong password: %v", err)
		}
		u, err := c.CheckPassword(ctx, sandbox.DemoPassword)
		if err != nil {
			return err
		}
		if u.Username != "carol" {
			t.Errorf("signed in as %s", u.Username)
		}
		return nil
	})
}

// TestMigrate: a phone whose account lives in another data centre is
// answered PHONE_MIGRATE_4, NETWORK_MIGRATE_4 or USER_MIGRATE_4; gotd moves
// the session there (a new auth key on DC 4) and repeats the request, and
// the sign-in ends on DC 4.
func TestMigrate(t *testing.T) {
	for _, kind := range []string{"PHONE", "NETWORK", "USER"} {
		t.Run(kind, func(t *testing.T) {
			phone := demoPhone(t, "bob")
			env := sandboxtest.Start(t, sandboxtest.Options{Migrate: map[string]sandbox.Migration{phone: {Kind: kind, DC: 4}}})
			c := env.KeyedAccount(t)
			run(t, c, func(ctx context.Context) error {
				cfg, err := c.API().HelpGetConfig(ctx)
				if err != nil {
					return err
				}
				if cfg.ThisDC != env.Info.DC {
					t.Fatalf("started on DC %d, want %d", cfg.ThisDC, env.Info.DC)
				}
				req, err := c.SendCode(ctx, phone)
				if err != nil {
					return err
				}
				u, err := c.SignIn(ctx, req, "22222")
				if err != nil {
					return err
				}
				if u.Username != "bob" {
					t.Errorf("signed in as %s", u.Username)
				}
				if cfg, err = c.API().HelpGetConfig(ctx); err != nil {
					return err
				}
				if cfg.ThisDC != 4 {
					t.Errorf("signed in on DC %d, want 4", cfg.ThisDC)
				}
				return nil
			})
		})
	}
}

// TestSignOutSignInAnother: one Client signs out alice and signs in bob; a
// call to bob reaches it, alice's calls no longer do (issue 16 item 10: the
// updates manager and user id of alice were kept), and the next start is
// signed in as bob.
func TestSignOutSignInAnother(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	caller := env.SignIn(t, "echo")
	in := newInbox()
	sessionFile := filepath.Join(t.TempDir(), "session.json")
	c := env.Account(t, sessionFile)
	in.attach(c)
	run(t, c, func(ctx context.Context) error {
		randomID := 0
		signIn := func(user string) {
			req, err := c.SendCode(ctx, demoPhone(t, user))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.SignIn(ctx, req, "22222"); err != nil {
				t.Fatal(err)
			}
			if err := c.WaitAuthorized(ctx); err != nil {
				t.Fatal(err)
			}
		}
		call := func(user string) *tg.PhoneCallWaiting {
			peer, err := caller.Resolve(ctx, "@"+user)
			if err != nil {
				t.Fatal(err)
			}
			gaHash := sha256.Sum256(randomBytes(256))
			randomID++
			res, err := caller.API().PhoneRequestCall(ctx, &tg.PhoneRequestCallRequest{UserID: peer.InputUser(),
				RandomID: randomID, GAHash: gaHash[:], Protocol: protocol("8.0.0")})
			if err != nil {
				t.Fatal(err)
			}
			w := res.PhoneCall.(*tg.PhoneCallWaiting)
			_, err = caller.API().PhoneDiscardCall(ctx, &tg.PhoneDiscardCallRequest{
				Peer: tg.InputPhoneCall{ID: w.ID, AccessHash: w.AccessHash}, Reason: &tg.PhoneCallDiscardReasonHangup{}})
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
		signIn("alice")
		aliceCall := call("alice")
		if got := next[*tg.PhoneCallRequested](t, in); got.ID != aliceCall.ID {
			t.Fatalf("alice got call %d, want %d", got.ID, aliceCall.ID)
		}
		next[*tg.PhoneCallDiscarded](t, in)
		if err := c.LogOut(ctx); err != nil {
			return err
		}
		if c.Self() != nil {
			t.Errorf("signed out but Self is %v", c.Self().Username)
		}
		signIn("bob")
		if u := c.Self(); u == nil || u.Username != "bob" {
			t.Fatalf("Self after signing in as bob: %v", u)
		}
		// A call to alice first: were it delivered, it would come before bob's.
		call("alice")
		bobCall := call("bob")
		if got := next[*tg.PhoneCallRequested](t, in); got.ID != bobCall.ID || got.ParticipantID != c.Self().ID {
			t.Errorf("after switching to bob got call %d for %d, want bob's call %d", got.ID, got.ParticipantID, bobCall.ID)
		}
		return nil
	})
	// The session file (removed at sign-out) holds bob's sign-in again: the
	// next start is bob's.
	again := env.Account(t, sessionFile)
	run(t, again, func(ctx context.Context) error {
		if u := again.Self(); u == nil || u.Username != "bob" {
			t.Errorf("next start signed in as %v, want bob", u)
		}
		return nil
	})
}

// TestMigrationOptions: a migration the sandbox cannot act is refused at start.
func TestMigrationOptions(t *testing.T) {
	for _, m := range []sandbox.Migration{{Kind: "FILE", DC: 4}, {Kind: "PHONE", DC: 0}, {Kind: "phone", DC: 4}} {
		if _, err := sandbox.New(sandbox.Options{Migrate: map[string]sandbox.Migration{"9996620002": m}}); err == nil {
			t.Errorf("migration %+v accepted", m)
		}
	}
}

// TestRevokeSessions: once the server terminates alice's sessions, her
// saved session starts signed out and its requests answer SESSION_REVOKED;
// a session of another user is untouched; alice signs in again on the
// same key.
func TestRevokeSessions(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := env.SignIn(t, "bob")
	sessionFile := filepath.Join(t.TempDir(), "session.json")
	c := env.Account(t, sessionFile)
	var aliceID int64
	run(t, c, func(ctx context.Context) error {
		req, err := c.SendCode(ctx, demoPhone(t, "alice"))
		if err != nil {
			return err
		}
		if _, err := c.SignIn(ctx, req, "22222"); err != nil {
			return err
		}
		aliceID = c.Self().ID
		return nil
	})
	// Revoked between two runs (TestRevokedWhileRunning: while one runs).
	if n := env.Server.RevokeSessions(aliceID); n != 1 {
		t.Errorf("RevokeSessions signed out %d keys, want alice's one", n)
	}
	again := env.Account(t, sessionFile)
	run(t, again, func(ctx context.Context) error {
		if u := again.Self(); u != nil {
			t.Errorf("the revoked session starts signed in as %s", u.Username)
		}
		_, err := again.API().UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		if !tgerr.Is(err, "SESSION_REVOKED") {
			t.Errorf("a request after the revocation: %v, want SESSION_REVOKED", err)
		}
		if _, err := bob.API().UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}}); err != nil {
			t.Errorf("bob's session after alice's were revoked: %v", err)
		}
		req, err := again.SendCode(ctx, demoPhone(t, "alice"))
		if err != nil {
			return err
		}
		if _, err := again.SignIn(ctx, req, "22222"); err != nil {
			return err
		}
		if u := again.Self(); u == nil || u.ID != aliceID {
			t.Errorf("signed in again as %v, want alice", u)
		}
		_, err = again.API().UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
		return err
	})
}

// TestRevokedWhileRunning: a session terminated while its client runs
// signs it out (OnSessionEnded, Self nil) rather than ending Run, and the
// connection stays for signing in again.
func TestRevokedWhileRunning(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	ended := make(chan struct{}, 1)
	alice := env.SignIn(t, "alice", func(c *account.Client) {
		c.OnSessionEnded(func() { ended <- struct{}{} })
	})
	revokeCaughtUp(t, env, alice)
	// Its updates learn it on the catch-up after a reconnect.
	env.Server.DropConnections()
	select {
	case <-ended:
	case <-alice.Ctx.Done():
		t.Fatal("the client stopped instead of signing out")
	case <-time.After(30 * time.Second):
		t.Fatal("OnSessionEnded not told")
	}
	if u := alice.Client.Self(); u != nil {
		t.Errorf("still signed in as %s", u.Username)
	}
	_, err := alice.API().UsersGetUsers(alice.Ctx, []tg.InputUserClass{&tg.InputUserSelf{}})
	if !account.SessionEnded(err) {
		t.Errorf("a request after the revocation: %v, want one SessionEnded names", err)
	}
	signInAliceAgain(t, alice)
}

// TestRevokedSeenByAnyRequest: a terminated session is noticed by the first
// request to hear SESSION_REVOKED, whichever it is (contacts, a username
// looked up), not only by the updates' getDifference after a reconnect:
// the client signs out and tells OnSessionEnded once, however many
// requests heard it; another user's session is untouched; LogOut of the
// ended session succeeds; the client signs in again.
func TestRevokedSeenByAnyRequest(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	var ended atomic.Int32
	alice := env.SignIn(t, "alice", func(c *account.Client) {
		c.OnSessionEnded(func() { ended.Add(1) })
	})
	bob := env.SignIn(t, "bob")
	revokeCaughtUp(t, env, alice)
	errs := make(chan error, 2)
	go func() { _, err := alice.Contacts(alice.Ctx); errs <- err }()
	go func() { _, err := alice.Resolve(alice.Ctx, "@bob"); errs <- err }()
	for range 2 {
		if err := <-errs; !account.SessionEnded(err) {
			t.Errorf("a request after the revocation: %v, want one SessionEnded names", err)
		}
	}
	if n := ended.Load(); n != 1 {
		t.Errorf("OnSessionEnded told %d times, want once", n)
	}
	if u := alice.Client.Self(); u != nil {
		t.Errorf("still signed in as %s", u.Username)
	}
	if _, err := bob.Contacts(bob.Ctx); err != nil || bob.Client.Self() == nil {
		t.Errorf("bob's session went with alice's: %v", err)
	}
	if err := alice.LogOut(alice.Ctx); err != nil {
		t.Errorf("LogOut of the ended session: %v", err)
	}
	if n := ended.Load(); n != 1 {
		t.Errorf("OnSessionEnded told %d times after LogOut, want once", n)
	}
	signInAliceAgain(t, alice)
}

// revokeCaughtUp terminates alice's session once her client's updates have
// caught up (its start's getDifference), as a session in use is.
func revokeCaughtUp(t *testing.T, env *sandboxtest.Env, alice *sandboxtest.Client) {
	t.Helper()
	for i := 0; env.Server.Differences(alice.Self.ID) == 0; i++ {
		if i == 3000 {
			t.Fatal("alice's updates never caught up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := env.Server.RevokeSessions(alice.Self.ID); n != 1 {
		t.Fatalf("RevokeSessions signed out %d keys, want alice's one", n)
	}
}

// signInAliceAgain signs alice's client, signed out by the server, in
// again on the connection it kept.
func signInAliceAgain(t *testing.T, alice *sandboxtest.Client) {
	t.Helper()
	req, err := alice.SendCode(alice.Ctx, demoPhone(t, "alice"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alice.SignIn(alice.Ctx, req, "22222"); err != nil {
		t.Fatal(err)
	}
	if u := alice.Client.Self(); u == nil || u.ID != alice.Self.ID {
		t.Errorf("signed in again as %v, want alice", u)
	}
}

// TestQRExportAfterSuccess: once a QR login has signed the session in, the
// session's next auth.exportLoginToken is the success again, not a new
// token. gotd's qrlogin refreshes the token as it expires and asks again
// when the scan's update comes; both asks can meet the scan, and a new
// token for the second failed the sign-in ("unexpected type
// *tg.AuthLoginToken", TestQRSignIn past the token's 30 s under load).
func TestQRExportAfterSuccess(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := env.SignIn(t, "alice")
	c := env.KeyedAccount(t)
	run(t, c, func(ctx context.Context) error {
		export := func() (tg.AuthLoginTokenClass, error) {
			return c.API().AuthExportLoginToken(ctx, &tg.AuthExportLoginTokenRequest{APIID: 1, APIHash: "sandbox"})
		}
		res, err := export()
		if err != nil {
			return err
		}
		tok, ok := res.(*tg.AuthLoginToken)
		if !ok {
			return fmt.Errorf("the first export is %T, not a token", res)
		}
		if err := alice.AcceptQR(ctx, qrlogin.NewToken(tok.Token, tok.Expires).URL()); err != nil {
			return err
		}
		for i := 1; i <= 2; i++ {
			res, err := export()
			if err != nil {
				return fmt.Errorf("export %d after the scan: %w", i, err)
			}
			s, ok := res.(*tg.AuthLoginTokenSuccess)
			if !ok {
				return fmt.Errorf("export %d after the scan: %T, want the success", i, res)
			}
			if a, ok := s.Authorization.(*tg.AuthAuthorization); !ok || a.User.GetID() != alice.Self.ID {
				t.Errorf("export %d signed in as %+v, want alice", i, s.Authorization)
			}
		}
		return nil
	})
}
