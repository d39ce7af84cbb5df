package pionmedia

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media"
)

// Sender is what SendAudio needs of an engine's audio sender.
type Sender struct {
	Audio       media.AudioPort
	Track       *webrtc.TrackLocalStaticRTP
	PayloadType uint8
	// Hold is asked before each packet: the SSRC to send it under, and
	// whether to drop it (muted, or no stream of ours agreed yet). While
	// muted nothing is sent, as tgcalls does: the peer knows why from
	// MediaState, and ICE and RTCP keep the path alive.
	Hold func() (ssrc uint32, drop bool)
	// Mu, when set, is held from Hold to the end of the packet's write:
	// an engine's SetMuted that takes it too knows, once it returns, that
	// no packet taken before the mute is still on its way out.
	Mu    *sync.Mutex
	Stats *Counters
	Log   *slog.Logger
}

// PacketSender is an audio port that hands each encoded microphone packet
// to the engine on the goroutine that encoded it (audio.Session.SendPackets)
// instead of through ReadPacket.
type PacketSender interface {
	SendPackets(send func(media.Packet)) (stop func())
}

// SendAudio moves encoded microphone packets into RTP, numbered from seq,
// until ctx is done (or, read through ReadPacket, the microphone ends).
//
// A PacketSender's packets are written on its encoding goroutine: pion's
// RTP write (interceptors, SRTP, ICE, the relay's socket) does not block
// once ICE has connected, and a hand-off to this goroutine would cost a
// thread's wake-up per packet, which on the README's 2-core machine costs
// more CPU than the write itself.
func (s Sender) SendAudio(ctx context.Context, seq uint16) {
	if ps, ok := s.Audio.(PacketSender); ok {
		stop := ps.SendPackets(func(pkt media.Packet) { s.send(pkt, &seq) })
		<-ctx.Done()
		stop()
		return
	}
	for {
		pkt, err := s.Audio.ReadPacket(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.Log.Warn("read microphone packet", "err", err)
			}
			return
		}
		s.send(pkt, &seq)
	}
}

// send writes one packet as RTP numbered *seq, unless Hold drops it.
func (s Sender) send(pkt media.Packet, seq *uint16) {
	if s.Mu != nil {
		s.Mu.Lock()
		defer s.Mu.Unlock()
	}
	ssrc, drop := s.Hold()
	if drop {
		return
	}
	err := s.Track.WriteRTP(&rtp.Packet{
		Header:  rtp.Header{Version: 2, PayloadType: s.PayloadType, SequenceNumber: *seq, Timestamp: pkt.Timestamp, SSRC: ssrc},
		Payload: pkt.Payload,
	})
	*seq++
	if err != nil {
		s.Log.Debug("write rtp", "err", err)
		return
	}
	s.Stats.Sent(len(pkt.Payload))
}

// ReadSenderRTCP takes the peer's reports on our stream (loss, round trip)
// until the sender stops; ssrc is our stream's SSRC at the time.
func ReadSenderRTCP(sender *webrtc.RTPSender, c *Counters, ssrc func() uint32) {
	for {
		pkts, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		now := time.Now()
		c.Heard(now)
		c.RTCP(pkts, ssrc(), now)
	}
}

// ReadReceiverRTCP reads the RTCP that comes with the peer's stream until
// the receiver stops: each packet is a sign of the peer.
func ReadReceiverRTCP(r *webrtc.RTPReceiver, c *Counters) {
	for {
		if _, _, err := r.ReadRTCP(); err != nil {
			return
		}
		c.Heard(time.Now())
	}
}

// ReceiveAudio moves the peer's RTP of payload type pt on track to audio
// until the track ends or ctx is done; other packets are counted as
// rejected.
func ReceiveAudio(ctx context.Context, track *webrtc.TrackRemote, pt uint8, audio media.AudioPort, c *Counters, log *slog.Logger) {
	for {
		pkt, _, err := track.ReadRTP()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) || errors.Is(err, net.ErrClosed) {
				return
			}
			// A payload type nobody negotiated: pion refuses that one
			// packet; the stream goes on.
			c.Rejects.Add(log, "rtp", "err", err)
			continue
		}
		now := time.Now()
		c.Heard(now)
		if pkt.PayloadType != pt || len(pkt.Payload) == 0 {
			c.Rejects.Add(log, "rtp payload", "type", pkt.PayloadType)
			continue
		}
		c.Received(pkt.SequenceNumber, pkt.Timestamp, len(pkt.Payload), now)
		audio.WritePacket(media.ReceivedPacket{
			Timestamp: pkt.Timestamp, Seq: pkt.SequenceNumber, HasSeq: true,
			Payload: append([]byte(nil), pkt.Payload...), Arrival: now,
		})
	}
}
