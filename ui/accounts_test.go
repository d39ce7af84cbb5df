package ui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// startTwoAccounts opens the app in dir signed in as Alice, then adds Bob
// through the switcher's Add account and the sign-in steps; Bob is shown.
func startTwoAccounts(t *testing.T, env *sandboxtest.Env, dir string) *UI {
	t.Helper()
	u := startAppDir(t, env, dir, "alice")
	waitFor(t, "alice signed in", func() bool { return u.contacts != nil && len(u.contacts.all) == 7 })
	inUI(func() {
		u.showSwitcher()
		tapSwitcherLine(t, u, "Add account")
	})
	waitFor(t, "the sign-in steps for the second account", func() bool { return u.signIn != nil && u.signIn.cancel != nil })
	phone, _ := sandbox.DemoPhone("bob")
	inUI(func() {
		test.Type(u.signIn.phone, "+"+phone)
		test.Tap(u.signIn.sendCode)
	})
	waitFor(t, "the code step", func() bool { return u.signIn != nil && u.signIn.stage == "code" && u.signIn.code.Text != "" })
	inUI(func() { test.Tap(u.signIn.submit) })
	waitFor(t, "bob signed in and shown", func() bool {
		return u.me != nil && u.self.Username == "bob" && u.contacts != nil && len(u.contacts.all) == 7
	})
	return u
}

// startAppDir opens a tgphone keeping its files in dir; auto signs that
// demo user in when no session is saved.
func startAppDir(t *testing.T, env *sandboxtest.Env, dir, auto string) *UI {
	t.Helper()
	p, _ := sandbox.DemoPhone(auto)
	au := audio.Config{Input: "silence", Output: "null", Ring: "null"}
	return runUI(t, test.NewTempApp(t), Options{
		Sandbox:   &account.Sandbox{Addr: env.Info.MTProto, DC: env.Info.DC, PublicKeyPEM: env.Info.PublicKey},
		ConfigDir: dir, Audio: &au, Logger: env.Logger, AutoSignIn: &DemoUser{Name: auto, Phone: p},
	})
}

// tapSwitcherLine taps the open switcher's line named name.
func tapSwitcherLine(t *testing.T, u *UI, name string) {
	t.Helper()
	for _, r := range u.switchRows {
		if r.entry.name == name {
			test.Tap(r)
			return
		}
	}
	t.Fatalf("the switcher has no line %q", name)
}

// switcherLine is what one line of the switcher says.
func switcherLine(e switcherEntry) string {
	l := e.name
	if e.detail != "" {
		l += " | " + e.detail
	}
	if e.missed > 0 {
		l += fmt.Sprintf(" | %d missed", e.missed)
	}
	if e.shown {
		l += " ✓"
	}
	return l
}

func hasContact(cs []account.Contact, username string) bool {
	return slices.ContainsFunc(cs, func(c account.Contact) bool { return c.Username == username })
}

