package cli

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"time"
)

// pprofEnv names the address (127.0.0.1:6060, or :0 for any port) on which
// a tgphone process serves Go's profiles at /debug/pprof/. It exists to find
// where the desktop app's idle and in-call CPU and its memory go (issue 17
// item 16) in the real binary under Xvfb, which no flag of the app can
// reach without touching its start-up. Unset, nothing listens.
const pprofEnv = "TGPHONE_PPROF"

func init() {
	addr := os.Getenv(pprofEnv)
	if addr == "" {
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		slog.Warn("profiling server not started", "env", pprofEnv, "addr", addr, "err", err)
		return
	}
	// Its own mux: the profiles are served only here, whatever else in the
	// process uses http.DefaultServeMux.
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// The address actually bound goes to stderr, so a test that asked for
	// port 0 can read it.
	slog.Info("profiling", "env", pprofEnv, "addr", "http://"+ln.Addr().String()+"/debug/pprof/")
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
}
