package tgcalls

import "slices"

// Versions are the library versions this engine implements, in order of
// preference (the call core leaves 9.0.0 out of what it advertises:
// calling/defaults.go says why). All select tgcalls' InstanceV2Impl (the same JSON messages
// and channel negotiation); they differ in how signalling is framed (spec
// §6.1, package sigsctp's ForVersion):
//
//   - 8.0.0: reliable framing. First, because every tgcalls release maps it
//     the same way and every current Telegram app lists it.
//   - 13.0.0, 12.0.0: SCTP over signalling (raw framing with
//     network_signaling_nosctp); what newer apps prefer.
//   - 9.0.0: Desktop ≥ 4.9 frames it reliably, Desktop ≤ 4.8 and Android
//     over SCTP; tgphone follows whichever the peer's first frame shows.
//   - 7.0.0: raw framing, one message per packet, no acks.
//
// The server picks from the two lists (how is not published) and both ends
// run the first version of its answer, as Telegram Desktop and Android do
// (Manager.negotiated); this order is our preference as the server sees it. 10.0.0 and 11.0.0 are
// tgcalls' SDP-based reference implementation and 2.7.7/5.0.0 its v1: not
// implemented, never advertised. The call core adds the legacy "2.4.4" last.
var Versions = []string{"8.0.0", "13.0.0", "12.0.0", "9.0.0", "7.0.0"}

// Supports reports whether v is one of Versions.
func Supports(v string) bool { return slices.Contains(Versions, v) }
