package tgcalls

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v4"

	"github.com/tgphone/tgphone/media"
)

// facadeRig is a loopback socket standing for a UDP reflector and the
// reflector set of a call that uses it, for TURN clients to allocate on its
// façade.
type facadeRig struct {
	refl     *net.UDPConn
	set      *reflectorSet
	srv      *reflectorServer
	turnAddr *net.UDPAddr
	logs     logging.LoggerFactory
}

func newFacadeRig(tb testing.TB, logs logging.LoggerFactory) *facadeRig {
	tb.Helper()
	refl, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { refl.Close() })
	reflPort := refl.LocalAddr().(*net.UDPAddr).Port
	set := newReflectorSet([]media.Reflector{{ID: 3, IP: "127.0.0.1", Port: reflPort, PeerTag: testPeerTag}},
		testLogger(), &media.Rejects{}, logs)
	tb.Cleanup(set.close)
	srv := set.servers[0]
	return &facadeRig{refl: refl, set: set, srv: srv, turnAddr: net.UDPAddrFromAddrPort(srv.turn), logs: logs}
}

// client is a listening pion TURN client on a façade of its own, with
// password (rto 0: pion's default retransmission time).
func (r *facadeRig) client(tb testing.TB, password string, rto time.Duration) (*turn.Client, *reflectorFacade) {
	tb.Helper()
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { pc.Close() })
	f, err := r.set.openFacade(r.srv, pc, r.turnAddr)
	if err != nil {
		tb.Fatal(err)
	}
	c, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: r.turnAddr.String(), Username: reflectorUser,
		Password: password, Conn: f.client, LoggerFactory: r.logs, RTO: rto})
	if err != nil {
		tb.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.Close)
	return c, f
}

// TestUDPFacade: pion's TURN client allocates on a UDP reflector's façade
// once the reflector answered, with the peer tag as password, and its
// relayed conn carries data both ways to a peer port on the reflector
// (as Send/Data indications until the channel it binds is bound, then over
// the channel); a
// wrong password gets no allocation.
func TestUDPFacade(t *testing.T) {
	rig := newFacadeRig(t, logging.NewDefaultLoggerFactory())
	refl, set, srv := rig.refl, rig.set, rig.srv
	reflPort := refl.LocalAddr().(*net.UDPAddr).Port
	newClient := func(password string) (*turn.Client, *reflectorFacade) {
		return rig.client(t, password, 100*time.Millisecond)
	}

	// The fake reflector: answers the first hello, then frames what it is
	// told to.
	buf := make([]byte, 2048)
	_ = refl.SetDeadline(time.Now().Add(20 * time.Second))
	c, f := newClient(hex.EncodeToString(testPeerTag[:]))
	allocated := make(chan error, 1)
	var relayed net.PacketConn
	go func() {
		var err error
		relayed, err = c.Allocate()
		allocated <- err
	}()
	n, ourPort, err := refl.ReadFrom(buf)
	if err != nil || n < reflectorTagLen {
		t.Fatalf("no hello: %d bytes, %v", n, err)
	}
	if _, err := refl.WriteTo(appendReflectorHello(nil, f.port.full), ourPort); err != nil {
		t.Fatal(err)
	}
	if err := <-allocated; err != nil {
		t.Fatalf("allocate: %v", err)
	}
	defer relayed.Close()
	if got, want := relayed.LocalAddr().String(), f.port.laddr.String(); got != want {
		t.Fatalf("relayed address %s, want the port's %s", got, want)
	}

	const peerTag = 0x01020304
	peer := net.UDPAddrFromAddrPort(set.peerAddr(srv.id, uint16(reflPort), peerTag))
	roundTrip := func(i int) {
		msg := fmt.Sprintf("message %d", i)
		if _, err := relayed.WriteTo([]byte(msg), peer); err != nil {
			t.Fatal(err)
		}
		// The reflector sees it framed from our port to the peer's,
		// skipping hellos.
		for {
			n, _, err := refl.ReadFrom(buf)
			if err != nil {
				t.Fatalf("message %d never reached the reflector: %v", i, err)
			}
			from, payload, err := parseReflectorPacket(buf[:n], testPeerTag)
			if err != nil {
				continue // a hello
			}
			to := binary.LittleEndian.Uint32(buf[12:16])
			if string(payload) != msg || from != f.port.tag || to != peerTag {
				t.Fatalf("reflector got %q from %#x to %#x, want %q from our %#x to %#x", payload, from, to, msg, f.port.tag, peerTag)
			}
			break
		}
		back := "re:" + msg
		if _, err := refl.WriteTo(appendReflectorData(nil, testPeerTag, f.port.tag, peerTag, []byte(back)), ourPort); err != nil {
			t.Fatal(err)
		}
		_ = relayed.SetReadDeadline(time.Now().Add(10 * time.Second))
		n, from, err := relayed.ReadFrom(buf)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if string(buf[:n]) != back || from.String() != peer.String() {
			t.Fatalf("read %q from %s, want %q from %s", buf[:n], from, back, peer)
		}
	}
	bound := func() int {
		f.client.mu.Lock()
		defer f.client.mu.Unlock()
		return len(f.client.byPeer)
	}
	// pion's client binds a channel to the peer in the background after
	// its first datagram (sent meanwhile as a Send indication): go on
	// until it has, then once more over the channel.
	for i := 0; ; i++ {
		roundTrip(i)
		if bound() == 1 {
			roundTrip(i + 1)
			break
		}
		if i == 1000 {
			t.Fatal("no channel bound to the peer after 1000 datagrams")
		}
	}
	if n := bound(); n != 1 {
		t.Errorf("%d channels bound, want 1 (to the peer)", n)
	}

	bad, _ := newClient("00")
	if _, err := bad.Allocate(); err == nil {
		t.Fatal("allocated with a wrong password")
	}
}
