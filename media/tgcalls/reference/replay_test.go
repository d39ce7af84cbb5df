package reference

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pion/logging"
	"github.com/pion/transport/v4/vnet"
	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/replaytest"
	"github.com/tgphone/tgphone/media/tgcalls/internal/toneaudio"
	"github.com/tgphone/tgphone/media/tgcalls/internal/transcript"
	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// The replay tests feed the frames one side of a real tgcalls↔tgcalls call
// sent (testdata/tgcalls, tgcalls 92640c4 = Telegram Desktop 4.6.5) to
// tgphone's engine in the other role, with the call's key, and check what
// tgphone makes of them and what it sends back. The engine runs on a pion
// virtual network: the recorded candidates (10.213.7.x) lead nowhere and
// nothing leaves the process, so ICE, DTLS, the data channel and RTP are
// not exercised here (TestCall does those, tgphone↔tgphone).

// tgFrames reads the frames one tgcalls side sent, in order.
func tgFrames(t testing.TB, version, side string) [][]byte {
	t.Helper()
	raw, err := transcript.ReadRaw(filepath.Join("testdata", "tgcalls", version, side+".sig.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return transcript.Out(raw)
}

// openFrames decrypts the frames one side sent, as its peer would, and
// returns the JSON messages in order, first transmissions only: 10.0.0
// through the reliable framing; 11.0.0 from the DATA chunks of the SCTP
// packets (deduplicated by TSN, reassembled), each a raw-framed gzip body.
func openFrames(t testing.TB, version string, frames [][]byte, fromOutgoing bool) []string {
	t.Helper()
	key := transcript.Key()
	var out []string
	if version == "10.0.0" {
		rx := signaling.NewReliable(key, !fromOutgoing)
		for i, f := range frames {
			msgs, err := rx.Receive(f, time.Now())
			if err != nil {
				t.Fatalf("frame %d (%d bytes) does not open: %v", i, len(f), err)
			}
			for _, m := range msgs {
				out = append(out, string(m))
			}
		}
		return out
	}
	raw := signaling.NewRaw(key, !fromOutgoing, true)
	seen := map[uint32]bool{}
	var partial []byte
	for i, f := range frames {
		p, err := signaling.ParseSCTP(f)
		if err != nil {
			t.Fatalf("frame %d is not SCTP: %v", i, err)
		}
		for _, c := range p.Chunks {
			if c.Type != signaling.ChunkData {
				continue
			}
			d, err := signaling.ParseData(c)
			if err != nil {
				t.Fatalf("frame %d: %v", i, err)
			}
			if seen[d.TSN] {
				continue
			}
			seen[d.TSN] = true
			if d.Begin {
				partial = nil
			}
			partial = append(partial, d.UserData...)
			if !d.End {
				continue
			}
			m, err := raw.Open(partial)
			if err != nil {
				t.Fatalf("frame %d: user message does not open: %v", i, err)
			}
			out = append(out, string(m))
		}
	}
	return out
}

// TestTranscriptsFollowTheRules checks the rounds of checkRounds on
// tgcalls' own calls, so that they are tgcalls' rules and not our reading.
func TestTranscriptsFollowTheRules(t *testing.T) {
	for _, v := range Versions {
		t.Run(v, func(t *testing.T) {
			caller := openFrames(t, v, tgFrames(t, v, "caller"), true)
			callee := openFrames(t, v, tgFrames(t, v, "callee"), false)
			mid := checkRounds(t, caller, callee, false)
			t.Logf("caller sent %d messages, callee %d; the callee's audio is mid %s", len(caller), len(callee), mid)
		})
	}
}

// replay runs tgphone's engine in the role opposite to tgcalls' side tg,
// feeds it every frame that side sent, and returns the engine (still
// running), the messages it handled and sent, and the frames it sent.
type replayRun struct {
	eng     *Engine
	mu      sync.Mutex
	handled []string
	sent    []string
	frames  [][]byte
}

func (r *replayRun) snapshot() (handled, sent []string, frames [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.handled...), append([]string(nil), r.sent...), append([][]byte(nil), r.frames...)
}

func replay(t *testing.T, version, tg string, done func(r *replayRun) bool) *replayRun {
	t.Helper()
	router, err := vnet.NewRouter(&vnet.RouterConfig{CIDR: "10.0.0.0/24", LoggerFactory: logging.NewDefaultLoggerFactory()})
	if err != nil {
		t.Fatal(err)
	}
	n, err := vnet.NewNet(&vnet.NetConfig{StaticIPs: []string{"10.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := router.AddNet(n); err != nil {
		t.Fatal(err)
	}
	if err := router.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = router.Stop() })
	r := &replayRun{}
	eng, err := newEngine(media.Params{
		Key: transcript.Key(), Outgoing: tg == "callee", LibraryVersion: version, P2PAllowed: true,
		Audio: toneaudio.New(t, 440),
		SendSignaling: func(_ context.Context, data []byte) error {
			r.mu.Lock()
			r.frames = append(r.frames, append([]byte(nil), data...))
			r.mu.Unlock()
			return nil
		},
		Logger: testLogger(),
	}, n, hooks{
		sent: func(m []byte) {
			r.mu.Lock()
			r.sent = append(r.sent, string(m))
			r.mu.Unlock()
		},
		handled: func(m []byte) {
			r.mu.Lock()
			r.handled = append(r.handled, string(m))
			r.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	r.eng = eng
	t.Cleanup(func() { _ = eng.Close() })
	if err := eng.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, f := range tgFrames(t, version, tg) {
		if version == "11.0.0" {
			var err error
			if f, err = replaytest.StripSacks(f); err != nil {
				t.Fatal(err)
			} else if f == nil {
				continue
			}
		}
		eng.ReceiveSignaling(f)
		// One at a time, as they came: pion's association answers each
		// handshake packet before the next one means anything.
		time.Sleep(20 * time.Millisecond)
	}
	for deadline := time.Now().Add(10 * time.Second); !done(r) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	return r
}

// sdpOf returns the descriptions among messages.
func sdpOf(t *testing.T, msgs []string) []*description { return descriptions(t, msgs) }

// TestReplay feeds each tgcalls side of the 10.0.0 and 11.0.0 calls to
// tgphone in the other role.
func TestReplay(t *testing.T) {
	for _, v := range Versions {
		tgCaller := openFrames(t, v, tgFrames(t, v, "caller"), true)
		tgCallee := openFrames(t, v, tgFrames(t, v, "callee"), false)

		// tgcalls calls, tgphone answers.
		t.Run(v+"/tgcalls-caller", func(t *testing.T) {
			r, ours := replayTgcalls(t, v, "caller", tgCaller, "the answer and our offer")
			checkDesc(t, "our answer to tgcalls' offer", ours[0], typeAnswer, wantCalleeAnswer())
			mid := newMid(t, ours[1])
			checkDesc(t, "our offer", ours[1], typeOffer, wantCalleeOffer(mid))
			tgAnswer := sdpOf(t, tgCaller)[len(sdpOf(t, tgCaller))-1]
			tgMid := newMid(t, tgAnswer)
			state := r.eng.pc.SignalingState()
			rejected := r.eng.Stats().Rejected["answer"]
			if tgMid == mid {
				// tgcalls' answer to its own callee's offer fits ours: pion
				// takes it, and our audio is negotiated.
				if state != webrtc.SignalingStateStable || !r.eng.senderLive.Load() || rejected != 0 {
					t.Errorf("tgcalls' recorded answer (mid %s) to our offer: state %s, sender live %v, rejected %d",
						tgMid, state, r.eng.senderLive.Load(), rejected)
				}
			} else {
				// tgcalls' callee had made and dropped a transceiver (mid
				// 2) before offering its audio as mid 3; the recorded answer
				// does not fit our offer, and pion must refuse it cleanly.
				if state != webrtc.SignalingStateHaveLocalOffer || rejected != 1 {
					t.Errorf("tgcalls' answer for mid %s to our offer of mid %s: state %s, rejected %d", tgMid, mid, state, rejected)
				}
				t.Logf("tgcalls' recorded answer is for mid %s, ours offers mid %s: refused as it must be", tgMid, mid)
			}
			checkOurFrames(t, v, r, false)
		})

		// tgphone calls, tgcalls answers.
		t.Run(v+"/tgcalls-callee", func(t *testing.T) {
			r, ours := replayTgcalls(t, v, "callee", tgCallee, "our offer and the answer to tgcalls' offer")
			checkDesc(t, "our offer", ours[0], typeOffer, wantCallerOffer())
			tg := sdpOf(t, tgCallee)
			mid := newMid(t, tg[len(tg)-1])
			checkDesc(t, "our answer to tgcalls' offer", ours[1], typeAnswer, wantCallerAnswer(mid))
			if s := r.eng.pc.SignalingState(); s != webrtc.SignalingStateStable || !r.eng.senderLive.Load() {
				t.Errorf("after tgcalls' answer and offer: state %s, sender live %v", s, r.eng.senderLive.Load())
			}
			if n := r.eng.Stats().Rejected["answer"] + r.eng.Stats().Rejected["offer"]; n != 0 {
				t.Errorf("%d of tgcalls' descriptions refused", n)
			}
			checkOurFrames(t, v, r, true)
		})
	}
}

// replayTgcalls replays tgcalls' side tg to tgphone (replay), checks that
// tgphone handled all tgMsgs, the messages that side sent (checkHandled),
// and returns the run and the two descriptions tgphone sent, which want
// names.
func replayTgcalls(t *testing.T, version, tg string, tgMsgs []string, want string) (*replayRun, []*description) {
	t.Helper()
	r := replay(t, version, tg, func(r *replayRun) bool {
		h, s, _ := r.snapshot()
		return len(h) == len(tgMsgs) && len(sdpOf(t, s)) >= 2
	})
	handled, sent, _ := r.snapshot()
	checkHandled(t, r.eng, handled, tgMsgs)
	ours := sdpOf(t, sent)
	if len(ours) != 2 {
		t.Fatalf("we sent %d descriptions, want %s", len(ours), want)
	}
	t.Logf("fed %d frames, %d messages handled", len(tgFrames(t, version, tg)), len(handled))
	return r, ours
}

// checkHandled: every tgcalls frame opened, and the engine handled every
// message tgcalls sent, byte for byte, in order.
func checkHandled(t *testing.T, e *Engine, handled, want []string) {
	t.Helper()
	if rej := e.Stats().Rejected; rej["signalling"] != 0 || rej["signalling message"] != 0 {
		t.Errorf("tgcalls' frames refused: %v", rej)
	}
	if len(handled) != len(want) {
		t.Fatalf("handled %d messages, tgcalls sent %d", len(handled), len(want))
	}
	for i := range want {
		if handled[i] != want[i] {
			t.Fatalf("message %d: handled %.120q, tgcalls sent %.120q", i, handled[i], want[i])
		}
	}
}

// checkOurFrames: what we sent opens, as tgcalls' side would open it, to
// the messages we meant, all of them, in order. Over SCTP, pion's
// association writes DATA on its own goroutine: wait for it.
func checkOurFrames(t *testing.T, version string, r *replayRun, outgoing bool) {
	t.Helper()
	var got, sent []string
	var frames [][]byte
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, sent, frames = r.snapshot()
		got = openFrames(t, version, frames, outgoing)
		if len(got) >= len(sent) || time.Now().After(deadline) {
			break
		}
	}
	if len(got) != len(sent) {
		t.Fatalf("our frames open to %d messages, we sent %d", len(got), len(sent))
	}
	for i := range got {
		if got[i] != sent[i] {
			t.Fatalf("our message %d opens to %.80q, we sent %.80q", i, got[i], sent[i])
		}
	}
	t.Logf("our %d frames open (as tgcalls' side would) to all %d messages we sent", len(frames), len(got))
}
