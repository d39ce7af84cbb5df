package audio

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tgphone/tgphone/internal/tone"
	"github.com/tgphone/tgphone/media"
)

// flakyBackend is a fake sound system: "mic1" delivers a tone and is
// unplugged after failAfter frames on its first opening; "gone" never opens.
type flakyBackend struct {
	v         *virtualBackend
	failAfter int
	mu        sync.Mutex
	opens     map[string]int
}

var errUnplugged = errors.New("unplugged")

func (f *flakyBackend) openCapture(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	f.mu.Lock()
	f.opens[id]++
	first := f.opens[id] == 1
	f.mu.Unlock()
	if id != "mic1" {
		return nil, errors.New("no such device")
	}
	gen, _ := f.v.source("tone:300")
	buf := make([]int16, FrameSamples)
	n := 0
	return f.v.run(func() error {
		n++
		if first && n > f.failAfter {
			return errUnplugged
		}
		gen(buf)
		onFrame(buf)
		return nil
	}, fail, nil), nil
}

func (f *flakyBackend) openPlayback(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	return nil, errors.New("no such device")
}

type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) add(e Event) { l.mu.Lock(); l.evs = append(l.evs, e); l.mu.Unlock() }
func (l *eventLog) kinds() []EventKind {
	l.mu.Lock()
	defer l.mu.Unlock()
	var k []EventKind
	for _, e := range l.evs {
		k = append(k, e.Kind)
	}
	return k
}

func readPackets(t *testing.T, s *Session, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range n {
		if _, err := s.ReadPacket(ctx); err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
}

// TestDeviceLossRecovered: the microphone fails mid-stream; the session
// reopens it and packets keep flowing without the stream ending.
func TestDeviceLossRecovered(t *testing.T) {
	fb := &flakyBackend{v: &virtualBackend{tick: 20 * time.Millisecond}, failAfter: 10, opens: map[string]int{}}
	var log eventLog
	s, err := open(Config{Input: "mic1", Output: "null", OnEvent: log.add}, nil, fb)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readPackets(t, s, 30) // spans the failure at frame 10
	k := log.kinds()
	want := []EventKind{EventDeviceLost, EventDeviceReopened}
	if len(k) != 2 || k[0] != want[0] || k[1] != want[1] {
		t.Fatalf("events %v, want %v", k, want)
	}
	if in, _ := s.Devices(); in != "mic1" {
		t.Fatalf("input %q after recovery", in)
	}
}

// TestNoMicrophoneReceiveOnly: with no usable microphone the call still runs
// (silence is sent, the peer is heard) and the UI learns ErrNoMicrophone.
func TestNoMicrophoneReceiveOnly(t *testing.T) {
	fb := &flakyBackend{v: &virtualBackend{tick: 20 * time.Millisecond}, opens: map[string]int{}}
	var log eventLog
	s, err := open(Config{Input: "gone", Output: "null", OnEvent: log.add}, nil, fb)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readPackets(t, s, 5)
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.evs) != 1 || log.evs[0].Kind != EventReceiveOnly || !errors.Is(log.evs[0].Err, ErrNoMicrophone) {
		t.Fatalf("events %+v", log.evs)
	}
	if fb.opens["gone"] != 1 || fb.opens[DefaultID] != 1 {
		t.Fatalf("opens %v: want the chosen device, then default", fb.opens)
	}
}

// goertzelPeak finds the strongest frequency in [lo, hi] at 0.05 Hz steps.
func goertzelPeak(x []int16, lo, hi float64) float64 {
	best, bestF := -1.0, 0.0
	for f := lo; f <= hi; f += 0.05 {
		w := 2 * math.Pi * f / media.SampleRate
		c := 2 * math.Cos(w)
		var s1, s2 float64
		for _, v := range x {
			s0 := float64(v) + c*s1 - s2
			s2, s1 = s1, s0
		}
		p := s1*s1 + s2*s2 - c*s1*s2
		if p > best {
			best, bestF = p, f
		}
	}
	return bestF
}

