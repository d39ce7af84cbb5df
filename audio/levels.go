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
