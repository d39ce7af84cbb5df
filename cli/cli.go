// Package cli holds tgphone's commands. main.go only calls Main.
package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Main runs the command named by args[1] and returns the process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd, rest := "help", []string(nil)
	if len(args) > 1 {
		cmd, rest = args[1], args[2:]
	}
	var err error
	switch cmd {
	case "media":
		err = RunMedia(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "tgphone: unknown command %q\n%s", cmd, usage)
		return 2
	}
	if err != nil {
		fmt.Fprintln(stderr, "tgphone:", err)
		return 1
	}
	return 0
}

const usage = `usage:
  tgphone media --engine legacy --key-file K --outgoing|--incoming --relay ID,IP,PORT,TAGHEX [flags]
      run the legacy media engine alone with a given key and relays; JSON lines on stdout
`
