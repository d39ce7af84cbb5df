package reference

import (
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pion/transport/v4"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/calltest"
)

// side is one end of a test call; its Notes are the JSON messages it
// sent, in order.
type side = calltest.Side[*Engine]

type callOpts struct {
	version string
	servers []media.WebRTCServer
	p2p     bool
	nets    [2]transport.Net
	// packetTimeout replaces the tests' 10 s call_packet_timeout_ms.
	packetTimeout time.Duration
}

func testLogger() *slog.Logger {
	return calltest.Logger(testing.Verbose() && os.Getenv("REFDEBUG") != "")
}

// startCall starts a call between two reference engines (calltest.Start).
func startCall(t testing.TB, o callOpts, freqs [2]float64) (caller, callee *side) {
	t.Helper()
	co := calltest.Opts{Version: o.version, PacketTimeout: o.packetTimeout, Logger: testLogger()}
	return calltest.Start(t, co, freqs, func(i int, s *side, p media.Params) (*Engine, error) {
		p.WebRTCServers, p.P2PAllowed = o.servers, o.p2p
		return newEngine(p, o.nets[i], hooks{sent: s.Note})
	})
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
					o.servers = calltest.TURNServers(t)
				}
				start := time.Now()
				caller, callee := startCall(t, o, [2]float64{440, 697})
				calltest.WaitState(t, caller, media.StateConnected)
				calltest.WaitState(t, callee, media.StateConnected)
				t.Logf("connected after %v", time.Since(start).Round(time.Millisecond))
				calltest.CheckTones(t, caller, callee, 40)
				t.Logf("tones both ways after %v", time.Since(start).Round(time.Millisecond))
				for _, s := range []*side{caller, callee} {
					p := s.Eng.Stats().Path
					want := "p2p 127.0.0.1:"
					if relay {
						want = "turn 127.0.0.1:"
					}
					if !strings.HasPrefix(p, want) {
						t.Errorf("path = %q, want %s…", p, want)
					}
					if f := s.Audio.Frame(); f != frame {
						t.Errorf("frame = %v, want %v", f, frame)
					}
				}
				checkRounds(t, caller.Notes(), callee.Notes(), true)

				// Stats, once RTCP reports have gone both ways and a bit
				// rate has been measured (over at least 1 s: a call that
				// got here sooner reads 0 until then).
				var s media.Stats
				for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
					if s = callee.Eng.Stats(); (s.RTT > 0 && s.RecvBitrate > 0) || time.Now().After(deadline) {
						break
					}
				}
				if s.PacketsRecv == 0 || s.PacketsSent == 0 || s.LibraryVersion != v || s.RecvBitrate == 0 || s.SignalBars == 0 || s.RTT == 0 {
					t.Errorf("stats: %+v", s)
				}
				t.Logf("callee stats: path %q, send %d bit/s, recv %d bit/s, loss %.2f/%.2f, rtt %v, packets %d/%d, bars %d",
					s.Path, s.SendBitrate, s.RecvBitrate, s.SendLoss, s.RecvLoss, s.RTT, s.PacketsSent, s.PacketsRecv, s.SignalBars)

				caller.Eng.SetMuted(true)
				calltest.WaitRemoteMuted(t, callee)
				if !callee.Eng.Stats().RemoteMuted {
					t.Error("Stats().RemoteMuted false after MediaState")
				}
				sent := caller.Eng.Stats().PacketsSent
				time.Sleep(300 * time.Millisecond)
				if now := caller.Eng.Stats().PacketsSent; now != sent {
					t.Errorf("muted caller sent %d RTP packets", now-sent)
				}
			})
		}
	}
}

func TestConnectTimeout(t *testing.T) {
	calltest.ConnectTimeout(t, New, "10.0.0", ErrConnectTimeout, testLogger())
}

func TestNewRejects(t *testing.T) {
	calltest.NewRejects(t, New, Versions, []string{"2.4.4", "8.0.0"}, ErrUnsupported)
}
