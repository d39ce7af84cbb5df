package pionmedia

import (
	"errors"
	"log/slog"
	"net"
	"testing"

	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/stdnet"
)

// tcpDiverter records the addresses it was asked to dial.
type tcpDiverter struct{ dialled []string }

func (d *tcpDiverter) PacketConn(pc net.PacketConn, guarded func() net.PacketConn) net.PacketConn {
	return guarded()
}

func (d *tcpDiverter) DialTCP(raddr *net.TCPAddr) (transport.TCPConn, error) {
	d.dialled = append(d.dialled, raddr.String())
	return nil, errors.New("diverted")
}

// TestDialTCPSynthetic: a TCP dial to a synthetic address goes to the
// Diverter, or fails without one; a real address is dialled as asked.
func TestDialTCPSynthetic(t *testing.T) {
	std, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	syn := &net.TCPAddr{IP: net.IPv4(240, 0, 0, 7), Port: 599}
	if _, err := (Net{Net: std, Log: slog.New(slog.DiscardHandler)}).DialTCP("tcp4", nil, syn); !errors.Is(err, errSyntheticDial) {
		t.Errorf("without a Diverter: %v", err)
	}
	d := &tcpDiverter{}
	n := Net{Net: std, Log: slog.New(slog.DiscardHandler), Divert: d}
	if _, err := n.DialTCP("tcp4", nil, syn); err == nil || err.Error() != "diverted" {
		t.Errorf("with a Diverter: %v", err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	c, err := n.DialTCP("tcp4", nil, l.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	_ = c.Close()
	if len(d.dialled) != 1 || d.dialled[0] != syn.String() {
		t.Errorf("diverted %v", d.dialled)
	}
}
