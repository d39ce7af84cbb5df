package ui

import (
	"context"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// alsaNull is what ALSA lists on a computer without a sound card.
var alsaNull = []audio.Device{
	{ID: "6e756c6c", Name: "Discard all samples (playback) or generate zero samples (capture)", Capture: true},
	{ID: "6e756c6c", Name: "Discard all samples (playback) or generate zero samples (capture)"},
}

// withDevices makes the Settings window list devs.
func withDevices(t *testing.T, devs []audio.Device) {
	old := settingsDevices
	settingsDevices = func() ([]audio.Device, error) { return devs, nil }
	t.Cleanup(func() { settingsDevices = old })
}

// TestSettingsSectionsAndCancel: Settings is in sections; Cancel, Esc and
// Ctrl+W close it and change nothing, Save keeps what was chosen.
func TestSettingsSectionsAndCancel(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	u := startAppOn(t, test.NewTempApp(t), env, "alice", audio.Config{Input: "silence", Output: "null", Ring: "null"})
	waitFor(t, "signed in", func() bool { return u.me != nil && u.contacts != nil })
	before := u.currentSettings()
	closes := map[string]func(v *settingsView){
		"Cancel": func(v *settingsView) { test.Tap(v.cancel) },
		"Esc":    func(v *settingsView) { v.w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape}) },
		// The window's Enter saves; Enter on the focused Cancel cancels.
		"Enter on Cancel": func(v *settingsView) { v.w.Canvas().Focus(v.cancel); typeKey(v.w.Canvas(), fyne.KeyReturn) },
		"Ctrl+W": func(v *settingsView) {
			canvasShortcut(t, v.w, &desktop.CustomShortcut{KeyName: fyne.KeyW, Modifier: fyne.KeyModifierShortcutDefault})
		},
	}
	for name, close := range closes {
		inUI(func() {
			v := u.openSettings()
			var tabs []string
			for _, it := range v.tabs.Items {
				tabs = append(tabs, it.Text)
			}
			if want := []string{"Audio", "Calls", "Privacy", "Account", "Language"}; !slices.Equal(tabs, want) {
				t.Errorf("sections %q, want %q", tabs, want)
			}
			v.dnd.SetChecked(!before.DoNotDisturb)
			v.p2p.SetSelected(p2pChoices()[2])
			close(v)
			if u.settingsWin != nil {
				t.Errorf("%s left Settings open", name)
			}
			if got := u.currentSettings(); got != before {
				t.Errorf("%s changed the settings: %+v", name, got)
			}
		})
	}
	inUI(func() {
		v := u.openSettings()
		v.dnd.SetChecked(true)
		test.Tap(v.saveBtn)
		if u.settingsWin != nil || !u.currentSettings().DoNotDisturb {
			t.Errorf("Save: open %v, %+v", u.settingsWin != nil, u.currentSettings())
		}
		v = u.openSettings()
		v.dnd.SetChecked(false)
		v.w.Canvas().Focus(v.saveBtn)
		typeKey(v.w.Canvas(), fyne.KeyEnter) // the keypad's
		if u.settingsWin != nil || u.currentSettings().DoNotDisturb {
			t.Errorf("keypad Enter on Save: open %v, %+v", u.settingsWin != nil, u.currentSettings())
		}
		v = u.openSettings()
		v.dnd.SetChecked(true)
		typeKey(v.w.Canvas(), fyne.KeyReturn) // nothing focused: the window's Enter
		v = u.openSettings()
		if !v.dnd.Checked {
			t.Error("reopened Settings does not show the saved choice")
		}
		v.tabs.SelectIndex(3)
		if !strings.Contains(labelsIn(v.w), "Signed in to the sandbox as Alice Archer (+9996620001).") {
			t.Errorf("the Account section does not name the account: %q", labelsIn(v.w))
		}
		v.w.Close()
	})
}

// canvasShortcut hands s to w's canvas, as the desktop driver does with a
// shortcut no focused widget takes. The test driver's canvas wraps one that
// keeps the shortcuts (software.canvas, with fyne.ShortcutHandler) without
// passing TypedShortcut on, so the wrapped one is asked.
func canvasShortcut(t *testing.T, w fyne.Window, s fyne.Shortcut) {
	t.Helper()
	type handler interface{ TypedShortcut(fyne.Shortcut) }
	if h, ok := w.Canvas().(handler); ok {
		h.TypedShortcut(s)
		return
	}
	v := reflect.ValueOf(w.Canvas())
	if v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Struct && v.Elem().NumField() > 0 {
		if h, ok := v.Elem().Field(0).Interface().(handler); ok {
			h.TypedShortcut(s)
			return
		}
	}
	t.Fatalf("%T takes no shortcuts", w.Canvas())
}

// labelsIn is every label's text in w's content (all sections), joined.
func labelsIn(w fyne.Window) string {
	var texts []string
	for _, o := range test.LaidOutObjects(w.Content()) {
		switch l := o.(type) {
		case *widget.Label:
			texts = append(texts, l.Text)
		case *wrapLabel:
			texts = append(texts, l.Text)
		}
	}
	return strings.Join(texts, "\n")
}

