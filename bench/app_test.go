package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tgphone/tgphone/ui"
)

// AppState is the desktop app's cost in one state.
type AppState struct {
	State  string  `json:"state"`
	CPUPct float64 `json:"cpu_pct"` // % of one core, the app's process (all its threads)
	RSSMiB float64 `json:"rss_mib"`
	Load1  float64 `json:"load1"` // the machine's 1-minute load average when measured
}

// AppResults is bench/app_results.json (BenchmarkReport writes
// results.json whole, so the app's figures live beside it).
type AppResults struct {
	Date             string     `json:"date"`
	Machine          string     `json:"machine"`
	Seconds          float64    `json:"seconds_per_state"`
	States           []AppState `json:"states"`
	Calls            int        `json:"calls"`
	RSSAfterFirstMiB float64    `json:"rss_after_first_call_mib"`
	RSSAfterLastMiB  float64    `json:"rss_after_last_call_mib"`
	Method           string     `json:"method"`
	Reproduce        string     `json:"reproduce"`
}

// BenchmarkReportAppCost is the desktop app's share of `make bench`: the
// real binary under Xvfb, signed in to its own sandbox as Alice, with a
// silent microphone and a discarding speaker. It measures the app's CPU
// from /proc/PID/stat over TGPHONE_APP_SECONDS (20 s unless set) on each
// tab, with and without the text cursor in a field, with another program's
// window in front (xmessage, from x11-utils), and in a call
// to @echo; then RSS after the first and after the TGPHONE_APP_CALLS-th
// call (5 unless set). It writes bench/app_results.json.
func BenchmarkReportAppCost(b *testing.B) {
	for _, tool := range []string{"Xvfb", "xdotool"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s not installed: the app's cost is measured under Xvfb, driven by xdotool (scripts/deps.sh test installs both)", tool)
		}
	}
	secs := 20 * time.Second
	if n, err := strconv.Atoi(os.Getenv("TGPHONE_APP_SECONDS")); err == nil && n > 0 {
		secs = time.Duration(n) * time.Second
	}
	calls := 5
	if n, err := strconv.Atoi(os.Getenv("TGPHONE_APP_CALLS")); err == nil && n > 1 {
		calls = n
	}
	res := AppResults{Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), Seconds: secs.Seconds(), Calls: calls,
		Method: "tgphone built from this tree (-tags TGPHONE_APP_TAGS, no_animations unless set, as make build), under Xvfb (software GL), sandbox in its own process; " +
			"CPU is utime+stime of the app's process over the window; microphone silence, speaker null; " +
			"the shared machine's load average is beside each figure",
		Reproduce: "cd bench && go test . -run '^$' -bench ReportAppCost -benchtime 1x"}
	for range b.N {
		res.States = appRun(b, secs, calls, &res)
	}
	b.StopTimer()
	fmt.Printf("\ntgphone desktop app — %s — %s — %.0f s per state\n", res.Date, res.Machine, res.Seconds)
	fmt.Printf("%-52s %7s %8s %6s\n", "state", "cpu %", "RSS MiB", "load")
	for _, s := range res.States {
		fmt.Printf("%-52s %7.2f %8.0f %6.1f\n", s.State, s.CPUPct, s.RSSMiB, s.Load1)
		b.ReportMetric(s.CPUPct, "cpu%:"+strings.ReplaceAll(s.State, " ", "_"))
	}
	fmt.Printf("RSS after call 1: %.1f MiB, after call %d: %.1f MiB\n\n", res.RSSAfterFirstMiB, calls, res.RSSAfterLastMiB)
	b.ReportMetric(res.RSSAfterLastMiB-res.RSSAfterFirstMiB, "MiB-growth")
	writeResults(b, "app_results.json", res)
}

// appLog is a child's stderr, read while it runs.
type appLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *appLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *appLog) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.b.String(), s)
}

