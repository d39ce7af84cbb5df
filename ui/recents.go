package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/calling"
)

// recentsIndex is the Recents tab's place among the main window's tabs.
const recentsIndex = 2

// recentsView is the call history Telegram keeps, newest first, grouped by
// day, with what this computer knows beyond it: calls it turned away
// (Do Not Disturb, another call) are missed, calls its user gave up on are
// cancelled, and each call it logged has its log file.
type recentsView struct {
	u       *session
	root    fyne.CanvasObject
	list    *keyList
	message *widget.Label
	entries []recentCall
	// items are the list's rows: a day heading (call nil) or a call.
	items []recentsItem
	logs  *callLogIndex
	// turned are the calls turned away in this session that the server's
	// history has not shown yet: the turning away's discardCall answer
	// (which carries the history message) is not applied by calling, so
	// the history may only show them on its next change.
	turned []calling.TurnedAway
}

type recentsItem struct {
	heading string
	call    *recentCall
}

func newRecentsView(u *session) *recentsView {
	v := &recentsView{u: u, logs: &callLogIndex{dir: u.callLogDir()}}
	v.message = newLabel("")
	v.message.Hide() // shown only with something to say: no blank line above the list
	v.list = newKeyList(func() int { return len(v.items) }, v.newRow, v.updateRow)
	v.list.onEnter = v.callSelected
	v.list.skip = func(i int) bool { return i < 0 || i >= len(v.items) || v.items[i].call == nil }
	v.root = container.New(maxWidth{contentWidth}, container.NewBorder(v.message, nil, nil, nil, v.list))
	return v
}

// callLogDir is where the call manager keeps a log file per call.
func (u *session) callLogDir() string {
	if u.opts.ConfigDir == "" {
		return ""
	}
	return filepath.Join(u.path(), "calls")
}

// recentRow is one row: a day heading, or a call with its buttons.
type recentRow struct {
	tapRow
	heading *widget.Label
	call    *fyne.Container
	avatar  *fyne.Container
	name    *widget.Label
	icon    *widget.Icon
	line    *widget.Label
	log     *enterButton
	rec     *enterButton
	back    *rowCallButton
}

func (v *recentsView) newRow() fyne.CanvasObject {
	r := &recentRow{avatar: container.NewStack()}
	r.heading = newLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	r.heading.SizeName = theme.SizeNameCaptionText
	r.name = newRowName("")
	r.icon = widget.NewIcon(nil)
	r.line = newRowDetail("")
	r.log = newButtonWithIcon(tr("recents.log"), theme.FileTextIcon(), nil)
	r.log.Importance = widget.LowImportance
	r.rec = newButtonWithIcon("", theme.MediaPlayIcon(), nil) // plays the call's recording
	r.rec.Importance = widget.LowImportance
	r.back = newRowCallButton(nil)
	line := border(nil, nil, container.NewCenter(container.NewGridWrap(fyne.NewSquareSize(14), r.icon)), nil, r.line)
	r.call = border(nil, nil, container.NewCenter(r.avatar),
		hbox(container.NewCenter(r.rec), container.NewCenter(r.log), container.NewCenter(r.back)), container.New(twoLines{}, r.name, line))
	r.content = container.NewStack(r.heading, r.call)
	r.ExtendBaseWidget(r)
	return r
}

