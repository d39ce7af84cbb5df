package ui

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
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

// UI is tgphone's desktop app: one account, its windows and its calls.
type UI struct {
	app          fyne.App
	opts         Options
	log          *slog.Logger
	settingsPath string

	mu       sync.Mutex // guards settings and self, which other goroutines read
	settings Settings
	self     account.Contact // the signed-in user, for IsSelf

	acct *account.Client
	ctx  context.Context // lives while the account is connected
	mgr  *calling.Manager
	me   *tg.User

	main     fyne.Window
	signIn   *signInView
	tabs     *container.AppTabs
	contacts *contactsView
	dialer   *dialerView
	recents  *recentsView
	missed   missedCalls         // the Recents tab's count of missed calls (recents.go)
	calls    map[int64]*callView // open call windows by call id (0 until known)
	ring     *ringer
	status   *widget.Label
	offline  *widget.Label         // in the header while the server is out of reach
	confirm  *dialog.ConfirmDialog // the click-to-call question, while shown
	// pendingCall is a click-to-call target that came before sign-in
	// finished; it is asked about once signed in.
	pendingCall string
	quitAsk     *dialog.ConfirmDialog // "hang up and quit?", while shown
	settingsWin *settingsView         // the Settings window, while open
	keys        map[string]func()     // the main window's shortcuts by name (keys.go)

	trayIssue  string                // why there is no tray icon, "" when there is or not known yet (tray.go)
	signOutAsk *dialog.ConfirmDialog // "sign out?", while shown

	stopping atomic.Bool   // set once the app quits: UI work is dropped from then on
	stopConn func()        // ends the connection Start made
	connDone chan struct{} // closed when it has ended
}

