package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/internal/tone"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestRecordControl: Record asks first (the consent reminder; Cancel
// records nothing), then records with a visible indicator; Stop saves an
// Ogg Opus file in ~/Music holding both sides; the button shows only while
// the call is active.
func TestRecordControl(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	music := filepath.Join(home, "Music")
	if err := os.Mkdir(music, 0o755); err != nil {
		t.Fatal(err)
	}
	env := sandboxtest.Start(t, sandboxtest.Options{})
	// Bob answers only after the check that Record is hidden while ringing:
	// an auto-answering peer made the call active before the check (flaky
	// under load).
	bob := newPeer(t, env, "bob", false) // microphone tone:660
	u := startAppOn(t, test.NewTempApp(t), env, "alice", audio.Config{Input: "tone:440", Output: "null", Ring: "null"})
	waitFor(t, "signed in", func() bool { return u.mgr != nil && u.dialer != nil })
	cv := dialFromDialer(t, u, "@bob")
	var r *recordView
	inUI(func() {
		r = u.recordControl(cv.c)
		cv.w.SetContent(r) // the control alone, so its dialog has this window
		if r.button.Visible() {
			t.Error("Record is shown before the call is active")
		}
	})
	(<-bob.incoming).Answer()
	waitFor(t, "the call active with Record shown", func() bool { return r.button.Visible() })
	time.Sleep(time.Second) // Bob's audio reaches the speaker

	inUI(func() { test.Tap(r.button) })
	var labels []string
	waitFor(t, "the reminder", func() bool {
		labels, _ = overlayTexts(cv.w)
		return len(labels) > 0
	})
	if text := strings.Join(labels, " "); !strings.Contains(text, "agrees to being recorded") || !strings.Contains(text, "Bob Baker") ||
		!strings.Contains(text, music) {
		t.Errorf("reminder says %q", text)
	}
	inUI(func() {
		_, buttons := overlayTexts(cv.w)
		test.Tap(buttons["Cancel"])
	})
	if s := cv.c.Snapshot(); s.Recording.Active || s.Recording.Path != "" {
		t.Errorf("Cancel recorded: %+v", s.Recording)
	}

	inUI(func() { test.Tap(r.button) })
	waitFor(t, "the reminder again", func() bool { _, b := overlayTexts(cv.w); return b["Record"] != nil })
	inUI(func() {
		_, buttons := overlayTexts(cv.w)
		test.Tap(buttons["Record"])
	})
	waitFor(t, "the recording indicator", func() bool {
		return r.indicator.Visible() && strings.HasPrefix(r.indicator.Text, "● Recording") && r.button.Text == "Stop recording"
	})
	time.Sleep(2 * time.Second) // two seconds of call to record
	inUI(func() { test.Tap(r.button) })
	waitFor(t, "the saved note", func() bool {
		return !r.indicator.Visible() && r.saved.Visible() && strings.HasPrefix(r.saved.Text, "Recording saved: Call with Bob Baker ")
	})
	path := cv.c.Snapshot().Recording.Path
	if filepath.Dir(path) != music {
		t.Errorf("recorded to %s, want in %s", path, music)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pcm, err := audio.DecodeOggOpus(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(pcm) < 48000 {
		t.Fatalf("recorded %d samples", len(pcm))
	}
	mid := pcm[len(pcm)/4 : 3*len(pcm)/4]
	if none := tone.Power(mid, 800); tone.Power(mid, 440) < 100*none || tone.Power(mid, 660) < 100*none {
		t.Errorf("both sides not in the recording: 440 Hz %.3g, 660 Hz %.3g, 800 Hz %.3g",
			tone.Power(mid, 440), tone.Power(mid, 660), none)
	}

	inUI(func() { test.Tap(cv.hangup) })
	waitFor(t, "Record gone after the end", func() bool { return !r.button.Visible() && !r.indicator.Visible() && r.saved.Visible() })
	list, err := calling.ListRecordings(music)
	if err != nil || len(list) != 1 || list[0].Path != path {
		t.Errorf("recordings listed: %+v, %v", list, err)
	}
	// Recents offers the recording on the call's row.
	id := cv.c.Snapshot().ID
	inUI(func() { u.recents.refresh() })
	waitFor(t, "the recording on the call's row in Recents", func() bool {
		for _, it := range u.recents.items {
			if it.call != nil && it.call.CallID == id && it.call.Recording == path {
				return true
			}
		}
		return false
	})
}
