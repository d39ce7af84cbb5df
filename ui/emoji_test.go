package ui

import (
	"encoding/json"
	"os"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
)

// TestEmojiDrawable draws each of Telegram's 333 key emoji the way the call
// window does and checks drawable agrees with the pixels: an emoji it calls
// drawable leaves ink, one it does not is named in words instead.
func TestEmojiDrawable(t *testing.T) {
	b, err := os.ReadFile("../crypto/emoji-table.json")
	if err != nil {
		t.Fatal(err)
	}
	var table []string
	if err := json.Unmarshal(b, &table); err != nil {
		t.Fatal(err)
	}
	test.NewTempApp(t)
	var undrawn []string
	for _, e := range table {
		txt := canvas.NewText(e, theme.Color(theme.ColorNameForeground))
		txt.TextSize = 32
		txt.FontSource = theme.DefaultEmojiFont()
		w := test.NewWindow(txt)
		w.Resize(fyne.NewSize(60, 50))
		img := w.Canvas().Capture()
		w.Close()
		bg, ink := img.At(0, 0), 0
		for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y++ {
			for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x++ {
				if img.At(x, y) != bg {
					ink++
				}
			}
		}
		// Real glyphs leave 80 pixels of ink or more at this size; the broken
		// ones 0–36.
		_, broken := undrawable[e]
		if drawn := ink > 50; drawn == broken {
			t.Errorf("%s %U: %d pixels of ink, but listed as undrawable: %v", e, []rune(e), ink, broken)
		}
		if broken {
			undrawn = append(undrawn, e)
		}
	}
	t.Logf("%d of %d emoji cannot be drawn: %v", len(undrawn), len(table), undrawn)
	if len(undrawn) != len(undrawable) {
		t.Errorf("undrawable lists %d emoji that are not in the table", len(undrawable)-len(undrawn))
	}
}

func TestUndrawnEmoji(t *testing.T) {
	for _, tt := range []struct {
		emoji [4]string
		want  string
	}{
		{[4]string{"😉", "2⃣", "🇯🇵", "♥"}, ""},
		{[4]string{"😉", "⚡", "🐓", "❗"}, `tgphone cannot draw every emoji: the second is "high voltage", the fourth is "red exclamation mark".`},
		{[4]string{"🚶", "😉", "😉", "😉"}, `tgphone cannot draw every emoji: the first is "person walking".`},
		{[4]string{}, ""},
	} {
		if got := undrawnEmoji(tt.emoji); got != tt.want {
			t.Errorf("%v: %q, want %q", tt.emoji, got, tt.want)
		}
	}
}
