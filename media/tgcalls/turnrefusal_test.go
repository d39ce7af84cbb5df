package tgcalls

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/calltest"
	"github.com/tgphone/tgphone/sandbox/turn"
)

// teeHandler hands each record to both handlers.
type teeHandler struct{ a, b slog.Handler }

func (h teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.a.Enabled(ctx, l) || h.b.Enabled(ctx, l)
}

func (h teeHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.a.Enabled(ctx, r.Level) {
		_ = h.a.Handle(ctx, r.Clone())
	}
	if h.b.Enabled(ctx, r.Level) {
		return h.b.Handle(ctx, r)
	}
	return nil
}

func (h teeHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return teeHandler{h.a.WithAttrs(as), h.b.WithAttrs(as)}
}

func (h teeHandler) WithGroup(g string) slog.Handler {
	return teeHandler{h.a.WithGroup(g), h.b.WithGroup(g)}
}

// warnings records the records logged at Info and above, as
// "message k=v…", and when the first holding a text was logged.
type warnings struct {
	attrs []slog.Attr
	log   *recorded
}

type recorded struct {
	mu    sync.Mutex
	lines []string
	times []time.Time
}

func newWarnings() *warnings { return &warnings{log: &recorded{}} }

func (w *warnings) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (w *warnings) Handle(_ context.Context, r slog.Record) error {
	line := r.Message
	for _, a := range w.attrs {
		line += " " + a.String()
	}
	r.Attrs(func(a slog.Attr) bool { line += " " + a.String(); return true })
	w.log.mu.Lock()
	w.log.lines = append(w.log.lines, line)
	w.log.times = append(w.log.times, r.Time)
	w.log.mu.Unlock()
	return nil
}

func (w *warnings) WithAttrs(as []slog.Attr) slog.Handler {
	return &warnings{attrs: append(append([]slog.Attr(nil), w.attrs...), as...), log: w.log}
}

func (w *warnings) WithGroup(string) slog.Handler { return w }

func (w *warnings) matching(msg string) []string {
	w.log.mu.Lock()
	defer w.log.mu.Unlock()
	var out []string
	for _, l := range w.log.lines {
		if strings.Contains(l, msg) {
			out = append(out, l)
		}
	}
	return out
}

// first is when the first record holding msg was logged (zero if none).
func (w *warnings) first(msg string) time.Time {
	w.log.mu.Lock()
	defer w.log.mu.Unlock()
	for i, l := range w.log.lines {
		if strings.Contains(l, msg) {
			return w.log.times[i]
		}
	}
	return time.Time{}
}

