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
	"github.com/gotd/td/exchange"
	"github.com/gotd/td/session"
	"github.com/gotd/td/telegram"
	"github.com/gotd/td/telegram/auth"
	"github.com/gotd/td/telegram/auth/qrlogin"
	"github.com/gotd/td/telegram/dcs"
	"github.com/gotd/td/telegram/updates"
	"github.com/gotd/td/tg"
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
	opts   Options
	log    *slog.Logger
	tg     *telegram.Client
	api    *tg.Client
	upd    *updates.Manager
	disp   tg.UpdateDispatcher
	authed chan struct{} // closed once signed in, starts the updates manager
	once   sync.Once
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
	onFlood     func(method string, wait time.Duration)
	self        *tg.User
}

// New builds a client; nothing is sent until Run.
func New(opts Options) (*Client, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	c := &Client{opts: opts, log: opts.Logger, authed: make(chan struct{}), reconnected: make(chan struct{}, 1),
		disp: tg.NewUpdateDispatcher()}
	// gotd's own logs are for gotd's developers: its routine INFO lines
	// (salts, sessions) and the updates manager's first-start WARN about a
	// missing saved state would only worry our users.
	c.upd = updates.New(updates.Config{Handler: c.disp, Logger: logslog.New(quieter(opts.Logger, slog.LevelError).With("component", "updates"))})
	c.registerHandlers()

	topts := telegram.Options{
		Logger:            logslog.New(quieter(opts.Logger, slog.LevelWarn).With("component", "mtproto")),
		UpdateHandler:     c.upd,
		OnConnectionState: c.onConnectionState,
		Middlewares:       []telegram.Middleware{c.floodWaiter()},
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
		topts.SessionStorage = &session.FileStorage{Path: opts.SessionFile}
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

func (c *Client) runUpdates(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case <-c.authed:
	}
	self := c.Self()
	go c.catchUpAfterReconnects(ctx)
	err := c.upd.Run(ctx, c.api, self.ID, updates.AuthOptions{IsBot: false})
	if err != nil && ctx.Err() == nil {
		c.log.Error("updates stopped", "err", err)
		return fmt.Errorf("updates: %w", err)
	}
	return nil
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
		c.log.Info("connection restored, fetching missed updates")
		if err := c.upd.Handle(ctx, &tg.UpdatesTooLong{}); err != nil && ctx.Err() == nil {
			c.log.Warn("fetch missed updates", "err", err)
		}
	}
}

func (c *Client) markAuthorized(u *tg.User) {
	c.mu.Lock()
	c.self = u
	c.mu.Unlock()
	c.once.Do(func() { close(c.authed) })
}

// Self is the signed-in user, nil before sign-in.
func (c *Client) Self() *tg.User {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.self
}

// Authorized reports whether the session is signed in.
func (c *Client) Authorized() bool { return c.Self() != nil }

// WaitAuthorized blocks until the account is signed in.
func (c *Client) WaitAuthorized(ctx context.Context) error {
	select {
	case <-c.authed:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CodeRequest is a sent login code awaiting the user's input.
type CodeRequest struct {
	Phone string
	Hash  string
	Via   string // "app", "sms", "call", ... for the UI's hint
}

// SendCode asks the server to deliver a login code to phone.
func (c *Client) SendCode(ctx context.Context, phone string) (CodeRequest, error) {
	res, err := c.tg.Auth().SendCode(ctx, phone, auth.SendCodeOptions{})
	if err != nil {
		return CodeRequest{}, fmt.Errorf("send code: %w", mapAuthError(err))
	}
	sent, ok := res.(*tg.AuthSentCode)
	if !ok {
		return CodeRequest{}, fmt.Errorf("send code: unexpected answer %T", res)
	}
	via := "app"
	switch sent.Type.(type) {
	case *tg.AuthSentCodeTypeSMS:
		via = "sms"
	case *tg.AuthSentCodeTypeCall:
		via = "call"
	}
	return CodeRequest{Phone: phone, Hash: sent.PhoneCodeHash, Via: via}, nil
}

// SignIn completes a code sign-in. ErrPasswordNeeded asks for CheckPassword,
// ErrSignUpRequired for SignUp.
func (c *Client) SignIn(ctx context.Context, req CodeRequest, code string) (*tg.User, error) {
	a, err := c.api.AuthSignIn(ctx, &tg.AuthSignInRequest{PhoneNumber: req.Phone, PhoneCodeHash: req.Hash, PhoneCode: code})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", mapAuthError(err))
	}
	return c.finishAuth(a)
}

// SignUp registers a new account for a phone that has none.
func (c *Client) SignUp(ctx context.Context, req CodeRequest, first, last string) (*tg.User, error) {
	a, err := c.api.AuthSignUp(ctx, &tg.AuthSignUpRequest{PhoneNumber: req.Phone, PhoneCodeHash: req.Hash, FirstName: first, LastName: last})
	if err != nil {
		return nil, fmt.Errorf("sign up: %w", mapAuthError(err))
	}
	return c.finishAuth(a)
}

// CheckPassword finishes a sign-in that needs the 2FA password (SRP).
func (c *Client) CheckPassword(ctx context.Context, password string) (*tg.User, error) {
	a, err := c.tg.Auth().Password(ctx, password)
	if errors.Is(err, auth.ErrPasswordInvalid) {
		return nil, fmt.Errorf("check password: %w", ErrPasswordInvalid)
	}
	if err != nil {
		return nil, fmt.Errorf("check password: %w", mapAuthError(err))
	}
	return c.finishAuth(a)
}

// QRLogin signs in by QR code: show is called with each token's URL (tg://login?token=…)
// to render, until another signed-in device accepts it.
func (c *Client) QRLogin(ctx context.Context, show func(ctx context.Context, url string, expires time.Time) error) (*tg.User, error) {
	loggedIn := qrlogin.OnLoginToken(c.disp)
	a, err := c.tg.QR().Auth(ctx, loggedIn, func(ctx context.Context, t qrlogin.Token) error {
		return show(ctx, t.URL(), t.Expires())
	})
	if err != nil {
		return nil, fmt.Errorf("qr login: %w", mapAuthError(err))
	}
	return c.finishAuth(a)
}

// AcceptQR signs in another device that shows a tg://login QR code.
func (c *Client) AcceptQR(ctx context.Context, url string) error {
	t, err := qrlogin.ParseTokenURL(url)
	if err != nil {
		return fmt.Errorf("accept qr: %w", err)
	}
	if _, err := c.tg.QR().Accept(ctx, t); err != nil {
		return fmt.Errorf("accept qr: %w", err)
	}
	return nil
}

// LogOut ends the session on the server and forgets it locally.
func (c *Client) LogOut(ctx context.Context) error {
	if _, err := c.api.AuthLogOut(ctx); err != nil {
		return fmt.Errorf("log out: %w", err)
	}
	if c.opts.SessionFile != "" {
		if err := os.Remove(c.opts.SessionFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("log out: remove session: %w", err)
		}
	}
	return nil
}

func (c *Client) finishAuth(a tg.AuthAuthorizationClass) (*tg.User, error) {
	switch a := a.(type) {
	case *tg.AuthAuthorization:
		u, ok := a.User.(*tg.User)
		if !ok {
			return nil, fmt.Errorf("sign in: unexpected user %T", a.User)
		}
		c.markAuthorized(u)
		return u, nil
	case *tg.AuthAuthorizationSignUpRequired:
		return nil, ErrSignUpRequired
	}
	return nil, fmt.Errorf("sign in: unexpected answer %T", a)
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
