package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
)

// settingsView edits Settings in sections (Audio, Calls, Privacy,
// Account); Save applies and stores them, Cancel (Esc, Ctrl+W, closing the
// window) leaves them as they were.
type settingsView struct {
	u                   *UI
	w                   fyne.Window
	tabs                *container.AppTabs
	input, output, ring *widget.Select
	aec, ns, agc, dnd   *widget.Check
	ptt                 *widget.Check
	p2p                 *widget.RadioGroup
	meter               *levelMeter
	test                *widget.Button
	message             *widget.Label
	tray                *widget.Label // why there is no tray icon, when there is none
	saveBtn, cancel     *widget.Button
	inMenu, outMenu     deviceMenu
	ringMenu            deviceMenu
}

// settingsDevices lists the sound devices for the menus; tests give their own.
var settingsDevices = audio.ListDevices

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
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord
	v.message.Hide()
	devs, err := settingsDevices()
	if err != nil {
		u.log.Warn("list sound devices", "err", err)
		v.say("tgphone cannot list the sound devices; calls use the system's default ones.")
	}
	v.inMenu = newDeviceMenu(devs, true, s.Input)
	v.outMenu = newDeviceMenu(devs, false, s.Output)
	v.ringMenu = newDeviceMenu(devs, false, s.Ring)
	v.input = v.inMenu.selectFor(nil)
	v.input.SetSelected(v.inMenu.label(s.Input))
	v.output = v.outMenu.selectFor(nil)
	v.output.SetSelected(v.outMenu.label(s.Output))
	v.ring = v.ringMenu.selectFor(nil)
	v.ring.SetSelected(v.ringMenu.label(s.Ring))
	missing := []string{}
	if v.inMenu.none {
		missing = append(missing, noMicrophone+": plug one in, then open Settings again. Until then the other person hears silence.")
	}
	if v.outMenu.none {
		missing = append(missing, noSpeaker+": plug in speakers or a headset, then open Settings again.")
	}
	if len(missing) > 0 {
		v.say(strings.Join(missing, "\n"))
	}
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
	v.saveBtn = widget.NewButton("Save", v.save)
	v.saveBtn.Importance = widget.HighImportance
	v.cancel = widget.NewButton("Cancel", v.w.Close)
	v.tray = widget.NewLabel("")
	v.tray.Wrapping = fyne.TextWrapWord
	v.tray.Hide()
	if u.trayIssue != "" {
		v.tray.SetText(trayHint(u.trayIssue))
		v.tray.Show()
	}

	v.tabs = container.NewAppTabs(
		container.NewTabItem("Audio", container.NewVBox(
			widget.NewForm(
				widget.NewFormItem("Microphone", v.input),
				widget.NewFormItem("Speaker", v.output),
				widget.NewFormItem("Ringtone on", v.ring),
			),
			container.NewBorder(nil, nil, v.test, nil, v.meter),
			heading("Voice processing"), v.aec, v.ns, v.agc,
		)),
		container.NewTabItem("Calls", container.NewVBox(
			heading("Microphone"), v.ptt,
			heading("Incoming calls"), v.dnd,
		)),
		container.NewTabItem("Privacy", container.NewVBox(
			heading("Peer-to-peer calls"),
			wrapped("A direct connection is faster, but the other person's app sees your IP address. Allow it with:"),
			v.p2p,
		)),
		container.NewTabItem("Account", v.accountSection()),
	)
	buttons := container.NewHBox(layout.NewSpacer(), v.cancel, v.saveBtn)
	v.w.SetContent(container.NewBorder(nil, container.NewPadded(container.NewVBox(v.message, v.tray, buttons)), nil, nil,
		container.NewPadded(v.tabs)))
	v.w.Resize(fyne.NewSize(460, 520))
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

// accountSection names the signed-in account and offers to sign out.
func (v *settingsView) accountSection() fyne.CanvasObject {
	u := v.u
	if u.me == nil {
		return container.NewVBox(wrapped("Not signed in."))
	}
	c := account.ContactFromUser(u.me)
	who := c.Name()
	if c.Phone != "" {
		who += " (+" + strings.TrimPrefix(c.Phone, "+") + ")"
	}
	out := widget.NewButton("Sign out…", func() {
		v.w.Close()
		u.main.RequestFocus()
		u.askSignOut()
	})
	return container.NewVBox(wrapped("Signed in to "+u.serviceName()+" as "+who+"."), container.NewHBox(out))
}

func heading(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// say shows msg under the sections ("" hides the line).
func (v *settingsView) say(msg string) {
	v.message.SetText(msg)
	v.message.Hidden = msg == ""
	v.message.Refresh()
}

// save applies the settings to the next call, stores them and closes.
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
	v.u.applyCallSettings(s, true)
	if err := s.Save(v.u.settingsPath); err != nil {
		v.u.log.Error("save settings", "err", err)
		v.say("tgphone could not save the settings, so they apply only until it quits. The log says why.")
		return
	}
	v.w.Close()
}

// micTest shows the chosen microphone's level for five seconds.
func (v *settingsView) micTest() {
	in, name := v.inMenu.id(v.input.Selected), v.input.Selected
	if v.inMenu.none && in == audio.DefaultID {
		v.say(noMicrophone + ", so there is nothing to test. Plug one in, then open Settings again.")
		return
	}
	v.test.Disable()
	go func() {
		s, err := audio.Open(audio.Config{Input: in, Output: "null", Ring: "null"}, v.u.log.With("component", "mic-test"))
		if err != nil {
			v.u.log.Warn("microphone test", "device", name, "err", err)
			v.u.do(func() {
				v.say("tgphone cannot open " + name + ". Choose another microphone, or check that no other program holds it.")
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
