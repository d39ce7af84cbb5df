package audio

import (
	"log/slog"
	"math"
	"slices"
	"time"

	"github.com/tgphone/tgphone/media"
)

// Jitter-buffer limits. The floor stays low so a calm network costs little
// delay; the ceiling bounds what a pathological peer can make us buffer.
const (
	jbMinDelay   = 40 * time.Millisecond
	jbMaxDelay   = 1000 * time.Millisecond
	jbHysteresis = media.SampleRate / 50 // 20 ms in samples
	jbHistory    = 128                   // packets of delay history
	jbFarJump    = 10 * media.SampleRate // 10 s: an absurd timestamp
	jbResetAfter = 25                    // consecutive absurd packets mean the peer restarted
	// silenceRMS is the level under which a frame may be dropped or repeated
	// to change the delay without an audible cut (≈ −50 dBFS).
	silenceRMS = 100
	// Concealment plays Opus' PLC at full level for fadeAfter, fades it out
	// over fadeLen and is silence after that: Opus' PLC left alone goes on
	// as noise for as long as the gap lasts (as NetEq's expand, which mutes).
	fadeAfter = 60 * media.SampleRate / 1000
	fadeLen   = 60 * media.SampleRate / 1000
	// pauseAfter samples of concealment with nothing buffered mean the peer
	// stopped sending (tgcalls sends nothing while muted): its next packet
	// starts a new talk spurt, buffered anew, instead of a loss or an
	// "absurd" timestamp jump.
	pauseAfter = 500 * media.SampleRate / 1000
)

type jbPacket struct {
	ts      int64
	n       int
	payload []byte
	arrival time.Time
}

// JitterStats adds to media.AudioStats what the quality harness reports.
type JitterStats struct {
	media.AudioStats
	// MeanDelay is the mean time from a packet's arrival to its playout.
	MeanDelay time.Duration
	// SingleLosses counts gaps of exactly one packet; SingleRecoveredByFEC of
	// those were recovered from the next packet's in-band FEC.
	SingleLosses         uint64
	SingleRecoveredByFEC uint64
}

// JitterBuffer orders, times and decodes peer packets into 20 ms frames.
// It is not safe for concurrent use; Session serialises access.
type JitterBuffer struct {
	dec     *Decoder
	log     *slog.Logger
	pkts    []jbPacket // sorted by ts
	started bool
	paused  bool // the peer stopped sending: silence until it resumes
	// concealRun counts the samples concealed since the last decoded one.
	concealRun int
	playTS     int64
	pcm        []int16
	scratch    []int16
	free       [][]byte // payload buffers of popped packets, for Put (popPacket)

	haveBase bool
	lastRaw  uint32
	lastExt  int64
	absurd   int

	t0          time.Time
	transit     []float64 // ring of arrival−timestamp in samples
	sorted      []float64 // scratch: transit sorted, for its percentile
	transitPos  int
	lastTransit float64
	jitter      float64 // RFC 3550 interarrival jitter, samples
	target      int     // samples
	lastDur     int
	inBurst     bool // the gap being filled spans more than one packet
	// lossHold counts down the packets after a loss during which the target
	// keeps one more packet in hand: the next packet must be there when a
	// lost one is due, or its FEC cannot stand in for it.
	lossHold int
	// fecSpan is how much of a lost packet the next one's FEC restores:
	// all of a SILK packet, only the last 20 ms frame of a multi-frame
	// hybrid one (tgcalls' 60 ms packets), since libopus decodes the LBRR
	// of the packet's first frame only.
	fecSpan int

	// filtLevel is the buffer level before a pull, smoothed. What the
	// buffer itself removes or inserts moves it at once, as NetEq's
	// BufferLevelFilter does: left to the smoothing, the level seemed high
	// for several pulls after a removal, more was removed, and a 60 ms
	// stream settled with under a millisecond in hand.
	filtLevel float64
	// underrun counts the samples concealed for want of any packet since
	// the last one decoded.
	underrun int
	newest   time.Time // the latest arrival
	dec8     [tsNeed / tsDecim]float64
	stretch  []int16 // expand's output, swapped with pcm

	st         JitterStats
	delaySum   time.Duration
	delayCount uint64
}

// NewJitterBuffer makes an empty buffer that decodes with dec.
func NewJitterBuffer(dec *Decoder, logger *slog.Logger) *JitterBuffer {
	if logger == nil {
		logger = slog.Default()
	}
	return &JitterBuffer{
		dec:     dec,
		log:     logger,
		scratch: make([]int16, maxPacketSamples),
		free:    make([][]byte, 0, 8),
		target:  samplesOf(jbMinDelay),
		lastDur: FrameSamples,
	}
}

