package account

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gotd/log/logslog"
	"github.com/gotd/td/bin"
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/telegram/updates"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Sandbox points the client at a tgphone sandbox server instead of Telegram.
type Sandbox struct {
	Addr         string // host:port of its MTProto listener
	DC           int
	PublicKeyPEM string // the server's RSA key (PKCS#1 PEM), from its sandbox.json
}

// Options configure a Client.
type Options struct {
	// AppID and AppHash are the Telegram API credentials (my.telegram.org).
	// The sandbox accepts any values.
	AppID   int
	AppHash string
	// Sandbox, when set, connects to the local sandbox.
	Sandbox *Sandbox
	// SessionFile keeps the MTProto session between runs (mode 0600 in a 0700
	// directory). Empty keeps it in memory.
	SessionFile string
	Logger      *slog.Logger
}

// PhoneCallUpdate is an updatePhoneCall as the server pushed it.
type PhoneCallUpdate struct {
	Call  tg.PhoneCallClass
	Users map[int64]*tg.User
}

// SignalingUpdate is an updatePhoneCallSignalingData.
type SignalingUpdate struct {
	CallID int64
	Data   []byte
}

// Client is one signed-in (or signing-in) Telegram account.
type Client struct {
	opts Options
	log  *slog.Logger
	tg   *telegram.Client
	api  *tg.Client
	disp tg.UpdateDispatcher
	// reconnected is signalled when the connection is ready again after a
	// loss: what was pushed meanwhile (a call answered, hung up) is fetched
	// by updates.getDifference, as Telegram's own apps do.
	reconnected chan struct{}
	everReady   atomic.Bool

	mu          sync.Mutex
	onCall      func(PhoneCallUpdate)
	onSignaling func(SignalingUpdate)
	onHistory   func()
	onConn      func(online bool)
	onEnded     func()
	onFlood     func(method string, wait time.Duration)
	// acct is the account signed in (or about to be); LogOut replaces it,
	// so the next account starts with its own updates state and user id.
	acct *signedIn
	// session is the session file, nil when the session is kept in memory.
	session *sessionFile
	// terms are the terms of service of the last sign-up-required answer,
	// accepted by SignUp.
	terms *TermsOfService
}

// signedIn is one account's stay in this Client, from sign-in to LogOut.
type signedIn struct {
	upd      *updates.Manager
	self     *tg.User
	authed   chan struct{} // closed once signed in: starts upd
	authOnce sync.Once
	left     chan struct{} // closed by LogOut: stops upd
	leftOnce sync.Once
}

// New builds a client; nothing is sent until Run.
func New(opts Options) (*Client, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{opts: opts, log: opts.Logger, reconnected: make(chan struct{}, 1),
		disp: tg.NewUpdateDispatcher()}
	c.acct = c.newSignedIn()
	c.registerHandlers()

	topts := telegram.Options{
		// gotd's own logs are for gotd's developers: its routine INFO lines
		// (salts, sessions) would only worry our users.
		Logger:            logslog.New(quieter(opts.Logger, slog.LevelWarn).With("component", "mtproto")),
		UpdateHandler:     updateRouter{c},
		OnConnectionState: c.onConnectionState,
		Middlewares:       []telegram.Middleware{c.floodWaiter(), c.sessionWatch()},
		// A *_MIGRATE answer makes gotd create an auth key with the other
		// DC before it repeats the request. Its default 15 s for all of
		// that failed sign-ins on a loaded 2-core machine (the key exchange
		// checks a 2048-bit prime), so allow a minute, as gotd's own
		// end-to-end tests do.
		MigrationTimeout: time.Minute,
		Device: telegram.DeviceConfig{
			DeviceModel:   "Desktop",
			SystemVersion: "Linux",
			AppVersion:    "tgphone 0.1",
		},
	}
	if opts.SessionFile != "" {
		if err := os.MkdirAll(filepath.Dir(opts.SessionFile), 0o700); err != nil {
			return nil, fmt.Errorf("session directory: %w", err)
		}
		c.session = &sessionFile{file: session.FileStorage{Path: opts.SessionFile}}
		topts.SessionStorage = c.session
	} else {
		topts.SessionStorage = &session.StorageMemory{}
	}
	appID, appHash := opts.AppID, opts.AppHash
	if sb := opts.Sandbox; sb != nil {
		key, err := parsePublicKey(sb.PublicKeyPEM)
		if err != nil {
			return nil, fmt.Errorf("sandbox server key: %w", err)
		}
		host, portStr, err := net.SplitHostPort(sb.Addr)
		if err != nil {
			return nil, fmt.Errorf("sandbox address %q: %w", sb.Addr, err)
		}
		port, err := strconv.Atoi(portStr)
		if err != nil {
			return nil, fmt.Errorf("sandbox address %q: %w", sb.Addr, err)
		}
		dc := sb.DC
		if dc == 0 {
			dc = 2
		}
		topts.PublicKeys = []exchange.PublicKey{key}
		topts.DC = dc
		topts.DCList = dcs.List{Options: []tg.DCOption{{ID: dc, IPAddress: host, Port: port, Static: true}}}
		topts.Resolver = dcs.Plain(dcs.PlainOptions{})
		if appID == 0 {
			appID, appHash = 1, "sandbox"
		}
	} else if appID == 0 || appHash == "" {
		return nil, errors.New("telegram API credentials missing: set TG_API_ID and TG_API_HASH (from my.telegram.org)")
	}
	c.opts.AppID, c.opts.AppHash = appID, appHash
	c.tg = telegram.NewClient(appID, appHash, topts)
	c.api = c.tg.API()
	return c, nil
}

