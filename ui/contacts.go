package ui

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/account"
)

// contentWidth is the widest the tabs' lists and controls grow: a phone
// list at 1100 px edge to edge puts the Call button far from the name.
const contentWidth = 560

// contactsView lists the address book, favourites first, with search as
// you type. Up and Down select a row (from the search field too), Enter or
// a double click calls the selected row.
type contactsView struct {
	u      *session
	root   fyne.CanvasObject
	search *keyEntry
	list   *keyList
	empty  *wrapLabel
	all    []account.Contact
	shown  []account.Contact
	query  string
	// selected is the row shown selected, -1 for none.
	selected int
	// favorites are the starred contacts' ids (state.json).
	favorites []int64
	// callable holds what CanCall said of each contact checked: nil, or
	// why the contact cannot be called. A contact is checked once, when
	// its row is first shown.
	callable map[int64]error
	checking map[int64]bool
	// now is the clock the rows' "last seen" is worded against; tests set it.
	now func() time.Time
}

func newContactsView(u *session) *contactsView {
	v := &contactsView{u: u, selected: -1, callable: map[int64]error{}, checking: map[int64]bool{}, now: time.Now}
	st, err := loadState(u.statePath())
	if err != nil {
		u.log.Warn("app state", "err", err)
	}
	v.favorites = st.Favorites
	v.search = withHint(u.newEntry(), tr("contacts.search"), v.callSelected)
	v.search.OnChanged = v.filter
	// Up and Down move the selection while the focus stays in the search
	// field, so typing goes on and Enter calls the row shown selected.
	v.search.onKey = func(k *fyne.KeyEvent) bool {
		switch k.Name {
		case fyne.KeyDown:
			v.list.move(1)
		case fyne.KeyUp:
			v.list.move(-1)
		default:
			return false
		}
		return true
	}
	v.empty = newWrapLabel("")
	v.empty.Hide()
	v.list = newKeyList(func() int { return len(v.shown) }, v.newRow, v.updateRow)
	v.list.onEnter = v.callSelected
	v.list.onSelect = func(i int) { v.selected = i }
	v.root = container.New(maxWidth{contentWidth},
		container.NewBorder(container.NewVBox(v.search, v.empty), nil, nil, nil, v.list))
	return v
}

// contactRow is one row: its widgets, and a click selects it, a double
// click calls.
type contactRow struct {
	tapRow
	avatar *fyne.Container
	name   *widget.Label
	sub    *widget.Label
	star   *enterButton
	call   *rowCallButton
}

func (v *contactsView) newRow() fyne.CanvasObject {
	r := &contactRow{avatar: container.NewStack()}
	r.name = newRowName("")
	r.sub = newRowDetail("")
	r.star = newButtonWithIcon("", fgIcon(starBorderIcon), nil)
	r.star.Importance = widget.LowImportance
	r.call = newRowCallButton(nil)
	texts := container.New(twoLines{}, r.name, r.sub)
	row := border(nil, nil, container.NewCenter(r.avatar), hbox(r.star, container.NewCenter(r.call)), texts)
	r.content = row
	r.ExtendBaseWidget(r)
	return r
}

func (v *contactsView) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	r, ok := o.(*contactRow)
	if !ok || i < 0 || i >= len(v.shown) {
		return
	}
	c := v.shown[i]
	setText(r.name, nameOf(c))
	v.u.setRowAvatar(r.avatar, c)
	fav := slices.Contains(v.favorites, c.ID)
	if fav {
		r.star.SetIcon(theme.NewPrimaryThemedResource(starIcon))
	} else {
		r.star.SetIcon(fgIcon(starBorderIcon))
	}
	r.star.OnTapped = func() { v.setFavorite(c.ID, !fav) }
	why := v.cannotCall(c)
	if why != "" {
		setText(r.sub, why)
		r.call.Disable()
	} else {
		setText(r.sub, contactSubtitle(c, v.now()))
		r.call.Enable()
	}
	r.call.OnTapped = func() { v.u.dial(c) }
	r.onTap = func() { v.list.pick(i) }
	r.onDouble = func() {
		v.list.pick(i)
		v.callSelected()
	}
}

