package ui

import (
	"strings"
	"testing"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// pieces is what visualRTL gives Fyne for a line whose pieces, left to
// right, are ps: each after a left-to-right mark.
func pieces(ps ...string) string {
	var b strings.Builder
	b.WriteRune(lrm)
	for _, p := range ps {
		b.WriteString(p + string(lrm))
	}
	return b.String()
}

func TestVisualRTL(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"pure Persian", "سلام دنیا", pieces("دنیا", " ", "سلام")},
		{"Persian and a Latin name", "تماس با Bob Baker", pieces("Bob Baker", " ", "با", " ", "تماس")},
		{"Latin name mid-sentence", "صدای Bob Baker قطع شد", pieces("شد", " ", "قطع", " ", "Bob Baker", " ", "صدای")},
		{"Persian and digits", "۳ دقیقه و 20 ثانیه", pieces("ثانیه", " ", "20", " ", "و", " ", "دقیقه", " ", "۳")},
		{"trailing full stop", "تماس رد شد.", pieces(".", "شد", " ", "رد", " ", "تماس")},
		{"parentheses mirrored", "تماس (موفق)", pieces("(", "موفق", ")", " ", "تماس")},
		{"half-space keeps a word whole", "نمی‌شنود.", pieces(".", "نمی‌شنود")},
		{"an isolated @username stays whole", "میکروفون \u2066@bob\u2069 خاموش است", pieces("است", " ", "خاموش", " ", "@bob", " ", "میکروفون")},
		{"without the isolate, UAX #9 puts @ after", "میکروفون @bob خاموش", pieces("خاموش", " ", "bob", "@", " ", "میکروفون")},
		{"embeddings dropped", "\u202bسلام\u202c", pieces("سلام")},
		{"lines kept apart", "الف\nب", pieces("الف") + "\n" + pieces("ب")},
		{"empty", "", ""},
	} {
		if got := visualRTL(tt.in); got != tt.want {
			t.Errorf("%s: visualRTL(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// shown changes nothing in a left-to-right language, nor text without a
// right-to-left letter in Persian; tr isolates Latin values only in Persian.
func TestShownLeavesLTRAlone(t *testing.T) {
	for _, s := range []string{"Call with Bob Baker.", "تماس با Bob.", "(1) 00:12", ""} {
		if got := shown(s); got != s {
			t.Errorf("English UI: shown(%q) = %q", s, got)
		}
	}
	if got := tr("call.remote_mic_off", "Name", "@bob"); got != "@bob's microphone is off" {
		t.Errorf("English tr isolated a name: %q", got)
	}
	speak(t, "fa")
	for _, s := range []string{"Bob Baker", "+98 912 345 6789", "00:12", "@bob"} {
		if got := shown(s); got != s {
			t.Errorf("Persian UI: shown(%q) = %q", s, got)
		}
	}
	if got, want := tr("call.remote_mic_off", "Name", "@bob"), "میکروفون \u2066@bob\u2069 خاموش است"; got != want {
		t.Errorf("Persian tr: %q, want %q", got, want)
	}
	if got := tr("call.remote_mic_off", "Name", "علی"); got != "میکروفون علی خاموش است" {
		t.Errorf("Persian tr isolated a Persian name: %q", got)
	}
}

func TestBreakLines(t *testing.T) {
	runes := func(s string) float32 { return float32(utf8.RuneCountInString(s)) }
	for _, tt := range []struct {
		in    string
		width float32
		want  string
	}{
		{"یک دو سه چهار", 7, "یک دو\nسه چهار"},
		{"یک دو سه چهار", 0, "یک دو سه چهار"},
		{"یک دو\nسه", 100, "یک دو\nسه"},
		{"بسیاربسیاربلند یک", 5, "بسیاربسیاربلند\nیک"},
	} {
		if got := breakLines(tt.in, tt.width, runes); got != tt.want {
			t.Errorf("breakLines(%q, %v) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
	}
}

// Drawn by Fyne: a Persian sentence with a Latin name and a full stop
// reads right to left once shown: the first word at the right, the name
// left of it, the full stop at the left end. The same string as is draws
// the full stop at the right (Fyne's left-to-right line).
func TestPersianSentenceDrawn(t *testing.T) {
	test.NewTempApp(t)
	speak(t, "fa")
	s := "تماس با Bob."
	got, raw := renderText(shown(s)), renderText(s)
	first, name, dot := renderText("تماس"), renderText("Bob"), renderText(".")
	width := func(s [][2]int) (out []int) {
		for _, sp := range s {
			out = append(out, sp[1]-sp[0])
		}
		return out
	}
	near := func(a, b []int) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if d := a[i] - b[i]; d < -1 || d > 1 {
				return false
			}
		}
		return true
	}
	if len(got) < len(dot)+len(name)+len(first) {
		t.Fatalf("ink spans %v", got)
	}
	if !near(width(got[:1]), width(dot)) || !near(width(got[1:1+len(name)]), width(name)) || !near(width(got[len(got)-len(first):]), width(first)) {
		t.Errorf("%q drawn as spans %v; want . %v, then Bob %v, ..., تماس %v at the right", s, width(got), width(dot), width(name), width(first))
	}
	if near(width(raw[:1]), width(dot)) || !near(width(raw[len(raw)-1:]), width(dot)) {
		t.Errorf("as is, %q drew spans %v: Fyne no longer puts the full stop at the right, check shown is still needed", s, width(raw))
	}
}

// A wrapped Persian sentence keeps its reading order over lines: the first
// line holds its start.
func TestWrapLabelPersian(t *testing.T) {
	test.NewTempApp(t)
	speak(t, "fa")
	s := tr("call.talking_muted", "Name", "Bob Baker")
	l := newWrapLabel(s)
	w := test.NewWindow(l)
	defer w.Close()
	w.Resize(fyne.NewSize(260, 300))
	lines := strings.Split(l.Text, "\n")
	if len(lines) < 2 {
		t.Fatalf("%q at 260 px is one line: %q", s, l.Text)
	}
	if l.Alignment != fyne.TextAlignTrailing {
		t.Errorf("alignment %v, want trailing", l.Alignment)
	}
	words := strings.Fields(s)
	if !strings.HasSuffix(lines[0], string(lrm)+words[0]+string(lrm)) {
		t.Errorf("first line %q does not end (at the right) with the sentence's first word %q", lines[0], words[0])
	}
	if !strings.HasPrefix(lines[len(lines)-1], pieces(words[len(words)-1])) {
		t.Errorf("last line %q does not start (at the left) with the sentence's last word %q", lines[len(lines)-1], words[len(words)-1])
	}
	for _, line := range lines {
		if width := fyne.MeasureText(line, 14, fyne.TextStyle{}).Width; width > 260 {
			t.Errorf("line %q is %.0f px wide in 260", line, width)
		}
	}
	l.SetText("")
	if l.Text != "" {
		t.Errorf("emptied: %q", l.Text)
	}
}

// In Persian the call window's lines are in visual order: a call to the
// sandbox's "private" user fails, and its state line and the sentence
// saying why (with the Latin name in it) come out reordered.
func TestCallWindowPersian(t *testing.T) {
	v := failedPrivateCall(t, "fa")
	inUI(func() {
		if want := pieces("بود", " ", "ناموفق", " ", "تماس"); v.state.Text != want {
			t.Errorf("state line %q, want %q", v.state.Text, want)
		}
		if v.state.Alignment != fyne.TextAlignCenter {
			t.Errorf("state line alignment %v", v.state.Alignment)
		}
		why := v.message.logical
		if !strings.Contains(why, "\u2066Private Person\u2069") {
			t.Errorf("the sentence %q does not isolate the name", why)
		}
		if !strings.Contains(v.message.Text, string(lrm)+"Private Person"+string(lrm)) || !strings.HasSuffix(v.message.Text, pieces("تنظیمات")[len(string(lrm)):]) {
			t.Errorf("the sentence %q is shown as %q, not in visual order", why, v.message.Text)
		}
		if v.mutedNote.label.Alignment != fyne.TextAlignTrailing {
			t.Errorf("the muted note's alignment %v, want trailing", v.mutedNote.label.Alignment)
		}
	})
}

// Rows and borders mirror in a right-to-left language only.
func TestMirroredRows(t *testing.T) {
	a, b := widget.NewLabel("a"), widget.NewLabel("b")
	if r := hbox(a, b); r.Objects[0] != a {
		t.Error("English row mirrored")
	}
	speak(t, "fa")
	if r := hbox(a, b); r.Objects[0] != b || r.Objects[1] != a {
		t.Error("Persian row not mirrored")
	}
	c := border(nil, nil, a, nil, b)
	c.Resize(fyne.NewSize(300, 40))
	if a.Position().X < 150 {
		t.Errorf("Persian border puts the leading object at x=%v, not at the right", a.Position().X)
	}
}
