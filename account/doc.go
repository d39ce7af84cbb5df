// Package account is tgphone's Telegram client: it connects (to Telegram or to
// the local sandbox — the same code path, only the address, DC list and server
// key differ), signs in by phone + code + 2FA password or QR code, keeps the
// session file, reads contacts and call history, and turns the server's
// phone-call updates into typed callbacks for package calling.
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
