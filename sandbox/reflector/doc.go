// Package reflector is the sandbox's UDP relay: a loopback stand-in for
// Telegram's reflectors that libtgvoip-style peers (media/legacy) talk through.
// It pairs the two peers of a call by peer tag (identical, or differing only in
// bit 0 of byte 15), answers self-info and peer-info requests, forwards every
// other datagram to the other peer with that peer's tag, drops what it cannot
// pair and keeps per-call counters.
//
// It also speaks tgcalls' V2 reflector protocol (v2.go; ReflectorPort.cpp),
// over UDP and, with Options.TCP, over TCP on the same port: each port
// registers its own tag (the call's first 12 bytes and a random port tag) by
// hello, and data naming a registered tag goes to that port unchanged.
//
// Spec: ../shared/spec/wire.md §1; telegram-calls.md §3 (phoneConnection),
// §6.4 (ReflectorPort).
//
// Usage:
//
//	r, err := reflector.New(reflector.Options{Addr: "127.0.0.1:0"})
//	go r.Run(ctx)
//	conn := media.Reflector{ID: 1, IP: "127.0.0.1", Port: int(r.Addr().Port()), PeerTag: tag}
//	r.Pause(3 * time.Second) // outage test
package reflector
