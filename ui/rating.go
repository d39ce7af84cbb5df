package ui

import (
	"context"
	"fmt"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"
)

// ratingView asks for a call's rating as Telegram's apps do: five stars,
// then, below five, an optional comment; Send stays disabled until a star
// is chosen, Not now (or Esc) sends nothing.
type ratingView struct {
	v       *callView
	d       dialog.Dialog
	stars   [5]*starButton
	chosen  int // 0: none yet
	caption *widget.Label
	comment *commentEntry
	send    *primaryButton
	done    bool
	// commentBox holds the comment once a rating below five asks for it.
	commentBox *fyne.Container
}

// Star colours: amber when chosen, grey when not, each at least 3:1 against
// the theme's background as WCAG asks of graphics (TestCallColoursContrast).
var (
	starOnLight  = color.NRGBA{R: 0xC7, G: 0x78, B: 0x00, A: 0xFF}
	starOnDark   = color.NRGBA{R: 0xFF, G: 0xB3, B: 0x00, A: 0xFF}
	starOffLight = color.NRGBA{R: 0x8A, G: 0x8A, B: 0x8A, A: 0xFF}
	starOffDark  = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0xFF}
)

func starColour(on bool) color.Color {
	switch {
	case on && isDark():
		return starOnDark
	case on:
		return starOnLight
	case isDark():
		return starOffDark
	}
	return starOffLight
}

// askRating shows the rating over the call window.
func (v *callView) askRating() {
	r := &ratingView{v: v}
	for i := range r.stars {
		r.stars[i] = newStarButton(trn("rating.stars", i+1), func() { r.choose(i + 1) })
	}
	r.caption = newLabelWithStyle(tr("rating.hint"), fyne.TextAlignCenter, fyne.TextStyle{})
	r.comment = newCommentEntry(r.dismiss)
	r.comment.SetPlaceHolder(shown(tr("rating.comment")))
	r.comment.Wrapping = fyne.TextWrapWord
	// The comment joins the dialog only when a rating below five shows it:
	// a hidden entry in it got a renderer when the dialog showed (a
	// container refreshes hidden children too) that was never painted, so
	// not cleaned with the closed window (issue 17 item 16).
	r.commentBox = container.NewStack()
	r.send = newPrimaryButton(tr("rating.send"), r.submit)
	r.send.Disable()
	notNow := newEscButtonWithIcon(tr("rating.not_now"), nil, r.dismiss)
	row := container.NewHBox(layout.NewSpacer())
	for _, s := range r.stars {
		row.Add(s)
	}
	row.Add(layout.NewSpacer())
	body := container.NewVBox(
		newLabelWithStyle(tr("rating.question"), fyne.TextAlignCenter, fyne.TextStyle{Bold: true}),
		row, r.caption, r.commentBox,
		container.NewGridWithColumns(2, notNow, r.send),
	)
	r.d = dialog.NewCustomWithoutButtons(shown(tr("rating.title")), body, v.w)
	r.d.SetOnClosed(func() {
		if !r.done {
			r.done = true
			v.close() // closed some other way than Send or Not now
		}
	})
	v.rating = r
	r.d.Show()
}

// choose sets the rating to n stars.
func (r *ratingView) choose(n int) {
	r.chosen = n
	for i, s := range r.stars {
		s.setOn(i < n)
	}
	setText(r.caption, tr(fmt.Sprintf("rating.%d", n)))
	// Below five stars Telegram asks what went wrong.
	if n < 5 && len(r.commentBox.Objects) == 0 {
		r.commentBox.Add(r.comment)
		r.comment.SetMinRowsVisible(2) // on the canvas now: its renderer is cleaned with it
	}
	setVisible(r.comment, n < 5)
	r.send.Enable()
}

// key: 1–5 choose the stars, Esc dismisses, Enter sends once a star is
// chosen.
func (r *ratingView) key(k *fyne.KeyEvent) {
	switch k.Name {
	case fyne.Key1, fyne.Key2, fyne.Key3, fyne.Key4, fyne.Key5:
		r.choose(int(k.Name[0] - '0'))
	case fyne.KeyEscape:
		r.dismiss()
	case fyne.KeyReturn, fyne.KeyEnter:
		if r.chosen > 0 {
			r.submit()
		}
	}
}

func (r *ratingView) dismiss() {
	if r.done {
		return
	}
	r.done = true
	r.d.Hide()
	r.v.close()
}

func (r *ratingView) submit() {
	if r.done || r.chosen == 0 {
		return
	}
	r.done = true
	n, text := r.chosen, r.comment.Text
	if n == 5 {
		text = "" // the comment is hidden at five stars
	}
	r.d.Hide()
	v := r.v
	rpc(v.u, func(ctx context.Context) (struct{}, error) { return struct{}{}, v.c.Rate(ctx, n, text) },
		func(_ struct{}, err error) {
			if err != nil {
				v.u.log.Warn("rate call", "err", err)
			}
			v.close()
		})
}

// release cuts the dialog's widgets from the call once its window is
// closed: a star's tap, the dialog's closing and r itself reach the call's
// view and through it the whole window, so one of the dialog's renderers
// left in Fyne's cache would keep all of it.
func (r *ratingView) release() {
	r.done = true // dismiss, submit and key do nothing from now on
	r.d.SetOnClosed(nil)
	for _, s := range r.stars {
		s.onTap = func() {}
	}
	r.v, r.d = nil, nil
}

// starButton is one tappable star.
type starButton struct {
	widget.BaseWidget
	name  string
	on    bool
	onTap func()
	img   *canvas.Image
}

func newStarButton(name string, tapped func()) *starButton {
	b := &starButton{name: name, onTap: tapped}
	b.img = canvas.NewImageFromResource(iconResource(iconStar, starColour(false)))
	b.img.FillMode = canvas.ImageFillContain
	b.ExtendBaseWidget(b)
	return b
}

func (b *starButton) setOn(on bool) {
	b.on = on
	b.Refresh()
}

func (b *starButton) Tapped(*fyne.PointEvent) { b.onTap() }

func (b *starButton) MinSize() fyne.Size { return fyne.NewSize(40, 40) }

func (b *starButton) CreateRenderer() fyne.WidgetRenderer {
	return &starRenderer{b: b}
}

type starRenderer struct{ b *starButton }

func (r *starRenderer) Layout(size fyne.Size) { r.b.img.Resize(size) }
func (r *starRenderer) MinSize() fyne.Size    { return r.b.MinSize() }
func (r *starRenderer) Refresh() {
	r.b.img.Resource = iconResource(iconStar, starColour(r.b.on))
	r.b.img.Refresh()
}
func (r *starRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.b.img} }
func (r *starRenderer) Destroy()                     {}

// commentEntry is the rating's comment box. Fyne's multi-line entry keeps
// Tab as text and takes Esc, so the keyboard could neither leave it nor
// dismiss the rating from it: here Tab moves on and Esc dismisses.
type commentEntry struct {
	widget.Entry
	onEsc func()
}

func newCommentEntry(onEsc func()) *commentEntry {
	e := &commentEntry{onEsc: onEsc}
	e.MultiLine = true
	e.Wrapping = fyne.TextWrapWord
	e.ExtendBaseWidget(e)
	return e
}

// AcceptsTab: no, Tab moves to the next control.
func (e *commentEntry) AcceptsTab() bool { return false }

func (e *commentEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape && e.onEsc != nil {
		e.onEsc()
		return
	}
	e.Entry.TypedKey(k)
}
