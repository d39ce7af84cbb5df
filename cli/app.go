package cli

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2/app"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/instance"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/ui"
)

// processStart is when tgphone started, for the cold-start figure.
var processStart = time.Now()

// AppID is tgphone's application id (FyneApp.toml).
const AppID = "org.tgphone.tgphone"

// runApp opens the desktop app: on Telegram when API credentials are
// given (flags or TG_API_ID / TG_API_HASH), else on the local sandbox.
func runApp(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("app", flag.ContinueOnError)
	fs.SetOutput(stderr)
	apiID := fs.Int("api-id", envInt("TG_API_ID"), "Telegram API id (my.telegram.org); without it tgphone uses the sandbox")
	apiHash := fs.String("api-hash", os.Getenv("TG_API_HASH"), "Telegram API hash")
	callTarget := fs.String("call", "", "ask to call this @username, +phone or tel: link once signed in")
	as := fs.String("as", "alice", "sandbox only: the demo user to sign in as when no session is saved (\"\" shows the sign-in window)")
	verbose := fs.Bool("v", false, "debug logging on stderr")
	sandboxListen := fs.String("sandbox-listen", DefaultSandboxListen, "sandbox only: where the shared sandbox listens when this app has to start it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := newLogger(stderr, level)
	target := ""
	if *callTarget != "" {
		t, err := instance.ParseTarget(*callTarget)
		if err != nil {
			return err
		}
		target = t
	}
	// One session and one running app per account, so the sandbox's Alice
	// and Bob can run side by side.
	profile := "telegram"
	if *apiID == 0 || *apiHash == "" {
		profile = filepath.Join("sandbox", cmp.Or(strings.ToLower(*as), "default"))
	}
	// One app per account: a second start hands its request to the first.
	sock := instance.SocketPath(profile)
	srv, err := instance.Listen(sock, log)
	if errors.Is(err, instance.ErrRunning) {
		req := instance.Request{Kind: instance.KindShow}
		if target != "" {
			req = instance.Request{Kind: instance.KindCall, Target: target}
		}
		fmt.Fprintln(stderr, "tgphone is already running for this account; handing it over")
		return instance.Send(ctx, sock, req)
	}
	if err != nil {
		log.Warn("single-instance socket unavailable; click-to-call will start new windows", "err", err)
	} else {
		defer srv.Close()
	}
	opts := ui.Options{AppID: *apiID, AppHash: *apiHash, Logger: log, Started: processStart}
	if *apiID == 0 || *apiHash == "" {
		if (*apiID == 0) != (*apiHash == "") {
			return errors.New("give both --api-id and --api-hash (or TG_API_ID and TG_API_HASH), or neither for the sandbox")
		}
		// The sandbox is a process of its own, shared by every app and
		// left running when they quit (sandboxproc.go).
		info, err := startLocalSandbox(ctx, *sandboxListen, log)
		if err != nil {
			log.Error("start the sandbox", "err", err)
			var serr *errSandboxStart
			if errors.As(err, &serr) {
				// Started from a menu there is no terminal to read: say it in a window.
				ui.SandboxFailed(app.NewWithID(AppID), serr.problem)
			}
			return fmt.Errorf("start the sandbox: %w", err)
		}
		opts.Sandbox = &account.Sandbox{Addr: info.MTProto, DC: info.DC, PublicKeyPEM: info.PublicKey}
		for _, name := range []string{"Alice", "Bob", "Carol"} {
			phone, _ := sandbox.DemoPhone(strings.ToLower(name))
			opts.DemoUsers = append(opts.DemoUsers, ui.DemoUser{Name: name, Phone: phone})
		}
		if *as != "" {
			phone, ok := sandbox.DemoPhone(strings.ToLower(*as))
			if !ok {
				return fmt.Errorf("--as %q: the sandbox's demo users are %s", *as, strings.Join(sandbox.DemoUsernames(), ", "))
			}
			opts.AutoSignIn = &ui.DemoUser{Name: *as, Phone: phone}
		}
	}
	opts.ConfigDir = configDir(profile)
	if err := os.MkdirAll(opts.ConfigDir, 0o700); err != nil {
		return fmt.Errorf("config folder: %w", err)
	}
	a := app.NewWithID(AppID)
	u, err := ui.New(a, opts)
	if err != nil {
		return err
	}
	// The connection outlives ctx, which SIGTERM and SIGINT end: a call in
	// progress must still be hung up through it after the windows are gone.
	u.Start(context.WithoutCancel(ctx))
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			u.Quit() // SIGTERM, or Ctrl+C in the terminal
		case <-stopped:
		}
	}()
	if target != "" {
		u.AskToCall(target)
	}
	if srv != nil {
		// With several accounts' apps running, a call to this account is
		// left to another one (instance.SendAny asks the next app).
		srv.SetAccept(func(req instance.Request) error {
			if req.Kind == instance.KindCall && u.IsSelf(req.Target) {
				return fmt.Errorf("%s is the account signed in here: %w", req.Target, instance.ErrOwnAccount)
			}
			return nil
		})
		go func() {
			for req := range srv.Requests() {
				if req.Kind == instance.KindCall {
					u.AskToCall(req.Target)
				} else {
					u.Show()
				}
			}
		}()
	}
	u.Run()
	// The windows are gone; hang up and disconnect.
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer scancel()
	if err := u.Shutdown(sctx); err != nil {
		log.Warn("quit", "err", err)
	}
	return nil
}

// shutdownTimeout bounds the hang-up at quit: Telegram's hang-up timeout
// (5 s) and the disconnect.
const shutdownTimeout = 10 * time.Second

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}
