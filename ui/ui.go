package ui

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/widget"
	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
)

// DemoUser is a sandbox account the sign-in window offers.
type DemoUser struct{ Name, Phone string }

// Options configure the app.
type Options struct {
	// Sandbox points at the local sandbox; nil means real Telegram with
	// AppID and AppHash.
	Sandbox *account.Sandbox
	AppID   int
	AppHash string
	// ConfigDir holds the session and settings files (0700).
	ConfigDir string
	// DemoUsers are offered as one-click sign-ins in the sandbox.
	DemoUsers []DemoUser
	// AutoSignIn, in the sandbox, signs this demo user in when no session
	// is saved, so the app opens ready to call.
	AutoSignIn *DemoUser
	// Audio, when set, replaces the devices from the settings (tests).
	Audio *audio.Config
	// Started is when the process started, for the cold-start figure in the log.
	Started time.Time
	Logger  *slog.Logger
}

// UI is tgphone's desktop app: its windows, its settings and the accounts
// signed in (accounts.go). It embeds the account shown in the main window,
// so u.contacts, u.mgr and the like are the shown account's; whatever must
// reach a particular account (its calls, its history) goes through that
// account's *session instead.
type UI struct {
	*session // the account shown; never nil after New

	app          fyne.App
	opts         Options
	log          *slog.Logger
	settingsPath string

	mu       sync.Mutex // guards settings, the accounts' self and missed counts, which other goroutines read
	settings Settings

	// accounts are every account of this app, signed in or signing in, in
	// the order they were added (accounts.json); changed on the UI
	// goroutine under mu, read elsewhere under mu. line lets one of them
	// be in a call at a time.
	accounts []*session
	line     calling.Line
	// missedWatch is told the missed-calls count of all accounts (tray).
	missedWatch func(int)

	main    fyne.Window
	calls   map[int64]*callView // open call windows by call id (0 until known)
	ring    *ringer
	status  *widget.Label
	confirm *confirmDialog // the click-to-call question, while shown
	// pick is the click-to-call question that asks which account calls,
	// while shown (clicktocall.go).
	pick *accountPick
	// pendingCall is a click-to-call target that came before sign-in
	// finished; it is asked about once signed in.
	pendingCall string
	quitAsk     *confirmDialog    // "hang up and quit?", while shown
	settingsWin *settingsView     // the Settings window, while open
	keys        map[string]func() // the main window's shortcuts by name (keys.go)
	switcher    *widget.PopUp     // the account switcher, while open (switcher.go)
	switchRows  []*switcherRow    // its lines, while open

	trayIssue  string         // why there is no tray icon, "" when there is or not known yet (tray.go)
	signOutAsk *confirmDialog // "sign out?", while shown

	stopping atomic.Bool     // set once the app quits: UI work is dropped from then on
	runCtx   context.Context // what Start was given: accounts added later connect under it
}

