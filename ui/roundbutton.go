package ui

import (
	"fmt"
	"image/color"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// roundButton is a call-panel button as phones draw them: a filled circle
// with an icon and a label under it.
//
// The keyboard reaches it as any other control: Tab moves the focus onto
// it (not while disabled or hidden), a ring of the primary colour goes
// round the circle, and Space or Enter presses it, the focus staying on
// it so that Space mutes and unmutes again. Esc goes to the window (a
// ringing call's decline, the rating), as from the app's other buttons.
type roundButton struct {
	widget.DisableableWidget
	Text  string // the label under the circle
	icon  string // one of the icons below
	fill  func() color.Color
	glyph func() color.Color // the icon's colour on fill
	OnTap func()
	// spaceTalker: with push to talk on, Space held talks while the call
	// is live and does not press the button; Enter still presses it.
	spaceTalker

	hovered, focused bool
}

const roundButtonSize = 56

// roundRingGap is the background left between the circle and the focus
// ring, so the ring stands against the background whatever the fill.
const (
	roundRingGap = 2
	roundRingOut = roundRingGap + markRing // the ring's reach beyond the circle
)

func newRoundButton(label, icon string, fill, glyph func() color.Color, tapped func()) *roundButton {
	b := &roundButton{Text: label, icon: icon, fill: fill, glyph: glyph, OnTap: tapped}
	b.ExtendBaseWidget(b)
	return b
}

func white() color.Color { return color.White }

// set changes the label, icon and colours together.
func (b *roundButton) set(label, icon string, fill, glyph func() color.Color) {
	if b.Text == label && b.icon == icon {
		return
	}
	b.Text, b.icon, b.fill, b.glyph = label, icon, fill, glyph
	b.Refresh()
}

func (b *roundButton) Tapped(*fyne.PointEvent) { b.press() }

// press runs the button's action, unless it is disabled or hidden (a key
// can reach a button the window has just hidden).
func (b *roundButton) press() {
	if b.OnTap != nil && !b.Disabled() && b.Visible() {
		b.OnTap()
	}
}

func (b *roundButton) FocusGained() { b.focused = true; b.Refresh() }

func (b *roundButton) FocusLost() {
	b.focused = false
	b.focusLost()
	b.Refresh()
}

func (b *roundButton) TypedRune(rune) {}

// TypedKey presses the button on Space or Enter; Esc goes to the window.
func (b *roundButton) TypedKey(k *fyne.KeyEvent) {
	if escToWindow(b, k) {
		return
	}
	switch k.Name {
	case fyne.KeySpace:
		if !b.talks(k) {
			b.press()
		}
	case fyne.KeyReturn, fyne.KeyEnter:
		b.press()
	}
}

// Hide and Disable give up the keyboard focus: Fyne keeps it on a hidden
// or disabled widget, which would then take the keys the window needs
// (a ringing call's Accept hidden once answered, the rating's keys after
// the call's buttons went).
func (b *roundButton) Hide() {
	giveUpFocus(b)
	b.DisableableWidget.Hide()
}

func (b *roundButton) Disable() {
	giveUpFocus(b)
	b.DisableableWidget.Disable()
}

func (b *roundButton) MouseIn(*desktop.MouseEvent)    { b.hovered = true; b.Refresh() }
func (b *roundButton) MouseMoved(*desktop.MouseEvent) {}
func (b *roundButton) MouseOut()                      { b.hovered = false; b.Refresh() }

func (b *roundButton) Cursor() desktop.Cursor {
	if b.Disabled() {
		return desktop.DefaultCursor
	}
	return desktop.PointerCursor
}

func (b *roundButton) CreateRenderer() fyne.WidgetRenderer {
	r := &roundRenderer{b: b, circle: canvas.NewCircle(b.fill()), hover: canvas.NewCircle(color.Transparent),
		ring: canvas.NewCircle(color.Transparent),
		img:  canvas.NewImageFromResource(nil), text: canvas.NewText(shown(b.Text), theme.Color(theme.ColorNameForeground))}
	r.ring.StrokeWidth = markRing
	r.img.FillMode = canvas.ImageFillContain
	r.text.Alignment = fyne.TextAlignCenter
	r.text.TextSize = theme.CaptionTextSize() + 1
	r.Refresh()
	return r
}

type roundRenderer struct {
	b                   *roundButton
	circle, hover, ring *canvas.Circle
	img                 *canvas.Image
	text                *canvas.Text
}

func (r *roundRenderer) Layout(size fyne.Size) {
	d := float32(roundButtonSize)
	x := (size.Width - d) / 2
	r.circle.Move(fyne.NewPos(x, roundRingOut))
	r.circle.Resize(fyne.NewSize(d, d))
	r.hover.Move(r.circle.Position())
	r.hover.Resize(r.circle.Size())
	// The stroke is drawn centred on the ring circle's edge.
	out := float32(roundRingGap) + markRing/2.0
	r.ring.Move(r.circle.Position().SubtractXY(out, out))
	r.ring.Resize(r.circle.Size().AddWidthHeight(2*out, 2*out))
	ic := d * 0.5
	r.img.Move(fyne.NewPos(x+(d-ic)/2, roundRingOut+(d-ic)/2))
	r.img.Resize(fyne.NewSize(ic, ic))
	th := r.text.MinSize().Height
	r.text.Move(fyne.NewPos(0, roundRingOut+d+theme.Padding()))
	r.text.Resize(fyne.NewSize(size.Width, th))
}

func (r *roundRenderer) MinSize() fyne.Size {
	w := max(float32(roundButtonSize)+2*max(theme.Padding(), roundRingOut), r.text.MinSize().Width)
	return fyne.NewSize(w, roundRingOut+roundButtonSize+theme.Padding()+r.text.MinSize().Height)
}

func (r *roundRenderer) Refresh() {
	b := r.b
	fill, glyph, text := b.fill(), b.glyph(), theme.Color(theme.ColorNameForeground)
	if b.Disabled() {
		fill, glyph, text = theme.Color(theme.ColorNameDisabledButton), theme.Color(theme.ColorNameDisabled), theme.Color(theme.ColorNameDisabled)
	}
	r.circle.FillColor = fill
	if b.hovered && !b.Disabled() {
		r.hover.FillColor = theme.Color(theme.ColorNameHover)
	} else {
		r.hover.FillColor = color.Transparent
	}
	r.ring.StrokeColor = b.Theme().Color(theme.ColorNamePrimary, fyne.CurrentApp().Settings().ThemeVariant())
	r.ring.Hidden = !b.focused || b.Disabled()
	r.img.Resource = iconResource(b.icon, glyph)
	r.text.Text = shown(b.Text)
	r.text.Color = text
	r.Layout(b.Size())
	r.circle.Refresh()
	r.hover.Refresh()
	r.ring.Refresh()
	r.img.Refresh()
	r.text.Refresh()
}

func (r *roundRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.ring, r.circle, r.hover, r.img, r.text}
}

