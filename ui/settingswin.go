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
	lang                *widget.Select // "" (the system's) first, then languages in order
	meter               *levelMeter
	test                *enterButton
	message             *wrapLabel
	tray                *wrapLabel // why there is no tray icon, when there is none
	saveBtn             *primaryButton
	cancel              *escButton
	inMenu, outMenu     deviceMenu
	ringMenu            deviceMenu
}

// settingsDevices lists the sound devices for the menus; tests give their own.
var settingsDevices = audio.ListDevices

// languageChoices are the language menu's entries: the system's language
// (what an empty Settings.Language follows), then each catalogue language
// named in itself.
func languageChoices() []string {
	system := chooseLanguage("")
	out := []string{""}
	for _, l := range languages {
		if l.Code == system {
			out[0] = tr("settings.language_system", "Name", l.Name)
		}
		out = append(out, l.Name)
	}
	return out
}

// p2pChoices are the peer-to-peer radio's labels, in p2pValues' order.
func p2pChoices() []string {
	return []string{tr("settings.p2p_everyone"), tr("settings.p2p_contacts"), tr("settings.p2p_nobody")}
}

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
	v := &settingsView{u: u, w: u.app.NewWindow(tr("settings.title"))}
	u.settingsWin = v
	v.w.SetOnClosed(func() {
		if u.settingsWin == v {
			u.settingsWin = nil
		}
		letGo(v.w)
	})
	v.message = newWrapLabel("")
	v.message.Hide()
	devs, err := settingsDevices()
	if err != nil {
		u.log.Warn("list sound devices", "err", err)
		v.say(tr("settings.no_device_list"))
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
		missing = append(missing, tr("settings.no_mic_hint"))
	}
	if v.outMenu.none {
		missing = append(missing, tr("settings.no_speaker_hint"))
	}
	if len(missing) > 0 {
		v.say(strings.Join(missing, "\n"))
	}
	v.aec = newCheck(tr("settings.aec"), nil)
	v.aec.SetChecked(s.EchoCancel)
	v.ns = newCheck(tr("settings.ns"), nil)
	v.ns.SetChecked(s.NoiseSuppress)
	v.agc = newCheck(tr("settings.agc"), nil)
	v.agc.SetChecked(s.AutoGain)
	v.dnd = newCheck(tr("settings.dnd"), nil)
	v.dnd.SetChecked(s.DoNotDisturb)
	v.ptt = newCheck(tr("settings.ptt"), nil)
	v.ptt.SetChecked(s.PushToTalk)
	v.p2p = widget.NewRadioGroup(p2pChoices(), nil)
	for i, p := range p2pValues {
		if p == s.P2P {
			v.p2p.SetSelected(v.p2p.Options[i])
		}
	}
	v.lang = widget.NewSelect(languageChoices(), nil)
	v.lang.SetSelectedIndex(0)
	for i, l := range languages {
		if l.Code == s.Language {
			v.lang.SetSelectedIndex(i + 1)
		}
	}
	v.meter = newLevelMeter("")
	v.test = newButton(tr("settings.test_mic"), v.micTest)
	v.saveBtn = newPrimaryButton(tr("settings.save"), v.save)
	v.cancel = newEscButtonWithIcon(tr("common.cancel"), nil, v.w.Close)
	v.tray = newWrapLabel("")
	v.tray.Hide()
	if u.trayIssue != "" {
		setText(v.tray, trayHint(u.trayIssue))
		v.tray.Show()
	}

	v.tabs = container.NewAppTabs(
		newTabItem(tr("settings.audio"), container.NewVBox(
			widget.NewForm(
				newFormItem(tr("common.microphone"), v.input),
				newFormItem(tr("common.speaker"), v.output),
				newFormItem(tr("settings.ringtone_on"), v.ring),
			),
			container.NewBorder(nil, nil, v.test, nil, v.meter),
			heading(tr("settings.voice_processing")), v.aec, v.ns, v.agc,
		)),
		newTabItem(tr("settings.calls"), container.NewVBox(
			heading(tr("common.microphone")), v.ptt,
			heading(tr("settings.incoming_calls")), v.dnd,
		)),
		newTabItem(tr("settings.privacy"), container.NewVBox(
			heading(tr("settings.p2p_heading")),
			wrapped(tr("settings.p2p_explain")),
			v.p2p,
		)),
		newTabItem(tr("settings.account"), v.accountSection()),
		newTabItem(tr("settings.language"), container.NewVBox(v.lang, wrapped(tr("settings.language_note")))),
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

// accountSection names each signed-in account, each with its own Sign out.
func (v *settingsView) accountSection() fyne.CanvasObject {
	u := v.u
	signed := u.signedInAccounts()
	if len(signed) == 0 {
		return container.NewVBox(wrapped(tr("settings.not_signed_in")))
	}
	box := container.NewVBox()
	for _, s := range signed {
		c := account.ContactFromUser(s.me)
		who := nameOf(c)
		if c.Phone != "" {
			who += " (" + formatPhone(c.Phone) + ")"
		}
		out := newButton(tr("settings.sign_out_button"), func() {
			v.w.Close()
			u.show(s)
			u.main.RequestFocus()
			s.askSignOut()
		})
		box.Add(wrapped(tr("settings.signed_in_as", "Service", u.serviceName(), "Who", who)))
		box.Add(container.NewHBox(out))
	}
	return box
}

func heading(text string) *widget.Label {
	return newLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
}

func wrapped(text string) *wrapLabel { return newWrapLabel(text) }

// say shows msg under the sections ("" hides the line).
func (v *settingsView) say(msg string) {
	setText(v.message, msg)
	v.message.Hidden = msg == ""
	v.message.Refresh()
}

// save applies the settings to the next call, stores them and closes.
func (v *settingsView) save() {
	s := v.u.currentSettings()
	s.Input, s.Output, s.Ring = v.inMenu.id(v.input.Selected), v.outMenu.id(v.output.Selected), v.ringMenu.id(v.ring.Selected)
	s.EchoCancel, s.NoiseSuppress, s.AutoGain, s.DoNotDisturb = v.aec.Checked, v.ns.Checked, v.agc.Checked, v.dnd.Checked
	s.PushToTalk = v.ptt.Checked
	s.Language = ""
	if i := v.lang.SelectedIndex(); i > 0 {
		s.Language = languages[i-1].Code
	}
	useLanguage(chooseLanguage(s.Language))
	for i, c := range v.p2p.Options {
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
		v.say(tr("settings.save_failed"))
		return
	}
	v.w.Close()
}

// micTest shows the chosen microphone's level for five seconds.
func (v *settingsView) micTest() {
	in, name := v.inMenu.id(v.input.Selected), v.input.Selected
	if v.inMenu.none && in == audio.DefaultID {
		v.say(tr("settings.nothing_to_test"))
		return
	}
	v.test.Disable()
	go func() {
		s, err := audio.Open(audio.Config{Input: in, Output: "null", Ring: "null"}, v.u.log.With("component", "mic-test"))
		if err != nil {
			v.u.log.Warn("microphone test", "device", name, "err", err)
			v.u.do(func() {
				v.say(tr("settings.cannot_open_mic", "Name", name))
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
