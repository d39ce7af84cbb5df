package calling_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/internal/tone"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestE2ERecording records a call through the sandbox at Alice's end
// (her microphone 440 Hz, Bob's 1000 Hz), decodes the file and finds both
// tones; a second recording is ended by the hang-up; both are listed for
// the call's history entry.
func TestE2ERecording(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := newPartyWith(t, env, "alice", "", audio.Config{Input: "tone:440", Output: "null", Ring: "null"}, calling.P2PEveryone)
	bob := newPartyWith(t, env, "bob", "8.0.0", audio.Config{Input: "tone:1000", Output: "null", Ring: "null"}, calling.P2PEveryone)
	dir := filepath.Join(t.TempDir(), "Music")

	out, in := ringing(t, alice, bob, "@bob")
	if _, err := out.StartRecording(dir); !errors.Is(err, calling.ErrNoAudio) {
		t.Errorf("recording a ringing call: %v, want ErrNoAudio", err)
	}
	in.Answer()
	waitState(t, out, "active", func(s calling.Snapshot) bool { return s.State == calling.StateActive })
	// Bob's tone has reached Alice's speaker once the engine hears audio.
	waitState(t, out, "audio", func(s calling.Snapshot) bool { return s.Stats.Audio.PacketsReceived > 25 })

	path, err := out.StartRecording(dir)
	if err != nil {
		t.Fatal(err)
	}
	if base := filepath.Base(path); !strings.HasPrefix(base, "Call with Bob Baker "+time.Now().Format("2006-01-02")) || !strings.HasSuffix(base, ".opus") {
		t.Errorf("file named %q", base)
	}
	if r := out.Snapshot().Recording; !r.Active || r.Path != path {
		t.Errorf("snapshot while recording: %+v", r)
	}
	time.Sleep(2 * time.Second) // two seconds of call to record
	if err := out.StopRecording(); err != nil {
		t.Fatal(err)
	}
	if r := out.Snapshot().Recording; r.Active || r.Path != path || r.Err != nil {
		t.Errorf("snapshot after stopping: %+v", r)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := audio.DecodeOggOpus(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) < 48000*3/2 {
		t.Fatalf("recorded %d samples, want ≥ 1.5 s", len(pcm))
	}
	mid := pcm[len(pcm)/4 : 3*len(pcm)/4]
	p440, p1000, none := tone.Power(mid, 440), tone.Power(mid, 1000), tone.Power(mid, 700)
	t.Logf("power at 440 Hz %.3g, 1000 Hz %.3g, 700 Hz %.3g", p440, p1000, none)
	if p440 < 100*none {
		t.Errorf("Alice's own 440 Hz missing: power %.3g against %.3g at 700 Hz", p440, none)
	}
	if p1000 < 100*none {
		t.Errorf("Bob's 1000 Hz missing: power %.3g against %.3g at 700 Hz", p1000, none)
	}

	second, err := out.StartRecording(dir)
	if err != nil {
		t.Fatal(err)
	}
	if second == path {
		t.Fatal("second recording reused the first file")
	}
	hangUpNormally(t, out, in)
	s := out.Snapshot()
	if s.Recording.Active || s.Recording.Path != second {
		t.Errorf("after the hang-up: %+v", s.Recording)
	}
	list, err := calling.ListRecordings(dir)
	if err != nil {
		t.Fatal(err)
	}
	got := calling.RecordingsByCall(list)[s.ID]
	if len(got) != 2 {
		t.Fatalf("recordings of call %d: %+v, want 2", s.ID, list)
	}
	if got[0].Path != second || got[1].Path != path || got[1].Duration < time.Second || got[0].PeerID != bob.c.Self.ID {
		t.Errorf("listed %+v", got)
	}
}

func TestListRecordingsSkipsOthers(t *testing.T) {
	dir := t.TempDir()
	if l, err := calling.ListRecordings(filepath.Join(dir, "missing")); err != nil || l != nil {
		t.Errorf("missing dir: %v, %v", l, err)
	}
	for name, b := range map[string][]byte{"song.opus": []byte("not ogg"), "notes.txt": []byte("x")} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A valid Ogg Opus file of someone else's (no call tags) is not listed either.
	f, err := os.Create(filepath.Join(dir, "music.opus"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := audio.NewOggOpusWriter(f, 1, 1, 312, 48000, audio.OpusTags{Vendor: "other", Comments: []string{"TITLE=song"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(-1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	l, err := calling.ListRecordings(dir)
	if err != nil || len(l) != 0 {
		t.Errorf("listed %+v, %v; want none", l, err)
	}
}
