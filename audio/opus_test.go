package audio

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
)

func TestPacketSamples(t *testing.T) {
	tests := []struct {
		name string
		p    []byte
		want int
		err  bool
	}{
		{"empty", nil, 0, true},
		{"silk 20ms", []byte{1<<3 | 0, 0}, 960, false},
		{"silk 60ms", []byte{3<<3 | 0, 0}, 2880, false},
		{"silk 40ms two frames", []byte{2<<3 | 1, 0}, 3840, false},
		{"hybrid 10ms", []byte{12 << 3}, 480, false},
		{"celt 2.5ms", []byte{16 << 3}, 120, false},
		{"celt 20ms code3 x6", []byte{19<<3 | 3, 6}, 5760, false},
		{"code3 too long", []byte{19<<3 | 3, 7}, 0, true},
		{"code3 zero frames", []byte{19<<3 | 3, 0}, 0, true},
		{"code3 truncated", []byte{19<<3 | 3}, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := PacketSamples(tt.p)
			if tt.err {
				if !errors.Is(err, ErrBadPacket) {
					t.Fatalf("err = %v, want ErrBadPacket", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}

func sine(hz float64, n, from int) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*hz*float64(from+i)/48000))
	}
	return out
}

// TestEncoderDurations checks that each requested packet duration comes out
// as one packet of that many samples with RTP-style timestamps.
func TestEncoderDurations(t *testing.T) {
	for _, d := range []time.Duration{20, 40, 60} {
		d := d * time.Millisecond
		t.Run(d.String(), func(t *testing.T) {
			enc, err := NewEncoder(media.EncoderConfig{FrameDuration: d, Bitrate: 16000, FEC: true, PacketLossPct: 10}, media.SampleRate)
			if err != nil {
				t.Fatal(err)
			}
			dec, _ := NewDecoder()
			var pkts []media.Packet
			for i := range 12 {
				p, ok, err := enc.Push(sine(440, FrameSamples, i*FrameSamples))
				if err != nil {
					t.Fatal(err)
				}
				if ok {
					pkts = append(pkts, p)
				}
			}
			per := int(d / time.Millisecond * 48)
			if len(pkts) != 12*FrameSamples/per {
				t.Fatalf("%d packets, want %d", len(pkts), 12*FrameSamples/per)
			}
			out := make([]int16, maxPacketSamples)
			for i, p := range pkts {
				if p.Timestamp != uint32(i*per) || p.Duration != d {
					t.Fatalf("packet %d: ts %d dur %v", i, p.Timestamp, p.Duration)
				}
				n, err := dec.Decode(p.Payload, out)
				if err != nil || n != per {
					t.Fatalf("decode: %d, %v; want %d", n, err, per)
				}
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	got := normalize(media.EncoderConfig{FrameDuration: 33 * time.Millisecond, Bitrate: 100000, PacketLossPct: -4})
	want := media.EncoderConfig{FrameDuration: 20 * time.Millisecond, Bitrate: 32000}
	if got != want {
		t.Fatalf("normalize = %+v, want %+v", got, want)
	}
	if got := normalize(media.EncoderConfig{Bitrate: 1}).Bitrate; got != 8000 {
		t.Fatalf("bitrate floor = %d", got)
	}
}

// TestHasLBRR checks the FEC flag reading against what the encoder does:
// with FEC and loss expected, packets after the first carry LBRR; without, none.
// (libopus 1.3 only adds FEC at WB above ≈ 17–20 kbit/s, hence 24 kbit/s.)
func TestHasLBRR(t *testing.T) {
	for _, fec := range []bool{true, false} {
		enc, _ := NewEncoder(media.EncoderConfig{FrameDuration: 20 * time.Millisecond, Bitrate: 24000, FEC: fec, PacketLossPct: 20}, media.SampleRate)
		speech := mustSpeech(t)
		with := 0
		total := 0
		for i := 0; i+FrameSamples <= len(speech); i += FrameSamples {
			p, ok, _ := enc.Push(speech[i : i+FrameSamples])
			if ok {
				total++
				if hasLBRR(p.Payload) {
					with++
				}
			}
		}
		if fec && with < total/3 {
			t.Fatalf("fec on: %d/%d packets with LBRR", with, total)
		}
		if !fec && with != 0 {
			t.Fatalf("fec off: %d packets with LBRR", with)
		}
	}
}

func mustSpeech(tb testing.TB) []int16 {
	tb.Helper()
	pcm, err := ReadWAV("testdata/speech.wav")
	if err != nil {
		tb.Fatal(err)
	}
	return pcm
}
