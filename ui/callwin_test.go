package ui

import (
	"bufio"
	"image"
	"image/color"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"github.com/godbus/dbus/v5"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestCallColoursContrast measures the call window's colours against WCAG
// 2 AA in the light and the dark theme: white labels and icons on the
// round buttons and avatars 4.5:1 (text), the buttons and stars against the
// window's background 3:1 (graphics).
func TestCallColoursContrast(t *testing.T) {
	if got := contrast(color.White, color.Black); got < 20.9 || got > 21.1 {
		t.Fatalf("white on black measures %.2f, want 21", got)
	}
	if got := contrast(color.NRGBA{0x43, 0xF4, 0x36, 0xFF}, color.White); got > 1.7 {
		t.Fatalf("Fyne's success green under white measures %.2f; the issue measured about 1.5", got)
	}
	for _, variant := range []fyne.ThemeVariant{theme.VariantLight, theme.VariantDark} {
		name := map[fyne.ThemeVariant]string{theme.VariantLight: "light", theme.VariantDark: "dark"}[variant]
		bg := theme.DefaultTheme().Color(theme.ColorNameBackground, variant)
		neutral, muted, mutedIcon, starOn, starOff, warn := neutralLight, mutedLight, color.Color(color.White), starOnLight, starOffLight, warningLight
		if variant == theme.VariantDark {
			neutral, muted, mutedIcon, starOn, starOff, warn = neutralDark, mutedDark, mutedLight, starOnDark, starOffDark, warningDark
		}
		for _, c := range []struct {
			what       string
			fill, text color.Color
		}{
			{"Accept", acceptColour, color.White},
			{"Hang up", hangupColour, color.White},
			{"Mute", neutral, color.White},
			{"Unmute (muted)", muted, mutedIcon},
		} {
			if r := contrast(c.fill, c.text); r < 4.5 {
				t.Errorf("%s: %s's icon on its fill %.2f:1, want ≥ 4.5", name, c.what, r)
			}
			if r := contrast(c.fill, bg); r < 3 {
				t.Errorf("%s: %s against the background %.2f:1, want ≥ 3", name, c.what, r)
			}
		}
		for what, c := range map[string]color.Color{"chosen star": starOn, "star": starOff, "warning icon": warn, "mic-off icon": hangupColour} {
			if r := contrast(c, bg); r < 3 {
				t.Errorf("%s: %s against the background %.2f:1, want ≥ 3", name, what, r)
			}
		}
		fg := theme.DefaultTheme().Color(theme.ColorNameForeground, variant)
		if r := contrast(fg, bg); r < 4.5 {
			t.Errorf("%s: the button labels %.2f:1", name, r)
		}
	}
	for i, c := range avatarColours {
		if r := contrast(c, color.White); r < 4.5 {
			t.Errorf("avatar colour %d (%v): white initials %.2f:1, want ≥ 4.5", i, c, r)
		}
	}
}

// TestAvatar: initials on the colour of the user id, the same for the same
// id; a photo replaces them, cut round; the mic-off badge shows on request.
func TestAvatar(t *testing.T) {
	test.NewTempApp(t)
	var u *session // no account: the initials alone
	bob := account.Contact{ID: 102, FirstName: "Bob", LastName: "Baker"}
	a := u.newAvatar(bob, 80)
	w := test.NewWindow(a)
	defer w.Close()
	w.Resize(fyne.NewSize(100, 100))
	r := test.WidgetRenderer(a).(*avatarRenderer)
	if r.text.Text != "BB" || !r.text.Visible() || r.img.Visible() {
		t.Errorf("initials %q shown %v, photo shown %v", r.text.Text, r.text.Visible(), r.img.Visible())
	}
	if r.circle.FillColor != avatarColour(102) || avatarColour(102) != avatarColour(102+int64(len(avatarColours))) {
		t.Errorf("colour %v", r.circle.FillColor)
	}
	if avatarColour(-3) == (color.NRGBA{}) {
		t.Error("a negative id has no colour")
	}
	if r.badge.Visible() {
		t.Error("mic-off badge shown unasked")
	}
	photo := image.NewNRGBA(image.Rect(0, 0, 40, 30))
	for i := range photo.Pix {
		photo.Pix[i] = 0xFF
	}
	a.SetPhoto(photo)
	a.SetMicOff(true)
	if !r.img.Visible() || r.text.Visible() || !r.badge.Visible() {
		t.Errorf("with a photo: photo %v, initials %v, badge %v", r.img.Visible(), r.text.Visible(), r.badge.Visible())
	}
	round := r.img.Image
	if b := round.Bounds(); b.Dx() != 30 || b.Dy() != 30 {
		t.Fatalf("the photo is cut to %v, want its 30×30 middle", b)
	}
	if _, _, _, a := round.At(0, 0).RGBA(); a != 0 {
		t.Error("the corner of the round photo is not transparent")
	}
	if _, _, _, a := round.At(15, 15).RGBA(); a != 0xFFFF {
		t.Error("the middle of the round photo is not opaque")
	}
}

// TestEndOfCallWords: the sentence at the end says what happened, from the
// reason and who ended it: a caller who cancels is told nothing, a busy
// answer after ringing is a decline, one without ringing another call.
func TestEndOfCallWords(t *testing.T) {
	bob := account.Contact{ID: 102, FirstName: "Bob", LastName: "Baker"}
	snap := func(st calling.State) calling.Snapshot {
		return calling.Snapshot{Outgoing: true, Peer: bob, State: st, Ending: calling.EndingOf(st, nil, true)}
	}
	for _, tt := range []struct {
		name            string
		s               calling.Snapshot
		rang, hungUp    bool
		message, status string
	}{
		{"cancelled", snap(calling.StateMissed), true, true, "", "Cancelled"},
		{"not answered", snap(calling.StateMissed), true, false, "Bob Baker did not answer.", "No answer"},
		{"declined (busy after ringing)", snap(calling.StateBusy), true, false, "Bob Baker declined the call.", "Declined"},
		{"on another call", snap(calling.StateBusy), false, false, "Bob Baker is on another call.", "Busy"},
		{"declined (hang-up reason)", snap(calling.StateDeclined), true, false, "Bob Baker declined the call.", "Declined"},
		{"ended", snap(calling.StateEnded), true, true, "", "Call ended 0:00"},
	} {
		v := &callView{rang: tt.rang, hungUpHere: tt.hungUp}
		if got := v.endMessage(tt.s); got != tt.message {
			t.Errorf("%s: message %q, want %q", tt.name, got, tt.message)
		}
		if got := v.stateLine(tt.s); got != tt.status {
			t.Errorf("%s: state %q, want %q", tt.name, got, tt.status)
		}
	}
	in := calling.Snapshot{Peer: bob, State: calling.StateDeclined, Ending: calling.EndingOf(calling.StateDeclined, nil, false)}
	if got := (&callView{hungUpHere: true}).endMessage(in); got != "You declined the call." {
		t.Errorf("incoming decline: %q", got)
	}
}

func TestPeerHandle(t *testing.T) {
	usePhones(t) // no country known: numbers as they are
	for _, tt := range []struct {
		c    account.Contact
		want string
	}{
		{account.Contact{Username: "bob", Phone: "9996620002"}, "@bob · +9996620002"},
		{account.Contact{Username: "bob"}, "@bob"},
		{account.Contact{Phone: "+15550100"}, "+15550100"},
		{account.Contact{FirstName: "Nobody"}, ""},
	} {
		if got := peerHandle(tt.c); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.c, got, tt.want)
		}
	}
}

