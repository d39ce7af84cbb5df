//go:build !race

package calling_test

const raceDetector = false
