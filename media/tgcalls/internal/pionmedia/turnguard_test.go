package pionmedia

import (
	"context"
	"encoding/binary"
	"errors"
	"log/slog"
	"net"
	"strings"
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

	// A server that never answers gets the request 7 times in a round;
	// then the peer is refused and the request sent again 0.5 s later.
	lost := createPermission(t, "127.0.0.3")
	if _, err := client.WriteTo(lost.Raw, server.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	read(client, "the answer made here")
	sends := 1
	read(server, "the request")
	for sends < 7 {
		if d := timers.fire(); d == 0 {
			t.Fatalf("no retransmission after %d sends", sends)
		}
		read(server, "a retransmission")
		sends++
	}
	if d := timers.fire(); d != 12800*time.Millisecond { // gives up the round
		t.Fatalf("the round ended after %v, want 12.8 s", d)
	}
	nothing(server, "after the 7th send")
	if d := timers.fire(); d != permissionRetryWait {
		t.Fatalf("sent again after %v, want %v", d, permissionRetryWait)
	}
	if m := read(server, "the request sent again"); string(m.Raw) != string(lost.Raw) {
		t.Fatal("the request sent again differs")
	}
}

// recordLog keeps the records logged.
type recordLog struct {
	mu   sync.Mutex
	recs []slog.Record
}

func (h *recordLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	h.recs = append(h.recs, r.Clone())
	h.mu.Unlock()
	return nil
}
func (h *recordLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordLog) WithGroup(string) slog.Handler      { return h }

// lines returns the records whose message holds msg, as "level msg k=v…".
func (h *recordLog) lines(msg string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.recs {
		if !strings.Contains(r.Message, msg) {
			continue
		}
		line := r.Level.String() + " " + r.Message
		r.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
		out = append(out, line)
	}
	return out
}

func sendIndication(t *testing.T, ip string) []byte {
	t.Helper()
	m := stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodSend, stun.ClassIndication),
		xorPeer(ip), dataAttr([]byte("check")), stun.Fingerprint)
	return m.Raw
}

func xorPeer(ip string) stun.Setter {
	return peerAttr{net.ParseIP(ip)}
}

type peerAttr struct{ ip net.IP }

func (a peerAttr) AddTo(m *stun.Message) error {
	return stun.XORMappedAddress{IP: a.ip, Port: 599}.AddToAs(m, stun.AttrXORPeerAddress)
}

type dataAttr []byte

func (d dataAttr) AddTo(m *stun.Message) error { m.Add(stun.AttrData, d); return nil }

func channelBind(t *testing.T, num uint16, ip string) *stun.Message {
	t.Helper()
	return stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodChannelBind, stun.ClassRequest),
		xorPeer(ip), channelAttr(num))
}

type channelAttr uint16

func (c channelAttr) AddTo(m *stun.Message) error {
	m.Add(stun.AttrChannelNumber, binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, uint16(c)), 0))
	return nil
}

// refusalRig is a turnConn with stepped timers and a logger that records,
// and a loopback "server" socket.
type refusalRig struct {
	t       *testing.T
	client  *turnConn
	server  net.PacketConn
	timers  *stepTimers
	log     *recordLog
	rejects *media.Rejects
	buf     []byte
}

func newRefusalRig(t *testing.T) *refusalRig {
	t.Helper()
	server, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = server.Close() })
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &refusalRig{t: t, server: server, timers: &stepTimers{}, log: &recordLog{}, rejects: &media.Rejects{}, buf: make([]byte, 1500)}
	r.client = newTurnConn(pc, Net{Log: slog.New(r.log), Rejects: r.rejects}, r.timers.after)
	t.Cleanup(func() { _ = r.client.Close() })
	return r
}

func (r *refusalRig) write(b []byte) error {
	_, err := r.client.WriteTo(b, r.server.LocalAddr())
	return err
}

func (r *refusalRig) serverRead(what string) []byte {
	r.t.Helper()
	_ = r.server.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := r.server.ReadFrom(r.buf)
	if err != nil {
		r.t.Fatalf("%s: %v", what, err)
	}
	return append([]byte(nil), r.buf[:n]...)
}

func (r *refusalRig) serverNothing(what string) {
	r.t.Helper()
	_ = r.server.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if n, _, err := r.server.ReadFrom(r.buf); err == nil {
		r.t.Fatalf("%s: the server got %d bytes", what, n)
	}
}