// TestNoDevice: ALSA's null plugin is no microphone or speaker.
func TestNoDevice(t *testing.T) {
	null := []audio.Device{
		{Name: "Discard all samples (playback) or generate zero samples (capture)", Capture: true},
		{Name: "Discard all samples (playback) or generate zero samples (capture)"},
	}
	if !noDevice(null, true) || !noDevice(null, false) || !noDevice(nil, true) {
		t.Error("the null plugin counted as a device")
	}
	headset := append(null, audio.Device{Name: "USB headset", Capture: true})
	if noDevice(headset, true) || !noDevice(headset, false) {
		t.Error("a headset's microphone not counted, or counted as a speaker")
	}
	sel := deviceSelect(headset, true, "tone:440", nil)
	if sel.Selected != "tone:440" {
		t.Errorf("a virtual device in use shows %q", sel.Selected)
	}
	if sel := deviceSelect(headset, true, "", nil); sel.Selected != defaultDeviceLabel() {
		t.Errorf("the default device in use shows %q", sel.Selected)
	}
}

// TestCallPanel: a call's window shows the peer's photo from Telegram, the
// @username, the key emoji as four pictures, the devices in use; muting
// shows a clear indicator; the peer's mute shows on their avatar; the
// rating has five stars, Send only once one is chosen, Esc dismisses it.
func TestCallPanel(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", true)
	u := startApp(t, env)
	signInAlice(t, u)
	v := dialActive(t, u, "@bob")
	in := <-bob.incoming
	waitFor(t, "bob's photo", func() bool { return v.avatar.photo != nil })
	inUI(func() {
		if r := test.WidgetRenderer(v.avatar).(*avatarRenderer); !r.img.Visible() || r.text.Visible() {
			t.Error("bob's photo arrived but the initials show")
		}
	})
	inUI(func() {
		if v.handle.Text != "@bob · +9996620002" {
			t.Errorf("handle %q", v.handle.Text)
		}
		if e := in.Snapshot().Emoji; v.emoji.Text != strings.Join(e[:], " ") {
			t.Errorf("emoji %q, bob has %q", v.emoji.Text, e)
		}
		for i, p := range v.emoji.pics {
			if p.Resource == nil || v.emoji.alt[i].Text != "" {
				t.Errorf("emoji %d has no picture", i)
			}
		}
		if v.input.Selected != "tone:440" || v.output.Selected != "null" {
			t.Errorf("device menus show %q and %q, the call uses tone:440 and null", v.input.Selected, v.output.Selected)
		}
		if !v.hangup.Visible() || !v.mute.Visible() || !v.speaker.Visible() || v.accept.Visible() {
			t.Error("in-call buttons wrong")
		}
		if v.mutedNote.Visible() {
			t.Error("muted indicator before muting")
		}
		test.Tap(v.speaker)
		if !v.devices.Visible() {
			t.Error("Devices did not show the device menus")
		}
		test.Tap(v.mute)
	})
	waitFor(t, "mute shown", func() bool { return v.last.Muted && v.mute.Text == "Unmute" && v.mutedNote.Visible() })
	in.SetMuted(true)
	waitFor(t, "bob's mute on his avatar", func() bool { return v.avatar.micOff && v.remoteMic.Text == "Bob Baker's microphone is off" })
	// Ctrl+M unmutes and mutes again, whatever has the focus.
	inUI(func() { typeShortcut(t, v.w, fyne.KeyM) })
	waitFor(t, "unmuted by Ctrl+M", func() bool { return !v.last.Muted && v.mute.Text == "Mute" && !v.mutedNote.Visible() })
	inUI(func() {
		v.w.Canvas().Focus(v.input) // the microphone menu
		typeShortcut(t, v.w, fyne.KeyM)
	})
	waitFor(t, "muted by Ctrl+M", func() bool { return v.last.Muted && v.mute.Text == "Unmute" && v.mutedNote.Visible() })
	waitFor(t, "statistics", func() bool { return strings.HasPrefix(v.quality.Text, "Signal ") })
	inUI(func() { test.Tap(v.hangup) })
	waitFor(t, "the rating", func() bool { return v.rating != nil })
	inUI(func() {
		r := v.rating
		if !r.send.Disabled() {
			t.Error("Send enabled with no star")
		}
		v.w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if v.closed || r.done {
			t.Error("Enter with no star sent or closed")
		}
		test.Tap(r.stars[2])
		if r.chosen != 3 || r.send.Disabled() || !r.comment.Visible() || !r.stars[2].on || r.stars[3].on {
			t.Errorf("3 stars: chosen %d, send disabled %v, comment %v", r.chosen, r.send.Disabled(), r.comment.Visible())
		}
		v.w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.Key5})
		if r.chosen != 5 || r.comment.Visible() {
			t.Errorf("5 stars: chosen %d, comment shown %v", r.chosen, r.comment.Visible())
		}
		// In the comment box Tab moves on and Esc still dismisses.
		v.w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.Key3})
		v.w.Canvas().Focus(r.comment)
		if r.comment.AcceptsTab() {
			t.Error("the comment box keeps Tab: the keyboard cannot leave it")
		}
		r.comment.TypedKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if !r.done || !v.closed {
			t.Errorf("Esc in the comment box: dismissed %v, window closed %v", r.done, v.closed)
		}
	})
}

