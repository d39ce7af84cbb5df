package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/gotd/td/tgerr"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestOfflineShownAndRefused: with the server cut off the header says
// "Connecting…", nobody is shown online, and a call is refused at once
// with a sentence (it used to sit on "Requesting…" for 20 s and end with
// "get dh config: waitSession: context deadline exceeded"). Back online,
// the contacts' real states return.
func TestOfflineShownAndRefused(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	newPeer(t, env, "bob", true) // online
	link := env.Link(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	u := startAppAt(t, test.NewTempApp(t), env, link.Addr(), "alice", audio.Config{Input: "silence", Output: "null", Ring: "null"})
	online := func() []string {
		var names []string
		for _, c := range u.contacts.all {
			if c.Presence.As(time.Now()).Kind == account.PresenceOnline {
				names = append(names, c.Username)
			}
		}
		return names
	}
	waitFor(t, "bob shown online", func() bool { return u.contacts != nil && slices.Contains(online(), "bob") })
	var bob account.Contact
	inUI(func() {
		for _, c := range u.contacts.all {
			if c.Username == "bob" {
				bob = c
			}
		}
	})
	link.Cut()
	waitFor(t, "'Connecting…' while cut off", func() bool { return u.isOffline() && drawn(u.main, u.offline) })
	inUI(func() {
		if names := online(); len(names) > 0 {
			t.Errorf("offline, yet shown online: %v", names)
		}
		for _, c := range u.contacts.shown {
			if strings.Contains(contactSubtitle(c, time.Now()), "online") {
				t.Errorf("offline, yet %s's row says %q", c.Username, contactSubtitle(c, time.Now()))
			}
		}
		u.dial(bob)
		if len(u.calls) != 0 {
			t.Error("a call was placed while offline")
		}
		labels, _ := overlayTexts(u.main)
		if len(labels) == 0 || !strings.Contains(strings.ToLower(strings.Join(labels, " ")), "the sandbox is out of reach right now, so tgphone cannot call bob baker") {
			t.Errorf("offline dial says %q", labels)
		}
		// The dialer says so at once too, rather than wait on a lookup.
		u.dialer.entry.SetText("@bob")
		u.dialer.dial()
		if !strings.HasPrefix(u.dialer.message.Text, "The sandbox is out of reach right now, so tgphone cannot call @bob") {
			t.Errorf("offline, the dialer says %q", u.dialer.message.Text)
		}
	})
	link.Restore()
	waitFor(t, "'Connecting…' gone and bob online again", func() bool { return !u.isOffline() && slices.Contains(online(), "bob") })
}

func TestUnreachableText(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{context.DeadlineExceeded, "Could not look up @bob: tgphone cannot reach the sandbox right now. Check your connection; tgphone keeps trying."},
		{fmt.Errorf("get dh config: waitSession: %w", context.DeadlineExceeded), "Could not look up @bob: tgphone cannot reach the sandbox right now. Check your connection; tgphone keeps trying."},
		{&net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}, "Could not look up @bob: tgphone cannot reach the sandbox right now. Check your connection; tgphone keeps trying."},
		{tgerr.New(400, "PHONE_NUMBER_BANNED"), "Could not look up @bob: the sandbox refused (PHONE_NUMBER_BANNED)."},
		{errors.New("decode: unexpected id 0x1234"), "Could not look up @bob: something went wrong in tgphone. The log has the details."},
	} {
		if got := unreachableText(c.err, "the sandbox", "Could not look up @bob"); got != c.want {
			t.Errorf("%v: %q", c.err, got)
		}
	}
}
