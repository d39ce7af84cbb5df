package ui

import (
	"bytes"
	"context"
	"errors"
	"hash/fnv"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // Telegram's profile photos are JPEG
	_ "image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tgphone/tgphone/account"
)

// avatar is a person's round picture: their Telegram profile photo, or
// their initials on a colour derived from their user id until a photo
// arrives or when they have none — as Telegram's own apps draw it, so the
// same person has the same colour everywhere. micOff adds a badge saying
// their microphone is off.
type avatar struct {
	widget.BaseWidget
	contact account.Contact
	size    float32
	photo   image.Image // nil: initials
	round   bool        // photo is already cut round (from roundPhotos)
	micOff  bool
}

// avatarColours are the initials' backgrounds, one per id modulo their
// count as Telegram picks them; each is dark enough for white initials to
// meet WCAG AA (4.5:1, TestAvatarColoursContrast).
var avatarColours = []color.NRGBA{
	{R: 0xC6, G: 0x28, B: 0x28, A: 0xFF}, // red
	{R: 0xBF, G: 0x36, B: 0x0C, A: 0xFF}, // orange
	{R: 0x5E, G: 0x35, B: 0xB1, A: 0xFF}, // violet
	{R: 0x2E, G: 0x7D, B: 0x32, A: 0xFF}, // green
	{R: 0x00, G: 0x69, B: 0x6F, A: 0xFF}, // cyan
	{R: 0x15, G: 0x65, B: 0xC0, A: 0xFF}, // blue
	{R: 0xAD, G: 0x14, B: 0x57, A: 0xFF}, // pink
}

// avatarColour is the colour of id's initials.
func avatarColour(id int64) color.NRGBA {
	n := int64(len(avatarColours))
	return avatarColours[((id%n)+n)%n]
}

// newAvatar is c's avatar, size points across, showing the initials; with
// u set (and signed in) it fetches the profile photo in the background and
// shows it once it is there.
func (u *session) newAvatar(c account.Contact, size float32) *avatar {
	a := &avatar{contact: c, size: size}
	a.ExtendBaseWidget(a)
	if u != nil {
		u.loadPhoto(a)
	}
	return a
}

// SetPhoto shows img (nil: the initials).
func (a *avatar) SetPhoto(img image.Image) {
	a.photo, a.round = img, false
	a.Refresh()
}

// setRoundPhoto shows img, already cut round (nil: the initials).
func (a *avatar) setRoundPhoto(img image.Image) {
	a.photo, a.round = img, true
	a.Refresh()
}

// SetMicOff shows or hides the "microphone off" badge.
func (a *avatar) SetMicOff(off bool) {
	if a.micOff != off {
		a.micOff = off
		a.Refresh()
	}
}

func (a *avatar) MinSize() fyne.Size { return fyne.NewSize(a.size, a.size) }

func (a *avatar) CreateRenderer() fyne.WidgetRenderer {
	r := &avatarRenderer{a: a,
		circle:   canvas.NewCircle(avatarColour(a.contact.ID)),
		img:      canvas.NewImageFromImage(nil),
		text:     canvas.NewText(a.contact.Initials(), color.White),
		gone:     canvas.NewImageFromResource(iconResource(iconPerson, color.White)),
		badge:    canvas.NewCircle(hangupColour),
		badgeIcn: canvas.NewImageFromResource(iconResource(iconMicOff, color.White)),
	}
	r.text.TextStyle = fyne.TextStyle{Bold: true}
	r.text.Alignment = fyne.TextAlignCenter
	r.img.FillMode = canvas.ImageFillContain
	r.Refresh()
	return r
}

type avatarRenderer struct {
	a               *avatar
	circle, badge   *canvas.Circle
	img, badgeIcn   *canvas.Image
	gone            *canvas.Image // a deleted account's figure, which has no initials
	text            *canvas.Text
	shown           image.Image // the photo r.img holds, cut round
	lastPhotoSource image.Image
}

