// Package sigsctp is tgcalls' SCTP over signalling (signalling V3, spec §6.2)
// as a signaling.Transport, on pion/sctp: the phone.sendSignalingData
// payloads are cleartext SCTP packets (ports 5000/5000, CRC32c) of an
// association both sides open at once, and each user message on stream 0
// (ordered, PPID 53) is one signaling.Raw packet with a gzip body:
// msg_key ‖ AES-CTR(seq ‖ gzip(JSON)).
//
// Library versions that speak it: 9.0.0 as tgcalls 2024 does (Telegram
// Desktop ≤ 4.8, Android), 11.0.0 (InstanceV2ReferenceImpl), 12.0.0 and 13.0.0
// (unless the call's custom_parameters set network_signaling_nosctp, then
// signaling.NewRaw(key, outgoing, true); network_kcp_experiment is not
// supported). For 9.0.0, whose mapping tgcalls releases disagree on, Auto
// follows whatever the peer speaks (see Auto).
//
// # Simultaneous open
//
// tgcalls starts its dcSCTP socket on both sides as soon as the call starts,
// so both INITs cross (transcript tgcalls-9.0.0: caller and callee INIT at
// t=0; each answers the other's INIT with an INIT ACK repeating its own
// initiate tag and initial TSN, RFC 9260 §5.2.1; both send COOKIE ECHO, both
// answer COOKIE ACK; DATA on stream 0 with PPID 53). pion/sctp handles the
// collision the same way: its client, in COOKIE-WAIT, answers an INIT with an
// INIT ACK carrying its INIT's tag and TSN, takes the peer's INIT ACK to
// COOKIE-ECHOED and is established by either the peer's COOKIE ECHO of its
// cookie or the peer's COOKIE ACK. dcSCTP, for its part, takes our COOKIE
// ECHO as case D of RFC 9260 §5.2.4 (both tags match). Replay tests on the
// 9.0.0 and 11.0.0 captures and pion↔pion tests over lossy, reordering links
// show it; there is no tgcalls in this repository to run against live.
//
// # Goroutines and time
//
// pion's association needs a net.Conn and runs read, write and timer loops
// on goroutines of its own, with wall-clock timers (RTO 1 s initial, 60 s
// max; SACKs delayed up to 200 ms). That is why this is not in the pure
// signaling package. Transport feeds Receive's packets to pion through an
// in-memory conn and waits until pion has processed each one; the packets
// pion writes are collected for Send and Poll. Wake fires when there are
// packets to Poll or messages to Receive(nil); the now arguments are not
// used. Close ends every goroutine before it returns.
//
//	t := sigsctp.New(key, outgoing, sigsctp.Config{})
//	defer t.Close()
//	send(t.Poll(now))                   // the INIT
//	send(t.Send(msg, now))              // queued until the association is up
//	for {
//		select {
//		case data := <-fromTelegram:
//			msgs, err := t.Receive(data, now)  // handle msgs in order
//		case <-t.Wake():
//			send(t.Poll(now))
//			msgs, _ := t.Receive(nil, now)
//		}
//	}
package sigsctp