// TestAccountSwitcher: Add account signs Bob in beside Alice; the switcher
// lists both; switching shows each one's contacts; a call to Bob rings
// while Alice is shown and its window names Bob's account; Bob's Recents
// lists it and Alice's does not; a restart brings both accounts back.
func TestAccountSwitcher(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := sandboxtest.Start(t, sandboxtest.Options{})
	carol := newPeer(t, env, "carol", false)
	dir := t.TempDir()
	u := startTwoAccounts(t, env, dir)

	var labels []string
	inUI(func() {
		u.showSwitcher()
		for _, r := range u.switchRows {
			labels = append(labels, switcherLine(r.entry))
		}
		if hasContact(u.contacts.all, "bob") || !hasContact(u.contacts.all, "alice") {
			t.Error("Bob's contacts are not Bob's")
		}
		if !strings.HasPrefix(u.main.Title(), "tgphone — Bob Baker") {
			t.Errorf("main window title %q", u.main.Title())
		}
	})
	want := []string{"Alice Archer | @alice · +9996620001", "Bob Baker | @bob · +9996620002 ✓", "Add account", "Sign out of Bob Baker"}
	if !slices.Equal(labels, want) {
		t.Errorf("the switcher lists %q, want %q", labels, want)
	}
	// Each account's line has its avatar: Bob's profile photo, Alice's
	// initials on her colour (she has no photo).
	waitFor(t, "Bob's photo in the switcher", func() bool {
		return len(u.switchRows) == 4 && u.switchRows[1].avatar != nil && u.switchRows[1].avatar.photo != nil
	})
	inUI(func() {
		a := u.switchRows[0].avatar
		if a == nil || a.photo != nil || a.contact.Initials() != "AA" || a.contact.ID != 101 {
			t.Errorf("Alice's line has avatar %+v, want her initials", a)
		}
		if u.switchRows[2].avatar != nil {
			t.Error("Add account has an avatar")
		}
		test.Tap(u.switchRows[0]) // Alice
		if u.switcher != nil || u.self.Username != "alice" {
			t.Errorf("tapping Alice's line shows %q (switcher still open: %v)", u.self.Username, u.switcher != nil)
		}
	})
	inUI(func() {
		// Settings' Account section: each account with its own Sign out.
		v := u.openSettings()
		outs := 0
		for _, o := range test.LaidOutObjects(v.accountSection()) {
			if b, ok := o.(*enterButton); ok && b.Text == "Sign out…" {
				outs++
			}
		}
		if outs != 2 {
			t.Errorf("Settings offers %d Sign out buttons, want one per account", outs)
		}
		v.w.Close()
	})
	inUI(func() {
		// By keyboard: Down focuses Alice's line, Down again Bob's, Enter shows him.
		u.showSwitcher()
		u.switcherKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		f, ok := u.main.Canvas().Focused().(*switcherRow)
		if !ok || f != u.switchRows[0] {
			t.Fatalf("Down focused %T, want Alice's line", u.main.Canvas().Focused())
		}
		f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		if f, ok = u.main.Canvas().Focused().(*switcherRow); !ok || f.entry.name != "Bob Baker" {
			t.Fatalf("Down again focused %v, want Bob's line", u.main.Canvas().Focused())
		}
		f.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if u.switcher != nil || u.self.Username != "bob" {
			t.Errorf("Enter on Bob's line shows %q (switcher open: %v)", u.self.Username, u.switcher != nil)
		}
	})
	// Ctrl+1 and Ctrl+2 show the first and second account from the search
	// field or with nothing focused; Ctrl+3, with two accounts, does nothing.
	inUI(func() {
		u.main.Canvas().Focus(u.contacts.search)
		typeShortcut(t, u.main, fyne.Key1)
		if u.self.Username != "alice" {
			t.Errorf("Ctrl+1 from Bob's search field shows %q", u.self.Username)
		}
		u.main.Canvas().Unfocus()
		typeShortcut(t, u.main, fyne.Key2)
		if u.self.Username != "bob" {
			t.Errorf("Ctrl+2 with nothing focused shows %q", u.self.Username)
		}
		typeShortcut(t, u.main, fyne.Key3)
		if u.self.Username != "bob" {
			t.Errorf("Ctrl+3 with two accounts shows %q", u.self.Username)
		}
		u.main.Canvas().Focus(u.contacts.search)
		typeShortcut(t, u.main, fyne.Key1)
	})
	var bob *session
	inUI(func() {
		if u.self.Username != "alice" || hasContact(u.contacts.all, "alice") || !hasContact(u.contacts.all, "bob") {
			t.Errorf("switched to %q, whose contacts are not Alice's", u.self.Username)
		}
		bob = u.accounts[1]
	})

	// Carol calls Bob while Alice is shown: it rings, naming Bob.
	in := carol.dial(t, "@bob")
	v := callWindow(t, u)
	waitFor(t, "the ringing", func() bool { return v.last.State == calling.StateRinging })
	inUI(func() {
		if v.u != bob {
			t.Error("the call window is not Bob's account's")
		}
		if got := v.w.Title(); got != "Incoming call from Carol Clark to Bob Baker" {
			t.Errorf("ringing window title %q", got)
		}
		if !v.account.Visible() || v.account.Text != "to Bob Baker" {
			t.Errorf("the window names the account as %q (shown %v)", v.account.Text, v.account.Visible())
		}
		if u.self.Username != "alice" {
			t.Error("the incoming call switched the main window")
		}
		test.Tap(v.decline)
	})
	<-in.Done()
	waitFor(t, "the call in Bob's Recents", func() bool {
		return len(bob.recents.entries) > 0 && bob.recents.entries[0].Peer.Username == "carol"
	})
	inUI(func() {
		for _, e := range u.recents.entries {
			if e.CallID == bob.recents.entries[0].CallID {
				t.Error("Alice's Recents lists the call to Bob")
			}
		}
	})

	// A restart brings both back, Alice shown as she was last.
	l, err := loadAccountList(u.accountsPath())
	if err != nil || len(l.Accounts) != 2 || l.Shown != 101 || l.Accounts[0].Dir != "" || l.Accounts[1].UserID != 102 {
		t.Fatalf("accounts.json holds %+v, %v", l, err)
	}
	again := startAppDir(t, env, dir, "alice")
	waitFor(t, "both accounts back", func() bool { return len(again.signedInAccounts()) == 2 && again.contacts != nil })
	inUI(func() {
		if again.self.Username != "alice" {
			t.Errorf("after a restart %q is shown", again.self.Username)
		}
	})
}