// cannotCall is why c cannot be called, "" when it can or is not known
// yet; the first time asks the server, off the UI goroutine.
func (v *contactsView) cannotCall(c account.Contact) string {
	if err, ok := v.callable[c.ID]; ok {
		return cannotCallWhy(err)
	}
	mgr := v.u.mgr
	if mgr == nil || v.checking[c.ID] || c.ID == 0 {
		return ""
	}
	v.checking[c.ID] = true
	rpc(v.u, func(ctx context.Context) (struct{}, error) { return struct{}{}, mgr.CanCall(ctx, c) },
		func(_ struct{}, err error) {
			delete(v.checking, c.ID)
			if err != nil && cannotCallWhy(err) == "" {
				// The network, not the contact: ask again when the row is next shown.
				v.u.log.Debug("can call", "user_id", c.ID, "err", err)
				return
			}
			v.callable[c.ID] = err
			v.list.Refresh()
		})
	return ""
}

// contactSubtitle is a contact row's second line at now: @username and
// last seen, in the UI's language.
func contactSubtitle(c account.Contact, now time.Time) string {
	var parts []string
	if c.Username != "" {
		handle := "@" + c.Username
		if rightToLeft() {
			// Isolated (LRI…PDI) as tr does for a field, so that in a
			// right-to-left line it reads "@bob", not "bob@".
			handle = "\u2066" + handle + "\u2069"
		}
		parts = append(parts, handle)
	}
	if seen := presenceWords(c.Presence, now); seen != "" {
		parts = append(parts, seen)
	}
	return strings.Join(parts, " · ")
}

func (v *contactsView) load() {
	rpc(v.u, func(ctx context.Context) ([]account.Contact, error) { return v.u.acct.Contacts(ctx) },
		func(cs []account.Contact, err error) {
			if err != nil {
				v.say(v.u.sentence(tr("contacts.load_failed"), err).Error())
				return
			}
			first := v.all == nil
			v.all = cs
			clear(v.callable)
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

// setFavorite stars or unstars a contact, keeps it in state.json and
// moves it to or from the top.
func (v *contactsView) setFavorite(id int64, on bool) {
	path := v.u.statePath()
	st, err := loadState(path)
	if err != nil {
		v.u.log.Warn("app state", "err", err)
	}
	st.setFavorite(id, on)
	v.favorites = st.Favorites
	if err := st.save(path); err != nil {
		v.u.log.Warn("save favourites", "err", err)
		v.u.showError(errors.New(tr("contacts.favourites_not_saved", "Err", errDetail(err))))
	}
	v.filter(v.search.Text)
}

// filter narrows the list locally at once, favourites first, and asks the
// server for people outside the contacts when nothing local matches.
func (v *contactsView) filter(q string) {
	v.query = q
	q = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(q), "@"))
	v.shown = v.shown[:0]
	for _, c := range v.all {
		if q == "" || strings.Contains(strings.ToLower(nameOf(c)), q) || strings.HasPrefix(strings.ToLower(c.Username), q) ||
			(c.Phone != "" && strings.Contains(c.Phone, q)) {
			v.shown = append(v.shown, c)
		}
	}
	// Stable: favourites keep the server's order among themselves, as do the others.
	slices.SortStableFunc(v.shown, func(a, b account.Contact) int {
		fa, fb := slices.Contains(v.favorites, a.ID), slices.Contains(v.favorites, b.ID)
		switch {
		case fa && !fb:
			return -1
		case fb && !fa:
			return 1
		}
		return 0
	})
	v.list.UnselectAll()
	v.list.Refresh()
	if q != "" && len(v.shown) > 0 {
		v.list.Select(0) // what Enter calls, shown as such
	}
	v.say("")
	if len(v.shown) > 0 || len(q) < 3 {
		if len(v.all) == 0 && q == "" {
			v.say(tr("contacts.empty"))
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
				v.say(tr("contacts.no_match", "Query", asked))
				return
			}
			v.shown = found
			v.list.Refresh()
			v.list.Select(0)
		})
}

// say shows a line above the list, or hides it when there is nothing to say.
func (v *contactsView) say(msg string) {
	setText(v.empty, msg)
	setVisible(v.empty, msg != "")
}

// callSelected calls the row shown selected, or the only row there is.
func (v *contactsView) callSelected() {
	i := v.selected
	if i < 0 && len(v.shown) == 1 {
		i = 0
	}
	if i < 0 || i >= len(v.shown) {
		return
	}
	c := v.shown[i]
	if why := cannotCallWhy(v.callable[c.ID]); why != "" {
		v.say(tr("contacts.cannot_call", "Name", nameOf(c), "Why", lowerFirst(why)))
		return
	}
	v.u.dial(c)
}
