package ui

import (
	"bytes"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Widgets of the Contacts and Recents lists: a round call button, a row
// that takes a double click, a list that takes Enter, two lines of text
// without a label's full padding, and a column of limited width.

// rowCallColour is the call button's green: white on it measures 5.2:1
// (WCAG AA for the icon and for text); Fyne's success green is 1.5:1.
var rowCallColour = color.NRGBA{R: 0x1B, G: 0x7F, B: 0x37, A: 0xFF}

// rowCallSize is the diameter of a row's call button.
const rowCallSize = 34

// onWhite is r drawn white, for an icon on a coloured button in either theme.
func onWhite(r fyne.Resource) fyne.Resource {
	return fyne.NewStaticResource("white-"+r.Name(), bytes.ReplaceAll(r.Content(), []byte(`fill="#000000"`), []byte(`fill="#ffffff"`)))
}

var whitePhoneIcon = onWhite(phoneIcon)

// rowCallButton is a round green button with a phone: a row's Call.
type rowCallButton struct {
	widget.DisableableWidget
	OnTapped func()
	hovered  bool
}

func newRowCallButton(tapped func()) *rowCallButton {
	b := &rowCallButton{OnTapped: tapped}
	b.ExtendBaseWidget(b)
	return b
}

func (b *rowCallButton) Tapped(*fyne.PointEvent) {
	if !b.Disabled() && b.OnTapped != nil {
		b.OnTapped()
	}
}

func (b *rowCallButton) MouseIn(*desktop.MouseEvent)    { b.hovered = true; b.Refresh() }
func (b *rowCallButton) MouseMoved(*desktop.MouseEvent) {}
func (b *rowCallButton) MouseOut()                      { b.hovered = false; b.Refresh() }

func (b *rowCallButton) Cursor() desktop.Cursor {
	if b.Disabled() {
		return desktop.DefaultCursor
	}
	return desktop.PointerCursor
}

func (b *rowCallButton) CreateRenderer() fyne.WidgetRenderer {
	r := &rowCallRenderer{b: b, circle: canvas.NewCircle(rowCallColour), icon: canvas.NewImageFromResource(whitePhoneIcon)}
	r.icon.FillMode = canvas.ImageFillContain
	r.Refresh()
	return r
}

type rowCallRenderer struct {
	b      *rowCallButton
	circle *canvas.Circle
	icon   *canvas.Image
}

func (r *rowCallRenderer) Layout(size fyne.Size) {
	d := min(size.Width, size.Height, rowCallSize)
	r.circle.Resize(fyne.NewSquareSize(d))
	r.circle.Move(fyne.NewPos((size.Width-d)/2, (size.Height-d)/2))
	i := d * 0.55
	r.icon.Resize(fyne.NewSquareSize(i))
	r.icon.Move(fyne.NewPos((size.Width-i)/2, (size.Height-i)/2))
}

func (r *rowCallRenderer) MinSize() fyne.Size { return fyne.NewSquareSize(rowCallSize) }

func (r *rowCallRenderer) Refresh() {
	r.icon.Resource = whitePhoneIcon
	switch {
	case r.b.Disabled():
		// Greyed out in the theme's own disabled colours, the phone still visible.
		r.circle.FillColor = theme.Color(theme.ColorNameDisabledButton)
		r.icon.Resource = theme.NewDisabledResource(phoneIcon)
	case r.b.hovered:
		r.circle.FillColor = color.NRGBA{R: 0x15, G: 0x66, B: 0x2C, A: 0xFF} // darker, so white stays legible
	default:
		r.circle.FillColor = rowCallColour
	}
	r.circle.Refresh()
	r.icon.Refresh()
}

func (r *rowCallRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.circle, r.icon} }
func (r *rowCallRenderer) Destroy()                     {}

// tapRow is a list row's content that takes a double click (call) as well
// as a click (select): widget.List's rows take only the click.
type tapRow struct {
	widget.BaseWidget
	content  fyne.CanvasObject
	onTap    func()
	onDouble func()
}

func (r *tapRow) Tapped(*fyne.PointEvent) {
	if r.onTap != nil {
		r.onTap()
	}
}

func (r *tapRow) DoubleTapped(*fyne.PointEvent) {
	if r.onDouble != nil {
		r.onDouble()
	}
}

func (r *tapRow) CreateRenderer() fyne.WidgetRenderer { return widget.NewSimpleRenderer(r.content) }

// keyList is a widget.List where Up and Down select (not only highlight)
// and Enter acts on the selected row.
// Each row is drawn in a markedRow, which shows which row is selected and,
// while the list has the focus, which one the keyboard is on.
type keyList struct {
	widget.List
	selected int // -1: none
	// keyboard is the row widget.List highlights while it has the focus
	// (its own record of it is private); focused: the list has the focus.
	keyboard int
	focused  bool
	onEnter  func()
	// skip, when set, tells the rows the arrow keys pass over (headings).
	skip func(i int) bool
	// onSelect, when set, is told the selected row (-1: none) on each change.
	onSelect func(i int)
}

