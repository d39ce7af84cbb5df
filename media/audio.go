package media

import (
	"context"
	"time"
)

// SampleRate is the rate of all audio in tgphone.
const SampleRate = 48000

// Packet is one encoded Opus packet from the microphone.
type Packet struct {
	Payload  []byte
	Duration time.Duration // 20, 40 or 60 ms
	// Timestamp counts samples at 48 kHz since the stream began (RTP-style).
	Timestamp uint32
}

// ReceivedPacket is one Opus packet from the peer, queued for playout.
type ReceivedPacket struct {
	// Timestamp counts samples at 48 kHz (RTP timestamp; legacy pts_ms*48).
	Timestamp uint32
	// Seq orders packets when the transport numbers them (RTP); HasSeq false otherwise.
	Seq     uint16
	HasSeq  bool
	Payload []byte
	Arrival time.Time
}

// EncoderConfig is what an engine asks of the encoder.
type EncoderConfig struct {
	FrameDuration time.Duration // 20, 40 or 60 ms
	Bitrate       int           // bit/s, 8000..32000
	PacketLossPct int           // expected loss, drives in-band FEC
	FEC           bool
	DTX           bool
}

// AudioStats are the receive-side statistics, named as W3C webrtc-stats names them.
type AudioStats struct {
	Jitter                         time.Duration
	PacketsReceived                uint64
	PacketsLost                    uint64
	PacketsDiscarded               uint64        // late or duplicate
	JitterBufferDelay              time.Duration // current target delay
	ConcealedSamples               uint64
	SilentConcealedSamples         uint64 // of ConcealedSamples, those played as silence (long gaps)
	TotalSamplesReceived           uint64
	InsertedSamplesForDeceleration uint64
	RemovedSamplesForAcceleration  uint64
	FECPacketsRecovered            uint64
	MicLevelDBFS                   float64
	SpeakerLevelDBFS               float64
	// TalkingWhileMuted: the microphone is muted and hears speech (the
	// capture before muting replaced it with silence), for a "you are
	// muted" hint.
	TalkingWhileMuted bool
}

// AudioPort is the audio engine as a media engine sees it: encoded packets from
// the microphone out, the peer's packets in for playout.
type AudioPort interface {
	// ReadPacket blocks until the next encoded microphone packet is ready.
	ReadPacket(ctx context.Context) (Packet, error)
	// WritePacket queues a peer packet for the jitter buffer. It never blocks.
	WritePacket(p ReceivedPacket)
	SetEncoder(cfg EncoderConfig)
	AudioStats() AudioStats
}
