package account

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/gotd/td/telegram/downloader"
	"github.com/gotd/td/tg"
)

// maxPhotoBytes bounds one profile photo: the small size Telegram serves is
// a 160×160 JPEG of a few KiB; anything near this is not one.
const maxPhotoBytes = 1 << 20

// Photos fetches users' current profile photos (the small size, as
// Telegram's apps show in lists and call windows) with gotd's downloader
// (upload.getFile), and keeps them in memory and, when dir is set, on disk
// by photo id, so a photo is downloaded once until the user changes it.
// Safe for concurrent use.
type Photos struct {
	api *tg.Client
	dir string
	log *slog.Logger

	mu    sync.Mutex
	known map[int64][]byte        // by user id; a nil value: the user has no photo
	busy  map[int64]chan struct{} // fetches in flight, closed when done
}

// NewPhotos keeps photos under dir ("" keeps them in memory only).
func NewPhotos(api *tg.Client, dir string, log *slog.Logger) *Photos {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Photos{api: api, dir: dir, log: log, known: map[int64][]byte{}, busy: map[int64]chan struct{}{}}
}

// Get returns the user's current profile photo as JPEG bytes, or nil when
// they have none. Offline, it returns the last photo saved on disk.
func (p *Photos) Get(ctx context.Context, userID, accessHash int64) ([]byte, error) {
	for {
		p.mu.Lock()
		if data, ok := p.known[userID]; ok {
			p.mu.Unlock()
			return data, nil
		}
		wait, fetching := p.busy[userID]
		if !fetching {
			done := make(chan struct{})
			p.busy[userID] = done
			p.mu.Unlock()
			data, err := p.fetch(ctx, userID, accessHash)
			p.mu.Lock()
			if err == nil {
				p.known[userID] = data
			}
			delete(p.busy, userID)
			close(done)
			p.mu.Unlock()
			return data, err
		}
		p.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// fetch asks which photo the user has now, then reads it from disk or
// downloads it.
func (p *Photos) fetch(ctx context.Context, userID, accessHash int64) ([]byte, error) {
	users, err := p.api.UsersGetUsers(ctx, []tg.InputUserClass{&tg.InputUser{UserID: userID, AccessHash: accessHash}})
	if err != nil {
		if data := p.newestOnDisk(userID); data != nil {
			p.log.Info("profile photo from disk: cannot ask which is current", "user_id", userID, "err", err)
			return data, nil
		}
		return nil, fmt.Errorf("get user %d: %w", userID, err)
	}
	var u *tg.User
	for _, c := range users {
		if x, ok := c.(*tg.User); ok && x.ID == userID {
			u = x
		}
	}
	if u == nil {
		return nil, fmt.Errorf("get user %d: %w", userID, ErrNotFound)
	}
	photo, ok := u.Photo.(*tg.UserProfilePhoto)
	if !ok || photo.PhotoID == 0 {
		return nil, nil
	}
	path := p.path(userID, photo.PhotoID)
	if path != "" {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			return data, nil
		}
	}
	loc := &tg.InputPeerPhotoFileLocation{
		Peer:    &tg.InputPeerUser{UserID: userID, AccessHash: u.AccessHash},
		PhotoID: photo.PhotoID,
	}
	var buf limitedBuffer
	if _, err := downloader.NewDownloader().Download(p.api, loc).Stream(ctx, &buf); err != nil {
		return nil, fmt.Errorf("download photo of user %d: %w", userID, err)
	}
	if path != "" {
		if err := p.save(path, userID, buf.Bytes()); err != nil {
			// The photo still shows; it is fetched again next time.
			p.log.Warn("cannot keep profile photo", "user_id", userID, "err", err)
		}
	}
	return buf.Bytes(), nil
}

// path is where a photo is kept: DIR/USERID-PHOTOID.jpg ("" without dir).
func (p *Photos) path(userID, photoID int64) string {
	if p.dir == "" {
		return ""
	}
	return filepath.Join(p.dir, fmt.Sprintf("%d-%d.jpg", userID, photoID))
}

// save writes the photo atomically and removes the user's older ones.
func (p *Photos) save(path string, userID int64, data []byte) error {
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return fmt.Errorf("make photo cache: %w", err)
	}
	tmp, err := os.CreateTemp(p.dir, ".photo-*")
	if err != nil {
		return fmt.Errorf("write photo: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write photo: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("write photo: %w", err)
	}
	for _, old := range p.userFiles(userID) {
		if old != path {
			os.Remove(old)
		}
	}
	return nil
}

// userFiles are the user's photos on disk, newest photo id last.
func (p *Photos) userFiles(userID int64) []string {
	if p.dir == "" {
		return nil
	}
	prefix := strconv.FormatInt(userID, 10) + "-"
	entries, err := os.ReadDir(p.dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), prefix) && strings.HasSuffix(e.Name(), ".jpg") {
			out = append(out, filepath.Join(p.dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out
}

// newestOnDisk is the user's last saved photo, nil when there is none.
func (p *Photos) newestOnDisk(userID int64) []byte {
	files := p.userFiles(userID)
	if len(files) == 0 {
		return nil
	}
	data, err := os.ReadFile(files[len(files)-1])
	if err != nil || len(data) == 0 {
		return nil
	}
	return data
}

// limitedBuffer refuses to grow past maxPhotoBytes.
type limitedBuffer struct{ bytes.Buffer }

var errPhotoTooLarge = errors.New("profile photo larger than 1 MiB")

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if b.Len()+len(p) > maxPhotoBytes {
		return 0, errPhotoTooLarge
	}
	return b.Buffer.Write(p)
}
