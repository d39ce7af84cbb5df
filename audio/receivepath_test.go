package audio

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/internal/schedstat"
	"github.com/tgphone/tgphone/internal/stoi"
	"github.com/tgphone/tgphone/media"
	"gopkg.in/hraban/opus.v2"
)

// The receive-path harness (issue 19): speech encoded as a tgcalls sender
// encodes it (60 ms Opus packets, in-band FEC, 32 kbit/s, complexity 9 as
// WebRTC's desktop default) or as tgphone does (20 ms, 24 kbit/s, FEC), sent
// through a seeded network profile into the JitterBuffer, played out in
// 20 ms pulls on a simulated clock, scored with STOI against what was said
// (aligned per 2 s block) and with the mean mouth-to-ear delay (packetising,
// network and buffer; no device buffers).

// rpProfile is one network profile: independent loss per packet and a
// uniform added delay per packet.
type rpProfile struct {
	name    string
	lossPct float64
	jitter  time.Duration // delay uniform in [0, jitter]
}

var rpProfiles = []rpProfile{
	{"clean", 0, 0},
	{"loss5_jitter30", 5, 30 * time.Millisecond},
	{"loss15", 15, 0},
	{"loss10_jitter60", 10, 60 * time.Millisecond},
}

// rpSeeds seed math/rand/v2's PCG (seed, profile index) for each run:
// 1, 2, 3 unless -receivepath-seeds names others (the held-out 4–9).
var rpSeeds = []uint64{1, 2, 3}

var rpSeedFlag = flag.String("receivepath-seeds", "", "BenchmarkReceivePath: comma-separated seeds instead of 1,2,3")

// seeds returns the seeds BenchmarkReceivePath runs.
func seeds(tb testing.TB) []uint64 {
	if *rpSeedFlag == "" {
		return rpSeeds
	}
	var out []uint64
	for _, f := range strings.Split(*rpSeedFlag, ",") {
		s, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			tb.Fatalf("-receivepath-seeds %q: %v", *rpSeedFlag, err)
		}
		out = append(out, s)
	}
	return out
}

const (
	rpLength = 20 * time.Second // speech per run: the 2 s sample, looped
	rpBlock  = 2 * media.SampleRate
	rpPhase  = 10 * time.Millisecond // playout pulls fall mid-way between 20 ms capture edges
	rpMaxLag = 800 * time.Millisecond
)

type rpSender struct {
	name   string
	packet time.Duration
}

var rpSenders = []rpSender{{"60ms", 60 * time.Millisecond}, {"20ms", 20 * time.Millisecond}}

// rpSpeech is the reference: what the sender's microphone heard.
func rpSpeech(tb testing.TB, length time.Duration) []int16 {
	sp := mustSpeech(tb)
	n := int(length.Seconds() * media.SampleRate)
	out := make([]int16, 0, n)
	for len(out) < n {
		out = append(out, sp[:min(len(sp), n-len(out))]...)
	}
	return out
}

// rpEncode encodes ref and 1 s more of the looped speech as the sender
// does, planning for lossPct.
func rpEncode(tb testing.TB, ref []int16, s rpSender, lossPct int) []media.Packet {
	tb.Helper()
	ref = append(slices.Clip(ref), rpSpeech(tb, time.Second)...)
	var out []media.Packet
	if s.packet == 20*time.Millisecond {
		enc, err := NewEncoder(media.EncoderConfig{FrameDuration: 20 * time.Millisecond, Bitrate: 24000, FEC: true, PacketLossPct: lossPct}, media.SampleRate)
		if err != nil {
			tb.Fatal(err)
		}
		for off := 0; off+FrameSamples <= len(ref); off += FrameSamples {
			p, ok, err := enc.Push(ref[off : off+FrameSamples])
			if err != nil {
				tb.Fatal(err)
			}
			if ok {
				out = append(out, p)
			}
		}
		return out
	}
	// tgcalls: WebRTC's Opus encoder, 60 ms, FEC on, the loss it measures.
	enc, err := opus.NewEncoder(media.SampleRate, 1, opus.AppVoIP)
	if err != nil {
		tb.Fatal(err)
	}
	for _, err := range []error{enc.SetBitrate(32000), enc.SetComplexity(9), enc.SetInBandFEC(true), enc.SetPacketLossPerc(lossPct)} {
		if err != nil {
			tb.Fatal(err)
		}
	}
	n := int(s.packet.Seconds() * media.SampleRate)
	buf := make([]byte, 1500)
	for off := 0; off+n <= len(ref); off += n {
		k, err := enc.Encode(ref[off:off+n], buf)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, media.Packet{Payload: append([]byte(nil), buf[:k]...), Duration: s.packet, Timestamp: uint32(off)})
	}
	return out
}

