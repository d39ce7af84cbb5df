package audio

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
)

var update = flag.Bool("update", false, "rewrite audio/testdata trace files")

// encodeSpeech encodes the test speech (looped to n packets) as 20 ms packets.
func encodeSpeech(tb testing.TB, n, lossPct int) []media.Packet {
	tb.Helper()
	sp := mustSpeech(tb)
	enc, err := NewEncoder(media.EncoderConfig{FrameDuration: 20 * time.Millisecond, Bitrate: 24000, FEC: true, PacketLossPct: lossPct}, media.SampleRate)
	if err != nil {
		tb.Fatal(err)
	}
	var out []media.Packet
	for i := 0; len(out) < n; i++ {
		off := (i * FrameSamples) % (len(sp) - FrameSamples)
		p, ok, err := enc.Push(sp[off : off+FrameSamples])
		if err != nil {
			tb.Fatal(err)
		}
		if ok {
			out = append(out, p)
		}
	}
	return out
}

func newJB(tb testing.TB) *JitterBuffer {
	dec, err := NewDecoder()
	if err != nil {
		tb.Fatal(err)
	}
	return NewJitterBuffer(dec, nil)
}

var epoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// TestJitterBufferCases covers ordering and accounting with explicit arrival orders.
func TestJitterBufferCases(t *testing.T) {
	tests := []struct {
		name      string
		order     []int // packet indexes in arrival order, all arriving at t=0
		wantLost  uint64
		wantDisc  uint64
		wantFEC   bool
		wantClean bool // no concealment at all
	}{
		{"in order", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 0, 0, false, true},
		{"reordered", []int{1, 0, 3, 2, 5, 4, 7, 6, 9, 8}, 0, 0, false, true},
		{"duplicates", []int{0, 0, 1, 2, 2, 3, 4, 5, 6, 7, 8, 9, 9}, 0, 3, false, true},
		{"single loss recovered by FEC", []int{0, 1, 2, 3, 5, 6, 7, 8, 9}, 1, 0, true, true},
		{"burst loss concealed", []int{0, 1, 2, 6, 7, 8, 9}, 3, 0, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pk := encodeSpeech(t, 10, 20)
			jb := newJB(t)
			for _, i := range tt.order {
				jb.Put(media.ReceivedPacket{Timestamp: pk[i].Timestamp + 12345, Payload: pk[i].Payload, Arrival: epoch})
			}
			out := make([]int16, FrameSamples)
			for range 10 {
				jb.Pull(out, epoch)
			}
			st := jb.Stats()
			if st.PacketsLost != tt.wantLost || st.PacketsDiscarded != tt.wantDisc {
				t.Fatalf("lost %d discarded %d; want %d, %d", st.PacketsLost, st.PacketsDiscarded, tt.wantLost, tt.wantDisc)
			}
			if (st.FECPacketsRecovered > 0) != tt.wantFEC {
				t.Fatalf("FEC recovered %d, want any=%v", st.FECPacketsRecovered, tt.wantFEC)
			}
			if (st.ConcealedSamples == 0) != tt.wantClean {
				t.Fatalf("concealed %d samples, want clean=%v", st.ConcealedSamples, tt.wantClean)
			}
			if st.TotalSamplesReceived != 10*FrameSamples {
				t.Fatalf("total %d", st.TotalSamplesReceived)
			}
		})
	}
}

// TestJitterBufferNoSteadyAllocs: in a call's steady state (a packet in,
// a frame out, every 20 ms) the jitter buffer reuses its queue, payload
// and audio buffers: playout allocated about 2 KB per frame when played
// audio and packets were resliced off the front of their arrays and
// re-grown by the next append, and every Put copied into a new payload.
func TestJitterBufferNoSteadyAllocs(t *testing.T) {
	pk := encodeSpeech(t, 400, 0)
	jb := newJB(t)
	out := make([]int16, FrameSamples)
	i := 0
	step := func() {
		p := pk[i%len(pk)]
		ts := uint32(i * FrameSamples) // continuous across the loop
		at := epoch.Add(time.Duration(i) * 20 * time.Millisecond)
		jb.Put(media.ReceivedPacket{Timestamp: ts, Payload: p.Payload, Arrival: at})
		jb.Pull(out, at.Add(40*time.Millisecond))
		i++
	}
	for range 200 { // warm up: the buffer reaches its level and sizes
		step()
	}
	if n := testing.AllocsPerRun(200, step); n != 0 {
		t.Errorf("%.2f allocations per 20 ms of steady playout, want 0", n)
	}
	if st := jb.Stats(); st.ConcealedSamples > 2*FrameSamples {
		t.Errorf("concealed %d samples of a clean stream: the loop is not a steady call", st.ConcealedSamples)
	}
}

