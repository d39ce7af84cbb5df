// Package account is tgphone's Telegram client: it connects (to Telegram or to
// the local sandbox — the same code path, only the address, DC list and server
// key differ), signs in by phone + code + 2FA password or QR code, keeps the
// session file, reads contacts and call history, and turns the server's
// phone-call updates into typed callbacks for package calling.
//
// Sign-in (signin.go) follows Telegram Desktop and tdlib: the code may come
// by the apps, SMS, call, email or fragment.com (CodeRequest says which, and
// how ResendCode would send it next); an account may have to add a login
// email first (EmailSetupRequiredError); a new number gets the terms of
// service to show (SignUpRequiredError); QR login and code login both end at
// CheckPassword for a 2FA account. A Client signs out and in as someone else
// without restarting.
//
//	c, err := account.New(account.Options{Sandbox: &account.Sandbox{Addr: "127.0.0.1:4430", DC: 2, PublicKeyPEM: pem}})
//	c.OnPhoneCall(func(u account.PhoneCallUpdate) { ... })
//	err = c.Run(ctx, func(ctx context.Context) error {
//		sent, err := c.SendCode(ctx, "+9996620001")
//		...
//	})
//
// Spec: ../shared/spec/telegram-calls.md §2.1–2.2 (which updates a client sees).
package account