// TestOneCallAcrossAccounts: during Alice's call a call to Bob is turned
// away busy, and Bob's Recents lists it as missed.
func TestOneCallAcrossAccounts(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := sandboxtest.Start(t, sandboxtest.Options{})
	carol := newPeer(t, env, "carol", true)
	u := startTwoAccounts(t, env, t.TempDir())
	var alice, bob *session
	inUI(func() {
		alice, bob = u.accounts[0], u.accounts[1]
		alice.dial(contactNamed(t, alice, "carol"))
	})
	v := callWindow(t, u)
	waitFor(t, "Alice's call", func() bool { return v.last.State == calling.StateActive })
	<-carol.incoming
	echo := newPeer(t, env, "echo", false)
	busy := echo.dial(t, "@bob")
	<-busy.Done()
	if s := busy.Snapshot().State; s != calling.StateBusy {
		t.Errorf("a call to Bob during Alice's call ended %s, want busy", s)
	}
	waitFor(t, "the turned-away call in Bob's Recents", func() bool {
		return len(bob.recents.entries) > 0 && bob.recents.entries[0].TurnedAway != ""
	})
	inUI(func() {
		if len(u.calls) != 1 {
			t.Errorf("%d call windows, want Alice's alone", len(u.calls))
		}
		test.Tap(v.hangup)
	})
	waitFor(t, "the end", func() bool { return v.last.State.Terminal() })
	waitFor(t, "Bob's missed call counted", func() bool { return u.MissedCalls() >= 1 })
	// The switcher shows it on Bob's line, as a count in a red badge.
	inUI(func() {
		u.showSwitcher()
		r := u.switchRows[1]
		if r.entry.s != bob || r.entry.missed < 1 || r.badge == nil {
			t.Fatalf("Bob's line %q has no missed-calls badge", switcherLine(r.entry))
		}
		if txt := r.badge.Objects[1].(*fyne.Container).Objects[0].(*canvas.Text).Text; txt != strconv.Itoa(r.entry.missed) {
			t.Errorf("the badge says %q, want %d", txt, r.entry.missed)
		}
		if u.switchRows[0].badge != nil {
			t.Error("Alice's line has a missed-calls badge")
		}
		u.switcherKey(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if u.switcher != nil {
			t.Error("Esc left the switcher open")
		}
	})
}

// contactNamed is s's contact with username name.
func contactNamed(t *testing.T, s *session, name string) account.Contact {
	for _, c := range s.contacts.all {
		if c.Username == name {
			return c
		}
	}
	t.Fatalf("no contact @%s", name)
	return account.Contact{}
}

// TestClickToCallWithTwoAccounts: asked to call Carol, the app asks which
// account calls, the one shown chosen; the call goes from the one picked.
// Asked to call Bob, one of its own accounts, it offers Alice alone.
func TestClickToCallWithTwoAccounts(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := sandboxtest.Start(t, sandboxtest.Options{})
	carol := newPeer(t, env, "carol", true)
	u := startTwoAccounts(t, env, t.TempDir()) // Bob shown
	if u.IsSelf("@bob") || u.IsSelf("@alice") || u.IsSelf("@carol") {
		t.Error("IsSelf refuses a target another account here can call")
	}

	u.AskToCall("@bob")
	waitFor(t, "the question", func() bool { return u.confirm != nil })
	inUI(func() {
		labels, buttons := overlayTexts(u.main)
		if got := strings.Join(labels, "\n"); !strings.Contains(got, "tgphone was asked to call Bob Baker (@bob) from Alice Archer.") {
			t.Errorf("the question reads %q", got)
		}
		if u.pick != nil {
			t.Error("asked which account, though Bob cannot call himself")
		}
		test.Tap(buttons["Cancel"])
	})

	u.AskToCall("@carol")
	waitFor(t, "which account", func() bool { return u.pick != nil })
	inUI(func() {
		if want := []string{"Bob Baker (@bob · +9996620002)", "Alice Archer (@alice · +9996620001)"}; !slices.Equal(u.pick.choice.Options, want) {
			t.Errorf("offered %q, want %q", u.pick.choice.Options, want)
		}
		if u.pick.choice.Selected != u.pick.choice.Options[0] {
			t.Errorf("chosen already: %q, want the account shown", u.pick.choice.Selected)
		}
		u.pick.choice.SetSelected(u.pick.choice.Options[1])
		u.pick.key(&fyne.KeyEvent{Name: fyne.KeyReturn})
	})
	v := callWindow(t, u)
	in := <-carol.incoming
	if got := in.Snapshot().Peer.Username; got != "alice" {
		t.Errorf("Carol is called by %q, want alice", got)
	}
	inUI(func() {
		if v.account.Text != "from Alice Archer" || !strings.Contains(v.w.Title(), "(Alice Archer)") {
			t.Errorf("the call window names the account %q, title %q", v.account.Text, v.w.Title())
		}
		test.Tap(v.hangup)
	})
	waitFor(t, "the end", func() bool { return v.last.State.Terminal() })

	// Bob signs out: Alice is shown, alone, and a call to her is another app's.
	inUI(func() { u.signOut() })
	waitFor(t, "Bob signed out", func() bool { return len(u.signedInAccounts()) == 1 && u.self.Username == "alice" && u.content != nil })
	if !u.IsSelf("@alice") {
		t.Error("with Alice alone, a call to @alice is not left to another app")
	}
	if l, err := loadAccountList(u.accountsPath()); err != nil || len(l.Accounts) != 1 || l.Accounts[0].UserID != 101 {
		t.Errorf("accounts.json after Bob signed out: %+v, %v", l, err)
	}
}

// TestSignedOutAccountStays: Bob, added beside Alice, has his session
// ended by the server while the app is closed. The next start keeps him
// listed as signed out (his folder and its files kept, accounts.json
// unchanged), shows his sign-in steps since he was shown last, and Alice
// stays signed in; signing in again brings Bob back with his folder. Ended
// once more, Remove account forgets him and his folder, Alice alone left.
func TestSignedOutAccountStays(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := sandboxtest.Start(t, sandboxtest.Options{})
	dir := t.TempDir()
	u := startTwoAccounts(t, env, dir) // Bob shown
	var bobDir string
	inUI(func() { bobDir = u.accounts[1].path() })
	keep := filepath.Join(bobDir, "calls", "kept.log")
	if err := os.MkdirAll(filepath.Dir(keep), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keep, []byte("a call's log"), 0o600); err != nil {
		t.Fatal(err)
	}
	quit := func(u *UI) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := u.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	quit(u)
	if n := env.Server.RevokeSessions(102); n != 1 {
		t.Fatalf("revoked %d of Bob's sessions, want 1", n)
	}

	again := startAppDir(t, env, dir, "alice")
	var bob *session
	waitFor(t, "Alice signed in, Bob listed as signed out", func() bool {
		if len(again.accounts) != 2 || again.accounts[0].me == nil || !again.accounts[1].signedOut {
			return false
		}
		bob = again.accounts[1]
		return bob.signIn != nil && bob.signIn.back.Visible()
	})
	inUI(func() {
		if again.session != bob || again.signIn != bob.signIn {
			t.Error("Bob, shown last, is not shown with his sign-in steps")
		}
		checkBobListedSignedOut(t, again, bob)
		r := again.switchRows[1]
		if r.avatar == nil || r.avatar.contact.Initials() != "BB" || r.detail.Importance != widget.DangerImportance {
			t.Error("Bob's line has no avatar, or its notice is not marked")
		}
		test.Tap(r) // his sign-in steps again
		if again.session != bob || again.signIn == nil {
			t.Fatal("Bob's line does not show his sign-in steps")
		}
	})
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("Bob's folder lost its files: %v", err)
	}
	if l, err := loadAccountList(again.accountsPath()); err != nil || len(l.Accounts) != 2 || l.Accounts[1].UserID != 102 || l.Accounts[1].Name != "Bob Baker" {
		t.Errorf("accounts.json with Bob signed out: %+v, %v", l, err)
	}

	// Bob signs in again, in the window.
	phone, _ := sandbox.DemoPhone("bob")
	inUI(func() {
		test.Type(bob.signIn.phone, "+"+phone)
		test.Tap(bob.signIn.sendCode)
	})
	waitFor(t, "the code step", func() bool { return bob.signIn != nil && bob.signIn.stage == "code" && bob.signIn.code.Text != "" })
	inUI(func() { test.Tap(bob.signIn.submit) })
	waitFor(t, "Bob signed in again", func() bool {
		return bob.me != nil && !bob.signedOut && again.session == bob && bob.contacts != nil && len(bob.contacts.all) == 7
	})
	if len(again.signedInAccounts()) != 2 || bob.path() != bobDir {
		t.Errorf("%d accounts signed in, Bob's folder %s (was %s)", len(again.signedInAccounts()), bob.path(), bobDir)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("Bob's folder lost its files on signing in again: %v", err)
	}

	// Ended once more: Remove account forgets him, Alice stays.
	quit(again)
	env.Server.RevokeSessions(102)
	third := startAppDir(t, env, dir, "alice")
	waitFor(t, "Bob signed out again", func() bool {
		return len(third.accounts) == 2 && third.accounts[1].signedOut && third.accounts[0].me != nil
	})
	inUI(func() {
		bob = third.accounts[1]
		third.show(bob)
		test.Tap(bob.signIn.remove)
		if len(third.accounts) != 1 || third.self.Username != "alice" {
			t.Errorf("after Remove account: %d accounts, %q shown", len(third.accounts), third.self.Username)
		}
	})
	waitFor(t, "Bob's folder removed", func() bool {
		_, err := os.Stat(bobDir)
		return errors.Is(err, os.ErrNotExist)
	})
	if l, err := loadAccountList(third.accountsPath()); err != nil || len(l.Accounts) != 1 || l.Accounts[0].UserID != 101 {
		t.Errorf("accounts.json after Bob was removed: %+v, %v", l, err)
	}
}

