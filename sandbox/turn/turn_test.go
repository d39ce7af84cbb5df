package turn

import (
	"bytes"
	"context"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	pionturn "github.com/pion/turn/v4"
)

func newServer(t *testing.T) *Server {
	t.Helper()
	s, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return s
}

func newClient(t *testing.T, s *Server, user, pass string) *pionturn.Client {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := s.Addr().String()
	c, err := pionturn.NewClient(&pionturn.ClientConfig{
		STUNServerAddr: addr, TURNServerAddr: addr,
		Username: user, Password: pass, Realm: Realm,
		Conn: pc, RTO: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); _ = pc.Close() })
	return c
}

func TestNewRejectsNonLoopback(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:3478", "example.org:1", "nonsense"} {
		if s, err := New(Options{Addr: addr}); err == nil {
			_ = s.Close()
			t.Errorf("New(%q) accepted", addr)
		}
	}
}

func TestWebRTCServers(t *testing.T) {
	s := newServer(t)
	got := s.WebRTCServers(42)
	if len(got) != 2 || !got[0].Turn || got[0].Stun || !got[1].Stun || got[1].Turn {
		t.Fatalf("entries: %+v", got)
	}
	if got[0].IP != "127.0.0.1" || got[0].Port != s.Addr().Port || got[0].Username != "call42" || got[0].Password == "" {
		t.Fatalf("turn entry: %+v", got[0])
	}
	if other := s.WebRTCServers(43); other[0].Password == got[0].Password {
		t.Fatal("two calls share a password")
	}
}

func TestAuth(t *testing.T) {
	s := newServer(t)
	user, pass := s.Credentials(7)
	for _, tc := range []struct {
		name, user, pass string
		ok               bool
	}{
		{"own call", user, pass, true},
		{"wrong password", user, pass + "x", false},
		{"other call's password", "call8", pass, false},
		{"foreign username", "alice", pass, false},
		{"bad id", "callX", pass, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, s, tc.user, tc.pass)
			relay, err := c.Allocate()
			if (err == nil) != tc.ok {
				t.Fatalf("allocate err = %v, want ok=%v", err, tc.ok)
			}
			if relay != nil {
				_ = relay.Close()
			}
		})
	}
}

func TestSTUNAndRelay(t *testing.T) {
	s := newServer(t)
	user, pass := s.Credentials(1)
	c := newClient(t, s, user, pass)
	mapped, err := c.SendBindingRequest()
	if err != nil {
		t.Fatalf("binding: %v", err)
	}
	if !mapped.(*net.UDPAddr).IP.IsLoopback() {
		t.Fatalf("mapped %v", mapped)
	}
	relay, err := c.Allocate()
	if err != nil {
		t.Fatal(err)
	}
	defer relay.Close()

	peer, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	// Sending from the relay creates the permission for the peer.
	if _, err := relay.WriteTo([]byte("hello"), peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 100)
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, from, err := peer.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("peer got %q, %v", buf[:n], err)
	}
	if from.String() != relay.LocalAddr().String() {
		t.Fatalf("from %v, relay %v", from, relay.LocalAddr())
	}
	if _, err := peer.WriteTo([]byte("back"), from); err != nil {
		t.Fatal(err)
	}
	_ = relay.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, _, err = relay.ReadFrom(buf)
	if err != nil || !bytes.Equal(buf[:n], []byte("back")) {
		t.Fatalf("relay got %q, %v", buf[:n], err)
	}
}

func TestPause(t *testing.T) {
	s := newServer(t)
	user, pass := s.Credentials(1)
	c := newClient(t, s, user, pass)
	s.SetPaused(true)
	if _, err := c.SendBindingRequest(); err == nil {
		t.Fatal("binding answered while paused")
	}
	if s.Dropped() == 0 {
		t.Fatal("nothing counted as dropped")
	}
	s.SetPaused(false)
	if _, err := c.SendBindingRequest(); err != nil {
		t.Fatalf("after resume: %v", err)
	}
}

func TestCredentialsForm(t *testing.T) {
	s := newServer(t)
	for _, id := range []int64{0, 1, -5, 1 << 62} {
		u, p := s.Credentials(id)
		if u != "call"+strconv.FormatInt(id, 10) || len(p) != 24 {
			t.Errorf("Credentials(%d) = %q, %q", id, u, p)
		}
	}
}

// TestRefusePermission: a peer the option refuses gets no permission, so
// the client's first send to it fails; other peers are relayed; PeerData
// counts the data clients sent.
func TestRefusePermission(t *testing.T) {
	refused := net.ParseIP("127.0.0.1")
	s, relay := allocated(t, Options{RefusePermission: func(peer net.IP) bool { return peer.Equal(refused) }})
	if _, err := relay.WriteTo([]byte("hello"), &net.UDPAddr{IP: refused, Port: 9}); err == nil {
		t.Fatal("the send to a refused peer succeeded")
	}
	if s.Refused() == 0 {
		t.Fatal("no refusal counted")
	}
	if n := s.PeerData(); n != 0 {
		t.Fatalf("PeerData = %d before any data left", n)
	}
	relayed(t, relay, "127.0.0.2:0")
	if s.PeerData() == 0 { // counted as read, before it was relayed
		t.Fatal("the Send indication was not counted")
	}
}

// TestFailPermissions: the first CreatePermission (and ChannelBind) is
// answered 508; the next is served.
func TestFailPermissions(t *testing.T) {
	s, relay := allocated(t, Options{FailPermissions: 1})
	if _, err := relay.WriteTo([]byte("hello"), &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9}); err == nil || !strings.Contains(err.Error(), "508") {
		t.Fatalf("first send: %v, want the permission's 508", err)
	}
	if s.Failed() != 1 {
		t.Fatalf("Failed = %d", s.Failed())
	}
	relayed(t, relay, "127.0.0.1:0")
}

// allocated is a server with opts and a client's relayed conn on it.
func allocated(t *testing.T, opts Options) (*Server, net.PacketConn) {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	user, pass := s.Credentials(1)
	relay, err := newClient(t, s, user, pass).Allocate()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = relay.Close() })
	return s, relay
}

// relayed sends through relay to a peer listening at addr, which gets it.
func relayed(t *testing.T, relay net.PacketConn, addr string) {
	t.Helper()
	peer, err := net.ListenPacket("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	if _, err := relay.WriteTo([]byte("hello"), peer.LocalAddr()); err != nil {
		t.Fatalf("send to %v: %v", peer.LocalAddr(), err)
	}
	buf := make([]byte, 100)
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err := peer.ReadFrom(buf); err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("peer got %q, %v", buf[:n], err)
	}
}