// New prepares the app's windows and its accounts (accounts.json); Start
// connects them.
func New(a fyne.App, opts Options) (*UI, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	u := &UI{app: a, opts: opts, log: opts.Logger, calls: map[int64]*callView{},
		settingsPath: filepath.Join(opts.ConfigDir, "settings.json")}
	s, err := LoadSettings(u.settingsPath)
	u.settings = s
	useLanguage(chooseLanguage(s.Language)) // before the first window is built
	list, lerr := loadAccountList(u.accountsPath())
	if lerr != nil {
		u.log.Warn("accounts", "err", lerr)
	}
	for _, e := range list.Accounts {
		sess, serr := u.newSession(e.Dir)
		if serr != nil {
			return nil, serr
		}
		sess.saved = e
		u.accounts = append(u.accounts, sess)
		if u.session == nil || (list.Shown != 0 && e.UserID == list.Shown) {
			u.session = sess
		}
	}
	u.ring = newRinger(u)
	prepareApp(a)
	u.main = a.NewWindow("tgphone")
	u.main.Resize(fyne.NewSize(420, 620))
	u.status = newLabel(tr("common.connecting"))
	u.main.SetContent(container.NewCenter(u.status))
	u.main.SetMaster()
	u.main.SetCloseIntercept(u.requestQuit)
	u.addKey(fyne.KeyQ, u.requestQuit)
	// A question over the main window takes Esc (no) and, when it is
	// harmless, Enter (yes); Fyne's dialogs take neither.
	u.main.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch {
		case u.switcherOpen():
			u.switcherKey(k)
		case u.quitAsk != nil:
			if k.Name == fyne.KeyEscape {
				u.quitAsk.Hide() // Stay: Enter must not hang up by accident
			}
		case u.confirm != nil:
			answerKey(u.confirm, k)
		case u.pick != nil:
			u.pick.key(k)
		case u.signOutAsk != nil:
			if k.Name == fyne.KeyEscape {
				u.signOutAsk.Hide() // Cancel; Enter must not sign out by accident
			}
		}
	})
	if err != nil {
		u.log.Warn("settings", "err", err)
		var bad *unreadableSettings
		if !errors.As(err, &bad) { // the file is there but could not be opened
			err = errors.New(tr("settings.read_failed", "Err", errDetail(err)))
		}
		u.showError(err)
	}
	u.shortcuts()
	u.trayMenu()
	return u, nil
}

// Start shows the main window and connects every account in the
// background; the connections live until ctx ends.
func (u *UI) Start(ctx context.Context) {
	u.main.Show()
	u.runCtx = ctx
	for _, s := range u.accounts {
		s.start(ctx)
	}
}

func (u *UI) serviceName() string {
	if u.opts.Sandbox != nil {
		return tr("service.sandbox")
	}
	return "Telegram"
}

// applyCallSettings hands every account's call manager what Settings
// decide for the next call (applyAccountSettings).
func (u *UI) applyCallSettings(st Settings, store bool) {
	for _, s := range u.accounts {
		s.applyAccountSettings(st, store)
	}
}

// applyAccountSettings hands the account's call manager what Settings
// decide for the next call: the peer-to-peer policy (at once, so choosing
// "Nobody" stops the next call revealing this computer's address whatever
// the server says) and Do Not Disturb; store also writes the peer-to-peer
// rule to Telegram, where the user's other apps read it.
func (u *session) applyAccountSettings(s Settings, store bool) {
	mgr := u.mgr
	if mgr == nil {
		return
	}
	p := s.p2pPolicy()
	mgr.SetP2P(p)
	mgr.SetDoNotDisturb(s.DoNotDisturb)
	if !store {
		return
	}
	rpc(u, func(ctx context.Context) (struct{}, error) { return struct{}{}, mgr.SaveP2P(ctx, p) },
		func(_ struct{}, err error) {
			if err != nil {
				u.log.Warn("save the peer-to-peer setting to Telegram", "err", err)
			}
		})
}

// rpc runs f off the UI goroutine, on u's account's connection, and hands
// its result back to it. An answer saying the server ended the account's
// session (account.SessionEnded) is dropped once the account is signed out
// of that: sessionEnded says so, once, however many requests heard it.
func rpc[T any](u *session, f func(ctx context.Context) (T, error), done func(T, error)) {
	ctx := u.ctx
	if ctx == nil {
		done(*new(T), errors.New(tr("main.not_connected")))
		return
	}
	self := u.acct.Self()
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		v, err := f(ctx)
		u.do(func() {
			if err != nil && self != nil && u.acct.Self() != self && account.SessionEnded(err) {
				u.log.Info("an answer of a session the server ended dropped", "err", err)
				return
			}
			done(v, err)
		})
	}()
}

