package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/internal/tone"
)

// fakePacket is an Opus packet of n bytes whose TOC says one 20 ms CELT
// frame (config 31): the container only reads the TOC.
func fakePacket(n int, fill byte) []byte {
	p := bytes.Repeat([]byte{fill}, n)
	p[0] = 31 << 3
	return p
}

// TestOggOpusGolden pins the container bytes: headers, lacing (a 255-byte
// packet needs a trailing 0), page splits at 50 packets, the end trim and
// CRCs. -update rewrites testdata/golden.opus.
func TestOggOpusGolden(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewOggOpusWriter(&buf, 0x1234abcd, 1, 312, 48000,
		OpusTags{Vendor: "tgphone test", Comments: []string{"TITLE=golden"}})
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{3, 254, 255, 256, 510, 600}
	for i := range 53 {
		if err := w.WritePacket(fakePacket(sizes[i%len(sizes)], byte(i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(53*960 - 500); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden.opus")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("ogg bytes differ from %s (%d bytes, want %d)", golden, buf.Len(), len(want))
	}
	pages := parsePages(t, buf.Bytes())
	type pg struct {
		flags   byte
		granule int64
		packets int
	}
	wantPages := []pg{{oggBOS, 0, 1}, {0, 0, 1}, {0, 50 * 960, 50}, {oggEOS, 312 + 53*960 - 500, 3}}
	if len(pages) != len(wantPages) {
		t.Fatalf("%d pages, want %d", len(pages), len(wantPages))
	}
	for i, p := range pages {
		if p.flags != wantPages[i].flags || p.granule != wantPages[i].granule || p.packets != wantPages[i].packets || p.seq != uint32(i) {
			t.Errorf("page %d: flags %x granule %d packets %d seq %d, want %+v", i, p.flags, p.granule, p.packets, p.seq, wantPages[i])
		}
	}
}

type page struct {
	flags   byte
	granule int64
	seq     uint32
	packets int
}

// parsePages walks the pages, checking each CRC independently of the writer's table.
func parsePages(t *testing.T, b []byte) []page {
	t.Helper()
	var out []page
	for len(b) > 0 {
		if len(b) < 27 || string(b[:4]) != "OggS" {
			t.Fatalf("page %d: no capture pattern", len(out))
		}
		nseg := int(b[26])
		size := 27 + nseg
		packets := 0
		for _, l := range b[27 : 27+nseg] {
			size += int(l)
			if l < 255 {
				packets++
			}
		}
		p := append([]byte(nil), b[:size]...)
		crc := binary.LittleEndian.Uint32(p[22:])
		clear(p[22:26])
		if got := bitwiseCRC(p); got != crc {
			t.Errorf("page %d: crc %08x, computed %08x", len(out), crc, got)
		}
		out = append(out, page{flags: b[5], granule: int64(binary.LittleEndian.Uint64(b[6:])),
			seq: binary.LittleEndian.Uint32(b[18:]), packets: packets})
		b = b[size:]
	}
	return out
}

// bitwiseCRC is the Ogg CRC computed bit by bit, without the table.
func bitwiseCRC(b []byte) uint32 {
	var crc uint32
	for _, x := range b {
		crc ^= uint32(x) << 24
		for range 8 {
			if crc&0x80000000 != 0 {
				crc = crc<<1 ^ 0x04c11db7
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

func TestOggCRCCheckValue(t *testing.T) {
	// CRC-32/POSIX (cksum) is this CRC with a final xor of ffffffff: its
	// published check value over "123456789" is 765e7680, inverted here.
	if got := oggCRC(0, []byte("123456789")); got != 0x89a1897f {
		t.Errorf("ogg crc of 123456789 = %08x, want 89a1897f", got)
	}
}

func TestOggOpusRejects(t *testing.T) {
	var buf bytes.Buffer
	if _, err := NewOggOpusWriter(&buf, 1, 3, 312, 48000, OpusTags{}); err == nil {
		t.Error("3 channels accepted")
	}
	if _, err := NewOggOpusWriter(&buf, 1, 1, 70000, 48000, OpusTags{}); err == nil {
		t.Error("pre-skip 70000 accepted")
	}
	if _, err := NewOggOpusWriter(&buf, 1, 1, 0, 48000, OpusTags{Vendor: strings.Repeat("v", 70000)}); err == nil {
		t.Error("a comment header larger than a page accepted")
	}
	w, err := NewOggOpusWriter(&buf, 1, 1, 312, 48000, OpusTags{})
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string][]byte{
		"empty":       nil,
		"code 3 bare": {31<<3 | 3},
		"zero frames": {31<<3 | 3, 0},
		"over 120 ms": {31<<3 | 3, 49},
		"over a page": fakePacket(255*255, 0),
	} {
		if err := w.WritePacket(p); err == nil {
			t.Errorf("%s packet accepted", name)
		}
	}
	if err := w.Close(-1); err != nil {
		t.Fatal(err)
	}
	if err := w.WritePacket(fakePacket(3, 0)); !errors.Is(err, ErrOggClosed) {
		t.Errorf("write after close: %v, want ErrOggClosed", err)
	}
	for name, b := range map[string][]byte{"nothing": nil, "garbage": []byte("not an ogg file at all, not at all at all at all"),
		"truncated": buf.Bytes()[:40]} {
		if _, err := DecodeOggOpus(b); err == nil {
			t.Errorf("%s decoded", name)
		}
	}
}

// sineAt returns n samples of hz at rate, amplitude amp, starting at sample off.
func sineAt(hz float64, rate, off, n int, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*hz*float64(off+i)/float64(rate)))
	}
	return out
}

// TestRecorderMixesBothSides records a 16 kHz microphone at 440 Hz and a
// 48 kHz speaker at 1000 Hz for 2 s, then decodes the file with
// libopusfile: the length is exact (pre-skip and end trim honoured) and
// both tones are in it.
func TestRecorderMixesBothSides(t *testing.T) {
	path := filepath.Join(t.TempDir(), "call.opus")
	r, err := NewRecorder(path, dspRate, []string{"TGPHONE_CALL_ID=42"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	const frames = 100
	for i := range frames {
		r.Near(sineAt(440, dspRate, i*dspFrame, dspFrame, 8000))
		r.Far(sineAt(1000, 48000, i*FrameSamples, FrameSamples, 8000))
		if i%20 == 19 { // devices deliver in real time; the queues hold 1 s
			waitEncoded(t, r, i+1)
		}
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	if d := r.Duration(); d.Seconds() != 2 {
		t.Errorf("duration %v, want 2s", d)
	}
	if _, err := NewRecorder(path, dspRate, nil, nil); err == nil {
		t.Error("a second recorder overwrote the file")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if !bytes.Contains(b, []byte("TGPHONE_CALL_ID=42")) {
		t.Error("comment missing from OpusTags")
	}
	pcm, err := DecodeOggOpus(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) != frames*FrameSamples {
		t.Fatalf("decoded %d samples, want %d", len(pcm), frames*FrameSamples)
	}
	mid := pcm[len(pcm)/4 : 3*len(pcm)/4]
	p440, p1000, p700 := tone.Power(mid, 440), tone.Power(mid, 1000), tone.Power(mid, 700)
	if p440 < 100*p700 || p1000 < 100*p700 {
		t.Errorf("tones not both present: power 440 Hz %.3g, 1000 Hz %.3g, 700 Hz (none) %.3g", p440, p1000, p700)
	}
	if r := p440 / p1000; r < 0.5 || r > 2 {
		t.Errorf("sides unbalanced: 440/1000 power ratio %.2f, want near 1", r)
	}
	opusinfo(t, path)
}

// waitEncoded waits until the recorder has encoded n frames.
func waitEncoded(t *testing.T, r *Recorder, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.Duration() < time.Duration(n)*20*time.Millisecond {
		if time.Now().After(deadline) {
			t.Fatalf("recorder stuck at %v, want %d frames", r.Duration(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// opusinfo runs Debian's opusinfo (opus-tools) on the file when it is
// installed (scripts/deps.sh test installs it): a third reader of the stream.
func opusinfo(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("opusinfo")
	if err != nil {
		t.Log("opusinfo not installed; the libopusfile decode above still checked the stream")
		return
	}
	out, err := exec.Command(bin, path).CombinedOutput()
	if err != nil {
		t.Fatalf("opusinfo: %v\n%s", err, out)
	}
	for _, bad := range []string{"WARNING", "ERROR", "error"} {
		if strings.Contains(string(out), bad) {
			t.Errorf("opusinfo complains:\n%s", out)
		}
	}
	if !strings.Contains(string(out), "Pre-skip: 312") {
		t.Errorf("opusinfo does not show the pre-skip:\n%s", out)
	}
}

func TestRecorderOneSideAlone(t *testing.T) {
	// The speaker is gone (no played frames): the microphone is still
	// written once it runs recordSkew frames ahead, and the rest at Stop.
	path := filepath.Join(t.TempDir(), "near.opus")
	r, err := NewRecorder(path, 48000, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 25 {
		r.Near(sineAt(440, 48000, i*FrameSamples, FrameSamples, 8000))
	}
	if err := r.Stop(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := DecodeOggOpus(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) != 25*FrameSamples {
		t.Errorf("decoded %d samples, want %d", len(pcm), 25*FrameSamples)
	}
	if f := tone.Dominant(pcm[len(pcm)/4:], 200, 1500); math.Abs(f-440) > 2 {
		t.Errorf("heard %.1f Hz, want 440", f)
	}
}

func TestMixFramesSaturates(t *testing.T) {
	for _, c := range []struct{ a, b, want int16 }{
		{1000, 2000, 3000},
		{30000, 10000, 32767},
		{-30000, -10000, -32768},
		{32767, -32768, -1},
		{0, 0, 0},
	} {
		dst := make([]int16, 1)
		mixFrames(dst, []int16{c.a}, []int16{c.b})
		if dst[0] != c.want {
			t.Errorf("mix %d + %d = %d, want %d", c.a, c.b, dst[0], c.want)
		}
	}
}

func TestRecorderRejectsRate(t *testing.T) {
	if _, err := NewRecorder(filepath.Join(t.TempDir(), "x.opus"), 44100, nil, nil); err == nil {
		t.Error("44.1 kHz microphone accepted")
	}
	if _, err := NewRecorder(filepath.Join(t.TempDir(), "missing", "x.opus"), 48000, nil, nil); err == nil {
		t.Error("a file in a missing directory accepted")
	}
}

func TestReadOggOpusInfo(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "long.opus")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := NewOggOpusWriter(f, 7, 1, 312, 16000, OpusTags{Vendor: "v", Comments: []string{"A=1", "B=two"}})
	if err != nil {
		t.Fatal(err)
	}
	// 600 packets of 400 bytes (240 kB, past both infoScan windows), some
	// holding "OggS" to tempt the backward search.
	for i := range 600 {
		p := fakePacket(400, byte(i))
		copy(p[100:], "OggS")
		if err := w.WritePacket(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(600*960 - 312 - 100); err != nil {
		t.Fatal(err)
	}
	f.Close()
	info, err := ReadOggOpusInfo(path)
	if err != nil {
		t.Fatal(err)
	}
	if info.Channels != 1 || info.PreSkip != 312 || info.Tags.Vendor != "v" || strings.Join(info.Tags.Comments, ",") != "A=1,B=two" ||
		info.Samples != 600*960-312-100 {
		t.Errorf("info %+v", info)
	}
	for name, b := range map[string][]byte{"empty": nil, "text": []byte("hello"), "golden cut": mustRead(t, "testdata/golden.opus")[:60]} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadOggOpusInfo(p); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSessionRecording records a session whose microphone is a 440 Hz tone
// (through the 16 kHz DSP), once, and checks the file and the API's rules.
func TestSessionRecording(t *testing.T) {
	s, err := open(Config{Input: "tone:440", Output: "null", DSP: DSPConfig{NS: true}}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if p, err := s.StopRecording(); p != "" || err != nil {
		t.Errorf("stop without a recording: %q, %v", p, err)
	}
	path := filepath.Join(t.TempDir(), "s.opus")
	if err := s.StartRecording(path, []string{"X=1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.StartRecording(path+"2", nil); !errors.Is(err, ErrRecording) {
		t.Errorf("second recording: %v, want ErrRecording", err)
	}
	s.mu.Lock()
	r := s.rec
	s.mu.Unlock()
	waitEncoded(t, r, 25) // half a second of device clock
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.StartRecording(path+"3", nil); !errors.Is(err, ErrClosed) {
		t.Errorf("recording a closed session: %v, want ErrClosed", err)
	}
	pcm, err := DecodeOggOpus(mustRead(t, path))
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) < 25*FrameSamples {
		t.Fatalf("%d samples recorded, want ≥ %d", len(pcm), 25*FrameSamples)
	}
	if f := tone.Dominant(pcm[len(pcm)/2:], 200, 1500); math.Abs(f-440) > 2 {
		t.Errorf("recorded %.1f Hz, want the microphone's 440", f)
	}
}
