package legacy

import (
	"context"
	"errors"
	"math"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tgphone/tgphone/internal/netem"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/sandbox/reflector"
	"github.com/tgphone/tgphone/wire"
)

func TestTransitions(t *testing.T) {
	all := []connState{stConnecting, stConnected, stReconnecting, stFailed, stClosed}
	evs := []connEvent{evPackets, evSilence, evTimeout, evClose}
	allowed := map[string]connState{
		"connecting/packets→connected":   stConnected,
		"connecting/timeout→failed":      stFailed,
		"connecting/close→closed":        stClosed,
		"connected/silence→reconnecting": stReconnecting,
		"connected/close→closed":         stClosed,
		"reconnecting/packets→connected": stConnected,
		"reconnecting/timeout→failed":    stFailed,
		"reconnecting/close→closed":      stClosed,
	}
	seen := 0
	for _, s := range all {
		for _, ev := range evs {
			got, err := next(s, ev)
			name := s.String() + "/" + ev.String() + "→" + got.String()
			if want, ok := allowed[name]; ok {
				seen++
				if err != nil || got != want {
					t.Errorf("%s: %v", name, err)
				}
				continue
			}
			if err == nil || got != s {
				t.Errorf("%s/%s: allowed, want rejected", s, ev)
			}
		}
	}
	if seen != len(allowed) {
		t.Errorf("%d of %d allowed transitions seen", seen, len(allowed))
	}
}

func TestSignalBars(t *testing.T) {
	tests := []struct {
		st   connState
		loss float64
		rtt  time.Duration
		want int
	}{
		{stConnected, 0, 50 * time.Millisecond, 4},
		{stConnected, 0.03, 0, 3},
		{stConnected, 0.06, 0, 2},
		{stConnected, 0.2, 0, 1},
		{stConnected, 0, time.Second, 2},
		{stConnected, 0, 3 * time.Second, 1},
		{stReconnecting, 0, 0, 0},
	}
	for _, tt := range tests {
		if got := signalBars(tt.st, tt.loss, tt.rtt); got != tt.want {
			t.Errorf("signalBars(%v, %v, %v) = %d, want %d", tt.st, tt.loss, tt.rtt, got, tt.want)
		}
	}
}

type events struct {
	mu  sync.Mutex
	evs []media.Event
}

func (e *events) add(ev media.Event) { e.mu.Lock(); e.evs = append(e.evs, ev); e.mu.Unlock() }

func (e *events) states() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var s []string
	for _, ev := range e.evs {
		if len(s) == 0 || s[len(s)-1] != ev.State.String() {
			s = append(s, ev.State.String())
		}
	}
	return strings.Join(s, ",")
}

type side struct {
	started    time.Time
	firstAudio chan time.Time
	eng        *Engine
	audio      *fakeAudio
	ev         *events
	conn       *netem.Conn
}

type callCfg struct {
	p2p   bool
	imp   netem.Config
	relay *reflector.Relay
	// tcpA, when valid, is a TCP relay the caller is also given; udpBlockedA
	// blackholes all of the caller's UDP.
	tcpA        netip.AddrPort
	udpBlockedA bool
}

func testKey() [256]byte {
	var k [256]byte
	for i := range k {
		k[i] = byte(i*31 + 7)
	}
	return k
}

func startCall(t testing.TB, ctx context.Context, cfg callCfg) (a, b *side) {
	t.Helper()
	tag := wire.Tag{0xb0, 0xa3, 0x83, 0x70, 15: 0x76}
	mk := func(outgoing bool, hz float64) *side {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		imp := cfg.imp
		if !outgoing {
			imp.Seed++ // independent losses each way
		} else if cfg.udpBlockedA {
			imp.Block = func(net.Addr) bool { return true }
		}
		s := &side{audio: newFakeAudio(t, hz), ev: &events{}, conn: netem.Wrap(pc, imp), firstAudio: make(chan time.Time, 1)}
		tg := tag
		if !outgoing {
			tg[15] |= 1
		}
		refl := []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: int(cfg.relay.Addr().Port()), PeerTag: tg}}
		if outgoing && cfg.tcpA.IsValid() {
			refl = append(refl, media.Reflector{ID: 1, IP: "127.0.0.1", Port: int(cfg.tcpA.Port()), PeerTag: tg, TCP: true})
		}
		p := media.Params{Key: testKey(), Outgoing: outgoing, LibraryVersion: "2.4.4", P2PAllowed: cfg.p2p,
			Reflectors: refl, ConnectTimeout: 10 * time.Second, PacketTimeout: 8 * time.Second, Audio: s.audio, OnEvent: s.ev.add}
		s.eng, err = NewWithOptions(p, Options{Conn: s.conn, OnFirstAudio: func(at time.Time) { s.firstAudio <- at }})
		if err != nil {
			t.Fatal(err)
		}
		s.started = time.Now()
		if err := s.eng.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.eng.Close() })
		return s
	}
	return mk(true, 440), mk(false, 1000)
}

