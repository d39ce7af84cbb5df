package userdirs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestMusic(t *testing.T) {
	for _, c := range []struct {
		name     string
		dirsFile string   // user-dirs.dirs content; "" for none
		mkdirs   []string // under home
		want     string   // under home
	}{
		{"xdg music", `XDG_MUSIC_DIR="$HOME/Musik"` + "\n", []string{"Musik", "Music"}, "Musik"},
		{"absolute path", "# comment\nXDG_MUSIC_DIR=\"/ABS/Tunes\"\n", []string{"Tunes", "Music"}, "Tunes"},
		{"xdg music missing on disk", `XDG_MUSIC_DIR="$HOME/Gone"` + "\n", []string{"Music"}, "Music"},
		{"no file", "", []string{"Music", "Documents"}, "Music"},
		{"documents", "", []string{"Documents"}, "Documents"},
		{"xdg documents", `XDG_DOCUMENTS_DIR="$HOME/Dokumente"` + "\n", []string{"Dokumente"}, "Dokumente"},
		{"disabled music", `XDG_MUSIC_DIR="$HOME/"` + "\n" + `XDG_DOCUMENTS_DIR="$HOME/Docs"`, []string{"Docs"}, "Docs"},
		{"nothing", "garbage line\nXDG_MUSIC_DIR=unquoted\n", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			home := t.TempDir()
			cfg := filepath.Join(home, ".config")
			if err := os.MkdirAll(cfg, 0o755); err != nil {
				t.Fatal(err)
			}
			// The absolute case points into this test's home.
			dirs := strings.ReplaceAll(c.dirsFile, "/ABS", home)
			if dirs != "" {
				if err := os.WriteFile(filepath.Join(cfg, "user-dirs.dirs"), []byte(dirs), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range c.mkdirs {
				if err := os.Mkdir(filepath.Join(home, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if got, want := Music(home, ""), filepath.Join(home, c.want); got != want {
				t.Errorf("Music = %q, want %q", got, want)
			}
		})
	}
}
