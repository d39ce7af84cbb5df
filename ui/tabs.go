package ui

import (
	"context"
	"errors"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/account"
)

// avatar is a round badge with a contact's initials.
func avatar(name string) fyne.CanvasObject {
	circle := canvas.NewCircle(theme.Color(theme.ColorNamePrimary))
	text := canvas.NewText(initials(name), color.White)
	text.TextStyle = fyne.TextStyle{Bold: true}
	text.Alignment = fyne.TextAlignCenter
	return container.NewGridWrap(fyne.NewSize(36, 36), container.NewStack(circle, container.NewCenter(text)))
}

// contactsView lists the address book with search as you type; Enter
// calls the selected (or first) match.
type contactsView struct {
	u        *UI
	root     fyne.CanvasObject
	search   *keyEntry
	list     *widget.List
	empty    *widget.Label
	all      []account.Contact
	shown    []account.Contact
	selected int
	query    string
}

func newContactsView(u *UI) *contactsView {
	v := &contactsView{u: u, selected: -1}
	v.search = u.newEntry()
	v.search.SetPlaceHolder("Search contacts or @username")
	v.search.OnChanged = v.filter
	v.search.OnSubmitted = func(string) { v.callSelected() }
	// Up and Down move the selection while the focus stays in the search
	// field, so Enter calls the row shown selected.
	v.search.onKey = func(k *fyne.KeyEvent) bool {
		switch k.Name {
		case fyne.KeyDown:
			v.move(1)
		case fyne.KeyUp:
			v.move(-1)
		default:
			return false
		}
		return true
	}
	v.empty = widget.NewLabel("")
	v.empty.Wrapping = fyne.TextWrapWord
	v.empty.Hide()
	v.list = widget.NewList(
		func() int { return len(v.shown) },
		func() fyne.CanvasObject {
			name := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
			sub := widget.NewLabel("")
			return container.NewBorder(nil, nil, container.NewStack(), widget.NewButton("Call", nil),
				container.NewVBox(name, sub))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.shown) {
				return
			}
			c := v.shown[i]
			b := o.(*fyne.Container)
			texts := b.Objects[0].(*fyne.Container)
			texts.Objects[0].(*widget.Label).SetText(c.Name())
			texts.Objects[1].(*widget.Label).SetText(contactSubtitle(c))
			av := b.Objects[1].(*fyne.Container)
			av.Objects = []fyne.CanvasObject{avatar(c.Name())}
			av.Refresh()
			call := b.Objects[2].(*widget.Button)
			call.OnTapped = func() { v.u.dial(c) }
		},
	)
	v.list.OnSelected = func(i widget.ListItemID) { v.selected = i }
	v.root = container.NewBorder(container.NewVBox(v.search, v.empty), nil, nil, nil, v.list)
	return v
}

func contactSubtitle(c account.Contact) string {
	var parts []string
	if c.Username != "" {
		parts = append(parts, "@"+c.Username)
	}
	if c.LastSeen != "" {
		parts = append(parts, c.LastSeen)
	}
	return strings.Join(parts, " · ")
}

func (v *contactsView) load() {
	rpc(v.u, func(ctx context.Context) ([]account.Contact, error) { return v.u.acct.Contacts(ctx) },
		func(cs []account.Contact, err error) {
			if err != nil {
				v.say("Could not load contacts: " + err.Error())
				return
			}
			first := v.all == nil
			v.all = cs
			v.filter(v.search.Text)
			if first && !v.u.opts.Started.IsZero() {
				v.u.log.Info("contacts shown", "since_start_ms", time.Since(v.u.opts.Started).Milliseconds(), "contacts", len(cs))
			}
		})
}

func (v *contactsView) has(id int64) bool {
	for _, c := range v.all {
		if c.ID == id {
			return true
		}
	}
	return false
}

// filter narrows the list locally at once, and asks the server for
// people outside the contacts when nothing local matches.
func (v *contactsView) filter(q string) {
	v.query = q
	q = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(q), "@"))
	v.shown = v.shown[:0]
	for _, c := range v.all {
		if q == "" || strings.Contains(strings.ToLower(c.Name()), q) || strings.HasPrefix(strings.ToLower(c.Username), q) ||
			(c.Phone != "" && strings.Contains(c.Phone, q)) {
			v.shown = append(v.shown, c)
		}
	}
	v.selected = -1
	v.list.UnselectAll()
	v.list.Refresh()
	if q != "" && len(v.shown) > 0 {
		v.list.Select(0) // what Enter calls, shown as such
	}
	v.say("")
	if len(v.shown) > 0 || len(q) < 3 {
		if len(v.all) == 0 && q == "" {
			v.say("No contacts yet. Use the dialer to call a @username or +phone.")
		}
		return
	}
	asked := v.query
	rpc(v.u, func(ctx context.Context) ([]account.Contact, error) { return v.u.acct.Search(ctx, q, 20) },
		func(found []account.Contact, err error) {
			if v.query != asked {
				return // the user typed on
			}
			if err != nil || len(found) == 0 {
				v.say("Nobody matches “" + asked + "”.")
				return
			}
			v.shown = found
			v.list.Refresh()
			v.list.Select(0)
		})
}

// say shows a line above the list, or hides it when there is nothing to say.
func (v *contactsView) say(msg string) {
	v.empty.SetText(msg)
	setVisible(v.empty, msg != "")
}