// TestCallButtonsByKeyboard: Tab reaches the call window's round buttons
// in the order shown (Mute, Devices, Hang up in a call; Decline, Accept
// while it rings); Space mutes and unmutes with the focus left on Mute,
// Enter shows the devices and hangs up; once the buttons go the rating
// has the keys again; Enter on a focused Decline declines (Enter with
// nothing focused accepts). Before, the keyboard could not reach them.
func TestCallButtonsByKeyboard(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", true)
	u := startApp(t, env)
	signInAlice(t, u)
	v := dialActive(t, u, "@bob")
	in := <-bob.incoming
	c := v.w.Canvas()
	inUI(func() {
		tabOrder(t, c, v.mute, v.speaker, v.hangup)
		c.Focus(v.mute)
		typeKey(c, fyne.KeySpace)
	})
	waitFor(t, "Space on Mute to mute", func() bool { return v.last.Muted && v.mute.Text == "Unmute" })
	inUI(func() {
		if c.Focused() != fyne.Focusable(v.mute) {
			t.Error("the focus left Mute once pressed")
		}
		typeKey(c, fyne.KeySpace)
	})
	waitFor(t, "Space again to unmute", func() bool { return !v.last.Muted && v.mute.Text == "Mute" })
	inUI(func() {
		c.FocusNext()
		typeKey(c, fyne.KeyReturn)
		if c.Focused() != fyne.Focusable(v.speaker) || !v.devices.Visible() {
			t.Errorf("Tab and Enter: focus on Devices %v, devices shown %v", c.Focused() == fyne.Focusable(v.speaker), v.devices.Visible())
		}
		c.Focus(v.hangup)
		typeKey(c, fyne.KeyReturn)
	})
	waitFor(t, "Enter on Hang up to hang up and ask for a rating", func() bool { return v.last.State.Terminal() && v.rating != nil })
	inUI(func() {
		if c.Focused() != nil {
			t.Errorf("the hidden Hang up kept the focus (%T): the rating's keys went to it", c.Focused())
		}
		typeKey(c, fyne.KeyEscape)
		if !v.closed {
			t.Error("Esc after hanging up from the keyboard did not dismiss the rating")
		}
	})
	waitFor(t, "the window to close", func() bool { return len(u.calls) == 0 })
	<-in.Done()

	out := bob.dial(t, "@alice")
	v = callWindow(t, u)
	waitFor(t, "the ringing window", func() bool { return v.last.State == calling.StateRinging && v.accept.Visible() })
	c = v.w.Canvas()
	inUI(func() {
		tabOrder(t, c, v.decline, v.accept)
		c.Focus(v.decline)
		typeKey(c, fyne.KeyReturn)
	})
	waitFor(t, "Enter on Decline to decline", func() bool { return out.Snapshot().State.Terminal() })
	inUI(func() {
		if !v.hungUpHere || out.Snapshot().State == calling.StateActive {
			t.Errorf("Enter on the focused Decline: declined here %v, bob's call %v", v.hungUpHere, out.Snapshot().State)
		}
	})
}