func (r *roundRenderer) Destroy() {}

// Icons, as SVG paths on a 24×24 grid (Material Design icons, Apache 2.0).
const (
	iconMic     = "M12 14c1.66 0 2.99-1.34 2.99-3L15 5c0-1.66-1.34-3-3-3S9 3.34 9 5v6c0 1.66 1.34 3 3 3zm5.3-3c0 3-2.54 5.1-5.3 5.1S6.7 14 6.7 11H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c3.28-.48 6-3.3 6-6.72h-1.7z"
	iconMicOff  = "M19 11h-1.7c0 .74-.16 1.43-.43 2.05l1.23 1.23c.56-.98.9-2.09.9-3.28zm-4.02.17c0-.06.02-.11.02-.17V5c0-1.66-1.34-3-3-3S9 3.34 9 5v.18l5.98 5.99zM4.27 3L3 4.27l6.01 6.01V11c0 1.66 1.33 3 2.99 3 .22 0 .44-.03.65-.08l1.66 1.66c-.71.33-1.5.52-2.31.52-2.76 0-5.3-2.1-5.3-5.1H5c0 3.41 2.72 6.23 6 6.72V21h2v-3.28c.91-.13 1.77-.45 2.54-.9L19.73 21 21 19.73 4.27 3z"
	iconCall    = "M20.01 15.38c-1.23 0-2.42-.2-3.53-.56-.35-.12-.74-.03-1.01.24l-1.57 1.97c-2.83-1.35-5.48-3.9-6.89-6.83l1.95-1.66c.27-.28.35-.67.24-1.02-.37-1.11-.56-2.3-.56-3.53 0-.54-.45-.99-.99-.99H4.19C3.65 3 3 3.24 3 3.99 3 13.28 10.73 21 20.01 21c.71 0 .99-.63.99-1.18v-3.45c0-.54-.45-.99-.99-.99z"
	iconCallEnd = "M12 9c-1.6 0-3.15.25-4.6.72v3.1c0 .39-.23.74-.56.9-.98.49-1.87 1.12-2.66 1.85-.18.18-.43.28-.7.28-.28 0-.53-.11-.71-.29L.29 13.08c-.18-.17-.29-.42-.29-.7 0-.28.11-.53.29-.71C3.34 8.78 7.46 7 12 7s8.66 1.78 11.71 4.67c.18.18.29.43.29.71 0 .28-.11.53-.29.71l-2.48 2.48c-.18.18-.43.29-.71.29-.27 0-.52-.11-.7-.28-.79-.74-1.69-1.36-2.67-1.85-.33-.16-.56-.5-.56-.9v-3.1C15.15 9.25 13.6 9 12 9z"
	iconSpeaker = "M3 9v6h4l5 5V4L7 9H3zm13.5 3c0-1.77-1.02-3.29-2.5-4.03v8.05c1.48-.73 2.5-2.25 2.5-4.02zM14 3.23v2.06c2.89.86 5 3.54 5 6.71s-2.11 5.85-5 6.71v2.06c4.01-.91 7-4.49 7-8.77s-2.99-7.86-7-8.77z"
	iconPerson  = "M12 12c2.21 0 4-1.79 4-4s-1.79-4-4-4-4 1.79-4 4 1.79 4 4 4zm0 2c-2.67 0-8 1.34-8 4v2h16v-2c0-2.66-5.33-4-8-4z"
	iconStar    = "M12 17.27L18.18 21l-1.64-7.03L22 9.24l-7.19-.61L12 2 9.19 8.63 2 9.24l5.46 4.73L5.82 21z"
)

