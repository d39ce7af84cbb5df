package netem

import (
	"net"
	"testing"
	"time"
)

func pair(t *testing.T) (net.PacketConn, *net.UDPConn) {
	a, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

func TestImpairment(t *testing.T) {
	tests := []struct {
		name             string
		cfg              Config
		n                int
		minRecv, maxRecv int
	}{
		{"clean", Config{}, 200, 200, 200},
		{"all-lost", Config{LossPct: 100}, 50, 0, 0},
		{"10pct-loss", Config{LossPct: 10, Seed: 3}, 1000, 820, 960},
		{"bursts", Config{LossPct: 5, BurstLen: 4, Seed: 4}, 1000, 700, 940},
		{"duplicates", Config{DupPct: 100, Jitter: 5 * time.Millisecond, Seed: 5}, 100, 200, 200},
		{"blocked", Config{Block: func(net.Addr) bool { return true }}, 20, 0, 0},
		{"rate-cap", Config{RateBytes: 1000}, 100, 5, 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := pair(t)
			c := Wrap(a, tt.cfg)
			recv := make(chan int)
			go func() {
				got := 0
				buf := make([]byte, 200)
				for {
					b.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
					if _, _, err := b.ReadFrom(buf); err != nil {
						break
					}
					got++
				}
				recv <- got
			}()
			for i := 0; i < tt.n; i++ {
				if _, err := c.WriteTo(make([]byte, 100), b.LocalAddr()); err != nil {
					t.Fatal(err)
				}
				time.Sleep(300 * time.Microsecond) // keep the receiver's socket buffer from overflowing
			}
			c.Close()
			got := <-recv
			if got < tt.minRecv || got > tt.maxRecv {
				t.Errorf("received %d, want %d..%d (counters %+v)", got, tt.minRecv, tt.maxRecv, c.Counters())
			}
		})
	}
}
