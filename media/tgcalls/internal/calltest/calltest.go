// Package calltest is test support for the tgcalls engines' end-to-end
// tests (the V2 engine's and the reference engine's alike): two engines of
// one package joined by an in-memory signalling relay, what the sandbox
// does with phone.sendSignalingData, each with a tone for a microphone
// (package toneaudio), and the waits and checks those calls share. Nothing
// in the app imports it.
package calltest

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"math"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/toneaudio"
	"github.com/tgphone/tgphone/sandbox/turn"
)

// Logger is the engines' log in tests: debug on stderr when debug, else
// nothing.
func Logger(debug bool) *slog.Logger {
	if debug {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Side is one end of a test call.
type Side[E media.Engine] struct {
	Eng    E
	Audio  *toneaudio.Tone
	Events chan media.Event // the engine's events; one that finds it full is dropped

	mu    sync.Mutex
	sent  [][]byte // every signalling frame this side sent, in order
	notes []string
}

// Frames is every signalling frame the side sent, in order.
func (s *Side[E]) Frames() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.sent...)
}

// Note records a message the side's engine says it sent (a test hook of
// its own, such as the reference engine's JSON messages before framing).
func (s *Side[E]) Note(msg []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notes = append(s.notes, string(msg))
}

// Notes is what Note recorded, in order.
func (s *Side[E]) Notes() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.notes...)
}

// Opts is what a test call's two sides share.
type Opts struct {
	Version string
	// PacketTimeout replaces the tests' 10 s call_packet_timeout_ms.
	PacketTimeout time.Duration
	// CalleeWait is how much later the callee starts: its signalling
	// arrives early.
	CalleeWait time.Duration
	// NoMic makes a side's microphone produce nothing, as a broken or
	// misnegotiated sender would.
	NoMic [2]bool
	// Logger is both sides' log, each With its side's name.
	Logger *slog.Logger
}

// Start builds the caller (i = 0) and the callee (i = 1) with build, which
// adds what is its engine's own to the call's Params (and may hook the
// engine to s.Note), joins their signalling and starts them. The tones are each side's microphone; Close
// runs at the test's end.
func Start[E media.Engine](t testing.TB, o Opts, freqs [2]float64, build func(i int, s *Side[E], p media.Params) (E, error)) (caller, callee *Side[E]) {
	t.Helper()
	var key [256]byte
	if _, err := rand.Read(key[:]); err != nil {
		t.Fatal(err)
	}
	pt := 10 * time.Second
	if o.PacketTimeout > 0 {
		pt = o.PacketTimeout
	}
	var sides [2]*Side[E]
	relays := [2]chan []byte{make(chan []byte, 1024), make(chan []byte, 1024)}
	for i := range sides {
		s := &Side[E]{Audio: toneaudio.New(t, freqs[i]), Events: make(chan media.Event, 64)}
		s.Audio.NoMic = o.NoMic[i]
		out := relays[i]
		eng, err := build(i, s, media.Params{
			Key: key, Outgoing: i == 0, LibraryVersion: o.Version,
			ConnectTimeout: 30 * time.Second, PacketTimeout: pt,
			Audio: s.Audio,
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
				case s.Events <- ev:
				default:
				}
			},
			Logger: o.Logger.With("side", []string{"caller", "callee"}[i]),
		})
		if err != nil {
			t.Fatal(err)
		}
		s.Eng = eng
		sides[i] = s
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := range relays {
		to := sides[1-i].Eng
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
		_ = sides[0].Eng.Close()
		_ = sides[1].Eng.Close()
		cancel()
		wg.Wait()
	})
	if err := sides[0].Eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	time.Sleep(o.CalleeWait)
	if err := sides[1].Eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return sides[0], sides[1]
}

// WaitState waits up to a minute for an event of state want and returns
// it; a failure on the way fails the test.
func WaitState[E media.Engine](t testing.TB, s *Side[E], want media.State) media.Event {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		select {
		case ev := <-s.Events:
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

// WaitPackets waits up to a minute until the side heard n packets.
func WaitPackets[E media.Engine](t testing.TB, s *Side[E], n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for s.Audio.Packets() < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d packets arrived", s.Audio.Packets(), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// CheckTones asserts that each side hears the other's tone within ±2 Hz,
// once each heard packets packets.
func CheckTones[E media.Engine](t testing.TB, caller, callee *Side[E], packets int) {
	t.Helper()
	WaitPackets(t, caller, packets)
	WaitPackets(t, callee, packets)
	for _, c := range []struct {
		name string
		at   *Side[E]
		want float64
	}{{"caller hears callee", caller, callee.Audio.Freq}, {"callee hears caller", callee, caller.Audio.Freq}} {
		got := DominantFrequency(c.at.Audio.Segments())
		if math.Abs(got-c.want) > 2 {
			t.Errorf("%s: %.1f Hz, want %.0f ± 2", c.name, got, c.want)
		}
	}
}

// WaitRemoteMuted waits until the side's engine reports the peer muted.
func WaitRemoteMuted[E media.Engine](t testing.TB, s *Side[E]) {
	t.Helper()
	for ev := WaitState(t, s, media.StateConnected); !ev.RemoteMuted; ev = WaitState(t, s, media.StateConnected) {
	}
}

// TURNServers starts the sandbox's TURN server for the test and returns it
// as a call's WebRTC servers.
func TURNServers(t testing.TB) []media.WebRTCServer {
	t.Helper()
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
