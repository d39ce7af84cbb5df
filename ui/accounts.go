package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/calling"
)

// Several accounts in one window, as Telegram Desktop has them: each
// account signed in keeps its own connection, call manager (sharing the
// app's calling.Line, so one call at a time across all of them) and tabs,
// and rings whichever account is shown. The header's account button opens
// the switcher: every account (with its missed calls), Add account (the
// sign-in steps in this window) and Sign out of the one shown.
//
// Files: the first account keeps the app's config folder as it always did
// (session.json, state.json, calls/); each added one has a folder of its
// own under accounts/. accounts.json lists them in the order they were
// added and which one was shown, so a restart brings them all back.

// session is one account of the app: its connection, its calls and the
// main window's content while it is shown. It embeds the app, so its
// methods reach the windows and settings as the app's do.
type session struct {
	*UI
	dir string // its folder under the config folder, "" for the first account

	acct     *account.Client
	ctx      context.Context // lives while the account is connected
	mgr      *calling.Manager
	me       *tg.User
	self     account.Contact // the signed-in user; guarded by UI.mu, read by IsSelf
	missedN  int             // its missed calls not yet seen in its Recents; guarded by UI.mu
	signIn   *signInView
	tabs     *container.AppTabs
	contacts *contactsView
	dialer   *dialerView
	recents  *recentsView
	offline  *widget.Label     // in the header while the server is out of reach
	content  fyne.CanvasObject // the main window's content while shown, nil until signed in
	header   *accountButton

	// adding: added with Add account and not signed in yet.
	adding bool
	// saved is the account's line in accounts.json as last written: who
	// it was, for a signed-out account the server no longer knows.
	saved accountEntry
	// signedOut: a saved account whose session the server dropped
	// (terminated on another device, AUTH_KEY_UNREGISTERED, SESSION_REVOKED)
	// while others are signed in. It stays listed, with its folder and its
	// Recents' files, until signed in again or removed.
	signedOut bool
	stopConn  func()        // ends the connection start made
	connDone  chan struct{} // closed when it has ended
}

// accountEntry is one account in accounts.json.
type accountEntry struct {
	Dir    string `json:"dir"`
	UserID int64  `json:"user_id,omitempty"`
	Name   string `json:"name,omitempty"` // for the log; the server's is shown
}

type accountList struct {
	Accounts []accountEntry `json:"accounts"`
	Shown    int64          `json:"shown,omitempty"` // the user id shown last
}

func (u *UI) accountsPath() string { return filepath.Join(u.opts.ConfigDir, "accounts.json") }

// loadAccountList reads accounts.json; none (a config folder from before
// there were several accounts) is the first account alone.
func loadAccountList(path string) (accountList, error) {
	var l accountList
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return accountList{Accounts: []accountEntry{{}}}, nil
	}
	if err == nil {
		err = json.Unmarshal(b, &l)
	}
	if err != nil {
		return accountList{Accounts: []accountEntry{{}}}, fmt.Errorf("account list %s unreadable: %w", filepath.Base(path), err)
	}
	// A folder outside the config folder is not one we wrote.
	l.Accounts = slices.DeleteFunc(l.Accounts, func(e accountEntry) bool { return !validAccountDir(e.Dir) })
	if len(l.Accounts) == 0 {
		l.Accounts = []accountEntry{{}}
	}
	return l, nil
}

// validAccountDir: "" or accounts/N.
func validAccountDir(dir string) bool {
	if dir == "" {
		return true
	}
	rest, ok := strings.CutPrefix(dir, "accounts/")
	n, err := strconv.Atoi(rest)
	return ok && err == nil && n > 0 && strconv.Itoa(n) == rest
}

// saveAccounts writes accounts.json: the accounts signed in, signed out,
// still connecting or being added, and the one shown.
func (u *UI) saveAccounts() {
	var l accountList
	for _, s := range u.accounts {
		e := accountEntry{Dir: s.dir}
		switch {
		case s.me != nil:
			e.UserID, e.Name = s.me.ID, nameOf(account.ContactFromUser(s.me))
			s.saved = e
		case !s.adding:
			e = s.saved // signed out, or not connected yet: who it was stays
		}
		l.Accounts = append(l.Accounts, e)
	}
	if u.session != nil && u.session.me != nil {
		l.Shown = u.session.me.ID
	}
	b, err := json.MarshalIndent(l, "", "  ")
	if err == nil {
		err = writeFileAtomic(u.accountsPath(), b)
	}
	if err != nil {
		u.log.Warn("save the account list", "err", err)
	}
}