// signedIn builds the account's call manager and tabs, and shows them if
// it is the account shown.
func (u *session) signedIn(me *tg.User) {
	if other := u.accountOf(me.ID); other != nil && other != u {
		// Signed in again through Add account (or a signed-out account's
		// sign-in): the first session stays.
		u.log.Info("account already signed in here", "user_id", me.ID)
		u.showError(errors.New(tr("accounts.already", "Name", nameOf(account.ContactFromUser(me)))))
		acct := u.acct
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := acct.LogOut(ctx); err != nil {
				u.log.Warn("log the second session out", "err", err)
			}
		}()
		if u.signedOut {
			// Still the signed-out account it was, files and all.
			u.showSignIn()
		} else {
			u.dropAccount(u)
		}
		u.show(other)
		return
	}
	u.me = me
	u.adding, u.signedOut = false, false
	if u.signIn != nil {
		u.signIn.stopTicker()
	}
	u.signIn = nil
	u.mu.Lock()
	u.self = account.ContactFromUser(me)
	u.mu.Unlock()
	engines, versions, err := calling.DefaultEngines("")
	if err != nil {
		u.showError(u.sentence(tr("main.no_engines"), err))
		return
	}
	u.mgr = calling.NewManager(calling.Config{
		API: u.acct.API(), SelfID: me.ID, Engines: engines, Versions: versions,
		OpenAudio: u.openAudio, P2P: u.currentSettings().p2pPolicy(), IsContact: u.isContact,
		OnIncoming: func(c *calling.Call) { u.do(func() { u.incoming(c) }) },
		// Turned away (Do Not Disturb, another call): Recents lists it as missed.
		OnTurnedAway: func(t calling.TurnedAway) { u.do(func() { u.recents.turnedAway(t) }) },
		CallLogDir:   u.callLogDir(),
		Line:         &u.line,
		Logger:       u.log.With("component", "calling", "account", me.ID),
	})
	u.mgr.Attach(u.acct)
	u.applyAccountSettings(u.currentSettings(), false)
	// Telegram's own peer-to-peer rule is what the user's other apps show:
	// the Settings choice follows it.
	rpc(u, u.mgr.LoadP2P, func(p calling.P2PPolicy, err error) {
		if err != nil {
			u.log.Warn("read the peer-to-peer setting", "err", err)
			return
		}
		u.mu.Lock()
		u.settings.P2P = p2pSetting(p)
		u.mu.Unlock()
	})
	u.acct.OnHistoryChanged(func() { u.do(func() { u.recents.refresh() }) })
	rpc(u, func(ctx context.Context) (struct{}, error) { return struct{}{}, u.mgr.LoadConfig(ctx) },
		func(_ struct{}, err error) {
			if err != nil {
				u.log.Warn("call config", "err", err)
			}
		})
	u.contacts = newContactsView(u)
	u.dialer = newDialerView(u)
	u.recents = newRecentsView(u)
	u.tabs = container.NewAppTabs(
		newTabItem(tr("tab.contacts"), u.contacts.root),
		newTabItem(tr("tab.dialer"), u.dialer.root),
		newTabItem(tr("tab.recents"), u.recents.root),
	)
	u.tabs.OnSelected = u.tabSelected
	u.header = u.newAccountButton()
	header := border(nil, nil, nil, hbox(u.offline,
		newButton(tr("common.settings"), u.showSettings),
		newButton(tr("common.sign_out"), u.askSignOut),
	), u.header)
	u.content = container.New(maxWidth{contentWidth + 40}, container.NewBorder(header, nil, nil, nil, u.tabs))
	u.contacts.load()
	u.recents.refresh()
	if u.UI.session == u {
		u.show(u)
	} else {
		u.saveAccounts()
	}
	u.refreshAccountButtons()
	if t := u.pendingCall; t != "" {
		u.pendingCall = ""
		u.askToCall(t)
	}
}

// accountOf is the signed-in account of user id, nil if none.
func (u *UI) accountOf(id int64) *session {
	for _, s := range u.accounts {
		if s.me != nil && s.me.ID == id {
			return s
		}
	}
	return nil
}

func (u *UI) currentSettings() Settings {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.settings
}

// openAudio opens each call's audio with the devices chosen now.
func (u *UI) openAudio(ctx context.Context, onDevice func(audio.Event)) (calling.AudioSession, error) {
	cfg := u.currentSettings().audioConfig()
	if u.opts.Audio != nil {
		cfg = *u.opts.Audio
	}
	return calling.AudioOpener(cfg, u.log)(ctx, onDevice)
}

