package pionmedia

import (
	"encoding/binary"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/stun/v3"
	"github.com/pion/transport/v4/stdnet"
	"github.com/tgphone/tgphone/media"
)

func channelData(num uint16, payload []byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, num)
	b = binary.BigEndian.AppendUint16(b, uint16(len(payload)))
	return append(b, payload...)
}

// turnPair is a TURN client's socket from Net on the host's network and a
// "server" socket beside it, both closed when the test ends.
func turnPair(t *testing.T, rejects *media.Rejects) (client, server net.PacketConn) {
	t.Helper()
	std, err := stdnet.NewNet()
	if err != nil {
		t.Fatal(err)
	}
	gn := Net{Net: std, Log: slog.New(slog.DiscardHandler), Rejects: rejects}
	client, err = gn.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	server, err = net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	return client, server
}

// TestTurnConnRefusesWhatWouldStopPion: a TURN client's socket passes STUN
// and ChannelData on channels the client bound, and refuses (counting each)
// what pion's client would stop reading on.
func TestTurnConnRefusesWhatWouldStopPion(t *testing.T) {
	var rejects media.Rejects
	client, server := turnPair(t, &rejects)

	// The client binds channel 0x4001 and uses 0x4002 for data.
	bind := stun.MustBuild(stun.NewType(stun.MethodChannelBind, stun.ClassRequest), stun.TransactionID,
		stun.RawAttribute{Type: stun.AttrChannelNumber, Value: []byte{0x40, 0x01, 0, 0}})
	for _, b := range [][]byte{bind.Raw, channelData(0x4002, []byte("rtp"))} {
		if _, err := client.WriteTo(b, server.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	binding := stun.MustBuild(stun.BindingSuccess, stun.TransactionID)
	undecodable := append([]byte(nil), binding.Raw...)
	binary.BigEndian.PutUint16(undecodable[2:], 8) // 8 bytes of attributes announced, 4 sent
	undecodable = append(undecodable, 0, 0x20, 0, 4)
	tests := []struct {
		name string
		b    []byte
		pass bool
	}{
		{"STUN", binding.Raw, true},
		{"data on the bound channel", channelData(0x4001, []byte{0x80, 1, 2, 3}), true},
		{"data on the channel the client sends on", channelData(0x4002, []byte{0x80}), true},
		{"data on an unbound channel", channelData(0x4abc, []byte{0x80}), false},
		{"truncated channel data", channelData(0x4001, []byte{0x80, 1, 2, 3})[:5], false},
		{"STUN that does not decode", undecodable, false},
		{"garbage", []byte("not a TURN packet at all"), false},
	}
	buf := make([]byte, 1500)
	for _, tt := range tests {
		// Each case is followed by a STUN message, so a refused datagram
		// shows as the read returning the STUN one instead.
		for _, b := range [][]byte{tt.b, binding.Raw} {
			if _, err := server.WriteTo(b, client.LocalAddr()); err != nil {
				t.Fatal(err)
			}
		}
		_ = client.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, _, err := client.ReadFrom(buf)
		if err != nil {
			t.Fatal(err)
		}
		passed := string(buf[:n]) == string(tt.b)
		if passed != tt.pass {
			t.Errorf("%s: passed %v, want %v", tt.name, passed, tt.pass)
		}
		if passed {
			if _, _, err := client.ReadFrom(buf); err != nil { // the STUN that followed
				t.Fatal(err)
			}
		}
	}
	if total, by := rejects.Snapshot(); total != 4 {
		t.Errorf("refused %d (%v), want 4", total, by)
	}
}

// TestPeerIsSynthetic: a real TURN server is never asked to reach a
// reflector port's synthetic address.
func TestPeerIsSynthetic(t *testing.T) {
	perm := func(ip string) []byte {
		m := stun.MustBuild(stun.NewType(stun.MethodCreatePermission, stun.ClassRequest), stun.TransactionID)
		a := stun.XORMappedAddress{IP: net.ParseIP(ip), Port: 599}
		if err := a.AddToAs(m, stun.AttrXORPeerAddress); err != nil {
			t.Fatal(err)
		}
		return m.Raw
	}
	if !peerIsSynthetic(perm("240.0.0.5")) || peerIsSynthetic(perm("127.0.0.1")) || peerIsSynthetic([]byte("not stun")) {
		t.Error("peerIsSynthetic")
	}
}

// TestTurnConnRefusesSyntheticPeer: a real TURN server is not asked for a
// permission to a synthetic address; the client gets a 403 at once.
func TestTurnConnRefusesSyntheticPeer(t *testing.T) {
	client, server := turnPair(t, &media.Rejects{})
	req := stun.MustBuild(stun.NewType(stun.MethodCreatePermission, stun.ClassRequest), stun.TransactionID)
	a := stun.XORMappedAddress{IP: net.ParseIP("240.0.0.9"), Port: 599}
	if err := a.AddToAs(req, stun.AttrXORPeerAddress); err != nil {
		t.Fatal(err)
	}
	_ = client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := client.WriteTo(req.Raw, server.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	n, from, err := client.ReadFrom(buf)
	if err != nil {
		t.Fatal(err)
	}
	m := &stun.Message{Raw: buf[:n]}
	var code stun.ErrorCodeAttribute
	if m.Decode() != nil || m.TransactionID != req.TransactionID || m.Type.Class != stun.ClassErrorResponse ||
		code.GetFrom(m) != nil || code.Code != stun.CodeForbidden || from.String() != server.LocalAddr().String() {
		t.Fatalf("got %v from %v", m, from)
	}
	_ = server.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
	if _, _, err := server.ReadFrom(buf); err == nil {
		t.Fatal("the request reached the server")
	}
	// The client's own deadline is back in force.
	_ = client.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, _, err := client.ReadFrom(buf); err == nil {
		t.Fatal("read without data")
	}
}

func TestIsSynthetic(t *testing.T) {
	for ip, want := range map[string]bool{"240.0.0.1": true, "255.255.255.254": true, "::ffff:240.1.2.3": true,
		"10.0.0.1": false, "239.255.255.255": false, "::1": false} {
		if got := IsSynthetic(net.ParseIP(ip)); got != want {
			t.Errorf("IsSynthetic(%s) = %v", ip, got)
		}
	}
	if IsSynthetic(nil) {
		t.Error("IsSynthetic(nil)")
	}
}

// stepTimers stands for time.AfterFunc: the test fires the timers.
type stepTimers struct {
	mu      sync.Mutex
	pending []*stepTimer
}

type stepTimer struct {
	d       time.Duration
	f       func()
	stopped bool
}

func (t *stepTimer) Stop() bool { t.stopped = true; return true }

func (s *stepTimers) after(d time.Duration, f func()) stopper {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := &stepTimer{d: d, f: f}
	s.pending = append(s.pending, t)
	return t
}

// fire runs the oldest timer not stopped and returns its duration, 0 if none.
func (s *stepTimers) fire() time.Duration {
	s.mu.Lock()
	for len(s.pending) > 0 {
		t := s.pending[0]
		s.pending = s.pending[1:]
		if t.stopped {
			continue
		}
		s.mu.Unlock()
		t.f()
		return t.d
	}
	s.mu.Unlock()
	return 0
}

func createPermission(t *testing.T, ips ...string) *stun.Message {
	t.Helper()
	m := stun.MustBuild(stun.NewType(stun.MethodCreatePermission, stun.ClassRequest), stun.TransactionID)
	for _, ip := range ips {
		a := stun.XORMappedAddress{IP: net.ParseIP(ip), Port: 599}
		if err := a.AddToAs(m, stun.AttrXORPeerAddress); err != nil {
			t.Fatal(err)
		}
	}
	m.WriteHeader()
	return m
}

// TestTurnConnPermitsEarly: a TURN client's first CreatePermission for a
// peer is answered at once, as libwebrtc's TurnPort does not wait for it,
// and sent to the server on pion's schedule (200 ms, doubling) until the
// server answers, whose answer is then not passed on; a refresh naming
// that peer again passes as it is; a request the server never answers is
// sent pion's 7 times.
func TestTurnConnPermitsEarly(t *testing.T) {
	server, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var timers stepTimers
	client := newTurnConn(pc, Net{Log: slog.New(slog.DiscardHandler), Rejects: &media.Rejects{}}, timers.after)
	defer client.Close()
	buf := make([]byte, 1500)
	read := func(c net.PacketConn, what string) *stun.Message {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		m := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
		if err := m.Decode(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return m
	}
	nothing := func(c net.PacketConn, what string) {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if n, _, err := c.ReadFrom(buf); err == nil {
			t.Fatalf("%s: got %d bytes", what, n)
		}
	}

	req := createPermission(t, "127.0.0.2")
	if _, err := client.WriteTo(req.Raw, server.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if m := read(client, "the answer made here"); m.TransactionID != req.TransactionID ||
		m.Type != stun.NewType(stun.MethodCreatePermission, stun.ClassSuccessResponse) {
		t.Fatalf("the client got %v, want the request's success", m)
	}
	if m := read(server, "the request"); m.TransactionID != req.TransactionID {
		t.Fatalf("the server got %v", m)
	}
	for _, want := range []time.Duration{200 * time.Millisecond, 400 * time.Millisecond} {
		if d := timers.fire(); d != want {
			t.Fatalf("retransmission after %v, want %v", d, want)
		}
		if m := read(server, "a retransmission"); string(m.Raw) != string(req.Raw) {
			t.Fatal("the retransmission differs from the request")
		}
	}
	// The server answers: no more retransmissions, and the client does not
	// see the answer (its transaction is over), only what follows it.
	resp := stun.MustBuild(stun.NewTransactionIDSetter(req.TransactionID), stun.NewType(stun.MethodCreatePermission, stun.ClassSuccessResponse))
	marker := stun.MustBuild(stun.BindingSuccess, stun.TransactionID)
	for _, b := range [][]byte{resp.Raw, marker.Raw} {
		if _, err := server.WriteTo(b, pc.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if m := read(client, "after the server's answer"); m.TransactionID != marker.TransactionID {
		t.Fatalf("the client got %v, want only the message after the server's answer", m)
	}
	if d := timers.fire(); d != 0 {
		t.Fatalf("a retransmission after %v once the server answered", d)
	}
	nothing(server, "after the server's answer")

	// pion's refresh names the peer again: it passes, unanswered here.
	refresh := createPermission(t, "127.0.0.2")
	if _, err := client.WriteTo(refresh.Raw, server.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if m := read(server, "the refresh"); m.TransactionID != refresh.TransactionID {
		t.Fatalf("the server got %v", m)
	}
	nothing(client, "a refresh")
	if d := timers.fire(); d != 0 {
		t.Fatalf("a refresh retransmitted here after %v", d)
	}

	// A server that never answers gets the request 7 times in all.
	lost := createPermission(t, "127.0.0.3")
	if _, err := client.WriteTo(lost.Raw, server.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	read(client, "the answer made here")
	sends := 1
	read(server, "the request")
	for timers.fire() != 0 { // the last timer gives up and sends nothing
		if sends < 7 {
			read(server, "a retransmission")
			sends++
		}
	}
	nothing(server, "after the 7th send")
}
