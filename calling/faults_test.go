package calling_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/internal/netem"
	"github.com/tgphone/tgphone/internal/schedstat"
	"github.com/tgphone/tgphone/internal/tone"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
	"github.com/tgphone/tgphone/wire"
)

// Faults outside the media path: the MTProto connection lost while a call
// rings, and the peer's process killed mid-call.

var quietAudio = audio.Config{Input: "tone:440", Output: "null", Ring: "null"}

// longRing keeps the ring timeout (30 s) far from what the tests measure, so
// a call that ends could only have learnt it from the server.
var longRing = sandbox.CallTimeouts{Receive: 30 * time.Second, Ring: 30 * time.Second,
	Connect: 10 * time.Second, Packet: 5 * time.Second}

// waitOffline waits until the sandbox has seen a client's connection go.
func waitOffline(t *testing.T, env *sandboxtest.Env, p *party) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for env.Server.Online(p.c.Self.ID) {
		if time.Now().After(deadline) {
			t.Fatal("the sandbox still sees the cut client online")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestE2EMTProtoDropMidRing: a side's MTProto connection is cut while the
// call rings, the other side acts, and the connection comes back. The
// update pushed meanwhile reaches the cut side through updates.getDifference.
func TestE2EMTProtoDropMidRing(t *testing.T) {
	t.Parallel()
	t.Run("callee away while the caller hangs up", func(t *testing.T) {
		env := sandboxtest.Start(t, sandboxtest.Options{Timeouts: longRing})
		link := env.Link(t)
		alice := newParty(t, env, "alice", "")
		var connMu sync.Mutex
		var conn []bool
		bobClient := env.SignInThrough(t, link, "bob", func(c *account.Client) {
			c.OnConnection(func(online bool) {
				connMu.Lock()
				conn = append(conn, online)
				connMu.Unlock()
			})
		})
		bob := runParty(t, env, bobClient, "bob", "", quietAudio, calling.P2PEveryone)
		out, in := ringing(t, alice, bob, "@bob")

		link.Cut()
		waitOffline(t, env, bob)
		out.Hangup()
		waitDone(t, out)
		time.Sleep(500 * time.Millisecond)
		if s := in.Snapshot(); s.State.Terminal() {
			t.Fatalf("bob's call ended (%s) while bob was cut off", s.State)
		}
		link.Restore()
		restored := time.Now()
		s := waitState(t, in, "terminal", func(s calling.Snapshot) bool { return s.State.Terminal() })
		t.Logf("bob's ringing stopped %v after the connection came back", time.Since(restored).Round(time.Millisecond))
		if s.State != calling.StateMissed {
			t.Errorf("bob's call ended %s, want missed", s.State)
		}
		if d := time.Since(restored); d > 15*time.Second {
			t.Errorf("bob learnt of the hang-up %v after reconnecting", d)
		}
		checkHistory(t, bob, alice.c.Self.ID, account.CallMissed)
		connMu.Lock()
		defer connMu.Unlock()
		if len(conn) < 3 || !conn[0] || !slices.Contains(conn[1:], false) || !conn[len(conn)-1] {
			t.Errorf("bob's client reported the connection %v, want online, lost, online again", conn)
		}
	})
	for _, version := range []string{"2.4.4", "8.0.0"} {
		t.Run("caller away while the callee answers/"+version, func(t *testing.T) {
			env := sandboxtest.Start(t, sandboxtest.Options{Timeouts: longRing})
			link := env.Link(t)
			alice := runParty(t, env, env.SignInThrough(t, link, "alice"), "alice", version, quietAudio, calling.P2PEveryone)
			bob := newParty(t, env, "bob", version)
			out, in := ringing(t, alice, bob, "@bob")

			link.Cut()
			waitOffline(t, env, alice)
			in.Answer()
			time.Sleep(time.Second)
			if s := out.Snapshot(); s.State != calling.StateRinging {
				t.Fatalf("alice's call went %s while alice was cut off", s.State)
			}
			link.Restore()
			restored := time.Now()
			waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
			waitState(t, in, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
			t.Logf("active %v after the connection came back", time.Since(restored).Round(time.Millisecond))
			hangUpNormally(t, out, in)
		})
	}
}

// peerEnv names the sandbox a peer process signs in to; set only in the
// child that TestE2EPeerKilled starts.
const peerEnv = "TGPHONE_TEST_PEER"

type peerSpec struct {
	Info    sandbox.Info `json:"info"`
	User    string       `json:"user"`
	Version string       `json:"version"`
}

// TestPeerProcess is the far side of TestE2EPeerKilled, run in a process
// of its own: it answers the first call and keeps it up until killed.
func TestPeerProcess(t *testing.T) {
	raw := os.Getenv(peerEnv)
	if raw == "" {
		t.Skip("runs only as TestE2EPeerKilled's peer process")
	}
	var spec peerSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	env := sandboxtest.Attach(t, spec.Info)
	p := newPartyWith(t, env, spec.User, spec.Version, quietAudio, calling.P2PNobody)
	os.Stdout.WriteString("ready\n")
	in := p.waitIncoming(t)
	in.Answer()
	waitDone(t, in)
	t.Fatalf("the call ended before the process was killed: %s", in.Snapshot().State)
}

// TestE2EPeerKilled: the callee's process dies (SIGKILL: no discard, no
// goodbye packet) mid-call; the caller ends within the packet timeout with
// "Connection lost".
func TestE2EPeerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the packet timeout")
	}
	for _, version := range []string{"2.4.4", "8.0.0"} {
		t.Run(version, func(t *testing.T) {
			env := sandboxtest.Start(t, sandboxtest.Options{})
			alice := newPartyWith(t, env, "alice", version, quietAudio, calling.P2PNobody)
			spec, _ := json.Marshal(peerSpec{Info: env.Info, User: "bob", Version: version})
			cmd := exec.Command(os.Args[0], "-test.run", "^TestPeerProcess$", "-test.timeout", "2m")
			cmd.Env = append(os.Environ(), peerEnv+"="+string(spec))
			cmd.Stderr = os.Stderr
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
			lines := bufio.NewScanner(stdout)
			for lines.Scan() && lines.Text() != "ready" {
			}

			out := alice.dial(t, "@bob")
			waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
			time.Sleep(time.Second)
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed := time.Now()
			select {
			case <-out.Done():
			case <-time.After(3 * sandboxtest.TestTimeouts.Packet):
				t.Fatalf("the call outlived its peer by %v", time.Since(killed))
			}
			took := time.Since(killed)
			t.Logf("ended %v after the peer was killed (packet timeout %v)", took.Round(time.Millisecond), sandboxtest.TestTimeouts.Packet)
			if s := out.Snapshot(); s.State != calling.StateFailed || !errors.Is(s.Err, calling.ErrConnectionLost) {
				t.Errorf("ended %s (%v), want failed: connection lost", s.State, s.Err)
			}
			if took > sandboxtest.TestTimeouts.Packet+2*time.Second {
				t.Errorf("ended %v after the peer died, packet timeout is %v", took, sandboxtest.TestTimeouts.Packet)
			}
		})
	}
}

// TestE2ESpeechUnderLoss: speech through the relays with 20 % random loss
// end to end (10.6 % on each of the two relay legs), for the whole call on
// V2 and from the moment the call is active on 2.4.4, is
// still understood: the envelope of what the callee hears keeps the shape
// of what the caller said, second by second (0.97 on a clean call).
func TestE2ESpeechUnderLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("whole calls over lossy relays")
	}
	speech, err := audio.ReadWAV("../audio/testdata/speech.wav")
	if err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{"2.4.4", "8.0.0"} {
		for _, tt := range []struct {
			name    string
			lossPct float64 // end to end
			min     float64
		}{{"clean", 0, 0.9}, {"20% loss", 20, 0.7}} {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				retryStarved(t, func(t *testing.T) ([]string, window) {
					leg := 100 * (1 - math.Sqrt(1-tt.lossPct/100))
					// On V2 the loss is there from the first packet, so the call
					// also connects through it (TestE2EConnectThroughLoss checks
					// that on more seeds, 60 of 60 V2 calls connected through
					// 20 %). On 2.4.4 it starts once the call is active: the
					// generators draw nothing while there is no loss, so seed
					// 11 loses nearly the same audio packets in every run
					// (0.82-0.89 over 9 runs). From the first packet, the
					// handshake's packets shift which audio packets seed 11
					// loses, so each run gets another pattern: 0.70-0.94 over 27
					// runs, too near the 0.70 threshold. That is the spread
					// of loss patterns (and, when a lost INIT holds the
					// caller's first audio back, the stream's first second in
					// the scored tail), not a state the handshake's loss
					// leaves behind:
					// over seeds 11-18 the call scored the same either way
					// (24 calls each, 0.77-0.95 from the start, 0.79-0.92
					// once active), and ended in the same state (extra-EC on,
					// jitter buffer 180 ms).
					cfg := netem.Config{LossPct: leg, Seed: 11}
					later := version == "2.4.4"
					start := cfg
					if later {
						start = netem.Config{Seed: cfg.Seed}
					}
					env := sandboxtest.Start(t, sandboxtest.Options{Impair: &start})
					heard := filepath.Join(t.TempDir(), "bob.wav")
					alice := newPartyWith(t, env, "alice", version,
						audio.Config{Input: "file:../audio/testdata/speech.wav", LoopFiles: true, Output: "null", Ring: "null"}, calling.P2PNobody)
					bob := newPartyWith(t, env, "bob", version, audio.Config{Input: "silence", Output: "wav:" + heard, Ring: "null"}, calling.P2PNobody)
					out := alice.dial(t, "@bob")
					in := bob.waitIncoming(t)
					in.Answer()
					waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
					if later {
						for _, p := range env.Impaired {
							p.SetConfig(cfg)
						}
					}
					win := schedstat.Start() // bob's scored tail lies in it
					time.Sleep(6 * time.Second)
					st := in.Snapshot().Stats
					starved, wall := win.Starved()
					out.Hangup()
					waitDone(t, out, in)
					pcm, err := audio.ReadWAV(heard)
					if err != nil {
						t.Fatal(err)
					}
					// The last 4 s before the hang-up reached bob's speaker.
					tail := pcm[max(0, len(pcm)-9*48000/2) : len(pcm)-48000/2]
					match := tone.LoopMatch(speech, tail)
					concealed := float64(st.Audio.ConcealedSamples) / float64(max(st.Audio.TotalSamplesReceived, 1))
					t.Logf("envelope correlation %.3f; bob lost %d of %d packets, concealed %.1f %%, FEC recovered %d, jitter buffer %v",
						match, st.Audio.PacketsLost, st.Audio.PacketsLost+st.Audio.PacketsReceived, 100*concealed,
						st.Audio.FECPacketsRecovered, st.Audio.JitterBufferDelay.Round(time.Millisecond))
					w := window{wait: starved, wall: wall, dry: tt.lossPct == 0 && st.Audio.PacketsLost == 0 && concealed > 0}
					if match < tt.min {
						return []string{fmt.Sprintf("envelope correlation %.3f < %.2f: the speech is not understood; bob lost %d of %d packets, concealed %.1f %%",
							match, tt.min, st.Audio.PacketsLost, st.Audio.PacketsLost+st.Audio.PacketsReceived, 100*concealed)}, w
					}
					return nil, w
				})
			})
		}
	}
}