func samplesOf(d time.Duration) int { return int(d * media.SampleRate / time.Second) }

func durationOf(samples int) time.Duration {
	return time.Duration(samples) * time.Second / media.SampleRate
}

// Put queues a received packet. Malformed, late, duplicate and absurd packets
// are counted as discarded; their slots are concealed at playout.
func (j *JitterBuffer) Put(p media.ReceivedPacket) {
	n, err := PacketSamples(p.Payload)
	if err != nil {
		j.st.PacketsDiscarded++
		return
	}
	var ext int64
	if !j.haveBase {
		j.haveBase, j.lastRaw, j.lastExt = true, p.Timestamp, int64(p.Timestamp)
		ext = int64(p.Timestamp)
		j.t0 = p.Arrival
	} else {
		ext = j.lastExt + int64(int32(p.Timestamp-j.lastRaw))
	}
	ref := j.lastExt
	if j.started {
		ref = j.playTS
	}
	if d := ext - ref; !j.paused && (d > jbFarJump || d < -jbFarJump) {
		j.st.PacketsDiscarded++
		j.absurd++
		if j.absurd >= jbResetAfter {
			j.log.Warn("jitter buffer: peer timestamps jumped, restarting stream")
			j.reset()
		}
		return
	}
	j.absurd = 0
	if ext > j.lastExt {
		j.lastExt, j.lastRaw = ext, p.Timestamp
	}
	if j.started && ext+int64(n) <= j.playTS {
		j.st.PacketsDiscarded++ // late
		return
	}
	i, found := slices.BinarySearchFunc(j.pkts, ext, func(q jbPacket, t int64) int {
		switch {
		case q.ts < t:
			return -1
		case q.ts > t:
			return 1
		}
		return 0
	})
	if found {
		j.st.PacketsDiscarded++ // duplicate
		return
	}
	j.pkts = slices.Insert(j.pkts, i, jbPacket{ts: ext, n: n, payload: append(j.spare(), p.Payload...), arrival: p.Arrival})
	j.st.PacketsReceived++
	j.fecSpan = min(n, opusFrameSamples(p.Payload[0]))
	j.measure(ext, n, p.Arrival)
	if p.Arrival.After(j.newest) {
		j.newest = p.Arrival
	}
}

// measure updates the jitter estimate and the target delay: the target covers
// the 95th percentile of recent transit-time spread plus one packet, so it
// follows the network up at once and back down as calm packets replace the
// spike in the history.
func (j *JitterBuffer) measure(ext int64, n int, arrival time.Time) {
	tr := arrival.Sub(j.t0).Seconds()*media.SampleRate - float64(ext)
	if len(j.transit) > 0 {
		d := math.Abs(tr - j.lastTransit)
		j.jitter += (d - j.jitter) / 16
	}
	j.lastTransit = tr
	if len(j.transit) < jbHistory {
		j.transit = append(j.transit, tr)
	} else {
		j.transit[j.transitPos] = tr
		j.transitPos = (j.transitPos + 1) % jbHistory
	}
	j.sorted = append(j.sorted[:0], j.transit...) // reused: no garbage per packet
	s := j.sorted
	slices.Sort(s)
	spread := s[len(s)*95/100] - s[0]
	if j.lossHold > 0 {
		j.lossHold--
		if j.fecSpan >= n {
			// Keep in hand what the next packet's FEC can restore of a lost
			// one: all of a single-frame packet. Of a multi-frame hybrid
			// packet (tgcalls' 60 ms) FEC restores only the last 20 ms, and
			// holding even that cost more delay than it gave back
			// (ReceivePath, 60 ms sender, seeds 1–3 with the quiet-frame
			// band below: 5 % + 0–30 ms 0.936 STOI / 125 ms without the
			// hold, 0.941 / 127 ms with it; 10 % + 0–60 ms 0.914 / 157 ms
			// against 0.916 / 163 ms).
			spread += float64(j.fecSpan)
		}
	}
	if n > FrameSamples {
		// A packet longer than a pull needs a pull's worth in hand besides
		// itself (see safeLevel); an arrival spread, or the FEC held after a
		// loss, of a pull or more keeps that much already.
		spread = max(spread, FrameSamples)
	}
	t := max(int(spread)+n, samplesOf(jbMinDelay))
	j.target = min(t, samplesOf(jbMaxDelay))
}

