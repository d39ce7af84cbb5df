// Command tgphone is a desktop softphone for Telegram one-to-one voice calls.
package main

import (
	"os"

	"github.com/tgphone/tgphone/cli"
)

func main() {
	os.Exit(cli.Main(os.Args, os.Stdout, os.Stderr))
}
