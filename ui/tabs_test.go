package ui

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// contactIndex is the row of the contact with this username, -1 if not shown.
func contactIndex(v *contactsView, username string) int {
	for i, c := range v.shown {
		if c.Username == username {
			return i
		}
	}
	return -1
}

// TestContactRows: rows are compact; Down from the search field selects
// the first row and Up/Down in the list move it; Enter on the list and a
// double click call the row shown selected; a starred contact goes to the
// top and stays starred after a restart; a contact whose privacy forbids
// calls shows a disabled Call with the reason.
func TestContactRows(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	u := startApp(t, env)
	signInAlice(t, u)
	c := u.contacts
	inUI(func() {
		row := c.newRow()
		c.updateRow(0, row)
		if h := row.MinSize().Height; h > 50 {
			t.Errorf("a contact row is %.0f px tall, want about 48", h)
		}
		if c.selected != -1 {
			t.Errorf("with no search, row %d is selected", c.selected)
		}
		c.search.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		if c.selected != 0 {
			t.Errorf("Down from the search field selected row %d, want 0", c.selected)
		}
		c.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		c.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		c.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyUp})
		if c.selected != 1 {
			t.Errorf("Down, Down, Up in the list: row %d selected, want 1", c.selected)
		}
	})

	// A wide window: the list and search field keep a phone's width, centred.
	inUI(func() {
		u.main.Resize(fyne.NewSize(1100, 700))
		w, x := c.search.Size().Width, c.search.Position().X
		if w > contentWidth || w < contentWidth/2 {
			t.Errorf("at 1100 px the search field is %.0f px wide, want at most %d", w, contentWidth)
		}
		if abs := fyne.CurrentApp().Driver().AbsolutePositionForObject(c.search).X; abs < 200 {
			t.Errorf("at 1100 px the search field starts at x=%.0f (%.0f in its box): not centred", abs, x)
		}
		u.main.Resize(fyne.NewSize(420, 620))
	})

	// Star echo: it moves to the top, and the choice is kept.
	var echo int
	inUI(func() {
		echo = contactIndex(c, "echo")
		if echo <= 0 {
			t.Fatalf("echo is row %d; the test needs it below the top", echo)
		}
		row := c.newRow().(*contactRow)
		c.updateRow(echo, row)
		test.Tap(row.star)
		if got := contactIndex(c, "echo"); got != 0 {
			t.Errorf("starred echo is row %d, want 0", got)
		}
	})
	if b, err := os.ReadFile(u.statePath()); err != nil || !strings.Contains(string(b), "favorites") {
		t.Errorf("favourites not in state.json: %q, %v", b, err)
	}
	inUI(func() {
		again := newContactsView(u.session)
		again.all = c.all
		again.filter("")
		if got := contactIndex(again, "echo"); got != 0 {
			t.Errorf("after a restart echo is row %d, want 0 (favourite)", got)
		}
	})

	// The privacy-restricted demo user cannot be called: the row says why.
	var private int
	inUI(func() {
		private = contactIndex(c, "private")
		if private < 0 {
			t.Fatal("the demo user 'private' is not among alice's contacts")
		}
		c.updateRow(private, c.newRow()) // showing the row asks the server
	})
	waitFor(t, "the server's answer for 'private'", func() bool {
		_, ok := c.callable[c.shown[private].ID]
		return ok
	})
	inUI(func() {
		row := c.newRow().(*contactRow)
		c.updateRow(private, row)
		if !row.call.Disabled() || !strings.Contains(row.sub.Text, "privacy") {
			t.Errorf("private's row: call disabled %v, subtitle %q", row.call.Disabled(), row.sub.Text)
		}
		c.list.Select(private)
		c.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if len(u.calls) != 0 || !strings.Contains(c.empty.Text, "privacy") {
			t.Errorf("Enter on 'private' dialed (%d calls) or said %q", len(u.calls), c.empty.Text)
		}
	})

	// Enter on the list calls the selected row (echo, on top): the call
	// is placed at once (Manager.Dial), so the live call says who.
	var live *calling.Call
	inUI(func() {
		c.list.Select(0)
		c.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		live = u.liveCall()
		if live == nil || live.Snapshot().Peer.Username != "echo" {
			t.Fatalf("Enter on the selected echo row placed %v", live)
		}
		live.Hangup()
	})
	<-live.Done()

	// A double click calls the row clicked, whatever was selected.
	inUI(func() {
		bob := contactIndex(c, "bob")
		row := c.newRow().(*contactRow)
		c.updateRow(bob, row)
		c.list.Select(0)
		row.DoubleTapped(&fyne.PointEvent{})
		if c.selected != bob {
			t.Errorf("the double-clicked row %d is not selected (%d)", bob, c.selected)
		}
		live = u.liveCall()
		if live == nil || live.Snapshot().Peer.Username != "bob" {
			t.Fatalf("a double click on bob's row placed %v", live)
		}
		live.Hangup()
	})
	<-live.Done()
}

