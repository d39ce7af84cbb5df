package sandbox

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"sync"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// Profile photos, so clients can show and test avatars: Bob and Echo have
// one (a drawn head and shoulders on a gradient, made on first use), the
// others have none and clients draw their initials. Photos are served by
// upload.getFile on an inputPeerPhotoFileLocation, as Telegram serves a
// user's current profile photo.

var (
	errLocationInvalid = tgerr.New(400, "LOCATION_INVALID")
	errLimitInvalid    = tgerr.New(400, "LIMIT_INVALID")
	errOffsetInvalid   = tgerr.New(400, "OFFSET_INVALID")
)

// demoPhotoColours are the demo users with a photo: their id, the photo's
// id and its two gradient colours.
var demoPhotoColours = map[int64]struct {
	photoID  int64
	top, bot color.NRGBA
}{
	102: {photoID: 5102001, top: color.NRGBA{0x4F, 0x9D, 0xE8, 0xFF}, bot: color.NRGBA{0x1A, 0x3C, 0x7A, 0xFF}}, // bob
	104: {photoID: 5104001, top: color.NRGBA{0x66, 0xC8, 0x8A, 0xFF}, bot: color.NRGBA{0x1E, 0x5E, 0x3B, 0xFF}}, // echo
}

// photoOnce holds each photo's drawing, done once: user id → func() []byte.
var photoOnce sync.Map

// profilePhoto is what a user object carries about u's photo; nil: none.
// The photo lives on the sandbox's one DC, 2 (server.go).
func profilePhoto(uid int64) *tg.UserProfilePhoto {
	p, ok := demoPhotoColours[uid]
	if !ok {
		return nil
	}
	return &tg.UserProfilePhoto{PhotoID: p.photoID, DCID: 2}
}

// photoJPEG is u's photo as a 160×160 JPEG (Telegram's small size), or nil.
func photoJPEG(uid int64) []byte {
	p, ok := demoPhotoColours[uid]
	if !ok {
		return nil
	}
	f, _ := photoOnce.LoadOrStore(uid, sync.OnceValue(func() []byte { return drawPhoto(p.top, p.bot) }))
	return f.(func() []byte)()
}

// drawPhoto draws a head and shoulders in white on a top-to-bottom gradient.
func drawPhoto(top, bot color.NRGBA) []byte {
	const n = 160
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	mix := func(a, b uint8, t float64) uint8 { return uint8(float64(a)*(1-t) + float64(b)*t) }
	for y := range n {
		t := float64(y) / n
		bg := color.NRGBA{mix(top.R, bot.R, t), mix(top.G, bot.G, t), mix(top.B, bot.B, t), 0xFF}
		for x := range n {
			c := bg
			dx, dy := float64(x-n/2), float64(y-62)
			hx, hy := float64(x-n/2)/58, float64(y-n-10)/62
			if dx*dx+dy*dy < 30*30 || (hx*hx+hy*hy < 1 && y > 100) {
				c = color.NRGBA{0xF4, 0xF4, 0xF4, 0xFF}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return nil // an in-memory encode of a valid image cannot fail
	}
	return buf.Bytes()
}

// getFile serves profile photos (the only files the sandbox has).
func (s *Server) getFile(ctx context.Context, req *tg.UploadGetFileRequest) (tg.UploadFileClass, error) {
	// Telegram's rules: limit a positive multiple of 1 KiB up to 1 MiB,
	// offset a multiple of 1 KiB.
	if req.Limit <= 0 || req.Limit > 1<<20 || req.Limit%1024 != 0 {
		return nil, errLimitInvalid
	}
	if req.Offset < 0 || req.Offset%1024 != 0 {
		return nil, errOffsetInvalid
	}
	loc, ok := req.Location.(*tg.InputPeerPhotoFileLocation)
	if !ok {
		return nil, errLocationInvalid
	}
	peer, ok := loc.Peer.(*tg.InputPeerUser)
	if !ok {
		return nil, errLocationInvalid
	}
	data, err := asUser(s, ctx, func(me *account) ([]byte, error) {
		u, err := s.resolveInputUser(me, &tg.InputUser{UserID: peer.UserID, AccessHash: peer.AccessHash})
		if err != nil {
			return nil, err
		}
		p, ok := demoPhotoColours[u.ID]
		if !ok || p.photoID != loc.PhotoID {
			return nil, errLocationInvalid
		}
		return photoJPEG(u.ID), nil
	})
	if err != nil {
		return nil, err
	}
	var part []byte
	if req.Offset < int64(len(data)) {
		part = data[req.Offset:min(int64(len(data)), req.Offset+int64(req.Limit))]
	}
	return &tg.UploadFile{Type: &tg.StorageFileJpeg{}, Mtime: int(time.Now().Unix()), Bytes: part}, nil
}