// move selects the row d below (above, if negative) the selected one.
func (v *contactsView) move(d int) {
	if len(v.shown) == 0 {
		return
	}
	i := max(0, min(v.selected+d, len(v.shown)-1))
	if v.selected < 0 {
		i = 0
	}
	v.list.Select(i)
	v.list.ScrollTo(i)
}

func (v *contactsView) callSelected() {
	i := v.selected
	if i < 0 && len(v.shown) > 0 {
		i = 0
	}
	if i >= 0 && i < len(v.shown) {
		v.u.dial(v.shown[i])
	}
}

// dialerView calls a @username or +phone typed or keyed in.
type dialerView struct {
	u       *UI
	root    fyne.CanvasObject
	entry   *keyEntry
	call    *widget.Button
	message *widget.Label
}

func newDialerView(u *UI) *dialerView {
	v := &dialerView{u: u}
	v.entry = u.newEntry()
	v.entry.SetPlaceHolder("@username or +phone number")
	v.entry.OnSubmitted = func(string) { v.dial() }
	v.message = widget.NewLabel("")
	v.message.Wrapping = fyne.TextWrapWord
	keys := container.NewGridWithColumns(3)
	for _, k := range []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "+", "0", "⌫"} {
		k := k
		keys.Add(widget.NewButton(k, func() {
			if k == "⌫" {
				if t := v.entry.Text; t != "" {
					v.entry.SetText(string([]rune(t)[:len([]rune(t))-1]))
				}
				return
			}
			v.entry.SetText(v.entry.Text + k)
		}))
	}
	v.call = widget.NewButton("Call", v.dial)
	v.call.Importance = widget.HighImportance
	v.root = container.NewVBox(v.entry, keys, v.call, v.message)
	return v
}

func (v *dialerView) dial() {
	q := strings.TrimSpace(v.entry.Text)
	if q == "" {
		v.message.SetText("Type a @username or a +phone number.")
		return
	}
	v.message.SetText("Looking up " + q + "…")
	rpc(v.u, func(ctx context.Context) (account.Contact, error) { return v.u.acct.Resolve(ctx, q) },
		func(c account.Contact, err error) {
			switch {
			case errors.Is(err, account.ErrNotFound):
				v.message.SetText("Nobody on " + v.u.serviceName() + " matches “" + q + "”.")
			case err != nil:
				v.message.SetText("Could not look up " + q + ": " + err.Error())
			default:
				v.message.SetText("")
				v.u.dial(c)
			}
		})
}

// recentsView is the call history Telegram keeps, newest first.
type recentsView struct {
	u       *UI
	root    fyne.CanvasObject
	list    *widget.List
	message *widget.Label
	entries []account.HistoryEntry
}

func newRecentsView(u *UI) *recentsView {
	v := &recentsView{u: u}
	v.message = widget.NewLabel("")
	v.list = widget.NewList(
		func() int { return len(v.entries) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, nil, widget.NewButton("Call back", nil),
				container.NewVBox(widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), widget.NewLabel("")))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(v.entries) {
				return
			}
			e := v.entries[i]
			b := o.(*fyne.Container)
			texts := b.Objects[0].(*fyne.Container)
			texts.Objects[0].(*widget.Label).SetText(e.Peer.Name())
			texts.Objects[1].(*widget.Label).SetText(historyLine(e, time.Now()))
			b.Objects[1].(*widget.Button).OnTapped = func() { v.u.dial(e.Peer) }
		},
	)
	v.root = container.NewBorder(v.message, nil, nil, nil, v.list)
	return v
}

func (v *recentsView) refresh() {
	if v == nil {
		return
	}
	rpc(v.u, func(ctx context.Context) ([]account.HistoryEntry, error) { return v.u.acct.CallHistory(ctx, 50) },
		func(es []account.HistoryEntry, err error) {
			if err != nil {
				v.message.SetText("Could not load recent calls: " + err.Error())
				return
			}
			v.entries = es
			if len(es) == 0 {
				v.message.SetText("No calls yet.")
			} else {
				v.message.SetText("")
			}
			v.list.Refresh()
		})
}

// historyLine: "↗ answered · 2:05 · today 14:02", "↗ busy · today 14:02".
func historyLine(e account.HistoryEntry, now time.Time) string {
	arrow := map[account.CallKind]string{account.CallOutgoing: "↗", account.CallIncoming: "↙",
		account.CallMissed: "✗", account.CallDeclined: "⊘"}[e.Kind]
	parts := []string{arrow + " " + historyWords(e)}
	if e.Duration > 0 {
		parts = append(parts, formatDuration(e.Duration))
	}
	when := e.Date.Local()
	switch {
	case sameDay(when, now):
		parts = append(parts, "today "+when.Format("15:04"))
	case sameDay(when, now.AddDate(0, 0, -1)):
		parts = append(parts, "yesterday "+when.Format("15:04"))
	default:
		parts = append(parts, when.Format("2 Jan 15:04"))
	}
	return strings.Join(parts, " · ")
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// historyWords says how a call went, from the server's discard reason and
// duration: every outgoing call used to read "outgoing".
func historyWords(e account.HistoryEntry) string {
	switch {
	case e.Duration > 0:
		return "answered"
	case e.Reason == "disconnect":
		return "failed"
	case e.Outgoing && e.Reason == "busy":
		return "busy" // the callee was in a call, or declined (Telegram does not tell)
	case e.Outgoing && e.Reason == "hangup":
		return "declined"
	case e.Outgoing:
		return "not answered" // nobody answered, or the caller gave up first
	case e.Reason == "busy":
		return "declined"
	case e.Reason == "missed":
		return "missed"
	}
	return e.Kind.String()
}