func (j *JitterBuffer) reset() {
	j.pkts = j.pkts[:0]
	j.pcm = j.pcm[:0]
	j.started, j.paused = false, false
	j.concealRun = 0
	j.haveBase = false
	j.absurd = 0
	j.transit = j.transit[:0]
	j.transitPos = 0
}

// level is how many samples are buffered ahead of the playout point.
func (j *JitterBuffer) level() int {
	l := len(j.pcm)
	if n := len(j.pkts); n > 0 {
		if end := j.pkts[n-1].ts + int64(j.pkts[n-1].n); end > j.playTS {
			l += int(end - j.playTS)
		}
	}
	return l
}

// Pull fills out (FrameSamples long) with the next 20 ms of playout at time now.
func (j *JitterBuffer) Pull(out []int16, now time.Time) {
	if !j.started {
		if len(j.pkts) == 0 || j.pkts[len(j.pkts)-1].ts+int64(j.pkts[len(j.pkts)-1].n)-j.pkts[0].ts < int64(j.target) {
			clear(out)
			if j.paused {
				// Silence in place of a peer that stopped: concealment, as
				// webrtc-stats counts it (silentConcealedSamples).
				j.st.TotalSamplesReceived += FrameSamples
				j.st.ConcealedSamples += FrameSamples
				j.st.SilentConcealedSamples += FrameSamples
			}
			return
		}
		j.started, j.paused = true, false
		j.playTS = j.pkts[0].ts
		j.lastDur = j.pkts[0].n
		j.filtLevel = 0 // a new talk spurt: measured afresh, not from the silence before it
		j.underrun = 0
	}
	lvl := j.level()
	// With packets longer than a pull the level is a saw-tooth; its mean,
	// smoothed over a few packets, plus half a packet less half a pull is
	// comparable with the target (the level just after a packet arrives).
	if j.filtLevel == 0 {
		// The saw-tooth's mean, not its top: starting from the top, the
		// level seemed high for many pulls and too much was removed.
		j.filtLevel = float64(lvl - (j.lastDur-FrameSamples)/2)
	}
	// While the next packet is overdue (lost or late) the level dips by
	// what is missing; following the dip, the buffer inserted to climb back
	// and, once the packet or its successor came, sat that much higher:
	// after every loss the delay grew (TestJitterBufferLossKeepsDelay60ms).
	// Concealment already stands in for what is missing, so the filter and
	// growing wait for the next arrival.
	overdue := now.Sub(j.newest) > durationOf(j.lastDur+FrameSamples/2)
	if !overdue {
		j.filtLevel += (float64(lvl) - j.filtLevel) / levelSmoothing
	}
	eff := int(j.filtLevel) + (j.lastDur-FrameSamples)/2
	band := jbHysteresis + int(stretchBand*j.jitter)
	// Below a packet and a pull in hand a multi-pull packet stream underruns
	// at the next late arrival: the dead band does not reach under that.
	grow := !overdue && eff < max(j.target-band, j.safeLevel())
	shrink := eff > j.target+band
	// Dropping a quiet frame costs no speech, so in pauses the buffer
	// shrinks towards the target without the jitter's widening: otherwise
	// the delay a late packet added stayed for the rest of the call
	// (ReceivePath, 60 ms sender, 10 % + 0–60 ms: 0.920 STOI / 170 ms
	// before, 0.916 / 163 ms with this band and the overdue freeze above).
	// The band is narrower than shrink's: in a quiet frame shrink implies it.
	shrinkQuiet := eff > j.target+jbHysteresis
	if lvl > samplesOf(jbMaxDelay)+FrameSamples {
		// Far too much queued (a peer burst after a stall): drop the oldest
		// 20 ms even if audible, so delay stays bounded.
		j.fill(FrameSamples, now)
		j.dropPlayed(FrameSamples)
		j.st.RemovedSamplesForAcceleration += FrameSamples
		j.filtLevel -= FrameSamples
	}
	j.fill(FrameSamples, now)
	switch {
	case shrinkQuiet && quiet(j.pcm[:FrameSamples]):
		j.dropPlayed(FrameSamples)
		j.st.RemovedSamplesForAcceleration += FrameSamples
		j.filtLevel -= FrameSamples
		j.fill(FrameSamples, now)
	case shrink && lvl >= tsNeed:
		// Speech: remove one pitch period where the signal repeats.
		j.fill(tsNeed, now)
		if t, c := pitchPeriod(j.pcm, &j.dec8); c >= tsMinCorr {
			j.pcm = accelerate(j.pcm, t)
			j.st.RemovedSamplesForAcceleration += uint64(t)
			j.filtLevel -= float64(t)
		}
	case grow && quiet(j.pcm[:FrameSamples]) && len(j.pkts) > 0:
		// Repeat silence rather than play on towards an underrun.
		clear(out)
		j.st.InsertedSamplesForDeceleration += FrameSamples
		j.filtLevel += FrameSamples
		j.st.TotalSamplesReceived += FrameSamples
		return
	case grow && lvl >= tsNeed:
		// Speech: insert one pitch period (preemptive expand).
		j.fill(tsNeed, now)
		if t, c := pitchPeriod(j.pcm, &j.dec8); c >= tsMinCorr {
			old := j.pcm
			j.pcm = expand(j.stretch, j.pcm, t)
			j.stretch = old[:0]
			j.st.InsertedSamplesForDeceleration += uint64(t)
			j.filtLevel += float64(t)
		}
	}
	copy(out, j.pcm[:FrameSamples])
	j.dropPlayed(FrameSamples)
	j.st.TotalSamplesReceived += FrameSamples
}

