// Package gotdpeer holds the interop tests of tgphone's tgcalls V2 engine
// against gotd/td's own telegram/calls client, an independent V2
// implementation driven as a test peer that writes and reads Opus RTP. It
// has no code of its own: see interop_test.go.
package gotdpeer
