package calling

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tgphone/tgphone/audio"
)

// Recording is the state of a call's recording, for the UI.
type Recording struct {
	Path    string    // the file; "" when the call was never recorded
	Started time.Time // when the current or last recording began
	Active  bool      // writing now
	Err     error     // why the last recording failed, if it did
}

// recorder is an audio session that can record the call (audio.Session is one).
type recorder interface {
	StartRecording(path string, comments []string) error
	StopRecording() (string, error)
}

// Tags a recording carries in its OpusTags, so ListRecordings can tie the
// file to the call in the history whatever it is named.
const (
	tagCallID = "TGPHONE_CALL_ID"
	tagPeerID = "TGPHONE_PEER_ID"
	tagStart  = "TGPHONE_START"
)

// recordingFileTime is how a recording's start shows in its file name
// (no colons: they are awkward on FAT drives and in other OSes' shares).
const recordingFileTime = "2006-01-02 15-04"

// StartRecording records the call from now on, both sides mixed, to a new
// Ogg Opus file in dir named "Call with NAME DATE TIME.opus" (" (2)" and
// so on when that exists). It returns the file's path. The call must have
// its audio (ErrNoAudio before media starts).
func (c *Call) StartRecording(dir string) (string, error) {
	c.mu.Lock()
	au, id := c.audio, c.id
	ended := c.snap.State.Terminal()
	c.mu.Unlock()
	r, ok := au.(recorder)
	if !ok || ended {
		return "", ErrNoAudio
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("start recording: %w", err)
	}
	now := time.Now()
	base := "Call with " + fileSafe(c.peer.Name()) + " " + now.Format(recordingFileTime)
	comments := []string{
		"TITLE=Call with " + c.peer.Name(),
		"DATE=" + now.Format("2006-01-02"),
		tagCallID + "=" + strconv.FormatInt(id, 10),
		tagPeerID + "=" + strconv.FormatInt(c.peer.ID, 10),
		tagStart + "=" + now.UTC().Format(time.RFC3339),
	}
	var path string
	for n := 1; ; n++ {
		path = filepath.Join(dir, base+".opus")
		if n > 1 {
			path = filepath.Join(dir, fmt.Sprintf("%s (%d).opus", base, n))
		}
		err := r.StartRecording(path, comments)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || n == 100 {
			c.setRecording(Recording{Path: c.Snapshot().Recording.Path, Err: err})
			return "", fmt.Errorf("start recording: %w", err)
		}
	}
	c.log.Info("recording started", "path", path)
	c.setRecording(Recording{Path: path, Started: now, Active: true})
	return path, nil
}

// StopRecording stops recording the call and closes the file; it is a
// no-op when nothing is recording.
func (c *Call) StopRecording() error {
	c.mu.Lock()
	au := c.audio
	c.mu.Unlock()
	return c.endRecording(au)
}

// endRecording stops au's recording and records the outcome in the snapshot.
func (c *Call) endRecording(au AudioSession) error {
	r, ok := au.(recorder)
	if !ok {
		return nil
	}
	path, err := r.StopRecording()
	if path == "" {
		return err
	}
	c.mu.Lock()
	rec := c.snap.Recording
	c.mu.Unlock()
	rec.Active, rec.Err = false, err
	c.setRecording(rec)
	if err != nil {
		return fmt.Errorf("stop recording: %w", err)
	}
	c.log.Info("recording stopped", "path", path)
	return nil
}

func (c *Call) setRecording(r Recording) {
	c.mu.Lock()
	c.snap.Recording = r
	c.mu.Unlock()
	c.notify()
}

// fileSafe makes a display name usable in a file name on any desktop
// filesystem: no path separators, control or reserved characters, and not
// so long that date and extension no longer fit.
func fileSafe(name string) string {
	s := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	s = strings.Trim(s, ". ")
	if s == "" {
		s = "unknown"
	}
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80])
	}
	return s
}

// RecordingFile is a call recording found on disk.
type RecordingFile struct {
	Path     string
	CallID   int64 // matches account.HistoryEntry.CallID; 0 when unknown
	PeerID   int64
	Start    time.Time
	Duration time.Duration
}

// ListRecordings finds tgphone's call recordings in dir, newest first:
// the .opus files whose tags say which call they are. Other files, and
// files that do not parse, are skipped. A missing dir has none.
func ListRecordings(dir string) ([]RecordingFile, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list recordings: %w", err)
	}
	var out []RecordingFile
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".opus") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		info, err := audio.ReadOggOpusInfo(path)
		if err != nil {
			continue
		}
		rf := RecordingFile{Path: path, Duration: info.Duration()}
		ours := false
		for _, c := range info.Tags.Comments {
			k, v, _ := strings.Cut(c, "=")
			switch k {
			case tagCallID:
				rf.CallID, _ = strconv.ParseInt(v, 10, 64)
				ours = true
			case tagPeerID:
				rf.PeerID, _ = strconv.ParseInt(v, 10, 64)
			case tagStart:
				rf.Start, _ = time.Parse(time.RFC3339, v)
			}
		}
		if ours {
			out = append(out, rf)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Start.After(out[j].Start) })
	return out, nil
}

// RecordingsByCall indexes recordings by call id, for a history list.
func RecordingsByCall(list []RecordingFile) map[int64][]RecordingFile {
	m := map[int64][]RecordingFile{}
	for _, r := range list {
		if r.CallID != 0 {
			m[r.CallID] = append(m[r.CallID], r)
		}
	}
	return m
}
