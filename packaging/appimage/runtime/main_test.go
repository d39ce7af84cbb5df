package main

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestExtractAppended appends a squashfs image (made by Debian's
// mksquashfs, as scripts/appimage.sh does) to a copy of this test binary,
// finds it by elfEnd and unpacks files, modes and a symlink.
func TestExtractAppended(t *testing.T) {
	mksquashfs, err := exec.LookPath("mksquashfs")
	if err != nil {
		t.Skip("mksquashfs not installed (scripts/deps.sh appimage installs it)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "AppDir")
	must(t, os.MkdirAll(filepath.Join(src, "usr", "bin"), 0o755))
	must(t, os.WriteFile(filepath.Join(src, "AppRun"), []byte("#!/bin/sh\necho hi\n"), 0o755))
	must(t, os.WriteFile(filepath.Join(src, "usr", "bin", "data"), make([]byte, 300000), 0o644))
	must(t, os.Symlink("usr/bin/data", filepath.Join(src, "link")))
	img := filepath.Join(dir, "img")
	if out, err := exec.Command(mksquashfs, src, img, "-root-owned", "-noappend", "-comp", "gzip", "-quiet").CombinedOutput(); err != nil {
		t.Fatalf("mksquashfs: %v\n%s", err, out)
	}
	self, err := os.Executable()
	must(t, err)
	app := filepath.Join(dir, "x.AppImage")
	concat(t, app, self, img)
	off, err := elfEnd(app)
	must(t, err)
	if st, _ := os.Stat(self); off != st.Size() {
		t.Fatalf("elfEnd = %d, the ELF is %d bytes", off, st.Size())
	}
	out := filepath.Join(dir, "out")
	must(t, extract(app, off, out))
	if fi, err := os.Stat(filepath.Join(out, "AppRun")); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("AppRun: %v, %v", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(out, "usr", "bin", "data")); err != nil || fi.Size() != 300000 || fi.Mode().Perm() != 0o644 {
		t.Errorf("data: %v, %v", fi, err)
	}
	if l, err := os.Readlink(filepath.Join(out, "link")); err != nil || l != "usr/bin/data" {
		t.Errorf("link: %q, %v", l, err)
	}
	if err := extract(app, off+1, filepath.Join(dir, "bad")); err == nil {
		t.Error("an image read one byte off was accepted")
	}
}

func concat(t *testing.T, dst string, srcs ...string) {
	t.Helper()
	out, err := os.Create(dst)
	must(t, err)
	defer out.Close()
	for _, s := range srcs {
		in, err := os.Open(s)
		must(t, err)
		_, err = io.Copy(out, in)
		in.Close()
		must(t, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
