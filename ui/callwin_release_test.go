package ui

import (
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestCallPanelReleasedOnClose: a closed call window lets go of what
// would keep it alive past Fyne's cache (issue 17 item 16): its canvas no
// longer holds the panel (letGo), it leaves u.calls, its key handler goes, the call ending after the window closed
// refreshes none of its widgets (which would make new renderers for the
// cache to hold), and a dismissed rating no longer reaches the view.
func TestCallPanelReleasedOnClose(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	newPeer(t, env, "bob", true)
	newPeer(t, env, "carol", true) // a second call, to someone not just hung up on
	u := startApp(t, env)
	signInAlice(t, u)
	// Closed mid-call: the close hangs up, the end comes after.
	v := dialActive(t, u, "@bob")
	var state string
	inUI(func() {
		state = v.state.Text
		v.w.Close()
	})
	waitFor(t, "the call to end", func() bool { return v.last.State.Terminal() })
	inUI(func() {
		for id, cv := range u.calls {
			if cv == v {
				t.Errorf("the closed window is still u.calls[%d]", id)
			}
		}
		if v.w.Canvas().OnTypedKey() != nil {
			t.Error("the closed window keeps its key handler (it holds the view)")
		}
		if v.state.Text != state {
			t.Errorf("the closed window's state line was refreshed to %q after it closed", v.state.Text)
		}
		if holds(v.w.Content(), v.hangup) {
			t.Error("the closed window's canvas still holds the call panel (Fyne's text cache keeps a closed canvas)")
		}
	})

	// Hung up and the rating dismissed with Esc.
	v = dialActive(t, u, "@carol")
	inUI(func() { test.Tap(v.hangup) })
	waitFor(t, "the rating", func() bool { return v.rating != nil })
	var r *ratingView
	inUI(func() {
		r = v.rating
		v.w.Canvas().OnTypedKey()(&fyne.KeyEvent{Name: fyne.KeyEscape})
		if !v.closed {
			t.Fatal("Esc did not close the window")
		}
		if v.rating != nil || r.v != nil || r.d != nil {
			t.Errorf("the dismissed rating is still held: view's %v, its view %v, its dialog %v", v.rating != nil, r.v != nil, r.d != nil)
		}
		test.Tap(r.stars[2]) // a renderer left in Fyne's cache is tapped no more; if it were, nothing follows
		if r.chosen != 0 {
			t.Errorf("a star of the closed rating still chooses (%d)", r.chosen)
		}
	})
}
