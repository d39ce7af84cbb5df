package pionmedia

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media"
)

// pushPort is an audio port that hands packets over through SendPackets;
// ReadPacket must not be used.
type pushPort struct {
	mu      sync.Mutex
	send    func(media.Packet)
	stopped bool
	set     chan struct{}
}

func (p *pushPort) SendPackets(send func(media.Packet)) func() {
	p.mu.Lock()
	p.send = send
	p.mu.Unlock()
	close(p.set)
	return func() {
		p.mu.Lock()
		p.send, p.stopped = nil, true
		p.mu.Unlock()
	}
}

func (p *pushPort) ReadPacket(context.Context) (media.Packet, error) {
	return media.Packet{}, errors.New("ReadPacket used")
}
func (p *pushPort) WritePacket(media.ReceivedPacket) {}
func (p *pushPort) SetEncoder(media.EncoderConfig)   {}
func (p *pushPort) AudioStats() (s media.AudioStats) { return s }

// TestSendAudioPushed: with a port that pushes packets, each is written
// (and counted) on the pushing goroutine before its call returns, a held
// one is not, and SendAudio lets go of the port when ctx ends.
func TestSendAudioPushed(t *testing.T) {
	track, err := webrtc.NewTrackLocalStaticRTP(OpusCapability(), "audio", "test")
	if err != nil {
		t.Fatal(err)
	}
	port := &pushPort{set: make(chan struct{})}
	var stats Counters
	muted := false
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Sender{Audio: port, Track: track, PayloadType: 111, Stats: &stats,
			Log:  slog.New(slog.NewTextHandler(io.Discard, nil)),
			Hold: func() (uint32, bool) { return 42, muted }}.SendAudio(ctx, 7)
	}()
	select {
	case <-port.set:
	case <-done:
		t.Fatal("SendAudio returned without taking the port's pushed packets")
	}
	port.mu.Lock()
	send := port.send
	port.mu.Unlock()
	for i := range 3 {
		send(media.Packet{Payload: []byte{1, 2, 3}, Timestamp: uint32(i * 960)})
		if got := stats.Snapshot().PacketsSent; got != uint64(i+1) {
			t.Fatalf("after %d packets PacketsSent = %d", i+1, got)
		}
	}
	muted = true
	send(media.Packet{Payload: []byte{1}})
	if got := stats.Snapshot().PacketsSent; got != 3 {
		t.Fatalf("a held packet was sent: PacketsSent = %d", got)
	}
	cancel()
	<-done
	port.mu.Lock()
	defer port.mu.Unlock()
	if !port.stopped {
		t.Fatal("SendAudio returned without stopping the port's pushes")
	}
}