// serverSend sends bs to the client, then a marker, and returns what the
// client reads up to the marker, the marker left out.
func (r *refusalRig) serverSend(bs ...[]byte) [][]byte {
	r.t.Helper()
	marker := stun.MustBuild(stun.BindingSuccess, stun.TransactionID)
	for _, b := range append(bs, marker.Raw) {
		if _, err := r.server.WriteTo(b, r.client.LocalAddr()); err != nil {
			r.t.Fatal(err)
		}
	}
	var got [][]byte
	for {
		_ = r.client.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _, err := r.client.ReadFrom(r.buf)
		if err != nil {
			r.t.Fatalf("client read: %v", err)
		}
		if string(r.buf[:n]) == string(marker.Raw) {
			return got
		}
		got = append(got, append([]byte(nil), r.buf[:n]...))
	}
}

// permit writes a first permission for ip and reads the answer made here
// and the request the server gets.
func (r *refusalRig) permit(ip string) *stun.Message {
	r.t.Helper()
	req := createPermission(r.t, ip)
	if err := r.write(req.Raw); err != nil {
		r.t.Fatal(err)
	}
	_ = r.client.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err := r.client.ReadFrom(r.buf)
	if err != nil || n < 20 || string(r.buf[8:20]) != string(req.TransactionID[:]) {
		r.t.Fatalf("the answer made here: %v", err)
	}
	if got := r.serverRead("the request"); string(got) != string(req.Raw) {
		r.t.Fatal("the server got another request")
	}
	return req
}

func errorResponse(tid [stun.TransactionIDSize]byte, method stun.Method, setters ...stun.Setter) []byte {
	return stun.MustBuild(append([]stun.Setter{stun.NewTransactionIDSetter(tid),
		stun.NewType(method, stun.ClassErrorResponse)}, setters...)...).Raw
}

func successResponse(tid [stun.TransactionIDSize]byte, method stun.Method) []byte {
	return stun.MustBuild(stun.NewTransactionIDSetter(tid), stun.NewType(method, stun.ClassSuccessResponse)).Raw
}

// TestTurnConnPermissionRefused: when the server refuses a permission
// answered early (403), data for that peer is no longer sent as if it
// could arrive (the write fails), other peers are not touched, the
// refusal is logged once with the server, peer, code and reason, a 4xx
// is not sent again, and the client's ChannelBind for the peer granted by
// the server (it installs the permission) ends the refusal.
func TestTurnConnPermissionRefused(t *testing.T) {
	r := newRefusalRig(t)
	req := r.permit("127.0.0.2")
	if got := r.serverSend(errorResponse(req.TransactionID, stun.MethodCreatePermission,
		&stun.ErrorCodeAttribute{Code: stun.CodeForbidden, Reason: []byte("peer\x00not allowed \xff")})); len(got) != 0 {
		t.Fatalf("the refusal passed on to the client: %d messages", len(got))
	}
	warn := r.log.lines("refused a permission")
	if len(warn) != 1 || !strings.Contains(warn[0], "127.0.0.2") || !strings.Contains(warn[0], "code=403") ||
		!strings.Contains(warn[0], "retry=false") || !strings.Contains(warn[0], r.server.LocalAddr().String()) {
		t.Fatalf("logged %q, want one warning naming the server, the peer and 403", warn)
	}
	if d := r.timers.fire(); d != 0 {
		t.Fatalf("a 403 sent again after %v", d)
	}

	// Data for the refused peer: not sent, and said so.
	err := r.write(sendIndication(t, "127.0.0.2"))
	if !errors.Is(err, errPermissionRefused) {
		t.Fatalf("Send indication to a refused peer: %v, want errPermissionRefused", err)
	}
	r.serverNothing("a Send indication to a refused peer")
	// Another peer's data passes.
	if err := r.write(sendIndication(t, "127.0.0.9")); err != nil {
		t.Fatal(err)
	}
	r.serverRead("a Send indication to another peer")

	// The client binds a channel to the refused peer: the request passes,
	// data on the channel does not.
	bind := channelBind(t, 0x4001, "127.0.0.2")
	if err := r.write(bind.Raw); err != nil {
		t.Fatal(err)
	}
	r.serverRead("the ChannelBind")
	if err := r.write(channelData(0x4001, []byte("rtp"))); !errors.Is(err, errPermissionRefused) {
		t.Fatalf("ChannelData to a refused peer: %v", err)
	}
	r.serverNothing("ChannelData to a refused peer")
	if n := r.client.refusedSends.Load(); n != 2 {
		t.Fatalf("refusedSends = %d, want 2", n)
	}
	// The server grants the ChannelBind: the answer passes to the client,
	// and the refusal ends.
	if got := r.serverSend(successResponse(bind.TransactionID, stun.MethodChannelBind)); len(got) != 1 {
		t.Fatalf("the ChannelBind's answer: %d messages to the client, want 1", len(got))
	}
	if err := r.write(channelData(0x4001, []byte("rtp"))); err != nil {
		t.Fatalf("ChannelData once granted: %v", err)
	}
	r.serverRead("ChannelData once granted")
	if err := r.write(sendIndication(t, "127.0.0.2")); err != nil {
		t.Fatal(err)
	}
	r.serverRead("a Send indication once granted")
	if l := r.log.lines("granted a refused permission"); len(l) != 1 {
		t.Fatalf("logged %q, want the grant once", l)
	}
	if warn := r.log.lines("refused a permission"); len(warn) != 1 {
		t.Fatalf("logged %q, want the refusal once", warn)
	}
}