// TestJitterBufferLateAndAbsurd: a packet behind the playout point and
// timestamps far away are discarded, not played, and never panic.
func TestJitterBufferLateAndAbsurd(t *testing.T) {
	pk := encodeSpeech(t, 8, 0)
	jb := newJB(t)
	for _, p := range pk[:6] {
		jb.Put(media.ReceivedPacket{Timestamp: p.Timestamp, Payload: p.Payload, Arrival: epoch})
	}
	out := make([]int16, FrameSamples)
	for range 4 {
		jb.Pull(out, epoch)
	}
	before := jb.Stats().PacketsDiscarded
	jb.Put(media.ReceivedPacket{Timestamp: pk[0].Timestamp, Payload: pk[0].Payload, Arrival: epoch})         // late
	jb.Put(media.ReceivedPacket{Timestamp: pk[0].Timestamp + 1<<31, Payload: pk[7].Payload, Arrival: epoch}) // absurd
	if got := jb.Stats().PacketsDiscarded - before; got != 2 {
		t.Fatalf("discarded %d, want 2", got)
	}
}

// A trace is one packet per 20 ms send slot: its arrival in µs, or lost.
type trace struct {
	name    string
	lossPct int
	arrival []int64 // µs after stream start; -1 = lost
}

// traceProfiles are the named network profiles from issue 3.
var traceProfiles = []struct {
	name    string
	lossPct int
	gen     func(r *rand.Rand, send int64) (arrival int64, lost bool)
}{
	{"clean", 0, func(r *rand.Rand, send int64) (int64, bool) {
		return send + 20000 + r.Int64N(1000), false
	}},
	{"loss5_jitter30", 5, func(r *rand.Rand, send int64) (int64, bool) {
		return send + 20000 + int64(math.Abs(r.NormFloat64())*30000), r.Float64() < 0.05
	}},
	{"bursty15", 15, nil}, // Gilbert–Elliott, needs state: see genTrace
	{"reorder2", 0, func(r *rand.Rand, send int64) (int64, bool) {
		d := send + 20000 + r.Int64N(1000)
		if r.Float64() < 0.02 {
			d += 30000 // lands after the next one or two packets
		}
		return d, false
	}},
	{"spike300", 0, func(r *rand.Rand, send int64) (int64, bool) {
		d := send + 20000 + r.Int64N(1000)
		if send >= 10e6 && send < 10.3e6 {
			d = 10.3e6 + 20000 + r.Int64N(1000) // held, then delivered at once
		}
		return d, false
	}},
}

const tracePackets = 1500 // 30 s of 20 ms packets

func genTrace(idx int) trace {
	pr := traceProfiles[idx]
	r := rand.New(rand.NewPCG(uint64(idx)+1, 42))
	tr := trace{name: pr.name, lossPct: pr.lossPct}
	bad := false
	for i := range tracePackets {
		send := int64(i) * 20000
		var arr int64
		var lost bool
		if pr.gen != nil {
			arr, lost = pr.gen(r, send)
		} else {
			// Good→bad 5.3 %, bad→good 30 %: 15 % loss in bursts of ~3.
			if bad {
				bad = r.Float64() >= 0.30
			} else {
				bad = r.Float64() < 0.053
			}
			arr, lost = send+20000+r.Int64N(2000), bad
		}
		if lost {
			arr = -1
		}
		tr.arrival = append(tr.arrival, arr)
	}
	return tr
}

func (tr trace) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# tgphone jitter trace %s: one line per 20 ms packet, arrival µs or - if lost\n", tr.name)
	for _, a := range tr.arrival {
		if a < 0 {
			b.WriteString("-\n")
		} else {
			fmt.Fprintf(&b, "%d\n", a)
		}
	}
	return b.Bytes()
}

