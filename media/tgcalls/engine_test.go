package tgcalls

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/vnet"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/toneaudio"
	"github.com/tgphone/tgphone/sandbox/turn"
)

// side is one end of a test call.
type side struct {
	eng    *Engine
	audio  *toneaudio.Tone
	events chan media.Event

	mu   sync.Mutex
	sent [][]byte // every signalling frame this side sent, in order
}

func (s *side) frames() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.sent...)
}

type callOpts struct {
	servers    []media.WebRTCServer
	reflectors [2][]media.Reflector // each side's phoneConnection entries
	p2p        bool
	nets       [2]transport.Net
	calleeWait time.Duration // callee starts later: its signalling arrives early
	version    string
	// packetTimeout replaces the tests' 10 s call_packet_timeout_ms.
	packetTimeout time.Duration
	// noMic makes a side's microphone produce nothing, as a broken or
	// misnegotiated sender would.
	noMic [2]bool
	// log, when set, takes both sides' logs besides testLogger's.
	log slog.Handler
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startCall builds caller and callee engines joined by an in-memory signalling
// relay (what the sandbox does with phone.sendSignalingData) and starts them.
func startCall(t testing.TB, o callOpts, freqs [2]float64) (caller, callee *side) {
	t.Helper()
	var key [256]byte
	if _, err := rand.Read(key[:]); err != nil {
		t.Fatal(err)
	}
	if o.version == "" {
		o.version = Versions[0]
	}
	sides := [2]*side{}
	relays := [2]chan []byte{make(chan []byte, 1024), make(chan []byte, 1024)}
	for i := range sides {
		s := &side{audio: toneaudio.New(t, freqs[i]), events: make(chan media.Event, 64)}
		s.audio.NoMic = o.noMic[i]
		pt := 10 * time.Second
		if o.packetTimeout > 0 {
			pt = o.packetTimeout
		}
		out := relays[i]
		logger := testLogger()
		if o.log != nil {
			logger = slog.New(teeHandler{logger.Handler(), o.log})
		}
		eng, err := newEngine(media.Params{
			Key: key, Outgoing: i == 0, LibraryVersion: o.version,
			WebRTCServers: o.servers, Reflectors: o.reflectors[i], P2PAllowed: o.p2p,
			ConnectTimeout: 30 * time.Second, PacketTimeout: pt,
			Audio: s.audio,
			SendSignaling: func(ctx context.Context, data []byte) error {
				s.mu.Lock()
				s.sent = append(s.sent, append([]byte(nil), data...))
				s.mu.Unlock()
				select {
				case out <- append([]byte(nil), data...):
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			},
			OnEvent: func(ev media.Event) {
				select {
				case s.events <- ev:
				default:
				}
			},
			Logger: logger.With("side", []string{"caller", "callee"}[i]),
		}, o.nets[i])
		if err != nil {
			t.Fatal(err)
		}
		s.eng = eng
		sides[i] = s
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range relays {
		to := sides[1-i].eng
		in := relays[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case d := <-in:
					to.ReceiveSignaling(d)
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	t.Cleanup(func() {
		_ = sides[0].eng.Close()
		_ = sides[1].eng.Close()
		cancel()
		wg.Wait()
	})
	if err := sides[0].eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(o.calleeWait)
	if err := sides[1].eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return sides[0], sides[1]
}

func waitState(t testing.TB, s *side, want media.State) media.Event {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case ev := <-s.events:
			if ev.State == want {
				return ev
			}
			if ev.State == media.StateFailed && want != media.StateFailed {
				t.Fatalf("engine failed: %v", ev.Err)
			}
		case <-deadline:
			t.Fatalf("no %v event", want)
		}
	}
}

func waitPackets(t testing.TB, s *side, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for s.audio.Packets() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d packets arrived", s.audio.Packets(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkTones asserts that each side hears the other's tone within ±2 Hz.
func checkTones(t *testing.T, caller, callee *side, packets int) {
	t.Helper()
	waitPackets(t, caller, packets)
	waitPackets(t, callee, packets)
	for _, c := range []struct {
		name string
		at   *side
		want float64
	}{{"caller hears callee", caller, callee.audio.Freq}, {"callee hears caller", callee, caller.audio.Freq}} {
		got := dominantFrequency(c.at.audio.Segments())
		if math.Abs(got-c.want) > 2 {
			t.Errorf("%s: %.1f Hz, want %.0f ± 2", c.name, got, c.want)
		}
	}
}

func TestEngineDirect(t *testing.T) {
	caller, callee := startCall(t, callOpts{p2p: true, calleeWait: 300 * time.Millisecond}, [2]float64{440, 697})
	waitState(t, caller, media.StateConnected)
	waitState(t, callee, media.StateConnected)
	checkTones(t, caller, callee, 60) // 1.2 s of 20 ms frames

	if f := caller.audio.Frame(); f != 20*time.Millisecond {
		t.Errorf("tgphone↔tgphone frame = %v, want 20ms", f)
	}
	if p := caller.eng.Stats().Path; !strings.HasPrefix(p, "p2p 127.0.0.1:") {
		t.Errorf("path = %q, want direct loopback", p)
	}

	caller.eng.SetMuted(true)
	for {
		ev := waitState(t, callee, media.StateConnected)
		if ev.RemoteMuted {
			break
		}
	}
	if !callee.eng.Stats().RemoteMuted {
		t.Error("Stats().RemoteMuted false after MediaState")
	}
	s := callee.eng.Stats()
	if s.PacketsRecv == 0 || s.PacketsSent == 0 || s.LibraryVersion != Versions[0] {
		t.Errorf("stats: %+v", s)
	}
}

func TestEngineRelayOnly(t *testing.T) {
	srv, err := turn.New(turn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	var servers []media.WebRTCServer
	for _, w := range srv.WebRTCServers(1) {
		servers = append(servers, media.WebRTCServer{ID: w.ID, IP: w.IP, IPv6: w.Ipv6, Port: w.Port,
			Username: w.Username, Password: w.Password, TURN: w.Turn, STUN: w.Stun})
	}
	caller, callee := startCall(t, callOpts{servers: servers, p2p: false}, [2]float64{523, 811})
	waitState(t, caller, media.StateConnected)
	waitState(t, callee, media.StateConnected)
	checkTones(t, caller, callee, 60)
	for _, s := range []*side{caller, callee} {
		if p := s.eng.Stats().Path; !strings.HasPrefix(p, "turn 127.0.0.1:") {
			t.Errorf("path = %q, want through the TURN server", p)
		}
	}
}

// TestEngineImpaired runs the call over a pion virtual network that drops
// 10 % of packets and adds up to 30 ms of jitter.
func TestEngineImpaired(t *testing.T) {
	router, err := vnet.NewRouter(&vnet.RouterConfig{
		CIDR: "10.0.0.0/24", MinDelay: 5 * time.Millisecond, MaxJitter: 30 * time.Millisecond,
		LoggerFactory: logging.NewDefaultLoggerFactory(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var lossMu sync.Mutex
	rng := mrand.New(mrand.NewPCG(1, 2))
	var dropped, passed int
	router.AddChunkFilter(func(c vnet.Chunk) bool {
		lossMu.Lock()
		defer lossMu.Unlock()
		if rng.Float64() < 0.10 {
			dropped++
			return false
		}
		passed++
		return true
	})
	var nets [2]transport.Net
	for i, ip := range []string{"10.0.0.1", "10.0.0.2"} {
		n, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{ip}})
		if err != nil {
			t.Fatal(err)
		}
		if err := router.AddNet(n); err != nil {
			t.Fatal(err)
		}
		nets[i] = n
	}
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = router.Stop() })

	caller, callee := startCall(t, callOpts{p2p: true, nets: nets}, [2]float64{350, 1013})
	waitState(t, caller, media.StateConnected)
	waitState(t, callee, media.StateConnected)
	checkTones(t, caller, callee, 100)
	lossMu.Lock()
	t.Logf("vnet dropped %d of %d packets", dropped, dropped+passed)
	lossMu.Unlock()
	if s := callee.eng.Stats(); s.RecvLoss == 0 {
		t.Errorf("no receive loss measured under 10%% loss: %+v", s)
	}
}

func TestEngineConnectTimeout(t *testing.T) {
	var key [256]byte
	events := make(chan media.Event, 16)
	eng, err := New(media.Params{
		Key: key, Outgoing: true, LibraryVersion: "8.0.0", P2PAllowed: true,
		ConnectTimeout: 500 * time.Millisecond,
		Audio:          toneaudio.New(t, 100),
		SendSignaling:  func(context.Context, []byte) error { return nil }, // the peer never answers
		OnEvent:        func(ev media.Event) { events <- ev },
		Logger:         testLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for ev := range events {
		if ev.State == media.StateFailed {
			if !errors.Is(ev.Err, ErrConnectTimeout) {
				t.Fatalf("failed with %v", ev.Err)
			}
			return
		}
	}
}

func TestNewRejects(t *testing.T) {
	ok := media.Params{LibraryVersion: "8.0.0", Audio: toneaudio.New(t, 1), SendSignaling: func(context.Context, []byte) error { return nil }}
	for _, tc := range []struct {
		name string
		edit func(*media.Params)
		want error
	}{
		{"legacy version", func(p *media.Params) { p.LibraryVersion = "2.4.4" }, ErrUnsupported},
		{"reference impl", func(p *media.Params) { p.LibraryVersion = "10.0.0" }, ErrUnsupported},
		{"no audio", func(p *media.Params) { p.Audio = nil }, nil},
		{"no signalling", func(p *media.Params) { p.SendSignaling = nil }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ok
			tc.edit(&p)
			_, err := New(p)
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
	for _, v := range Versions {
		p := ok
		p.LibraryVersion = v
		e, err := New(p)
		if err != nil {
			t.Errorf("New(%s): %v", v, err)
			continue
		}
		_ = e.Close()
	}
}

// TestEngineVersions: a call on each advertised version carries tones both
// ways (the signalling framing differs: raw, reliable, SCTP, detected).
func TestEngineVersions(t *testing.T) {
	for _, v := range Versions {
		t.Run(v, func(t *testing.T) {
			start := time.Now()
			caller, callee := startCall(t, callOpts{p2p: true, version: v}, [2]float64{440, 697})
			waitState(t, caller, media.StateConnected)
			waitState(t, callee, media.StateConnected)
			t.Logf("%s: connected after %v", v, time.Since(start).Round(time.Millisecond))
			checkTones(t, caller, callee, 25)
		})
	}
}