// TestTurnConnPermissionRetried: a refusal that may pass (508, or no
// answer) is sent again after 0.5 s, doubled, the same request; the
// server's grant ends the refusal; after permissionRetries rounds it is
// left to pion's refresh, which, granted, ends it too.
func TestTurnConnPermissionRetried(t *testing.T) {
	r := newRefusalRig(t)
	req := r.permit("127.0.0.4")
	r.serverSend(errorResponse(req.TransactionID, stun.MethodCreatePermission, stun.CodeInsufficientCapacity))
	if w := r.log.lines("refused a permission"); len(w) != 1 || !strings.Contains(w[0], "code=508") || !strings.Contains(w[0], "retry=true") {
		t.Fatalf("logged %q", w)
	}
	if err := r.write(sendIndication(t, "127.0.0.4")); !errors.Is(err, errPermissionRefused) {
		t.Fatalf("Send indication while refused: %v", err)
	}
	if d := r.timers.fire(); d != permissionRetryWait {
		t.Fatalf("sent again after %v, want %v", d, permissionRetryWait)
	}
	if got := r.serverRead("the request sent again"); string(got) != string(req.Raw) {
		t.Fatal("the request sent again differs")
	}
	r.serverSend(successResponse(req.TransactionID, stun.MethodCreatePermission))
	if err := r.write(sendIndication(t, "127.0.0.4")); err != nil {
		t.Fatalf("Send indication once granted: %v", err)
	}
	r.serverRead("a Send indication once granted")
	if d := r.timers.fire(); d != 0 {
		t.Fatalf("a timer after the grant: %v", d)
	}

	// Refused at every try: 0.5, 1, 2, 4 s, then no more.
	req = r.permit("127.0.0.6")
	for round, wait := range []time.Duration{permissionRetryWait, 2 * permissionRetryWait, 4 * permissionRetryWait, 8 * permissionRetryWait, 0} {
		r.serverSend(errorResponse(req.TransactionID, stun.MethodCreatePermission, stun.CodeServerError))
		d := r.timers.fire()
		if d != wait {
			t.Fatalf("round %d: sent again after %v, want %v", round, d, wait)
		}
		if d != 0 {
			r.serverRead("the request sent again")
		}
	}
	if w := r.log.lines("refused a permission"); len(w) != 2 {
		t.Fatalf("logged %q, want one refusal a peer", w)
	}
	// pion's refresh names the peer: watched, and granted, ends the refusal.
	refresh := createPermission(t, "127.0.0.6")
	if err := r.write(refresh.Raw); err != nil {
		t.Fatal(err)
	}
	r.serverRead("the refresh")
	if got := r.serverSend(successResponse(refresh.TransactionID, stun.MethodCreatePermission)); len(got) != 1 {
		t.Fatalf("the refresh's answer: %d messages to the client, want 1", len(got))
	}
	if err := r.write(sendIndication(t, "127.0.0.6")); err != nil {
		t.Fatalf("Send indication once refreshed: %v", err)
	}
}

// TestTurnConnPermissionMalformedAnswers: answers to an early permission
// that do not decode are no answer (rejected as malformed, the request
// still retransmitted); an error response without ERROR-CODE (what
// pion's TURN server sends) is a refusal with code 0.
func TestTurnConnPermissionMalformedAnswers(t *testing.T) {
	r := newRefusalRig(t)
	req := r.permit("127.0.0.5")
	bad := errorResponse(req.TransactionID, stun.MethodCreatePermission, stun.CodeForbidden)
	truncated := append([]byte(nil), bad[:len(bad)-3]...) // the header says more
	binary.BigEndian.PutUint16(truncated[2:], uint16(len(bad)-20))
	badCode := errorResponse(req.TransactionID, stun.MethodCreatePermission)
	badCode = append(badCode, 0x00, 0x09, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00) // ERROR-CODE too short
	binary.BigEndian.PutUint16(badCode[2:], uint16(len(badCode)-20))
	if got := r.serverSend(truncated, badCode); len(got) != 0 {
		t.Fatalf("%d malformed answers passed on", len(got))
	}
	if total, _ := r.rejects.Snapshot(); total != 1 {
		t.Fatalf("rejected %d, want the truncated answer", total)
	}
	// The answer with a bad ERROR-CODE decodes: a refusal, code unknown.
	if w := r.log.lines("refused a permission"); len(w) != 1 || !strings.Contains(w[0], "code=0") {
		t.Fatalf("logged %q", w)
	}
	if err := r.write(sendIndication(t, "127.0.0.5")); !errors.Is(err, errPermissionRefused) {
		t.Fatalf("Send indication: %v", err)
	}
}

