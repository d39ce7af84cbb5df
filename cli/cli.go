// Package cli holds tgphone's commands. main.go only calls Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/tgphone/tgphone/instance"
)

// Main runs the command named by args[1] and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, rest := "app", []string(nil)
	if len(args) > 1 {
		cmd, rest = args[1], args[2:]
		switch {
		case strings.HasPrefix(cmd, "-") && cmd != "-h" && cmd != "--help":
			cmd, rest = "app", args[1:] // `tgphone --as bob` is the app with flags
		case strings.HasPrefix(strings.ToLower(cmd), "tel:"):
			cmd, rest = "call", args[1:] // a tel: link, from the desktop's URL handler
		}
	}
	var err error
	switch cmd {
	case "app":
		err = runApp(ctx, rest, stdout, stderr)
	case "sandbox":
		err = runSandbox(ctx, rest, stdout, stderr)
	case "call":
		if headlessCall(rest) || askedForHelp(rest) {
			err = runCall(ctx, rest, stdout, stderr)
		} else {
			err = runClickToCall(ctx, rest, stdout, stderr)
		}
	case "answer":
		err = runAnswer(ctx, rest, stdout, stderr)
	case "media":
		err = RunMedia(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "tgphone: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0 // the command's flag set has printed its usage
	}
	if err != nil {
		var ex *exitError
		if errors.As(err, &ex) {
			return ex.code
		}
		fmt.Fprintln(stderr, "tgphone:", err)
		return 1
	}
	return 0
}

const usage = `usage:
  tgphone [app] [--api-id ID --api-hash HASH]
      the desktop app; on the local sandbox unless Telegram API credentials are given
      (flags or TG_API_ID / TG_API_HASH)
  tgphone sandbox [--listen 127.0.0.1:PORT] [--data DIR]
      run the local Telegram-compatible sandbox (MTProto, reflector, TURN, @echo)
  tgphone call @name|+phone|tel:URI        (or just: tgphone tel:URI)
      ask the running app to call (starting it if needed); it asks before dialing
  tgphone call --as USER --to @name|+phone [--duration 10s] [--protocol VERSION]
               [--input tone:HZ|FILE.wav|silence] [--record OUT.wav] [--server ADDR]
      sign in to the sandbox, place one call; JSON lines on stdout
  tgphone answer --as USER [same audio flags] [--duration 10s]
      wait for one incoming call and answer it; JSON lines on stdout
  tgphone media --engine legacy --key-file K --outgoing|--incoming --relay ID,IP,PORT,TAGHEX [flags]
      run the legacy media engine alone with a given key and relays; JSON lines on stdout
`

// exitError carries an exit code for a failure already reported on stdout.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit %d", e.code) }

// headlessCall tells `tgphone call --as alice --to @bob` (scripted) from
// `tgphone call @bob` (click-to-call through the app).
func headlessCall(args []string) bool {
	for _, a := range args {
		if a == "--as" || a == "-as" || strings.HasPrefix(a, "--as=") || strings.HasPrefix(a, "-as=") {
			return true
		}
	}
	return false
}

// askedForHelp reports whether args ask for a command's usage, so that
// `tgphone call --help` prints the flags rather than dialing "--help".
func askedForHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// runClickToCall hands the target to the running app, or starts the app
// with it.
func runClickToCall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: tgphone call @name|+phone|tel:URI")
	}
	target, err := instance.ParseTarget(args[0])
	if err != nil {
		return err
	}
	err = instance.SendAny(ctx, instance.Request{Kind: instance.KindCall, Target: target})
	if errors.Is(err, instance.ErrNotRunning) || errors.Is(err, instance.ErrOwnAccount) {
		// No app runs, or each one running is the target's own account: the
		// default account's app makes the call. If that one runs, it is the
		// target itself, and runApp hands it the request, which it refuses.
		return runApp(ctx, []string{"--call", target}, stdout, stderr)
	}
	return err
}
