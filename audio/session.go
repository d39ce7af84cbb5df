package audio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tgphone/tgphone/media"
)

// ErrClosed is returned by ReadPacket after Close.
var ErrClosed = errors.New("audio session closed")

// Config opens a Session. Device ids: "default", a miniaudio id from
// ListDevices, or virtual: input tone:HZ, silence, file:PATH.wav / PATH.wav,
// loop:; output wav:PATH.wav, null, loop:; either side rack:NAME (Rack).
type Config struct {
	Input, Output string
	Ring          string // ringtone device; "" uses Output
	DSP           DSPConfig
	Encoder       media.EncoderConfig
	// LoopDelay is how long a loop: pair takes to bring playback back to
	// capture (the sandbox's echo contact); 0 means 200 ms.
	LoopDelay time.Duration
	// LoopFiles makes WAV inputs repeat instead of ending in silence.
	LoopFiles bool
	// Rack serves "rack:NAME" devices, virtual ones that can be unplugged.
	Rack *Rack
	// OnEvent receives device events in order, on a goroutine of the
	// session's own (never under its lock, so it may call the session).
	OnEvent func(Event)
}

// EventKind names what happened to a device.
type EventKind int

const (
	EventDeviceLost     EventKind = iota // a device failed; reopening it
	EventDeviceReopened                  // the chosen device works again (reopened, or plugged back in)
	EventFallback                        // fell back to the default device
	EventReceiveOnly                     // no microphone: sending silence (Err = ErrNoMicrophone)
	EventNoPlayback                      // no speaker: playing into null (Err = ErrNoSpeaker)
	EventSwitched                        // SwitchInput/SwitchOutput succeeded
	EventDefaultChanged                  // the system default changed; "default" moved to it
)

func (k EventKind) String() string {
	return [...]string{"device-lost", "device-reopened", "fallback-default", "receive-only", "no-playback", "switched",
		"default-changed"}[k]
}

// Event reports a device change.
type Event struct {
	Kind    EventKind
	Capture bool // input side; false: output or ring
	Device  string
	Err     error
}

// Session is the audio of one call: it implements media.AudioPort.
type Session struct {
	log     *slog.Logger
	cfg     Config
	devs    backend
	packets chan media.Packet
	done    chan struct{}
	events  chan devFailure
	wg      sync.WaitGroup

	noticeMu sync.Mutex // guards notices: events waiting for OnEvent
	notices  []Event
	noticed  chan struct{}

	// sinkMu guards sink and is held while it runs, so that once
	// SendPackets' stop returns no packet reaches the engine.
	sinkMu  sync.Mutex
	sink    func(media.Packet)
	sinkGen int // bumps with every SendPackets, so an old stop leaves a newer sink alone

	mu     sync.Mutex // guards everything below and the pipeline state
	enc    *Encoder
	dec    *Decoder
	jb     *JitterBuffer
	dsp    *Processor
	far    farQueue // played frames awaiting their capture twin (AEC reference)
	muteFr []int16  // silence sent instead of the microphone while muted
	muted  bool
	talk   mutedTalk // speech into the muted microphone
	levels Levels
	in     stream
	out    stream
	ring   stream
	inID   string
	outID  string
	// wantIn and wantOut are the devices the user chose; after a fallback
	// the session returns to them once they open again.
	wantIn, wantOut string
	gen             int // bumps on every device (re)open so stale failures are ignored
	inGen           int
	outGen          int
	closed          bool
	// defIn and defOut are the system defaults last seen, for sessions on
	// "default" to follow (empty when the sound system cannot tell).
	defIn, defOut string
	// rec, while recording, gets every frame sent and every frame played.
	rec *Recorder
}

type devFailure struct {
	capture bool
	gen     int
	err     error
}

var _ media.AudioPort = (*Session)(nil)

// Open starts capture and playback. A missing microphone or speaker does not
// fail Open: the session runs receive-only (or silent) and reports an event.
func Open(cfg Config, logger *slog.Logger) (*Session, error) {
	if logger == nil {
		logger = slog.Default()
	}
	return open(cfg, logger, &lazyMalgo{log: logger})
}