// TestLoopbackTone: a 440 Hz tone from one virtual device comes out of
// another after encode → packets → jitter buffer → decode, on real clocks.
func TestLoopbackTone(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out.wav")
	a, err := open(Config{Input: "tone:440", Output: "null"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := open(Config{Input: "silence", Output: "wav:" + out}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 100 { // 2 s
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		p, err := a.ReadPacket(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		b.WritePacket(media.ReceivedPacket{Timestamp: p.Timestamp, Payload: p.Payload, Arrival: time.Now()})
	}
	time.Sleep(200 * time.Millisecond) // let playout drain; not a timing assertion
	a.Close()
	b.Close()
	pcm, err := ReadWAV(out)
	if err != nil {
		t.Fatal(err)
	}
	start := 0
	for start < len(pcm) && math.Abs(float64(pcm[start])) < 1000 {
		start++
	}
	seg := pcm[min(start+4800, len(pcm)):]
	if len(seg) > media.SampleRate {
		seg = seg[:media.SampleRate]
	}
	if len(seg) < media.SampleRate/2 {
		t.Fatalf("only %d tone samples came out", len(seg))
	}
	f := goertzelPeak(seg, 400, 480)
	t.Logf("received tone %.2f Hz over %d samples", f, len(seg))
	if math.Abs(f-440) > 2 {
		t.Fatalf("tone at %.2f Hz, want 440±2", f)
	}
}

// speechEnvelopeCorrelation sends the speech WAV through encode → jitter
// buffer → decode and correlates the 10 ms envelopes at the best lag.
func speechEnvelopeCorrelation(tb testing.TB) float64 {
	sp := mustSpeech(tb)
	pk := encodeSpeech(tb, len(sp)/FrameSamples, 0)
	jb := newJB(tb)
	var got []int16
	out := make([]int16, FrameSamples)
	for i := range len(pk) + 10 {
		now := epoch.Add(time.Duration(i) * 20 * time.Millisecond)
		if i < len(pk) {
			jb.Put(media.ReceivedPacket{Timestamp: pk[i].Timestamp, Payload: pk[i].Payload, Arrival: now})
		}
		jb.Pull(out, now)
		got = append(got, out...)
	}
	ref := tone.Envelope(sp)
	env := tone.Envelope(got)
	best := -1.0
	for lag := 0; lag < 20 && lag < len(env); lag++ {
		best = max(best, tone.Correlation(ref, env[lag:]))
	}
	return best
}

func TestSpeechEnvelope(t *testing.T) {
	c := speechEnvelopeCorrelation(t)
	t.Logf("speech envelope correlation %.3f", c)
	if c < 0.9 {
		t.Fatalf("envelope correlation %.3f < 0.9", c)
	}
}

func BenchmarkSpeechEnvelope(b *testing.B) {
	var c float64
	for b.Loop() {
		c = speechEnvelopeCorrelation(b)
	}
	b.ReportMetric(c, "envelope_corr")
}

// movingDefault is a sound system whose default device can change: every
// device plays a tone, and defaults names the current default.
type movingDefault struct {
	v     *virtualBackend
	mu    sync.Mutex
	def   string
	opens map[string]int
	lists int // calls to defaults: each lists the sound system's devices
}

func (m *movingDefault) defaults() (string, string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lists++
	return m.def, m.def, nil
}

func (m *movingDefault) openCapture(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	m.mu.Lock()
	m.opens[id]++
	m.mu.Unlock()
	return m.v.openCapture("tone:300", onFrame, fail)
}

func (m *movingDefault) openPlayback(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	return m.v.openPlayback("null", onFrame, fail)
}

// TestFollowsSystemDefault: a session on "default" moves to the new
// default device when the system's default changes (a headset plugged in),
// and the stream goes on.
func TestFollowsSystemDefault(t *testing.T) {
	defer func(d time.Duration) { defaultPoll = d }(defaultPoll)
	defaultPoll = 30 * time.Millisecond
	mb := &movingDefault{v: &virtualBackend{tick: 20 * time.Millisecond}, def: "builtin", opens: map[string]int{}}
	var log eventLog
	s, err := open(Config{Input: DefaultID, Output: DefaultID, OnEvent: log.add}, nil, mb)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readPackets(t, s, 5)
	mb.mu.Lock()
	mb.def = "headset"
	mb.mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		n := 0
		for _, k := range log.kinds() {
			if k == EventDefaultChanged {
				n++
			}
		}
		if n == 2 { // capture and playback
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("events %v: the session never followed the new default", log.kinds())
		}
		time.Sleep(10 * time.Millisecond)
	}
	readPackets(t, s, 5)
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if mb.opens[DefaultID] != 2 {
		t.Errorf("default capture opened %d times, want 2 (start, then the new default)", mb.opens[DefaultID])
	}
}

// TestSendPackets: with a sink set, encoded packets go to it and not to
// ReadPacket; after stop they go to ReadPacket again, never to the sink, and
// an old stop leaves a newer sink in place.
func TestSendPackets(t *testing.T) {
	s, err := open(Config{Input: "tone:440", Output: "null"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	got := map[string]int{}
	sink := func(name string) func(media.Packet) {
		return func(p media.Packet) {
			if len(p.Payload) == 0 {
				t.Errorf("%s: empty packet", name)
			}
			mu.Lock()
			got[name]++
			mu.Unlock()
		}
	}
	count := func(name string) int {
		mu.Lock()
		defer mu.Unlock()
		return got[name]
	}
	waitFor := func(name string, n int) {
		t.Helper()
		for i := 0; count(name) < n; i++ {
			if i > 500 {
				t.Fatalf("sink %s got %d packets, want %d", name, count(name), n)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	stopA := s.SendPackets(sink("a"))
	waitFor("a", 3)
	stopB := s.SendPackets(sink("b"))
	stopA() // A's stop must not remove B
	afterA := count("a")
	waitFor("b", 3)
	stopB()
	afterB := count("b")
	readPackets(t, s, 3) // the queue again
	if count("a") != afterA || count("b") != afterB {
		t.Fatalf("sinks called after stop: a %d→%d, b %d→%d", afterA, count("a"), afterB, count("b"))
	}
}

// TestVirtualSessionLeavesSoundSystemAlone: a session on virtual devices
// never starts the sound system; one that asks for a real device does.
func TestVirtualSessionLeavesSoundSystemAlone(t *testing.T) {
	var starts int
	var mu sync.Mutex
	old := startMalgo
	startMalgo = func() (*malgoBackend, error) {
		mu.Lock()
		starts++
		mu.Unlock()
		return nil, errors.New("no sound system in this test")
	}
	defer func() { startMalgo = old }()
	s, err := Open(Config{Input: "tone:440", Output: "null"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	readPackets(t, s, 1)
	s.Close()
	mu.Lock()
	n := starts
	mu.Unlock()
	if n != 0 {
		t.Fatalf("virtual devices started the sound system %d times", n)
	}
	s, err = Open(Config{Input: "some-card", Output: "null"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	in, _ := s.Devices()
	s.Close()
	mu.Lock()
	n = starts
	mu.Unlock()
	if n == 0 || in != "silence" {
		t.Fatalf("a real device: %d starts, input %q (want the sound system asked, then silence)", n, in)
	}
}