// writeFileAtomic writes b to path, 0600, through a temporary file.
func writeFileAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// newSession prepares the account kept in dir; start connects it.
func (u *UI) newSession(dir string) (*session, error) {
	s := &session{UI: u, dir: dir}
	if err := os.MkdirAll(s.path(), 0o700); err != nil {
		return nil, fmt.Errorf("account folder: %w", err)
	}
	acct, err := account.New(account.Options{AppID: u.opts.AppID, AppHash: u.opts.AppHash, Sandbox: u.opts.Sandbox,
		SessionFile: filepath.Join(s.path(), "session.json"), Logger: u.log.With("component", "account", "account_dir", dir)})
	if err != nil {
		return nil, err
	}
	s.acct = acct
	s.offline = newLabelWithStyle(tr("common.connecting"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	s.offline.Hide()
	// Calls that changed meanwhile catch up by getDifference once it is back.
	acct.OnConnection(func(online bool) { u.do(func() { s.setOnline(online) }) })
	acct.OnSessionEnded(func() { u.do(s.sessionEnded) })
	return s, nil
}

// path is the account's folder.
func (s *session) path() string { return filepath.Join(s.opts.ConfigDir, filepath.FromSlash(s.dir)) }

// start connects the account in the background until ctx ends or it is
// dropped; signed in, it builds its tabs, else the first account (or one
// being added) shows the sign-in steps.
func (s *session) start(ctx context.Context) {
	u := s.UI
	ctx, s.stopConn = context.WithCancel(ctx)
	s.connDone = make(chan struct{})
	go func() {
		defer close(s.connDone)
		err := s.acct.Run(ctx, func(ctx context.Context) error {
			u.do(func() {
				if !slices.Contains(u.accounts, s) {
					return // dropped (Add account given up) while connecting
				}
				s.ctx = ctx
				switch me := s.acct.Self(); {
				case me != nil:
					s.signedIn(me)
				case s.listSignedOut():
				case s.adding || s == u.accounts[0]:
					s.showSignIn()
					if d := u.opts.AutoSignIn; d != nil && u.opts.Sandbox != nil && !s.adding {
						s.signIn.auto = true
						s.signIn.phone.SetText("+" + d.Phone)
						s.signIn.requestCode()
					}
				default:
					// An Add account given up by quitting: it never signed
					// in, so nothing of it is worth keeping.
					u.log.Info("an account added but never signed in: dropped", "account_dir", s.dir)
					u.dropAccount(s)
				}
			})
			<-ctx.Done()
			return nil
		})
		if err != nil && ctx.Err() == nil {
			u.log.Error("connection ended", "err", err, "account_dir", s.dir)
			u.do(func() {
				if u.session != s {
					return
				}
				u.main.SetContent(lostView(tr("main.lost", "Service", u.serviceName())))
			})
		}
	}()
}

// lostView is the window's content once an account's connection has ended
// for good: the sentence wrapped to the window's width, in its middle. A
// centred plain label would not wrap and widened the window past the screen.
func lostView(text string) fyne.CanvasObject {
	msg := newWrapLabel(text)
	msg.Alignment = fyne.TextAlignCenter
	return container.NewPadded(container.NewVBox(layout.NewSpacer(), msg, layout.NewSpacer()))
}

// stop ends the account's connection and waits for it, up to ctx.
func (s *session) stop(ctx context.Context) error {
	if s.stopConn == nil {
		return nil
	}
	s.stopConn()
	select {
	case <-s.connDone:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("disconnect: %w", ctx.Err())
	}
}

// listSignedOut lists a saved account the server no longer knows as signed
// in as signed out, its files kept, for the user to sign in again or
// remove; false (nothing done) for a new account or the only one.
func (s *session) listSignedOut() bool {
	if s.saved.UserID == 0 || len(s.accounts) < 2 {
		return false
	}
	s.log.Warn("a saved account is no longer signed in: listed as signed out", "account_dir", s.dir)
	s.setSignedOut()
	return true
}

// sessionEnded: the server ended the signed-in account's session while
// the app runs (terminated from another device). Its call in progress
// ends, and it is left as a start would find it: listed as signed out, or,
// the only account, at the sign-in steps.
func (s *session) sessionEnded() {
	if s.me == nil {
		return
	}
	s.saveAccounts() // who it was, for its signed-out line and its call's end
	// Its requests fail now: its call ends, its window saying why; so does
	// one that has just failed by the request that heard it (a call being
	// placed), whose end is yet to reach its window.
	for _, v := range s.calls {
		if v.u == s && !v.last.State.Terminal() {
			v.signedOut = true
		}
	}
	if c := s.liveCall(); c != nil {
		c.Hangup()
	}
	s.forgetSignedIn()
	s.content, s.tabs = nil, nil
	if s.UI.session == s {
		s.main.SetTitle("tgphone")
	}
	if !s.listSignedOut() {
		s.showSignIn()
		s.saveAccounts()
		s.refreshAccountButtons()
	}
	s.setMissed(0)
}

// forgetSignedIn drops what the session held of its signed-in user, as a
// sign-out (signOut) or the server ending the session (sessionEnded)
// leaves it.
func (s *session) forgetSignedIn() {
	s.mgr, s.me = nil, nil
	s.mu.Lock()
	s.self = account.Contact{}
	s.missedN = 0
	s.mu.Unlock()
	s.header = nil
}

// liveCall is the account's call in progress, nil if none (or no call
// manager: no media engine).
func (s *session) liveCall() *calling.Call {
	if s.mgr == nil {
		return nil
	}
	return s.mgr.Live()
}

// setSignedOut lists the account as signed out: the switcher names it so,
// and shown it offers the sign-in steps again, or its removal.
func (s *session) setSignedOut() {
	s.signedOut = true
	s.showSignIn()
	s.saveAccounts()
	s.refreshAccountButtons()
}

// savedContact is who a signed-out account was, for its line in the
// switcher: its name and user id (its avatar's colour) from accounts.json.
func (s *session) savedContact() account.Contact {
	return account.Contact{ID: s.saved.UserID, FirstName: s.saved.Name}
}

// signedInAccounts are the accounts signed in, in the switcher's order.
func (u *UI) signedInAccounts() []*session {
	var out []*session
	for _, s := range u.accounts {
		if s.me != nil {
			out = append(out, s)
		}
	}
	return out
}

// accountName names the account a call came to or goes from, for call
// windows and questions: "" with one account signed in, where it goes
// without saying.
func (s *session) accountName() string {
	if s.me == nil || len(s.signedInAccounts()) < 2 {
		return ""
	}
	return nameOf(s.self)
}

// show makes s the account the main window shows.
func (u *UI) show(s *session) {
	u.hideSwitcher()
	u.session = s
	switch {
	case s.content != nil:
		u.main.SetContent(s.content)
		u.main.SetTitle("tgphone — " + nameOf(s.self))
		u.main.Canvas().Focus(s.contacts.search)
	case s.signIn != nil:
		u.main.SetTitle("tgphone")
		u.main.SetContent(container.NewPadded(s.signIn.root))
		u.main.Canvas().Focus(s.signIn.phone)
	default:
		u.main.SetTitle("tgphone")
		setText(u.status, tr("common.connecting"))
		u.main.SetContent(container.NewCenter(u.status))
	}
	if s.me != nil {
		u.saveAccounts()
	}
}

// addAccount starts signing another account in, in this window.
func (u *UI) addAccount() {
	dir := u.freeAccountDir()
	s, err := u.newSession(dir)
	if err != nil {
		u.showError(err)
		return
	}
	s.adding = true
	u.mu.Lock()
	u.accounts = append(u.accounts, s)
	u.mu.Unlock()
	u.show(s)
	s.start(u.runCtx)
}

// freeAccountDir is a folder no account uses, nor any earlier one did.
func (u *UI) freeAccountDir() string {
	for n := 2; ; n++ {
		dir := "accounts/" + strconv.Itoa(n)
		used := slices.ContainsFunc(u.accounts, func(s *session) bool { return s.dir == dir })
		if _, err := os.Stat(filepath.Join(u.opts.ConfigDir, "accounts", strconv.Itoa(n))); !used && errors.Is(err, os.ErrNotExist) {
			return dir
		}
	}
}

// dropAccount ends an account's connection and forgets it (signed out,
// or an Add account given up); another account is shown. The last
// account is never dropped: it shows the sign-in steps instead.
func (u *UI) dropAccount(s *session) {
	i := slices.Index(u.accounts, s)
	if i < 0 {
		return
	}
	if len(u.accounts) == 1 {
		s.adding, s.signedOut = false, false
		s.content = nil
		s.showSignIn()
		return
	}
	u.mu.Lock()
	u.accounts = slices.Delete(u.accounts, i, i+1)
	u.mu.Unlock()
	if s.signIn != nil {
		s.signIn.stopQR()
		s.signIn.stopTicker()
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownWait)
		defer cancel()
		if err := s.stop(ctx); err != nil {
			u.log.Warn("drop account", "err", err)
		}
		if s.dir != "" {
			// Its session file is void and its history is Telegram's.
			if err := os.RemoveAll(s.path()); err != nil {
				u.log.Warn("remove the account's folder", "err", err)
			}
		}
	}()
	if u.session == s {
		next := u.accounts[0]
		if signed := u.signedInAccounts(); len(signed) > 0 {
			next = signed[0]
		}
		u.show(next)
	}
	u.saveAccounts()
	u.refreshAccountButtons()
}

// shutdownWait bounds a dropped account's disconnect.
const shutdownWait = 10 * time.Second

// selectAccount shows the i-th signed-in account (Ctrl+1…Ctrl+9).
func (u *UI) selectAccount(i int) {
	signed := u.signedInAccounts()
	if i >= 0 && i < len(signed) && signed[i] != u.session {
		u.show(signed[i])
	}
}

// accountButton is the header's account: avatar and name, and a count of
// the missed calls on the other accounts; it opens the switcher.
type accountButton struct {
	widget.BaseWidget
	btn    *enterButton
	pic    *avatar // its photo, once loaded, starts the switcher's line too
	name   *widget.Label
	others *widget.Label
	lines  *fyne.Container // name and others
	root   fyne.CanvasObject
}

func (s *session) newAccountButton() *accountButton {
	b := &accountButton{btn: newButton("", s.showSwitcher)}
	b.btn.Importance = widget.LowImportance
	b.name = newRowName(nameOf(s.self))
	// Under the name, so the name keeps its room in a narrow window.
	b.others = newRowDetail("")
	b.others.Importance = widget.DangerImportance
	b.others.Hide()
	b.pic = s.newAvatar(s.self, 28)
	b.lines = container.New(shownLines{}, b.name, b.others)
	b.root = container.NewStack(b.btn, border(nil, nil,
		container.NewCenter(b.pic), newLabel("▾"), b.lines))
	b.ExtendBaseWidget(b)
	return b
}

// shownLines lays out the objects shown as twoLines does.
type shownLines struct{}

func visibleObjects(objs []fyne.CanvasObject) []fyne.CanvasObject {
	var out []fyne.CanvasObject
	for _, o := range objs {
		if o.Visible() {
			out = append(out, o)
		}
	}
	return out
}

func (shownLines) MinSize(objs []fyne.CanvasObject) fyne.Size {
	return twoLines{}.MinSize(visibleObjects(objs))
}
func (shownLines) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	twoLines{}.Layout(visibleObjects(objs), size)
}

func (b *accountButton) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(b.root) }

// Tapped opens the switcher (the button underneath takes taps on it too).
func (b *accountButton) Tapped(*fyne.PointEvent) { b.btn.OnTapped() }

// refreshAccountButtons shows each account's header the missed calls of
// the others, and each signed-out account's sign-in steps the way back to
// the accounts signed in once there is one.
func (u *UI) refreshAccountButtons() {
	u.mu.Lock()
	total := 0
	for _, s := range u.accounts {
		total += s.missedN
	}
	counts := map[*session]int{}
	for _, s := range u.accounts {
		counts[s] = total - s.missedN
	}
	u.mu.Unlock()
	anySigned := len(u.signedInAccounts()) > 0
	for _, s := range u.accounts {
		if s.signIn != nil && s.signIn.back != nil {
			setVisible(s.signIn.back, anySigned)
		}
		if s.header == nil {
			continue
		}
		n := counts[s]
		setText(s.header.others, trn("accounts.missed_elsewhere", n))
		if s.header.others.Visible() != (n > 0) {
			setVisible(s.header.others, n > 0)
			s.header.lines.Refresh() // one line or two
		}
	}
}
