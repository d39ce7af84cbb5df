package tgcalls

import (
	"testing"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

func offerOf(id, ssrc string, pts ...signaling.PayloadType) *signaling.NegotiateChannels {
	if len(pts) == 0 {
		pts = []signaling.PayloadType{{ID: 111, Name: "opus", Clockrate: 48000, Channels: 2,
			FeedbackTypes: []signaling.FeedbackType{{Type: "transport-cc"}}, Parameters: map[string]string{"minptime": "10", "useinbandfec": "1"}}}
	}
	return &signaling.NegotiateChannels{ExchangeID: id, Contents: []signaling.Content{{Type: "audio", Ssrc: ssrc, PayloadTypes: pts}}}
}

// TestNegotiation walks tgcalls' ContentNegotiationContext cases, one
// message at a time, for each role.
func TestNegotiation(t *testing.T) {
	const mine = "1000"
	type step struct {
		offer     string                       // non-empty: call offer(id) first; "-" expects none due
		in        *signaling.NegotiateChannels // then feed this
		wantReply *signaling.NegotiateChannels // nil: no reply
		wantSend  string                       // our agreed send SSRC after the step, "" none
		wantRecv  string                       // the peer SSRC we receive, "" none
	}
	answerTo := func(id, ssrc string) *signaling.NegotiateChannels {
		return &signaling.NegotiateChannels{ExchangeID: id, Contents: []signaling.Content{{Type: "audio", Ssrc: ssrc,
			PayloadTypes: []signaling.PayloadType{{ID: 111, Name: "opus", Clockrate: 48000, Channels: 2,
				Parameters: map[string]string{"minptime": "10", "useinbandfec": "1", "ptime": "20"}}}}}}
	}
	cases := []struct {
		name     string
		outgoing bool
		steps    []step
	}{
		{"caller: offer, answer mirrors us, callee's offer answered", true, []step{
			{offer: "1", in: answerTo("1", mine), wantSend: mine},
			{offer: "-", in: offerOf("7", "2000"), wantReply: answerTo("7", "2000"), wantSend: mine, wantRecv: "2000"},
		}},
		{"callee: answer mirrors the caller, then its own offer", false, []step{
			{in: offerOf("1", "2000"), wantReply: answerTo("1", "2000"), wantRecv: "2000"},
			{offer: "9", in: answerTo("9", mine), wantSend: mine, wantRecv: "2000"},
		}},
		{"an answer with another SSRC starts no sender (gotd's reading)", true, []step{
			{offer: "1", in: answerTo("1", "2000")},
			{offer: "-"},
		}},
		{"glare at the caller: the callee's offer is ignored", true, []step{
			{offer: "1", in: offerOf("5", "2000")},
			{in: answerTo("1", mine), wantSend: mine},
		}},
		{"glare at the callee: it yields, answers, offers again", false, []step{
			{offer: "3", in: offerOf("1", "2000"), wantReply: answerTo("1", "2000"), wantRecv: "2000"},
			// The caller ignored offer 3; the callee offers anew.
			{offer: "4", in: answerTo("4", mine), wantSend: mine, wantRecv: "2000"},
		}},
		{"a late copy of the answer we took is no offer", true, []step{
			{offer: "1", in: answerTo("1", mine), wantSend: mine},
			{in: answerTo("1", mine), wantSend: mine},
		}},
		{"our own SSRC offered back is not received", false, []step{
			{in: offerOf("1", mine), wantReply: &signaling.NegotiateChannels{ExchangeID: "1", Contents: []signaling.Content{}}},
		}},
		{"an offer without Opus gets an empty answer", false, []step{
			{in: offerOf("1", "2000", signaling.PayloadType{ID: 0, Name: "PCMU", Clockrate: 8000}),
				wantReply: &signaling.NegotiateChannels{ExchangeID: "1", Contents: []signaling.Content{}}},
		}},
		{"the peer's payload type id is kept (tgcalls may shift ids by 3)", false, []step{
			{in: offerOf("1", "2000", signaling.PayloadType{ID: 114, Name: "opus", Clockrate: 48000, Channels: 2}),
				wantReply: &signaling.NegotiateChannels{ExchangeID: "1", Contents: []signaling.Content{{Type: "audio", Ssrc: "2000",
					PayloadTypes: []signaling.PayloadType{{ID: 114, Name: "opus", Clockrate: 48000, Channels: 2,
						Parameters: map[string]string{"minptime": "10", "useinbandfec": "1", "ptime": "20"}}}}}},
				wantRecv: "2000"},
		}},
		{"a new offer moves the receiver to the new SSRC", false, []step{
			{in: offerOf("1", "2000"), wantReply: answerTo("1", "2000"), wantRecv: "2000"},
			{offer: "9", in: offerOf("2", "3000"), wantReply: answerTo("2", "3000"), wantRecv: "3000"},
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := newNegotiation(c.outgoing, audioContent(1000))
			for i, s := range c.steps {
				switch s.offer {
				case "":
				case "-":
					if o := n.offer("x"); o != nil {
						t.Fatalf("step %d: unexpected offer %+v", i, o)
					}
				default:
					o := n.offer(s.offer)
					if o == nil || o.ExchangeID != s.offer || len(o.Contents) != 1 || o.Contents[0].Ssrc != mine {
						t.Fatalf("step %d: offer = %+v, want our stream under %s", i, o, s.offer)
					}
				}
				if s.in == nil {
					continue
				}
				got := n.remote(s.in)
				gb, _ := signaling.Marshal(orEmpty(got))
				wb, _ := signaling.Marshal(orEmpty(s.wantReply))
				if (got == nil) != (s.wantReply == nil) || string(gb) != string(wb) {
					t.Errorf("step %d: reply\n got %s\nwant %s", i, gb, wb)
				}
				if g := ssrcOrEmpty(n.send); g != s.wantSend {
					t.Errorf("step %d: send on %q, want %q", i, g, s.wantSend)
				}
				if g := ssrcOrEmpty(n.recv); g != s.wantRecv {
					t.Errorf("step %d: receive on %q, want %q", i, g, s.wantRecv)
				}
			}
		})
	}
}

func orEmpty(m *signaling.NegotiateChannels) *signaling.NegotiateChannels {
	if m == nil {
		return &signaling.NegotiateChannels{}
	}
	return m
}

func ssrcOrEmpty(c *signaling.Content) string {
	if c == nil {
		return ""
	}
	return c.Ssrc
}

func TestTakesShortFrames(t *testing.T) {
	tgphone := offerOf("1", "1", signaling.PayloadType{ID: 111, Name: "opus", Clockrate: 48000, Parameters: map[string]string{"ptime": "20"}})
	tgcalls := offerOf("1", "1")
	if !takesShortFrames(tgphone.Contents[0]) || takesShortFrames(tgcalls.Contents[0]) {
		t.Error("20 ms frames only for an answer that carries ptime=20")
	}
}

// TestAskingLongFrames: an answerer built by NewAskingLongFrames answers
// without ptime=20, so a tgphone offerer keeps tgcalls' 60 ms frames; the
// usual answerer lets it send 20 ms ones.
func TestAskingLongFrames(t *testing.T) {
	offer := offerOf("1", "2000")
	for _, tt := range []struct {
		name  string
		local signaling.Content
		short bool
	}{{"usual", audioContent(1000), true}, {"asking long frames", audioContentLong(1000), false}} {
		t.Run(tt.name, func(t *testing.T) {
			ans := newNegotiation(false, tt.local).remote(offer)
			if ans == nil || len(ans.Contents) != 1 {
				t.Fatalf("answer %+v, want the offered stream mirrored", ans)
			}
			if got := takesShortFrames(ans.Contents[0]); got != tt.short {
				t.Errorf("the offerer may send 20 ms frames: %v, want %v", got, tt.short)
			}
		})
	}
	if _, ok := audioContent(1).PayloadTypes[0].Parameters[ptimeKey]; !ok {
		t.Error("audioContentLong changed the usual offer's parameters")
	}
}