// newSignedIn prepares the state of the next account to sign in: a fresh
// updates manager, since gotd's keeps the user id and pts of the account it
// first ran for.
func (c *Client) newSignedIn() *signedIn {
	// The updates manager's first-start WARN about a missing saved state
	// would only worry our users.
	upd := updates.New(updates.Config{Handler: c.disp,
		Logger: logslog.New(quieter(c.log, slog.LevelError).With("component", "updates"))})
	return &signedIn{upd: upd, authed: make(chan struct{}), left: make(chan struct{})}
}

// current is the account signed in now (or the one a sign-in will fill).
func (c *Client) current() *signedIn {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acct
}

// updateRouter hands what the server pushes to the updates manager of the
// account signed in now.
type updateRouter struct{ c *Client }

func (r updateRouter) Handle(ctx context.Context, u tg.UpdatesClass) error {
	return r.c.current().upd.Handle(ctx, u)
}

func parsePublicKey(pemText string) (exchange.PublicKey, error) {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return exchange.PublicKey{}, errors.New("no PEM block")
	}
	k, err := x509.ParsePKCS1PublicKey(block.Bytes)
	if err != nil {
		return exchange.PublicKey{}, fmt.Errorf("parse RSA key: %w", err)
	}
	return exchange.PublicKey{RSA: k}, nil
}

// API is the raw Telegram API, for package calling's phone.* requests.
func (c *Client) API() *tg.Client { return c.api }

// OnPhoneCall sets the handler of updatePhoneCall. It must not block.
func (c *Client) OnPhoneCall(h func(PhoneCallUpdate)) {
	c.mu.Lock()
	c.onCall = h
	c.mu.Unlock()
}

// OnSignaling sets the handler of updatePhoneCallSignalingData. It must not block.
func (c *Client) OnSignaling(h func(SignalingUpdate)) {
	c.mu.Lock()
	c.onSignaling = h
	c.mu.Unlock()
}

// OnConnection is told when the connection to the server is lost (false)
// and when it is ready again (true). It must not block.
func (c *Client) OnConnection(h func(online bool)) {
	c.mu.Lock()
	c.onConn = h
	c.mu.Unlock()
}

// OnSessionEnded is told when the server ends the signed-in session while
// Run runs (SessionEnded: terminated from another device), as the first
// request to learn it, whichever it is, hears it (sessionWatch): the account is
// signed out then, as LogOut leaves it, and Run keeps the connection for
// a new sign-in. It must not block.
func (c *Client) OnSessionEnded(h func()) {
	c.mu.Lock()
	c.onEnded = h
	c.mu.Unlock()
}

// OnHistoryChanged is called when a call-history entry arrives. It must not block.
func (c *Client) OnHistoryChanged(h func()) {
	c.mu.Lock()
	c.onHistory = h
	c.mu.Unlock()
}

