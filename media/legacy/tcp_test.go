package legacy

import (
	"context"
	"io"
	"net"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tgphone/tgphone/wire"
)

// tcpBridge is a TCP relay for tests: it speaks libtgvoip's TCP relay
// transport to an engine and carries each datagram over UDP to a UDP relay
// (the sandbox reflector), one UDP socket per TCP connection.
type tcpBridge struct {
	ln    net.Listener
	relay netip.AddrPort
	// cutFirstAfter, when > 0, ends the first connection after that many
	// frames from the engine.
	cutFirstAfter int
	conns         atomic.Int32
}

func newTCPBridge(t testing.TB, relay netip.AddrPort, cutFirstAfter int) *tcpBridge {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &tcpBridge{ln: ln, relay: relay, cutFirstAfter: cutFirstAfter}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go b.serve(c)
		}
	}()
	return b
}

func (b *tcpBridge) addr() netip.AddrPort { return b.ln.Addr().(*net.TCPAddr).AddrPort() }

func (b *tcpBridge) serve(c net.Conn) {
	defer c.Close()
	var hdr [wire.TCPO2HeaderLen]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	o2, err := wire.AcceptTCPO2(hdr)
	if err != nil {
		return
	}
	first := b.conns.Add(1) == 1
	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return
	}
	defer u.Close()
	go func() {
		buf := make([]byte, 1500)
		for {
			n, _, err := u.ReadFrom(buf)
			if err != nil {
				return
			}
			f, err := o2.AppendFrame(nil, buf[:n])
			if err == nil {
				_, err = c.Write(f)
			}
			if err != nil {
				return
			}
		}
	}()
	buf := make([]byte, 1500)
	for n := 1; ; n++ {
		p, err := o2.ReadFrame(c, buf)
		if err != nil || first && n == b.cutFirstAfter {
			return
		}
		if _, err := u.WriteTo(p, net.UDPAddrFromAddrPort(b.relay)); err != nil {
			return
		}
	}
}

// TestTCPRelayFallback: the caller's UDP is blackholed; as libtgvoip does,
// it finds no relay answering its self-info requests, reaches the relay
// over TCP and the call carries audio both ways (the callee stays on UDP).
func TestTCPRelayFallback(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRelay(t, ctx)
	br := newTCPBridge(t, r.Addr(), 0)
	a, b := startCall(t, ctx, callCfg{relay: r, tcpA: br.addr(), udpBlockedA: true})
	waitFor(t, "audio both ways", 20*time.Second, func() bool { return a.audio.received() >= 40 && b.audio.received() >= 40 })
	if p := a.eng.Stats().Path; !strings.HasPrefix(p, "tcp relay 1 ") {
		t.Errorf("caller's path %q, want the TCP relay", p)
	}
	if p := b.eng.Stats().Path; !strings.HasPrefix(p, "relay 1 ") {
		t.Errorf("callee's path %q, want the UDP relay", p)
	}
	a.eng.Close()
	b.eng.Close()
	checkTone(t, "B hears A", b.audio, 440)
	checkTone(t, "A hears B", a.audio, 1000)
}

// TestTCPRelayUnreachable: with UDP blackholed and no TCP relay listening the
// engine keeps trying and fails by its connect timeout, then closes cleanly.
func TestTCPRelayUnreachable(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRelay(t, ctx)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().(*net.TCPAddr).AddrPort()
	ln.Close() // nothing listens there now
	a, _ := startCall(t, ctx, callCfg{relay: r, tcpA: dead, udpBlockedA: true})
	waitFor(t, "connect timeout", 20*time.Second, func() bool { return strings.HasSuffix(a.ev.states(), "failed") })
	done := make(chan struct{})
	go func() { a.eng.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs")
	}
}

// TestTCPRelayReconnect: the TCP relay connection ends mid-call; the engine
// goes back to UDP, finds it still blocked and connects over TCP again, and
// the audio resumes.
func TestTCPRelayReconnect(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRelay(t, ctx)
	br := newTCPBridge(t, r.Addr(), 60)
	a, b := startCall(t, ctx, callCfg{relay: r, tcpA: br.addr(), udpBlockedA: true})
	waitFor(t, "the first connection cut", 20*time.Second, func() bool { return br.conns.Load() == 2 })
	na, nb := a.audio.received(), b.audio.received()
	waitFor(t, "audio both ways after reconnecting", 20*time.Second, func() bool {
		return a.audio.received() > na+20 && b.audio.received() > nb+20
	})
	if p := a.eng.Stats().Path; !strings.HasPrefix(p, "tcp relay 1 ") {
		t.Errorf("caller's path %q, want the TCP relay", p)
	}
}
