package pionmedia

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// TestCountersLossAcrossWrap: the receive loss counts the gap across a
// 16-bit sequence wrap, and a late (reordered) packet does not move the
// highest sequence back.
func TestCountersLossAcrossWrap(t *testing.T) {
	var c Counters
	now := time.Unix(1000, 0)
	for _, seq := range []uint16{65534, 65535, 1, 0, 4} { // 2 and 3 lost
		c.Received(seq, uint32(seq)*960, 40, now)
		now = now.Add(20 * time.Millisecond)
	}
	s := c.Snapshot()
	if s.PacketsRecv != 5 {
		t.Fatalf("PacketsRecv %d", s.PacketsRecv)
	}
	if want := 2.0 / 7; s.RecvLoss < want-1e-9 || s.RecvLoss > want+1e-9 {
		t.Errorf("RecvLoss %.4f, want %.4f", s.RecvLoss, want)
	}
}

// TestCountersRTCP: the round trip from LSR/DLSR of a report on our SSRC,
// and the fraction lost; a report on another SSRC changes nothing.
func TestCountersRTCP(t *testing.T) {
	var c Counters
	now := time.Unix(2000, 0)
	sentAt := now.Add(-300 * time.Millisecond)
	lsr := uint32(ntp(sentAt) >> 16)
	delay := uint32(100 * 65536 / 1000) // the peer held it 100 ms
	c.RTCP([]rtcp.Packet{
		&rtcp.ReceiverReport{Reports: []rtcp.ReceptionReport{{SSRC: 7, FractionLost: 128, LastSenderReport: 1, Delay: 1}}},
		&rtcp.SenderReport{Reports: []rtcp.ReceptionReport{{SSRC: 42, FractionLost: 64, LastSenderReport: lsr, Delay: delay}}},
	}, 42, now)
	s := c.Snapshot()
	if s.SendLoss != 0.25 {
		t.Errorf("SendLoss %v, want 0.25", s.SendLoss)
	}
	if s.RTT < 195*time.Millisecond || s.RTT > 205*time.Millisecond {
		t.Errorf("RTT %v, want 200ms", s.RTT)
	}
	if loss, changed := c.LossForEncoder(); loss != 25 || !changed {
		t.Errorf("LossForEncoder %d %v", loss, changed)
	}
	if _, changed := c.LossForEncoder(); changed {
		t.Error("LossForEncoder changed twice")
	}
}

// TestCountersQuiet: QuietFor and NoAudioFor stay zero until the peer is
// heard, and HeardAt moves the last sign back but not before the last audio.
func TestCountersQuiet(t *testing.T) {
	var c Counters
	t0 := time.Unix(3000, 0)
	if c.QuietFor(t0) != 0 || c.NoAudioFor(t0) != 0 {
		t.Fatal("quiet before anything was heard")
	}
	c.Heard(t0)
	if got := c.NoAudioFor(t0.Add(time.Second)); got != time.Second {
		t.Errorf("NoAudioFor %v, want 1s since first heard", got)
	}
	c.Received(1, 0, 40, t0.Add(2*time.Second))
	c.Heard(t0.Add(5 * time.Second))
	c.HeardAt(t0) // before the last audio: the audio wins
	if got := c.QuietFor(t0.Add(6 * time.Second)); got != 4*time.Second {
		t.Errorf("QuietFor %v, want 4s", got)
	}
}

func TestSignalBars(t *testing.T) {
	for _, tc := range []struct {
		loss float64
		rtt  time.Duration
		want int
	}{
		{0, 50 * time.Millisecond, 4},
		{0.03, 50 * time.Millisecond, 3},
		{0, 500 * time.Millisecond, 2},
		{0.5, 0, 1},
	} {
		if got := signalBars(tc.loss, tc.rtt); got != tc.want {
			t.Errorf("signalBars(%v, %v) = %d, want %d", tc.loss, tc.rtt, got, tc.want)
		}
	}
}

// TestCountersRate: rates are measured over at least a second, so ticks
// that come late or back to back never read a live stream as 0 bit/s.
func TestCountersRate(t *testing.T) {
	var c Counters
	t0 := time.Unix(3000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	c.Update(at(0))
	for ms := 0; ms < 1000; ms += 60 { // 17 packets of 120 bytes each way
		c.Sent(120)
		c.Received(uint16(ms/60), uint32(ms*48), 120, at(ms))
	}
	steps := []struct {
		ms         int
		send, recv int
	}{
		{250, 0, 0},          // under a second: nothing measured yet
		{1000, 16320, 16320}, // 17 × 120 × 8 bits in 1 s
		{1001, 16320, 16320}, // a tick right behind: the rate stays
		{1900, 16320, 16320}, // still inside the next window
		{2000, 0, 0},         // a whole second with nothing: 0
	}
	for _, st := range steps {
		c.Update(at(st.ms))
		if s := c.Snapshot(); s.SendBitrate != st.send || s.RecvBitrate != st.recv {
			t.Errorf("at %d ms: send %d recv %d bit/s, want %d %d", st.ms, s.SendBitrate, s.RecvBitrate, st.send, st.recv)
		}
	}
}
