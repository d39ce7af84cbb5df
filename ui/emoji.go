package ui

import (
	"fmt"
	"strings"
)

// The key emoji are drawn with Fyne's bundled emoji font alone: through the
// theme's text font first, a keycap such as 2⃣ came out as a plain "2" and
// an empty box.
//
// Four of Telegram's 333 emoji still come out empty or as a sliver: their
// narrow SVG glyphs in Fyne 2.8.1's EmojiOneColor font do not render. They
// are named in words so the user can still compare. TestEmojiDrawable draws
// all 333 and fails when this list and the pixels disagree.
var undrawable = map[string]string{
	"🚶": "person walking",
	"🚦": "vertical traffic light",
	"⚡": "high voltage",
	"❗": "red exclamation mark",
}

// undrawnEmoji says in words which of the four emoji this computer cannot
// draw, or "" when it can draw them all.
func undrawnEmoji(emoji [4]string) string {
	var parts []string
	for i, e := range emoji {
		if name, ok := undrawable[e]; ok {
			parts = append(parts, fmt.Sprintf("the %s is %q", ordinal(i+1), name))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "tgphone cannot draw every emoji: " + strings.Join(parts, ", ") + "."
}

func ordinal(n int) string { return [...]string{"", "first", "second", "third", "fourth"}[n] }