// TestSessionRevokedWhileRunning: Bob's session ended by the server while
// the app runs (terminated from another device) lists him as signed out,
// as a restart would, not "could not stay connected"; Alice stays.
func TestSessionRevokedWhileRunning(t *testing.T) {
	env, u, bob := twoAccountsBobRevoked(t)
	// The app learns it on its next request: a reconnect's catch-up.
	env.Server.DropConnections()
	waitFor(t, "Bob listed as signed out", func() bool {
		return bob.signedOut && bob.me == nil && bob.signIn != nil && u.session == bob
	})
	inUI(func() {
		if a := u.accounts[0]; a.me == nil || a.signedOut {
			t.Error("Alice's account went with Bob's")
		}
		checkBobListedSignedOut(t, u, bob)
		u.hideSwitcher()
	})
	if l, err := loadAccountList(u.accountsPath()); err != nil || len(l.Accounts) != 2 || l.Accounts[1].UserID != 102 {
		t.Errorf("accounts.json with Bob signed out: %+v, %v", l, err)
	}

	// His connection is still there for signing in again, in the window.
	phone, _ := sandbox.DemoPhone("bob")
	inUI(func() {
		u.show(bob)
		test.Type(bob.signIn.phone, "+"+phone)
		test.Tap(bob.signIn.sendCode)
	})
	waitFor(t, "the code step", func() bool { return bob.signIn != nil && bob.signIn.stage == "code" && bob.signIn.code.Text != "" })
	inUI(func() { test.Tap(bob.signIn.submit) })
	waitFor(t, "Bob signed in again", func() bool {
		return bob.me != nil && !bob.signedOut && u.session == bob && bob.contacts != nil && len(bob.contacts.all) == 7
	})
}