type rpResult struct {
	stoi      float64
	delay     time.Duration
	concealed float64 // share of played samples that were concealment
	st        JitterStats
	// pullCPU is the receiver's CPU time per 20 ms pull (puts of what
	// arrived, decoding, concealment, time-stretching).
	pullCPU time.Duration
}

// rpRun sends pk through profile pr (seeded) into a fresh JitterBuffer and
// scores the playout against ref.
func rpRun(tb testing.TB, ref []int16, pk []media.Packet, pr rpProfile, prIdx int, seed uint64) rpResult {
	r := rand.New(rand.NewPCG(seed, uint64(prIdx)))
	type arrival struct {
		at time.Duration
		p  media.Packet
	}
	var arr []arrival
	for _, p := range pk {
		lost := r.Float64()*100 < pr.lossPct
		d := time.Duration(r.Int64N(int64(pr.jitter)/int64(time.Microsecond)+1)) * time.Microsecond
		if lost {
			continue
		}
		sent := time.Duration(int64(p.Timestamp)+int64(p.Duration*media.SampleRate/time.Second)) * time.Second / media.SampleRate
		arr = append(arr, arrival{sent + d, p})
	}
	slices.SortStableFunc(arr, func(a, b arrival) int { return int(a.at - b.at) })
	jb := newJB(tb)
	end := time.Duration(len(ref))*time.Second/media.SampleRate + rpMaxLag + 200*time.Millisecond
	out := make([]int16, 0, int(end.Seconds()*media.SampleRate))
	frame := make([]int16, FrameSamples)
	next := 0
	// The sender goes on past ref (pk has a tail): the figures stop when
	// playout reaches ref's end.
	var st JitterStats
	done := false
	cpu0, pulls := schedstat.ProcessCPU(), 0
	for now := rpPhase; now < end; now += 20 * time.Millisecond {
		pulls++
		for next < len(arr) && arr[next].at <= now {
			a := arr[next]
			jb.Put(media.ReceivedPacket{Timestamp: a.p.Timestamp, Payload: a.p.Payload, Arrival: epoch.Add(a.at)})
			next++
		}
		jb.Pull(frame, epoch.Add(now))
		out = append(out, frame...)
		if !done && jb.playTS >= int64(len(ref)) {
			st, done = jb.Stats(), true
		}
	}
	res := rpResult{st: st, pullCPU: (schedstat.ProcessCPU() - cpu0) / time.Duration(pulls)}
	if st.TotalSamplesReceived > 0 {
		res.concealed = float64(st.ConcealedSamples) / float64(st.TotalSamplesReceived)
	}
	aligned, lag := rpAlign(ref, out, samplesOf(rpPhase))
	res.stoi = stoi.Compute(ref, aligned, media.SampleRate)
	res.delay = durationOf(int(lag))
	return res
}

