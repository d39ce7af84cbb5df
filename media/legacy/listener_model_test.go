package legacy

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
)

// A model of a libtgvoip 2.4.4 listener, to choose our extra-EC policy (issue
// 15 item 4). There is no libtgvoip binary here, so this is not a measurement
// of libtgvoip: it replays seeded loss and delay through the rules read in
// its source (grishka/libtgvoip bb25caf) that decide what the listener plays:
//
//   - jitter buffer (JitterBuffer.cpp): on the first packet the playout point
//     is set minDelay packets behind it and then advances 60 ms per 60 ms; a
//     slot is played if its packet is there when its turn comes, else it is
//     concealed. minDelay is 2 packets, and 4 while the peer's STREAM_FLAGS
//     announce extra EC (ProcessExtraData: SetMinPacketCount(4)).
//   - extra-EC copies (ProcessIncomingPacket) are filed at P−(k−1−j)·60 ms and
//     never displace a packet; a packet displaces a copy.
//
// Left out: its adaptation of minDelay to jitter (at these jitters its
// stddev rule stays at the minimum: ceil(2·σ/60 ms) = 1 < 2), its resyncs
// on late packets, and in-band FEC (the same for every policy but "none",
// whose 16–20 kbit/s packets carry it while extra-EC packets do not).

type listenerProfile struct {
	name     string
	lossPct  float64
	jitterMs float64 // added delay, uniform 0..jitterMs per packet
}

// The four profiles of the interop runs in issue 15.
var listenerProfiles = []listenerProfile{
	{"clean", 0, 0},
	{"loss5-jitter30", 5, 30},
	{"loss15", 15, 0},
	{"loss10-jitter60", 10, 60},
}

type ecPolicy struct {
	name     string
	copies   func(loss float64) int
	announce func(loss float64) bool
}

var ecPolicies = []ecPolicy{
	{"none", func(float64) int { return 0 }, func(float64) bool { return false }},
	{"libtgvoip-announced-2to4", extraECLevel, func(l float64) bool { return extraECLevel(l) > 0 }},
	{"announced-2", func(l float64) int { return min(extraECLevel(l), 2) }, func(l float64) bool { return extraECLevel(l) > 0 }},
	{"unannounced-2to4", extraECLevel, func(float64) bool { return false }},
	{"unannounced-2", func(l float64) int { return min(extraECLevel(l), 2) }, func(float64) bool { return false }},
}

type listenerResult struct {
	primary, copy, concealed int
	delayMs                  float64 // send → playout, mean over played frames
	bytesPerPacket           float64 // Opus bytes on the wire per packet, 60 B frames
	// latePer100ms is how many copies arrive behind the playout point per
	// 100 ms: libtgvoip counts them as late packets, and at 1 or more per
	// 100 ms (averaged over 16 ticks) its jitter buffer resyncs every tick.
	latePer100ms float64
}

// simulateListener sends n 60 ms packets under profile pr with policy po and
// plays them out as the model above does.
func simulateListener(pr listenerProfile, po ecPolicy, n int, seed uint64) listenerResult {
	const baseMs = 20.0 // one-way network delay
	rng := rand.New(rand.NewPCG(seed, 0x1b))
	loss := pr.lossPct / 100
	k := po.copies(loss)
	minDelay := 2
	if po.announce(loss) {
		minDelay = 4
	}
	type arrival struct {
		at  float64
		pts int
	}
	var arr []arrival
	for i := range n {
		if rng.Float64() < loss {
			continue
		}
		arr = append(arr, arrival{at: float64(i*frameMs) + baseMs + rng.Float64()*pr.jitterMs, pts: i * frameMs})
	}
	sort.SliceStable(arr, func(a, b int) bool { return arr[a].at < arr[b].at })
	const (
		none = iota
		isCopy
		isPrimary
	)
	slot := make([]int, n)
	put := func(pts, kind int, deadline float64, at float64) {
		if pts < 0 || at > deadline {
			return // before the stream, or its turn has passed
		}
		if slot[pts/frameMs] < kind {
			slot[pts/frameMs] = kind
		}
	}
	// The playout point: the first packet's pts is played minDelay packets
	// after it arrives; every later pts 60 ms per packet after that.
	first := arr[0]
	playAt := func(pts int) float64 {
		return first.at + float64(minDelay*frameMs) + float64(pts-first.pts)
	}
	var res listenerResult
	late := 0
	for _, a := range arr {
		put(a.pts, isPrimary, playAt(a.pts), a.at)
		kk := min(k, a.pts/frameMs+1)
		for j := range kk {
			p := a.pts - (kk-1-j)*frameMs
			put(p, isCopy, playAt(p), a.at)
			if p < a.pts && a.at > playAt(p) {
				late++
			}
		}
		res.bytesPerPacket += float64(60 * (1 + kk))
	}
	res.bytesPerPacket /= float64(len(arr))
	res.latePer100ms = float64(late) / (float64(n*frameMs) / 100)
	var delay float64
	for i := 50; i < n; i++ { // after the start-up
		switch slot[i] {
		case isPrimary:
			res.primary++
		case isCopy:
			res.copy++
		default:
			res.concealed++
			continue
		}
		delay += playAt(i*frameMs) - float64(i*frameMs)
	}
	res.delayMs = delay / float64(res.primary+res.copy)
	return res
}