// New prepares the app's windows; Start connects.
func New(a fyne.App, opts Options) (*UI, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	u := &UI{app: a, opts: opts, log: opts.Logger, calls: map[int64]*callView{},
		settingsPath: filepath.Join(opts.ConfigDir, "settings.json")}
	s, err := LoadSettings(u.settingsPath)
	u.settings = s
	useLanguage(chooseLanguage(s.Language)) // before the first window is built
	acct, aerr := account.New(account.Options{AppID: opts.AppID, AppHash: opts.AppHash, Sandbox: opts.Sandbox,
		SessionFile: filepath.Join(opts.ConfigDir, "session.json"), Logger: opts.Logger.With("component", "account")})
	if aerr != nil {
		return nil, aerr
	}
	u.acct = acct
	u.ring = newRinger(u)
	if a.Icon() == nil {
		a.SetIcon(appIcon)
	}
	u.main = a.NewWindow("tgphone")
	u.main.Resize(fyne.NewSize(420, 620))
	u.status = widget.NewLabel(tr("common.connecting"))
	u.main.SetContent(container.NewCenter(u.status))
	u.offline = widget.NewLabelWithStyle(tr("common.connecting"), fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	u.offline.Hide()
	// Calls that changed meanwhile catch up by getDifference once it is back.
	acct.OnConnection(func(online bool) { u.do(func() { u.setOnline(online) }) })
	u.main.SetMaster()
	u.main.SetCloseIntercept(u.requestQuit)
	u.addKey(fyne.KeyQ, u.requestQuit)
	// A question over the main window takes Esc (no) and, when it is
	// harmless, Enter (yes); Fyne's dialogs take neither.
	u.main.Canvas().SetOnTypedKey(func(k *fyne.KeyEvent) {
		switch {
		case u.quitAsk != nil:
			if k.Name == fyne.KeyEscape {
				u.quitAsk.Hide() // Stay: Enter must not hang up by accident
			}
		case u.confirm != nil:
			answerKey(u.confirm, k)
		case u.signOutAsk != nil:
			if k.Name == fyne.KeyEscape {
				u.signOutAsk.Hide() // Cancel; Enter must not sign out by accident
			}
		}
	})
	if err != nil {
		u.log.Warn("settings", "err", err)
		u.showError(err)
	}
	u.trayMenu()
	return u, nil
}

// Start shows the main window and connects in the background; the
// connection lives until ctx ends.
func (u *UI) Start(ctx context.Context) {
	u.main.Show()
	ctx, u.stopConn = context.WithCancel(ctx)
	u.connDone = make(chan struct{})
	go func() {
		defer close(u.connDone)
		err := u.acct.Run(ctx, func(ctx context.Context) error {
			u.do(func() {
				u.ctx = ctx
				if me := u.acct.Self(); me != nil {
					u.signedIn(me)
				} else {
					u.showSignIn()
					if d := u.opts.AutoSignIn; d != nil && u.opts.Sandbox != nil {
						u.signIn.auto = true
						u.signIn.phone.SetText("+" + d.Phone)
						u.signIn.requestCode()
					}
				}
			})
			<-ctx.Done()
			return nil
		})
		if err != nil && ctx.Err() == nil {
			u.log.Error("connection ended", "err", err)
			u.do(func() {
				u.status.SetText(tr("main.lost", "Service", u.serviceName()))
				u.main.SetContent(container.NewCenter(u.status))
			})
		}
	}()
}

func (u *UI) serviceName() string {
	if u.opts.Sandbox != nil {
		return tr("service.sandbox")
	}
	return "Telegram"
}

// applyCallSettings hands the call manager what Settings decide for the
// next call: the peer-to-peer policy (at once, so choosing "Nobody" stops
// the next call revealing this computer's address whatever the server
// says) and Do Not Disturb; store also writes the peer-to-peer rule to
// Telegram, where the user's other apps read it.
func (u *UI) applyCallSettings(s Settings, store bool) {
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

// rpc runs f off the UI goroutine and hands its result back to it.
func rpc[T any](u *UI, f func(ctx context.Context) (T, error), done func(T, error)) {
	ctx := u.ctx
	if ctx == nil {
		done(*new(T), errors.New(tr("main.not_connected")))
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		v, err := f(ctx)
		u.do(func() { done(v, err) })
	}()
}

// signedIn builds the call manager and the main window's tabs.
func (u *UI) signedIn(me *tg.User) {
	u.me = me
	u.signIn = nil
	u.mu.Lock()
	u.self = account.ContactFromUser(me)
	u.mu.Unlock()
	engines, versions, err := calling.DefaultEngines("")
	if err != nil {
		u.showError(err)
		return
	}
	u.mgr = calling.NewManager(calling.Config{
		API: u.acct.API(), SelfID: me.ID, Engines: engines, Versions: versions,
		OpenAudio: u.openAudio, P2P: u.currentSettings().p2pPolicy(), IsContact: u.isContact,
		OnIncoming: func(c *calling.Call) { u.do(func() { u.incoming(c) }) },
		// Turned away (Do Not Disturb, another call): Recents lists it as missed.
		OnTurnedAway: func(t calling.TurnedAway) { u.do(func() { u.recents.turnedAway(t) }) },
		CallLogDir:   u.callLogDir(),
		Logger:       u.log.With("component", "calling"),
	})
	u.mgr.Attach(u.acct)
	u.applyCallSettings(u.currentSettings(), false)
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
		container.NewTabItem(tr("tab.contacts"), u.contacts.root),
		container.NewTabItem(tr("tab.dialer"), u.dialer.root),
		container.NewTabItem(tr("tab.recents"), u.recents.root),
	)
	u.tabs.OnSelected = u.tabSelected
	name := account.ContactFromUser(me).Name()
	header := container.NewBorder(nil, nil, widget.NewLabel(name), container.NewHBox(u.offline,
		widget.NewButton(tr("common.settings"), u.showSettings),
		widget.NewButton(tr("common.sign_out"), u.askSignOut),
	))
	u.main.SetTitle("tgphone — " + name)
	u.main.SetContent(container.New(maxWidth{contentWidth + 40}, container.NewBorder(header, nil, nil, nil, u.tabs)))
	u.shortcuts()
	u.contacts.load()
	u.recents.refresh()
	u.main.Canvas().Focus(u.contacts.search)
	if t := u.pendingCall; t != "" {
		u.pendingCall = ""
		u.askToCall(t)
	}
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

func (u *UI) isContact(id int64) bool {
	if u.contacts == nil {
		return false
	}
	return u.contacts.has(id)
}

// dial places a call and opens its window.
func (u *UI) dial(peer account.Contact) {
	if u.mgr == nil {
		return
	}
	if u.isOffline() {
		u.showError(u.offlineError(peer.Name()))
		return
	}
	c, err := u.mgr.Dial(peer)
	if err != nil {
		u.showError(errors.New(calling.UserMessage(calling.StateFailed, err, true, peer.Name())))
		return
	}
	u.openCallWindow(c)
}

// incoming shows the ringing window, unless this computer should not ring.
func (u *UI) incoming(c *calling.Call) {
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

func (u *UI) signOut() {
	rpc(u, func(ctx context.Context) (struct{}, error) { return struct{}{}, u.acct.LogOut(ctx) },
		func(_ struct{}, err error) {
			if err != nil {
				u.showError(u.sentence(tr("signout.failed"), err))
				return
			}
			u.mgr, u.me = nil, nil
			u.mu.Lock()
			u.self = account.Contact{}
			u.mu.Unlock()
			u.main.SetTitle("tgphone")
			u.showSignIn()
		})
}

// shortcuts: Ctrl+F search, Ctrl+D dialer, Ctrl+R recents, Ctrl+, settings
// (Ctrl+Q quits from the start).
func (u *UI) shortcuts() {
	add := u.addKey
	add(fyne.KeyF, func() {
		u.tabs.SelectIndex(0)
		u.main.Canvas().Focus(u.contacts.search)
	})
	add(fyne.KeyD, func() {
		u.tabs.SelectIndex(1)
		u.main.Canvas().Focus(u.dialer.entry)
	})
	add(fyne.KeyR, func() { u.tabs.SelectIndex(2) })
	add(fyne.KeyComma, u.showSettings)
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

// AskToCall is click-to-call: it finds who target ("+digits" or "@name")
// is, and asks before dialing. A request that comes before sign-in has
// finished is kept and asked about once signed in.
func (u *UI) AskToCall(target string) {
	u.do(func() {
		u.main.Show()
		u.main.RequestFocus()
		if u.mgr == nil {
			u.log.Info("click-to-call waits for sign-in")
			u.pendingCall = target
			return
		}
		u.askToCall(target)
	})
}

// IsSelf tells whether target ("+digits" or "@name") is the signed-in
// account, which click-to-call must leave to another account's app. Safe
// from any goroutine.
func (u *UI) IsSelf(target string) bool {
	u.mu.Lock()
	me := u.self
	u.mu.Unlock()
	switch {
	case me.ID == 0:
		return false
	case strings.HasPrefix(target, "@"):
		return me.Username != "" && strings.EqualFold(target[1:], me.Username)
	case strings.HasPrefix(target, "+"):
		return me.Phone != "" && strings.TrimPrefix(me.Phone, "+") == target[1:]
	}
	return false
}

func (u *UI) askToCall(target string) {
	rpc(u, func(ctx context.Context) (account.Contact, error) { return u.acct.Resolve(ctx, target) },
		func(c account.Contact, err error) {
			switch {
			case errors.Is(err, account.ErrNotFound):
				u.showError(errors.New(tr("c2c.nobody", "Service", u.serviceName(), "Target", target)))
			case err != nil:
				u.showError(u.sentence(tr("c2c.lookup_failed", "Target", target), err))
			case u.me != nil && c.ID == u.me.ID:
				u.showError(errors.New(tr("c2c.is_you", "Target", target)))
			default:
				u.confirm = dialog.NewConfirm(tr("c2c.title", "Name", c.Name()), tr("c2c.question", "Name", c.Name(), "Target", target),
					func(ok bool) {
						u.confirm = nil
						if ok {
							u.dial(c)
						}
					}, u.main)
				u.confirm.Show()
			}
		})
}
