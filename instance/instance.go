// Package instance keeps tgphone to one running app per user and carries
// click-to-call requests to it: `tgphone call @name`, `tgphone tel:+1…`
// and tel: links hand their target to the running app over a unix socket
// in the user's runtime folder, or find none and start the app themselves.
//
//	srv, err := instance.Listen(instance.SocketPath("telegram"), log)
//	if errors.Is(err, instance.ErrRunning) {
//		_ = instance.Send(ctx, instance.SocketPath("telegram"), instance.Request{Kind: instance.KindCall, Target: "@bob"})
//	}
package instance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kinds of request.
const (
	KindShow = "show" // bring the app to the front
	KindCall = "call" // ask the user, then call Target
)

const (
	protocolVersion = 1
	maxRequestBytes = 4096 // a target is short; anything longer is not ours
	ioTimeout       = 3 * time.Second
)

var (
	// ErrRunning: another live tgphone owns the socket.
	ErrRunning = errors.New("tgphone is already running")
	// ErrNotRunning: no tgphone answers on the socket.
	ErrNotRunning = errors.New("tgphone is not running")
	// ErrOwnAccount: the app refused to call its own account; another
	// account's app may take the request.
	ErrOwnAccount = errors.New("that is the account signed in there")
)

// Request is one message to the running app.
type Request struct {
	Kind   string `json:"kind"`
	Target string `json:"target,omitempty"` // normalised by ParseTarget
}

type wireRequest struct {
	V int `json:"v"`
	Request
}

// SocketDir is $XDG_RUNTIME_DIR/tgphone, or a per-user folder in the temp
// dir when the session has no runtime dir.
func SocketDir() string {
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		return filepath.Join(dir, "tgphone")
	}
	return filepath.Join(os.TempDir(), "tgphone-"+strconv.Itoa(os.Getuid()))
}

// SocketPath is the socket of one profile: one app per account, so the
// sandbox's Alice and Bob can run side by side.
func SocketPath(profile string) string {
	safe := strings.Map(func(r rune) rune {
		if r == '/' || r == os.PathSeparator || r < ' ' {
			return '-'
		}
		return r
	}, profile)
	return filepath.Join(SocketDir(), safe+".sock")
}

// DefaultProfile is the account tgphone opens when none is named: real
// Telegram's; with several apps running it gets click-to-call first.
const DefaultProfile = "telegram"

// SendAny hands req to one running app: the default account's first, then
// the others in name order (the sandbox's alice, its default user, before
// bob). An app asked to call its own account refuses (ErrOwnAccount) and
// the next one gets the request; ErrOwnAccount when every one refused.
func SendAny(ctx context.Context, req Request) error {
	socks, _ := filepath.Glob(filepath.Join(SocketDir(), "*.sock"))
	first := SocketPath(DefaultProfile)
	sort.Slice(socks, func(i, j int) bool {
		if (socks[i] == first) != (socks[j] == first) {
			return socks[i] == first
		}
		return socks[i] < socks[j]
	})
	refused := error(nil)
	for _, p := range socks {
		err := Send(ctx, p, req)
		switch {
		case errors.Is(err, ErrNotRunning):
		case errors.Is(err, ErrOwnAccount):
			refused = err
		default:
			return err
		}
	}
	if refused != nil {
		return refused
	}
	return ErrNotRunning
}

// Server receives requests for the running app.
type Server struct {
	ln     net.Listener
	reqs   chan Request
	log    *slog.Logger
	wg     sync.WaitGroup
	accept atomic.Pointer[func(Request) error]

	closeOnce sync.Once
}

// SetAccept has the server ask accept about each request before taking
// it; an error refuses it (ErrOwnAccount lets another app take it).
func (s *Server) SetAccept(accept func(Request) error) { s.accept.Store(&accept) }

// Listen claims the socket. It returns ErrRunning when a live instance
// answers there, and replaces a socket a crashed one left behind.
func Listen(path string, log *slog.Logger) (*Server, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("instance socket folder: %w", err)
	}
	if c, err := net.DialTimeout("unix", path, ioTimeout); err == nil {
		_ = c.Close()
		return nil, ErrRunning
	}
	_ = os.Remove(path) // stale: nobody answered
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("instance socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("instance socket: %w", err)
	}
	s := &Server{ln: ln, reqs: make(chan Request, 8), log: log}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Requests delivers what other invocations asked for.
func (s *Server) Requests() <-chan Request { return s.reqs }

// Close stops listening and removes the socket; closing again does nothing.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		err = s.ln.Close()
		s.wg.Wait()
		close(s.reqs)
	})
	return err
}

func (s *Server) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.handle(c)
	}
}

// handle reads one request line and answers it; one at a time is plenty
// for clicks.
func (s *Server) handle(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(ioTimeout))
	line, err := bufio.NewReader(io.LimitReader(c, maxRequestBytes)).ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return // a liveness probe from Listen, or a client that gave up
	}
	req, err := parseRequest(line)
	reply := map[string]any{"ok": err == nil}
	if err != nil {
		s.log.Warn("bad instance request", "err", err)
		reply["error"] = err.Error()
	} else if err := s.refuses(req); err != nil {
		reply = map[string]any{"ok": false, "error": err.Error(), "own_account": errors.Is(err, ErrOwnAccount)}
	} else {
		select {
		case s.reqs <- req:
		default:
			reply = map[string]any{"ok": false, "error": "busy"}
		}
	}
	b, _ := json.Marshal(reply)
	_, _ = c.Write(append(b, '\n'))
}

// refuses is the app's objection to req, if any.
func (s *Server) refuses(req Request) error {
	if accept := s.accept.Load(); accept != nil {
		return (*accept)(req)
	}
	return nil
}

// parseRequest checks one request line from the socket.
func parseRequest(line []byte) (Request, error) {
	var w wireRequest
	if err := json.Unmarshal(line, &w); err != nil {
		return Request{}, fmt.Errorf("request: %w", err)
	}
	if w.V != protocolVersion {
		return Request{}, fmt.Errorf("request version %d, this tgphone speaks %d", w.V, protocolVersion)
	}
	switch w.Kind {
	case KindShow:
		return Request{Kind: KindShow}, nil
	case KindCall:
		t, err := ParseTarget(w.Target)
		if err != nil {
			return Request{}, err
		}
		return Request{Kind: KindCall, Target: t}, nil
	}
	return Request{}, fmt.Errorf("unknown request kind %q", w.Kind)
}

// Send hands req to the running app; ErrNotRunning when there is none.
func Send(ctx context.Context, path string, req Request) error {
	d := net.Dialer{Timeout: ioTimeout}
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return ErrNotRunning
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(ioTimeout))
	b, err := json.Marshal(wireRequest{V: protocolVersion, Request: req})
	if err != nil {
		return err
	}
	if _, err := c.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("send to tgphone: %w", err)
	}
	line, err := bufio.NewReader(io.LimitReader(c, maxRequestBytes)).ReadBytes('\n')
	if err != nil {
		return fmt.Errorf("tgphone did not answer: %w", err)
	}
	var reply struct {
		OK         bool   `json:"ok"`
		Error      string `json:"error"`
		OwnAccount bool   `json:"own_account"`
	}
	if err := json.Unmarshal(line, &reply); err != nil {
		return fmt.Errorf("tgphone's answer: %w", err)
	}
	if reply.OwnAccount {
		return fmt.Errorf("%s: %w", req.Target, ErrOwnAccount)
	}
	if !reply.OK {
		return fmt.Errorf("tgphone refused: %s", reply.Error)
	}
	return nil
}