// BenchmarkLibtgvoipListenerModel reports, per network profile and extra-EC
// policy, what the modelled libtgvoip listener plays: frames heard from the
// packet itself, from a copy, concealed, and the send-to-playout delay.
//
//	go test ./media/legacy -run XXX -bench LibtgvoipListenerModel
func BenchmarkLibtgvoipListenerModel(b *testing.B) {
	for _, pr := range listenerProfiles {
		for _, po := range ecPolicies {
			b.Run(pr.name+"/"+po.name, func(b *testing.B) {
				var r listenerResult
				for b.Loop() {
					r = simulateListener(pr, po, 20000, 15)
				}
				total := float64(r.primary + r.copy + r.concealed)
				b.ReportMetric(100*float64(r.copy)/total, "from-copy-%")
				b.ReportMetric(100*float64(r.concealed)/total, "concealed-%")
				b.ReportMetric(r.delayMs, "delay-ms")
				b.ReportMetric(r.bytesPerPacket, "opus-B/pkt")
				b.ReportMetric(r.latePer100ms, "late-copies/100ms")
			})
		}
	}
}

// TestListenerModelTable prints the model's table (go test -v) and checks
// the facts the chosen policy rests on.
func TestListenerModelTable(t *testing.T) {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%-16s %-26s %9s %9s %8s %6s %10s\n", "profile", "policy", "copy %", "concealed", "delay", "B/pkt", "late/100ms")
	res := map[string]listenerResult{}
	for _, pr := range listenerProfiles {
		for _, po := range ecPolicies {
			r := simulateListener(pr, po, 20000, 15)
			res[pr.name+"/"+po.name] = r
			total := float64(r.primary + r.copy + r.concealed)
			fmt.Fprintf(&sb, "%-16s %-26s %8.1f%% %8.1f%% %5.0f ms %6.0f %10.2f\n", pr.name, po.name,
				100*float64(r.copy)/total, 100*float64(r.concealed)/total, r.delayMs, r.bytesPerPacket, r.latePer100ms)
		}
	}
	t.Log("\n" + sb.String())
	// The policy the engine uses (extraECCopies, no announcement) rests on:
	// announcing costs the listener 2 packets of delay; unannounced, copies
	// more than one packet back arrive behind the playout point (and make
	// libtgvoip resync), while one copy back stays in time and takes the
	// concealment from the "none" level to a fraction of it.
	for _, pr := range listenerProfiles[1:] {
		lib, un2, un4, none := res[pr.name+"/libtgvoip-announced-2to4"], res[pr.name+"/unannounced-2"], res[pr.name+"/unannounced-2to4"], res[pr.name+"/none"]
		if d := lib.delayMs - un2.delayMs; d < 100 {
			t.Errorf("%s: announcing costs %.0f ms, model expects 120", pr.name, d)
		}
		if un2.latePer100ms >= 0.1 || (extraECLevel(pr.lossPct/100) > 2 && un4.latePer100ms < 1) {
			t.Errorf("%s: late copies per 100 ms %.2f with 2 copies, %.2f with up to 4", pr.name, un2.latePer100ms, un4.latePer100ms)
		}
		if un2.concealed*4 > none.concealed {
			t.Errorf("%s: 2 unannounced copies conceal %d frames, none %d", pr.name, un2.concealed, none.concealed)
		}
	}
}