// appRun starts Xvfb, a sandbox and the app, and measures each state.
func appRun(b *testing.B, secs time.Duration, calls int, res *AppResults) []AppState {
	dir := b.TempDir()
	bin := filepath.Join(dir, "tgphone")
	// Built as make build builds it (TAGS in the Makefile); TGPHONE_APP_TAGS
	// measures another build ("" for Fyne's blinking cursor).
	tags, ok := os.LookupEnv("TGPHONE_APP_TAGS")
	if !ok {
		tags = "no_animations"
	}
	if out, err := exec.Command("go", "build", "-tags", tags, "-o", bin, "..").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	display := appDisplay()
	start := func(name string, args []string, env []string, stdout, stderr *appLog) *exec.Cmd {
		cmd := exec.Command(name, args...)
		cmd.Env, cmd.Stderr = env, stderr
		if stdout != nil {
			cmd.Stdout = stdout
		}
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		})
		return cmd
	}
	start("Xvfb", []string{display, "-screen", "0", "1024x768x24", "-nolisten", "tcp"}, os.Environ(), nil, &appLog{})
	data := filepath.Join(dir, "data")
	cfg := filepath.Join(dir, "config", "tgphone", "sandbox", "alice")
	run := filepath.Join(dir, "run")
	for _, d := range []string{cfg, run} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			b.Fatal(err)
		}
	}
	s := ui.DefaultSettings()
	s.Input, s.Output, s.Ring = "silence", "null", "null"
	if err := s.Save(filepath.Join(cfg, "settings.json")); err != nil {
		b.Fatal(err)
	}
	env := append(os.Environ(), "DISPLAY="+display, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+data,
		"XDG_CACHE_HOME="+filepath.Join(dir, "cache"), "XDG_RUNTIME_DIR="+run)
	sbOut := &appLog{}
	start(bin, []string{"sandbox", "--listen", "127.0.0.1:0", "--data", filepath.Join(data, "tgphone", "sandbox")}, env, sbOut, &appLog{})
	appWait(b, 90*time.Second, "the sandbox's JSON line", func() bool { return sbOut.count("\"mtproto\"") > 0 })
	log := &appLog{}
	app := start(bin, []string{"--as", "alice"}, env, nil, log)
	appWait(b, 90*time.Second, "contacts shown", func() bool { return log.count("contacts shown") > 0 })
	pid := app.Process.Pid
	xdo := func(args ...string) {
		cmd := exec.Command("xdotool", args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("xdotool %s: %v %s", strings.Join(args, " "), err, out)
		}
	}
	window := func(title string) string {
		var id string
		appWait(b, 20*time.Second, "window "+title, func() bool {
			cmd := exec.Command("xdotool", "search", "--name", "^"+title+"$")
			cmd.Env = env
			out, _ := cmd.Output()
			id, _, _ = strings.Cut(strings.TrimSpace(string(out)), "\n")
			return id != ""
		})
		return id
	}
	main := window("tgphone — Alice Archer")
	measure := func(state string) AppState {
		time.Sleep(2 * time.Second) // what the key started has settled
		c0, t0 := appCPU(pid), time.Now()
		time.Sleep(secs)
		c1, t1 := appCPU(pid), time.Now()
		st := AppState{State: state, CPUPct: 100 * (c1 - c0).Seconds() / t1.Sub(t0).Seconds(), RSSMiB: appRSS(pid), Load1: appLoad1()}
		return st
	}
	var states []AppState
	xdo("windowfocus", main)
	xdo("key", "ctrl+f")
	states = append(states, measure("contacts, cursor in search"))
	// Another program's window in front: Fyne takes the focus from the
	// field when its window loses it, so no cursor is drawn.
	if _, err := exec.LookPath("xmessage"); err == nil {
		other := start("xmessage", []string{"-geometry", "120x40+800+700", "another program"}, env, nil, &appLog{})
		xdo("windowfocus", window("xmessage"))
		states = append(states, measure("contacts, cursor in search, another window in front"))
		_ = other.Process.Kill()
		xdo("windowfocus", main)
	}
	// A click on the list's empty space takes the focus from the field.
	xdo("mousemove", "--window", main, "200", "600", "click", "1")
	states = append(states, measure("contacts, no field focused"))
	xdo("key", "ctrl+r")
	states = append(states, measure("recents"))
	xdo("key", "ctrl+d")
	states = append(states, measure("dialer, cursor in its field"))
	const title = "Call with Echo Test"
	for i := 1; i <= calls; i++ {
		xdo("windowfocus", main)
		xdo("key", "ctrl+d")
		xdo("key", "ctrl+a")
		xdo("type", "--delay", "20", "@echo")
		xdo("key", "Return")
		w := window(title)
		appWait(b, 30*time.Second, "call active", func() bool { return log.count("to=active") >= i })
		if i == 1 {
			states = append(states, measure("in a call to @echo"))
		} else {
			time.Sleep(2 * time.Second)
		}
		xdo("windowfocus", w)
		xdo("key", "ctrl+e")
		appWait(b, 15*time.Second, "call ended", func() bool { return log.count("to=ended") >= i })
		time.Sleep(time.Second)
		xdo("key", "Escape") // the rating, if the server asked for one
		appWait(b, 10*time.Second, "call window closed", func() bool {
			cmd := exec.Command("xdotool", "search", "--name", "^"+title+"$")
			cmd.Env = env
			out, _ := cmd.Output()
			return strings.TrimSpace(string(out)) == ""
		})
		if i == 1 || i == calls {
			time.Sleep(3 * time.Second)
			if i == 1 {
				res.RSSAfterFirstMiB = appRSS(pid)
			} else {
				res.RSSAfterLastMiB = appRSS(pid)
			}
		}
	}
	return states
}

func appWait(b *testing.B, timeout time.Duration, what string, ok func() bool) {
	b.Helper()
	for deadline := time.Now().Add(timeout); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("no %s in %s", what, timeout)
		}
	}
}

// appDisplay is an X display number no server holds.
func appDisplay() string {
	for n := 200 + os.Getpid()%50; ; n++ {
		_, e1 := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n))
		_, e2 := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n))
		if os.IsNotExist(e1) && os.IsNotExist(e2) {
			return ":" + strconv.Itoa(n)
		}
	}
}

// appCPU is the user and system time a process has used.
func appCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command name, which may hold spaces: state is
	// field 3, utime 14 and stime 15.
	_, rest, _ := strings.Cut(string(b), ") ")
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * time.Second / appClkTck
}

// appClkTck is Linux's USER_HZ, the unit of /proc/PID/stat's times, which is
// 100 on every architecture Go runs Linux on.
const appClkTck = 100

func appRSS(pid int) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

func appLoad1() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
