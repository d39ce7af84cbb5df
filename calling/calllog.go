package calling

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gotd/td/telegram/uploader"
	"github.com/gotd/td/tg"
)

// Per-call log files, as tdesktop (last_call_log.txt) and libtgvoip keep
// them: every record of the call's logger — state changes, RPC failures,
// the media engine's events — as JSON lines, and the engine's counters at
// the end. What tgphone logs never holds keys, auth data, codes or audio,
// so neither do these files. The newest MaxCallLogs are kept.

// MaxCallLogs is how many call log files Config.CallLogDir keeps.
const MaxCallLogs = 20

const callLogPrefix = "call-"

// callLog is one call's log file.
type callLog struct {
	mu     sync.Mutex
	f      *os.File
	w      *bufio.Writer
	closed bool
	path   string
}

func (l *callLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return 0, os.ErrClosed
	}
	return l.w.Write(p)
}

func (l *callLog) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	return errors.Join(l.w.Flush(), l.f.Close())
}

// openCallLog creates the log file of a call starting now and drops the
// oldest beyond MaxCallLogs.
func openCallLog(dir string, selfID, peerID int64, now time.Time) (*callLog, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("call log folder: %w", err)
	}
	name := fmt.Sprintf("%s%s-%d-%d.log", callLogPrefix, now.UTC().Format("20060102-150405.000000000"), selfID, peerID)
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("call log: %w", err)
	}
	rotateCallLogs(dir, MaxCallLogs)
	return &callLog{f: f, w: bufio.NewWriter(f), path: path}, nil
}

// callLogFiles lists dir's call logs, oldest first (the names sort by time).
func callLogFiles(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasPrefix(e.Name(), callLogPrefix) && strings.HasSuffix(e.Name(), ".log") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	slices.Sort(out)
	return out
}

func rotateCallLogs(dir string, keep int) {
	files := callLogFiles(dir)
	for len(files) > keep {
		_ = os.Remove(files[0])
		files = files[1:]
	}
}

// CallLogFile is the log file of the call with this id ("" when there is
// none): for "Open call log" and bug reports.
func (m *Manager) CallLogFile(callID int64) string {
	if m.cfg.CallLogDir == "" || callID == 0 {
		return ""
	}
	needle := []byte(`"call_id":` + strconv.FormatInt(callID, 10))
	mine := fmt.Sprintf("-%d-", m.cfg.SelfID) // this account's calls: call-TIME-SELF-PEER.log
	files := callLogFiles(m.cfg.CallLogDir)
	for _, path := range slices.Backward(files) {
		if strings.Contains(filepath.Base(path), mine) && fileHas(path, needle) {
			return path
		}
	}
	return ""
}

func fileHas(path string, needle []byte) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4<<20))
	return err == nil && strings.Contains(string(b), string(needle))
}

// teeHandler sends each record to two handlers (the app's log and the call's file).
type teeHandler struct{ a, b slog.Handler }

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return t.a.Enabled(ctx, l) || t.b.Enabled(ctx, l)
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var errs []error
	for _, h := range []slog.Handler{t.a, t.b} {
		if h.Enabled(ctx, r.Level) {
			errs = append(errs, h.Handle(ctx, r.Clone()))
		}
	}
	return errors.Join(errs...)
}

func (t teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{t.a.WithAttrs(as), t.b.WithAttrs(as)}
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	return teeHandler{t.a.WithGroup(name), t.b.WithGroup(name)}
}

// startCallLog points the call's logger at its own file too.
func (c *Call) startCallLog() {
	dir := c.mgr.cfg.CallLogDir
	if dir == "" {
		return
	}
	l, err := openCallLog(dir, c.mgr.cfg.SelfID, c.peer.ID, time.Now())
	if err != nil {
		c.log.Warn("no call log file", "err", err)
		return
	}
	c.callLog = l
	file := slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug})
	c.log = slog.New(teeHandler{c.mgr.log.Handler(), file}).With("peer_id", c.peer.ID, "outgoing", c.outgoing)
	c.mu.Lock()
	c.snap.LogFile = l.path
	c.mu.Unlock()
}

// endCallLog writes the engine's last counters and closes the file.
func (c *Call) endCallLog() {
	if c.callLog == nil {
		return
	}
	s := c.Snapshot()
	c.mu.Lock()
	st, ok := c.lastStats, c.haveStats
	c.mu.Unlock()
	if ok {
		c.log.Debug("call stats", "report", newDebugReport(s, st))
	}
	c.log.Debug("call log closed", "state", s.State, "error", ErrorCode(s.Err))
	if err := c.callLog.Close(); err != nil {
		c.mgr.log.Warn("close call log", "err", err)
	}
	c.mu.Lock()
	c.logClosed = true
	c.mu.Unlock()
	c.maybeUploadLog()
}

// maybeUploadLog sends the call's log file with phone.saveCallLog once the
// server asked for the call's debug information (need_debug) and the file
// is complete — as Telegram's apps upload their call logs. At most once.
func (c *Call) maybeUploadLog() {
	c.mu.Lock()
	ask := c.snap.NeedDebug && c.logClosed && !c.logUploaded && c.callLog != nil
	if ask {
		c.logUploaded = true
	}
	c.mu.Unlock()
	if ask {
		go c.uploadLog(c.callLog.path)
	}
}

func (c *Call) uploadLog(path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		c.mgr.log.Warn("read call log for upload", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	file, err := uploader.NewUploader(c.mgr.cfg.API).FromBytes(ctx, filepath.Base(path), b)
	if err != nil {
		c.mgr.log.Warn("upload call log", "err", err)
		return
	}
	if _, err := c.mgr.cfg.API.PhoneSaveCallLog(ctx, &tg.PhoneSaveCallLogRequest{Peer: c.inputCall(), File: file}); err != nil {
		c.mgr.log.Warn("save call log", "call_id", c.callID(), "err", err)
		return
	}
	c.mgr.log.Info("call log sent at the server's request", "call_id", c.callID(), "bytes", len(b))
}