// TestSessionRevokedInCall: the only account's session ended by the server
// during a call ends the call, its window saying the account was signed
// out, and leaves the sign-in steps, not "could not stay connected".
func TestSessionRevokedInCall(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", true)
	u := startApp(t, env)
	signInAlice(t, u)
	v := dialActive(t, u, "@bob")
	<-bob.incoming
	waitFor(t, "Alice's updates caught up", func() bool { return env.Server.Differences(101) > 0 })
	if n := env.Server.RevokeSessions(101); n != 1 {
		t.Fatalf("revoked %d of Alice's sessions, want 1", n)
	}
	env.Server.DropConnections()
	waitFor(t, "the call ended, saying Alice was signed out", func() bool {
		return v.last.State.Terminal() && strings.HasPrefix(v.message.Text, "Alice Archer was signed out: ")
	})
	waitFor(t, "the sign-in steps", func() bool { return u.me == nil && u.signIn != nil && u.content == nil })
	inUI(func() {
		if v.rating != nil {
			t.Error("a rating asked of a signed-out account")
		}
	})
}

// TestSessionRevokedSeenByCall: the only account's session ended by the
// server is first heard of by placing a call (no reconnect, no
// getDifference): the call ends, its window saying the account was signed
// out, as in a call, and the sign-in steps follow; no error dialog.
func TestSessionRevokedSeenByCall(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	signInAlice(t, u)
	waitFor(t, "Alice's updates caught up", func() bool { return env.Server.Differences(101) > 0 })
	if n := env.Server.RevokeSessions(101); n != 1 {
		t.Fatalf("revoked %d of Alice's sessions, want 1", n)
	}
	inUI(func() {
		i := contactIndex(u.contacts, "bob")
		if i < 0 {
			t.Fatal("no Bob among Alice's contacts")
		}
		u.dial(u.contacts.shown[i])
	})
	v := callWindow(t, u)
	waitFor(t, "the call ended, saying Alice was signed out", func() bool {
		return v.last.State.Terminal() && strings.HasPrefix(v.message.Text, "Alice Archer was signed out: ")
	})
	waitFor(t, "the sign-in steps", func() bool { return u.me == nil && u.signIn != nil && u.content == nil })
	inUI(func() {
		if v.rating != nil || u.main.Canvas().Overlays().Top() != nil {
			t.Errorf("rating asked %v, a dialog over the main window %v", v.rating != nil, u.main.Canvas().Overlays().Top() != nil)
		}
	})
}