// TestRecentsMissedAndCancelled: a call bob gave up on is missed, in red,
// counted on the Recents tab and for the tray until Recents is shown; a
// call turned away by Do Not Disturb is missed too; alice's own call she
// hung up before the answer is "Cancelled", not "Not answered", with its
// log file; calls are grouped under a day heading; Enter on a row calls back.
func TestRecentsMissedAndCancelled(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	bob := newPeer(t, env, "bob", false)
	u := startApp(t, env)
	signInAlice(t, u)
	told := make(chan int, 10)
	u.OnMissedCalls(func(n int) { told <- n })

	// Bob calls and gives up while it rings.
	call := bob.dial(t, "@alice")
	v := callWindow(t, u)
	waitFor(t, "alice's phone to ring", func() bool { return v.last.State == calling.StateRinging })
	call.Hangup()
	<-call.Done()
	waitFor(t, "the missed call on the Recents tab", func() bool {
		return u.MissedCalls() == 1 && u.tabs.Items[recentsIndex].Text == "Recents (1)"
	})
	if n := <-told; n != 1 {
		t.Errorf("the tray was told %d missed calls, want 1", n)
	}
	inUI(func() {
		e := u.recents.entries[0]
		if callOutcome(e) != outcomeMissed || !strings.HasPrefix(historyLine(e), "Missed") {
			t.Errorf("bob's abandoned call reads %q", historyLine(e))
		}
		if it := u.recents.items[0]; it.call != nil || it.heading != "Today" {
			t.Errorf("the first row is %+v, want the heading Today", it)
		}
		if u.recents.message.Visible() {
			t.Errorf("a line %q is shown above the list", u.recents.message.Text)
		}
		// Looking at Recents clears the count, here and for the tray, and
		// gives its list the keyboard.
		u.tabs.SelectIndex(recentsIndex)
		if u.MissedCalls() != 0 || u.tabs.Items[recentsIndex].Text != "Recents" {
			t.Errorf("after showing Recents: %d missed, tab %q", u.MissedCalls(), u.tabs.Items[recentsIndex].Text)
		}
		if u.main.Canvas().Focused() != u.recents.list {
			t.Errorf("showing Recents left the keyboard with %T", u.main.Canvas().Focused())
		}
		u.tabs.SelectIndex(0)
		for id, cv := range u.calls {
			cv.close()
			delete(u.calls, id)
		}
	})
	if n := <-told; n != 0 {
		t.Errorf("the tray was told %d after Recents was shown, want 0", n)
	}

	// Do Not Disturb: bob's call is turned away, and listed as missed.
	inUI(func() { u.mgr.SetDoNotDisturb(true) })
	call = bob.dial(t, "@alice")
	<-call.Done()
	waitFor(t, "the turned-away call in Recents", func() bool {
		es := u.recents.entries
		return len(es) >= 2 && es[0].CallID == call.Snapshot().ID && es[0].TurnedAway != "" && u.MissedCalls() == 1
	})
	inUI(func() {
		if got := outcomeWords(u.recents.entries[0]); got != "Missed · Do Not Disturb was on" {
			t.Errorf("the turned-away call reads %q", got)
		}
		u.mgr.SetDoNotDisturb(false)
	})

	// Alice calls bob and hangs up before he answers: cancelled, with a log.
	inUI(func() { u.dial(account.ContactFromUser(bob.c.Self)) })
	v = callWindow(t, u)
	waitFor(t, "bob's phone to ring", func() bool { return v.last.State == calling.StateRinging })
	inUI(func() { v.c.Hangup() })
	<-v.c.Done()
	inUI(func() { u.tabs.SelectIndex(recentsIndex) }) // showing Recents reads it again
	waitFor(t, "the cancelled call in Recents", func() bool {
		return len(u.recents.entries) >= 3 && u.recents.entries[0].Outgoing && u.recents.entries[0].HungUpHere
	})
	inUI(func() {
		e := u.recents.entries[0]
		if got := outcomeWords(e); got != "Cancelled" {
			t.Errorf("alice's call she hung up reads %q, want Cancelled", got)
		}
		if e.LogFile == "" {
			t.Error("the call has no log file to open")
		}
		row := u.recents.newRow().(*recentRow)
		u.recents.updateRow(1, row) // row 0 is the heading
		if !row.log.Visible() {
			t.Error("the row of a logged call offers no Log button")
		}
		for id, cv := range u.calls {
			cv.close()
			delete(u.calls, id)
		}
		// Enter on the selected row calls back; the heading is skipped.
		u.recents.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyDown})
		if u.recents.list.selected != 1 {
			t.Errorf("Down selected row %d, want 1 (0 is the heading)", u.recents.list.selected)
		}
		u.recents.list.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		live := u.liveCall()
		if live == nil || live.Snapshot().Peer.ID != bob.c.Self.ID {
			t.Fatalf("Enter on bob's row placed %v", live)
		}
		live.Hangup()
	})
}

// TestTurnedAwayListedFirst: a call turned away here that the server's
// history does not list yet is shown, newest first even within the same
// whole second as the server's newest call, and once the server lists it
// the server's entry is the one shown.
func TestTurnedAwayListedFirst(t *testing.T) {
	at := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	bob := account.Contact{ID: 102, FirstName: "Bob"}
	v := &recentsView{turned: []calling.TurnedAway{{CallID: 7, Peer: bob, Date: at, Why: calling.TurnedAwayDoNotDisturb}}}
	server := []recentCall{{HistoryEntry: account.HistoryEntry{CallID: 5, Peer: bob, Reason: "missed", Date: at}},
		{HistoryEntry: account.HistoryEntry{CallID: 4, Peer: bob, Reason: "missed", Date: at.Add(-time.Minute)}}}
	got := v.withTurnedAway(slices.Clone(server))
	if len(got) != 3 || got[0].CallID != 7 || got[0].TurnedAway == "" || callOutcome(got[0]) != outcomeMissed {
		t.Fatalf("with the turned-away call: %+v", got)
	}
	if n := len(unseenMissed(got, []int64{5})); n != 2 {
		t.Errorf("%d unseen missed calls, want 2 (the turned-away and the older one)", n)
	}
	listed := append([]recentCall{{HistoryEntry: account.HistoryEntry{CallID: 7, Peer: bob, Reason: "busy", Date: at}}}, server...)
	if got := v.withTurnedAway(listed); len(got) != 3 || len(v.turned) != 0 {
		t.Errorf("once the server lists it: %d entries, %d kept aside", len(got), len(v.turned))
	}
}
