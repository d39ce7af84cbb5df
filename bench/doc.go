// Package bench is `make bench`: BenchmarkReport places real calls through
// the in-process sandbox on each media engine and impairment profile and
// writes bench/results.json with mouth-to-ear delay, accept → first audio,
// concealed samples, CPU and memory per call, DH and call set-up cost.
package bench