// TestSessionRevokedSeenByContacts: Bob's session ended by the server is
// first heard of by reloading his contacts: he is listed as signed out,
// saying so, as when his updates hear it; Alice stays signed in.
func TestSessionRevokedSeenByContacts(t *testing.T) {
	_, u, bob := twoAccountsBobRevoked(t)
	inUI(func() { bob.contacts.load() })
	waitFor(t, "Bob listed as signed out", func() bool {
		return bob.signedOut && bob.me == nil && bob.signIn != nil && u.session == bob
	})
	inUI(func() {
		if a := u.accounts[0]; a.me == nil || a.signedOut || a.contacts == nil || len(a.contacts.all) != 7 {
			t.Error("Alice's account went with Bob's")
		}
		if u.main.Canvas().Overlays().Top() != nil {
			t.Error("a dialog over the main window")
		}
		checkBobListedSignedOut(t, u, bob)
		u.hideSwitcher()
	})
}

// twoAccountsBobRevoked starts the app with Alice and Bob signed in, Bob
// shown, and ends Bob's session on the server once his updates have
// caught up, as a session in use is; the app has not heard it yet.
func twoAccountsBobRevoked(t *testing.T) (*sandboxtest.Env, *UI, *session) {
	t.Helper()
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startTwoAccounts(t, env, t.TempDir()) // Bob shown
	var bob *session
	inUI(func() { bob = u.accounts[1] })
	waitFor(t, "Bob's updates caught up", func() bool { return env.Server.Differences(102) > 0 })
	if n := env.Server.RevokeSessions(102); n != 1 {
		t.Fatalf("revoked %d of Bob's sessions, want 1", n)
	}
	return env, u, bob
}

// checkBobListedSignedOut checks, on the UI goroutine, what a signed-out
// Bob beside a signed-in Alice shows: his sign-in steps with the note and
// Remove account, Back to Alice, and the switcher's lines. It leaves the
// switcher open.
func checkBobListedSignedOut(t *testing.T, u *UI, bob *session) {
	t.Helper()
	note := false
	for _, o := range test.LaidOutObjects(bob.signIn.root) {
		if l, ok := o.(*wrapLabel); ok && strings.HasPrefix(l.Text, "Bob Baker was signed out: ") {
			note = true
		}
	}
	if !note || !bob.signIn.remove.Visible() {
		t.Errorf("the sign-in steps say nothing of Bob (%v) or offer no Remove account", note)
	}
	test.Tap(bob.signIn.back)
	if u.session == bob || u.self.Username != "alice" {
		t.Error("Back to my accounts did not show Alice")
	}
	u.showSwitcher()
	var labels []string
	for _, r := range u.switchRows {
		labels = append(labels, switcherLine(r.entry))
	}
	want := []string{"Alice Archer | @alice · +9996620001 ✓", "Bob Baker | Signed out — sign in again", "Add account", "Sign out of Alice Archer"}
	if !slices.Equal(labels, want) {
		t.Errorf("the switcher lists %q, want %q", labels, want)
	}
}
