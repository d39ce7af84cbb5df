// Package signaling is the pure part of the tgcalls V2 engine: the
// EncryptedConnection crypto for signalling (spec §6.2), the reliable framing
// with acks, resends and de-duplication that versions 8.0.0/9.0.0 put on top of
// it, and the JSON messages of InstanceV2Impl (spec §6.3).
//
// Nothing here touches the network or the clock: callers pass time in and
// send the packets they get back. That keeps every function table-testable.
//
//	c := signaling.NewConn(key, outgoing)
//	pkt, _ := c.Send(signaling.Marshal(&signaling.InitialSetup{...}), now)
//	sendSignalingData(pkt)
//	// on updatePhoneCallSignalingData:
//	msgs, _ := c.Receive(data, now)
//	for _, m := range msgs { msg, err := signaling.Parse(m) ... }
//	// periodically:
//	for _, pkt := range c.Poll(now) { sendSignalingData(pkt) }
package signaling
