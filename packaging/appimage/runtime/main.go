// Command runtime is the start-up program of tgphone's AppImage: the ELF at
// the front of an AppImage (type 2: "AI\x02" at byte 8, then a squashfs
// image of the AppDir right after the ELF's end).
//
// AppImage's own runtime mounts the image with FUSE; it is neither in
// Debian nor in the Go module proxy, and this project builds only from
// those. This one extracts the image once per AppImage build into the
// user's cache and runs AppRun from there — what AppImage's runtime does
// with APPIMAGE_EXTRACT_AND_RUN=1 — so it needs no FUSE either.
//
//	tgphone.AppImage [ARGS]               run the app
//	tgphone.AppImage --appimage-extract   unpack into ./squashfs-root
//	tgphone.AppImage --appimage-offset    print where the image starts
package main

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/squashfs"
)

func main() {
	if err := run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "AppImage:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find myself: %w", err)
	}
	off, err := elfEnd(self)
	if err != nil {
		return err
	}
	if len(args) > 1 {
		switch args[1] {
		case "--appimage-offset":
			fmt.Println(off)
			return nil
		case "--appimage-extract":
			return extract(self, off, "squashfs-root")
		}
	}
	dir, err := cached(self, off)
	if err != nil {
		return err
	}
	env := append(os.Environ(), "APPIMAGE="+self, "APPDIR="+dir, "ARGV0="+args[0])
	apprun := filepath.Join(dir, "AppRun")
	if err := syscall.Exec(apprun, append([]string{apprun}, args[1:]...), env); err != nil {
		return fmt.Errorf("run %s: %w", apprun, err)
	}
	return nil
}

// elfEnd is where the ELF ends and the image begins: the furthest end of
// its segments, sections and section header table. (AppImage's runtime takes
// the end of the section header table, which C linkers put last; Go's linker
// puts it near the front.)
func elfEnd(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	e, err := elf.NewFile(f)
	if err != nil {
		return 0, fmt.Errorf("read the ELF header of %s: %w", path, err)
	}
	if e.Class != elf.ELFCLASS64 {
		return 0, errors.New("only 64-bit AppImages are supported")
	}
	// debug/elf does not expose e_shoff and friends: read them from the header.
	h := make([]byte, 64)
	if _, err := f.ReadAt(h, 0); err != nil {
		return 0, fmt.Errorf("read the ELF header: %w", err)
	}
	end := int64(e.ByteOrder.Uint64(h[0x28:])) + int64(e.ByteOrder.Uint16(h[0x3a:]))*int64(e.ByteOrder.Uint16(h[0x3c:]))
	for _, p := range e.Progs {
		end = max(end, int64(p.Off+p.Filesz))
	}
	for _, s := range e.Sections {
		if s.Type != elf.SHT_NOBITS {
			end = max(end, int64(s.Offset+s.FileSize))
		}
	}
	return end, nil
}

// cached is the AppDir unpacked for this exact AppImage: a directory named
// by a hash of the image's first MiB and its size, made once (unpacked
// beside it and renamed into place, so a half-written one is never used).
func cached(self string, off int64) (string, error) {
	f, err := os.Open(self)
	if err != nil {
		return "", fmt.Errorf("open %s: %w", self, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return "", fmt.Errorf("stat %s: %w", self, err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%d:", st.Size())
	_, err = io.Copy(h, io.NewSectionReader(f, off, 1<<20))
	f.Close()
	if err != nil {
		return "", fmt.Errorf("read %s: %w", self, err)
	}
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	dir := filepath.Join(base, "appimage", filepath.Base(self)+"-"+hex.EncodeToString(h.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(dir, "AppRun")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return "", fmt.Errorf("cache: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".unpack-")
	if err != nil {
		return "", fmt.Errorf("cache: %w", err)
	}
	if err := extract(self, off, tmp); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(filepath.Join(dir, "AppRun")); serr == nil {
			return dir, nil // another start unpacked it first
		}
		return "", fmt.Errorf("cache: %w", err)
	}
	return dir, nil
}

// extract unpacks the squashfs image at off in self into dir: directories,
// regular files and symlinks, with their permission bits.
func extract(self string, off int64, dir string) error {
	f, err := os.Open(self)
	if err != nil {
		return fmt.Errorf("open %s: %w", self, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("stat %s: %w", self, err)
	}
	img, err := squashfs.Read(file.New(f, true), st.Size()-off, off, 0)
	if err != nil {
		return fmt.Errorf("read the image at %d: %w", off, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	return copyDir(img, ".", dir) // io/fs paths: the root is "."
}

func copyDir(img *squashfs.FileSystem, from, to string) error {
	ents, err := img.ReadDir(from)
	if err != nil {
		return fmt.Errorf("read %s: %w", from, err)
	}
	for _, e := range ents {
		src, dst := path.Join(from, e.Name()), filepath.Join(to, e.Name())
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("stat %s: %w", src, err)
		}
		mode := info.Mode()
		switch {
		case mode.IsDir():
			if err := os.Mkdir(dst, mode.Perm()|0o700); err != nil {
				return fmt.Errorf("extract %s: %w", src, err)
			}
			if err := copyDir(img, src, dst); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			l, ok := e.(interface{ Readlink() (string, error) })
			if !ok {
				return fmt.Errorf("extract %s: symlink without a target", src)
			}
			target, err := l.Readlink()
			if err != nil {
				return fmt.Errorf("extract %s: %w", src, err)
			}
			if err := os.Symlink(target, dst); err != nil {
				return fmt.Errorf("extract %s: %w", src, err)
			}
		case mode.IsRegular():
			if err := copyFile(img, src, dst, mode.Perm()); err != nil {
				return err
			}
		default:
			return fmt.Errorf("extract %s: unsupported file type %v", src, mode.Type())
		}
	}
	return nil
}

func copyFile(img *squashfs.FileSystem, src, dst string, perm fs.FileMode) error {
	in, err := img.OpenFile(src, os.O_RDONLY)
	if err != nil {
		return fmt.Errorf("open %s: %w", src, err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("extract %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("extract %s: %w", src, err)
	}
	return nil
}
