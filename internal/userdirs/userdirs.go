// Package userdirs finds the user's media folders as the freedesktop
// xdg-user-dirs convention names them (~/.config/user-dirs.dirs), for the
// app to save recordings where the user keeps their music.
package userdirs

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
)

// Music is where call recordings go: XDG_MUSIC_DIR from user-dirs.dirs, else
// ~/Music, else XDG_DOCUMENTS_DIR, else ~/Documents, else the home folder —
// the first that exists. home and configHome are the user's home and
// XDG_CONFIG_HOME ("" means ~/.config).
func Music(home, configHome string) string {
	if configHome == "" {
		configHome = filepath.Join(home, ".config")
	}
	dirs := readUserDirs(filepath.Join(configHome, "user-dirs.dirs"), home)
	for _, d := range []string{dirs["XDG_MUSIC_DIR"], filepath.Join(home, "Music"),
		dirs["XDG_DOCUMENTS_DIR"], filepath.Join(home, "Documents")} {
		// A user-dirs entry set to the home folder itself means "disabled".
		if d == "" || filepath.Clean(d) == filepath.Clean(home) {
			continue
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return home
}

// DefaultMusic is Music for the current user, from $HOME and $XDG_CONFIG_HOME.
func DefaultMusic() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return os.TempDir() // no home at all: somewhere writable rather than "/"
	}
	return Music(home, os.Getenv("XDG_CONFIG_HOME"))
}

// readUserDirs parses user-dirs.dirs: shell assignments NAME="$HOME/path"
// or NAME="/abs/path", one a line, # comments. A missing file is empty.
func readUserDirs(path, home string) map[string]string {
	out := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			continue
		}
		v = v[1 : len(v)-1]
		switch {
		case v == "$HOME":
			v = home
		case strings.HasPrefix(v, "$HOME/"):
			v = filepath.Join(home, v[len("$HOME/"):])
		case !strings.HasPrefix(v, "/"):
			continue // the format allows only these two forms
		}
		out[strings.TrimSpace(k)] = v
	}
	return out
}