// lazyMalgo starts the sound system when a real device is first opened or
// the defaults are first asked for: a session on virtual devices only (the
// tgphone media diagnostics, tests, make bench) never pays miniaudio's
// start-up, about 16 ms of CPU here (ALSA reads its configuration and
// probes the cards), a fiftieth of a 22 s call's.
type lazyMalgo struct {
	log  *slog.Logger
	warn sync.Once
}

// startMalgo starts the shared sound system; tests count the calls.
var startMalgo = sharedMalgo

func (l *lazyMalgo) get() (*malgoBackend, error) {
	mb, err := startMalgo()
	if err != nil {
		l.warn.Do(func() { l.log.Warn("audio: no sound system, virtual devices only", "err", err) })
	}
	return mb, err
}

func (l *lazyMalgo) openCapture(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	mb, err := l.get()
	if err != nil {
		return nil, fmt.Errorf("%w: %q (no sound system)", ErrUnknownID, id)
	}
	return mb.openCapture(id, onFrame, fail)
}

func (l *lazyMalgo) openPlayback(id string, onFrame func([]int16), fail func(error)) (stream, error) {
	mb, err := l.get()
	if err != nil {
		return nil, fmt.Errorf("%w: %q (no sound system)", ErrUnknownID, id)
	}
	return mb.openPlayback(id, onFrame, fail)
}

func (l *lazyMalgo) defaults() (capture, playback string, err error) {
	mb, err := l.get()
	if err != nil {
		return "", "", err
	}
	return mb.defaults()
}

func open(cfg Config, logger *slog.Logger, real backend) (*Session, error) {
	if logger == nil {
		logger = slog.Default()
	}
	if cfg.LoopDelay == 0 {
		cfg.LoopDelay = 200 * time.Millisecond
	}
	if cfg.Encoder.Bitrate == 0 {
		cfg.Encoder = media.EncoderConfig{FrameDuration: 20 * time.Millisecond, Bitrate: 24000, FEC: true}
	}
	s := &Session{
		log:     logger.With("component", "audio"),
		cfg:     cfg,
		packets: make(chan media.Packet, maxQueuedPackets),
		done:    make(chan struct{}),
		events:  make(chan devFailure, 8),
		noticed: make(chan struct{}, 1),
		wantIn:  cfg.Input,
		wantOut: cfg.Output,
	}
	s.devs = router{virtual: &virtualBackend{loop: newLoopLine(cfg.LoopDelay), tick: 20 * time.Millisecond, loops: cfg.LoopFiles}, rack: cfg.Rack, real: real}
	var err error
	if s.dsp, err = NewProcessor(cfg.DSP); err != nil {
		return nil, fmt.Errorf("open audio: %w", err)
	}
	if s.enc, err = NewEncoder(cfg.Encoder, s.dsp.Rate()); err != nil {
		s.dsp.Close()
		return nil, fmt.Errorf("open audio: %w", err)
	}
	s.muteFr = make([]int16, s.dsp.Rate()/50)
	if s.dec, err = NewDecoder(); err != nil {
		s.dsp.Close()
		return nil, fmt.Errorf("open audio: %w", err)
	}
	s.jb = NewJitterBuffer(s.dec, s.log)
	if cfg.Input == DefaultID || cfg.Output == DefaultID {
		s.defIn, s.defOut = s.systemDefaults()
	}
	s.mu.Lock()
	s.openSide(true, cfg.Input)
	s.openSide(false, cfg.Output)
	s.mu.Unlock()
	s.wg.Add(2)
	go s.supervise()
	go s.deliver()
	return s, nil
}

// defaultPoll is how often a session looks for a new system default and for
// a lost device come back: miniaudio reports neither on every backend (ALSA).
var defaultPoll = 2 * time.Second

// defaulter is a sound system that can name its current default devices.
type defaulter interface {
	defaults() (capture, playback string, err error)
}

