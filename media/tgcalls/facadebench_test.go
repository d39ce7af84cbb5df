package tgcalls

import (
	"encoding/binary"
	"encoding/hex"
	"net"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/turn/v4"

	"github.com/tgphone/tgphone/media"
)

// BenchmarkReflectorFacadeRoundTrip: one 80-byte datagram from pion's TURN
// client's relayed conn through a UDP reflector's façade and port to a
// loopback "reflector" that sends it back to the port, and up to the
// relayed conn again: the path of every RTP and RTCP packet of a V2 call
// through a Telegram reflector (pion's ICE, DTLS and SRTP above it not
// included).
func BenchmarkReflectorFacadeRoundTrip(b *testing.B) {
	refl, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer refl.Close()
	reflPort := refl.LocalAddr().(*net.UDPAddr).Port
	logs := logging.NewDefaultLoggerFactory()
	logs.DefaultLogLevel = logging.LogLevelError
	set := newReflectorSet([]media.Reflector{{ID: 3, IP: "127.0.0.1", Port: reflPort, PeerTag: testPeerTag}},
		testLogger(), &media.Rejects{}, logs)
	defer set.close()
	srv := set.servers[0]
	turnAddr := net.UDPAddrFromAddrPort(srv.turn)
	pc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer pc.Close()
	f, err := set.openFacade(srv, pc, turnAddr)
	if err != nil {
		b.Fatal(err)
	}
	c, err := turn.NewClient(&turn.ClientConfig{TURNServerAddr: turnAddr.String(), Username: reflectorUser,
		Password: hex.EncodeToString(testPeerTag[:]), Conn: f.client, LoggerFactory: logs})
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	const peerTag = 0x01020304
	// The reflector: answers hellos, sends each data packet back to the
	// port it came from, from the peer's port tag.
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := refl.ReadFrom(buf)
			if err != nil {
				return
			}
			src, payload, err := parseReflectorPacket(buf[:n], testPeerTag)
			if err != nil {
				_, _ = refl.WriteTo(appendReflectorHello(nil, f.port.full), from)
				continue
			}
			if binary.LittleEndian.Uint32(buf[12:16]) == peerTag {
				_, _ = refl.WriteTo(appendReflectorData(nil, testPeerTag, src, peerTag, payload), from)
			}
		}
	}()
	relayed, err := c.Allocate()
	if err != nil {
		b.Fatal(err)
	}
	defer relayed.Close()
	peer := net.UDPAddrFromAddrPort(set.peerAddr(srv.id, uint16(reflPort), peerTag))
	msg := make([]byte, 80)
	buf := make([]byte, 2048)
	roundTrip := func() {
		if _, err := relayed.WriteTo(msg, peer); err != nil {
			b.Fatal(err)
		}
		_ = relayed.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err := relayed.ReadFrom(buf); err != nil {
			b.Fatal(err)
		}
	}
	for range 50 { // past the channel binding
		roundTrip()
	}
	b.ReportAllocs()
	c0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		roundTrip()
	}
	b.StopTimer()
	b.ReportMetric(float64(cpuTime()-c0)/float64(b.N)/1e3, "cpu-µs/op")
}
