package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/tgphone/tgphone/sandbox"
)

func runSandbox(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sandbox", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", DefaultSandboxListen, "MTProto listen address (loopback unless you mean otherwise)")
	data := fs.String("data", dataDir("sandbox"), "folder for accounts, sessions and history")
	verbose := fs.Bool("v", false, "debug logging")
	hostileFlag := fs.String("hostile", "", "send malicious values to test clients: "+sandbox.HostileNames())
	noTURN := fs.Bool("no-turn", false, "hand calls no STUN/TURN servers, only the reflector (UDP and TCP)")
	readyFD := fs.Int("ready-fd", 0, "also write the JSON line to this inherited file descriptor, then close it (the app that starts a shared sandbox waits on it)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	hostile, err := sandbox.ParseHostile(*hostileFlag)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := newLogger(stderr, level)
	if hostile != sandbox.HostileNone {
		log.Warn("hostile mode: this sandbox lies to its clients on purpose", "mode", hostile)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := startStack(ctx, stackConfig{listen: *listen, dataDir: *data, hostile: hostile, noTURN: *noTURN}, log)
	if err != nil {
		return fmt.Errorf("sandbox: %w", err)
	}
	line, err := json.Marshal(struct {
		MTProto   string `json:"mtproto"`
		DC        int    `json:"dc"`
		Reflector string `json:"reflector"`
		TURN      string `json:"turn"`
		Data      string `json:"data"`
		PublicKey string `json:"public_key"`
	}{st.info.MTProto, st.info.DC, st.reflector, st.turn, *data, st.info.PublicKey})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, string(line))
	if *readyFD > 2 {
		// The app that started this sandbox may have quit meanwhile: a
		// write to a closed pipe here is an error, not a reason to stop.
		f := os.NewFile(uintptr(*readyFD), "ready")
		if _, err := f.Write(append(line, '\n')); err != nil {
			log.Warn("tell the starting app the sandbox is ready", "err", err)
		}
		_ = f.Close()
		// Started by an app, this sandbox has no terminal to be stopped
		// from: it stops when its data folder stops naming it (removed, as
		// a script's temporary folder is, or taken over by another one).
		go stopWhenDisowned(ctx, *data, cancel, log)
	}
	return <-st.done
}

// disownedPoll is how often a sandbox started by an app checks its data folder.
const disownedPoll = 5 * time.Second

// stopWhenDisowned calls stop once dir's sandbox.pid no longer names this
// process.
func stopWhenDisowned(ctx context.Context, dir string, stop func(), log *slog.Logger) {
	t := time.NewTicker(disownedPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if pid, err := readPID(dir); err != nil || pid != os.Getpid() {
			log.Info("stopping: the data folder no longer names this sandbox", "dir", dir, "pid_file", pid, "err", err)
			stop()
			return
		}
	}
}

func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}
