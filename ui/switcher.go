package ui

import (
	"image/color"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The account switcher, which the header's account button opens under
// itself, as Telegram Desktop's account list: each account with its
// profile photo (the initials on its colour until the photo is there, and
// for one signed out), its name, its @username and number (or that it was
// signed out), its missed calls, the one shown ticked; then Add account and
// Sign out of the one shown. Click a line, or Down/Up and Enter; Esc or a
// click elsewhere closes it.

// switcherEntry is one line of the switcher.
type switcherEntry struct {
	s         *session // the account; nil on an action line
	name      string
	detail    string // @username · number, or the signed-out notice
	signedOut bool
	missed    int
	shown     bool          // the account the main window shows
	icon      fyne.Resource // an action line's icon
	action    func()
}

// switcherEntries are the switcher's lines: every account signed in or
// signed out, in the order they were added, then the actions.
func (u *UI) switcherEntries() []switcherEntry {
	var out []switcherEntry
	u.mu.Lock()
	for _, s := range u.accounts {
		switch {
		case s.me != nil:
			out = append(out, switcherEntry{s: s, name: nameOf(s.self), detail: peerHandle(s.self),
				missed: s.missedN, shown: s == u.session})
		case s.signedOut:
			out = append(out, switcherEntry{s: s, name: nameOf(s.savedContact()), detail: tr("accounts.signed_out"),
				signedOut: true, shown: s == u.session})
		}
	}
	u.mu.Unlock()
	for i := range out {
		s := out[i].s
		out[i].action = func() { u.show(s) }
	}
	out = append(out, switcherEntry{name: tr("accounts.add"), icon: theme.ContentAddIcon(), action: u.addAccount})
	if u.session.me != nil {
		out = append(out, switcherEntry{name: tr("accounts.sign_out", "Name", nameOf(u.session.self)),
			icon: theme.LogoutIcon(), action: u.askSignOut})
	}
	return out
}

// switcherAvatar is the size of the avatars in the switcher.
const switcherAvatar = 36

// showSwitcher opens the switcher under the account button.
func (u *UI) showSwitcher() {
	b := u.session.header
	if b == nil {
		return
	}
	u.hideSwitcher()
	entries := u.switcherEntries()
	box := container.NewVBox()
	u.switchRows = nil
	for i, e := range entries {
		if e.s == nil && i > 0 && entries[i-1].s != nil {
			box.Add(widget.NewSeparator())
		}
		r := u.newSwitcherRow(e)
		u.switchRows = append(u.switchRows, r)
		box.Add(r)
	}
	// At least as wide as the account button, and wide enough for a name
	// with its number.
	width := canvas.NewRectangle(color.Transparent)
	width.SetMinSize(fyne.NewSize(max(b.Size().Width, 300), 0))
	c := u.main.Canvas()
	u.switcher = widget.NewPopUp(container.NewStack(width, box), c)
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(b)
	u.switcher.ShowAtPosition(pos.AddXY(0, b.Size().Height))
}

// hideSwitcher closes the switcher if it is open.
func (u *UI) hideSwitcher() {
	if u.switcher != nil {
		u.switcher.Hide()
	}
	u.switcher, u.switchRows = nil, nil
}

// switcherOpen reports whether the switcher is shown (a click elsewhere
// closes it without telling).
func (u *UI) switcherOpen() bool {
	if u.switcher != nil && !u.switcher.Visible() {
		u.hideSwitcher()
	}
	return u.switcher != nil
}

// switcherKey: with no line focused yet, Down and Up focus the first and
// the last; Esc closes.
func (u *UI) switcherKey(k *fyne.KeyEvent) {
	switch {
	case k.Name == fyne.KeyEscape:
		u.hideSwitcher()
	case len(u.switchRows) == 0:
	case k.Name == fyne.KeyDown:
		u.main.Canvas().Focus(u.switchRows[0])
	case k.Name == fyne.KeyUp:
		u.main.Canvas().Focus(u.switchRows[len(u.switchRows)-1])
	}
}

// switcherRow is one line of the open switcher.
type switcherRow struct {
	widget.BaseWidget
	u                *UI
	entry            switcherEntry
	avatar           *avatar // an account's line; nil on an action line
	detail           *widget.Label
	badge            *fyne.Container // the missed calls, shown when there are some
	bg               *canvas.Rectangle
	content          fyne.CanvasObject
	hovered, focused bool
}

func (u *UI) newSwitcherRow(e switcherEntry) *switcherRow {
	r := &switcherRow{u: u, entry: e, bg: canvas.NewRectangle(color.Transparent)}
	name := newLabelWithStyle(e.name, fyne.TextAlignLeading, fyne.TextStyle{Bold: e.s != nil})
	name.Truncation = fyne.TextTruncateEllipsis
	if e.s == nil {
		// The icon centred where the avatars are, the words where the names are.
		pad := (switcherAvatar-theme.IconInlineSize())/2 + theme.Padding()
		r.content = border(nil, nil,
			container.New(layout.NewCustomPaddedLayout(0, 0, pad, pad), widget.NewIcon(e.icon)), nil, name)
		r.ExtendBaseWidget(r)
		return r
	}
	if e.signedOut {
		r.avatar = (*session)(nil).newAvatar(e.s.savedContact(), switcherAvatar)
	} else {
		r.avatar = e.s.newAvatar(e.s.self, switcherAvatar)
		// The header's avatar has the photo already, most of the time: no
		// initials flash before it.
		if h := e.s.header; h != nil && h.pic.photo != nil && r.avatar.photo == nil {
			r.avatar.photo, r.avatar.round = h.pic.photo, h.pic.round
		}
	}
	r.detail = newRowDetail(e.detail)
	if e.signedOut {
		r.detail.Importance = widget.DangerImportance
	}
	var trailing []fyne.CanvasObject
	if e.missed > 0 {
		r.badge = countBadge(e.missed)
		trailing = append(trailing, container.NewCenter(r.badge))
	}
	tick := widget.NewIcon(theme.ConfirmIcon())
	if !e.shown {
		tick.SetResource(nil) // its room stays, so the names line up
	}
	trailing = append(trailing, tick)
	// Mirrored in a right-to-left language, as the rest of the window.
	r.content = border(nil, nil, container.NewPadded(r.avatar), hbox(trailing...),
		container.New(twoLines{}, name, r.detail))
	r.ExtendBaseWidget(r)
	return r
}

// countBadge is a count in white on the missed-calls red, a pill as
// Telegram draws its unread counts.
func countBadge(n int) *fyne.Container {
	t := canvas.NewText(strconv.Itoa(n), color.White)
	t.TextStyle = fyne.TextStyle{Bold: true}
	t.TextSize = theme.CaptionTextSize()
	t.Alignment = fyne.TextAlignCenter
	bg := canvas.NewRectangle(hangupColour)
	bg.CornerRadius = (t.MinSize().Height + 4) / 2
	return container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(2, 2, 7, 7), t))
}

