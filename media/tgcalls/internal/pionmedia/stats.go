package pionmedia

import (
	"sync"
	"time"

	"github.com/pion/rtcp"

	"github.com/tgphone/tgphone/media"
)

// Counters gathers what an engine's Stats reports: counters from the RTP
// loops, reception reports from the peer, and rates computed once per tick.
// The zero value is ready; it is safe for concurrent use.
type Counters struct {
	// Rejects counts what the engine refused from the network.
	Rejects media.Rejects

	mu          sync.Mutex
	path        string
	route       media.Route
	routeAddr   string
	pktsSent    uint64
	bytesSent   uint64
	pktsRecv    uint64
	bytesRecv   uint64
	lastRecv    time.Time // last audio packet
	lastHeard   time.Time // last sign of the peer: any packet, or ICE up
	firstHeard  time.Time
	firstSeq    uint32
	maxSeq      uint32 // extended
	haveSeq     bool
	jitter      float64 // RFC 3550, in timestamp units
	lastTransit float64
	haveTransit bool
	sendLoss    float64
	rtt         time.Duration
	sendRate    int
	recvRate    int
	rateAt      time.Time
	rateSent    uint64
	rateRecv    uint64
	encoderLoss int
	started     time.Time
}

// SetPath records the selected candidate pair, as Stats.Path, Route and
// RouteAddr show it.
func (s *Counters) SetPath(path string, r media.Route, addr string) {
	s.mu.Lock()
	s.path, s.route, s.routeAddr = path, r, addr
	s.mu.Unlock()
}

// Sent counts one RTP packet of n payload bytes sent.
func (s *Counters) Sent(n int) {
	s.mu.Lock()
	s.pktsSent++
	s.bytesSent += uint64(n)
	s.mu.Unlock()
}

// Received updates counters and the interarrival jitter (RFC 3550 §6.4.1).
func (s *Counters) Received(seq uint16, ts uint32, n int, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started.IsZero() {
		s.started = now
	}
	s.pktsRecv++
	s.bytesRecv += uint64(n)
	s.lastRecv = now
	if !s.haveSeq {
		s.firstSeq, s.maxSeq, s.haveSeq = uint32(seq), uint32(seq), true
	} else {
		// Extend the 16-bit seq around the current maximum.
		delta := int16(seq - uint16(s.maxSeq))
		ext := int64(s.maxSeq) + int64(delta)
		if ext > int64(s.maxSeq) {
			s.maxSeq = uint32(ext)
		}
	}
	arrival := float64(now.Sub(s.started)) / float64(time.Second) * media.SampleRate
	transit := arrival - float64(ts)
	if s.haveTransit {
		d := transit - s.lastTransit
		if d < 0 {
			d = -d
		}
		s.jitter += (d - s.jitter) / 16
	}
	s.lastTransit, s.haveTransit = transit, true
}

// RTCP takes the peer's reports about our stream: fraction lost and the
// LSR/DLSR pair that gives the round trip.
func (s *Counters) RTCP(pkts []rtcp.Packet, ssrc uint32, now time.Time) {
	for _, p := range pkts {
		var reports []rtcp.ReceptionReport
		switch p := p.(type) {
		case *rtcp.ReceiverReport:
			reports = p.Reports
		case *rtcp.SenderReport:
			reports = p.Reports
		}
		for _, r := range reports {
			if r.SSRC != ssrc {
				continue
			}
			s.mu.Lock()
			s.sendLoss = float64(r.FractionLost) / 256
			if r.LastSenderReport != 0 {
				nowNTP := uint32(ntp(now) >> 16)
				rtt := nowNTP - r.LastSenderReport - r.Delay
				if rtt < 1<<31 {
					s.rtt = time.Duration(float64(rtt) / 65536 * float64(time.Second))
				}
			}
			s.mu.Unlock()
		}
	}
}