// FuzzTurnConnAnswer feeds what a server may answer to an early
// permission, to a request of the client's naming a refused peer, and
// what the client may write while a peer is refused: nothing panics.
func FuzzTurnConnAnswer(f *testing.F) {
	tid := [stun.TransactionIDSize]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	f.Add(errorResponse(tid, stun.MethodCreatePermission, stun.CodeForbidden))
	f.Add(errorResponse(tid, stun.MethodCreatePermission))
	f.Add(successResponse(tid, stun.MethodCreatePermission))
	f.Add(successResponse(tid, stun.MethodChannelBind))
	f.Add(channelData(0x4001, []byte("x")))
	f.Add([]byte{0, 1, 0, 0, 0x21, 0x12, 0xa4, 0x42})
	server, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer server.Close()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer pc.Close()
	f.Fuzz(func(t *testing.T, b []byte) {
		var timers stepTimers
		c := newTurnConn(pc, Net{Log: slog.New(slog.DiscardHandler), Rejects: &media.Rejects{}}, timers.after)
		req := stun.MustBuild(stun.NewTransactionIDSetter(tid), stun.NewType(stun.MethodCreatePermission, stun.ClassRequest), xorPeer("127.0.0.2"))
		if _, err := c.WriteTo(req.Raw, server.LocalAddr()); err != nil {
			t.Fatal(err)
		}
		in := append([]byte(nil), b...)
		if len(in) >= 20 {
			copy(in[8:20], tid[:])
		}
		c.answeredEarly(in)
		c.mu.Lock()
		c.refused["127.0.0.2"] = true
		c.chanPeer[0x4001] = "127.0.0.2"
		c.pending[tid] = []string{"127.0.0.2"}
		c.mu.Unlock()
		c.observe(in, server.LocalAddr())
		_, _ = c.WriteTo(in, server.LocalAddr())
		_ = c.refuse(in)
		for timers.fire() != 0 {
		}
	})
}

// TestTurnConnPermissionForestalled: pion sends its ChannelBind right
// after the permission answered early; when the server grants it (it
// installs the permission) before it refuses the CreatePermission, the
// peer is not refused; granted after, the permission is not sent again.
func TestTurnConnPermissionForestalled(t *testing.T) {
	r := newRefusalRig(t)
	req := r.permit("127.0.0.7")
	bind := channelBind(t, 0x4002, "127.0.0.7")
	if err := r.write(bind.Raw); err != nil {
		t.Fatal(err)
	}
	r.serverRead("the ChannelBind")
	if got := r.serverSend(successResponse(bind.TransactionID, stun.MethodChannelBind),
		errorResponse(req.TransactionID, stun.MethodCreatePermission, stun.CodeForbidden)); len(got) != 1 {
		t.Fatalf("%d messages to the client, want the ChannelBind's answer", len(got))
	}
	if err := r.write(channelData(0x4002, []byte("rtp"))); err != nil {
		t.Fatalf("ChannelData: %v", err)
	}
	r.serverRead("ChannelData")
	if w := r.log.lines("refused"); len(w) != 0 {
		t.Fatalf("logged %q", w)
	}

	// Refused 508, then its ChannelBind granted: the permission is not
	// sent again.
	req = r.permit("127.0.0.8")
	r.serverSend(errorResponse(req.TransactionID, stun.MethodCreatePermission, stun.CodeInsufficientCapacity))
	bind = channelBind(t, 0x4003, "127.0.0.8")
	if err := r.write(bind.Raw); err != nil {
		t.Fatal(err)
	}
	r.serverRead("the ChannelBind")
	r.serverSend(successResponse(bind.TransactionID, stun.MethodChannelBind))
	if d := r.timers.fire(); d != permissionRetryWait {
		t.Fatalf("timer %v, want the retry's", d)
	}
	r.serverNothing("the permission granted by the ChannelBind")
	if err := r.write(channelData(0x4003, []byte("rtp"))); err != nil {
		t.Fatalf("ChannelData: %v", err)
	}
}