func (s *Session) systemDefaults() (string, string) {
	r, ok := s.devs.(router)
	if !ok {
		return "", ""
	}
	d, ok := r.real.(defaulter)
	if !ok {
		return "", ""
	}
	in, out, err := d.defaults()
	if err != nil {
		return "", ""
	}
	return in, out
}

// followDefaults moves a side opened on "default" to the new system
// default, as a desktop user expects when plugging in a headset.
func (s *Session) followDefaults() {
	s.mu.Lock()
	onDefault := s.inID == DefaultID || s.outID == DefaultID
	if !onDefault {
		// Nothing to follow. Listing the sound system's devices costs about
		// 10 ms of CPU (ALSA opens every card): at one poll every 2 s, a
		// tenth of a 22 s call's CPU on virtual devices (pprof). What was
		// last seen is forgotten, so a side that later lands on "default"
		// learns the default afresh instead of following a change it never saw.
		s.defIn, s.defOut = "", ""
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	in, out := s.systemDefaults()
	if in == "" && out == "" {
		return
	}
	s.mu.Lock()
	moveIn := s.inID == DefaultID && s.defIn != "" && in != s.defIn
	moveOut := s.outID == DefaultID && s.defOut != "" && out != s.defOut
	s.defIn, s.defOut = in, out
	s.mu.Unlock()
	for _, side := range []struct {
		capture, move bool
		name          string
	}{{true, moveIn, in}, {false, moveOut, out}} {
		if !side.move {
			continue
		}
		ev := Event{Kind: EventDefaultChanged, Capture: side.capture, Device: side.name}
		if err := s.replace(side.capture, DefaultID, ev, ""); err != nil {
			s.log.Warn("audio: following the new default device failed", "capture", side.capture, "err", err)
		}
	}
}

// emit logs a device event and queues it for OnEvent: callers often hold mu.
func (s *Session) emit(e Event) {
	s.log.Info("audio device event", "event", e.Kind.String(), "capture", e.Capture, "device", e.Device, "err", e.Err)
	if s.cfg.OnEvent == nil {
		return
	}
	s.noticeMu.Lock()
	s.notices = append(s.notices, e)
	s.noticeMu.Unlock()
	select {
	case s.noticed <- struct{}{}:
	default:
	}
}

// deliver hands queued events to OnEvent until the session closes.
func (s *Session) deliver() {
	defer s.wg.Done()
	for {
		select {
		case <-s.done:
			return
		case <-s.noticed:
		}
		s.noticeMu.Lock()
		q := s.notices
		s.notices = nil
		s.noticeMu.Unlock()
		for _, e := range q {
			s.cfg.OnEvent(e)
		}
	}
}

// openSide opens id for one side, falling back to default and then to a
// virtual device, so the call never ends for want of hardware. Caller holds mu.
func (s *Session) openSide(capture bool, id string) {
	try := []string{id}
	if id != DefaultID {
		try = append(try, DefaultID)
	}
	for i, cand := range try {
		st, gen, err := s.openOne(capture, cand)
		if err == nil {
			s.setStream(capture, st, cand, gen)
			if i > 0 {
				s.emit(Event{Kind: EventFallback, Capture: capture, Device: cand})
			}
			return
		}
		s.log.Warn("audio: open device failed", "capture", capture, "device", cand, "err", err)
	}
	if capture {
		st, gen, _ := s.openOne(true, "silence")
		s.setStream(true, st, "silence", gen)
		s.emit(Event{Kind: EventReceiveOnly, Capture: true, Device: id, Err: ErrNoMicrophone})
		return
	}
	st, gen, _ := s.openOne(false, "null")
	s.setStream(false, st, "null", gen)
	s.emit(Event{Kind: EventNoPlayback, Device: id, Err: ErrNoSpeaker})
}

func (s *Session) openOne(capture bool, id string) (stream, int, error) {
	s.gen++
	gen := s.gen
	fail := func(err error) {
		select {
		case s.events <- devFailure{capture: capture, gen: gen, err: err}:
		case <-s.done:
		}
	}
	var st stream
	var err error
	if capture {
		st, err = s.devs.openCapture(id, s.onCapture, fail)
	} else {
		st, err = s.devs.openPlayback(id, s.onPlayback, fail)
	}
	return st, gen, err
}

func (s *Session) setStream(capture bool, st stream, id string, gen int) {
	if capture {
		s.in, s.inID, s.inGen = st, id, gen
	} else {
		s.out, s.outID, s.outGen = st, id, gen
	}
}

// supervise recovers lost devices: reopen the same id, else fall back.
func (s *Session) supervise() {
	defer s.wg.Done()
	poll := time.NewTicker(defaultPoll)
	defer poll.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-poll.C:
			s.followDefaults()
			s.rejoin()
		case f := <-s.events:
			s.mu.Lock()
			if s.closed || f.gen != s.streamGen(f.capture) {
				s.mu.Unlock()
				continue
			}
			id := s.outID
			old := s.out
			if f.capture {
				id, old = s.inID, s.in
			}
			s.emit(Event{Kind: EventDeviceLost, Capture: f.capture, Device: id, Err: f.err})
			s.mu.Unlock()
			old.Close() // outside mu: Close waits for callbacks that take mu
			s.mu.Lock()
			if !s.closed {
				s.openSide(f.capture, id)
				if cur := s.currentID(f.capture); cur == id {
					s.emit(Event{Kind: EventDeviceReopened, Capture: f.capture, Device: id})
				}
			}
			s.mu.Unlock()
		}
	}
}

