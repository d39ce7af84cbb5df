package ui

import (
	"slices"
	"testing"

	"github.com/tgphone/tgphone/audio"
)

func TestDeviceMenu(t *testing.T) {
	devs := []audio.Device{
		{ID: "6877", Name: "Built-in Audio", Capture: true},
		{ID: "aa01", Name: "USB Headset", Capture: true},
		{ID: "aa02", Name: "USB Headset", Capture: true},
		{ID: "bb01", Name: "", Capture: true},
		{ID: "cc01", Name: "Built-in Audio", Capture: false},
	}
	for _, tt := range []struct {
		name    string
		capture bool
		keep    string
		labels  []string
	}{
		{"microphones, two alike told apart", true, "aa02",
			[]string{"System default", "Built-in Audio", "USB Headset", "USB Headset (2)", "Unnamed device"}},
		{"a saved microphone that is gone", true, "dd99",
			[]string{"System default", "Built-in Audio", "USB Headset", "USB Headset (2)", "Unnamed device", "Saved device (not connected)"}},
		{"speakers", false, "default", []string{"System default", "Built-in Audio"}},
		{"no sound system", false, "", []string{"No speaker found"}},
		{"a saved test tone", true, "tone:440",
			[]string{"System default", "Built-in Audio", "USB Headset", "USB Headset (2)", "Unnamed device", "Test tone 440 Hz"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			list := devs
			if tt.name == "no sound system" {
				list = nil
			}
			m := newDeviceMenu(list, tt.capture, tt.keep)
			if !slices.Equal(m.labels, tt.labels) {
				t.Fatalf("labels %q, want %q", m.labels, tt.labels)
			}
			for _, label := range m.labels { // every entry leads back to itself
				if got := m.label(m.id(label)); got != label {
					t.Errorf("%q → id %q → %q", label, m.id(label), got)
				}
			}
			if tt.keep != "" && m.id(m.label(tt.keep)) != tt.keep {
				t.Errorf("saved device %q is not kept: shown as %q", tt.keep, m.label(tt.keep))
			}
		})
	}
	m := newDeviceMenu(devs, true, "")
	if m.id("USB Headset (2)") != "aa02" || m.id("tone:440") != "tone:440" || m.label("default") != "System default" {
		t.Errorf("id/label mapping: %q %q %q", m.id("USB Headset (2)"), m.id("tone:440"), m.label("default"))
	}
}

// TestDeviceNames: ALSA's plugins are not offered as devices, and devices
// are named as people know them.
func TestDeviceNames(t *testing.T) {
	for name, want := range map[string]string{
		"Discard all samples (playback) or generate zero samples (capture)": "",
		"Rate Converter Plugin Using Speex Resampler":                       "",
		"Plugin for channel upmix (4,6,8)":                                  "",
		"Default ALSA Output (currently PulseAudio Sound Server)":           "",
		"Open Sound System": "",
		"Playback/recording through the PulseAudio sound server": "PulseAudio",
		"PipeWire Sound Server":                                  "PipeWire",
		"JACK Audio Connection Kit":                              "JACK",
		"Jabra Link 380, USB Audio":                              "Jabra Link 380",
		"HDA Intel PCH, ALC892 Analog":                           "HDA Intel PCH, ALC892 Analog",
		"Built-in Audio Analog Stereo":                           "Built-in Audio Analog Stereo",
		"":                                                       "Unnamed device",
	} {
		if got := friendlyName(name); got != want {
			t.Errorf("friendlyName(%q) = %q, want %q", name, got, want)
		}
	}
	null := []audio.Device{{ID: "6e756c6c", Name: "Discard all samples (playback) or generate zero samples (capture)", Capture: true}}
	m := newDeviceMenu(null, true, "6e756c6c")
	if !m.none || !slices.Equal(m.labels, []string{"No microphone found"}) {
		t.Errorf("only ALSA's null plugin: none %v, labels %q", m.none, m.labels)
	}
	for id, want := range map[string]string{
		"wav:/tmp/out.wav": "Recording to out.wav", "file:/x/in.wav": "Sound file in.wav", "/x/y.WAV": "Sound file y.WAV",
		"silence": "Silence", "null": "No sound (discarded)", "loop:": "Loopback (hear yourself)", "rack:headset": "Test device headset",
		"6877": "",
	} {
		if got := virtualLabel(id); got != want {
			t.Errorf("virtualLabel(%q) = %q, want %q", id, got, want)
		}
	}
}
