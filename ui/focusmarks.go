package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Marks of the keyboard focus and the selection that Fyne draws too
// faintly (issue 17 item 15; TestFocusContrast measures them).
//
// A list row: Fyne fills a selected row with the selection colour, 1.43:1
// (light) and 1.28:1 (dark) from the background, and the row the keyboard
// is on with the hover shade, 1.14:1 and 1.17:1, nothing at all when that
// row is the selected one. A stronger fill would take the rows' grey and
// red text below 4.5:1, so the fills stay and markedRow adds a bar of the
// primary colour at the selected row's left edge and a ring of it around
// the keyboard's row while the list has the focus: 3.1:1 or more from the
// background and from either fill in both variants.
//
// A primary button: Fyne blends the focus colour into its fill, which
// moved it 1.79:1 (light) and 1.07:1 (dark); primaryButton draws a ring
// of its label's colour inside its edge while it has the focus, 4.5:1
// from the primary colour under it.

// markBar and markRing are the widths of the selected row's bar and of
// the keyboard's row's ring; markInset and markInsetEnd keep a row's
// content clear of them on the left and the right.
const (
	markBar      = 4
	markRing     = 2
	markInset    = markBar + 2
	markInsetEnd = markRing + 2
)

// markedRow is a keyList row's content with the two marks over it.
type markedRow struct {
	widget.BaseWidget
	content   fyne.CanvasObject
	bar, ring *canvas.Rectangle
}

func newMarkedRow(content fyne.CanvasObject) *markedRow {
	m := &markedRow{content: content, bar: canvas.NewRectangle(color.Transparent), ring: canvas.NewRectangle(color.Transparent)}
	m.bar.Hide()
	m.ring.Hide()
	m.ring.StrokeWidth = markRing
	m.ExtendBaseWidget(m)
	return m
}

// mark shows the bar when the row is selected and the ring when it is
// the keyboard's row in a focused list, in the theme's primary colour.
func (m *markedRow) mark(selected, keyboard bool) {
	th := m.Theme()
	primary := th.Color(theme.ColorNamePrimary, fyne.CurrentApp().Settings().ThemeVariant())
	m.bar.FillColor = primary
	m.bar.CornerRadius = markBar / 2
	m.ring.StrokeColor = primary
	m.ring.CornerRadius = th.Size(theme.SizeNameSelectionRadius)
	m.bar.Hidden, m.ring.Hidden = !selected, !keyboard
	m.bar.Refresh()
	m.ring.Refresh()
}

func (m *markedRow) CreateRenderer() fyne.WidgetRenderer {
	return &markedRowRenderer{m: m, objects: []fyne.CanvasObject{m.content, m.bar, m.ring}}
}

type markedRowRenderer struct {
	m       *markedRow
	objects []fyne.CanvasObject
}

func (r *markedRowRenderer) Layout(size fyne.Size) {
	r.m.content.Move(fyne.NewPos(markInset, markRing))
	r.m.content.Resize(size.SubtractWidthHeight(markInset+markInsetEnd, 2*markRing))
	r.m.bar.Move(fyne.NewPos(markRing, markRing))
	r.m.bar.Resize(fyne.NewSize(markBar, size.Height-2*markRing))
	r.m.ring.Move(fyne.NewPos(0, 0))
	r.m.ring.Resize(size)
}

func (r *markedRowRenderer) MinSize() fyne.Size {
	return r.m.content.MinSize().AddWidthHeight(markInset+markInsetEnd, 2*markRing)
}

func (r *markedRowRenderer) Refresh() {
	r.Layout(r.m.Size())
	r.m.content.Refresh()
	r.m.bar.Refresh()
	r.m.ring.Refresh()
}

func (r *markedRowRenderer) Objects() []fyne.CanvasObject { return r.objects }
func (r *markedRowRenderer) Destroy()                     {}

// primaryButton is a widget.Button of high importance that draws a ring
// inside its edge while it has the keyboard focus.
type primaryButton struct {
	widget.Button
	focused bool
}

