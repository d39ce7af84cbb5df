package tgcalls

import (
	"encoding/binary"
	"encoding/hex"
	"net"
	"testing"
	"time"

	"github.com/pion/logging"

	"github.com/tgphone/tgphone/internal/schedstat"
)

// BenchmarkReflectorFacadeRoundTrip: one 80-byte datagram from pion's TURN
// client's relayed conn through a UDP reflector's façade and port to a
// loopback "reflector" that sends it back to the port, and up to the
// relayed conn again: the path of every RTP and RTCP packet of a V2 call
// through a Telegram reflector (pion's ICE, DTLS and SRTP above it not
// included).
func BenchmarkReflectorFacadeRoundTrip(b *testing.B) {
	logs := logging.NewDefaultLoggerFactory()
	logs.DefaultLogLevel = logging.LogLevelError
	rig := newFacadeRig(b, logs)
	refl, set, srv := rig.refl, rig.set, rig.srv
	reflPort := refl.LocalAddr().(*net.UDPAddr).Port
	c, f := rig.client(b, hex.EncodeToString(testPeerTag[:]), 0)
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
	c0 := schedstat.ProcessCPU()
	b.ResetTimer()
	for b.Loop() {
		roundTrip()
	}
	b.StopTimer()
	b.ReportMetric(float64(schedstat.ProcessCPU()-c0)/float64(b.N)/1e3, "cpu-µs/op")
}