// tabOrder checks that Tab from nothing focused reaches want one after
// the other, and that every focusable Tab reaches is visible.
func tabOrder(t *testing.T, c fyne.Canvas, want ...fyne.Focusable) {
	t.Helper()
	c.Unfocus()
	var seen []fyne.Focusable
	for range 20 {
		c.FocusNext()
		f := c.Focused()
		if f == nil || (len(seen) > 0 && f == seen[0]) {
			break
		}
		if !f.(fyne.CanvasObject).Visible() {
			t.Errorf("Tab reached a hidden %T", f)
		}
		seen = append(seen, f)
	}
	at := slices.Index(seen, want[0])
	if at < 0 || at+len(want) > len(seen) || !slices.Equal(seen[at:at+len(want)], want) {
		t.Errorf("Tab order %v, want %v one after the other", names(seen), names(want))
	}
	c.Unfocus()
}

// TestIncomingNotification: an incoming call puts up a desktop notification
// with Accept and Decline over D-Bus; Accept there answers the call and
// the notification goes once the call no longer rings.
func TestIncomingNotification(t *testing.T) {
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		t.Skip("no dbus-daemon to run a session bus")
	}
	addr := startBus(t, daemon)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	server := newFakeNotifications(t, addr)

	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", false)
	u := startApp(t, env)
	signInAlice(t, u)
	out := bob.dial(t, "@alice")
	v := callWindow(t, u)
	waitFor(t, "the notification", func() bool { return server.count() == 1 && v.notification != 0 })
	n := server.first()
	if !strings.Contains(n.body, "Bob Baker") || strings.Join(n.actions, ",") != "accept,Accept,decline,Decline,default,Show" {
		t.Errorf("notification %q, actions %q", n.body, n.actions)
	}
	if err := server.conn.Emit(notifyPath, notifyIface+".ActionInvoked", n.id, "accept"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the call answered from the notification", func() bool { return v.last.State == calling.StateActive })
	waitFor(t, "the notification closed", func() bool { return server.wasClosed(n.id) && v.notification == 0 })
	out.Hangup()
	waitFor(t, "the end", func() bool { return v.last.State.Terminal() })
}

