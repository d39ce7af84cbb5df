package ui

import (
	"slices"
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"golang.org/x/text/unicode/bidi"
)

// Right-to-left text for Fyne.
//
// Fyne 2.8 lays every line out left to right: its shaper splits a line into
// bidi runs (x/text's bidi), shapes each right-to-left run right to left –
// so one run of Persian letters comes out in the right order – and then
// places the runs, and each run's pieces in different fonts, side by side in
// the order they have in the string. A Persian sentence's full stop (in
// another font than the letters) ends up at its right end, and a sentence
// with a Latin name or a number in it comes out with its parts in mirrored
// order. Direction marks and embeddings change nothing, since the runs are
// never reordered.
//
// shown therefore hands Fyne each line already in visual order, left to
// right, in pieces Fyne cannot merge or reorder:
//   - the line's runs are found by the Unicode Bidirectional Algorithm with
//     a right-to-left paragraph direction and put in visual order (UAX #9
//     L2; with no explicit embeddings, levels are only 1 and 2, so this is
//     reversing the runs);
//   - a right-to-left run is split into words (letters, their marks, joiners)
//     and single other characters (spaces, punctuation); its words keep
//     their logical order, so Fyne's shaper reverses each exactly once and
//     Arabic joining sees the letters in reading order; the single
//     characters are put in reversed order, brackets and the like mirrored
//     (L4), as Fyne draws them left to right;
//   - a left-to-right run (a Latin name, a number, an @username) keeps its
//     order;
//   - the line starts with a LEFT-TO-RIGHT MARK, so Fyne's own bidi pass
//     sees a left-to-right paragraph, and one separates every piece, so no
//     two right-to-left words fall into one run (Fyne would shape them as
//     one and swap them back). The marks are default-ignorable: drawn as
//     nothing, zero wide.
//
// This is for one line: a label Fyne wraps must be broken into lines in
// logical order first (wrapLogical), since a line broken after reordering
// starts with the sentence's end.

const lrm = '\u200e' // LEFT-TO-RIGHT MARK

// shown is s as a widget is to be given it: unchanged when the UI's
// language is written left to right or s holds no right-to-left letter
// (a Latin name, a number, a time), else each line in visual order
// (visualRTL).
func shown(s string) string {
	if !rightToLeft() || !hasRTL(s) {
		return s
	}
	return visualRTL(s)
}

// hasRTL tells whether s holds a right-to-left letter.
func hasRTL(s string) bool {
	for _, r := range s {
		if r < 0x0590 { // below Hebrew: nothing right-to-left
			continue
		}
		if c := bidiClass(r); c == bidi.R || c == bidi.AL {
			return true
		}
	}
	return false
}

func bidiClass(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

// visualRTL is s, each "\n"-separated line laid out for Fyne as a
// paragraph whose direction is right to left (see the top of this file).
func visualRTL(s string) string {
	var b strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			b.WriteByte('\n')
		}
		visualLine(&b, line)
	}
	return b.String()
}