// countingHandler counts the log records with one message as they pass.
type countingHandler struct {
	slog.Handler
	msg string
	n   *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return countingHandler{h.Handler.WithAttrs(as), h.msg, h.n}
}

func (h countingHandler) WithGroup(g string) slog.Handler {
	return countingHandler{h.Handler.WithGroup(g), h.msg, h.n}
}

// capture keeps the last packets an on-path observer saw going to each client.
type capture struct {
	mu   sync.Mutex
	last map[string][][]byte
	keep func([]byte) bool
}

func (c *capture) tap(client net.Addr, toClient bool, b []byte) {
	if !toClient || !c.keep(b) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := client.String()
	c.last[k] = append(c.last[k], b)
	if len(c.last[k]) > 200 {
		c.last[k] = c.last[k][1:]
	}
}

func (c *capture) packets(client net.Addr) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]byte(nil), c.last[client.String()]...)
}

// v2Media finds the SRTP or SRTCP packet in what the reflector sends a V2
// client: tag[:12], to, from, length (BE), payload, padding (see
// media/tgcalls/reflector.go), whose head is reflectorHead bytes.
// (Telling this from TURN ChannelData by the first byte does not work: the
// tag is random, and a quarter of tags start like a TURN channel number.)
func v2Media(b []byte) (pkt []byte, ok bool) {
	if len(b) <= 40 || bytes.Equal(b[16:28], bytes.Repeat([]byte{0xff}, 12)) {
		return nil, false
	}
	n := int(binary.BigEndian.Uint32(b[20:reflectorHead]))
	if n > len(b)-reflectorHead {
		return nil, false
	}
	pkt = b[reflectorHead : reflectorHead+n]
	return pkt, len(pkt) > 12 && pkt[0]&0xc0 == 0x80
}

