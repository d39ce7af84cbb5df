package calling

import (
	"testing"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
)

// TestDeviceNotice: each device event leaves the right trouble for its side,
// and the call's English notice is both sides' together.
func TestDeviceNotice(t *testing.T) {
	var changes int
	m := NewManager(Config{OnChange: func(Snapshot) { changes++ }})
	c := newCall(m, account.Contact{FirstName: "Bob"}, true)
	mic, spk := true, false
	for _, step := range []struct {
		kind         audio.EventKind
		capture      bool
		mic, speaker DeviceTrouble
		want         string
	}{
		{audio.EventDeviceLost, mic, DeviceReopening, DeviceOK, "Microphone disconnected; trying to get it back…"},
		{audio.EventFallback, mic, DeviceFallback, DeviceOK, "Microphone unavailable; using the default microphone."},
		{audio.EventDeviceLost, spk, DeviceFallback, DeviceReopening, "Microphone unavailable; using the default microphone. Speaker disconnected; trying to get it back…"},
		{audio.EventNoPlayback, spk, DeviceFallback, DeviceMissing, "Microphone unavailable; using the default microphone. No speaker found: you cannot hear Bob."},
		{audio.EventDeviceReopened, mic, DeviceOK, DeviceMissing, "No speaker found: you cannot hear Bob."},
		{audio.EventSwitched, spk, DeviceOK, DeviceOK, ""},
		{audio.EventReceiveOnly, mic, DeviceMissing, DeviceOK, "No microphone found: you can hear Bob, but Bob cannot hear you."},
		{audio.EventDefaultChanged, mic, DeviceOK, DeviceOK, ""},
	} {
		before := changes
		c.onAudioEvent(audio.Event{Kind: step.kind, Capture: step.capture})
		s := c.Snapshot()
		if s.AudioNotice != step.want || s.Mic != step.mic || s.Speaker != step.speaker {
			t.Errorf("after %s (capture %v): mic %s, speaker %s, %q; want %s, %s, %q",
				step.kind, step.capture, s.Mic, s.Speaker, s.AudioNotice, step.mic, step.speaker, step.want)
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