// isExplicit tells whether r is an explicit embedding, override or isolate
// control (UAX #9 X1–X8). None reaches Fyne: it ignores them anyway.
func isExplicit(r rune) bool {
	return (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}

// keepIsolates is line without its embeddings and overrides, and with only
// those isolates kept that hold no right-to-left letter, as LRI…PDI: a Latin
// name or an @username isolated in a sentence stays one left-to-right run
// ("@bob", not "bob@"), and the levels stay 1 and 2, which the reordering
// below assumes.
func keepIsolates(line string) string {
	rs := []rune(line)
	keep := make([]bool, len(rs))
	var open []int // indexes of the unmatched isolate initiators
	for i, r := range rs {
		switch {
		case r >= '\u2066' && r <= '\u2068': // LRI, RLI, FSI
			open = append(open, i)
		case r == '\u2069' && len(open) > 0: // PDI
			start := open[len(open)-1]
			open = open[:len(open)-1]
			if len(open) == 0 && !hasRTL(string(rs[start+1:i])) {
				rs[start] = '\u2066'
				keep[start], keep[i] = true, true
			}
		case !isExplicit(r):
			keep[i] = true
		}
	}
	out := rs[:0]
	for i, r := range rs {
		if keep[i] {
			out = append(out, r)
		}
	}
	return string(out)
}

func visualLine(b *strings.Builder, line string) {
	line = keepIsolates(line)
	if line == "" {
		return
	}
	var p bidi.Paragraph
	if _, err := p.SetString(line, bidi.DefaultDirection(bidi.RightToLeft)); err != nil {
		b.WriteString(line)
		return
	}
	o, err := p.Order()
	if err != nil {
		b.WriteString(line)
		return
	}
	b.WriteRune(lrm)
	// In a right-to-left paragraph without embeddings, right-to-left runs
	// are at level 1 and left-to-right ones at level 2: visually, the runs
	// in reverse order.
	for i := o.NumRuns() - 1; i >= 0; i-- {
		run := o.Run(i)
		if run.Direction() != bidi.RightToLeft {
			b.WriteString(strings.Map(dropExplicit, run.String()))
			b.WriteRune(lrm)
			continue
		}
		writeRTLRun(b, []rune(run.String()))
	}
}

func dropExplicit(r rune) rune {
	if isExplicit(r) {
		return -1
	}
	return r
}

// writeRTLRun writes a right-to-left run's pieces right to left: words in
// logical order (Fyne's shaper reverses them), other characters one by
// one, mirrored, each followed by a mark.
func writeRTLRun(b *strings.Builder, run []rune) {
	end := len(run)
	for end > 0 {
		start := end - 1
		if isExplicit(run[start]) {
			end = start
			continue
		}
		if inWord(run[start]) {
			for start > 0 && inWord(run[start-1]) {
				start--
			}
			b.WriteString(string(run[start:end]))
		} else {
			b.WriteRune(mirror(run[start]))
		}
		b.WriteRune(lrm)
		end = start
	}
}

// inWord tells whether r belongs to a right-to-left word: a letter written
// right to left, a mark on it, or an invisible joiner or non-joiner (the
// Persian half-space) inside it.
func inWord(r rune) bool {
	switch bidiClass(r) {
	case bidi.R, bidi.AL, bidi.NSM, bidi.BN:
		return true
	}
	return false
}

// mirror is r's mirror image for a right-to-left run (UAX #9 L4): brackets
// from the Unicode bracket pairs, and the other mirrored characters UI text
// uses.
func mirror(r rune) rune {
	p, _ := bidi.LookupRune(r)
	if p.IsBracket() {
		m, _ := utf8.DecodeRuneInString(bidi.ReverseString(string(r)))
		return m
	}
	switch r {
	case '<':
		return '>'
	case '>':
		return '<'
	case '«':
		return '»'
	case '»':
		return '«'
	case '‹':
		return '›'
	case '›':
		return '‹'
	case '≤':
		return '≥'
	case '≥':
		return '≤'
	}
	return r
}

// The widget constructors and setText are where catalogue sentences and
// names become widget text: each passes the text through shown, and a
// label that starts at the leading edge starts at the right in a
// right-to-left language. Window titles, notifications and the tray menu
// are not widgets: the desktop lays their text out itself.

func newLabel(text string) *widget.Label {
	return newLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{})
}

func newLabelWithStyle(text string, align fyne.TextAlign, style fyne.TextStyle) *widget.Label {
	if align == fyne.TextAlignLeading {
		align = leadingAlign()
	}
	return widget.NewLabelWithStyle(shown(text), align, style)
}

func newCheck(text string, changed func(bool)) *widget.Check {
	return widget.NewCheck(shown(text), changed)
}

func newFormItem(text string, w fyne.CanvasObject) *widget.FormItem {
	return widget.NewFormItem(shown(text), w)
}