// TestSettingsNoSoundDevice: on a computer without a sound card (ALSA
// lists only its null plugin) Settings says "No microphone found" and "No
// speaker found" instead of ALSA's description of the null plugin, and
// Test microphone says there is nothing to test.
func TestSettingsNoSoundDevice(t *testing.T) {
	withDevices(t, alsaNull)
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	inUI(func() {
		v := u.openSettings()
		defer v.w.Close()
		if !slices.Equal(v.input.Options, []string{noMicrophone()}) || v.input.Selected != noMicrophone() {
			t.Errorf("microphones %q, selected %q", v.input.Options, v.input.Selected)
		}
		if !slices.Equal(v.output.Options, []string{noSpeaker()}) || !slices.Equal(v.ring.Options, []string{noSpeaker()}) {
			t.Errorf("speakers %q, ringtone %q", v.output.Options, v.ring.Options)
		}
		if !v.message.Visible() || !strings.Contains(v.message.Text, noMicrophone()) || !strings.Contains(v.message.Text, noSpeaker()) {
			t.Errorf("message %q (shown %v)", v.message.Text, v.message.Visible())
		}
		test.Tap(v.test)
		if !strings.Contains(v.message.Text, "nothing to test") || v.test.Disabled() {
			t.Errorf("Test microphone without one: %q, button disabled %v", v.message.Text, v.test.Disabled())
		}
		if s := strings.Join(append(v.input.Options, v.output.Options...), " "); strings.Contains(s, "Discard") {
			t.Errorf("ALSA's words in the menus: %q", s)
		}
	})
}

// TestSettingsDeviceNames: menus name devices as people know them, and
// file or test devices that work are named for what they are, not "Saved
// device (not connected)".
func TestSettingsDeviceNames(t *testing.T) {
	withDevices(t, append([]audio.Device{
		{ID: "p1", Name: "Playback/recording through the PulseAudio sound server", Capture: true},
		{ID: "p1", Name: "Playback/recording through the PulseAudio sound server"},
		{ID: "h1", Name: "Jabra Link 380, USB Audio", Capture: true},
		{ID: "r1", Name: "Rate Converter Plugin Using Speex Resampler"},
		{ID: "d1", Name: "Default ALSA Output (currently PulseAudio Sound Server)"},
	}, alsaNull...))
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	dir := t.TempDir()
	u.mu.Lock()
	u.settings.Input, u.settings.Output, u.settings.Ring = "tone:440", "wav:"+dir+"/heard.wav", "null"
	u.mu.Unlock()
	inUI(func() {
		v := u.openSettings()
		if want := []string{defaultDeviceLabel(), "PulseAudio", "Jabra Link 380", "Test tone 440 Hz"}; !slices.Equal(v.input.Options, want) {
			t.Errorf("microphones %q, want %q", v.input.Options, want)
		}
		if want := []string{defaultDeviceLabel(), "PulseAudio", "Recording to heard.wav"}; !slices.Equal(v.output.Options, want) {
			t.Errorf("speakers %q, want %q", v.output.Options, want)
		}
		if v.input.Selected != "Test tone 440 Hz" || v.output.Selected != "Recording to heard.wav" || v.ring.Selected != "No sound (discarded)" {
			t.Errorf("selected %q, %q, %q", v.input.Selected, v.output.Selected, v.ring.Selected)
		}
		v.save()
	})
	if s := u.currentSettings(); s.Input != "tone:440" || s.Output != "wav:"+dir+"/heard.wav" || s.Ring != "null" {
		t.Errorf("saving changed the devices: %+v", s)
	}
}

// TestTrayProblemShown: without a D-Bus session there is no tray icon;
// the app finds that out and Settings says so.
func TestTrayProblemShown(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+t.TempDir()+"/no-bus")
	if p := trayProblem(context.Background()); p != "there is no D-Bus session" {
		t.Errorf("trayProblem without a bus: %q", p)
	}
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	inUI(func() {
		v := u.openSettings()
		if v.tray.Visible() {
			t.Errorf("a tray hint with no problem known: %q", v.tray.Text)
		}
		v.w.Close()
		u.trayIssue = "there is no D-Bus session"
		v = u.openSettings()
		if !v.tray.Visible() || !strings.HasPrefix(v.tray.Text, "No tray icon: there is no D-Bus session.") {
			t.Errorf("tray hint %q (shown %v)", v.tray.Text, v.tray.Visible())
		}
	})
}

// TestUnreadableSettingsSaid: a corrupt settings file is told to the user
// as a sentence (not the JSON decoder's words), and the log gets the reason.
func TestUnreadableSettingsSaid(t *testing.T) {
	path := t.TempDir() + "/settings.json"
	if err := writeFile(path, "{not json"); err != nil {
		t.Fatal(err)
	}
	_, err := LoadSettings(path)
	if err == nil || err.Error() != "Your settings could not be read, so tgphone uses its defaults. The old file is kept as settings.json.bad." {
		t.Fatalf("shown: %v", err)
	}
	var log strings.Builder
	slog.New(slog.NewTextHandler(&log, nil)).Warn("settings", "err", err)
	if !strings.Contains(log.String(), "invalid character") {
		t.Errorf("the log lacks the reason: %s", log.String())
	}
}