func (r *switcherRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewStack(r.bg, r.content))
}

func (r *switcherRow) activate() {
	r.u.hideSwitcher()
	r.entry.action()
}

func (r *switcherRow) Tapped(*fyne.PointEvent) { r.activate() }

func (r *switcherRow) MouseIn(*desktop.MouseEvent)    { r.hovered = true; r.refreshBg() }
func (r *switcherRow) MouseMoved(*desktop.MouseEvent) {}
func (r *switcherRow) MouseOut()                      { r.hovered = false; r.refreshBg() }

func (r *switcherRow) FocusGained()   { r.focused = true; r.refreshBg() }
func (r *switcherRow) FocusLost()     { r.focused = false; r.refreshBg() }
func (r *switcherRow) TypedRune(rune) {}

// TypedKey: Enter or Space acts, Down and Up move, Esc closes.
func (r *switcherRow) TypedKey(k *fyne.KeyEvent) {
	c := r.u.main.Canvas()
	switch k.Name {
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeySpace:
		r.activate()
	case fyne.KeyDown:
		c.FocusNext()
	case fyne.KeyUp:
		c.FocusPrevious()
	case fyne.KeyEscape:
		r.u.hideSwitcher()
	}
}

func (r *switcherRow) refreshBg() {
	switch {
	case r.focused:
		r.bg.FillColor = theme.Color(theme.ColorNameFocus)
	case r.hovered:
		r.bg.FillColor = theme.Color(theme.ColorNameHover)
	default:
		r.bg.FillColor = color.Transparent
	}
	r.bg.Refresh()
}
