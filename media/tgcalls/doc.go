// Package tgcalls is tgphone's engine for the tgcalls V2 protocol (library
// versions 8.0.0 and 9.0.0), the one current Telegram apps speak (spec §6).
//
// Signalling — EncryptedConnection crypto, reliable framing and the JSON
// messages in package signaling — travels through the call core as
// phone.sendSignalingData / updatePhoneCallSignalingData. Media uses pion's
// ORTC objects: ICE (caller controlling; only the call's own
// phoneConnectionWebrtc STUN/TURN servers, relay-only when P2PAllowed is
// false), DTLS with the roles tgcalls assigns, SRTP with Opus (PT 111, in-band
// FEC), and an SCTP data channel "data" carrying MediaState.
//
// Frames are 20 ms when the peer's NegotiateChannels offers opus parameter
// ptime=20 (tgphone does), and tgcalls' 60 ms otherwise.
//
//	if tgcalls.Supports(version) {
//		eng, err := tgcalls.New(media.Params{Key: key, Outgoing: true,
//			LibraryVersion: version, WebRTCServers: servers, P2PAllowed: p2p,
//			Audio: port, SendSignaling: send, OnEvent: onEvent})
//		...
//		eng.Start(ctx)
//		// on updatePhoneCallSignalingData: eng.ReceiveSignaling(data)
//	}
package tgcalls
