package audio

import (
	"testing"
	"time"
)

// TestMutedTalk: speech into a muted microphone is told after 300 ms of it
// and forgotten after 1.5 s of quiet; short noises are not speech.
func TestMutedTalk(t *testing.T) {
	const loud, quiet = -20.0, -70.0
	run := func(levels ...float64) bool {
		var m mutedTalk
		for _, l := range levels {
			m.frame(l)
		}
		return m.talking
	}
	repeat := func(l float64, n int) []float64 {
		out := make([]float64, n)
		for i := range out {
			out[i] = l
		}
		return out
	}
	cat := func(parts ...[]float64) []float64 {
		var out []float64
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	for _, tt := range []struct {
		name   string
		levels []float64
		want   bool
	}{
		{"silence", repeat(quiet, 200), false},
		{"a cough (100 ms)", cat(repeat(quiet, 50), repeat(loud, 5), repeat(quiet, 50)), false},
		{"a sentence (300 ms)", repeat(loud, talkFrames), true},
		{"words with pauses", cat(repeat(loud, 5), repeat(quiet, 10), repeat(loud, 5), repeat(quiet, 10), repeat(loud, 5)), true},
		{"just under the floor", repeat(talkDBFS-1, 200), false},
		{"a sentence, then 1 s quiet", cat(repeat(loud, 20), repeat(quiet, 50)), true},
		{"a sentence, then 1.5 s quiet", cat(repeat(loud, 20), repeat(quiet, quietFrames)), false},
		{"noises 2 s apart", cat(repeat(loud, 5), repeat(quiet, 100), repeat(loud, 5), repeat(quiet, 100), repeat(loud, 5)), false},
	} {
		if got := run(tt.levels...); got != tt.want {
			t.Errorf("%s: talking %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestSessionTalkingWhileMuted: the session reports speech into its muted
// microphone (measured before muting replaced it with silence), never
// while unmuted, and unmuting clears it.
func TestSessionTalkingWhileMuted(t *testing.T) {
	speech, err := ReadWAV("testdata/speech.wav")
	if err != nil {
		t.Fatal(err)
	}
	fb := &flakyBackend{v: &virtualBackend{tick: 20 * time.Millisecond}, opens: map[string]int{}}
	s, err := open(Config{Input: "gone", Output: "null"}, nil, fb) // no capture device: frames come from the test only
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	feed := func() bool { // one second of speech, loudest part of the file
		start := len(speech) / 4
		for i := range 50 {
			s.onCapture(speech[start+i*FrameSamples : start+(i+1)*FrameSamples])
		}
		return s.AudioStats().TalkingWhileMuted
	}
	if feed() {
		t.Error("unmuted speech reported as talking while muted")
	}
	s.SetMuted(true)
	if !feed() {
		t.Errorf("muted, one second of speech (mic %.1f dBFS before muting) not noticed", MeasureLevel(speech[len(speech)/4:len(speech)/4+FrameSamples]).RMSDBFS)
	}
	s.SetMuted(false)
	if s.AudioStats().TalkingWhileMuted {
		t.Error("still reported after unmuting")
	}
}
