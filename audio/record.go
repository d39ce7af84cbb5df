package audio

/*
#cgo pkg-config: opus speexdsp
#include <opus.h>
#include <speex/speex_resampler.h>

// lookahead is the delay an encoder of this rate and application adds, in
// samples at that rate. opus_encoder_ctl is variadic, which cgo cannot call.
static int lookahead(int rate, int application) {
	int err;
	OpusEncoder *e = opus_encoder_create(rate, 1, application, &err);
	if (e == NULL) {
		return -1;
	}
	opus_int32 la = -1;
	if (opus_encoder_ctl(e, OPUS_GET_LOOKAHEAD(&la)) != OPUS_OK) {
		la = -1;
	}
	opus_encoder_destroy(e);
	return la;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"sync"
	"time"

	"gopkg.in/hraban/opus.v2"

	"github.com/tgphone/tgphone/media"
)

// Recording settings: 48 kHz mono, so the peer's decoded audio keeps its
// full band; 32 kbit/s is transparent enough for speech at that rate.
const (
	recordBitrate    = 32000
	recordComplexity = 5
	// recordQueue is how many 20 ms frames of each side wait for the
	// writer (1 s): a stalled disk drops the oldest audio, never the call's.
	recordQueue = 50
	// recordSkew is how far (in frames) one side may run ahead of the other
	// before it is written against silence: the other side has stopped
	// (device lost) rather than lagging a callback behind.
	recordSkew = 5
)

// ErrRecording is returned by StartRecording while one is running.
var ErrRecording = errors.New("already recording")

// encoderLookahead is the pre-skip (48 kHz samples) of a 48 kHz VoIP Opus
// encoder, the one the recorder uses: lookahead depends only on the rate
// and application, so a throwaway encoder answers for it.
func encoderLookahead() (int, error) {
	la := int(C.lookahead(C.int(media.SampleRate), C.int(opus.AppVoIP)))
	if la < 0 {
		return 0, errors.New("opus: cannot read the encoder lookahead")
	}
	return la, nil
}

// frameQueue holds up to recordQueue frames in fixed storage: the audio
// callbacks that fill it allocate nothing.
type frameQueue struct {
	frames      [recordQueue][FrameSamples]int16
	lens        [recordQueue]int
	head, count int
	dropped     int
}

func (q *frameQueue) push(f []int16) {
	if q.count == recordQueue {
		q.head = (q.head + 1) % recordQueue
		q.count--
		q.dropped++
	}
	i := (q.head + q.count) % recordQueue
	q.lens[i] = copy(q.frames[i][:], f)
	q.count++
}

// pop copies the oldest frame into dst and reports its length (0: empty).
func (q *frameQueue) pop(dst []int16) int {
	if q.count == 0 {
		return 0
	}
	n := copy(dst, q.frames[q.head][:q.lens[q.head]])
	q.head = (q.head + 1) % recordQueue
	q.count--
	return n
}

// Recorder writes both sides of a call, mixed, to an Ogg Opus file: the
// microphone as the peer receives it (after echo cancellation and mute)
// and what the speaker played. Audio callbacks hand it frames; its own
// goroutine mixes, encodes and writes.
type Recorder struct {
	path     string
	log      *slog.Logger
	nearRate int
	started  time.Time

	mu         sync.Mutex // guards the queues and stopped
	near, far  frameQueue
	stopped    bool
	wake, done chan struct{}

	// Owned by the writer goroutine until done closes.
	f       *os.File
	ogg     *OggOpusWriter
	enc     *opus.Encoder
	up      *C.SpeexResamplerState
	samples int64 // 48 kHz input samples encoded
	err     error
}

// NewRecorder creates the file at path (failing if it exists) and starts
// the writer. nearRate is the rate of the microphone frames (16 or 48 kHz);
// played frames are 48 kHz. comments go into OpusTags (NAME=value).
func NewRecorder(path string, nearRate int, comments []string, logger *slog.Logger) (*Recorder, error) {
	if nearRate != media.SampleRate && nearRate != dspRate {
		return nil, fmt.Errorf("record: microphone rate %d Hz unsupported", nearRate)
	}
	if logger == nil {
		logger = slog.Default()
	}
	preSkip, err := encoderLookahead()
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	enc, err := opus.NewEncoder(media.SampleRate, 1, opus.AppVoIP)
	if err != nil {
		return nil, fmt.Errorf("record: opus encoder: %w", err)
	}
	if err := enc.SetBitrate(recordBitrate); err != nil {
		return nil, fmt.Errorf("record: opus bitrate: %w", err)
	}
	if err := enc.SetComplexity(recordComplexity); err != nil {
		return nil, fmt.Errorf("record: opus complexity: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("record: %w", err)
	}
	ogg, err := NewOggOpusWriter(f, rand.Uint32(), 1, preSkip, media.SampleRate,
		OpusTags{Vendor: "tgphone (" + opus.Version() + ")", Comments: comments})
	if err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("record %s: %w", path, err)
	}
	r := &Recorder{path: path, log: logger.With("component", "recorder"), nearRate: nearRate, started: time.Now(),
		wake: make(chan struct{}, 1), done: make(chan struct{}), f: f, ogg: ogg, enc: enc}
	if nearRate != media.SampleRate {
		var e C.int
		r.up = C.speex_resampler_init(1, C.spx_uint32_t(nearRate), C.spx_uint32_t(media.SampleRate), resamplerQuality, &e)
		if r.up == nil {
			f.Close()
			os.Remove(path)
			return nil, errors.New("record: speex resampler init failed")
		}
	}
	go r.run()
	return r, nil
}

// Path is the file being written.
func (r *Recorder) Path() string { return r.path }

// Started is when recording began.
func (r *Recorder) Started() time.Time { return r.started }

// Near queues one 20 ms microphone frame at nearRate (what the peer hears from us).
func (r *Recorder) Near(f []int16) { r.put(&r.near, f) }

// Far queues one 20 ms played frame at 48 kHz (what we hear from the peer).
func (r *Recorder) Far(f []int16) { r.put(&r.far, f) }

func (r *Recorder) put(q *frameQueue, f []int16) {
	r.mu.Lock()
	if !r.stopped {
		q.push(f)
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Stop stops recording, writes what is queued and the end of the stream,
// and closes the file. It reports the recording's first write error.
func (r *Recorder) Stop() error {
	r.mu.Lock()
	already := r.stopped
	r.stopped = true
	r.mu.Unlock()
	if !already {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	<-r.done
	return r.err
}

// Duration is how much audio has been encoded so far.
func (r *Recorder) Duration() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return time.Duration(r.samples) * time.Second / media.SampleRate
}

func (r *Recorder) run() {
	defer close(r.done)
	var (
		nearIn  = make([]int16, FrameSamples)
		near48  = make([]int16, FrameSamples)
		far     = make([]int16, FrameSamples)
		mix     = make([]int16, FrameSamples)
		packet  = make([]byte, 1500)
		dropped int
	)
	for {
		<-r.wake
		for {
			r.mu.Lock()
			stopped := r.stopped
			nn, nf := r.near.count, r.far.count
			both := nn > 0 && nf > 0
			// One side alone is written when the other is clearly gone, or
			// at the end, when nothing more will come to pair it with.
			alone := nn > recordSkew || nf > recordSkew || (stopped && (nn > 0 || nf > 0))
			if !both && !alone {
				r.mu.Unlock()
				break
			}
			n := r.near.pop(nearIn)
			m := r.far.pop(far)
			dropped = r.near.dropped + r.far.dropped
			r.mu.Unlock()
			clear(near48)
			if n > 0 {
				r.toRate(nearIn[:n], near48)
			}
			clear(far[m:])
			mixFrames(mix, near48, far)
			if err := r.encode(mix, packet); err != nil && r.err == nil {
				r.err = err
				r.log.Warn("recording failed", "path", r.path, "err", err)
			}
		}
		r.mu.Lock()
		stopped := r.stopped
		r.mu.Unlock()
		if stopped {
			break
		}
	}
	r.finish(packet)
	if dropped > 0 {
		r.log.Warn("recording dropped audio: the writer fell behind", "frames", dropped)
	}
	r.log.Info("recording saved", "path", r.path, "seconds", float64(r.samples)/media.SampleRate, "err", r.err)
}

// toRate converts one microphone frame to 48 kHz.
func (r *Recorder) toRate(in, out []int16) {
	if r.up == nil {
		copy(out, in)
		return
	}
	resample(r.up, in, out)
}

// mixFrames adds a and b into dst, saturating at the 16-bit limits.
func mixFrames(dst, a, b []int16) {
	for i := range dst {
		s := int32(a[i]) + int32(b[i])
		dst[i] = int16(max(min(s, 32767), -32768))
	}
}

func (r *Recorder) encode(pcm []int16, packet []byte) error {
	if r.err != nil {
		return r.err
	}
	n, err := r.enc.Encode(pcm, packet)
	if err != nil {
		return fmt.Errorf("record: encode: %w", err)
	}
	if err := r.ogg.WritePacket(packet[:n]); err != nil {
		return fmt.Errorf("record %s: %w", r.path, err)
	}
	r.mu.Lock()
	r.samples += int64(len(pcm))
	r.mu.Unlock()
	return nil
}

// finish pushes the encoder's lookahead out with one frame of silence (it
// holds the last preSkip samples of input), trims the stream to the audio
// recorded, and closes the file.
func (r *Recorder) finish(packet []byte) {
	samples := r.samples
	if r.err == nil && samples > 0 {
		if err := r.encode(make([]int16, FrameSamples), packet); err != nil {
			r.err = err
		}
	}
	if err := r.ogg.Close(samples); err != nil && r.err == nil {
		r.err = err
	}
	r.mu.Lock()
	r.samples = samples
	r.mu.Unlock()
	if err := r.f.Sync(); err != nil && r.err == nil {
		r.err = fmt.Errorf("record %s: %w", r.path, err)
	}
	if err := r.f.Close(); err != nil && r.err == nil {
		r.err = fmt.Errorf("record %s: %w", r.path, err)
	}
	if r.up != nil {
		C.speex_resampler_destroy(r.up)
		r.up = nil
	}
}