func readTrace(tb testing.TB, name string, lossPct int) trace {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", "traces", name+".trace"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	tr := trace{name: name, lossPct: lossPct}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
		case line == "-":
			tr.arrival = append(tr.arrival, -1)
		default:
			v, err := strconv.ParseInt(line, 10, 64)
			if err != nil {
				tb.Fatalf("%s: %v", name, err)
			}
			tr.arrival = append(tr.arrival, v)
		}
	}
	return tr
}

// TestTraceFilesDeterministic regenerates every profile from its seed and
// compares it with the committed file (-update rewrites them).
func TestTraceFilesDeterministic(t *testing.T) {
	for i, pr := range traceProfiles {
		got := genTrace(i).encode()
		path := filepath.Join("testdata", "traces", pr.name+".trace")
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s differs from its generator", path)
		}
	}
}

type traceResult struct {
	concealedRatio float64
	meanDelay      time.Duration
	fecShare       float64
	st             JitterStats
}

// playTrace feeds a trace through the jitter buffer on a simulated clock:
// every 20 ms, deliver what has arrived, then pull one frame.
func playTrace(tb testing.TB, tr trace, pk []media.Packet) traceResult {
	type ev struct {
		at int64
		i  int
	}
	var evs []ev
	for i, a := range tr.arrival {
		if a >= 0 {
			evs = append(evs, ev{a, i})
		}
	}
	slices.SortStableFunc(evs, func(a, b ev) int { return int(a.at - b.at) })
	jb := newJB(tb)
	out := make([]int16, FrameSamples)
	next := 0
	// Stop once everything has played: trailing silence is not a network effect.
	for now := int64(0); next < len(evs) || len(jb.pkts) > 0 || len(jb.pcm) >= FrameSamples; now += 20000 {
		t := epoch.Add(time.Duration(now) * time.Microsecond)
		for next < len(evs) && evs[next].at <= now {
			p := pk[evs[next].i]
			jb.Put(media.ReceivedPacket{Timestamp: p.Timestamp, Seq: uint16(evs[next].i), HasSeq: true, Payload: p.Payload,
				Arrival: epoch.Add(time.Duration(evs[next].at) * time.Microsecond)})
			next++
		}
		jb.Pull(out, t)
	}
	st := jb.Stats()
	res := traceResult{st: st, meanDelay: st.MeanDelay}
	if st.TotalSamplesReceived > 0 {
		res.concealedRatio = float64(st.ConcealedSamples) / float64(st.TotalSamplesReceived)
	}
	if st.SingleLosses > 0 {
		res.fecShare = float64(st.SingleRecoveredByFEC) / float64(st.SingleLosses)
	}
	return res
}

// TestJitterTraces plays every profile and checks the properties issue 3
// asks for; the figures themselves come from BenchmarkJitterTraces.
func TestJitterTraces(t *testing.T) {
	for _, pr := range traceProfiles {
		t.Run(pr.name, func(t *testing.T) {
			tr := readTrace(t, pr.name, pr.lossPct)
			r := playTrace(t, tr, encodeSpeech(t, len(tr.arrival), max(pr.lossPct, 5)))
			t.Logf("concealed %.2f%%, mean delay %v, FEC share %.0f%% (%d/%d), lost %d, discarded %d, target %v, removed %d inserted %d",
				100*r.concealedRatio, r.meanDelay, 100*r.fecShare, r.st.SingleRecoveredByFEC, r.st.SingleLosses,
				r.st.PacketsLost, r.st.PacketsDiscarded, r.st.JitterBufferDelay, r.st.RemovedSamplesForAcceleration, r.st.InsertedSamplesForDeceleration)
			switch pr.name {
			case "clean", "reorder2":
				if r.st.PacketsLost != 0 || r.concealedRatio > 0.001 {
					t.Fatalf("clean network concealed %.3f%%, lost %d", 100*r.concealedRatio, r.st.PacketsLost)
				}
				if r.meanDelay > 120*time.Millisecond {
					t.Fatalf("mean delay %v on a calm network", r.meanDelay)
				}
			case "loss5_jitter30":
				if r.fecShare < 0.5 {
					t.Fatalf("FEC recovered %.0f%% of single losses, want ≥ 50%%", 100*r.fecShare)
				}
			case "spike300":
				if r.st.PacketsLost != 0 {
					t.Fatalf("spike lost %d packets: held packets must still play", r.st.PacketsLost)
				}
			}
		})
	}
}