// streamGen is the generation of the stream now open on a side; failures
// from streams already replaced are stale.
func (s *Session) streamGen(capture bool) int {
	if capture {
		return s.inGen
	}
	return s.outGen
}

func (s *Session) currentID(capture bool) string {
	if capture {
		return s.inID
	}
	return s.outID
}

// onCapture is every capture device's callback: clean, meter, encode.
func (s *Session) onCapture(frame []int16) {
	s.mu.Lock()
	buf := s.dsp.Process(frame, s.far.pop())
	if s.muted {
		s.talk.frame(MeasureLevel(buf).RMSDBFS)
		buf = s.muteFr
	}
	s.levels.Mic = MeasureLevel(buf)
	if s.rec != nil {
		s.rec.Near(buf)
	}
	pkt, ok, err := s.enc.Push(buf)
	s.mu.Unlock()
	if err != nil {
		s.log.Warn("audio: encode failed", "err", err)
		return
	}
	if !ok || s.push(pkt) {
		return
	}
	select {
	case s.packets <- pkt:
	default: // the engine is not reading: drop the oldest, keep latency bounded
		select {
		case <-s.packets:
		default:
		}
		s.packets <- pkt
	}
}

// maxQueuedPackets bounds the microphone packets waiting for the engine
// (80 ms of 20 ms packets): while media connects nobody reads them, and a
// second of them sent in one burst once it does reached the peer as a
// second of stale speech and a jitter buffer stretched to a second.
const maxQueuedPackets = 4

// maxFarFrames bounds the AEC reference queue (200 ms) when capture stalls.
const maxFarFrames = 10

// onPlayback is every playback device's callback: jitter buffer → speaker,
// and the frame actually handed to the device becomes the AEC reference.
func (s *Session) onPlayback(out []int16) {
	s.mu.Lock()
	s.jb.Pull(out, time.Now())
	s.levels.Speaker = MeasureLevel(out)
	s.far.push(out)
	if s.rec != nil {
		s.rec.Far(out)
	}
	s.mu.Unlock()
}

// farQueue holds the last maxFarFrames played frames in fixed storage: the
// audio callbacks allocate nothing per frame.
type farQueue struct {
	frames      [maxFarFrames][FrameSamples]int16
	head, count int
}

// push stores a copy of frame, dropping the oldest when full.
func (q *farQueue) push(frame []int16) {
	if q.count == maxFarFrames {
		q.head = (q.head + 1) % maxFarFrames
		q.count--
	}
	copy(q.frames[(q.head+q.count)%maxFarFrames][:], frame)
	q.count++
}

