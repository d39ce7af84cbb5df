package audio

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
)

func TestMeasureLevel(t *testing.T) {
	full := make([]int16, FrameSamples)
	for i := range full {
		full[i] = int16(32767 * math.Sin(2*math.Pi*1000*float64(i)/48000))
	}
	tests := []struct {
		name      string
		in        []int16
		peak, rms float64
		tolerance float64
	}{
		{"silence", make([]int16, FrameSamples), silentDBFS, silentDBFS, 0},
		{"empty", nil, silentDBFS, silentDBFS, 0},
		{"full-scale sine", full, 0, -3.01, 0.05},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := MeasureLevel(tt.in)
			if math.Abs(l.PeakDBFS-tt.peak) > tt.tolerance || math.Abs(l.RMSDBFS-tt.rms) > tt.tolerance {
				t.Fatalf("got %+v, want peak %.2f rms %.2f", l, tt.peak, tt.rms)
			}
		})
	}
}

func TestParseWAVErrors(t *testing.T) {
	good := wavHeader(4)
	good = append(good, 1, 0, 0xff, 0xff)
	pcm, err := ParseWAV(good)
	if err != nil || len(pcm) != 2 || pcm[0] != 1 || pcm[1] != -1 {
		t.Fatalf("good wav: %v %v", pcm, err)
	}
	stereo := append([]byte(nil), good...)
	stereo[22] = 2
	for name, b := range map[string][]byte{"short": good[:10], "stereo": stereo, "no data": good[:36]} {
		if _, err := ParseWAV(b); !errors.Is(err, ErrWAVFormat) {
			t.Errorf("%s: err %v, want ErrWAVFormat", name, err)
		}
	}
}

// TestTones checks each tone's cadence: the share of time it sounds, and
// that "ended" stops on its own.
func TestTones(t *testing.T) {
	tests := []struct {
		tone   Tone
		onFrac float64
	}{
		{ToneRingtone, 2.0 / 6},
		{ToneRingback, 2.0 / 6}, // 1 s on, 4 s off: on at 0–1 s and 5–6 s
		{ToneBusy, 0.5},
		{ToneEnded, 0.6 / 6}, // three 200 ms beeps in the first 6 s, then silence
	}
	for _, tt := range tests {
		t.Run(tt.tone.String(), func(t *testing.T) {
			g, err := newToneGen(tt.tone)
			if err != nil {
				t.Fatal(err)
			}
			buf := make([]int16, 6*48000)
			g.fill(buf)
			on := 0
			for i := 0; i < len(buf); i += 480 {
				if MeasureLevel(buf[i:i+480]).RMSDBFS > -40 {
					on++
				}
			}
			got := float64(on) / float64(len(buf)/480)
			if math.Abs(got-tt.onFrac) > 0.02 {
				t.Fatalf("sounding %.3f of the time, want %.3f", got, tt.onFrac)
			}
		})
	}
	if _, err := newToneGen(Tone(99)); err == nil {
		t.Fatal("unknown tone accepted")
	}
}

// TestRingDeviceTone plays busy on a recording ring device.
func TestRingDeviceTone(t *testing.T) {
	ring := filepath.Join(t.TempDir(), "ring.wav")
	s, err := open(Config{Input: "silence", Output: "null", Ring: "wav:" + ring}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.PlayTone(ToneBusy); err != nil {
		t.Fatal(err)
	}
	readPackets(t, s, 25) // about half a second of device time
	s.StopTone()
	s.Close()
	pcm, err := ReadWAV(ring)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) < 9600 {
		t.Fatalf("ring device got %d samples", len(pcm))
	}
	if f := goertzelPeak(pcm[:9600], 400, 450); math.Abs(f-425) > 3 {
		t.Fatalf("busy tone at %.1f Hz", f)
	}
}

// TestSwitchAndMute: switching input mid-call and muting keep packets flowing.
func TestSwitchAndMute(t *testing.T) {
	var log eventLog
	s, err := open(Config{Input: "tone:1000", Output: "null", OnEvent: log.add}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readPackets(t, s, 3)
	if err := s.SwitchInput("tone:abc"); err == nil {
		t.Fatal("bad id accepted")
	}
	if err := s.SwitchInput("silence"); err != nil {
		t.Fatal(err)
	}
	s.SetMuted(true)
	readPackets(t, s, 3)
	if in, _ := s.Devices(); in != "silence" {
		t.Fatalf("input %q", in)
	}
	if k := log.kinds(); len(k) != 1 || k[0] != EventSwitched {
		t.Fatalf("events %v", k)
	}
	if lv := s.Levels().Mic; lv.PeakDBFS != silentDBFS {
		t.Fatalf("muted mic reads %v", lv)
	}
}

// TestEchoLoopDevice: with a loop: pair, what the session plays comes back
// on its capture side, through the whole pipeline (the sandbox echo bot).
func TestEchoLoopDevice(t *testing.T) {
	src, err := open(Config{Input: "tone:440", Output: "null"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	echo, err := open(Config{Input: "loop:", Output: "loop:", LoopDelay: 100 * time.Millisecond}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer echo.Close()
	dec, _ := NewDecoder()
	pcm := make([]int16, maxPacketSamples)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	loud := 0
	for range 75 {
		p, err := src.ReadPacket(ctx)
		if err != nil {
			t.Fatal(err)
		}
		echo.WritePacket(media.ReceivedPacket{Timestamp: p.Timestamp, Payload: p.Payload})
		back, err := echo.ReadPacket(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n, err := dec.Decode(back.Payload, pcm)
		if err != nil {
			t.Fatal(err)
		}
		if MeasureLevel(pcm[:n]).RMSDBFS > -20 {
			loud++
		}
	}
	if loud < 20 {
		t.Fatalf("only %d of 75 echoed packets carry the tone", loud)
	}
}