// BenchmarkJitterTraces reports per-profile quality figures.
func BenchmarkJitterTraces(b *testing.B) {
	for _, pr := range traceProfiles {
		b.Run(pr.name, func(b *testing.B) {
			tr := readTrace(b, pr.name, pr.lossPct)
			pk := encodeSpeech(b, len(tr.arrival), max(pr.lossPct, 5))
			var r traceResult
			for b.Loop() {
				r = playTrace(b, tr, pk)
			}
			b.ReportMetric(100*r.concealedRatio, "concealed%")
			b.ReportMetric(float64(r.meanDelay)/1e6, "delay_ms")
			b.ReportMetric(100*r.fecShare, "fec_single%")
		})
	}
}

// FuzzJitterDecode drives the receive path with hostile packets: random and
// truncated payloads, absurd sequence numbers and timestamps. Nothing may
// panic, and every pulled frame is accounted as received samples.
func FuzzJitterDecode(f *testing.F) {
	pk := encodeSpeech(f, 3, 10)
	for _, p := range pk {
		rec := append([]byte{0, 1, 0, 0, 0, byte(p.Timestamp / 960), byte(len(p.Payload))}, p.Payload...)
		f.Add(rec)
		f.Add(rec[:len(rec)/2]) // truncated
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 3, 0xfb, 0xff, 0x00})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		jb := newJB(t)
		out := make([]int16, FrameSamples)
		pulls := 0
		for len(data) >= 7 {
			seq := uint16(data[0])<<8 | uint16(data[1])
			ts := uint32(data[2])<<24 | uint32(data[3])<<16 | uint32(data[4])<<8 | uint32(data[5])
			n := min(int(data[6]), len(data)-7)
			jb.Put(media.ReceivedPacket{Seq: seq, HasSeq: true, Timestamp: ts * 960, Payload: data[7 : 7+n], Arrival: epoch})
			data = data[7+n:]
			jb.Pull(out, epoch)
			pulls++
		}
		if got := jb.Stats().TotalSamplesReceived; got > uint64(pulls*FrameSamples) {
			t.Fatalf("%d samples from %d pulls", got, pulls)
		}
	})
}

