package tgcalls

import (
	"log/slog"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/vnet"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/calltest"
)

// side is one end of a test call.
type side = calltest.Side[*Engine]

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

func testLogger() *slog.Logger { return calltest.Logger(testing.Verbose()) }

// startCall starts a call between two V2 engines (calltest.Start).
func startCall(t testing.TB, o callOpts, freqs [2]float64) (caller, callee *side) {
	t.Helper()
	if o.version == "" {
		o.version = Versions[0]
	}
	logger := testLogger()
	if o.log != nil {
		logger = slog.New(teeHandler{logger.Handler(), o.log})
	}
	co := calltest.Opts{Version: o.version, PacketTimeout: o.packetTimeout, CalleeWait: o.calleeWait, NoMic: o.noMic, Logger: logger}
	return calltest.Start(t, co, freqs, func(i int, _ *side, p media.Params) (*Engine, error) {
		p.WebRTCServers, p.Reflectors, p.P2PAllowed = o.servers, o.reflectors[i], o.p2p
		return newEngine(p, o.nets[i])
	})
}

func TestEngineDirect(t *testing.T) {
	caller, callee := startCall(t, callOpts{p2p: true, calleeWait: 300 * time.Millisecond}, [2]float64{440, 697})
	calltest.WaitState(t, caller, media.StateConnected)
	calltest.WaitState(t, callee, media.StateConnected)
	calltest.CheckTones(t, caller, callee, 60) // 1.2 s of 20 ms frames

	if f := caller.Audio.Frame(); f != 20*time.Millisecond {
		t.Errorf("tgphone↔tgphone frame = %v, want 20ms", f)
	}
	if p := caller.Eng.Stats().Path; !strings.HasPrefix(p, "p2p 127.0.0.1:") {
		t.Errorf("path = %q, want direct loopback", p)
	}

	caller.Eng.SetMuted(true)
	for {
		ev := calltest.WaitState(t, callee, media.StateConnected)
		if ev.RemoteMuted {
			break
		}
	}
	if !callee.Eng.Stats().RemoteMuted {
		t.Error("Stats().RemoteMuted false after MediaState")
	}
	s := callee.Eng.Stats()
	if s.PacketsRecv == 0 || s.PacketsSent == 0 || s.LibraryVersion != Versions[0] {
		t.Errorf("stats: %+v", s)
	}
}

func TestEngineRelayOnly(t *testing.T) {
	caller, callee := startCall(t, callOpts{servers: calltest.TURNServers(t), p2p: false}, [2]float64{523, 811})
	calltest.WaitState(t, caller, media.StateConnected)
	calltest.WaitState(t, callee, media.StateConnected)
	calltest.CheckTones(t, caller, callee, 60)
	for _, s := range []*side{caller, callee} {
		if p := s.Eng.Stats().Path; !strings.HasPrefix(p, "turn 127.0.0.1:") {
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
	calltest.WaitState(t, caller, media.StateConnected)
	calltest.WaitState(t, callee, media.StateConnected)
	calltest.CheckTones(t, caller, callee, 100)
	lossMu.Lock()
	t.Logf("vnet dropped %d of %d packets", dropped, dropped+passed)
	lossMu.Unlock()
	if s := callee.Eng.Stats(); s.RecvLoss == 0 {
		t.Errorf("no receive loss measured under 10%% loss: %+v", s)
	}
}

func TestEngineConnectTimeout(t *testing.T) {
	calltest.ConnectTimeout(t, New, "8.0.0", ErrConnectTimeout, testLogger())
}

func TestNewRejects(t *testing.T) {
	calltest.NewRejects(t, New, Versions, []string{"2.4.4", "10.0.0"}, ErrUnsupported)
}

// TestEngineVersions: a call on each advertised version carries tones both
// ways (the signalling framing differs: raw, reliable, SCTP, detected).
func TestEngineVersions(t *testing.T) {
	for _, v := range Versions {
		t.Run(v, func(t *testing.T) {
			start := time.Now()
			caller, callee := startCall(t, callOpts{p2p: true, version: v}, [2]float64{440, 697})
			calltest.WaitState(t, caller, media.StateConnected)
			calltest.WaitState(t, callee, media.StateConnected)
			t.Logf("%s: connected after %v", v, time.Since(start).Round(time.Millisecond))
			calltest.CheckTones(t, caller, callee, 25)
		})
	}
}