// TestEngineRelayRefusesPermission: of two TURN servers, one refuses every
// permission (its policy forbids the peers). The call connects through the
// other; each side logs the refusal once a peer, naming the refusing
// server, no password. The refusing server gets only the checks written
// before its refusal came back (3–6 in all, under -race). Before the
// refusal was handled the call connected as soon (pion's ICE agent does
// not wait for the refused pairs, and stops checking them once it has
// chosen), with 4–9 checks through the refusing relay and no log line:
// the bound below guards against data for a refused peer going on, not
// against the old code.
func TestEngineRelayRefusesPermission(t *testing.T) {
	var refusedAt struct {
		sync.Mutex
		t time.Time
	}
	refusing, err := turn.New(turn.Options{RefusePermission: func(net.IP) bool {
		refusedAt.Lock()
		if refusedAt.t.IsZero() {
			refusedAt.t = time.Now()
		}
		refusedAt.Unlock()
		return true
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = refusing.Close() })
	// The working server on another loopback IP: its relayed addresses,
	// which Stats().Path shows, are there.
	working, err := turn.New(turn.Options{Addr: "127.0.0.2:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = working.Close() })
	var servers []media.WebRTCServer
	for i, srv := range []*turn.Server{refusing, working} {
		w := srv.WebRTCServers(1)[0] // the TURN entry
		servers = append(servers, media.WebRTCServer{ID: int64(i + 1), IP: w.IP, IPv6: w.Ipv6, Port: w.Port,
			Username: w.Username, Password: w.Password, TURN: true})
	}
	warn := newWarnings()
	caller, callee := startCall(t, callOpts{servers: servers, p2p: false, log: warn}, [2]float64{523, 811})
	calltest.WaitState(t, caller, media.StateConnected)
	calltest.WaitState(t, callee, media.StateConnected)
	connected := time.Now()
	calltest.CheckTones(t, caller, callee, 30)
	for _, s := range []*side{caller, callee} {
		if p := s.Eng.Stats().Path; !strings.HasPrefix(p, "turn 127.0.0.2:") {
			t.Errorf("path = %q, want through the working relay (127.0.0.2)", p)
		}
	}
	if refusing.Refused() == 0 {
		t.Fatal("the refusing server refused nothing: the test tests nothing")
	}
	// Each side may ask the refusing relay for its 2 pairs' peers, the
	// peer's relayed addresses on 127.0.0.1 and 127.0.0.2, but only until
	// ICE has chosen the working relay's pair: under load a side can
	// connect before asking for one of them. So: at most one warning a
	// peer, and a warning from some side.
	refusals := warn.matching("refused a permission")
	if len(refusals) == 0 {
		t.Error("no side logged the refusal")
	}
	for _, side := range []string{"caller", "callee"} {
		peers := map[string]int{}
		for _, l := range refusals {
			if !strings.Contains(l, "side="+side) {
				continue
			}
			if !strings.Contains(l, refusing.Addr().String()) || strings.Contains(l, servers[0].Password) {
				t.Errorf("%s logged %q: want the refusing server named, no password", side, l)
			}
			for _, ip := range []string{"127.0.0.1", "127.0.0.2"} {
				if strings.Contains(l, "peers=["+ip+"]") {
					peers[ip]++
				}
			}
		}
		if peers["127.0.0.1"] > 1 || peers["127.0.0.2"] > 1 {
			t.Errorf("%s logged refusals %v, want at most one a peer: %q", side, peers, refusals)
		}
	}
	// 2 pairs a side through the refusing relay; a check or two a pair
	// may leave before the refusal is back, a third under load.
	const pairs = 4
	if n := refusing.PeerData(); n > 3*pairs {
		t.Errorf("the refusing server got %d Send indications or ChannelData, want at most %d (3 a pair)", n, 3*pairs)
	}
	refusedAt.Lock()
	t.Logf("refusing relay got %d peer data; first refusal -> both connected %v",
		refusing.PeerData(), connected.Sub(refusedAt.t))
	refusedAt.Unlock()
}

// TestEngineRelayPermissionRetried: the only path is one TURN server, which
// answers its first permission-installing requests (each side's
// CreatePermission and ChannelBind) 508, as a server briefly short of
// capacity. Each side logs the refusal once, sends the permission again
// (permissionRetryWait later) and the call connects through the relay,
// where before it waited for pion's refresh two minutes later.
func TestEngineRelayPermissionRetried(t *testing.T) {
	srv, err := turn.New(turn.Options{FailPermissions: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	w := srv.WebRTCServers(1)[0]
	servers := []media.WebRTCServer{{ID: 1, IP: w.IP, Port: w.Port, Username: w.Username, Password: w.Password, TURN: true}}
	warn := newWarnings()
	start := time.Now()
	caller, callee := startCall(t, callOpts{servers: servers, p2p: false, log: warn}, [2]float64{523, 811})
	calltest.WaitState(t, caller, media.StateConnected)
	calltest.WaitState(t, callee, media.StateConnected)
	connected := time.Now()
	calltest.CheckTones(t, caller, callee, 30)
	if srv.Failed() != 4 {
		t.Fatalf("the server failed %d requests, want 4: the test tests nothing", srv.Failed())
	}
	for _, s := range []*side{caller, callee} {
		if p := s.Eng.Stats().Path; !strings.HasPrefix(p, "turn 127.0.0.1:") {
			t.Errorf("path = %q, want through the relay", p)
		}
	}
	// Which of a side's requests meet the server's 508s depends on their
	// order, which load changes: a side's early-answered CreatePermission
	// (turnConn's refusal, logged) or pion's own ChannelBind (pion's).
	// The call connecting through the only relay shows every refused
	// permission was asked again; some side must have met one through
	// turnConn, each side logs at most one, and a side that logged one
	// logs its grant.
	refusals := warn.matching("refused a permission")
	total := 0
	for _, side := range []string{"caller", "callee"} {
		n := 0
		for _, l := range refusals {
			if strings.Contains(l, "side="+side) && strings.Contains(l, "code=508") && strings.Contains(l, "retry=true") {
				n++
			}
		}
		if n > 1 {
			t.Errorf("%s logged %d refusals, want at most 1: %q", side, n, refusals)
		}
		total += n
		g := 0
		for _, l := range warn.matching("granted a refused permission") {
			if strings.Contains(l, "side="+side) {
				g++
			}
		}
		if g != n {
			t.Errorf("%s logged %d grants after %d refusals", side, g, n)
		}
	}
	if total == 0 {
		t.Errorf("no side logged a 508 refusal: %q", refusals)
	}
	t.Logf("start -> both connected %v; first refusal -> both connected %v",
		connected.Sub(start), connected.Sub(warn.first("refused a permission")))
}
