// Package tgcalls is tgphone's engine for tgcalls' InstanceV2Impl, the
// protocol current Telegram apps speak (spec §6), library versions 7.0.0,
// 8.0.0, 9.0.0, 12.0.0 and 13.0.0 (Versions).
//
// Signalling travels through the call core as phone.sendSignalingData /
// updatePhoneCallSignalingData, framed as the version says (package sigsctp's
// ForVersion: raw, reliable, SCTP over signalling, or on 9.0.0 whichever the
// peer's first frame shows), carrying the JSON messages of package signaling.
// Channels are negotiated as tgcalls' ContentNegotiation does (negotiation.go):
// each side offers its own send stream, an answer mirrors the offerer's SSRC.
// Media uses pion's ORTC objects: ICE (caller controlling; only the call's own
// phoneConnectionWebrtc STUN/TURN servers and its phoneConnection reflectors,
// relay-only when P2PAllowed is false), DTLS with the roles tgcalls assigns, SRTP with Opus (in-band FEC;
// the payload type each offer names), and an SCTP data channel "data"
// carrying MediaState. Liveness is the transport's (ICE checks, RTCP, data
// channel), never the audio's: tgcalls sends no RTP while muted, and neither
// does tgphone.
//
// Telegram's reflectors are relay candidates as tgcalls' ReflectorPort makes
// them (spec §6.4; reflector.go for the framing, reflectorport.go for how
// they reach pion: a TURN server in the process per reflector behind the
// SettingEngine's transport.Net, turnfacade.go's for UDP and pion/turn's
// for TCP, peers addressed by synthetic 240.0.0.0/4 addresses), over UDP
// or TCP; the peer's "reflector-<id>-<tag>.reflector"
// candidates are used, and Stats.Path says "relay (Telegram reflector)".
//
// Frames are 20 ms when the peer's answer to our offer carries the opus
// parameter ptime=20 (a tgphone peer's does), and tgcalls' 60 ms otherwise.
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