// reflectorHead is a reflector data packet's framing before its payload.
const reflectorHead = 24

func isV2Media(b []byte) bool {
	_, ok := v2Media(b)
	return ok
}

// rekey re-seals a captured packet's contents under a key the receiver does
// not have, keeping its framing: for 2.4.4 the relay tag with a body sealed
// by another call key; for V2 the reflector framing with an RTP packet
// protected by another SRTP master key.
func rekey(t *testing.T, version string, b []byte) []byte {
	t.Helper()
	if version == "2.4.4" {
		var key [256]byte
		_, _ = rand.Read(key[:])
		inner := make([]byte, 40)
		_, _ = rand.Read(inner)
		body, err := wire.NewCipher(&key, true).Seal(nil, inner, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return append(append([]byte(nil), b[:16]...), body...)
	}
	pkt, ok := v2Media(b)
	if !ok {
		return nil
	}
	var h rtp.Header
	n, err := h.Unmarshal(pkt)
	if err != nil || h.PayloadType >= 64 && h.PayloadType < 96 { // RTCP
		return nil
	}
	key, salt := make([]byte, 16), make([]byte, 14)
	_, _ = rand.Read(key)
	_, _ = rand.Read(salt)
	ctx, err := srtp.CreateContext(key, salt, srtp.ProtectionProfileAes128CmHmacSha1_80)
	if err != nil {
		t.Fatal(err)
	}
	payload := make([]byte, len(pkt)-n-10)
	_, _ = rand.Read(payload)
	raw, _ := h.Marshal()
	sealed, err := ctx.EncryptRTP(nil, append(raw, payload...), &h)
	if err != nil {
		t.Fatal(err)
	}
	// The same length as the packet it replaces, so the framing (its length
	// field and padding) stays as it was.
	out := append([]byte(nil), b...)
	copy(out[reflectorHead:], sealed)
	return out
}

// TestE2EPacketInjection: an on-path attacker at the relay sends both
// sides garbage, truncated copies, replays and re-keyed copies of their own
// packets from the relay's address for two seconds. Every packet is
// refused and counted by reason, each reason is logged a few times, not per
// packet, and the call goes on: the tones still pass and it ends normally.
// (It found that one forged ChannelData stopped pion's TURN client for good:
// see guardedNet in media/tgcalls.)
func TestE2EPacketInjection(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("whole calls")
	}
	for _, version := range []string{"2.4.4", "8.0.0"} {
		t.Run(version, func(t *testing.T) {
			var rejectLines atomic.Int64
			logger := slog.New(countingHandler{sandboxtest.Logger().Handler(), "packet rejected", &rejectLines})
			// Both engines through the reflector, the relay Telegram's
			// servers always hand out (ICE's choice between TURN and the
			// reflector varies from run to run); the TURN client's guard
			// against forged ChannelData is unit-tested in pionmedia
			// (TestTurnConnRefusesWhatWouldStopPion).
			env := sandboxtest.Start(t, sandboxtest.Options{Impair: &netem.Config{}, Logger: logger, NoTURN: version != "2.4.4"})
			relay := env.Impaired[0]
			keep := func(b []byte) bool {
				rp, err := wire.ParseRelay(b)
				return err == nil && rp.Kind == wire.RelayData
			}
			if version != "2.4.4" {
				keep = isV2Media
			}
			tap := &capture{last: map[string][][]byte{}, keep: keep}
			relay.Tap(tap.tap)
			dir := t.TempDir()
			aWAV, bWAV := filepath.Join(dir, "alice.wav"), filepath.Join(dir, "bob.wav")
			alice := newPartyWith(t, env, "alice", version, audio.Config{Input: "tone:440", Output: "wav:" + aWAV, Ring: "null"}, calling.P2PNobody)
			bob := newPartyWith(t, env, "bob", version, audio.Config{Input: "tone:1000", Output: "wav:" + bWAV, Ring: "null"}, calling.P2PNobody)
			out := alice.dial(t, "@bob")
			in := bob.waitIncoming(t)
			in.Answer()
			waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
			waitState(t, in, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
			time.Sleep(time.Second)

			const each = 50
			sent := map[string]int{}
			for round := range each {
				for _, client := range relay.Clients() {
					got := tap.packets(client)
					if len(got) == 0 {
						continue
					}
					p := got[round%len(got)]
					garbage := make([]byte, 1+round*23%1200)
					_, _ = rand.Read(garbage)
					inject := map[string][]byte{
						"garbage":   garbage,
						"truncated": p[:len(p)/2],
						"replayed":  p,
						"re-keyed":  rekey(t, version, p),
					}
					for kind, b := range inject {
						if b == nil {
							continue
						}
						if err := relay.Inject(client, b); err != nil {
							t.Fatal(err)
						}
						sent[kind]++
					}
				}
				time.Sleep(40 * time.Millisecond)
			}
			time.Sleep(2 * time.Second)
			stats := []media.Stats{out.Snapshot().Stats, in.Snapshot().Stats}
			out.Hangup()
			waitDone(t, out, in)

			var rejected uint64
			by := map[string]uint64{}
			for _, st := range stats {
				rejected += st.PacketsDropped
				for r, n := range st.Rejected {
					by[r] += n
				}
			}
			injected := 0
			for _, n := range sent {
				injected += n
			}
			lines := rejectLines.Load()
			t.Logf("injected %v (%d); rejected %d: %v; %d log lines", sent, injected, rejected, by, lines)
			for _, c := range []*calling.Call{out, in} {
				if s := c.Snapshot(); s.State != calling.StateEnded || s.Err != nil {
					t.Errorf("the call ended %s (%v), want a normal end", s.State, s.Err)
				}
			}
			// Every injected packet is refused and counted: by the 2.4.4 engine
			// itself; for V2 by the reflector port (garbage, truncated) or
			// pion's SRTP (replayed, re-keyed).
			if rejected < uint64(injected) {
				t.Errorf("rejected %d %v of %d injected %v", rejected, by, injected, sent)
			}
			if version == "2.4.4" && (by["replay"] < uint64(sent["replayed"]) || by["decrypt"] < uint64(sent["re-keyed"])) {
				t.Errorf("replays or re-keyed packets not refused as such: %v", by)
			}
			if version != "2.4.4" && by["srtp"] < uint64(sent["replayed"]+sent["re-keyed"]) {
				t.Errorf("srtp refused %d of %d replayed and re-keyed", by["srtp"], sent["replayed"]+sent["re-keyed"])
			}
			if lines == 0 || lines > int64(8*len(by)) {
				t.Errorf("%d 'packet rejected' log lines for %d reasons", lines, len(by))
			}
			checkHeard(t, aWAV, 1000, 0.5)
			checkHeard(t, bWAV, 440, 0.5)
		})
	}
}

// TestE2EDeviceUnplugged: the caller's headset (microphone and speaker) is
// pulled out mid-call and plugged back in. The call goes on, the caller is
// told, and once the headset is back both directions carry sound through it.
func TestE2EDeviceUnplugged(t *testing.T) {
	for _, version := range []string{"2.4.4", "8.0.0"} {
		t.Run(version, func(t *testing.T) {
			env := sandboxtest.Start(t, sandboxtest.Options{})
			dir := t.TempDir()
			aWAV, bWAV := filepath.Join(dir, "alice.wav"), filepath.Join(dir, "bob.wav")
			rack := audio.NewRack()
			plug := func() {
				rack.Plug("headset-mic", "tone:440")
				rack.Plug("headset-speaker", "wav:"+aWAV) // a new recording from each plug-in
			}
			plug()
			alice := newPartyWith(t, env, "alice", version, audio.Config{Input: "rack:headset-mic", Output: "rack:headset-speaker",
				Ring: "null", Rack: rack}, calling.P2PNobody)
			bob := newPartyWith(t, env, "bob", version, audio.Config{Input: "tone:1000", Output: "wav:" + bWAV, Ring: "null"}, calling.P2PNobody)
			out := alice.dial(t, "@bob")
			in := bob.waitIncoming(t)
			in.Answer()
			waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
			time.Sleep(time.Second)

			rack.Unplug("headset-mic")
			rack.Unplug("headset-speaker")
			s := waitState(t, out, "a device notice", func(s calling.Snapshot) bool {
				return strings.Contains(s.AudioNotice, "icrophone") && strings.Contains(s.AudioNotice, "peaker")
			})
			t.Logf("notice while unplugged: %q", s.AudioNotice)
			time.Sleep(2 * time.Second)
			if s := out.Snapshot(); s.State != calling.StateActive {
				t.Fatalf("the call went %s with the headset out (%v)", s.State, s.Err)
			}
			plug()
			waitState(t, out, "the notice cleared", func(s calling.Snapshot) bool { return s.AudioNotice == "" })
			time.Sleep(2 * time.Second)
			out.Hangup()
			waitDone(t, out, in)
			if s := out.Snapshot(); s.State != calling.StateEnded {
				t.Errorf("call ended %s (%v)", s.State, s.Err)
			}
			checkHeard(t, aWAV, 1000, 0.25) // the speaker's recording since it came back
			checkHeard(t, bWAV, 440, 0.8)   // the last fifth: after the headset came back
		})
	}
}