// pop returns the oldest frame (valid until the next push) or nil when empty.
func (q *farQueue) pop() []int16 {
	if q.count == 0 {
		return nil
	}
	f := q.frames[q.head][:]
	q.head = (q.head + 1) % maxFarFrames
	q.count--
	return f
}

// push hands pkt to the engine's sink, if one is set, and reports whether it did.
func (s *Session) push(pkt media.Packet) bool {
	s.sinkMu.Lock()
	defer s.sinkMu.Unlock()
	if s.sink == nil {
		return false
	}
	s.sink(pkt)
	return true
}

// SendPackets hands every encoded microphone packet from now on to send, on
// the goroutine that encoded it (the capture device's), instead of queueing
// it for ReadPacket, until stop is called; packets queued before are
// dropped, as stale. It is for an engine whose sending never blocks: a
// packet that waits in a queue for the engine's own goroutine costs a
// hand-off between goroutines, and so often a thread's wake-up, 17 to 50
// times a second (on the 2-core machine of the README's figures, each
// wake-up costs tens of microseconds of CPU, more than the engine's work on
// the packet). send must not call back into the session's SendPackets or
// the stop it returned. After stop returns, send is not running and is not
// called again; ReadPacket gets the packets again.
func (s *Session) SendPackets(send func(media.Packet)) (stop func()) {
	s.sinkMu.Lock()
	s.sink = send
	s.sinkGen++
	gen := s.sinkGen
	s.sinkMu.Unlock()
drain:
	for {
		select {
		case <-s.packets:
		default:
			break drain
		}
	}
	return func() {
		s.sinkMu.Lock()
		if s.sinkGen == gen {
			s.sink = nil
		}
		s.sinkMu.Unlock()
	}
}

// ReadPacket blocks until the next encoded microphone packet.
func (s *Session) ReadPacket(ctx context.Context) (media.Packet, error) {
	select {
	case p := <-s.packets:
		return p, nil
	case <-ctx.Done():
		return media.Packet{}, ctx.Err()
	case <-s.done:
		return media.Packet{}, ErrClosed
	}
}

// WritePacket queues a peer packet for playout; it never blocks on devices.
func (s *Session) WritePacket(p media.ReceivedPacket) {
	if p.Arrival.IsZero() {
		p.Arrival = time.Now()
	}
	s.mu.Lock()
	s.jb.Put(p)
	s.mu.Unlock()
}

// SetEncoder applies the engine's encoder settings (clamped to 8–32 kbit/s, 20/40/60 ms).
func (s *Session) SetEncoder(cfg media.EncoderConfig) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.enc.Configure(cfg); err != nil {
		s.log.Warn("audio: encoder config rejected", "err", err)
	}
}

// AudioStats is a snapshot of receive statistics and levels.
func (s *Session) AudioStats() media.AudioStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.jb.Stats().AudioStats
	st.MicLevelDBFS = s.levels.Mic.RMSDBFS
	st.SpeakerLevelDBFS = s.levels.Speaker.RMSDBFS
	st.TalkingWhileMuted = s.muted && s.talk.talking
	return st
}

// SetMuted mutes the microphone (silence is still encoded so timing holds).
func (s *Session) SetMuted(m bool) {
	s.mu.Lock()
	s.muted = m
	s.talk.reset()
	s.mu.Unlock()
}

// Levels returns the latest mic and speaker meter readings.
func (s *Session) Levels() Levels {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.levels
}

// Devices returns the input and output ids in use (after any fallback).
func (s *Session) Devices() (input, output string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inID, s.outID
}

// SwitchInput moves capture to id mid-call; on failure the old device stays.
func (s *Session) SwitchInput(id string) error { return s.switchSide(true, id) }

// SwitchOutput moves playback to id mid-call; on failure the old device stays.
func (s *Session) SwitchOutput(id string) error { return s.switchSide(false, id) }

func (s *Session) switchSide(capture bool, id string) error {
	return s.replace(capture, id, Event{Kind: EventSwitched, Capture: capture, Device: id}, "")
}

