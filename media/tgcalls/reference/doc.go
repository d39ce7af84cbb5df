// Package reference is tgphone's engine for tgcalls' InstanceV2ReferenceImpl,
// library versions 10.0.0 and 11.0.0 (Versions; spec §6.1, §6.3 "Reference
// impl (10/11)"): plain WebRTC JSEP carried by the encrypted call
// signalling, on a pion PeerConnection.
//
// Signalling is framed as the version says (package sigsctp's ForVersion:
// 10.0.0 reliable, 11.0.0 SCTP over signalling) and carries tgcalls' JSON:
//
//	{"@type":"offer"|"answer","sdp":"v=0\r\n…"}
//	{"@type":"candidate","sdp":"candidate:…","mid":"0","mline":0}
//
// and MediaState ({"@type":"MediaState","muted":…}) over the data channel
// "data". The negotiation follows tgcalls 92640c4 (Telegram Desktop 4.6.5)
// as its transcripts show it: Unified Plan, max-bundle, rtcp-mux; the
// caller creates the data channel and its audio transceiver and offers at
// once; the callee answers with audio recvonly, then offers its own audio
// as a new m-line in a second round, which the caller answers. Glare: the
// caller ignores an offer colliding with its own. The callee would roll
// back (tgcalls' implicit rollback), which pion cannot; it applies the
// peer's offer once its own is answered, unless it is stale (made before
// the peer saw ours). A copy of an offer already answered (tgcalls 92640c4
// sends its first offer twice, on both sides) is dropped. Current tgcalls
// swapped the glare roles (its callee ignores, its caller rolls back).
// tgphone's caller never re-offers, so it never collides; tgphone's callee
// offers once, after its answer, and collides only with a caller's
// re-offer: current tgcalls' caller (an ICE restart) rolls back and answers
// ours, then offers again; a tgcalls 92640c4 caller that re-offered in that
// moment (the transcripts show none) would ignore ours, and the call would
// keep the first round's audio one way.
//
// Media: Opus (payload type 111, in-band FEC, 20 ms frames as libwebrtc's
// PeerConnection sends, at most 32 kbit/s as tgcalls caps its sender),
// ICE through the call's own phoneConnectionWebrtc STUN/TURN servers only
// (relay-only when P2PAllowed is false; host candidates on loopback only
// when every server is on loopback), DTLS-SRTP. No RTP while muted, as
// tgcalls; liveness is the transport's (ICE, DTLS, RTCP, data channel).
// Candidates naming a host instead of an address (tgcalls' reflector
// pseudo-hosts, mDNS) are dropped, in trickle and in SDP alike.
//
//	eng, err := reference.New(media.Params{Key: key, Outgoing: true,
//		LibraryVersion: "10.0.0", WebRTCServers: servers, P2PAllowed: p2p,
//		Audio: port, SendSignaling: send, OnEvent: onEvent})
//	...
//	eng.Start(ctx)
//	// on updatePhoneCallSignalingData: eng.ReceiveSignaling(data)
package reference
