package ui

import (
	"fmt"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/audio"
)

// defaultDeviceLabel names the "default" device id in the menus.
func defaultDeviceLabel() string { return tr("devices.system_default") }

// noMicrophone and noSpeaker are the words for a kind of device that is
// not there.
func noMicrophone() string { return tr("devices.no_microphone") }
func noSpeaker() string    { return tr("devices.no_speaker") }

// deviceMenu lists one kind of sound device for a Select: people choose by
// name, settings and sessions keep miniaudio's id (hex bytes, unreadable).
type deviceMenu struct {
	labels []string
	ids    map[string]string // label → id
	names  map[string]string // id → label
	// none: no real device of this kind, only ALSA's plugins (its null
	// device that discards sound and records silence, and the like).
	none bool
}

// newDeviceMenu lists the capture (or playback) devices in devs by the
// names people know them by (friendlyName). Two devices of one name (two
// identical headsets) are told apart by a number; keep, when not among
// them, is listed too so a saved choice is not silently replaced: a file
// or test device by what it is, a device now unplugged as such. With no
// real device the menu's one entry says so.
func newDeviceMenu(devs []audio.Device, capture bool, keep string) deviceMenu {
	m := deviceMenu{ids: map[string]string{}, names: map[string]string{}}
	var found []audio.Device
	for _, d := range devs {
		if d.Capture == capture && friendlyName(d.Name) != "" {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		m.none = true
		m.add(noneLabel(capture), audio.DefaultID)
	} else {
		m.add(defaultDeviceLabel(), audio.DefaultID)
	}
	for _, d := range found {
		name := friendlyName(d.Name)
		label := name
		for n := 2; m.ids[label] != ""; n++ {
			label = fmt.Sprintf("%s (%d)", name, n)
		}
		m.add(label, d.ID)
	}
	if _, ok := m.names[keep]; !ok && keep != "" {
		if l := virtualLabel(keep); l != "" {
			m.add(l, keep)
		} else if !isALSAPlugin(devs, keep) {
			m.add(tr("devices.saved_missing"), keep)
		}
	}
	return m
}

func noneLabel(capture bool) string {
	if capture {
		return noMicrophone()
	}
	return noSpeaker()
}

// isALSAPlugin tells whether id is one of devs that friendlyName hides: a
// saved choice of one is not an unplugged device, just not one to offer.
func isALSAPlugin(devs []audio.Device, id string) bool {
	for _, d := range devs {
		if d.ID == id && friendlyName(d.Name) == "" {
			return true
		}
	}
	return false
}

// friendlyName is a device's name as people know it, "" for ALSA plugins,
// which are not devices (ALSA describes them: "Discard all samples
// (playback) or generate zero samples (capture)", "Rate Converter Plugin
// Using Speex Resampler") and for ALSA's default, which "System default"
// already is.
func friendlyName(name string) string {
	name = strings.TrimSpace(name)
	lower := strings.ToLower(name)
	switch {
	case name == "":
		return tr("devices.unnamed")
	case strings.HasPrefix(lower, "discard all samples"),
		strings.HasPrefix(lower, "default"),
		strings.Contains(lower, "plugin"),
		strings.HasPrefix(lower, "open sound system"):
		return ""
	case strings.Contains(lower, "pulseaudio sound server"):
		return "PulseAudio"
	case strings.Contains(lower, "pipewire"):
		return "PipeWire"
	case strings.HasPrefix(lower, "jack audio connection kit"):
		return "JACK"
	}
	// ALSA names a card's device "Card, Device": a USB device's second
	// half says only that it is USB audio.
	return strings.TrimSuffix(name, ", USB Audio")
}

// virtualLabel names tgphone's own devices (audio's tone:, wav:, files,
// silence, null, loop:, rack:) by what they do; "" for any other id.
func virtualLabel(id string) string {
	lower := strings.ToLower(id)
	switch {
	case id == "silence":
		return tr("devices.silence")
	case id == "null":
		return tr("devices.null")
	case strings.HasPrefix(id, "tone:"):
		return tr("devices.tone", "Hz", strings.TrimPrefix(id, "tone:"))
	case strings.HasPrefix(id, "wav:"):
		return tr("devices.recording_to", "File", filepath.Base(strings.TrimPrefix(id, "wav:")))
	case strings.HasPrefix(id, "file:"):
		return tr("devices.sound_file", "File", filepath.Base(strings.TrimPrefix(id, "file:")))
	case strings.HasSuffix(lower, ".wav"):
		return tr("devices.sound_file", "File", filepath.Base(id))
	case strings.HasPrefix(id, "loop:"):
		return tr("devices.loopback")
	case strings.HasPrefix(id, "rack:"):
		return tr("devices.test_device", "Name", strings.TrimPrefix(id, "rack:"))
	}
	return ""
}

func (m *deviceMenu) add(label, id string) {
	m.labels = append(m.labels, label)
	m.ids[label] = id
	m.names[id] = label
}

// id is the device behind a label; a label that is not in the menu is taken
// as an id itself (virtual devices: tone:440, wav:out.wav).
func (m deviceMenu) id(label string) string {
	if id, ok := m.ids[label]; ok {
		return id
	}
	return label
}

// label is the menu entry of a device id; an id the menu does not list is
// shown as itself, which id maps back to.
func (m deviceMenu) label(id string) string {
	if l, ok := m.names[id]; ok {
		return l
	}
	return id
}

// selectFor is a Select over the menu that reports the chosen device.
func (m deviceMenu) selectFor(onChosen func(id, label string)) *widget.Select {
	return widget.NewSelect(m.labels, func(label string) {
		if onChosen != nil {
			onChosen(m.id(label), label)
		}
	})
}