func (u *session) isContact(id int64) bool {
	if u.contacts == nil {
		return false
	}
	return u.contacts.has(id)
}

// dial places a call from this account and opens its window.
func (u *session) dial(peer account.Contact) {
	if u.mgr == nil {
		return
	}
	if u.isOffline() {
		u.showError(u.offlineError(nameOf(peer)))
		return
	}
	c, err := u.mgr.Dial(peer)
	if err != nil {
		u.showError(errors.New(endingText(calling.EndingOf(calling.StateFailed, err, true), nameOf(peer))))
		return
	}
	u.openCallWindow(c)
}

// incoming shows the ringing window, unless this computer should not ring.
func (u *session) incoming(c *calling.Call) {
	s := c.Snapshot()
	if u.currentSettings().DoNotDisturb {
		u.log.Info("incoming call not shown: do not disturb is on", "call_id", s.ID)
		return
	}
	// The ringing window sends the desktop notification with Accept and
	// Decline itself (notify.go); Fyne's SendNotification would add a second
	// one without them.
	u.openCallWindow(c)
}

// signOut logs the account out; another account signed in is shown then,
// or the sign-in steps when it was the only one.
func (u *session) signOut() {
	rpc(u, func(ctx context.Context) (struct{}, error) { return struct{}{}, u.acct.LogOut(ctx) },
		func(_ struct{}, err error) {
			if err != nil {
				u.showError(u.sentence(tr("signout.failed"), err))
				return
			}
			u.forgetSignedIn()
			u.main.SetTitle("tgphone")
			u.dropAccount(u)
			u.setMissed(0)
		})
}

// shortcuts: Ctrl+F search, Ctrl+D dialer, Ctrl+R recents, Ctrl+, settings,
// Ctrl+1…Ctrl+9 the accounts (Ctrl+Q quits from the start). Each acts on
// the account shown when pressed.
func (u *UI) shortcuts() {
	add := u.addKey
	add(fyne.KeyF, func() {
		if u.tabs != nil {
			u.tabs.SelectIndex(0)
			u.main.Canvas().Focus(u.contacts.search)
		}
	})
	add(fyne.KeyD, func() {
		if u.tabs != nil {
			u.tabs.SelectIndex(1)
			u.main.Canvas().Focus(u.dialer.entry)
		}
	})
	add(fyne.KeyR, func() {
		if u.tabs != nil {
			u.tabs.SelectIndex(2)
		}
	})
	add(fyne.KeyComma, u.showSettings)
	for i, k := range []fyne.KeyName{fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5, fyne.Key6, fyne.Key7, fyne.Key8, fyne.Key9} {
		add(k, func() { u.selectAccount(i) })
	}
}

// trayMenu offers show and quit from the system tray where there is one.
func (u *UI) trayMenu() {
	d, ok := u.app.(desktop.App)
	if !ok {
		return
	}
	d.SetSystemTrayMenu(u.trayItems())
	u.followMissedInTray(d)
	go func() {
		if p := trayProblem(context.Background()); p != "" {
			u.log.Warn("no tray icon", "why", p)
			u.do(func() { u.trayIssue = p })
		}
	}()
}

// trayItems: show, settings and a Quit that asks during a call.
func (u *UI) trayItems() *fyne.Menu {
	var items []*fyne.MenuItem
	if n := u.MissedCalls(); n > 0 {
		items = append(items, missedItem(n, u.showRecents), fyne.NewMenuItemSeparator())
	}
	items = append(items,
		fyne.NewMenuItem(tr("menu.show"), func() { u.main.Show(); u.main.RequestFocus() }),
		fyne.NewMenuItem(tr("common.settings"), u.showSettings),
		quitItem(u.requestQuit),
	)
	return fyne.NewMenu("tgphone", items...)
}

// showError shows one sentence in a dialog on the main window.
func (u *UI) showError(err error) {
	showErrorOn(u.main, err)
}

// Show brings the main window to the front.
func (u *UI) Show() {
	u.do(func() {
		u.main.Show()
		u.main.RequestFocus()
	})
}