func newKeyList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject)) *keyList {
	l := &keyList{selected: -1}
	l.Length = length
	l.CreateItem = func() fyne.CanvasObject { return newMarkedRow(create()) }
	l.UpdateItem = func(i widget.ListItemID, o fyne.CanvasObject) {
		m := o.(*markedRow)
		update(i, m.content)
		m.mark(i == l.selected, l.focused && i == l.keyboard)
	}
	l.OnSelected = func(i widget.ListItemID) { l.setSelected(i) }
	l.OnUnselected = func(i widget.ListItemID) {
		if l.selected == i {
			l.setSelected(-1)
		}
	}
	l.ExtendBaseWidget(l)
	return l
}

// setSelected is told the selection widget.List has made (a click, or
// show), after it has redrawn the rows: the two rows whose marks change
// are drawn again.
func (l *keyList) setSelected(i int) {
	old := l.selected
	l.selected = i
	if i >= 0 {
		l.keyboard = i // a click highlights the row it selects
	}
	if old >= 0 && old != i {
		l.RefreshItem(old)
	}
	if i >= 0 {
		l.RefreshItem(i)
	}
	if l.onSelect != nil {
		l.onSelect(i)
	}
}

// FocusGained and FocusLost show and hide the keyboard's row's ring.
func (l *keyList) FocusGained() {
	l.focused = true
	l.List.FocusGained() // draws the keyboard's row again
}

func (l *keyList) FocusLost() {
	l.focused = false
	l.List.FocusLost()
}

// TypedKey: Up and Down select, Enter (and Space) act on the selection.
func (l *keyList) TypedKey(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.KeyDown:
		l.move(1)
	case fyne.KeyUp:
		l.move(-1)
	case fyne.KeyReturn, fyne.KeyEnter, fyne.KeySpace:
		if l.onEnter != nil {
			l.onEnter()
		}
	default:
		l.List.TypedKey(k)
	}
}

// pick selects row i as a click does, with the focus, so the arrow keys
// and Enter go on from there.
func (l *keyList) pick(i int) {
	l.show(i)
	if c := fyne.CurrentApp().Driver().CanvasForObject(l); c != nil {
		c.Focus(l)
	}
}

// move selects the row d below (above, if negative) the selected one, or
// the first row when none is.
func (l *keyList) move(d int) {
	n := l.Length()
	if n == 0 {
		return
	}
	i := l.selected + d
	if l.selected < 0 {
		i, d = 0, 1
	}
	for i >= 0 && i < n && l.skip != nil && l.skip(i) {
		i += d
	}
	if i < 0 || i >= n {
		return // nothing selectable that way
	}
	l.show(i)
}

// show selects row i and moves the list's focus highlight there too, so
// the keyboard's row and the selected row are one (widget.List keeps
// them apart), and scrolls to it.
func (l *keyList) show(i int) {
	l.keyboard = i
	l.Select(i)
	l.Highlight(i)
	l.Refresh() // the row the highlight left
}

// newRowName is a row's name: bold, cut short with an ellipsis where the
// row is too narrow for it.
func newRowName(text string) *widget.Label {
	l := newLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// newRowDetail is the smaller line under a row's name, cut short with an
// ellipsis likewise.
func newRowDetail(text string) *widget.Label {
	l := newLabel(text)
	l.SizeName = theme.SizeNameCaptionText
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

// twoLines lays out a name above a smaller line as one block, without the
// padding each label keeps above and below its text (which made rows 78 px).
type twoLines struct{}

func (twoLines) MinSize(objs []fyne.CanvasObject) fyne.Size {
	pad := 2 * theme.InnerPadding()
	var s fyne.Size
	for _, o := range objs {
		m := o.MinSize()
		s.Width = max(s.Width, m.Width)
		s.Height += m.Height - pad
	}
	return s.AddWidthHeight(0, theme.InnerPadding()/2)
}

func (twoLines) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	pad := theme.InnerPadding()
	text := float32(0)
	for _, o := range objs {
		text += o.MinSize().Height - 2*pad
	}
	y := (size.Height-text)/2 - pad
	for _, o := range objs {
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h - 2*pad
	}
}

// maxWidth centres its content and keeps it no wider than width, so
// controls do not stretch edge to edge in a wide window.
type maxWidth struct{ width float32 }

func (m maxWidth) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		s = s.Max(o.MinSize())
	}
	return s
}

func (m maxWidth) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	w := max(min(size.Width, m.width), 0)
	for _, o := range objs {
		w := max(w, o.MinSize().Width)
		o.Resize(fyne.NewSize(w, size.Height))
		o.Move(fyne.NewPos((size.Width-w)/2, 0))
	}
}