// startBus runs a private session bus for the test and returns its address.
func startBus(t *testing.T, daemon string) string {
	sock := filepath.Join(t.TempDir(), "bus")
	cmd := exec.Command(daemon, "--session", "--nofork", "--print-address", "--address=unix:path="+sock)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon: %v", err)
	}
	return strings.TrimSpace(line)
}

type sentNotification struct {
	id      uint32
	body    string
	actions []string
}

// fakeNotifications is a notification server on the test's bus.
type fakeNotifications struct {
	conn   *dbus.Conn
	mu     sync.Mutex
	sent   []sentNotification
	closed map[uint32]bool
}

func newFakeNotifications(t *testing.T, addr string) *fakeNotifications {
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	f := &fakeNotifications{conn: conn, closed: map[uint32]bool{}}
	if err := conn.Export(f, notifyPath, notifyIface); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(notifyName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", notifyName, reply, err)
	}
	return f
}

func (f *fakeNotifications) GetCapabilities() ([]string, *dbus.Error) {
	return []string{"actions", "body"}, nil
}

func (f *fakeNotifications) Notify(app string, replaces uint32, icon, summary, body string, actions []string,
	hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := uint32(len(f.sent) + 1)
	f.sent = append(f.sent, sentNotification{id: id, body: body, actions: actions})
	return id, nil
}

func (f *fakeNotifications) CloseNotification(id uint32) *dbus.Error {
	f.mu.Lock()
	f.closed[id] = true
	f.mu.Unlock()
	return nil
}

func (f *fakeNotifications) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

func (f *fakeNotifications) first() sentNotification {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sent[0]
}

func (f *fakeNotifications) wasClosed(id uint32) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed[id]
}

// TestMissingDevicesSaid: on the system's default devices, a computer with
// no microphone or speaker (only ALSA's null plugin) is told so in the
// call window before the call's audio opens; chosen devices are left to
// the audio session's own reports.
func TestMissingDevicesSaid(t *testing.T) {
	null := []audio.Device{
		{Name: "Discard all samples (playback) or generate zero samples (capture)", Capture: true},
		{Name: "Discard all samples (playback) or generate zero samples (capture)"},
	}
	headset := append(slices.Clone(null), audio.Device{Name: "Headset", Capture: true}, audio.Device{Name: "Headset"})
	old := listDevices
	t.Cleanup(func() { listDevices = old })
	for _, tt := range []struct {
		in, out string
		devs    []audio.Device
		want    string
	}{
		{"default", "default", null, "No microphone or speaker found."},
		{"", "default", []audio.Device{{Name: "Speakers"}}, "No microphone found."},
		{"default", "", []audio.Device{{Name: "Headset", Capture: true}}, "No speaker found."},
		{"default", "default", headset, ""},
		{"tone:440", "null", nil, ""},
		{"default", "null", nil, "No microphone found."},
	} {
		listDevices = func() ([]audio.Device, error) { return tt.devs, nil }
		v := &callView{u: &session{UI: &UI{opts: Options{Audio: &audio.Config{Input: tt.in, Output: tt.out}}}}}
		if got := v.missingDevices(); got != tt.want {
			t.Errorf("%q/%q with %d devices: %q, want %q", tt.in, tt.out, len(tt.devs), got, tt.want)
		}
	}
}