func newRelay(t testing.TB, ctx context.Context) *reflector.Relay {
	r, err := reflector.New(reflector.Options{})
	if err != nil {
		t.Fatal(err)
	}
	go r.Run(ctx)
	t.Cleanup(func() { r.Stop() })
	return r
}

func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func checkTone(t *testing.T, name string, f *fakeAudio, want float64) {
	t.Helper()
	pcm := f.decode(t)
	if len(pcm) < media.SampleRate {
		t.Fatalf("%s: only %d samples received", name, len(pcm))
	}
	pcm = pcm[len(pcm)/5:] // skip the codec's start-up
	if got := dominant(pcm); math.Abs(got-want) > 2 {
		t.Errorf("%s: dominant %.2f Hz, want %v±2", name, got, want)
	}
}

func TestToneThroughReflector(t *testing.T) {
	tests := []struct {
		name    string
		cfg     callCfg
		path    string
		extraEC bool
	}{
		{"relay", callCfg{}, "relay", false},
		{"p2p", callCfg{p2p: true}, "p2p", false},
		{"loss10-jitter30", callCfg{imp: netem.Config{LossPct: 10, Jitter: 30 * time.Millisecond, Seed: 7}}, "relay", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tt.cfg.relay = newRelay(t, ctx)
			a, b := startCall(t, ctx, tt.cfg)
			// 45 packets ≈ 3 s of audio each way; under loss run longer so the
			// loss estimate (acks older than 1 s) can drive extra-EC mode.
			n := 45
			if tt.extraEC {
				n = 90
			}
			waitFor(t, "audio both ways", 30*time.Second, func() bool { return a.audio.received() >= n && b.audio.received() >= n })
			for _, s := range []*side{a, b} {
				if st := s.ev.states(); !strings.HasPrefix(st, "connecting,connected") {
					t.Errorf("states %q", st)
				}
				if p := s.eng.Stats().Path; !strings.HasPrefix(p, tt.path) {
					t.Errorf("path %q, want %s", p, tt.path)
				}
			}
			st := a.eng.Stats()
			if st.PacketsSent == 0 || st.PacketsRecv == 0 || st.LibraryVersion != "2.4.4" {
				t.Errorf("stats %+v", st)
			}
			a.eng.Close()
			b.eng.Close()
			for _, s := range []*side{a, b} {
				s.audio.mu.Lock()
				ec := false
				for _, c := range s.audio.cfgs {
					ec = ec || c.Bitrate == extraECBitrate
				}
				s.audio.mu.Unlock()
				if ec != tt.extraEC {
					t.Errorf("extra-EC mode %v, want %v", ec, tt.extraEC)
				}
			}
			checkTone(t, "B hears A", b.audio, 440)
			checkTone(t, "A hears B", a.audio, 1000)
		})
	}
}

func TestReflectorOutage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRelay(t, ctx)
	a, b := startCall(t, ctx, callCfg{relay: r})
	waitFor(t, "connected", 10*time.Second, func() bool { return a.ev.states() == "connecting,connected" && b.ev.states() == "connecting,connected" })
	r.Pause(3 * time.Second)
	waitFor(t, "reconnect", 15*time.Second, func() bool {
		return a.ev.states() == "connecting,connected,reconnecting,connected" && b.ev.states() == "connecting,connected,reconnecting,connected"
	})
	n := a.audio.received()
	waitFor(t, "audio after outage", 5*time.Second, func() bool { return a.audio.received() > n+5 })
}

func TestConnectTimeout(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := newRelay(t, ctx)
	ev := &events{}
	failed := make(chan error, 1)
	p := media.Params{Key: testKey(), Outgoing: true, Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: int(r.Addr().Port())}},
		ConnectTimeout: 300 * time.Millisecond, Audio: newFakeAudio(t, 440), OnEvent: func(e media.Event) {
			ev.add(e)
			if e.State == media.StateFailed {
				failed <- e.Err
			}
		}}
	eng, err := New(p)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	eng.Start(ctx)
	select {
	case err := <-failed:
		if !errors.Is(err, ErrConnectTimeout) {
			t.Errorf("err %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no failure")
	}
}

func TestNoReflectors(t *testing.T) {
	if _, err := New(media.Params{Audio: newFakeAudio(t, 1)}); !errors.Is(err, ErrNoPath) {
		t.Errorf("err %v", err)
	}
}
