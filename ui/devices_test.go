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
		{"no sound system", false, "", []string{"System default"}},
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
