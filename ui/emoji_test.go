package ui

import (
	"bytes"
	"encoding/json"
	"image"
	"os"
	"testing"
)

// TestEmojiPictures: every one of Telegram's 333 key emoji has a square
// picture with ink in it, so no slot of the row is empty or smaller than
// the others.
func TestEmojiPictures(t *testing.T) {
	b, err := os.ReadFile("../crypto/emoji-table.json")
	if err != nil {
		t.Fatal(err)
	}
	var table []string
	if err := json.Unmarshal(b, &table); err != nil {
		t.Fatal(err)
	}
	if len(table) != 333 {
		t.Fatalf("the table has %d emoji", len(table))
	}
	for _, e := range table {
		res := emojiPicture(e)
		if res == nil {
			t.Errorf("%s %U: no picture", e, []rune(e))
			continue
		}
		img, _, err := image.Decode(bytes.NewReader(res.Content()))
		if err != nil {
			t.Errorf("%s: %v", e, err)
			continue
		}
		if b := img.Bounds(); b.Dx() != 64 || b.Dy() != 64 {
			t.Errorf("%s: %v, want 64×64", e, b)
		}
		// Opaque pixels: a real emoji covers a good part of its square.
		ink := 0
		for y := range 64 {
			for x := range 64 {
				if _, _, _, a := img.At(x, y).RGBA(); a > 0x8000 {
					ink++
				}
			}
		}
		if ink < 64*64/10 {
			t.Errorf("%s %U: only %d opaque pixels", e, []rune(e), ink)
		}
	}
	if emojiPicture("not an emoji") != nil {
		t.Error("a picture for text that is no key emoji")
	}
}