// popPacket removes the first packet by moving the rest forward, as
// dropPlayed does for audio, and keeps its payload's buffer for the next
// Put: in a call the queue's array and the payloads are then allocated
// once, not per packet. The popped packet's payload stays valid until the
// next Put, so the caller may still decode it.
func (j *JitterBuffer) popPacket() {
	if b := j.pkts[0].payload; cap(b) > 0 && len(j.free) < cap(j.free) {
		j.free = append(j.free, b[:0])
	}
	j.pkts = slices.Delete(j.pkts, 0, 1)
}

// spare is a payload buffer a popped packet left, or nil.
func (j *JitterBuffer) spare() []byte {
	if len(j.free) == 0 {
		return nil
	}
	b := j.free[len(j.free)-1]
	j.free = j.free[:len(j.free)-1]
	return b
}

// dropPlayed removes the first n samples of the decoded audio by moving
// the rest to the front of the buffer, rather than reslicing past them: a
// slice walked forward through its array reaches the end and is reallocated
// by the next append, some 2 KB of garbage per 20 ms of playout (a GC every
// ~6 s of a call, and page faults as the heap recycles), where this moves a
// few kilobytes it already has in cache.
func (j *JitterBuffer) dropPlayed(n int) {
	j.pcm = j.pcm[:copy(j.pcm, j.pcm[n:])]
}

// fill decodes or conceals until at least want samples are ready.
func (j *JitterBuffer) fill(want int, now time.Time) {
	for len(j.pcm) < want {
		// Drop what the playout point has passed.
		for len(j.pkts) > 0 && j.pkts[0].ts+int64(j.pkts[0].n) <= j.playTS {
			j.popPacket()
			j.st.PacketsDiscarded++
		}
		if len(j.pkts) == 0 {
			// Underrun: the packet due is lost or late. Conceal without
			// moving the playout point, so a late packet still plays (the
			// delay grows, and time-stretching brings it back); if a later
			// packet comes instead, what was concealed here counts towards
			// the missing stretch, as NetEq's expand does.
			j.conceal(FrameSamples)
			j.underrun += FrameSamples
			if j.concealRun >= pauseAfter {
				j.log.Debug("jitter buffer: the peer stopped sending; silence until it resumes")
				j.started, j.paused = false, true
			}
			continue
		}
		p := j.pkts[0]
		gap := int(p.ts - j.playTS)
		switch {
		case gap <= 0:
			j.popPacket()
			j.underrun = 0
			n, err := j.dec.Decode(p.payload, j.scratch)
			if err != nil {
				j.log.Debug("jitter buffer: undecodable packet concealed", "err", err)
				n = p.n
				j.conceal(n)
			} else {
				j.pcm = append(j.pcm, j.scratch[:n]...)
				j.concealRun = 0
			}
			if skip := -gap; skip > 0 && skip < n { // overlap with what already played
				j.pcm = append(j.pcm[:len(j.pcm)-n], j.pcm[len(j.pcm)-n+skip:]...)
			}
			j.playTS = p.ts + int64(p.n)
			j.lastDur = p.n
			j.delaySum += now.Sub(p.arrival)
			j.delayCount++
		case gap > jbFarJump/10:
			// A second or more missing: resynchronise rather than conceal it all.
			j.st.PacketsLost += uint64(gap / j.lastDur)
			j.playTS = p.ts
			j.conceal(FrameSamples)
		default:
			lost := (gap + j.lastDur - 1) / j.lastDur
			if gap > j.lastDur {
				// Conceal all but the last missing packet, which FEC may recover.
				c := gap - j.lastDur
				j.st.PacketsLost += uint64(lost - 1)
				j.lossHold = jbHistory
				cr := min(j.underrun, c)
				j.underrun -= cr
				j.conceal(c - cr)
				j.playTS += int64(c)
				j.inBurst = true
				continue
			}
			j.st.PacketsLost++
			j.lossHold = jbHistory
			single := !j.inBurst && lost == 1 && gap == j.lastDur
			j.inBurst = false
			if single {
				j.st.SingleLosses++
			}
			// Concealment already played for an underrun stands for the
			// missing stretch up to what FEC can restore: with tgcalls'
			// hybrid 60 ms packets FEC holds the last 20 ms only.
			if cr := min(j.underrun, gap-j.fecSpan); cr > 0 {
				j.underrun -= cr
				j.playTS += int64(cr)
				gap -= cr
			}
			buf := j.scratch[:roundFrame(gap)]
			if hasLBRR(p.payload) && j.dec.RecoverFEC(p.payload, buf) == nil {
				j.st.FECPacketsRecovered++
				if single {
					j.st.SingleRecoveredByFEC++
				}
				j.pcm = append(j.pcm, buf...)
				j.concealRun = 0
			} else {
				j.conceal(len(buf))
			}
			j.playTS = p.ts
		}
	}
}

