package reference

import (
	"context"
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/transport/v4"

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
	sent []string // every JSON message this side sent, in order
}

func (s *side) messages() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

type callOpts struct {
	version string
	servers []media.WebRTCServer
	p2p     bool
	nets    [2]transport.Net
	// packetTimeout replaces the tests' 10 s call_packet_timeout_ms.
	packetTimeout time.Duration
}

func testLogger() *slog.Logger {
	if testing.Verbose() && os.Getenv("REFDEBUG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startCall builds caller and callee engines joined by an in-memory
// signalling relay (what the sandbox does with phone.sendSignalingData)
// and starts them.
func startCall(t testing.TB, o callOpts, freqs [2]float64) (caller, callee *side) {
	t.Helper()
	var key [256]byte
	if _, err := rand.Read(key[:]); err != nil {
		t.Fatal(err)
	}
	sides := [2]*side{}
	relays := [2]chan []byte{make(chan []byte, 1024), make(chan []byte, 1024)}
	for i := range sides {
		s := &side{audio: toneaudio.New(t, freqs[i]), events: make(chan media.Event, 64)}
		out := relays[i]
		pt := 10 * time.Second
		if o.packetTimeout > 0 {
			pt = o.packetTimeout
		}
		eng, err := newEngine(media.Params{
			Key: key, Outgoing: i == 0, LibraryVersion: o.version,
			WebRTCServers: o.servers, P2PAllowed: o.p2p,
			ConnectTimeout: 30 * time.Second, PacketTimeout: pt,
			Audio: s.audio,
			SendSignaling: func(ctx context.Context, data []byte) error {
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
			Logger: testLogger().With("side", []string{"caller", "callee"}[i]),
		}, o.nets[i], hooks{sent: func(m []byte) {
			s.mu.Lock()
			s.sent = append(s.sent, string(m))
			s.mu.Unlock()
		}})
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
	for _, s := range sides {
		if err := s.eng.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return sides[0], sides[1]
}

func waitState(t testing.TB, s *side, want media.State) media.Event {
	t.Helper()
	deadline := time.After(30 * time.Second)
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
	deadline := time.Now().Add(30 * time.Second)
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
	start := time.Now()
	defer func() { t.Logf("tone analysis took %v", time.Since(start).Round(time.Millisecond)) }()
	for _, c := range []struct {
		name string
		at   *side
		want float64
	}{{"caller hears callee", caller, callee.audio.Freq}, {"callee hears caller", callee, caller.audio.Freq}} {
		got := dominantFrequency(c.at.audio.Segments())
		t.Logf("%s: %.1f Hz (sent %.0f)", c.name, got, c.want)
		if math.Abs(got-c.want) > 2 {
			t.Errorf("%s: %.1f Hz, want %.0f ± 2", c.name, got, c.want)
		}
	}
}

func turnServers(t *testing.T) []media.WebRTCServer {
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
	return servers
}

// TestCall: a tgphone↔tgphone call on each version, direct and relay-only
// through the sandbox's TURN server, carries tones both ways; mute stops
// RTP and reaches the peer as MediaState.
func TestCall(t *testing.T) {
	for _, v := range Versions {
		for _, relay := range []bool{false, true} {
			name := v + "/direct"
			if relay {
				name = v + "/relay-only"
			}
			t.Run(name, func(t *testing.T) {
				o := callOpts{version: v, p2p: !relay}
				if relay {
					o.servers = turnServers(t)
				}
				start := time.Now()
				caller, callee := startCall(t, o, [2]float64{440, 697})
				waitState(t, caller, media.StateConnected)
				waitState(t, callee, media.StateConnected)
				t.Logf("connected after %v", time.Since(start).Round(time.Millisecond))
				checkTones(t, caller, callee, 40)
				t.Logf("tones both ways after %v", time.Since(start).Round(time.Millisecond))
				for _, s := range []*side{caller, callee} {
					p := s.eng.Stats().Path
					want := "p2p 127.0.0.1:"
					if relay {
						want = "turn 127.0.0.1:"
					}
					if !strings.HasPrefix(p, want) {
						t.Errorf("path = %q, want %s…", p, want)
					}
					if f := s.audio.Frame(); f != frame {
						t.Errorf("frame = %v, want %v", f, frame)
					}
				}
				checkRounds(t, caller.messages(), callee.messages(), true)

				// Stats, once RTCP reports have gone both ways and a bit
				// rate has been measured (over at least 1 s: a call that
				// got here sooner reads 0 until then).
				var s media.Stats
				for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
					if s = callee.eng.Stats(); (s.RTT > 0 && s.RecvBitrate > 0) || time.Now().After(deadline) {
						break
					}
				}
				if s.PacketsRecv == 0 || s.PacketsSent == 0 || s.LibraryVersion != v || s.RecvBitrate == 0 || s.SignalBars == 0 || s.RTT == 0 {
					t.Errorf("stats: %+v", s)
				}
				t.Logf("callee stats: path %q, send %d bit/s, recv %d bit/s, loss %.2f/%.2f, rtt %v, packets %d/%d, bars %d",
					s.Path, s.SendBitrate, s.RecvBitrate, s.SendLoss, s.RecvLoss, s.RTT, s.PacketsSent, s.PacketsRecv, s.SignalBars)

				caller.eng.SetMuted(true)
				for ev := waitState(t, callee, media.StateConnected); !ev.RemoteMuted; ev = waitState(t, callee, media.StateConnected) {
				}
				if !callee.eng.Stats().RemoteMuted {
					t.Error("Stats().RemoteMuted false after MediaState")
				}
				sent := caller.eng.Stats().PacketsSent
				time.Sleep(300 * time.Millisecond)
				if now := caller.eng.Stats().PacketsSent; now != sent {
					t.Errorf("muted caller sent %d RTP packets", now-sent)
				}
			})
		}
	}
}

func TestConnectTimeout(t *testing.T) {
	var key [256]byte
	events := make(chan media.Event, 16)
	eng, err := New(media.Params{
		Key: key, Outgoing: true, LibraryVersion: "10.0.0", P2PAllowed: true,
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
	ok := media.Params{LibraryVersion: "10.0.0", Audio: toneaudio.New(t, 1), SendSignaling: func(context.Context, []byte) error { return nil }}
	for _, tc := range []struct {
		name string
		edit func(*media.Params)
		want error
	}{
		{"legacy version", func(p *media.Params) { p.LibraryVersion = "2.4.4" }, ErrUnsupported},
		{"V2 version", func(p *media.Params) { p.LibraryVersion = "8.0.0" }, ErrUnsupported},
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
		_ = e.Close() // never started
	}
}
