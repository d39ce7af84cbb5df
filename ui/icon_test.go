package ui

import (
	"bytes"
	"os"
	"testing"
)

// TestIconIsTheAppIcon: the embedded icon is the one the desktop entry and
// the package install.
func TestIconIsTheAppIcon(t *testing.T) {
	b, err := os.ReadFile("../assets/icon.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, iconPNG) {
		t.Error("ui/icon.png differs from assets/icon.png: copy it over")
	}
}
