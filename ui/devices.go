package ui

import (
	"fmt"

	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/audio"
)

// defaultDeviceLabel names the "default" device id in the menus.
const defaultDeviceLabel = "System default"

// deviceMenu lists one kind of sound device for a Select: people choose by
// name, settings and sessions keep miniaudio's id (hex bytes, unreadable).
type deviceMenu struct {
	labels []string
	ids    map[string]string // label → id
	names  map[string]string // id → label
}

// newDeviceMenu lists the capture (or playback) devices in devs. Two
// devices of one name (two identical headsets) are told apart by a number;
// keep, when not among them, is listed too so a saved choice of a device
// now unplugged is not silently replaced.
func newDeviceMenu(devs []audio.Device, capture bool, keep string) deviceMenu {
	m := deviceMenu{ids: map[string]string{}, names: map[string]string{}}
	m.add(defaultDeviceLabel, audio.DefaultID)
	for _, d := range devs {
		if d.Capture != capture {
			continue
		}
		name := d.Name
		if name == "" {
			name = "Unnamed device"
		}
		label := name
		for n := 2; m.ids[label] != ""; n++ {
			label = fmt.Sprintf("%s (%d)", name, n)
		}
		m.add(label, d.ID)
	}
	if _, ok := m.names[keep]; !ok && keep != "" {
		m.add("Saved device (not connected)", keep)
	}
	return m
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

// label is the menu entry of a device id.
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
