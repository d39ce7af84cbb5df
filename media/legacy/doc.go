// Package legacy is the libtgvoip 2.4.4 media engine (protocol 9, layer 92):
// it carries one call's Opus audio through Telegram reflectors or directly
// peer to peer, using the pure protocol code in package wire. It owns the
// sockets, timers, path choice and statistics, and implements media.Engine.
//
// Spec: ../shared/spec/wire.md; telegram-calls.md §4.
//
// Usage:
//
//	eng, err := legacy.New(media.Params{Key: key, Outgoing: true, Reflectors: refl,
//		P2PAllowed: true, Audio: port, OnEvent: onEvent})
//	if err != nil { ... }
//	err = eng.Start(ctx)
//	defer eng.Close()
package legacy