func newPrimaryButton(label string, tapped func()) *primaryButton {
	return newPrimaryButtonWithIcon(label, nil, tapped)
}

func newPrimaryButtonWithIcon(label string, icon fyne.Resource, tapped func()) *primaryButton {
	b := &primaryButton{}
	b.Text, b.Icon, b.OnTapped, b.Importance = shown(label), icon, tapped, widget.HighImportance
	b.ExtendBaseWidget(b)
	return b
}

func (b *primaryButton) FocusGained() {
	b.focused = true
	b.Button.FocusGained() // refreshes, and so the ring
}

func (b *primaryButton) FocusLost() {
	b.focused = false
	b.Button.FocusLost()
}

func (b *primaryButton) CreateRenderer() fyne.WidgetRenderer {
	r := &primaryRenderer{WidgetRenderer: b.Button.CreateRenderer(), b: b, ring: canvas.NewRectangle(color.Transparent)}
	r.ring.StrokeWidth = markRing
	r.Refresh()
	return r
}

// primaryRenderer is Fyne's button renderer with the ring over it.
type primaryRenderer struct {
	fyne.WidgetRenderer
	b    *primaryButton
	ring *canvas.Rectangle
}

// ringInset is the gap between the button's edge and its ring.
const ringInset = 3

func (r *primaryRenderer) Layout(size fyne.Size) {
	r.WidgetRenderer.Layout(size)
	r.ring.Move(fyne.NewPos(ringInset, ringInset))
	r.ring.Resize(size.SubtractWidthHeight(2*ringInset, 2*ringInset))
}

func (r *primaryRenderer) Refresh() {
	r.WidgetRenderer.Refresh()
	// Fyne may lay the button out before this renderer exists, or lay out
	// only its own renderer: size the ring here too.
	r.ring.Move(fyne.NewPos(ringInset, ringInset))
	r.ring.Resize(r.b.Size().SubtractWidthHeight(2*ringInset, 2*ringInset))
	th := r.b.Theme()
	r.ring.StrokeColor = th.Color(theme.ColorNameForegroundOnPrimary, fyne.CurrentApp().Settings().ThemeVariant())
	r.ring.CornerRadius = max(th.Size(theme.SizeNameButtonRadius)-ringInset, 0)
	r.ring.Hidden = !r.b.focused || r.b.Disabled() || r.b.Importance != widget.HighImportance
	r.ring.Refresh()
}

func (r *primaryRenderer) Objects() []fyne.CanvasObject {
	return append(r.WidgetRenderer.Objects(), r.ring)
}

// TypedKey: Esc goes to the window, as if no button had the focus (Fyne
// gives keys to the focused widget only, and its button drops Esc, so a
// question or the rating could not be dismissed once Tab had reached one
// of its buttons); Space and Enter press the button (keyPresses).
func (b *primaryButton) TypedKey(k *fyne.KeyEvent) {
	if escToWindow(b, k) || keyPresses(&b.Button, k) {
		return
	}
	b.Button.TypedKey(k)
}

// escButton is a widget.Button that gives Esc to its window likewise,
// and that Enter presses.
type escButton struct{ widget.Button }

func newEscButtonWithIcon(label string, icon fyne.Resource, tapped func()) *escButton {
	b := &escButton{}
	b.Text, b.Icon, b.OnTapped = shown(label), icon, tapped
	b.ExtendBaseWidget(b)
	return b
}

func (b *escButton) TypedKey(k *fyne.KeyEvent) {
	if escToWindow(b, k) || keyPresses(&b.Button, k) {
		return
	}
	b.Button.TypedKey(k)
}

// escToWindow hands Esc typed on o to the key handler of o's window;
// false for any other key, or when the window has none.
func escToWindow(o fyne.CanvasObject, k *fyne.KeyEvent) bool {
	if k.Name != fyne.KeyEscape {
		return false
	}
	c := fyne.CurrentApp().Driver().CanvasForObject(o)
	if c == nil || c.OnTypedKey() == nil {
		return false
	}
	c.OnTypedKey()(k)
	return true
}
