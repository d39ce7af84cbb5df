package legacy

import (
	"bytes"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
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

// TestExtraECCopies: our policy sends libtgvoip's copies only one packet
// deep (see extraECCopies and the listener model).
func TestExtraECCopies(t *testing.T) {
	for _, tt := range []struct {
		loss float64
		want int
	}{{0, 0}, {0.02, 0}, {0.03, 2}, {0.07, 2}, {0.2, 2}} {
		if got := extraECCopies(tt.loss); got != tt.want {
			t.Errorf("extraECCopies(%v) = %d, want %d", tt.loss, got, tt.want)
		}
	}
}

// TestExtraECNotAnnounced: above 2 % send loss the engine turns extra EC on
// (8 kbit/s, two copies) without a STREAM_FLAGS extra that would make a
// libtgvoip listener hold 4 packets instead of 2.
func TestExtraECNotAnnounced(t *testing.T) {
	audio := newFakeAudio(t, 440)
	e, err := NewWithOptions(media.Params{Key: testKey(), Outgoing: true, Audio: audio,
		Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.conn.Close()
	now := time.Unix(100, 0)
	for s := uint32(1); s <= 100; s++ { // 10 % of our audio never acked
		e.sent[s] = sentPkt{at: now.Add(-2 * time.Second), typ: wire.TypeStreamData, acked: s%10 != 0}
	}
	e.stats.winStart = now.Add(-time.Second)
	e.mu.Lock()
	e.rateLocked(now)
	e.mu.Unlock()
	if !e.extraEC || e.ecLevel != 2 {
		t.Errorf("extra EC %v with %d copies, want on with 2", e.extraEC, e.ecLevel)
	}
	for _, x := range e.extras {
		if x.x.Type == wire.ExtraStreamFlags {
			t.Errorf("stream flags queued: % x", x.x.Data)
		}
	}
	audio.mu.Lock()
	defer audio.mu.Unlock()
	if n := len(audio.cfgs); n == 0 || audio.cfgs[n-1].Bitrate != extraECBitrate {
		t.Errorf("encoder configs %+v", audio.cfgs)
	}
}

// TestEmptyCopySkipped: an empty extra-EC copy is no Opus packet; it must not
// take the place of a real copy of the same frame arriving later.
func TestEmptyCopySkipped(t *testing.T) {
	port := &goldenPort{first: map[uint32][]byte{}}
	e, err := NewWithOptions(media.Params{Key: testKey(), Outgoing: true, Audio: port,
		Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9}}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.conn.Close()
	now := time.Unix(100, 0)
	// The packet of 60 is lost; 120 carries an empty copy of it, 180 a real one.
	e.deliverLocked(wire.StreamData{StreamID: 1, PTS: 120, Data: []byte{1}, ExtraFEC: [][]byte{{}, {1}}}, now)
	e.deliverLocked(wire.StreamData{StreamID: 1, PTS: 180, Data: []byte{2}, ExtraFEC: [][]byte{{9}, {1}, {2}}}, now)
	if got := port.first[60]; !bytes.Equal(got, []byte{9}) {
		t.Errorf("pts 60: % x, want the real copy 09", got)
	}
}
