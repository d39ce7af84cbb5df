package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDesktopEntry: the menu entry registers tel: (never tg:, which the
// official app owns), runs tgphone with the link, and validates.
func TestDesktopEntry(t *testing.T) {
	path := filepath.Join("..", "desktop", "tgphone.desktop")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	entry := string(b)
	for _, want := range []string{"MimeType=x-scheme-handler/tel;", "Exec=tgphone %u", "Icon=tgphone"} {
		if !strings.Contains(entry, want) {
			t.Errorf("desktop entry lacks %q", want)
		}
	}
	if strings.Contains(entry, "x-scheme-handler/tg") {
		t.Error("desktop entry registers tg:, which belongs to the official app")
	}
	tool, err := exec.LookPath("desktop-file-validate")
	if err != nil {
		t.Skip("desktop-file-validate not installed (scripts/deps.sh test installs desktop-file-utils)")
	}
	if out, err := exec.Command(tool, path).CombinedOutput(); err != nil {
		t.Errorf("desktop-file-validate: %v\n%s", err, out)
	}
}

func TestHeadlessOrClickToCall(t *testing.T) {
	for _, tt := range []struct {
		args     []string
		headless bool
	}{
		{[]string{"--as", "alice", "--to", "@bob"}, true},
		{[]string{"--as=alice", "--to", "@bob"}, true},
		{[]string{"@bob"}, false},
		{[]string{"tel:+15550100"}, false},
	} {
		if got := headlessCall(tt.args); got != tt.headless {
			t.Errorf("headlessCall(%v) = %v", tt.args, got)
		}
	}
}
