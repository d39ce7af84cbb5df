package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/internal/schedstat"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls"
	"github.com/tgphone/tgphone/sandbox"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// sideEnv carries a sideSpec to the process TestCallSide runs in.
const sideEnv = "TGPHONE_BENCH_SIDE"

// sideSpec is one side of a BenchmarkReportCallsSTOI call.
type sideSpec struct {
	Info    sandbox.Info  `json:"info"`
	User    string        `json:"user"`
	Dial    string        `json:"dial"` // the caller dials this; "" answers the first call
	Version string        `json:"version"`
	AskLong bool          `json:"ask_long"` // V2: tgcalls.NewAskingLongFrames
	Input   string        `json:"input"`
	Output  string        `json:"output"`
	Settle  time.Duration `json:"settle"` // after Active, before the window
	Scored  time.Duration `json:"scored"` // the window
}

// sideCounters are a side's counters at a moment: what its engine sent,
// and what its jitter buffer received.
type sideCounters struct {
	PacketsSent                                                          uint64
	PacketsReceived, PacketsLost, ConcealedSamples, TotalSamplesReceived uint64
}

func countersOf(s media.Stats) sideCounters {
	a := s.Audio
	return sideCounters{s.PacketsSent, a.PacketsReceived, a.PacketsLost, a.ConcealedSamples, a.TotalSamplesReceived}
}

// sideResult is what a side reports on its stdout once its window ended.
type sideResult struct {
	OpenedNs   int64   `json:"opened_ns"` // the audio devices' first 20 ms tick, wall clock
	T0Ns       int64   `json:"t0_ns"`     // the window, wall clock
	T1Ns       int64   `json:"t1_ns"`
	CPUSeconds float64 `json:"cpu_seconds"` // this process, user + system, over the window
	// RunWaitSeconds is the time this process's threads spent runnable
	// but waiting for a CPU over the window (/proc/self/task/*/schedstat):
	// how much the machine's load held the side back.
	RunWaitSeconds float64      `json:"run_wait_seconds"`
	Start          sideCounters `json:"start"`
	End            sideCounters `json:"end"`
}

// TestCallSide is one side of a BenchmarkReportCallsSTOI call in a process
// of its own, so its CPU is its own: it signs in to the benchmark's
// sandbox, says "ready", answers the first call or, once a line comes on
// its stdin, dials; after the window it prints "result" and a sideResult
// as JSON.
func TestCallSide(t *testing.T) {
	raw := os.Getenv(sideEnv)
	if raw == "" {
		t.Skip("runs only as a side of BenchmarkReportCallsSTOI")
	}
	var spec sideSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatal(err)
	}
	env := sandboxtest.Attach(t, spec.Info)
	var mu sync.Mutex
	var opened time.Time
	au := audio.Config{Input: spec.Input, LoopFiles: strings.HasPrefix(spec.Input, "file:"), Output: spec.Output, Ring: "null"}
	open := calling.AudioOpener(au, env.Logger)
	cl := newClientWith(t, env, spec.User, spec.Version, func(ctx context.Context, onDevice func(audio.Event)) (calling.AudioSession, error) {
		s, err := open(ctx, onDevice)
		now := time.Now()
		mu.Lock()
		opened = now.Truncate(20 * time.Millisecond).Add(20 * time.Millisecond) // the virtual devices' next tick
		mu.Unlock()
		return s, err
	}, func(engines map[string]media.Factory) {
		if spec.AskLong {
			if _, ok := engines[spec.Version]; !ok || !tgcalls.Supports(spec.Version) {
				t.Fatalf("ask_long: %q is not a tgcalls V2 version", spec.Version)
			}
			engines[spec.Version] = tgcalls.NewAskingLongFrames
		}
	})
	fmt.Println("ready")
	var call *calling.Call
	if spec.Dial != "" {
		if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
			t.Fatalf("waiting for the word to dial: %v", err)
		}
		peer, err := cl.c.Resolve(cl.c.Ctx, spec.Dial)
		if err != nil {
			t.Fatal(err)
		}
		if call, err = cl.m.Dial(peer); err != nil {
			t.Fatal(err)
		}
	} else {
		select {
		case call = <-cl.incoming:
		case <-time.After(60 * time.Second):
			t.Fatal("no incoming call")
		}
		call.Answer()
	}
	waitFor(t, call, calling.StateActive)
	time.Sleep(spec.Settle)
	res := sideResult{Start: countersOf(call.Snapshot().Stats)}
	cpu0, wait0, t0 := schedstat.ProcessCPU(), schedstat.RunWait(), time.Now()
	time.Sleep(spec.Scored)
	res.CPUSeconds, res.T1Ns = (schedstat.ProcessCPU() - cpu0).Seconds(), time.Now().UnixNano()
	res.RunWaitSeconds = (schedstat.RunWait() - wait0).Seconds()
	res.End = countersOf(call.Snapshot().Stats)
	res.T0Ns = t0.UnixNano()
	mu.Lock()
	res.OpenedNs = opened.UnixNano()
	mu.Unlock()
	out, _ := json.Marshal(res)
	fmt.Printf("result %s\n", out)
	if spec.Dial != "" {
		time.Sleep(time.Second) // the callee's window may have begun a little later
		call.Hangup()
	}
	select {
	case <-call.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("the call did not end")
	}
}

// sideProc is a running TestCallSide.
type sideProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.Reader
	lines  *bufio.Scanner
	user   string
}

// startSide runs spec in a new process of this test binary; ready waits
// until it has signed in.
func startSide(b *testing.B, spec sideSpec) *sideProc {
	raw, err := json.Marshal(spec)
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestCallSide$", "-test.timeout", "3m")
	cmd.Env = append(os.Environ(), sideEnv+"="+string(raw))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return &sideProc{cmd: cmd, stdin: stdin, stdout: stdout, lines: bufio.NewScanner(stdout), user: spec.User}
}

// ready waits until the side has signed in.
func (p *sideProc) ready(b *testing.B) {
	for p.lines.Scan() {
		if p.lines.Text() == "ready" {
			return
		}
	}
	b.Fatalf("%s's process ended before signing in", p.user)
}

// dial tells a caller to dial.
func (p *sideProc) dial(b *testing.B) {
	if _, err := io.WriteString(p.stdin, "dial\n"); err != nil {
		b.Fatalf("%s: %v", p.user, err)
	}
}

// result waits for the side's sideResult.
func (p *sideProc) result(b *testing.B) sideResult {
	for p.lines.Scan() {
		if j, ok := strings.CutPrefix(p.lines.Text(), "result "); ok {
			var r sideResult
			if err := json.Unmarshal([]byte(j), &r); err != nil {
				b.Fatalf("%s's result: %v", p.user, err)
			}
			return r
		}
	}
	b.Fatalf("%s's process ended without a result", p.user)
	return sideResult{}
}

// wait waits for the side's process to end, the call hung up.
func (p *sideProc) wait(b *testing.B) {
	_, _ = io.Copy(io.Discard, p.stdout)
	if err := p.cmd.Wait(); err != nil {
		b.Fatalf("%s's process: %v", p.user, err)
	}
}