// safeLevel is the least level (as Pull compares it with the target) that
// rides out an arrival just after a pull. A packet longer than a pull lasts
// several pulls, and the last of them can fall just before the next packet
// arrives: besides the packet, a pull's worth must be in hand for it, or a
// packet a millisecond late underruns (TestJitterBufferMargin60ms). Shorter
// packets need nothing more (the 40 ms floor of the target keeps a pull in
// hand).
func (j *JitterBuffer) safeLevel() int {
	if j.lastDur <= FrameSamples {
		return 0
	}
	return j.lastDur + FrameSamples
}

// opusFrameSamples is the duration of one Opus frame of a packet, from
// its TOC byte (RFC 6716 §3.1), in 48 kHz samples.
func opusFrameSamples(toc byte) int {
	switch cfg := toc >> 3; {
	case cfg < 12:
		return []int{480, 960, 1920, 2880}[cfg&3]
	case cfg < 16:
		return []int{480, 960}[cfg&1]
	default:
		return []int{120, 240, 480, 960}[cfg&3]
	}
}

// roundFrame rounds a sample count up to Opus' 2.5 ms granularity.
func roundFrame(n int) int { return min((n+119)/120*120, maxPacketSamples) }

// conceal appends n samples of concealment: Opus' PLC, faded out and then
// silence as the run of concealed samples grows.
func (j *JitterBuffer) conceal(n int) {
	for n > 0 {
		c := min(roundFrame(n), maxPacketSamples)
		take := min(c, n)
		buf := j.scratch[:c]
		if j.concealRun >= fadeAfter+fadeLen {
			clear(buf) // faded out: no need to run the PLC
			j.st.SilentConcealedSamples += uint64(take)
		} else {
			if err := j.dec.Conceal(buf); err != nil {
				clear(buf)
			}
			for i := range buf[:take] {
				if k := j.concealRun + i - fadeAfter; k > 0 {
					g := max(0, fadeLen-k)
					buf[i] = int16(int(buf[i]) * g / fadeLen)
				}
			}
		}
		j.pcm = append(j.pcm, buf[:take]...)
		j.st.ConcealedSamples += uint64(take)
		j.concealRun += take
		n -= take
	}
}

// levelSmoothing is the buffer-level filter's time constant, in pulls.
const levelSmoothing = 8

// stretchBand is how many times the interarrival jitter widens the dead
// band around the target: on a jittery network the level swings by the
// jitter on its own, and stretching speech to chase every swing cost more
// intelligibility than the delay it saved (ReceivePath, 60 ms packets,
// 10 % + 0–60 ms: band ×0 0.766 STOI / 183 ms, ×2 0.916 / 185 ms,
// ×6 0.907 / 151 ms).
const stretchBand = 6

func quiet(frame []int16) bool {
	var sum float64
	for _, s := range frame {
		sum += float64(s) * float64(s)
	}
	return math.Sqrt(sum/float64(len(frame))) < silenceRMS
}

// Stats returns the receive statistics so far.
func (j *JitterBuffer) Stats() JitterStats {
	st := j.st
	st.Jitter = durationOf(int(j.jitter))
	st.JitterBufferDelay = durationOf(j.target)
	if j.delayCount > 0 {
		st.MeanDelay = j.delaySum / time.Duration(j.delayCount)
	}
	return st
}
