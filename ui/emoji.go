package ui

import (
	"embed"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// The key emoji are drawn from pictures, not a font. Drawn as text with
// Fyne 2.8.1's bundled EmojiOneColor font, four of Telegram's 333 came out
// as slivers or nothing (🚶 🚦 ⚡ ❗: their narrow SVG glyphs do not
// render) and four more (👍 💡 ✌ 🎸) smaller and higher than the rest, as
// that font draws them. Pictures cut from Noto Color Emoji
// (scripts/emoji-images.py) give all 333 at one size whatever fonts the
// computer has; TestEmojiPictures checks every one is there and drawn.

//go:embed emoji/*.png
var emojiFS embed.FS

// emojiFile is the picture's file name: the code points in hex, without
// the emoji variation selector.
func emojiFile(e string) string {
	var parts []string
	for _, r := range e {
		if r != 0xFE0F {
			parts = append(parts, fmt.Sprintf("%x", r))
		}
	}
	return "emoji/" + strings.Join(parts, "-") + ".png"
}

// emojiPicture is e's picture, or nil for an emoji not in Telegram's table.
func emojiPicture(e string) fyne.Resource {
	name := emojiFile(e)
	b, err := emojiFS.ReadFile(name)
	if err != nil {
		return nil
	}
	return fyne.NewStaticResource(name, b)
}

// emojiRow shows the call's four key emoji side by side at one size.
type emojiRow struct {
	widget.BaseWidget
	Text string // the four emoji, space-separated, as the user may copy them
	pics [4]*canvas.Image
	// alt draws an emoji there is no picture for (only one outside
	// Telegram's table could be) as text, so the slot is never empty.
	alt  [4]*canvas.Text
	size float32
}

func newEmojiRow(size float32) *emojiRow {
	r := &emojiRow{size: size}
	for i := range r.pics {
		r.pics[i] = canvas.NewImageFromResource(nil)
		r.pics[i].FillMode = canvas.ImageFillContain
		r.alt[i] = canvas.NewText("", theme.Color(theme.ColorNameForeground))
		r.alt[i].TextSize = size * 0.8
	}
	r.ExtendBaseWidget(r)
	return r
}

// Set shows emoji.
func (r *emojiRow) Set(emoji [4]string) {
	text := strings.Join(emoji[:], " ")
	if text == r.Text {
		return
	}
	r.Text = text
	for i, e := range emoji {
		r.pics[i].Resource = emojiPicture(e)
		r.alt[i].Text = ""
		if r.pics[i].Resource == nil {
			r.alt[i].Text = e
		}
	}
	r.Refresh()
}

func (r *emojiRow) MinSize() fyne.Size {
	return fyne.NewSize(4*r.size+3*r.size/3, r.size)
}

func (r *emojiRow) CreateRenderer() fyne.WidgetRenderer {
	objs := []fyne.CanvasObject{}
	for i := range r.pics {
		objs = append(objs, r.pics[i], r.alt[i])
	}
	return &emojiRenderer{r: r, objs: objs}
}

type emojiRenderer struct {
	r    *emojiRow
	objs []fyne.CanvasObject
}

func (e *emojiRenderer) Layout(size fyne.Size) {
	s := e.r.size
	gap := s / 3
	x := (size.Width - (4*s + 3*gap)) / 2
	y := (size.Height - s) / 2
	for i := range e.r.pics {
		p := fyne.NewPos(x+float32(i)*(s+gap), y)
		e.r.pics[i].Move(p)
		e.r.pics[i].Resize(fyne.NewSize(s, s))
		e.r.alt[i].Move(p)
		e.r.alt[i].Resize(fyne.NewSize(s, s))
	}
}

func (e *emojiRenderer) MinSize() fyne.Size { return e.r.MinSize() }

func (e *emojiRenderer) Refresh() {
	e.Layout(e.r.Size())
	for _, o := range e.objs {
		o.Refresh()
	}
}

func (e *emojiRenderer) Objects() []fyne.CanvasObject { return e.objs }
func (e *emojiRenderer) Destroy()                     {}
