package audio

import (
	"math"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
)

// rp is packet i arriving on time, i×20 ms after epoch.
func rp(p media.Packet, i int) media.ReceivedPacket {
	return media.ReceivedPacket{Timestamp: p.Timestamp, Payload: p.Payload, Arrival: epoch.Add(time.Duration(i) * 20 * time.Millisecond)}
}

func periodic(period, n int) []int16 {
	x := make([]int16, n)
	for i := range x {
		ph := 2 * math.Pi * float64(i) / float64(period)
		x[i] = int16(6000*math.Sin(ph) + 3000*math.Sin(2*ph+1))
	}
	return x
}

// TestTimeStretch: the pitch search finds a voiced signal's period, and
// accelerate / expand remove / insert exactly one period with no jump in
// the waveform (a periodic signal stays the same signal).
func TestTimeStretch(t *testing.T) {
	var dec [tsNeed / tsDecim]float64
	for _, period := range []int{160, 240, 437, 700} { // 300, 200, 110, 69 Hz
		x := periodic(period, tsNeed+FrameSamples)
		got, c := pitchPeriod(x, &dec)
		if got != period || c < 0.99 {
			t.Errorf("period %d: found %d (correlation %.3f)", period, got, c)
			continue
		}
		want := periodic(period, len(x)+period)
		acc := accelerate(append([]int16(nil), x...), got)
		if len(acc) != len(x)-period {
			t.Fatalf("accelerate: %d samples, want %d", len(acc), len(x)-period)
		}
		ex := expand(nil, x, got)
		if len(ex) != len(x)+period {
			t.Fatalf("expand: %d samples, want %d", len(ex), len(x)+period)
		}
		for i := range acc {
			if d := int(acc[i]) - int(want[i]); d > 2 || d < -2 {
				t.Fatalf("period %d accelerate: sample %d is %d, want %d", period, i, acc[i], want[i])
			}
		}
		for i := range ex {
			if d := int(ex[i]) - int(want[i]); d > 2 || d < -2 {
				t.Fatalf("period %d expand: sample %d is %d, want %d", period, i, ex[i], want[i])
			}
		}
	}
}

// TestJitterBufferStretchesSpeech: packets queued well past the target
// during speech are played sooner (pitch periods removed in speech, quiet
// frames dropped), without concealment, and the level comes down.
func TestJitterBufferStretchesSpeech(t *testing.T) {
	pk := encodeSpeech(t, 100, 0)
	jb := newJB(t)
	out := make([]int16, FrameSamples)
	// Packets arrive on time but playout starts 200 ms late (a device
	// opened late): the buffer starts 200 ms deep against a 40 ms target.
	for i, p := range pk[:10] {
		jb.Put(rp(p, i))
	}
	for i := 10; i < 100; i++ {
		jb.Put(rp(pk[i], i))
		jb.Pull(out, epoch.Add(time.Duration(i)*20*time.Millisecond))
	}
	st := jb.Stats()
	if st.RemovedSamplesForAcceleration < 4800 {
		t.Fatalf("removed %d samples, want ≥ 100 ms", st.RemovedSamplesForAcceleration)
	}
	if st.ConcealedSamples != 0 {
		t.Fatalf("concealed %d samples", st.ConcealedSamples)
	}
	if lvl := jb.level(); lvl > 3*FrameSamples+jbHysteresis {
		t.Fatalf("level still %d samples after 1.8 s", lvl)
	}
}
