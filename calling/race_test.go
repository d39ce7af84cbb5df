//go:build race

package calling_test

// The race detector's shadow memory grows with every allocation and is not
// handed back, so resident-set checks only mean something without it.
const raceDetector = true
