package netem

import (
	"net"
	"testing"
	"time"
)

// TestProxyRelaysBothWays: an echo server behind a lossless proxy sees
// every datagram and answers through it; with 100 % loss nothing passes.
func TestProxyRelaysBothWays(t *testing.T) {
	srv, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
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