func (v *recentsView) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	r, ok := o.(*recentRow)
	if !ok || i < 0 || i >= len(v.items) {
		return
	}
	it := v.items[i]
	if it.call == nil {
		setText(r.heading, it.heading)
		r.heading.Show()
		r.call.Hide()
		r.onTap, r.onDouble = nil, nil
		return
	}
	r.heading.Hide()
	r.call.Show()
	c := *it.call
	v.u.setRowAvatar(r.avatar, c.Peer)
	setText(r.name, nameOf(c.Peer))
	setText(r.line, historyLine(c))
	missed := callOutcome(c) == outcomeMissed
	imp := widget.MediumImportance
	if missed {
		imp = widget.DangerImportance
	}
	r.name.Importance, r.line.Importance = imp, imp
	r.name.Refresh()
	r.line.Refresh()
	r.icon.SetResource(outcomeIcon(c))
	if c.LogFile != "" {
		path := c.LogFile
		r.log.OnTapped = func() { v.openLog(path) }
		r.log.Show()
	} else {
		r.log.Hide()
	}
	if c.Recording != "" {
		path := c.Recording
		r.rec.OnTapped = func() { v.openFile(path, "the recording") }
		r.rec.Show()
	} else {
		r.rec.Hide()
	}
	r.back.OnTapped = func() { v.u.dial(c.Peer) }
	r.onTap = func() { v.list.pick(i) }
	r.onDouble = func() {
		v.list.pick(i)
		v.callSelected()
	}
}

// outcomeIcon: the arrow of the call's direction, red for a missed call;
// a call that never connected has the bent arrow of a call that went nowhere.
func outcomeIcon(c recentCall) fyne.Resource {
	switch o := callOutcome(c); {
	case o == outcomeMissed:
		return errorIcon(missedIcon)
	case c.Outgoing && o == outcomeAnswered:
		return fgIcon(outgoingIcon)
	case c.Outgoing:
		return fgIcon(unansweredIcon)
	}
	return fgIcon(incomingIcon)
}

func (v *recentsView) callSelected() {
	i := v.list.selected
	if i < 0 || i >= len(v.items) || v.items[i].call == nil {
		return
	}
	v.u.dial(v.items[i].call.Peer)
}

func (v *recentsView) openLog(path string) { v.openFile(path, "the call log") }

// openFile opens path in the desktop's application for it.
func (v *recentsView) openFile(path, what string) {
	if err := v.u.app.OpenURL(&url.URL{Scheme: "file", Path: path}); err != nil {
		v.u.log.Warn("open "+what, "path", path, "err", err)
		v.u.showError(fmt.Errorf("%s", tr("recents.open_failed", "File", filepath.Base(path))))
	}
}

// say shows a line above the list, or hides it when there is nothing to say.
func (v *recentsView) say(msg string) {
	setText(v.message, msg)
	setVisible(v.message, msg != "")
}

func (v *recentsView) refresh() {
	if v == nil {
		return
	}
	mgr, logs := v.u.mgr, v.logs
	rpc(v.u, func(ctx context.Context) ([]recentCall, error) {
		es, err := v.u.acct.CallHistory(ctx, 50)
		if err != nil {
			return nil, err
		}
		// Recordings are named for people, not calls; their tags tie them
		// to call ids. A folder that cannot be read only costs the buttons.
		recs, rerr := calling.ListRecordings(recordingsDir())
		if rerr != nil {
			v.u.log.Warn("list recordings", "err", rerr)
		}
		byCall := calling.RecordingsByCall(recs)
		out := make([]recentCall, len(es))
		for i, e := range es {
			out[i] = recentCall{HistoryEntry: e}
			if r := byCall[e.CallID]; len(r) > 0 {
				out[i].Recording = r[len(r)-1].Path
			}
			if mgr != nil {
				info := logs.lookup(mgr, e.CallID)
				out[i].LogFile, out[i].HungUpHere = info.path, info.hungUpHere
			}
		}
		return out, nil
	}, func(es []recentCall, err error) {
		if err != nil {
			v.say(v.u.sentence(tr("recents.load_failed"), err).Error())
			return
		}
		st, serr := loadState(v.u.statePath())
		if serr != nil {
			v.u.log.Warn("app state", "err", serr)
		}
		for i := range es {
			es[i].TurnedAway = st.turnedAwayWhy(es[i].CallID)
		}
		es = v.withTurnedAway(es)
		v.show(es, time.Now())
		if v.u.UI.session == v.u && v.u.tabs != nil && v.u.tabs.SelectedIndex() == recentsIndex {
			v.markSeen() // the user is looking at them
			return
		}
		v.u.setMissed(len(unseenMissed(es, st.SeenMissed)))
	})
}

