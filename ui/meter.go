package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// levelMeter is a horizontal sound level bar: an empty track when silent,
// filled in proportion to the level (Fyne's progress bar looks full at 0).
type levelMeter struct {
	widget.BaseWidget
	label string
	value float64 // 0…1
}

func newLevelMeter(label string) *levelMeter {
	m := &levelMeter{label: label}
	m.ExtendBaseWidget(m)
	return m
}

// SetValue shows v, clamped to 0…1.
func (m *levelMeter) SetValue(v float64) {
	v = max(0, min(1, v))
	if v == m.value {
		return // a repaint of the whole window for nothing (silence, mostly)
	}
	m.value = v
	m.Refresh()
}

func (m *levelMeter) CreateRenderer() fyne.WidgetRenderer {
	r := &meterRenderer{m: m,
		track: canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground)),
		bar:   canvas.NewRectangle(theme.Color(theme.ColorNamePrimary)),
		text:  canvas.NewText(m.label, theme.Color(theme.ColorNameForeground)),
	}
	r.text.Alignment = fyne.TextAlignCenter
	r.text.TextSize = theme.CaptionTextSize()
	return r
}

type meterRenderer struct {
	m          *levelMeter
	track, bar *canvas.Rectangle
	text       *canvas.Text
}

func (r *meterRenderer) Layout(size fyne.Size) {
	r.track.Resize(size)
	r.bar.Resize(fyne.NewSize(size.Width*float32(r.m.value), size.Height))
	r.text.Resize(size)
}

func (r *meterRenderer) MinSize() fyne.Size {
	return fyne.NewSize(120, r.text.MinSize().Height+theme.Padding())
}

func (r *meterRenderer) Refresh() {
	r.track.FillColor = theme.Color(theme.ColorNameInputBackground)
	r.bar.FillColor = theme.Color(theme.ColorNamePrimary)
	r.text.Color = theme.Color(theme.ColorNameForeground)
	r.Layout(r.m.Size())
	canvas.Refresh(r.m)
}

func (r *meterRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.track, r.bar, r.text}
}

func (r *meterRenderer) Destroy() {}