// iconResource is an icon filled with c, cached by icon and colour.
func iconResource(path string, c color.Color) fyne.Resource {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	hex := fmt.Sprintf("%02x%02x%02x", n.R, n.G, n.B)
	key := hex + path
	iconMu.Lock()
	defer iconMu.Unlock()
	if r, ok := iconCache[key]; ok {
		return r
	}
	svg := fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><path fill="#%s" d="%s"/></svg>`, hex, path)
	r := fyne.NewStaticResource(fmt.Sprintf("icon-%d.svg", len(iconCache)), []byte(svg))
	iconCache[key] = r
	return r
}

var (
	iconMu    sync.Mutex
	iconCache = map[string]fyne.Resource{}
)

// noteLine is a sentence with an icon before it in the icon's colour (a
// warning, "microphone off"); the text itself stays in the theme's text
// colour, which has the contrast that warning orange on white lacks.
type noteLine struct {
	widget.BaseWidget
	Text   string
	icon   string
	colour func() color.Color
	label  *wrapLabel
	img    *canvas.Image
}

func newNoteLine(icon string, colour func() color.Color, bold bool) *noteLine {
	n := &noteLine{icon: icon, colour: colour}
	n.label = newWrapLabel("")
	n.label.TextStyle.Bold = bold
	n.img = canvas.NewImageFromResource(iconResource(icon, colour()))
	n.img.FillMode = canvas.ImageFillContain
	n.img.SetMinSize(fyne.NewSize(20, 20))
	n.ExtendBaseWidget(n)
	return n
}

// SetText shows t.
func (n *noteLine) SetText(t string) {
	if t == n.Text {
		return
	}
	n.Text = t
	setText(n.label, t)
}

func (n *noteLine) CreateRenderer() fyne.WidgetRenderer {
	return &noteRenderer{n: n, box: border(nil, nil, container.NewCenter(n.img), nil, n.label)}
}

type noteRenderer struct {
	n   *noteLine
	box *fyne.Container
}

func (r *noteRenderer) Layout(size fyne.Size) { r.box.Resize(size) }
func (r *noteRenderer) MinSize() fyne.Size    { return r.box.MinSize() }
func (r *noteRenderer) Refresh() {
	r.n.img.Resource = iconResource(r.n.icon, r.n.colour())
	r.n.img.Refresh()
	r.n.label.Refresh()
}
func (r *noteRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.box} }
func (r *noteRenderer) Destroy()                     {}

// iconWarning is Material's warning triangle.
const iconWarning = "M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z"
