package audio

import "math"

// Level is a meter reading of one frame in dBFS (0 = full scale).
type Level struct {
	PeakDBFS float64
	RMSDBFS  float64
}

// Levels are the meters the UI shows.
type Levels struct {
	Mic, Speaker Level
}

// silentDBFS is what a frame of digital zeros reads as.
const silentDBFS = -96.0

// MeasureLevel returns the peak and RMS level of a frame.
func MeasureLevel(frame []int16) Level {
	if len(frame) == 0 {
		return Level{silentDBFS, silentDBFS}
	}
	var peak int
	var sum float64
	for _, s := range frame {
		v := int(s)
		if v < 0 {
			v = -v
		}
		peak = max(peak, v)
		sum += float64(s) * float64(s)
	}
	return Level{PeakDBFS: dbfs(float64(peak)), RMSDBFS: dbfs(math.Sqrt(sum / float64(len(frame))))}
}

func dbfs(v float64) float64 {
	if v < 1 {
		return silentDBFS
	}
	return max(20*math.Log10(v/32768), silentDBFS)
}

// mutedTalk tells when someone speaks into a muted microphone, so the call
// window can say "you are muted" as conferencing apps do. It looks at the
// cleaned capture (after noise suppression) that muting replaces with
// silence, and calls it talk after talkFrames frames above talkDBFS within
// a window, forgetting it after quietFrames frames below: a cough or a
// door does not raise it, a sentence does.
type mutedTalk struct {
	loud, quiet int
	talking     bool
}

const (
	talkDBFS    = -45.0 // RMS of a 20 ms frame: speech at a headset or laptop mic, above room noise after NS
	talkFrames  = 15    // 300 ms of speech within the current stretch
	quietFrames = 75    // 1.5 s of quiet ends it
)

// frame feeds one frame's level (muted frames only; unmuting resets).
func (m *mutedTalk) frame(rmsDBFS float64) {
	if rmsDBFS >= talkDBFS {
		m.loud++
		m.quiet = 0
		if m.loud >= talkFrames {
			m.talking = true
		}
		return
	}
	m.quiet++
	if m.quiet >= quietFrames {
		m.loud, m.talking = 0, false
	}
}

func (m *mutedTalk) reset() { *m = mutedTalk{} }
