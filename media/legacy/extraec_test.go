package legacy

import (
	"bytes"
	"testing"
)

// TestExtraECLevel is libtgvoip 2.4.4's extraEcLevel against send loss.
func TestExtraECLevel(t *testing.T) {
	for _, tt := range []struct {
		loss float64
		want int
	}{{0, 0}, {0.02, 0}, {0.021, 2}, {0.05, 2}, {0.051, 3}, {0.08, 3}, {0.081, 4}, {0.5, 4}} {
		if got := extraECLevel(tt.loss); got != tt.want {
			t.Errorf("extraECLevel(%v) = %d, want %d", tt.loss, got, tt.want)
		}
	}
}

// TestExtraFECRuns: copies are the newest consecutive packets ending with the
// current one; a packet too long for a copy ends the run.
func TestExtraFECRuns(t *testing.T) {
	f := func(pts uint32, n int) ecFrame {
		return ecFrame{pts: pts, data: bytes.Repeat([]byte{byte(pts / 60)}, n)}
	}
	tests := []struct {
		name  string
		hist  []ecFrame
		level int
		want  []uint32 // pts of the copies, oldest first
	}{
		{"off", []ecFrame{f(0, 9), f(60, 9)}, 0, nil},
		{"two of two", []ecFrame{f(0, 9), f(60, 9)}, 2, []uint32{0, 60}},
		{"two of four", []ecFrame{f(0, 9), f(60, 9), f(120, 9), f(180, 9)}, 2, []uint32{120, 180}},
		{"four of four", []ecFrame{f(0, 9), f(60, 9), f(120, 9), f(180, 9)}, 4, []uint32{0, 60, 120, 180}},
		{"history shorter than level", []ecFrame{f(60, 9)}, 3, []uint32{60}},
		{"long packet ends the run", []ecFrame{f(0, 9), f(60, 300), f(120, 9)}, 3, []uint32{120}},
		{"current packet too long", []ecFrame{f(0, 9), f(60, 256)}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := extraFEC(tt.hist, tt.level)
			if len(got) != len(tt.want) {
				t.Fatalf("%d copies, want %d", len(got), len(tt.want))
			}
			for j, c := range got {
				if c[0] != byte(tt.want[j]/60) {
					t.Errorf("copy %d is of pts %d, want %d", j, int(c[0])*60, tt.want[j])
				}
			}
		})
	}
}

// TestECPTS is libtgvoip's filing rule for copy j of k.
func TestECPTS(t *testing.T) {
	for _, tt := range []struct {
		pts    uint32
		j, k   int
		want   uint32
		wantOK bool
	}{
		{600, 0, 2, 540, true}, {600, 1, 2, 600, true},
		{600, 0, 4, 420, true}, {600, 2, 4, 540, true},
		{60, 0, 3, 0, false}, {120, 0, 3, 0, true},
	} {
		got, ok := ecPTS(tt.pts, tt.j, tt.k)
		if ok != tt.wantOK || (ok && got != tt.want) {
			t.Errorf("ecPTS(%d, %d, %d) = %d, %v; want %d, %v", tt.pts, tt.j, tt.k, got, ok, tt.want, tt.wantOK)
		}
	}
}
