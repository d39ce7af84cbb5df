package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestClickToCallBeforeSignIn: `tgphone call @bob` with the app not running
// starts it with the request; the request is kept until sign-in finishes,
// then the app asks and dials (it used to say "sign in first, then call
// @bob again").
func TestClickToCallBeforeSignIn(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", true)
	u := startAppOn(t, test.NewTempApp(t), env, "alice", audio.Config{Input: "silence", Output: "null", Ring: "null"})
	u.AskToCall("@bob") // as cli does right after Start, before sign-in
	waitFor(t, "the question after sign-in", func() bool { return u.confirm != nil })
	var labels []string
	inUI(func() {
		var buttons map[string]*widget.Button
		labels, buttons = overlayTexts(u.main)
		if !strings.Contains(strings.Join(labels, "\n"), "tgphone was asked to call Bob Baker (@bob).") {
			t.Errorf("the question reads %q", labels)
		}
		yes := buttons["Call"]
		if yes == nil {
			t.Fatalf("the question offers %v", buttons)
		}
		test.Tap(yes)
	})
	v := callWindow(t, u)
	in := <-bob.incoming
	if got := in.Snapshot().Peer.Username; got != "alice" {
		t.Errorf("bob is called by %q", got)
	}
	inUI(func() { test.Tap(v.hangup) })
	waitFor(t, "the end", func() bool { return v.last.State.Terminal() })
}

// TestClickToCallNeverCallsOneself: asked to call its own account, the app
// says so and dials nobody; IsSelf lets the instance server send such a
// request to another account's app.
func TestClickToCallNeverCallsOneself(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startAppOn(t, test.NewTempApp(t), env, "alice", audio.Config{Input: "silence", Output: "null", Ring: "null"})
	if u.IsSelf("@alice") {
		t.Error("IsSelf before sign-in")
	}
	waitFor(t, "signed in", func() bool { return u.mgr != nil && u.contacts != nil })
	for target, want := range map[string]bool{"@alice": true, "@Alice": true, "+9996620001": true, "@bob": false, "+9996620002": false} {
		if got := u.IsSelf(target); got != want {
			t.Errorf("IsSelf(%q) = %v", target, got)
		}
	}
	u.AskToCall("@alice")
	waitFor(t, "the error", func() bool {
		labels, _ := overlayTexts(u.main)
		return strings.Contains(strings.Join(labels, "\n"), "@alice is you")
	})
	inUI(func() {
		if u.confirm != nil || len(u.calls) != 0 {
			t.Errorf("asked %v, call windows %d", u.confirm != nil, len(u.calls))
		}
	})
}
