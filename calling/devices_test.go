package calling

import (
	"testing"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
)

// TestDeviceNotice: each device event leaves the right sentence for its side,
// and the call's notice is both sides' together.
func TestDeviceNotice(t *testing.T) {
	var changes int
	m := NewManager(Config{OnChange: func(Snapshot) { changes++ }})
	c := newCall(m, account.Contact{FirstName: "Bob"}, true)
	mic, spk := true, false
	for _, step := range []struct {
		kind    audio.EventKind
		capture bool
		want    string
	}{
		{audio.EventDeviceLost, mic, "Microphone disconnected; trying to get it back…"},
		{audio.EventFallback, mic, "Microphone unavailable; using the default microphone."},
		{audio.EventDeviceLost, spk, "Microphone unavailable; using the default microphone. Speaker disconnected; trying to get it back…"},
		{audio.EventNoPlayback, spk, "Microphone unavailable; using the default microphone. No speaker found: you cannot hear Bob."},
		{audio.EventDeviceReopened, mic, "No speaker found: you cannot hear Bob."},
		{audio.EventSwitched, spk, ""},
		{audio.EventReceiveOnly, mic, "No microphone found: you can hear Bob, but Bob cannot hear you."},
		{audio.EventDefaultChanged, mic, ""},
	} {
		before := changes
		c.onAudioEvent(audio.Event{Kind: step.kind, Capture: step.capture})
		if got := c.Snapshot().AudioNotice; got != step.want {
			t.Errorf("after %s (capture %v): %q, want %q", step.kind, step.capture, got, step.want)
		}
		if changes != before+1 {
			t.Errorf("after %s: %d change notifications, want 1", step.kind, changes-before)
		}
	}
	c.onAudioEvent(audio.Event{Kind: audio.EventSwitched, Capture: true})
	if changes != 8 {
		t.Errorf("an event that changes nothing notified: %d notifications", changes)
	}
}