func (c *Client) registerHandlers() {
	c.disp.OnPhoneCall(func(ctx context.Context, e tg.Entities, u *tg.UpdatePhoneCall) error {
		c.mu.Lock()
		h := c.onCall
		c.mu.Unlock()
		if h != nil {
			h(PhoneCallUpdate{Call: u.PhoneCall, Users: e.Users})
		}
		return nil
	})
	c.disp.OnPhoneCallSignalingData(func(ctx context.Context, e tg.Entities, u *tg.UpdatePhoneCallSignalingData) error {
		c.mu.Lock()
		h := c.onSignaling
		c.mu.Unlock()
		if h != nil {
			h(SignalingUpdate{CallID: u.PhoneCallID, Data: u.Data})
		}
		return nil
	})
	c.disp.OnNewMessage(func(ctx context.Context, e tg.Entities, u *tg.UpdateNewMessage) error {
		svc, ok := u.Message.(*tg.MessageService)
		if !ok {
			return nil
		}
		if _, ok := svc.Action.(*tg.MessageActionPhoneCall); !ok {
			return nil
		}
		c.mu.Lock()
		h := c.onHistory
		c.mu.Unlock()
		if h != nil {
			h()
		}
		return nil
	})
}

// Run connects and keeps the connection until f returns or ctx ends. Updates
// start flowing once the account is signed in (now or later through SignIn).
func (c *Client) Run(ctx context.Context, f func(ctx context.Context) error) error {
	return c.tg.Run(ctx, func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		updErr := make(chan error, 1)
		go func() { updErr <- c.runUpdates(ctx) }()
		// The country list, for grouping phone numbers (phonefmt.Current); Run
		// returns once it is loaded or given up.
		countries := make(chan struct{})
		go func() { defer close(countries); c.loadCountries(ctx) }()
		defer func() { cancel(); <-countries }()

		st, err := c.tg.Auth().Status(ctx)
		if err != nil {
			return fmt.Errorf("auth status: %w", err)
		}
		if st.Authorized {
			c.markAuthorized(st.User)
		}
		ferr := f(ctx)
		cancel()
		if uerr := <-updErr; uerr != nil && ferr == nil && !errors.Is(uerr, context.Canceled) {
			return uerr
		}
		return ferr
	})
}

// onConnectionState is called by gotd on its own goroutine; it must not block.
func (c *Client) onConnectionState(st telegram.ConnectionState) {
	c.log.Debug("connection", "state", st.String())
	if st == telegram.ConnectionStateConnecting {
		return
	}
	c.mu.Lock()
	h := c.onConn
	c.mu.Unlock()
	if h != nil {
		h(st == telegram.ConnectionStateReady)
	}
	if st != telegram.ConnectionStateReady || !c.everReady.Swap(true) {
		return
	}
	select {
	case c.reconnected <- struct{}{}:
	default: // a catch-up is already due
	}
}

// runUpdates runs the updates manager of each account signed in, one after
// the other, until ctx ends.
func (c *Client) runUpdates(ctx context.Context) error {
	go c.catchUpAfterReconnects(ctx)
	for {
		a := c.current()
		select {
		case <-ctx.Done():
			return nil
		case <-a.authed:
		}
		c.mu.Lock()
		self := a.self
		c.mu.Unlock()
		actx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-a.left:
				cancel()
			case <-actx.Done():
			}
		}()
		err := a.upd.Run(actx, c.api, self.ID, updates.AuthOptions{IsBot: false})
		cancel()
		select {
		case <-a.left:
			continue // signed out: wait for the next account
		default:
		}
		if err != nil && ctx.Err() == nil && SessionEnded(err) {
			// Terminated from another device: signed out, not broken.
			// sessionWatch has normally done it as the request failed
			// (a.left above); this is for a 401 it did not see.
			c.log.Warn("the server ended this session: signed out", "err", err)
			c.sessionEnded(a)
			continue
		}
		if err != nil && ctx.Err() == nil {
			c.log.Error("updates stopped", "err", err)
			return fmt.Errorf("updates: %w", err)
		}
		return nil
	}
}

// catchUpAfterReconnects asks the updates manager for the difference each
// time the connection comes back: updatesTooLong is how the server itself
// says "fetch what you missed".
func (c *Client) catchUpAfterReconnects(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.reconnected:
		}
		a := c.current()
		select {
		case <-a.authed:
		default:
			continue // nobody signed in: nothing to catch up on
		}
		c.log.Info("connection restored, fetching missed updates")
		if err := a.upd.Handle(ctx, &tg.UpdatesTooLong{}); err != nil && ctx.Err() == nil {
			c.log.Warn("fetch missed updates", "err", err)
		}
	}
}