// TestJitterBufferLegacy60ms: legacy libtgvoip sends 60 ms packets with
// Timestamp = pts_ms*48 and no sequence numbers; a single loss is recovered
// from the next packet's FEC and playout stays continuous.
func TestJitterBufferLegacy60ms(t *testing.T) {
	sp := mustSpeech(t)
	enc, err := NewEncoder(media.EncoderConfig{FrameDuration: 60 * time.Millisecond, Bitrate: 24000, FEC: true, PacketLossPct: 10}, media.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	var pk []media.Packet
	for i := 0; i+FrameSamples <= len(sp); i += FrameSamples {
		if p, ok, _ := enc.Push(sp[i : i+FrameSamples]); ok {
			pk = append(pk, p)
		}
	}
	jb := newJB(t)
	out := make([]int16, FrameSamples)
	pulls := 0
	for i, p := range pk {
		now := epoch.Add(time.Duration(i) * 60 * time.Millisecond)
		if i != 10 {
			pts := uint32(i * 60)
			jb.Put(media.ReceivedPacket{Timestamp: pts * 48, Payload: p.Payload, Arrival: now})
		}
		for range 3 {
			jb.Pull(out, now)
			pulls++
		}
	}
	st := jb.Stats()
	if st.PacketsLost != 1 || st.SingleLosses != 1 {
		t.Fatalf("lost %d single %d, want 1 and 1", st.PacketsLost, st.SingleLosses)
	}
	if st.FECPacketsRecovered != 1 {
		t.Fatalf("FEC recovered %d of the one loss", st.FECPacketsRecovered)
	}
	if st.TotalSamplesReceived == 0 || st.TotalSamplesReceived > uint64(pulls*FrameSamples) {
		t.Fatalf("total samples %d for %d pulls", st.TotalSamplesReceived, pulls)
	}
}

func rms(frame []int16) float64 {
	var sum float64
	for _, s := range frame {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum / float64(len(frame)))
}

// TestJitterBufferPeerStops: a peer that stops sending (tgcalls while
// muted, 60 ms packets) is heard as concealment fading to silence, never as
// noise for the whole gap; when it resumes 20 s later its speech plays again
// within the buffer's delay, and the gap is neither counted as lost packets
// nor refused as an absurd timestamp jump.
func TestJitterBufferPeerStops(t *testing.T) {
	sp := mustSpeech(t)
	enc, err := NewEncoder(media.EncoderConfig{FrameDuration: 60 * time.Millisecond, Bitrate: 24000, FEC: true}, media.SampleRate)
	if err != nil {
		t.Fatal(err)
	}
	var pk []media.Packet
	for i := 0; len(pk) < 60; i++ { // the speech, looped
		off := (i * FrameSamples) % (len(sp) - FrameSamples)
		if p, ok, _ := enc.Push(sp[off : off+FrameSamples]); ok {
			pk = append(pk, p)
		}
	}
	jb := newJB(t)
	out := make([]int16, FrameSamples)
	const gap = 20 * time.Second
	// Timestamps in samples: packet i at i*2880, resumed packets shifted by the gap.
	put := func(i int, shift time.Duration) time.Time {
		at := shift + time.Duration(i)*60*time.Millisecond
		jb.Put(media.ReceivedPacket{Timestamp: uint32(int64(at) * media.SampleRate / int64(time.Second)), Payload: pk[i].Payload, Arrival: epoch.Add(at)})
		return epoch.Add(at)
	}
	loudBefore := 0
	for i := range 30 {
		now := put(i, 0)
		for range 3 {
			jb.Pull(out, now)
			if rms(out) > 300 {
				loudBefore++
			}
		}
	}
	if loudBefore < 30 {
		t.Fatalf("only %d loud frames of speech before the gap", loudBefore)
	}
	before := jb.Stats()
	// The gap: 20 s of 20 ms pulls, nothing arrives.
	var gapRMS []float64
	last := epoch.Add(30 * 60 * time.Millisecond)
	for k := range int(gap / (20 * time.Millisecond)) {
		jb.Pull(out, last.Add(time.Duration(k)*20*time.Millisecond))
		gapRMS = append(gapRMS, rms(out))
	}
	// Past the buffered audio and the fade (≤ 40 ms buffered + 120 ms of
	// concealment + fade), everything is digital silence.
	for k, r := range gapRMS[12:] {
		if r != 0 {
			t.Fatalf("gap frame %d (%.2f s in): rms %.0f, want silence", k+12, float64(k+12)*0.02, r)
		}
	}
	// The peer resumes: packets 30.. with timestamps and arrivals 20 s on.
	loudAfter, firstLoud := 0, -1
	for i := 30; i < 60; i++ {
		now := put(i, gap)
		for range 3 {
			jb.Pull(out, now)
			if rms(out) > 300 {
				if firstLoud < 0 {
					firstLoud = (i - 30) * 3
				}
				loudAfter++
			}
		}
	}
	after := jb.Stats()
	if loudAfter < 30 {
		t.Errorf("only %d loud frames after the peer resumed (before the gap: %d)", loudAfter, loudBefore)
	}
	// A 60 ms stream starts once it holds a packet and a pull's worth
	// (TestJitterBufferMargin60ms), that is two packets: 60 ms after one.
	if firstLoud < 0 || firstLoud > 13 {
		t.Errorf("speech back after %d pulls (20 ms each), want within 260 ms", firstLoud)
	}
	if d := after.PacketsDiscarded - before.PacketsDiscarded; d != 0 {
		t.Errorf("%d packets discarded after the gap (taken for absurd timestamps)", d)
	}
	if l := after.PacketsLost - before.PacketsLost; l != 0 {
		t.Errorf("the gap counted as %d lost packets", l)
	}
	if after.SilentConcealedSamples < uint64(19*media.SampleRate) {
		t.Errorf("silent concealment %d samples, want the ~20 s gap", after.SilentConcealedSamples)
	}
}
