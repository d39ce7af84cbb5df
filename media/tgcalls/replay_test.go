package tgcalls

import (
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/calltest"
	"github.com/tgphone/tgphone/media/tgcalls/internal/toneaudio"
	"github.com/tgphone/tgphone/media/tgcalls/internal/transcript"
	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// The replay tests feed one side of a real tgcalls<->tgcalls call
// (testdata/tgcalls, recorded from tgcalls 92640c4 = Telegram Desktop 4.6.5)
// to tgphone's engine in the other role, with the call's key, and check
// that every frame opens and that tgphone answers as tgcalls did.

// frames reads the frames one side of a transcript sent, in order.
func frames(t *testing.T, version, side string) [][]byte {
	t.Helper()
	raw, err := transcript.ReadRaw(filepath.Join("testdata", "tgcalls", version, side+".out.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return transcript.Out(raw)
}

// sigMsg is one signalling message as sent, in send order.
type sigMsg struct {
	from string // "caller" or "callee"
	msg  signaling.Message
}

// openAll decrypts a side's frames as its peer would and returns the JSON
// messages in order (first transmissions only). raw selects the raw framing
// (7.0.0), otherwise the reliable one.
func openAll(t *testing.T, framesOf [][]byte, fromOutgoing, raw bool) []signaling.Message {
	t.Helper()
	return openWith(t, transcript.Key(), framesOf, fromOutgoing, raw)
}

func openWith(t *testing.T, key [256]byte, framesOf [][]byte, fromOutgoing, raw bool) []signaling.Message {
	t.Helper()
	var rx signaling.Transport = signaling.NewReliable(key, !fromOutgoing)
	if raw {
		rx = signaling.NewRaw(key, !fromOutgoing, false)
	}
	var out []signaling.Message
	for i, f := range framesOf {
		if signaling.IsSCTP(f) {
			// 9.0.0 also sends SCTP until the peer's first frame shows
			// which mapping it speaks; a reliable peer drops these.
			continue
		}
		msgs, err := rx.Receive(f, time.Now())
		if err != nil {
			t.Fatalf("frame %d (%d bytes) does not open: %v", i, len(f), err)
		}
		for _, m := range msgs {
			parsed, err := signaling.Parse(m)
			if err != nil {
				t.Fatalf("frame %d: %v: %s", i, err, m)
			}
			out = append(out, parsed)
		}
	}
	return out
}

// negotiations picks the NegotiateChannels out of a message list.
func negotiations(msgs []signaling.Message) []*signaling.NegotiateChannels {
	var out []*signaling.NegotiateChannels
	for _, m := range msgs {
		if n, ok := m.(*signaling.NegotiateChannels); ok {
			out = append(out, n)
		}
	}
	return out
}

func audioSSRC(t *testing.T, n *signaling.NegotiateChannels) uint32 {
	t.Helper()
	a, ok := n.Audio()
	if !ok {
		t.Fatalf("NegotiateChannels %s without audio", n.ExchangeID)
	}
	v, err := a.SSRC()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// checkNegotiationRules checks one call's messages, in the order each side
// sent them, against what tgcalls' ContentNegotiation does: the caller's
// offer (its own SSRC) comes after the callee's InitialSetup; the callee's
// answer mirrors the caller's SSRC under the same exchange id; the callee
// then offers its own SSRC; the caller's answer mirrors that. It returns the
// caller's and callee's send SSRCs.
func checkNegotiationRules(t *testing.T, caller, callee []signaling.Message) (callerSSRC, calleeSSRC uint32) {
	t.Helper()
	setupBefore := func(msgs []signaling.Message) bool {
		for _, m := range msgs {
			switch m.(type) {
			case *signaling.InitialSetup:
				return true
			case *signaling.NegotiateChannels:
				return false
			}
		}
		return false
	}
	if !setupBefore(caller) || !setupBefore(callee) {
		t.Fatal("a side sent NegotiateChannels before its InitialSetup")
	}
	cn, ce := negotiations(caller), negotiations(callee)
	if len(cn) != 2 || len(ce) != 2 {
		t.Fatalf("want 2 NegotiateChannels from each side (offer + answer), got caller %d, callee %d", len(cn), len(ce))
	}
	callerOffer, callerAnswer := cn[0], cn[1]
	calleeAnswer, calleeOffer := ce[0], ce[1]
	callerSSRC, calleeSSRC = audioSSRC(t, callerOffer), audioSSRC(t, calleeOffer)
	if callerSSRC == calleeSSRC {
		t.Fatalf("both sides offer SSRC %d", callerSSRC)
	}
	if calleeAnswer.ExchangeID != callerOffer.ExchangeID || audioSSRC(t, calleeAnswer) != callerSSRC {
		t.Errorf("callee's first NegotiateChannels (exchange %s, ssrc %d) is not an answer mirroring the caller's offer (exchange %s, ssrc %d)",
			calleeAnswer.ExchangeID, audioSSRC(t, calleeAnswer), callerOffer.ExchangeID, callerSSRC)
	}
	if calleeOffer.ExchangeID == callerOffer.ExchangeID {
		t.Errorf("callee's offer reuses the caller's exchange id %s", calleeOffer.ExchangeID)
	}
	if callerAnswer.ExchangeID != calleeOffer.ExchangeID || audioSSRC(t, callerAnswer) != calleeSSRC {
		t.Errorf("caller's answer (exchange %s, ssrc %d) does not mirror the callee's offer (exchange %s, ssrc %d)",
			callerAnswer.ExchangeID, audioSSRC(t, callerAnswer), calleeOffer.ExchangeID, calleeSSRC)
	}
	for _, n := range append(cn, ce...) {
		if len(n.Contents) != 1 {
			t.Errorf("exchange %s carries %d contents, want the one audio stream", n.ExchangeID, len(n.Contents))
		}
		if a, _ := n.Audio(); len(a.PayloadTypes) == 0 {
			t.Errorf("exchange %s: audio without payload types", n.ExchangeID)
		}
	}
	return callerSSRC, calleeSSRC
}

// TestTranscriptsFollowTheRules checks the rules on tgcalls' own calls, so
// that they are tgcalls' rules and not our reading.
func TestTranscriptsFollowTheRules(t *testing.T) {
	for _, v := range []string{"7.0.0", "8.0.0", "9.0.0-9v2"} {
		t.Run(v, func(t *testing.T) {
			caller := openAll(t, frames(t, v, "caller"), true, v == "7.0.0")
			callee := openAll(t, frames(t, v, "callee"), false, v == "7.0.0")
			a, b := checkNegotiationRules(t, caller, callee)
			t.Logf("caller sends %d, callee sends %d", a, b)
		})
	}
}

// replayEngine is tgphone's engine in one role, with the SSRC and exchange
// id tgcalls used in that role, so tgcalls' recorded frames answer it.
type replayEngine struct {
	eng  *Engine
	mu   sync.Mutex
	sent [][]byte
}

func newReplayEngine(t *testing.T, version string, outgoing bool, ssrc uint32, exchangeID uint32) *replayEngine {
	t.Helper()
	r := &replayEngine{}
	eng, err := newEngine(media.Params{
		Key: transcript.Key(), Outgoing: outgoing, LibraryVersion: version,
		Audio: toneaudio.New(t, 440),
		SendSignaling: func(_ context.Context, data []byte) error {
			r.mu.Lock()
			r.sent = append(r.sent, append([]byte(nil), data...))
			r.mu.Unlock()
			return nil
		},
		Logger: testLogger(),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng.ssrc = ssrc
	eng.neg = newNegotiation(outgoing, audioContent(ssrc))
	eng.exchangeID = func() (uint32, error) { return exchangeID, nil }
	r.eng = eng
	t.Cleanup(func() { _ = eng.Close() })
	return r
}

// settle waits until the engine's send loop has handed over what it queued.
func (r *replayEngine) settle() {
	for quiet := 0; quiet < 3; {
		time.Sleep(10 * time.Millisecond)
		if r.eng.sig.Queued() == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
}

func (r *replayEngine) frames() [][]byte {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.sent...)
}

// TestReplayTgcalls plays tgcalls' caller against tgphone's callee and
// tgcalls' callee against tgphone's caller, frame by frame.
func TestReplayTgcalls(t *testing.T) {
	for _, v := range []string{"7.0.0", "8.0.0", "9.0.0-9v2"} {
		version := v
		if version == "9.0.0-9v2" {
			version = "9.0.0" // Desktop ≥ 4.9's mapping: tgphone must detect it
		}
		raw := v == "7.0.0"
		recCaller := openAll(t, frames(t, v, "caller"), true, raw)
		recCallee := openAll(t, frames(t, v, "callee"), false, raw)
		callerSSRC, calleeSSRC := checkNegotiationRules(t, recCaller, recCallee)
		callerOfferID := negotiations(recCaller)[0].ExchangeID
		calleeOfferID := negotiations(recCallee)[1].ExchangeID
		id := func(s string) uint32 {
			v, err := strconv.ParseUint(s, 10, 32)
			if err != nil {
				t.Fatal(err)
			}
			return uint32(v)
		}
		for _, tgphoneIsCaller := range []bool{false, true} {
			name := v + "/tgphone-callee"
			if tgphoneIsCaller {
				name = v + "/tgphone-caller"
			}
			t.Run(name, func(t *testing.T) {
				var r *replayEngine
				var theirs [][]byte
				if tgphoneIsCaller {
					r = newReplayEngine(t, version, true, callerSSRC, id(callerOfferID))
					theirs = frames(t, v, "callee")
				} else {
					r = newReplayEngine(t, version, false, calleeSSRC, id(calleeOfferID))
					theirs = frames(t, v, "caller")
				}
				if err := r.eng.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				for _, f := range theirs {
					r.eng.ReceiveSignaling(f)
					r.settle()
				}
				r.settle()
				if _, rej := r.eng.stats.Rejects.Snapshot(); len(rej) != 0 {
					t.Errorf("tgcalls' frames refused: %v", rej)
				}
				ours := openAll(t, r.frames(), tgphoneIsCaller, raw)
				if tgphoneIsCaller {
					checkNegotiationRules(t, ours, recCallee)
				} else {
					checkNegotiationRules(t, recCaller, ours)
				}
				// What drives the RTP sender and receiver once DTLS is up.
				r.eng.mu.Lock()
				send, recv := r.eng.neg.send, r.eng.neg.recv
				r.eng.mu.Unlock()
				mine, peer := callerSSRC, calleeSSRC
				if !tgphoneIsCaller {
					mine, peer = calleeSSRC, callerSSRC
				}
				if send == nil || send.Ssrc != strconv.FormatUint(uint64(mine), 10) {
					t.Errorf("sender not agreed on our SSRC %d: %+v", mine, send)
				}
				if recv == nil || recv.Ssrc != strconv.FormatUint(uint64(peer), 10) {
					t.Errorf("receiver not on tgcalls' SSRC %d: %+v", peer, recv)
				}
				if recv != nil {
					if pt, ok := opusOf(*recv); !ok || pt.ID != 111 {
						t.Errorf("receive payload type %+v, want tgcalls' opus 111", recv.PayloadTypes)
					}
				}
				if send != nil && takesShortFrames(*send) {
					t.Error("tgcalls' answer does not offer 20 ms frames, yet we would send them")
				}
			})
		}
	}
}

// TestTgphoneTranscriptFollowsTheRules records a tgphone<->tgphone call's
// signalling and holds it to the same rules as tgcalls' own calls.
func TestTgphoneTranscriptFollowsTheRules(t *testing.T) {
	// The versions framed as single messages (7.0.0 raw, 8.0.0 reliable),
	// which the recorder opens; between two tgphones 9.0.0 and later speak
	// SCTP, whose transport is replayed in sigsctp and carries the same
	// negotiation code.
	for _, tt := range []struct {
		version string
		raw     bool
	}{{"8.0.0", false}, {"7.0.0", true}} {
		t.Run(tt.version, func(t *testing.T) {
			caller, callee := startCall(t, callOpts{p2p: true, version: tt.version}, [2]float64{440, 697})
			calltest.WaitState(t, caller, media.StateConnected)
			calltest.WaitState(t, callee, media.StateConnected)
			calltest.CheckTones(t, caller, callee, 25)
			var rec [2][]signaling.Message
			for i, s := range []*side{caller, callee} {
				rec[i] = openWith(t, s.Eng.p.Key, s.Frames(), i == 0, tt.raw)
			}
			a, b := checkNegotiationRules(t, rec[0], rec[1])
			if a != caller.Eng.ssrc || b != callee.Eng.ssrc {
				t.Errorf("offered SSRCs %d/%d, engines send on %d/%d", a, b, caller.Eng.ssrc, callee.Eng.ssrc)
			}
		})
	}
}
