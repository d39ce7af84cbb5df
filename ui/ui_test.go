package ui

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/internal/tone"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// inUI runs f as the app's own goroutine would.
func inUI(f func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	f()
}

// waitFor polls cond (under the UI lock) until it holds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var ok bool
		inUI(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// peer is a headless tgphone on the same sandbox.
type peer struct {
	c        *sandboxtest.Client
	m        *calling.Manager
	incoming chan *calling.Call
}

func newPeer(t *testing.T, env *sandboxtest.Env, user string, answer bool) *peer {
	c := env.SignIn(t, user)
	engines, versions, err := calling.DefaultEngines("")
	if err != nil {
		t.Fatal(err)
	}
	p := &peer{c: c, incoming: make(chan *calling.Call, 4)}
	p.m = calling.NewManager(calling.Config{API: c.API(), SelfID: c.Self.ID, Engines: engines, Versions: versions,
		OpenAudio: calling.AudioOpener(audio.Config{Input: "tone:660", Output: "null", Ring: "null"}, env.Logger),
		OnIncoming: func(call *calling.Call) {
			if answer {
				call.Answer()
			}
			p.incoming <- call
		},
		Logger: env.Logger})
	p.m.Attach(c.Client)
	if err := p.m.LoadConfig(c.Ctx); err != nil {
		t.Fatal(err)
	}
	return p
}

// dial places a call from the headless peer.
func (p *peer) dial(t *testing.T, to string) *calling.Call {
	t.Helper()
	c, err := p.c.Resolve(p.c.Ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	call, err := p.m.Dial(c)
	if err != nil {
		t.Fatal(err)
	}
	return call
}

func startApp(t *testing.T, env *sandboxtest.Env) *UI {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return startAppOn(t, test.NewTempApp(t), env, "", audio.Config{Input: "tone:440", Output: "null", Ring: "null"})
}

// startAppOn opens a tgphone on app a; auto, if set, signs that demo user in.
func startAppOn(t *testing.T, a fyne.App, env *sandboxtest.Env, auto string, au audio.Config) *UI {
	return startAppAt(t, a, env, env.Info.MTProto, auto, au)
}

// startAppAt is startAppOn with the sandbox reached at addr.
func startAppAt(t *testing.T, a fyne.App, env *sandboxtest.Env, addr, auto string, au audio.Config) *UI {
	phone, _ := sandbox.DemoPhone("alice")
	opts := Options{
		Sandbox:   &account.Sandbox{Addr: addr, DC: env.Info.DC, PublicKeyPEM: env.Info.PublicKey},
		ConfigDir: t.TempDir(), DemoUsers: []DemoUser{{Name: "alice", Phone: phone}},
		Audio: &au, Logger: env.Logger,
	}
	if auto != "" {
		p, _ := sandbox.DemoPhone(auto)
		opts.AutoSignIn = &DemoUser{Name: auto, Phone: p}
	}
	return runUI(t, a, opts)
}

// runUI makes and starts a tgphone UI for the test and shuts it down as
// the app does when the test ends.
func runUI(t *testing.T, a fyne.App, opts Options) *UI {
	t.Helper()
	// New builds the windows: under the UI lock, as all UI work in these
	// tests is, since a test may start an app while another of its apps is
	// still running (TestAccountSwitcher's restart), and the two share
	// Fyne's text shaper. The race detector caught New's first label being
	// measured while the running app refreshed Recents.
	var u *UI
	var err error
	inUI(func() { u, err = New(a, opts) })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	// Shut down as the app does before the next test: cancelling alone left
	// an RPC in flight to finish its UI work after the test had ended, racing
	// the next test's widgets (the race detector caught a Recents refresh
	// shaping text while TestAvatar built its window). Shutdown marks the UI
	// stopping and waits out any UI work in progress.
	t.Cleanup(func() {
		sctx, scancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer scancel()
		if err := u.Shutdown(sctx); err != nil {
			t.Logf("shutdown: %v", err)
		}
		cancel()
	})
	u.Start(ctx)
	return u
}

// signInAlice goes through the sign-in window with a wrong, then the right code.
func signInAlice(t *testing.T, u *UI) {
	waitFor(t, "the sign-in window", func() bool { return u.signIn != nil })
	inUI(func() {
		test.Type(u.signIn.phone, "+9996620001")
		test.Tap(u.signIn.sendCode)
	})
	waitFor(t, "the code step", func() bool { return u.signIn.stage == "code" })
	inUI(func() {
		if u.signIn.code.Text != "22222" {
			t.Errorf("the demo number's code is not filled in: %q", u.signIn.code.Text)
		}
		u.signIn.code.SetText("11111")
		test.Tap(u.signIn.submit)
	})
	waitFor(t, "the wrong-code sentence", func() bool {
		return u.signIn.message.Text == "That code is not correct. Check it and try again."
	})
	inUI(func() {
		u.signIn.code.SetText("22222")
		test.Tap(u.signIn.submit)
	})
	waitFor(t, "the contacts", func() bool { return u.contacts != nil && len(u.contacts.all) == 7 })
}

// pressCall types who (an @username or a number) into the Dialer tab's
// emptied field and presses Call.
func pressCall(u *UI, who string) {
	inUI(func() {
		u.tabs.SelectIndex(1)
		u.dialer.entry.SetText("")
		test.Type(u.dialer.entry, who)
		test.Tap(u.dialer.call)
	})
}

// dialFromDialer calls who from the Dialer tab and returns the call's
// window.
func dialFromDialer(t *testing.T, u *UI, who string) *callView {
	t.Helper()
	pressCall(u, who)
	return callWindow(t, u)
}

// dialActive calls who from the Dialer tab and waits for the call's window
// to show the call active.
func dialActive(t *testing.T, u *UI, who string) *callView {
	t.Helper()
	v := dialFromDialer(t, u, who)
	waitFor(t, "the call to become active", func() bool { return v.last.State == calling.StateActive })
	return v
}

// callWindow returns the one open call window.
func callWindow(t *testing.T, u *UI) *callView {
	var v *callView
	waitFor(t, "a call window", func() bool {
		for _, cv := range u.calls {
			v = cv
		}
		return v != nil
	})
	return v
}

func TestSignInSearchAndCall(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", true)
	u := startApp(t, env)
	signInAlice(t, u)

	inUI(func() { test.Type(u.contacts.search, "bob") })
	waitFor(t, "search to narrow the list", func() bool {
		return len(u.contacts.shown) == 1 && u.contacts.shown[0].Username == "bob"
	})
	inUI(func() { u.contacts.search.OnSubmitted(u.contacts.search.Text) }) // Enter calls the match
	v := callWindow(t, u)
	waitFor(t, "the call to become active", func() bool { return v.last.State == calling.StateActive })
	in := <-bob.incoming
	inUI(func() {
		if v.emoji.Text == "" || v.explain.Text == "" {
			t.Errorf("active call shows no key emoji: %q / %q", v.emoji.Text, v.explain.Text)
		}
		if want := in.Snapshot().Emoji; v.last.Emoji != want {
			t.Errorf("window shows %v, bob has %v", v.last.Emoji, want)
		}
	})
	waitFor(t, "the meters to show the tone and bob's answer", func() bool { return v.mic.value > 0.5 && v.spkBar.value > 0.5 })
	inUI(func() { test.Tap(v.mute) })
	waitFor(t, "mute", func() bool { return v.last.Muted && v.mute.Text == "Unmute" })
	time.Sleep(1100 * time.Millisecond)
	inUI(func() { test.Tap(v.hangup) })
	waitFor(t, "the rating dialog", func() bool { return v.rating != nil })
	inUI(func() {
		if v.last.State != calling.StateEnded {
			t.Errorf("call ended %s", v.last.State)
		}
	})
	waitFor(t, "the call in recents", func() bool {
		return len(u.recents.entries) > 0 && u.recents.entries[0].Peer.Username == "bob"
	})
}

func TestIncomingCallAndErrors(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", false)
	u := startApp(t, env)
	signInAlice(t, u)

	out := bob.dial(t, "@alice")
	v := callWindow(t, u)
	waitFor(t, "the ringing window", func() bool {
		return v.last.State == calling.StateRinging && v.accept.Visible() && v.decline.Visible()
	})
	inUI(func() {
		if v.peer.Text != "Bob Baker" {
			t.Errorf("incoming window names %q", v.peer.Text)
		}
		test.Tap(v.accept)
	})
	waitFor(t, "the answered call to become active", func() bool { return v.last.State == calling.StateActive })
	out.Hangup()
	waitFor(t, "the call to end and ask for a rating", func() bool {
		return v.last.State == calling.StateEnded && v.rating != nil
	})
	inUI(v.close)
	waitFor(t, "the window to close", func() bool { return len(u.calls) == 0 })

	// The dialer: nobody matches, then a user whose privacy forbids calls.
	pressCall(u, "@nobody_here")
	waitFor(t, "the no-match sentence", func() bool {
		return u.dialer.message.Text == "Nobody on the sandbox matches “@nobody_here”."
	})
	p := dialFromDialer(t, u, "@private")
	waitFor(t, "the privacy sentence", func() bool {
		return p.message.Text == "Private Person's privacy settings do not allow calls."
	})
}

func TestSettingsPersist(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/settings.json"
	s := DefaultSettings()
	s.P2P, s.DoNotDisturb, s.EchoCancel = "nobody", true, false
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSettings(path)
	if err != nil || got != s {
		t.Fatalf("LoadSettings = %+v, %v; want %+v", got, err, s)
	}
	if got.p2pPolicy() != calling.P2PNobody {
		t.Errorf("p2p nobody maps to %v", got.p2pPolicy())
	}
	if err := writeFile(path, "{not json"); err != nil {
		t.Fatal(err)
	}
	got, err = LoadSettings(path)
	if err == nil || got != DefaultSettings() {
		t.Errorf("corrupt settings: %+v, %v; want defaults and an error", got, err)
	}
	if _, err := readFile(path + ".bad"); err != nil {
		t.Errorf("the corrupt file was not kept: %v", err)
	}
}

// TestTwoAppsHearEachOther: two app instances on one sandbox, signed in by
// themselves as Alice and Bob; Alice dials Bob, Bob answers in his ringing
// window, and each hears the other's tone through the whole audio path.
// Bob switches his speaker mid-call and the new device gets the sound.
func TestTwoAppsHearEachOther(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := sandboxtest.Start(t, sandboxtest.Options{})
	dir := t.TempDir()
	a := test.NewTempApp(t)
	alice := startAppOn(t, a, env, "alice", audio.Config{Input: "tone:440", Output: "wav:" + dir + "/alice.wav", Ring: "null"})
	bob := startAppOn(t, a, env, "bob", audio.Config{Input: "tone:1000", Output: "wav:" + dir + "/bob.wav", Ring: "null"})
	waitFor(t, "both signed in", func() bool {
		return alice.mgr != nil && bob.mgr != nil && bob.contacts != nil && len(bob.contacts.all) > 0
	})

	pressCall(alice, "@bob")
	in := callWindow(t, bob)
	waitFor(t, "Bob's ringing window", func() bool { return in.last.State == calling.StateRinging && in.accept.Visible() })
	inUI(func() { test.Tap(in.accept) })
	out := callWindow(t, alice)
	waitFor(t, "the call to become active on both", func() bool {
		return out.last.State == calling.StateActive && in.last.State == calling.StateActive
	})
	time.Sleep(2 * time.Second)
	inUI(func() { in.output.OnChanged("wav:" + dir + "/bob-switched.wav") })
	time.Sleep(2 * time.Second)
	inUI(func() { test.Tap(out.hangup) })
	waitFor(t, "both ends", func() bool { return out.last.State.Terminal() && in.last.State.Terminal() })
	for _, r := range []struct {
		file string
		want float64
	}{{"alice.wav", 1000}, {"bob.wav", 440}, {"bob-switched.wav", 440}} {
		pcm, err := audio.ReadWAV(dir + "/" + r.file)
		if err != nil {
			t.Fatal(err)
		}
		if len(pcm) < 24000 {
			t.Fatalf("%s holds %d samples", r.file, len(pcm))
		}
		if f := tone.Dominant(pcm[len(pcm)/3:], 200, 1500); math.Abs(f-r.want) > 2 {
			t.Errorf("%s: %.2f Hz, want %.0f", r.file, f, r.want)
		}
	}
}

// TestDeclineIncoming: Decline in the ringing window ends the caller's call.
func TestDeclineIncoming(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", false)
	u := startApp(t, env)
	signInAlice(t, u)
	out := bob.dial(t, "@alice")
	v := callWindow(t, u)
	waitFor(t, "the ringing window", func() bool { return v.decline.Visible() })
	inUI(func() { test.Tap(v.decline) })
	<-out.Done()
	if s := out.Snapshot(); s.State != calling.StateBusy && s.State != calling.StateDeclined {
		t.Errorf("the caller's call ended %s after Decline", s.State)
	}
	waitFor(t, "the window to say so", func() bool {
		return v.last.State == calling.StateDeclined && v.message.Text == "You declined the call."
	})
}

// TestConnectionLostShown: while the server is out of reach the main window
// says "Connecting…" next to the account, and stops when it is back.
func TestConnectionLostShown(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	link := env.Link(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	u := startAppAt(t, test.NewTempApp(t), env, link.Addr(), "alice", audio.Config{Input: "silence", Output: "null", Ring: "null"})
	waitFor(t, "the contacts", func() bool { return u.contacts != nil && len(u.contacts.all) == 7 })
	visible := func() bool { return u.offline.Visible() } // waitFor holds the UI lock
	var shown bool
	inUI(func() { shown = visible() })
	if shown {
		t.Fatal("'Connecting…' shown while connected")
	}
	link.Cut()
	waitFor(t, "'Connecting…' while cut off", visible)
	link.Restore()
	waitFor(t, "'Connecting…' gone after reconnecting", func() bool { return !visible() })
}

// TestHeadsetUnpluggedShown: pulling the headset's microphone out mid-call
// puts a warning in the call window; plugging it back in takes it away.
func TestHeadsetUnpluggedShown(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := sandboxtest.Start(t, sandboxtest.Options{})
	newPeer(t, env, "bob", true)
	rack := audio.NewRack()
	rack.Plug("headset", "tone:440")
	u := startAppOn(t, test.NewTempApp(t), env, "alice", audio.Config{Input: "rack:headset", Output: "null", Ring: "null", Rack: rack})
	waitFor(t, "signed in", func() bool { return u.mgr != nil && u.dialer != nil })
	v := dialActive(t, u, "@bob")
	inUI(func() {
		if v.device.Visible() {
			t.Errorf("a device warning %q with the headset in", v.device.Text)
		}
		// A connected call with nothing coming from the peer says so; a
		// muted peer is named as muted instead.
		s := v.last
		s.NoAudio = true
		v.render(s)
		if want := "No sound is coming from Bob"; !strings.HasPrefix(v.remoteMic.Text, want) {
			t.Errorf("no audio from the peer shows %q, want %q", v.remoteMic.Text, want)
		}
		s.RemoteMuted = true
		v.render(s)
		if !strings.HasSuffix(v.remoteMic.Text, "microphone is off") {
			t.Errorf("a muted peer shows %q", v.remoteMic.Text)
		}
		// Muted: the note says the microphone is off; talking into it
		// while muted turns that into "you are muted" with the key.
		s.Muted = true
		v.render(s)
		if !v.mutedNote.Visible() || !strings.HasPrefix(v.mutedNote.Text, "Your microphone is off") {
			t.Errorf("muted shows %q (visible %v)", v.mutedNote.Text, v.mutedNote.Visible())
		}
		s.Stats.Audio.TalkingWhileMuted = true
		v.render(s)
		if !strings.HasPrefix(v.mutedNote.Text, "You are muted") || !strings.Contains(v.mutedNote.Text, "Ctrl+M") {
			t.Errorf("talking while muted shows %q", v.mutedNote.Text)
		}
	})
	rack.Unplug("headset")
	waitFor(t, "the unplugged warning", func() bool {
		return v.device.Visible() && (strings.HasPrefix(v.device.Text, "Microphone unavailable") ||
			strings.HasPrefix(v.device.Text, "No microphone found"))
	})
	rack.Plug("headset", "tone:440")
	waitFor(t, "the warning to go", func() bool { return !v.device.Visible() })
	inUI(func() {
		if v.last.State != calling.StateActive {
			t.Errorf("call %s after the headset came back", v.last.State)
		}
		test.Tap(v.hangup)
	})
	waitFor(t, "the end", func() bool { return v.last.State.Terminal() })
}

// TestQRSignIn: "Log in with a QR code" draws the login link as a QR code;
// once a signed-in device accepts that link, the app is signed in as its user.
func TestQRSignIn(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := env.SignIn(t, "alice")
	u := startApp(t, env)
	waitFor(t, "the sign-in window", func() bool { return u.signIn != nil })
	v := u.signIn
	inUI(func() { test.Tap(v.qr) })
	var link string
	waitFor(t, "the QR code", func() bool {
		link = v.qrLink.Text
		return v.qrCode.Visible() && v.qrCode.Image != nil && strings.HasPrefix(link, "tg://login?token=")
	})
	inUI(func() {
		img, err := qrImage(link)
		if err != nil {
			t.Fatal(err)
		}
		if img.Bounds() != v.qrCode.Image.Bounds() {
			t.Errorf("the code shown is %v, the link's is %v", v.qrCode.Image.Bounds(), img.Bounds())
		}
	})
	if err := alice.AcceptQR(alice.Ctx, link); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "signed in as alice", func() bool { return u.me != nil && u.me.ID == alice.Self.ID })
}

// TestPushToTalk: with push to talk on, the call starts muted, the peer is
// told so, and the microphone is on only while the talk button is held.
func TestPushToTalk(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", true)
	u := startApp(t, env)
	signInAlice(t, u)
	u.mu.Lock()
	u.settings.PushToTalk = true
	u.mu.Unlock()
	v := dialActive(t, u, "@bob")
	in := <-bob.incoming
	remoteMuted := func(want bool) func() bool {
		return func() bool { return in.Snapshot().RemoteMuted == want }
	}
	waitFor(t, "bob to see alice muted", remoteMuted(true))
	inUI(func() {
		if v.mute.Visible() || !v.talk.Visible() || v.talk.Text != talkLabel(false) {
			t.Errorf("push to talk shows mute %v, talk %v %q", v.mute.Visible(), v.talk.Visible(), v.talk.Text)
		}
		if v.mutedNote.Visible() {
			t.Error("the muted note shows with push to talk before Ctrl+M")
		}
		// Ctrl+M has no mute to toggle: it says how to talk instead of nothing.
		typeShortcut(t, v.w, fyne.KeyM)
		if !v.mutedNote.Visible() || v.mutedNote.Text != tr("call.ptt_note") || !v.c.Snapshot().Muted {
			t.Errorf("Ctrl+M with push to talk: note shown %v %q, muted %v", v.mutedNote.Visible(), v.mutedNote.Text, v.c.Snapshot().Muted)
		}
		v.talk.MouseDown(&desktop.MouseEvent{})
		if v.mutedNote.Visible() {
			t.Error("the push-to-talk note stays while the user talks")
		}
	})
	waitFor(t, "the microphone on while held", func() bool { return !v.last.Muted && v.talk.Text == talkLabel(true) })
	waitFor(t, "bob to hear alice", remoteMuted(false))
	inUI(func() { v.talk.MouseUp(&desktop.MouseEvent{}) })
	waitFor(t, "the microphone off on release", func() bool { return v.last.Muted })
	waitFor(t, "bob to see alice muted again", remoteMuted(true))
	inUI(func() {
		if v.mutedNote.Visible() {
			t.Error("the push-to-talk note came back after the user talked")
		}
	})

	// Space held with the keyboard on Hang up talks, as with nothing
	// focused, and hangs nothing up; so on the talk button itself.
	space := &fyne.KeyEvent{Name: fyne.KeySpace}
	for _, b := range []fyne.Focusable{v.hangup, v.talk} {
		inUI(func() {
			v.w.Canvas().Focus(b)
			b.(desktop.Keyable).KeyDown(space)
			b.TypedKey(space)
			b.TypedKey(space) // the key's repeats
		})
		waitFor(t, "the microphone on while Space is held", func() bool { return !v.last.Muted })
		inUI(func() {
			if v.hungUpHere || v.last.State != calling.StateActive || v.w.Canvas().Focused() != b {
				t.Errorf("Space held on %T: hung up %v, state %v, focus kept %v", b, v.hungUpHere, v.last.State, v.w.Canvas().Focused() == b)
			}
			b.(desktop.Keyable).KeyUp(space)
		})
		waitFor(t, "the microphone off when Space is let go", func() bool { return v.last.Muted })
	}

	// So with the keyboard on any control of the call window: Tab from
	// nothing reaches the statistics' header first, then the device menus
	// (shown), Record. Space there used to open or press it instead.
	c := v.w.Canvas()
	var order []fyne.Focusable
	inUI(func() {
		v.toggleDevices()
		c.Unfocus()
		for range 20 {
			c.FocusNext()
			if f := c.Focused(); f == nil || (len(order) > 0 && f == order[0]) {
				break
			}
			order = append(order, c.Focused())
		}
	})
	if len(order) < 6 {
		t.Fatalf("Tab reached %d controls in the call window (%T): want the statistics, two menus, talk, devices, hang up, record", len(order), order)
	}
	for _, f := range order {
		var statsShown bool
		inUI(func() {
			c.Focus(f)
			statsShown = v.stats.Visible()
			k, ok := f.(desktop.Keyable)
			if !ok {
				t.Errorf("Space held on the focused %T cannot talk: it does not see the key go down", f)
				return
			}
			k.KeyDown(space)
			f.TypedKey(space)
			f.TypedKey(space)
		})
		if _, ok := f.(desktop.Keyable); !ok {
			continue
		}
		waitFor(t, fmt.Sprintf("the microphone on while Space is held on %T", f), func() bool { return !v.last.Muted })
		inUI(func() {
			if c.Overlays().Top() != nil || v.stats.Visible() != statsShown || !v.devices.Visible() ||
				v.hungUpHere || v.c.Snapshot().Recording.Active || c.Focused() != f {
				t.Errorf("Space held on %T: a menu or question %v, statistics toggled %v, devices hidden %v, hung up %v, recording %v, focus kept %v",
					f, c.Overlays().Top() != nil, v.stats.Visible() != statsShown, !v.devices.Visible(), v.hungUpHere, v.c.Snapshot().Recording.Active, c.Focused() == f)
			}
			f.(desktop.Keyable).KeyUp(space)
		})
		waitFor(t, "the microphone off when Space is let go", func() bool { return v.last.Muted })
	}
	// A device menu hidden with the focus on it gives the focus up: it kept
	// it, and took the window's keys while out of sight.
	inUI(func() {
		c.Focus(v.input)
		v.toggleDevices()
		if c.Focused() != nil {
			t.Errorf("the hidden device menu kept the focus (%T)", c.Focused())
		}
	})

	waitFor(t, "bob to see alice muted at the end", remoteMuted(true))
	inUI(func() {
		v.w.Canvas().Focus(v.hangup)
		typeKey(v.w.Canvas(), fyne.KeyReturn) // Enter presses it: Space talks
	})
	waitFor(t, "Enter on Hang up to hang up", func() bool { return v.hungUpHere && v.last.State.Terminal() })
}

// TestSettingsWindow: the device menus speak in names and the window saves
// what was chosen, to the running app and to disk.
func TestSettingsWindow(t *testing.T) {
	// A computer with a sound card: without one the menus say there is none (TestSettingsNoSoundDevice).
	withDevices(t, []audio.Device{{ID: "m1", Name: "Built-in Audio", Capture: true}, {ID: "s1", Name: "Built-in Audio"}})
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	var v *settingsView
	inUI(func() {
		v = u.openSettings()
		if v.input.Options[0] != defaultDeviceLabel() || v.input.Selected != defaultDeviceLabel() {
			t.Errorf("microphone menu %q, selected %q", v.input.Options, v.input.Selected)
		}
		v.ptt.SetChecked(true)
		v.dnd.SetChecked(true)
		v.save()
	})
	s := u.currentSettings()
	if !s.PushToTalk || !s.DoNotDisturb || s.Input != audio.DefaultID {
		t.Errorf("after Save: %+v", s)
	}
	saved, err := LoadSettings(u.settingsPath)
	if err != nil || saved != s {
		t.Errorf("on disk: %+v (%v), want %+v", saved, err, s)
	}
}

// TestP2PSettingAppliesNow: choosing "Nobody" in Settings applies to the
// next call at once (it was copied at sign-in only, so the choice leaked
// the address until the next sign-in) and is written to Telegram's own
// peer-to-peer rule, where the user's other apps read it.
func TestP2PSettingAppliesNow(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	signInAlice(t, u)
	waitFor(t, "signed in", func() bool { return u.mgr != nil })
	if p := u.mgr.P2P(); p != calling.P2PEveryone {
		t.Fatalf("policy before: %v", p)
	}
	inUI(func() {
		v := u.openSettings()
		v.p2p.SetSelected(p2pChoices()[2])
		v.save()
	})
	if p := u.mgr.P2P(); p != calling.P2PNobody {
		t.Errorf("after Save the next call's policy is %v, want nobody", p)
	}
	waitFor(t, "Telegram's rule to say nobody", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p, err := u.mgr.LoadP2P(ctx)
		return err == nil && p == calling.P2PNobody
	})
}

// TestLostViewWraps: the sentence shown when an account's connection has
// ended for good wraps to the window instead of widening it (a centred plain
// label made the window 665 px wide with the sentence cut off).
func TestLostViewWraps(t *testing.T) {
	a := test.NewTempApp(t)
	w := a.NewWindow("tgphone")
	defer w.Close()
	text := tr("main.lost", "Service", "the sandbox")
	v := lostView(text)
	w.SetContent(v)
	w.Resize(fyne.NewSize(360, 480))
	if got := v.MinSize().Width; got > 360 {
		t.Errorf("the lost sentence needs a window %.0f px wide, want at most 360", got)
	}
	line := fyne.MeasureText("tgphone", theme.TextSize(), fyne.TextStyle{}).Height
	var msg *wrapLabel
	for _, o := range v.(*fyne.Container).Objects[0].(*fyne.Container).Objects {
		if l, ok := o.(*wrapLabel); ok {
			msg = l
		}
	}
	if msg == nil {
		t.Fatal("no wrapped label in the lost view")
	}
	// A wrapped label's height follows its width on the next layout.
	v.Refresh()
	w.Resize(fyne.NewSize(360, 480))
	if msg.Size().Height < 2*line || msg.Size().Width > 360 {
		t.Errorf("the sentence is %v in a 360 px window (lines of %.0f px): not wrapped", msg.Size(), line)
	}
}
