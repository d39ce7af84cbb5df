package cli

import (
	"strings"
	"testing"
	"time"
)

// TestClickToCallOwnAccountStartsDefault (issue 17 item 3): with only Bob's
// app running, a click on Bob's number (`tgphone call @bob`) is for another
// account to make: the default account's app (the sandbox's Alice) starts
// and keeps the request until it has signed in. It used to end at once,
// exit status 1 and no window, with "that is the account signed in there"
// on a terminal the user clicking a link does not see.
func TestClickToCallOwnAccountStartsDefault(t *testing.T) {
	d := startDesktop(t)
	d.startApp(t, "--as", "bob")
	c := d.launchApp(t, "call", "@bob")
	if _, err := d.x.find("tgphone — Alice Archer", 60*time.Second); err != nil {
		select {
		case <-c.done:
			t.Fatalf("`tgphone call @bob` ended (%v) without starting the default account's app:\n%s", c.err, c.stderr)
		default:
		}
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(c.stderr.String(), "click-to-call waits for sign-in") && !strings.Contains(c.stderr.String(), "contacts shown") {
		if time.Now().After(deadline) {
			t.Fatalf("the default app neither kept the request nor signed in:\n%s", c.stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case <-c.done:
		t.Fatalf("the default app ended (%v):\n%s", c.err, c.stderr)
	default:
	}
}
