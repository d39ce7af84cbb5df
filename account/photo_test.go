package account_test

import (
	"bytes"
	"image"
	_ "image/jpeg"
	"os"
	"path/filepath"
	"testing"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// TestProfilePhotos: Bob's photo comes through upload.getFile as a JPEG and
// is kept on disk under its photo id; a second store on the same folder
// finds it there; Carol, who has none, gets nil; a wrong access hash is an
// error, not a photo.
func TestProfilePhotos(t *testing.T) {
	env := sandboxtest.Start(t, sandboxtest.Options{})
	alice := env.SignIn(t, "alice")
	bob, err := alice.Resolve(alice.Ctx, "@bob")
	if err != nil {
		t.Fatal(err)
	}
	carol, err := alice.Resolve(alice.Ctx, "@carol")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "photos")
	p := account.NewPhotos(alice.API(), dir, env.Logger)
	data, err := p.Get(alice.Ctx, bob.ID, bob.AccessHash)
	if err != nil {
		t.Fatal(err)
	}
	img, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || format != "jpeg" || img.Bounds().Dx() != 160 {
		t.Fatalf("bob's photo: %s %v, err %v", format, img.Bounds(), err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "102-*.jpg"))
	if len(files) != 1 {
		t.Fatalf("on disk: %v", files)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache folder %v, %v", fi.Mode(), err)
	}
	// The file on disk is what a new store returns: overwrite it to tell.
	marked := append(bytes.Clone(data), 0xFF)
	if err := os.WriteFile(files[0], marked, 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := account.NewPhotos(alice.API(), dir, env.Logger).Get(alice.Ctx, bob.ID, bob.AccessHash)
	if err != nil || !bytes.Equal(again, marked) {
		t.Errorf("second store: %d bytes (err %v), want the %d on disk", len(again), err, len(marked))
	}
	if none, err := p.Get(alice.Ctx, carol.ID, carol.AccessHash); err != nil || none != nil {
		t.Errorf("carol: %d bytes, err %v", len(none), err)
	}
	if _, err := p.Get(alice.Ctx, 104, 12345); err == nil {
		t.Error("a wrong access hash gave a photo")
	}
}