// rpAlign cuts from out (whose sample 0 plays at ref's sample off) the
// stretch that best matches each 2 s block of ref and returns their
// concatenation and the mean lag in samples: per-block alignment follows a
// delay that changes during the call.
func rpAlign(ref, out []int16, off int) ([]int16, float64) {
	r10 := stoi.Resample(toF(ref), media.SampleRate)
	o10 := stoi.Resample(toF(out), media.SampleRate)
	const dec = float64(media.SampleRate) / stoi.Rate // 48 kHz samples per 10 kHz sample
	r25, o25 := box4(r10), box4(o10)
	block10 := rpBlock * stoi.Rate / media.SampleRate
	maxLag10 := int(rpMaxLag.Seconds() * stoi.Rate)
	off10 := off * stoi.Rate / media.SampleRate
	aligned := make([]int16, len(ref))
	var lagSum float64
	blocks := 0
	for b := 0; b*block10 < len(r10); b++ {
		lo := b * block10
		hi := min(lo+block10, len(r10))
		// Coarse at 2.5 kHz, then ±8 samples at 10 kHz.
		best := bestLag(r25[lo/4:hi/4], o25, lo/4-off10/4, 0, maxLag10/4, 1)
		best = bestLag(r10[lo:hi], o10, lo-off10, max(0, best*4-8), best*4+8, 1)
		lag48 := int(math.Round(float64(best) * dec)) // 48 kHz samples from capture to play
		for i := b * rpBlock; i < min((b+1)*rpBlock, len(ref)); i++ {
			if j := i + lag48 - off; j >= 0 && j < len(out) {
				aligned[i] = out[j]
			}
		}
		lagSum += float64(lag48)
		blocks++
	}
	return aligned, lagSum / float64(blocks)
}

// bestLag returns the lag in [lo, hi] maximising the normalised correlation
// of ref with sig[base+lag:].
func bestLag(ref, sig []float64, base, lo, hi, step int) int {
	best, bestC := lo, math.Inf(-1)
	for lag := lo; lag <= hi; lag += step {
		var xy, yy float64
		for i, x := range ref {
			j := base + lag + i
			if j < 0 || j >= len(sig) {
				continue
			}
			xy += x * sig[j]
			yy += sig[j] * sig[j]
		}
		if yy == 0 {
			continue
		}
		if c := xy / math.Sqrt(yy); c > bestC {
			best, bestC = lag, c
		}
	}
	return best
}

func toF(p []int16) []float64 {
	out := make([]float64, len(p))
	for i, v := range p {
		out[i] = float64(v)
	}
	return out
}

// box4 averages groups of four samples (10 → 2.5 kHz, for the coarse search).
func box4(x []float64) []float64 {
	out := make([]float64, len(x)/4)
	for i := range out {
		out[i] = (x[4*i] + x[4*i+1] + x[4*i+2] + x[4*i+3]) / 4
	}
	return out
}

// rpMeasure runs every seed of one sender and profile and averages.
func rpMeasure(tb testing.TB, ref []int16, s rpSender, pr rpProfile, prIdx int, pk []media.Packet) rpResult {
	var m rpResult
	ss := seeds(tb)
	for _, seed := range ss {
		r := rpRun(tb, ref, pk, pr, prIdx, seed)
		if testing.Verbose() {
			tb.Logf("%s %s seed %d: STOI %.3f, delay %v, concealed %.1f%%", s.name, pr.name, seed, r.stoi, r.delay.Round(time.Millisecond), 100*r.concealed)
		}
		m.stoi += r.stoi / float64(len(ss))
		m.delay += r.delay / time.Duration(len(ss))
		m.concealed += r.concealed / float64(len(ss))
		m.pullCPU += r.pullCPU / time.Duration(len(ss))
	}
	return m
}

// receivePathJSON is where BenchmarkReceivePath writes its rows for
// `make bench` (bench/results.json takes them in).
var receivePathJSON = flag.String("receivepath-json", "", "BenchmarkReceivePath: write the rows to this JSON file")

// receivePathRow is one sender and profile in receivepath.json.
type receivePathRow struct {
	Sender       string  `json:"sender"`
	Profile      string  `json:"profile"`
	LossPct      float64 `json:"loss_pct"`
	JitterMs     float64 `json:"added_delay_max_ms"`
	STOI         float64 `json:"stoi"`
	DelayMs      float64 `json:"mouth_to_ear_ms"`
	ConcealedPct float64 `json:"concealed_pct"`
	PullCPUUs    float64 `json:"receiver_cpu_us_per_20ms"`
}

