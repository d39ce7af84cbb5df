// Package sandbox is tgphone's local Telegram: a real MTProto server (gotd's
// key exchange, cipher and transports in a serve loop of our own) with the
// methods a softphone needs — sign-in by code, 2FA (SRP) and QR, contacts,
// updates, DH config, the phone.* call signalling with Telegram's rules and
// errors, call history as service messages, the peer-to-peer privacy rule
// (account.getPrivacy/setPrivacy, folded into p2p_allowed), and the debug
// reports and call logs (saveCallDebug, upload.saveFilePart + saveCallLog)
// it asks for after disconnects, or after every call with Options.AskDebug.
//
// It starts with demo accounts (DemoPhone, DemoUsernames): alice, bob and
// carol (2FA: DemoPassword) are people; echo is answered by tgphone's echo
// bot; busy, private, blocked and old show how calls fail. Demo numbers are
// Telegram test numbers 99966XYYYY: the code is X five times (22222).
//
//	srv, _ := sandbox.New(sandbox.Options{Listen: "127.0.0.1:0", DataDir: dir})
//	go srv.Run(ctx)
//	<-srv.Ready()
//	info := srv.Info() // address and RSA public key for account.Sandbox
//
// Spec: ../shared/spec/telegram-calls.md §2 (signalling) and §3 (connections).
package sandbox