// setText shows text on a label, button or the like. A label is changed
// only when its text changes: each change repaints the whole window (in
// software GL here), and the call window updates 5 times a second for the
// whole call, mostly with nothing new to show. An entry's text is the
// user's to edit and a noteLine lays out its own, so both get text as it
// is.
func setText(w interface{ SetText(string) }, text string) {
	switch w := w.(type) {
	case *widget.Entry, *keyEntry, *noteLine, *wrapLabel:
		w.SetText(text)
	case *widget.Label:
		if t := shown(text); w.Text != t {
			w.SetText(t)
		}
	default:
		w.SetText(shown(text))
	}
}

func newTabItem(text string, content fyne.CanvasObject) *container.TabItem {
	return container.NewTabItem(shown(text), content)
}

// wrapLabel is a word-wrapped label that wraps right-to-left text as it is
// read. Fyne wraps the string it is given from its start; given a line in
// visual order, it would put the sentence's end on the first line. So in
// a right-to-left language wrapLabel breaks the text into lines itself, in
// reading order, for the width it is given, and hands Fyne the lines one
// under the other, each in visual order (shown) and each narrow enough that
// Fyne breaks none of them again. Otherwise it is a wrapped widget.Label.
type wrapLabel struct {
	widget.Label
	logical string
	width   float32 // the width logical was broken for
}

func newWrapLabel(text string) *wrapLabel {
	l := &wrapLabel{logical: text}
	l.Alignment = leadingAlign()
	l.Wrapping = fyne.TextWrapWord
	l.ExtendBaseWidget(l)
	l.Text = l.lines(0)
	return l
}

// SetText shows text (in reading order).
func (l *wrapLabel) SetText(text string) {
	if text == l.logical {
		return
	}
	l.logical = text
	l.Label.SetText(l.lines(l.Size().Width))
}

// Resize breaks the text again for a new width.
func (l *wrapLabel) Resize(size fyne.Size) {
	if size.Width != l.width && rightToLeft() && hasRTL(l.logical) {
		l.width = size.Width
		l.Text = l.lines(size.Width)
		l.Label.Refresh()
	}
	l.Label.Resize(size)
}

// lines is the text as Fyne is to get it at width: the text itself when
// Fyne's own wrapping reads right, else broken in reading order.
func (l *wrapLabel) lines(width float32) string {
	if !rightToLeft() || !hasRTL(l.logical) {
		return l.logical
	}
	th := l.Theme()
	sizeName := l.SizeName
	if sizeName == "" {
		sizeName = theme.SizeNameText
	}
	// The label's text sits inside an inner padding on either side; a pixel
	// spare keeps rounding from making Fyne break a line again.
	avail := width - 2*th.Size(theme.SizeNameInnerPadding) - 1
	textSize := th.Size(sizeName)
	measure := func(s string) float32 { return fyne.MeasureText(shown(s), textSize, l.TextStyle).Width }
	return shown(breakLines(l.logical, avail, measure))
}

// breakLines breaks each line of text at spaces into lines no wider than
// width by measure (a word wider than width gets a line of its own), in
// reading order; width 0 or less, before the first layout, breaks nothing.
func breakLines(text string, width float32, measure func(string) float32) string {
	if width <= 0 {
		return text
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, word := range strings.Split(para, " ") {
			switch try := line + " " + word; {
			case line == "":
				line = word
			case measure(try) <= width:
				line = try
			default:
				out = append(out, line)
				line = word
			}
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// hbox is a row of objects in reading order: left to right, or right to
// left in a right-to-left language, as Telegram Desktop mirrors its
// layouts.
func hbox(objs ...fyne.CanvasObject) *fyne.Container {
	if rightToLeft() {
		objs = slices.Clone(objs)
		slices.Reverse(objs)
	}
	return container.NewHBox(objs...)
}

// border is container.NewBorder with leading and trailing for left and
// right: swapped in a right-to-left language.
func border(top, bottom, leading, trailing fyne.CanvasObject, center ...fyne.CanvasObject) *fyne.Container {
	if rightToLeft() {
		leading, trailing = trailing, leading
	}
	return container.NewBorder(top, bottom, leading, trailing, center...)
}