// withTurnedAway adds the calls turned away here that es lacks, newest first.
func (v *recentsView) withTurnedAway(es []recentCall) []recentCall {
	v.turned = slices.DeleteFunc(v.turned, func(t calling.TurnedAway) bool {
		return slices.ContainsFunc(es, func(e recentCall) bool { return e.CallID == t.CallID })
	})
	if len(v.turned) == 0 {
		return es
	}
	var out []recentCall
	for _, t := range slices.Backward(v.turned) {
		out = append(out, recentCall{HistoryEntry: account.HistoryEntry{CallID: t.CallID, Peer: t.Peer, Kind: account.CallDeclined,
			Reason: "busy", Date: t.Date}, TurnedAway: t.Why})
	}
	// Newest first; within one second (the server's dates are whole
	// seconds) a turned-away call is newer than what the server listed
	// without it, so it goes first.
	out = append(out, es...)
	slices.SortStableFunc(out, func(a, b recentCall) int { return b.Date.Compare(a.Date) })
	return out
}

// show lays the calls out by day, newest first.
func (v *recentsView) show(es []recentCall, now time.Time) {
	v.entries = es
	v.items = v.items[:0]
	last := ""
	for i := range es {
		if h := dayHeading(es[i].Date, now); h != last {
			v.items = append(v.items, recentsItem{heading: h})
			last = h
		}
		v.items = append(v.items, recentsItem{call: &es[i]})
	}
	if len(es) == 0 {
		v.say(tr("recents.empty"))
	} else {
		v.say("")
	}
	v.list.UnselectAll()
	// Every row's height is set, not only the headings': a row that was a
	// heading in the last list would otherwise keep a heading's height.
	heading := newLabel("x")
	heading.SizeName = theme.SizeNameCaptionText
	call := v.newRow().MinSize().Height
	for i, it := range v.items {
		h := call
		if it.call == nil {
			h = heading.MinSize().Height
		}
		v.list.SetItemHeight(i, h)
	}
	v.list.Refresh()
}

// unseenMissed are the ids of the missed calls in es not among seen.
func unseenMissed(es []recentCall, seen []int64) []int64 {
	var ids []int64
	for _, e := range es {
		if callOutcome(e) == outcomeMissed && !slices.Contains(seen, e.CallID) {
			ids = append(ids, e.CallID)
		}
	}
	return ids
}

// markSeen: the user has seen Recents, so no call listed is missed unseen.
func (v *recentsView) markSeen() {
	if ids := unseenMissed(v.entries, nil); len(ids) > 0 {
		v.updateState(func(s *appState) { s.sawMissed(ids) })
	}
	v.u.setMissed(0)
}

// turnedAway records an incoming call answered busy without ringing, so
// Recents lists it as missed rather than declined.
func (v *recentsView) turnedAway(t calling.TurnedAway) {
	v.updateState(func(s *appState) { s.addTurnedAway(t.CallID, t.Why) })
	v.turned = append(v.turned, t)
	v.refresh()
}

func (v *recentsView) updateState(f func(*appState)) {
	path := v.u.statePath()
	st, err := loadState(path)
	if err != nil {
		v.u.log.Warn("app state", "err", err)
	}
	f(&st)
	if err := st.save(path); err != nil {
		v.u.log.Warn("save app state", "err", err)
	}
}

// tabSelected clears the missed-calls count when Recents is shown, gives
// its list the keyboard (Down selects a call, Enter calls back), and reads
// the history again: a call's log, which says who ended it, is complete
// only a moment after the call's end refreshed the list.
func (u *session) tabSelected(t *container.TabItem) {
	if u.recents != nil && u.tabs != nil && u.tabs.Items[recentsIndex] == t {
		u.recents.markSeen()
		u.main.Canvas().Focus(u.recents.list)
		u.recents.refresh()
	}
}

