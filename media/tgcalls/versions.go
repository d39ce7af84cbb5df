package tgcalls

import "slices"

// Versions are the library versions this engine implements, in the order to
// advertise them. Both select InstanceV2Impl with the reliable signalling
// framing (spec §6.1). 8.0.0 comes first because every tgcalls release maps it
// to that framing, while 2024 tgcalls maps 9.0.0 to SCTP-over-signalling
// (V3), so a 9.0.0 call with such a peer would not get through signalling.
// The call core lists these before the legacy "2.4.4" so that two clients
// that can both speak tgcalls pick this engine.
var Versions = []string{"8.0.0", "9.0.0"}

// Supports reports whether v is one of Versions.
func Supports(v string) bool { return slices.Contains(Versions, v) }