// rejoin moves a side that fell back (its device lost or missing) to the
// device the user chose, once that opens again: a headset plugged back in.
func (s *Session) rejoin() {
	for _, capture := range []bool{true, false} {
		s.mu.Lock()
		want, cur := s.wantOut, s.outID
		if capture {
			want, cur = s.wantIn, s.inID
		}
		s.mu.Unlock()
		if want == cur {
			continue
		}
		// Still gone is the usual answer: try again at the next poll.
		_ = s.replace(capture, want, Event{Kind: EventDeviceReopened, Capture: capture, Device: want}, cur)
	}
}

// errStale is replace's answer when its condition no longer holds.
var errStale = errors.New("device already changed")

// replace opens id on one side, closes what it replaces and reports ev.
// Unless from is empty, it changes nothing if the side has left device from
// meanwhile. A switch (EventSwitched) is the user's choice and is remembered.
func (s *Session) replace(capture bool, id string, ev Event, from string) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	if from != "" && s.currentID(capture) != from {
		s.mu.Unlock()
		return errStale
	}
	st, gen, err := s.openOne(capture, id)
	if err != nil {
		s.mu.Unlock()
		return fmt.Errorf("switch to %q: %w", id, err)
	}
	old := s.out
	if capture {
		old = s.in
	}
	s.setStream(capture, st, id, gen)
	if ev.Kind == EventSwitched {
		if capture {
			s.wantIn = id
		} else {
			s.wantOut = id
		}
	}
	s.emit(ev)
	s.mu.Unlock()
	old.Close()
	return nil
}

// PlayTone starts a call-progress tone on the ring device, replacing any tone playing.
func (s *Session) PlayTone(t Tone) error {
	g, err := newToneGen(t)
	if err != nil {
		return err
	}
	s.StopTone()
	id := s.cfg.Ring
	if id == "" {
		id = s.cfg.Output
	}
	fill := func(f []int16) { g.fill(f) }
	st, err := s.devs.openPlayback(id, fill, func(err error) {
		s.log.Warn("audio: ring device lost", "device", id, "err", err)
	})
	if err != nil && id != DefaultID {
		s.emit(Event{Kind: EventFallback, Device: DefaultID, Err: err})
		st, err = s.devs.openPlayback(DefaultID, fill, func(error) {})
	}
	if err != nil {
		return fmt.Errorf("play %s: %w", t, err)
	}
	s.mu.Lock()
	s.ring = st
	s.mu.Unlock()
	return nil
}

// StopTone stops the tone, if any.
func (s *Session) StopTone() {
	s.mu.Lock()
	r := s.ring
	s.ring = nil
	s.mu.Unlock()
	if r != nil {
		r.Close()
	}
}

// StartRecording writes both sides of the call from now on, mixed, to a new
// Ogg Opus file at path (it must not exist): the microphone as the peer
// gets it (muted is silence) and what the speaker plays. comments go into
// the file's OpusTags (NAME=value).
func (s *Session) StartRecording(path string, comments []string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	if s.rec != nil {
		return ErrRecording
	}
	r, err := NewRecorder(path, s.dsp.Rate(), comments, s.log)
	if err != nil {
		return err
	}
	s.rec = r
	return nil
}

// StopRecording ends the recording, if one is running, and closes its
// file; it returns the file's path ("" when nothing was recording) and
// the first error writing it.
func (s *Session) StopRecording() (string, error) {
	s.mu.Lock()
	r := s.rec
	s.rec = nil
	s.mu.Unlock()
	if r == nil {
		return "", nil
	}
	return r.Path(), r.Stop() // outside mu: the writer drains without the callbacks
}

// Close stops all devices, finishes a recording and frees the DSP state.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	in, out := s.in, s.out
	s.mu.Unlock()
	if _, err := s.StopRecording(); err != nil {
		s.log.Warn("audio: recording ended with an error", "err", err)
	}
	s.StopTone()
	in.Close()
	out.Close()
	close(s.done)
	s.wg.Wait()
	s.dsp.Close()
	return nil
}
