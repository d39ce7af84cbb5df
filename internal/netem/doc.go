// Package netem is an in-process network impairment layer for tests: a
// net.PacketConn wrapper that loses (randomly or in bursts), delays with
// jitter (which reorders), duplicates and rate-limits outgoing datagrams.
// Both media engines' tests put it between peers (issue 4: "an in-process
// impairment layer … sits between peers in tests").
//
// Usage:
//
//	c := netem.Wrap(conn, netem.Config{LossPct: 10, Jitter: 30 * time.Millisecond, Seed: 1})
//	defer c.Close()
package netem
