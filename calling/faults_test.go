package calling_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/internal/netem"
	"github.com/tgphone/tgphone/internal/tone"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
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
	t.Run("callee away while the caller hangs up", func(t *testing.T) {
		env := sandboxtest.Start(t, sandboxtest.Options{Timeouts: longRing})
		link := env.Link(t)
		alice := newParty(t, env, "alice", "")
		bob := runParty(t, env, env.SignInThrough(t, link, "bob"), "bob", "", quietAudio, calling.P2PEveryone)
		out, err := alice.m.Dial(alice.contact(t, "@bob"))
		if err != nil {
			t.Fatal(err)
		}
		in := bob.waitIncoming(t)
		waitState(t, out, "ringing", func(s calling.Snapshot) bool { return s.State == calling.StateRinging })

		link.Cut()
		waitOffline(t, env, bob)
		out.Hangup()
		<-out.Done()
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
	})
	for _, version := range []string{"2.4.4", "9.0.0"} {
		t.Run("caller away while the callee answers/"+version, func(t *testing.T) {
			env := sandboxtest.Start(t, sandboxtest.Options{Timeouts: longRing})
			link := env.Link(t)
			alice := runParty(t, env, env.SignInThrough(t, link, "alice"), "alice", version, quietAudio, calling.P2PEveryone)
			bob := newParty(t, env, "bob", version)
			out, err := alice.m.Dial(alice.contact(t, "@bob"))
			if err != nil {
				t.Fatal(err)
			}
			in := bob.waitIncoming(t)
			waitState(t, out, "ringing", func(s calling.Snapshot) bool { return s.State == calling.StateRinging })

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
			out.Hangup()
			<-out.Done()
			waitState(t, in, "ended", func(s calling.Snapshot) bool { return s.State.Terminal() })
			for _, c := range []*calling.Call{out, in} {
				if s := c.Snapshot(); s.State != calling.StateEnded || s.Err != nil {
					t.Errorf("ended %s (%v), want a normal end", s.State, s.Err)
				}
			}
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
	<-in.Done()
	t.Fatalf("the call ended before the process was killed: %s", in.Snapshot().State)
}

// TestE2EPeerKilled: the callee's process dies (SIGKILL: no discard, no
// goodbye packet) mid-call; the caller ends within the packet timeout with
// "Connection lost".
func TestE2EPeerKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the packet timeout")
	}
	for _, version := range []string{"2.4.4", "9.0.0"} {
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

			out, err := alice.m.Dial(alice.contact(t, "@bob"))
			if err != nil {
				t.Fatal(err)
			}
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
// end to end for the whole call (10.6 % on each of the two relay legs) is
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
	for _, version := range []string{"2.4.4", "9.0.0"} {
		for _, tt := range []struct {
			name    string
			lossPct float64 // end to end
			min     float64
		}{{"clean", 0, 0.9}, {"20% loss", 20, 0.7}} {
			t.Run(version+"/"+tt.name, func(t *testing.T) {
				leg := 100 * (1 - math.Sqrt(1-tt.lossPct/100))
				env := sandboxtest.Start(t, sandboxtest.Options{Impair: &netem.Config{LossPct: leg, Seed: 11}})
				heard := filepath.Join(t.TempDir(), "bob.wav")
				alice := newPartyWith(t, env, "alice", version,
					audio.Config{Input: "file:../audio/testdata/speech.wav", LoopFiles: true, Output: "null", Ring: "null"}, calling.P2PNobody)
				bob := newPartyWith(t, env, "bob", version, audio.Config{Input: "silence", Output: "wav:" + heard, Ring: "null"}, calling.P2PNobody)
				out, err := alice.m.Dial(alice.contact(t, "@bob"))
				if err != nil {
					t.Fatal(err)
				}
				in := bob.waitIncoming(t)
				in.Answer()
				waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
				time.Sleep(6 * time.Second)
				st := in.Snapshot().Stats
				out.Hangup()
				<-out.Done()
				<-in.Done()
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
				if match < tt.min {
					t.Errorf("envelope correlation %.3f < %.2f: the speech is not understood", match, tt.min)
				}
			})
		}
	}
}
