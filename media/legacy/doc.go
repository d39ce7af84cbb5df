// Package legacy is the libtgvoip 2.4.4 media engine (protocol 9, layer 92):
// it carries one call's Opus audio through Telegram reflectors or directly
// peer to peer, using the pure protocol code in package wire. It owns the
// sockets, timers, path choice and statistics, and implements media.Engine.
//
// Spec: ../shared/spec/wire.md; telegram-calls.md §4. Where the spec is
// silent the engine follows libtgvoip 2.4.4's VoIPController.cpp: audio only
// after both INIT and INIT_ACK (§4.9), extra-EC copies at P−(k−1−j)·60 ms
// (§4.7; two copies and no STREAM_FLAGS announcement, see extraECCopies),
// TCP relays when no relay answers over UDP (§4.2, tcp.go), p2p packets
// from the reported /24 until the direct path is verified (§4.11).
//
// Usage:
//
//	eng, err := legacy.New(media.Params{Key: key, Outgoing: true, Reflectors: refl,
//		P2PAllowed: true, Audio: port, OnEvent: onEvent})
//	if err != nil { ... }
//	err = eng.Start(ctx)
//	defer eng.Close()
package legacy