func (r *avatarRenderer) Layout(size fyne.Size) {
	d := min(size.Width, size.Height)
	pos := fyne.NewPos((size.Width-d)/2, (size.Height-d)/2)
	r.circle.Move(pos)
	r.circle.Resize(fyne.NewSize(d, d))
	r.img.Move(pos)
	r.img.Resize(fyne.NewSize(d, d))
	r.text.TextSize = d * 0.38
	th := r.text.MinSize().Height
	r.text.Move(fyne.NewPos(0, (size.Height-th)/2))
	r.text.Resize(fyne.NewSize(size.Width, th))
	g := d * 0.6
	r.gone.Move(fyne.NewPos(pos.X+(d-g)/2, pos.Y+(d-g)/2))
	r.gone.Resize(fyne.NewSize(g, g))
	b := d * 0.34
	bp := fyne.NewPos(pos.X+d-b, pos.Y+d-b)
	r.badge.Move(bp)
	r.badge.Resize(fyne.NewSize(b, b))
	ic := b * 0.7
	r.badgeIcn.Move(fyne.NewPos(bp.X+(b-ic)/2, bp.Y+(b-ic)/2))
	r.badgeIcn.Resize(fyne.NewSize(ic, ic))
}

func (r *avatarRenderer) MinSize() fyne.Size { return r.a.MinSize() }

func (r *avatarRenderer) Refresh() {
	r.circle.FillColor = avatarColour(r.a.contact.ID)
	r.text.Text = r.a.contact.Initials()
	if r.a.photo != r.lastPhotoSource {
		r.lastPhotoSource = r.a.photo
		r.shown = nil
		switch {
		case r.a.photo != nil && r.a.round:
			r.shown = r.a.photo
		case r.a.photo != nil:
			r.shown = roundCrop(r.a.photo)
		}
		r.img.Image = r.shown
	}
	setVisible(r.circle, r.shown == nil) // its edge would show round the photo
	setVisible(r.img, r.shown != nil)
	setVisible(r.text, r.shown == nil)
	setVisible(r.gone, r.shown == nil && r.a.contact.Deleted)
	setVisible(r.badge, r.a.micOff)
	setVisible(r.badgeIcn, r.a.micOff)
	// The badge's rim in the window's background colour parts it from the photo.
	r.badge.StrokeColor = theme.Color(theme.ColorNameBackground)
	r.badge.StrokeWidth = 2
	r.Layout(r.a.Size())
	canvas.Refresh(r.a)
}

func (r *avatarRenderer) Objects() []fyne.CanvasObject {
	return []fyne.CanvasObject{r.circle, r.img, r.text, r.gone, r.badge, r.badgeIcn}
}

func (r *avatarRenderer) Destroy() {}

// roundCrop cuts the largest centred square of img and makes everything
// outside its inscribed circle transparent.
func roundCrop(img image.Image) image.Image {
	b := img.Bounds()
	side := min(b.Dx(), b.Dy())
	if side <= 0 {
		return nil
	}
	x0, y0 := b.Min.X+(b.Dx()-side)/2, b.Min.Y+(b.Dy()-side)/2
	out := image.NewNRGBA(image.Rect(0, 0, side, side))
	draw.Draw(out, out.Bounds(), img, image.Pt(x0, y0), draw.Src)
	r := float64(side) / 2
	for y := range side {
		for x := range side {
			dx, dy := float64(x)+0.5-r, float64(y)+0.5-r
			// One pixel of soft edge against jaggies.
			if d := dx*dx + dy*dy; d > (r-1)*(r-1) {
				off := max(0, min(1, r-math.Sqrt(d)))
				c := out.NRGBAAt(x, y)
				c.A = uint8(float64(c.A) * off)
				out.SetNRGBA(x, y, c)
			}
		}
	}
	return out
}

// The profile photos: one store per account connection, made on first use,
// which keeps downloaded photos in memory and on disk.
var (
	photoMu     sync.Mutex
	photoStores = map[*account.Client]*account.Photos{}
)