func (c *Client) markAuthorized(u *tg.User) {
	c.mu.Lock()
	a := c.acct
	if a.self != nil && a.self.ID != u.ID {
		// Signed in again as someone else without LogOut (the server
		// rebound the session): that one's updates state must go too.
		a.leftOnce.Do(func() { close(a.left) })
		a = c.newSignedIn()
		c.acct = a
	}
	a.self = u
	c.mu.Unlock()
	if c.session != nil {
		if err := c.session.signedIn(context.Background()); err != nil {
			// Signed in all the same; the next start asks again.
			c.log.Warn("session not saved", "err", err)
		}
	}
	a.authOnce.Do(func() { close(a.authed) })
}

// isAuthed reports whether a has signed in.
func (a *signedIn) isAuthed() bool {
	select {
	case <-a.authed:
		return true
	default:
		return false
	}
}

// signedOut forgets the account: its updates manager stops and the next
// sign-in starts a new one.
func (c *Client) signedOut() {
	c.mu.Lock()
	old := c.acct
	c.acct = c.newSignedIn()
	c.mu.Unlock()
	old.leftOnce.Do(func() { close(old.left) })
}

// sessionWatch notices the server ending the signed-in session in the
// answer to any request, not only the updates' getDifference: placing a
// call, loading contacts or resolving a username after "Terminate other
// sessions" signs the account out (sessionEnded) then, once, for the first
// request to hear it; the request still fails with the server's error.
// Requests sent before sign-in (its status, the sign-in's own 401s such as
// SESSION_PASSWORD_NEEDED) and auth.logOut (LogOut) are left alone.
//
// Whether the account was signed in is decided as the request is sent, not
// as its answer comes: gotd handles each answer on a goroutine of its own,
// so the AUTH_KEY_UNREGISTERED of a request the server served before the
// sign-in (gotd's own users.getUsers of self as its connection starts) can
// be handled after the sign-in's answer has signed the account in.
func (c *Client) sessionWatch() telegram.Middleware {
	return telegram.MiddlewareFunc(func(next tg.Invoker) telegram.InvokeFunc {
		return func(ctx context.Context, in bin.Encoder, out bin.Decoder) error {
			a := c.current() // the account the request is sent for
			sentSignedIn := a.isAuthed()
			err := next.Invoke(ctx, in, out)
			if err == nil || !sentSignedIn || !SessionEnded(err) || tgerr.Is(err, "SESSION_PASSWORD_NEEDED") {
				return err
			}
			if _, ok := in.(*tg.AuthLogOutRequest); ok {
				return err
			}
			c.log.Warn("the server ended this session: signed out", "method", methodName(in), "err", err)
			c.sessionEnded(a)
			return err
		}
	})
}

// sessionEnded signs account a out after the server ended its session,
// unless another sign-in has already replaced it, and tells OnSessionEnded.
func (c *Client) sessionEnded(a *signedIn) {
	c.mu.Lock()
	if c.acct != a {
		c.mu.Unlock()
		return
	}
	c.acct = c.newSignedIn()
	h := c.onEnded
	c.mu.Unlock()
	a.leftOnce.Do(func() { close(a.left) })
	if h != nil {
		h()
	}
}

// Self is the signed-in user, nil before sign-in.
func (c *Client) Self() *tg.User {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acct.self
}

// Authorized reports whether the session is signed in.
func (c *Client) Authorized() bool { return c.Self() != nil }

// WaitAuthorized blocks until an account is signed in.
func (c *Client) WaitAuthorized(ctx context.Context) error {
	select {
	case <-c.current().authed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// quieter drops records below min.
func quieter(l *slog.Logger, min slog.Level) *slog.Logger {
	return slog.New(minLevel{Handler: l.Handler(), min: min})
}

type minLevel struct {
	slog.Handler
	min slog.Level
}

func (h minLevel) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min && h.Handler.Enabled(ctx, l)
}

func (h minLevel) WithAttrs(as []slog.Attr) slog.Handler {
	return minLevel{Handler: h.Handler.WithAttrs(as), min: h.min}
}

func (h minLevel) WithGroup(name string) slog.Handler {
	return minLevel{Handler: h.Handler.WithGroup(name), min: h.min}
}
