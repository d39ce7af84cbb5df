package ui

import (
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/audio"
)

// settingsView edits Settings: devices with a microphone test, audio
// processing, peer-to-peer policy and do-not-disturb.
type settingsView struct {
	u                   *UI
	w                   fyne.Window
	input, output, ring *widget.Select
	aec, ns, agc, dnd   *widget.Check
	ptt                 *widget.Check
	p2p                 *widget.RadioGroup
	meter               *levelMeter
	test                *widget.Button
	message             *widget.Label
	inMenu, outMenu     deviceMenu
	ringMenu            deviceMenu
}

var p2pChoices = []string{"Everyone", "My contacts", "Nobody (always relay)"}
var p2pValues = []string{"everyone", "contacts", "nobody"}

func (u *UI) showSettings() { u.openSettings() }

// openSettings shows the settings window with the saved choices, or
// brings the open one to the front: two would undo each other's Save.
func (u *UI) openSettings() *settingsView {
	if v := u.settingsWin; v != nil {
		v.w.Show()
		v.w.RequestFocus()
		return v
	}
	s := u.currentSettings()
	v := &settingsView{u: u, w: u.app.NewWindow("tgphone settings")}
	u.settingsWin = v
	v.w.SetOnClosed(func() {
		if u.settingsWin == v {
			u.settingsWin = nil
		}
	})
	devs, err := audio.ListDevices()
	v.inMenu = newDeviceMenu(devs, true, s.Input)
	v.outMenu = newDeviceMenu(devs, false, s.Output)
	v.ringMenu = newDeviceMenu(devs, false, s.Ring)
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord
	if err != nil {
		v.message.SetText("Cannot list sound devices: " + err.Error())
	}
	v.input = v.inMenu.selectFor(nil)
	v.input.SetSelected(v.inMenu.label(s.Input))
	v.output = v.outMenu.selectFor(nil)
	v.output.SetSelected(v.outMenu.label(s.Output))
	v.ring = v.ringMenu.selectFor(nil)
	v.ring.SetSelected(v.ringMenu.label(s.Ring))
	v.aec = widget.NewCheck("Echo cancellation", nil)
	v.aec.SetChecked(s.EchoCancel)
	v.ns = widget.NewCheck("Noise suppression", nil)
	v.ns.SetChecked(s.NoiseSuppress)
	v.agc = widget.NewCheck("Automatic gain", nil)
	v.agc.SetChecked(s.AutoGain)
	v.dnd = widget.NewCheck("Do not ring on this computer", nil)
	v.dnd.SetChecked(s.DoNotDisturb)
	v.ptt = widget.NewCheck("Push to talk: the microphone is on only while Space is held", nil)
	v.ptt.SetChecked(s.PushToTalk)
	v.p2p = widget.NewRadioGroup(p2pChoices, nil)
	for i, p := range p2pValues {
		if p == s.P2P {
			v.p2p.SetSelected(p2pChoices[i])
		}
	}
	v.meter = newLevelMeter("")
	v.test = widget.NewButton("Test microphone", v.micTest)
	save := widget.NewButton("Save", v.save)
	save.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem("Microphone", v.input),
		widget.NewFormItem("Speaker", v.output),
		widget.NewFormItem("Ringtone on", v.ring),
	)
	v.w.SetContent(container.NewPadded(container.NewVBox(
		form, container.NewBorder(nil, nil, v.test, nil, v.meter),
		v.aec, v.ns, v.agc, v.ptt,
		widget.NewLabel("Peer-to-peer calls with (others see your IP address):"), v.p2p,
		v.dnd, v.message, save,
	)))
	v.w.Resize(fyne.NewSize(440, 600))
	// Esc and Ctrl+W close without saving, Enter saves.
	v.w.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch k.Name {
		case fyne.KeyEscape:
			v.w.Close()
		case fyne.KeyReturn, fyne.KeyEnter:
			v.save()
		}
	})
	v.w.Canvas().AddShortcut(&desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault},
		func(fyne.Shortcut) { v.w.Close() })
	v.w.Show()
	return v
}

// save applies the settings to the next call and stores them.
func (v *settingsView) save() {
	s := v.u.currentSettings()
	s.Input, s.Output, s.Ring = v.inMenu.id(v.input.Selected), v.outMenu.id(v.output.Selected), v.ringMenu.id(v.ring.Selected)
	s.EchoCancel, s.NoiseSuppress, s.AutoGain, s.DoNotDisturb = v.aec.Checked, v.ns.Checked, v.agc.Checked, v.dnd.Checked
	s.PushToTalk = v.ptt.Checked
	for i, c := range p2pChoices {
		if c == v.p2p.Selected {
			s.P2P = p2pValues[i]
		}
	}
	v.u.mu.Lock()
	v.u.settings = s
	v.u.mu.Unlock()
	if err := s.Save(v.u.settingsPath); err != nil {
		v.message.SetText(err.Error())
		return
	}
	v.u.applyCallSettings(s, true)
	v.w.Close()
}

// micTest shows the chosen microphone's level for five seconds.
func (v *settingsView) micTest() {
	v.test.Disable()
	in, name := v.inMenu.id(v.input.Selected), v.input.Selected
	go func() {
		s, err := audio.Open(audio.Config{Input: in, Output: "null", Ring: "null"}, v.u.log.With("component", "mic-test"))
		if err != nil {
			v.u.do(func() {
				v.message.SetText(fmt.Sprintf("Cannot open %s: %v", name, err))
				v.test.Enable()
			})
			return
		}
		defer s.Close()
		end := time.Now().Add(5 * time.Second)
		for time.Now().Before(end) {
			time.Sleep(100 * time.Millisecond)
			l := s.Levels()
			v.u.do(func() { v.meter.SetValue(levelFraction(l.Mic.RMSDBFS)) })
		}
		v.u.do(func() {
			v.meter.SetValue(0)
			v.test.Enable()
		})
	}()
}
