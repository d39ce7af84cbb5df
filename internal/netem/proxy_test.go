package netem

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestProxyRelaysBothWays: an echo server behind a lossless proxy sees
// every datagram and answers through it; with 100 % loss nothing passes.
func TestProxyRelaysBothWays(t *testing.T) {
	srv := udpEcho(t)
	p, err := NewProxy(srv.LocalAddr().(*net.UDPAddr), Config{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c, err := net.DialUDP("udp", nil, p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 1500)
	for i := range 20 {
		if _, err := c.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := c.Read(buf)
		if err != nil || n != 1 || buf[0] != byte(i) {
			t.Fatalf("echo %d through the proxy: %d bytes %v, %v", i, n, buf[:n], err)
		}
	}
	p.SetConfig(Config{LossPct: 100, Seed: 2})
	_, _ = c.Write([]byte{99})
	_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(buf); err == nil {
		t.Fatalf("100 %% loss let %v through", buf[:n])
	}
}

// TestProxySeededPerDirection: which of a client's datagrams the proxy
// loses, each way, depends on the seed and on that client's own datagrams
// only: the same with another client's traffic interleaved as without it.
// Trace reports each datagram's fate.
func TestProxySeededPerDirection(t *testing.T) {
	srv := udpEcho(t)
	// fates runs one proxy: client a sends 60 datagrams, and with other
	// set, client b sends one before each of a's; it returns a's fates up
	// and down as Trace reported them.
	fates := func(other bool) (up, down string) {
		p, err := NewProxy(srv.LocalAddr().(*net.UDPAddr), Config{LossPct: 40, Seed: 5})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		type fate struct {
			client   string
			toClient bool
			lost     bool
		}
		seen := make(chan fate, 256)
		p.Trace(func(client net.Addr, toClient bool, b []byte, lost bool) {
			seen <- fate{client.String(), toClient, lost}
		})
		dial := func() *net.UDPConn {
			c, err := net.DialUDP("udp", nil, p.Addr())
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		a, b := dial(), dial()
		defer a.Close()
		defer b.Close()
		mark := func(lost bool) string {
			if lost {
				return "x"
			}
			return "."
		}
		// send waits for the fate of c's datagram each way it goes.
		send := func(c *net.UDPConn) (up, down string) {
			if _, err := c.Write([]byte{1}); err != nil {
				t.Fatal(err)
			}
			for {
				select {
				case f := <-seen:
					if f.client != c.LocalAddr().String() {
						t.Fatalf("a fate for %s while waiting for %s's", f.client, c.LocalAddr())
					}
					if !f.toClient {
						up = mark(f.lost)
						if f.lost {
							return up, ""
						}
						continue
					}
					return up, mark(f.lost)
				case <-time.After(5 * time.Second):
					t.Fatal("no fate traced")
				}
			}
		}
		// a sends first, so it is the proxy's first client both times.
		for i := range 60 {
			if other && i > 0 {
				send(b)
			}
			u, d := send(a)
			up += u
			down += d
		}
		return up, down
	}
	up1, down1 := fates(false)
	up2, down2 := fates(true)
	if up1 != up2 || down1 != down2 {
		t.Errorf("client a's fates changed with another client's traffic:\nup   %s\n     %s\ndown %s\n     %s", up1, up2, down1, down2)
	}
	if !strings.Contains(up1, "x") || !strings.Contains(down1, "x") || !strings.Contains(up1, ".") {
		t.Errorf("40 %% loss lost nothing or everything: up %s, down %s", up1, down1)
	}
}

// udpEcho is a loopback UDP server that sends every datagram back to
// its sender, closed when the test ends.
func udpEcho(t *testing.T) *net.UDPConn {
	t.Helper()
	srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := srv.ReadFrom(buf)
			if err != nil {
				return
			}
			_, _ = srv.WriteTo(buf[:n], from)
		}
	}()
	return srv
}