// MissedCalls is how many missed calls came, on all the accounts, since
// each one's Recents was last looked at: for the tray. Safe from any
// goroutine.
func (u *UI) MissedCalls() int {
	u.mu.Lock()
	defer u.mu.Unlock()
	n := 0
	for _, s := range u.accounts {
		n += s.missedN
	}
	return n
}

// OnMissedCalls has f told the count of all accounts whenever it changes
// (on the UI goroutine; it must not block): for the tray's badge or tooltip.
func (u *UI) OnMissedCalls(f func(n int)) {
	u.mu.Lock()
	u.missedWatch = f
	u.mu.Unlock()
}

// setMissed shows n, the account's count, on its Recents tab, the other
// accounts' headers, and tells the watcher the total.
func (u *session) setMissed(n int) {
	before := u.MissedCalls()
	u.mu.Lock()
	u.missedN = n
	f := u.missedWatch
	u.mu.Unlock()
	after := u.MissedCalls()
	if u.tabs != nil && len(u.tabs.Items) > recentsIndex {
		t := u.tabs.Items[recentsIndex]
		t.Text, t.Icon = shown(tr("tab.recents")), nil
		if n > 0 {
			t.Text, t.Icon = shown(tr("tab.recents_missed", "Count", n)), errorIcon(missedIcon)
		}
		u.tabs.Refresh()
	}
	u.refreshAccountButtons()
	if before != after && f != nil {
		f(after)
	}
}

// callLogIndex finds calls' log files and what they say of who ended the
// call, reading each file once: Manager.CallLogFile scans the folder.
type callLogIndex struct {
	dir   string
	mu    sync.Mutex
	found map[int64]callLogInfo
	// absent holds calls without a log while the folder's listing is stamp.
	absent map[int64]bool
	stamp  string
}

type callLogInfo struct {
	path       string
	hungUpHere bool
}

// lookup is what the log of call id says; zero without one.
func (x *callLogIndex) lookup(mgr *calling.Manager, id int64) callLogInfo {
	if x.dir == "" || id == 0 {
		return callLogInfo{}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if info, ok := x.found[id]; ok {
		return info
	}
	if s := folderStamp(x.dir); s != x.stamp || x.absent == nil {
		// A log was added, grew or went (or the first look, at a folder
		// that may not exist yet: an account's first call is not logged
		// here when another device took it).
		x.stamp, x.absent = s, map[int64]bool{}
	}
	if x.absent[id] {
		return callLogInfo{}
	}
	path := mgr.CallLogFile(id)
	if path == "" {
		x.absent[id] = true
		return callLogInfo{}
	}
	byUser, complete := hungUpHere(path)
	info := callLogInfo{path: path, hungUpHere: byUser}
	if !complete {
		return info // the call is still ending: read it again next time
	}
	if x.found == nil {
		x.found = map[int64]callLogInfo{}
	}
	x.found[id] = info
	return info
}

// folderStamp changes when a file in dir is added, removed or written.
func folderStamp(dir string) string {
	es, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for _, e := range es {
		if fi, err := e.Info(); err == nil {
			fmt.Fprintf(&b, "%s %d %d\n", e.Name(), fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return b.String()
}

// hungUpHere tells from a call's log whether this computer's user ended
// it: the call's state machine logs each change with the event that made
// it, and a hang-up is the user's when it began with user-hangup or
// user-decline rather than a timer running out or the server's word.
// complete says the file was closed ("call log closed" is its last record).
func hungUpHere(path string) (byUser, complete bool) {
	f, err := os.Open(path)
	if err != nil {
		return false, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	seen := false
	for sc.Scan() {
		var r struct{ Msg, To, Event string }
		if json.Unmarshal(sc.Bytes(), &r) != nil {
			continue
		}
		switch {
		case r.Msg == "call log closed":
			complete = true
		case !seen && r.Msg == "call state" && r.To == calling.StateHangingUp.String():
			seen = true
			byUser = r.Event == calling.EvUserHangup.String() || r.Event == calling.EvUserDecline.String()
		}
	}
	return byUser, complete
}
