package legacy

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net/netip"
	"sort"
	"syscall"
	"testing"
	"time"

	"github.com/tgphone/tgphone/internal/netem"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// BenchmarkCallLoopback runs a 3 s call engine-to-engine through the sandbox
// reflector and reports the capture→jitter-buffer delay (60 ms packetization
// plus transport; the audio engine's jitter buffer and device latency come on
// top) and CPU used by both engines, the relay and the fake audio's Opus
// encoding, halved per call side.
func BenchmarkCallLoopback(b *testing.B) {
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		r := newRelay(b, ctx)
		var ru0 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
		start := time.Now()
		a, bb := startCall(b, ctx, callCfg{relay: r})
		for a.audio.received() < 50 || bb.audio.received() < 50 {
			time.Sleep(20 * time.Millisecond)
		}
		wall := time.Since(start)
		var ru1 syscall.Rusage
		syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
		a.eng.Close()
		bb.eng.Close()
		cancel()
		r.Stop()
		cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()-ru0.Utime.Nano()-ru0.Stime.Nano()) * time.Nanosecond
		a.eng.mu.Lock()
		ts0 := a.eng.ts0 // the engine's pts counts from its first packet sent
		a.eng.mu.Unlock()
		var d []time.Duration
		a.audio.mu.Lock()
		bb.audio.mu.Lock()
		for ts, at := range bb.audio.arrivals {
			if sent, ok := a.audio.sentAt[ts+ts0]; ok {
				d = append(d, at.Sub(sent)+60*time.Millisecond)
			}
		}
		bb.audio.mu.Unlock()
		a.audio.mu.Unlock()
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		if len(d) > 0 {
			b.ReportMetric(float64(d[len(d)/2].Microseconds())/1000, "capture-to-jb-ms-p50")
			b.ReportMetric(float64(d[len(d)*95/100].Microseconds())/1000, "capture-to-jb-ms-p95")
		}
		// The callee starts its engine on accept; the caller hears it first.
		b.ReportMetric(float64((<-a.firstAudio).Sub(bb.started).Milliseconds()), "callee-start-to-caller-first-audio-ms")
		b.ReportMetric(100*cpu.Seconds()/wall.Seconds()/2, "cpu-%-per-call-side")
	}
}

// nopPort is an AudioPort that drops what it is given, so the engine
// benchmarks below measure the engine alone.
type nopPort struct{}

func (nopPort) ReadPacket(ctx context.Context) (media.Packet, error) {
	<-ctx.Done()
	return media.Packet{}, ctx.Err()
}
func (nopPort) WritePacket(media.ReceivedPacket) {}
func (nopPort) SetEncoder(media.EncoderConfig)   {}
func (nopPort) AudioStats() media.AudioStats     { return media.AudioStats{} }
func benchEngine(b *testing.B, outgoing bool) *Engine {
	e, err := NewWithOptions(media.Params{Key: testKey(), Outgoing: outgoing, Audio: nopPort{},
		Reflectors: []media.Reflector{{ID: 1, IP: "127.0.0.1", Port: 9, PeerTag: wire.Tag{7}}}}, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.conn.Close() })
	e.gotInit, e.gotInitAck = true, true
	return e
}

// BenchmarkEngineSendAudio is the engine's work for one 60 ms microphone
// packet (header, extras, STREAM_DATA, sealing) at a 2.4.4 clean-call size,
// and with 4 extra-EC copies.
func BenchmarkEngineSendAudio(b *testing.B) {
	for _, level := range []int{0, 4} {
		b.Run(fmt.Sprintf("ec%d", level), func(b *testing.B) {
			e := benchEngine(b, true)
			e.ecLevel = level
			payload := bytes.Repeat([]byte{0x7b}, 142) // the observed median Opus payload
			ts := uint32(0)
			b.ReportAllocs()
			for b.Loop() {
				e.mu.Lock()
				if _, ok := e.audioLocked(media.Packet{Payload: payload, Duration: 60 * time.Millisecond, Timestamp: ts}); !ok {
					b.Fatal("nothing sent")
				}
				e.mu.Unlock()
				ts += frame
			}
		})
	}
}

// BenchmarkEngineReceiveAudio is the engine's work for one peer STREAM_DATA
// datagram from a relay: tag check, opening, header, acks, delivery.
func BenchmarkEngineReceiveAudio(b *testing.B) {
	e := benchEngine(b, true)
	peer := wire.NewCipher(&e.p.Key, false)
	const n = 1024
	dgs := make([][]byte, n)
	payload := bytes.Repeat([]byte{0x7b}, 142)
	for i := range dgs {
		sd, _ := wire.AppendStreamData(nil, wire.StreamData{StreamID: 1, PTS: uint32(i * frameMs), Data: payload})
		body, err := peer.Seal(nil, wire.AppendPacket(nil, wire.Packet{Type: wire.TypeStreamData, Seq: uint32(i + 1), AckID: uint32(i), AckMask: 0xffffffff, Payload: sd}), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		dgs[i] = wire.AppendData(nil, wire.Tag{7}, body)
	}
	// Our side has sent packets for the peer's acks to walk, as in a call.
	for range 200 {
		e.mu.Lock()
		e.packetLocked(nil, wire.TypeStreamData, payload, nil)
		e.mu.Unlock()
	}
	relay := netip.MustParseAddrPort("127.0.0.1:9")
	now := time.Unix(100, 0)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		if i == n {
			e.mu.Lock()
			e.win, e.recvPTS, e.maxPTS = wire.RecvWindow{}, map[uint32]bool{}, 0
			e.mu.Unlock()
			i = 0
		}
		e.handle(dgs[i], relay, now)
		i++
	}
	if rej, _ := e.rejects.Snapshot(); rej != 0 {
		b.Fatalf("%d rejected", rej)
	}
}

// BenchmarkCallUnderLoss runs a call through the sandbox reflector with 10 %
// loss and 0–30 ms jitter on each side's relay leg and reports the share of
// B's 60 ms frames for which neither the packet nor an extra-EC copy came
// (after the first 3 s, once extra EC is on). The audio engine's jitter
// buffer recovers part of these from the next packet's in-band FEC.
func BenchmarkCallUnderLoss(b *testing.B) {
	for b.Loop() {
		ctx, cancel := context.WithCancel(context.Background())
		r := newRelay(b, ctx)
		a, bb := startCall(b, ctx, callCfg{relay: r, imp: netem.Config{LossPct: 10, Jitter: 30 * time.Millisecond, Seed: 11}})
		for bb.audio.received() < 200 {
			time.Sleep(50 * time.Millisecond)
		}
		a.eng.Close()
		bb.eng.Close()
		cancel()
		bb.audio.mu.Lock()
		var lo, hi uint32 = ^uint32(0), 0
		for ts := range bb.audio.got {
			lo, hi = min(lo, ts), max(hi, ts)
		}
		from := lo + 50*frame
		missing, total := 0, 0
		for ts := from; ts <= hi; ts += frame {
			total++
			if _, ok := bb.audio.got[ts]; !ok {
				missing++
			}
		}
		bb.audio.mu.Unlock()
		b.ReportMetric(100*float64(missing)/float64(total), "unfilled-%")
	}
}