func ntp(t time.Time) uint64 {
	const unixToNTP = 2208988800
	secs := uint64(t.Unix() + unixToNTP)
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// rateWindow is the shortest span a bit rate is measured over. The
// engines call Update every 250 ms; over so short a span a 60 ms stream
// carries four packets, and a late tick, or two ticks delivered back to
// back after a scheduling stall, read as 0 bit/s (seen under -race at load
// 30: RecvBitrate 0 with 74 packets received).
const rateWindow = time.Second

// Update computes the send and receive bit rates once at least rateWindow
// has passed since the last computation; the rates in between stay.
func (s *Counters) Update(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rateAt.IsZero() {
		s.rateAt, s.rateSent, s.rateRecv = now, s.bytesSent, s.bytesRecv
		return
	}
	dt := now.Sub(s.rateAt)
	if dt < rateWindow {
		return
	}
	s.sendRate = int(float64(s.bytesSent-s.rateSent) * 8 / dt.Seconds())
	s.recvRate = int(float64(s.bytesRecv-s.rateRecv) * 8 / dt.Seconds())
	s.rateAt, s.rateSent, s.rateRecv = now, s.bytesSent, s.bytesRecv
}

// Heard records that something authenticated came from the peer at t: RTP,
// RTCP, a data channel message, or ICE's word that the path is up.
func (s *Counters) Heard(t time.Time) {
	s.mu.Lock()
	if s.firstHeard.IsZero() {
		s.firstHeard = t
	}
	if t.After(s.lastHeard) {
		s.lastHeard = t
	}
	s.mu.Unlock()
}

// HeardAt sets when the peer was last heard to t, earlier than Heard may
// have said: ICE reports a lost path only after hearing nothing for a while.
func (s *Counters) HeardAt(t time.Time) {
	s.mu.Lock()
	if s.lastRecv.After(t) {
		t = s.lastRecv
	}
	s.lastHeard = t
	s.mu.Unlock()
}

// QuietFor is how long nothing came from the peer; zero before anything
// came, so the connect timeout, not this one, covers a peer never heard.
func (s *Counters) QuietFor(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lastHeard.IsZero() {
		return 0
	}
	return now.Sub(s.lastHeard)
}

// NoAudioFor is how long no audio packet came: since the last one, or since
// the peer was first heard when none ever came.
func (s *Counters) NoAudioFor(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !s.lastRecv.IsZero():
		return now.Sub(s.lastRecv)
	case !s.firstHeard.IsZero():
		return now.Sub(s.firstHeard)
	}
	return 0
}

// LossForEncoder rounds the reported loss to 5 % steps and says whether it
// changed, so the encoder is reconfigured rarely.
func (s *Counters) LossForEncoder() (int, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	pct := int(s.sendLoss*100+2.5) / 5 * 5
	if pct < 5 {
		pct = 5
	}
	if pct == s.encoderLoss {
		return pct, false
	}
	s.encoderLoss = pct
	return pct, true
}

// Snapshot is the figures now, without what only the engine knows (library
// version, mute, audio device state).
func (s *Counters) Snapshot() media.Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := media.Stats{
		Path:        s.path,
		Route:       s.route,
		RouteAddr:   s.routeAddr,
		SendBitrate: s.sendRate,
		RecvBitrate: s.recvRate,
		SendLoss:    s.sendLoss,
		RTT:         s.rtt,
		Jitter:      time.Duration(s.jitter / media.SampleRate * float64(time.Second)),
		PacketsSent: s.pktsSent,
		PacketsRecv: s.pktsRecv,
	}
	st.PacketsDropped, st.Rejected = s.Rejects.Snapshot()
	if s.haveSeq {
		expected := uint64(s.maxSeq-s.firstSeq) + 1
		if expected > s.pktsRecv {
			st.RecvLoss = float64(expected-s.pktsRecv) / float64(expected)
		}
	}
	st.SignalBars = signalBars(max(st.RecvLoss, st.SendLoss), st.RTT)
	return st
}

// signalBars maps loss and round trip to the 0..4 bars the UI shows.
func signalBars(loss float64, rtt time.Duration) int {
	switch {
	case loss < 0.02 && rtt < 200*time.Millisecond:
		return 4
	case loss < 0.05 && rtt < 400*time.Millisecond:
		return 3
	case loss < 0.15 && rtt < 800*time.Millisecond:
		return 2
	default:
		return 1
	}
}
