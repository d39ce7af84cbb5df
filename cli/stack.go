package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/reflector"
	"github.com/tgphone/tgphone/sandbox/turn"
)

// DefaultSandboxListen is where the sandbox listens unless told otherwise:
// a fixed loopback port, so sessions saved against it stay valid across restarts.
const DefaultSandboxListen = "127.0.0.1:44344"

// stackConfig says where the sandbox listens and keeps its data.
type stackConfig struct {
	listen, dataDir string
	hostile         sandbox.Hostile
	// noTURN hands calls no STUN/TURN entries, only the reflector, over
	// UDP and TCP: a relay-only V2 call then goes through the reflector.
	noTURN bool
}

// stack is a running sandbox with its UDP reflector, TURN server and the
// @echo bot: everything a user needs to try tgphone on one machine.
type stack struct {
	info      sandbox.Info
	reflector string
	turn      string
	done      chan error
}

// startStack starts the sandbox stack; it runs until ctx ends, then done
// delivers the first error (nil on a clean stop).
func startStack(ctx context.Context, cfg stackConfig, log *slog.Logger) (*stack, error) {
	listen, dataDir := cfg.listen, cfg.dataDir
	relay, err := reflector.New(reflector.Options{TCP: true, Logger: log.With("component", "reflector")})
	if err != nil {
		return nil, fmt.Errorf("reflector: %w", err)
	}
	turnSrv, err := turn.New(turn.Options{Logger: log.With("component", "turn")})
	if err != nil {
		_ = relay.Stop()
		return nil, fmt.Errorf("turn: %w", err)
	}
	reflectors, webrtcServers := []sandbox.Reflector{{ID: 1, Addr: relay.Addr()}}, turnSrv.WebRTCServers
	if cfg.noTURN {
		reflectors, webrtcServers = append(reflectors, sandbox.Reflector{ID: 2, Addr: relay.TCPAddr(), TCP: true}), nil
	}
	srv, err := sandbox.New(sandbox.Options{
		Listen: listen, DataDir: dataDir, Logger: log.With("component", "sandbox"),
		Reflectors:    reflectors,
		WebRTCServers: webrtcServers,
		Hostile:       cfg.hostile,
	})
	if err != nil {
		_ = relay.Stop()
		_ = turnSrv.Close()
		return nil, err
	}
	st := &stack{reflector: relay.Addr().String(), turn: turnSrv.Addr().String(), done: make(chan error, 1)}
	if cfg.noTURN {
		st.turn = "" // running, but handed to no call
	}
	errc := make(chan error, 3)
	go func() { errc <- srv.Run(ctx) }()
	go func() { errc <- relay.Run(ctx) }()
	go func() { errc <- turnSrv.Run(ctx) }()
	select {
	case <-srv.Ready():
	case err := <-errc:
		return nil, err
	}
	st.info = srv.Info()
	if dataDir != "" {
		if err := sandbox.WriteInfo(dataDir, st.info); err != nil {
			return nil, err
		}
		// Beside the info, who serves it: an app tells a live sandbox
		// from a stale sandbox.json by this process being alive.
		if err := writePID(dataDir); err != nil {
			return nil, err
		}
	}
	echoSession := ""
	if dataDir != "" {
		echoSession = filepath.Join(dataDir, "echo.session")
	}
	echoReady := make(chan struct{})
	go runEcho(ctx, st.info, echoSession, echoReady, log.With("component", "echo"))
	// Callers announce the sandbox as ready to use: @echo must answer by then.
	select {
	case <-echoReady:
	case <-time.After(echoStartTimeout):
		log.Warn("the echo bot is not signed in yet; calls to @echo may go unanswered for a while")
	case <-ctx.Done():
	}
	go func() {
		var first error
		for range 3 {
			if err := <-errc; err != nil && first == nil {
				first = err
			}
		}
		st.done <- first
	}()
	return st, nil
}

const (
	// echoMaxCall bounds an echo call someone forgot to hang up.
	echoMaxCall = 10 * time.Minute
	// echoStartTimeout bounds the wait for the echo bot's sign-in.
	echoStartTimeout = 20 * time.Second
)

// runEcho is the @echo contact: signed in as echo, it answers every call
// and plays the caller's voice back through a loop: audio pair.
func runEcho(ctx context.Context, info sandbox.Info, sessionFile string, ready chan<- struct{}, log *slog.Logger) {
	phone, _ := sandbox.DemoPhone("echo")
	acct, err := account.New(account.Options{
		Sandbox:     &account.Sandbox{Addr: info.MTProto, DC: info.DC, PublicKeyPEM: info.PublicKey},
		SessionFile: sessionFile, Logger: log,
	})
	if err != nil {
		log.Error("echo bot", "err", err)
		return
	}
	engines, versions, err := calling.DefaultEngines("")
	if err != nil {
		log.Error("echo bot", "err", err)
		return
	}
	err = acct.Run(ctx, func(ctx context.Context) error {
		me, err := signIn(ctx, acct, phone, "", "")
		if err != nil {
			return err
		}
		m := calling.NewManager(calling.Config{
			API: acct.API(), SelfID: me.ID, Engines: engines, Versions: versions,
			OpenAudio: calling.AudioOpener(audio.Config{Input: "loop:", Output: "loop:", Ring: "null"}, log),
			OnIncoming: func(c *calling.Call) {
				c.Answer()
				go func() {
					select {
					case <-c.Done():
					case <-time.After(echoMaxCall):
						c.Hangup()
					case <-ctx.Done():
						c.Hangup()
					}
				}()
			},
			Logger: log,
		})
		m.Attach(acct)
		if err := m.LoadConfig(ctx); err != nil {
			return err
		}
		log.Info("echo bot ready", "user_id", me.ID)
		close(ready)
		<-ctx.Done()
		return nil
	})
	if err != nil && ctx.Err() == nil {
		log.Error("echo bot stopped", "err", err)
	}
}

func reachable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// dataDir is tgphone's per-user data folder ($XDG_DATA_HOME/tgphone/sub).
func dataDir(sub string) string { return xdgDir("XDG_DATA_HOME", ".local/share", sub) }

// configDir is $XDG_CONFIG_HOME/tgphone/PROFILE: one session per service.
func configDir(profile string) string { return xdgDir("XDG_CONFIG_HOME", ".config", profile) }

// xdgDir is $ENV/tgphone/sub, or ~/fallback/tgphone/sub when ENV is unset.
func xdgDir(env, fallback, sub string) string {
	base := os.Getenv(env)
	if base == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		base = filepath.Join(home, fallback)
	}
	return filepath.Join(base, "tgphone", sub)
}
