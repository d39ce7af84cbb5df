package tgcalls

import "slices"

// Versions are the library versions this engine implements, in order of
// preference. All select tgcalls' InstanceV2Impl (the same JSON messages and
// channel negotiation); they differ in how signalling is framed (spec §6.1,
// package sigsctp's ForVersion):
//
//   - 9.0.0: Desktop ≥ 4.9 frames it reliably, Desktop ≤ 4.8 and Android
//     over SCTP; tgphone follows the framing the peer speaks, and two
//     tgphones settle on SCTP (sigsctp.Auto). First, as Telegram Desktop
//     lists it.
//   - 8.0.0: reliable framing, mapped the same way by every tgcalls release
//     and listed by every current Telegram app.
//   - 13.0.0, 12.0.0: SCTP over signalling (raw framing with
//     network_signaling_nosctp); what newer apps prefer.
//   - 7.0.0: raw framing, one message per packet, no acks.
//
// The server picks from the two lists (how is not published) and both ends
// run the first version of its answer, as Telegram Desktop and Android do
// (Manager.negotiated); this order is our preference as the server sees it,
// with 9.0.0 ahead of 8.0.0 as in Telegram Desktop's list. 10.0.0 and 11.0.0
// are tgcalls' SDP-based reference implementation and 2.7.7/5.0.0 its v1: not
// implemented, never advertised. The call core adds the legacy "2.4.4" last.
var Versions = []string{"9.0.0", "8.0.0", "13.0.0", "12.0.0", "7.0.0"}

// Supports reports whether v is one of Versions.
func Supports(v string) bool { return slices.Contains(Versions, v) }
