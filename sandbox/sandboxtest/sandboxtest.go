// Package sandboxtest starts the whole sandbox — MTProto server, UDP
// reflector and TURN server — on loopback for a test, and signs in real
// tgphone account clients against it.
//
//	env := sandboxtest.Start(t, sandboxtest.Options{})
//	alice := env.SignIn(t, "alice")
//	bob := env.SignIn(t, "bob")
//	// alice.Client and bob.Client are signed-in *account.Client values.
package sandboxtest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/crypto"
	"github.com/gotd/td/session"
	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/internal/netem"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/reflector"
	"github.com/tgphone/tgphone/sandbox/turn"
)

// Options tune a test sandbox.
type Options struct {
	// Timeouts default to short ones fit for tests (2 s receive, 4 s ring,
	// 10 s connect, 5 s packet).
	Timeouts sandbox.CallTimeouts
	// DataDir keeps state between two Starts in one test; "" is in memory.
	DataDir string
	// Logger defaults to warnings on stderr (debug with TGPHONE_TEST_LOG=debug).
	Logger *slog.Logger
	// Hostile makes the server send one kind of malicious value.
	Hostile sandbox.Hostile
	// Impair, when set, puts the reflector and the TURN server behind
	// lossy proxies (Env.Impaired) and advertises those instead.
	Impair *netem.Config
	// AskDebug makes the server ask for every confirmed call's debug log.
	AskDebug bool
	// NoTURN hands calls no STUN/TURN entries: a relay-only V2 call goes
	// through the reflector (tgcalls' V2 reflector protocol).
	NoTURN bool
	// ReflectorTCP hands calls the reflector's TCP port (a phoneConnection
	// with the tcp flag) instead of its UDP one; never behind Impair.
	ReflectorTCP bool
	// CodeDelivery and Migrate are passed to the server (sandbox.Options).
	CodeDelivery map[string]sandbox.CodeDelivery
	Migrate      map[string]sandbox.Migration
}

// TestTimeouts are the call timeouts a test sandbox announces by default.
var TestTimeouts = sandbox.CallTimeouts{Receive: 2 * time.Second, Ring: 4 * time.Second,
	Connect: 10 * time.Second, Packet: 5 * time.Second}

// Env is a running sandbox.
type Env struct {
	Server    *sandbox.Server
	Info      sandbox.Info
	Reflector *reflector.Relay
	TURN      *turn.Server
	// Impaired are the proxies in front of the reflector and the TURN
	// server when Options.Impair is set (SetConfig starts an outage).
	Impaired []*netem.Proxy
	Logger   *slog.Logger
	ctx      context.Context
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
	keyErr  error
)

// sharedKey spares each test the RSA key generation.
func sharedKey() (*rsa.PrivateKey, error) {
	keyOnce.Do(func() { key, keyErr = rsa.GenerateKey(rand.Reader, 2048) })
	return key, keyErr
}