// BenchmarkReceivePath reports STOI and mean mouth-to-ear delay per packet
// size and profile (3 seeds each): go test ./audio -bench ReceivePath -run XXX
func BenchmarkReceivePath(b *testing.B) {
	ref := rpSpeech(b, rpLength)
	var rows []receivePathRow
	for _, s := range rpSenders {
		for i, pr := range rpProfiles {
			b.Run(fmt.Sprintf("%s/%s", s.name, pr.name), func(b *testing.B) {
				pk := rpEncode(b, ref, s, int(pr.lossPct))
				var m rpResult
				for b.Loop() {
					m = rpMeasure(b, ref, s, pr, i, pk)
				}
				b.ReportMetric(m.stoi, "stoi")
				b.ReportMetric(float64(m.delay)/1e6, "delay_ms")
				b.ReportMetric(100*m.concealed, "concealed%")
				b.ReportMetric(float64(m.pullCPU)/1e3, "cpu-µs/pull")
				rows = append(rows, receivePathRow{Sender: s.name, Profile: pr.name, LossPct: pr.lossPct,
					JitterMs: float64(pr.jitter) / 1e6, STOI: m.stoi, DelayMs: float64(m.delay) / 1e6,
					ConcealedPct: 100 * m.concealed, PullCPUUs: float64(m.pullCPU) / 1e3})
			})
		}
	}
	if *receivePathJSON != "" {
		out, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(*receivePathJSON, append(out, '\n'), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// TestReceivePathClean: on a clean network, 60 ms packets arrive intact
// (STOI ≥ 0.95) with less than 200 ms mouth to ear, and a lossy one keeps
// most of the speech (a property check; the figures come from the benchmark).
func TestReceivePathClean(t *testing.T) {
	ref := rpSpeech(t, 6*time.Second)
	s := rpSenders[0]
	for i, pr := range rpProfiles[:2] {
		r := rpRun(t, ref, rpEncode(t, ref, s, int(pr.lossPct)), pr, i, 1)
		t.Logf("%s %s: STOI %.3f, delay %v, concealed %.1f%%", s.name, pr.name, r.stoi, r.delay, 100*r.concealed)
		if want := []float64{0.95, 0.8}[i]; r.stoi < want {
			t.Errorf("%s: STOI %.3f, want ≥ %.2f", pr.name, r.stoi, want)
		}
		if r.delay > 200*time.Millisecond || r.delay < 60*time.Millisecond {
			t.Errorf("%s: delay %v, want 60–200 ms (a 60 ms packet waits 60 ms to be sent)", pr.name, r.delay)
		}
	}
}

// BenchmarkJitterPull is the receive path's CPU per 20 ms of playout (Put of
// what arrived, Pull with decode, concealment and time-stretching) for each
// sender on the 10 % loss + 0–60 ms profile, seed 1.
func BenchmarkJitterPull(b *testing.B) {
	ref := rpSpeech(b, rpLength)
	const prIdx = 3
	pr := rpProfiles[prIdx]
	for _, s := range rpSenders {
		b.Run(s.name, func(b *testing.B) {
			pk := rpEncode(b, ref, s, int(pr.lossPct))
			r := rand.New(rand.NewPCG(1, prIdx))
			type arrival struct {
				at time.Duration
				p  media.Packet
			}
			var arr []arrival
			for _, p := range pk {
				lost := r.Float64()*100 < pr.lossPct
				d := time.Duration(r.Int64N(int64(pr.jitter)/int64(time.Microsecond)+1)) * time.Microsecond
				if !lost {
					sent := time.Duration(int64(p.Timestamp)+int64(p.Duration*media.SampleRate/time.Second)) * time.Second / media.SampleRate
					arr = append(arr, arrival{sent + d, p})
				}
			}
			slices.SortStableFunc(arr, func(a, b arrival) int { return int(a.at - b.at) })
			frame := make([]int16, FrameSamples)
			jb, next, now := newJB(b), 0, rpPhase
			defer reportCPU(b)()
			for b.Loop() {
				if next == len(arr) {
					jb, next, now = newJB(b), 0, rpPhase
				}
				for next < len(arr) && arr[next].at <= now {
					a := arr[next]
					jb.Put(media.ReceivedPacket{Timestamp: a.p.Timestamp, Payload: a.p.Payload, Arrival: epoch.Add(a.at)})
					next++
				}
				jb.Pull(frame, epoch.Add(now))
				now += 20 * time.Millisecond
			}
		})
	}
}