// photoStore is u's account's photo store; nil before sign-in.
func (u *session) photoStore() *account.Photos {
	if u.acct == nil || u.acct.Self() == nil {
		return nil
	}
	photoMu.Lock()
	defer photoMu.Unlock()
	p := photoStores[u.acct]
	if p == nil {
		dir, err := os.UserCacheDir()
		if err != nil {
			u.log.Warn("no cache directory: profile photos are not kept", "err", err)
			dir = ""
		} else {
			dir = filepath.Join(dir, "tgphone", "photos")
		}
		p = account.NewPhotos(u.acct.API(), dir, u.log.With("component", "photos"))
		photoStores[u.acct] = p
	}
	return p
}

// loadPhoto fetches a's person's profile photo and shows it; without one
// (or offline, with none cached) the initials stay.
func (u *session) loadPhoto(a *avatar) {
	store, ctx := u.photoStore(), u.ctx
	if store == nil || ctx == nil || a.contact.ID == 0 {
		return
	}
	c := a.contact
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		data, err := store.Get(ctx, c.ID, c.AccessHash)
		if err != nil {
			u.log.Info("profile photo not shown", "user_id", c.ID, "err", err)
			return
		}
		if data == nil {
			return // no photo: the initials are the avatar
		}
		img, err := roundPhotos.get(c.ID, data)
		if err != nil {
			u.log.Warn("profile photo unreadable", "user_id", c.ID, "err", err)
			return
		}
		u.do(func() { a.setRoundPhoto(img) })
	}()
}

// roundPhotos holds each person's photo decoded and cut round once, for
// every avatar of them (call windows, recents rows) to share: decoding
// per avatar kept a copy per window and per list refresh (issue 17 item
// 16).
var roundPhotos = newPhotoCache(maxRoundPhotos)

// maxRoundPhotos bounds roundPhotos: a 160×160 photo is 100 KiB decoded.
const maxRoundPhotos = 32

// photoCache is a small least-recently-used cache of round-cut photos by
// user id and the photo's bytes (a new photo of the same person is a new
// entry). Safe for concurrent use.
type photoCache struct {
	mu    sync.Mutex
	max   int
	order []photoKey // least recently used first
	imgs  map[photoKey]image.Image
}

type photoKey struct {
	user int64
	sum  uint64 // FNV-1a of the JPEG
	size int
}

func newPhotoCache(n int) *photoCache {
	return &photoCache{max: n, imgs: map[photoKey]image.Image{}}
}

// get is the user's photo data decoded and cut round, decoded only when
// the cache does not hold it.
func (c *photoCache) get(user int64, data []byte) (image.Image, error) {
	h := fnv.New64a()
	h.Write(data)
	k := photoKey{user: user, sum: h.Sum64(), size: len(data)}
	c.mu.Lock()
	if img, ok := c.imgs[k]; ok {
		c.touch(k)
		c.mu.Unlock()
		return img, nil
	}
	c.mu.Unlock()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	round := roundCrop(img)
	if round == nil {
		return nil, errors.New("empty image")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if had, ok := c.imgs[k]; ok { // decoded meanwhile by another avatar
		c.touch(k)
		return had, nil
	}
	// The person's older photos go: only the current one is shown.
	for old := range c.imgs {
		if old.user == user {
			c.drop(old)
		}
	}
	for len(c.order) >= c.max {
		c.drop(c.order[0])
	}
	c.imgs[k] = round
	c.order = append(c.order, k)
	return round, nil
}

// touch makes k the most recently used; c.mu is held.
func (c *photoCache) touch(k photoKey) {
	if i := slices.Index(c.order, k); i >= 0 {
		c.order = append(slices.Delete(c.order, i, i+1), k)
	}
}

// drop forgets k; c.mu is held.
func (c *photoCache) drop(k photoKey) {
	delete(c.imgs, k)
	if i := slices.Index(c.order, k); i >= 0 {
		c.order = slices.Delete(c.order, i, i+1)
	}
}
