// Package turn is the sandbox's TURN and STUN server (pion/turn) on loopback.
//
// The sandbox advertises it in every call's phoneConnectionWebrtc entries, as
// Telegram does (spec §3): one TURN entry with credentials valid for that call
// only, and one STUN entry on the same port. Credentials are derived from a
// per-server secret with HMAC, so the server keeps no per-call state.
//
//	srv, err := turn.New(turn.Options{})
//	go srv.Run(ctx)
//	opts := sandbox.Options{WebRTCServers: srv.WebRTCServers}
//
// SetPaused makes the server drop everything it receives, for outage tests.
package turn