// Logger is the test log: warnings and up unless TGPHONE_TEST_LOG=debug.
func Logger() *slog.Logger {
	level := slog.LevelWarn
	if os.Getenv("TGPHONE_TEST_LOG") == "debug" {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// Start runs a sandbox until the test ends.
func Start(t testing.TB, opts Options) *Env {
	t.Helper()
	if opts.Timeouts == (sandbox.CallTimeouts{}) {
		opts.Timeouts = TestTimeouts
	}
	if opts.Logger == nil {
		opts.Logger = Logger()
	}
	k, err := sharedKey()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(func() {
		cancel()
		stopped := make(chan struct{})
		go func() { wg.Wait(); close(stopped) }()
		waitStopped(t, "the sandbox", stopped)
	})
	relay, err := reflector.New(reflector.Options{TCP: true, Logger: opts.Logger.With("component", "reflector")})
	if err != nil {
		t.Fatal(err)
	}
	turnSrv, err := turn.New(turn.Options{Logger: opts.Logger.With("component", "turn")})
	if err != nil {
		t.Fatal(err)
	}
	relayAddr, webrtc := relay.Addr(), turnSrv.WebRTCServers
	var proxies []*netem.Proxy
	if opts.Impair != nil {
		rp, err := netem.NewProxy(net.UDPAddrFromAddrPort(relay.Addr()), *opts.Impair)
		if err != nil {
			t.Fatal(err)
		}
		tp, err := netem.NewProxy(turnSrv.Addr(), *opts.Impair)
		if err != nil {
			t.Fatal(err)
		}
		proxies = []*netem.Proxy{rp, tp}
		t.Cleanup(func() {
			_ = rp.Close()
			_ = tp.Close()
		})
		relayAddr = rp.Addr().AddrPort()
		webrtc = func(callID int64) []tg.PhoneConnectionWebrtc {
			es := turnSrv.WebRTCServers(callID)
			for i := range es {
				es[i].Port = tp.Addr().Port
			}
			return es
		}
	}
	reflectors := []sandbox.Reflector{{ID: 1, Addr: relayAddr}}
	if opts.ReflectorTCP {
		reflectors = []sandbox.Reflector{{ID: 1, Addr: relay.TCPAddr(), TCP: true}}
	}
	if opts.NoTURN {
		webrtc = nil
	}
	srv, err := sandbox.New(sandbox.Options{
		DataDir:       opts.DataDir,
		Logger:        opts.Logger.With("component", "sandbox"),
		Timeouts:      opts.Timeouts,
		Reflectors:    reflectors,
		WebRTCServers: webrtc,
		Key:           k,
		Hostile:       opts.Hostile,
		AskDebug:      opts.AskDebug,
		CodeDelivery:  opts.CodeDelivery,
		Migrate:       opts.Migrate,
	})
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	wg.Add(3)
	go func() { defer wg.Done(); errc <- srv.Run(ctx) }()
	go func() { defer wg.Done(); _ = relay.Run(ctx) }()
	go func() { defer wg.Done(); _ = turnSrv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-errc:
		t.Fatalf("sandbox: %v", err)
	}
	return &Env{Server: srv, Info: srv.Info(), Reflector: relay, TURN: turnSrv, Impaired: proxies, Logger: opts.Logger, ctx: ctx}
}

// Attach is an Env for a sandbox another process started (a peer process
// in a test): only SignIn and Account work on it.
func Attach(t testing.TB, info sandbox.Info) *Env {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &Env{Info: info, Logger: Logger(), ctx: ctx}
}

// Account points a new account client at this sandbox; nothing runs yet.
func (e *Env) Account(t testing.TB, sessionFile string) *account.Client {
	t.Helper()
	return e.accountAt(t, e.Info.MTProto, sessionFile)
}

// KeyedAccount is a new client, not signed in, whose auth key the sandbox
// already knows (keyedSession): for tests of what comes after MTProto's key
// exchange. Account with a new session file runs the exchange itself.
func (e *Env) KeyedAccount(t testing.TB) *account.Client {
	t.Helper()
	return e.accountAt(t, e.Info.MTProto, e.keyedSession(t, e.Info.MTProto))
}

func (e *Env) accountAt(t testing.TB, addr, sessionFile string) *account.Client {
	t.Helper()
	c, err := account.New(account.Options{
		Sandbox:     &account.Sandbox{Addr: addr, DC: e.Info.DC, PublicKeyPEM: e.Info.PublicKey},
		SessionFile: sessionFile,
		Logger:      e.Logger.With("component", "account"),
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Client is a signed-in account running until the test ends.
type Client struct {
	*account.Client
	Self *tg.User
	// Ctx lives as long as the client's connection.
	Ctx context.Context
}

// SignIn runs a new client signed in as a demo user (or a 99966XYYYY
// number, signed up when it has no account yet). setup, if given, runs before sign-in, so callbacks
// such as OnPhoneCall see every update.
func (e *Env) SignIn(t testing.TB, user string, setup ...func(*account.Client)) *Client {
	t.Helper()
	return e.signInAt(t, e.Info.MTProto, user, setup)
}

// Link is a TCP path to the sandbox's MTProto port that the test can cut
// and restore; SignInThrough puts a client behind it. The sandbox then
// advertises the link, so clients that reconnect come back through it, as
// clients of a server behind a proxy do.
func (e *Env) Link(t testing.TB) *netem.Link {
	t.Helper()
	l, err := netem.NewLink(e.Info.MTProto)
	if err != nil {
		t.Fatal(err)
	}
	e.Server.Advertise(l.Addr())
	t.Cleanup(func() { _ = l.Close() })
	return l
}

// SignInThrough is SignIn with the client's MTProto connection through link.
func (e *Env) SignInThrough(t testing.TB, link *netem.Link, user string, setup ...func(*account.Client)) *Client {
	t.Helper()
	return e.signInAt(t, link.Addr(), user, setup)
}

func (e *Env) signInAt(t testing.TB, addr, user string, setup []func(*account.Client)) *Client {
	t.Helper()
	phone, ok := sandbox.DemoPhone(user)
	if !ok {
		phone = user
	}
	c := e.accountAt(t, addr, e.keyedSession(t, addr))
	for _, f := range setup {
		f(c)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	ready := make(chan *tg.User, 1)
	done := make(chan error, 1)
	go func() {
		done <- c.Run(ctx, func(ctx context.Context) error {
			u, err := signIn(ctx, c, phone)
			if err != nil {
				return err
			}
			ready <- u
			<-ctx.Done()
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		stopped := make(chan struct{})
		go func() { <-done; close(stopped) }()
		waitStopped(t, user+"'s client", stopped)
	})
	select {
	case u := <-ready:
		return &Client{Client: c, Self: u, Ctx: ctx}
	case err := <-done:
		t.Fatalf("sign in as %s: %v", user, err)
	case <-time.After(90 * time.Second):
		// Generous: a 2FA sign-in runs PBKDF2 (100 000 rounds) on the
		// client, slow under -race on a loaded machine.
		t.Fatalf("sign in as %s: timed out", user)
	}
	return nil
}

// waitStopped waits for what a test started to stop after its context
// ended. Something that ignores its cancellation is a bug: report it with
// every goroutine's stack rather than hang the package until go test's
// timeout, which names no culprit.
func waitStopped(t testing.TB, what string, stopped <-chan struct{}) {
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%s did not stop within 30 s of its cancellation:\n%s", what, buf)
	}
}

// keyedSession is a session file holding a new random auth key that the
// sandbox already knows (Server.RegisterAuthKey), so a test client skips
// MTProto's key exchange and its safe-prime check: about a second of CPU
// per sign-in, several under -race, dozens of sign-ins per package. The
// exchange itself is still run by every client of an attached sandbox (no
// Server here), by the app in the cli tests and by the sandbox's own tests.
func (e *Env) keyedSession(t testing.TB, addr string) string {
	t.Helper()
	if e.Server == nil {
		return ""
	}
	var k crypto.Key
	if _, err := rand.Read(k[:]); err != nil {
		t.Fatal(err)
	}
	ak := k.WithID()
	e.Server.RegisterAuthKey(ak)
	path := filepath.Join(t.TempDir(), "session.json")
	loader := session.Loader{Storage: &session.FileStorage{Path: path}}
	if err := loader.Save(context.Background(), &session.Data{DC: e.Info.DC, Addr: addr,
		AuthKey: ak.Value[:], AuthKeyID: ak.ID[:]}); err != nil {
		t.Fatal(err)
	}
	return path
}

func signIn(ctx context.Context, c *account.Client, phone string) (*tg.User, error) {
	req, err := c.SendCode(ctx, phone)
	if err != nil {
		return nil, err
	}
	code, ok := account.TestNumberCode(phone)
	if !ok {
		return nil, errors.New("sandboxtest signs in test numbers only")
	}
	u, err := c.SignIn(ctx, req, code)
	if errors.Is(err, account.ErrPasswordNeeded) {
		u, err = c.CheckPassword(ctx, sandbox.DemoPassword)
	}
	if errors.Is(err, account.ErrSignUpRequired) {
		u, err = c.SignUp(ctx, req, "Test", "+"+phone)
	}
	if err != nil {
		return nil, err
	}
	if err := c.WaitAuthorized(ctx); err != nil {
		return nil, err
	}
	return u, nil
}
