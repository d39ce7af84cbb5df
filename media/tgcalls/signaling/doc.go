// Package signaling is the pure part of the tgcalls V2 engine: the
// EncryptedConnection crypto for signalling (spec §6.2), the framings that
// carry signalling messages over phone.sendSignalingData, and the JSON
// messages of InstanceV2Impl (spec §6.3).
//
// Nothing here touches the network or the clock: callers pass time in and
// send the packets they get back. That keeps every function table-testable.
//
// # Framings
//
// Every framing is a Transport (Send, Receive, Poll, NextPoll, Wake, Close):
//
//	library version        tgcalls                           framing               constructor
//	7.0.0                  InstanceV2Impl, signalling V1      raw, JSON             NewRaw(key, outgoing, false)
//	8.0.0                  InstanceV2Impl, V2                 reliable              NewReliable(key, outgoing)
//	9.0.0 (tgcalls 2025)   InstanceV2Impl, V2 (Desktop ≥ 4.9) reliable              NewReliable
//	9.0.0 (tgcalls 2024)   InstanceV2Impl, V3 (Desktop ≤ 4.8, SCTP over signalling  sigsctp.New(key, …)
//	                       Android)
//	9.0.0, either          —                                  follows the peer      sigsctp.NewAuto(key, …)
//	10.0.0                 InstanceV2ReferenceImpl, V1        reliable              NewReliable
//	11.0.0                 InstanceV2ReferenceImpl, V2        SCTP over signalling  sigsctp.New
//	12.0.0, 13.0.0         InstanceV2Impl, V3                 SCTP over signalling  sigsctp.New
//	12/13 + network_signaling_nosctp                          raw, gzip             NewRaw(key, outgoing, true)
//
// The raw framing is encryptRawPacket: msg_key ‖ AES-CTR(seq ‖ body) with seq
// = ++counter, one message per packet, no acks. Signalling V1 sends JSON
// bodies; V3 sends gzip(JSON). Receivers take either (gzip is recognised by
// its 1f 8b magic, at most MaxDecompressed bytes), as tgcalls does.
//
// The reliable framing (Conn, and Reliable on top of it) packs
// EncryptedConnection messages with acks, resends and de-duplication.
//
// SCTP over signalling (V3) sends cleartext SCTP packets of an association
// both sides start at once (simultaneous open, ports 5000/5000, CRC32c); each
// DATA user message (stream 0, PPID 53, ordered) is one raw-framing packet
// with a gzip body. pion/sctp runs that association on its own goroutines, so
// it lives in package sigsctp; this package parses SCTP packets (ParseSCTP)
// for Detect and for tests.
//
// sigsctp.ForVersion(version, key, outgoing, ParseCustomParameters(custom),
// cfg) picks the right one for a call.
//
// Detect tells from one packet of the peer which framing it speaks; on 9.0.0
// sigsctp.NewAuto uses it to follow the peer.
//
// # What current tgcalls changed in V3, and what we support
//
// tgcalls 2025 (24694f64, spec §6.1) maps 9.0.0 to V2 (reliable) and 12.0.0
// and 13.0.0 to V3. In V3 the call's custom_parameters pick the carrier of the
// raw packets: by default the SCTP association (supported: sigsctp.New);
// network_signaling_nosctp sends each raw packet bare as the signalling
// packet (ExternalSignalingConnection; supported: NewRaw(key, outgoing,
// true), and Detect reports MappingRaw for it); network_kcp_experiment
// carries them in a KCP session (ikcp, conv 0, window 128/128, nodelay 0,
// interval 10 ms; SignalingKcpConnection) — not supported: ForVersion returns
// an error, and a tgphone call with that parameter set cannot use 12/13.
// Telegram decides custom_parameters per call (phone.getCallConfig merged
// with phoneCall.custom_parameters); ParseCustomParameters reads them. The
// stored index of tgcalls sources lacks the 2025 InstanceV2Impl that reads
// these two parameters: their effect is from spec §6.1 (tgcalls 24694f64),
// KCP's settings from SignalingKcpConnection.cpp; a web client's 13.0.0
// code in the index likewise sends the encrypted packet bare when the call
// has network_signaling_nosctp.
//
// # Usage
//
//	t := signaling.NewReliable(key, outgoing)
//	pkts, _ := t.Send(signaling.Marshal(&signaling.InitialSetup{...}), now)
//	for _, p := range pkts { sendSignalingData(p) }
//	// on updatePhoneCallSignalingData:
//	msgs, _ := t.Receive(data, now)
//	for _, m := range msgs { msg, err := signaling.Parse(m) ... }
//	// when now reaches t.NextPoll() or t.Wake() fires:
//	pkts, _ = t.Poll(now)
//	msgs, _ = t.Receive(nil, now)
package signaling
