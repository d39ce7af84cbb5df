package ui

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func pngOf(t *testing.T, w, h int, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAvatarPhotoCache: a person's photo is decoded and cut round once and
// shared by every avatar of them; a new photo replaces the old one; the
// cache holds no more than its bound, dropping the least recently used.
func TestAvatarPhotoCache(t *testing.T) {
	c := newPhotoCache(2)
	red := pngOf(t, 40, 30, color.NRGBA{R: 0xFF, A: 0xFF})
	a, err := c.get(1, red)
	if err != nil {
		t.Fatal(err)
	}
	if b := a.Bounds(); b.Dx() != 30 || b.Dy() != 30 {
		t.Fatalf("cut to %v, want 30×30", b)
	}
	if _, _, _, al := a.At(0, 0).RGBA(); al != 0 {
		t.Error("the corner is not transparent: not cut round")
	}
	again, _ := c.get(1, bytes.Clone(red))
	if again != a {
		t.Error("the same photo was decoded again")
	}
	blue := pngOf(t, 20, 20, color.NRGBA{B: 0xFF, A: 0xFF})
	b1, _ := c.get(1, blue) // user 1 changed their photo
	if b1 == a || len(c.imgs) != 1 {
		t.Errorf("after a new photo: same image %v, %d kept, want 1", b1 == a, len(c.imgs))
	}
	c.get(2, red)
	c.get(1, blue) // user 1 used last: user 2 is the oldest
	c.get(3, red)
	if len(c.imgs) != 2 || len(c.order) != 2 {
		t.Fatalf("%d images, %d in order, want 2 (the bound)", len(c.imgs), len(c.order))
	}
	for k := range c.imgs {
		if k.user == 2 {
			t.Error("the least recently used photo (user 2) was kept over the bound")
		}
	}
	if _, err := c.get(4, []byte("not an image")); err == nil {
		t.Error("junk decoded")
	}
}
