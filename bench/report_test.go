package bench

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/crypto"
	"github.com/tgphone/tgphone/internal/netem"
	"github.com/tgphone/tgphone/internal/schedstat"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/sandbox/sandboxtest"
)

// profile is a named network impairment on both relay legs.
type profile struct {
	name string
	cfg  netem.Config
}

var profiles = []profile{
	{"clean", netem.Config{}},
	{"5% loss + 30 ms jitter", netem.Config{LossPct: 5, Jitter: 30 * time.Millisecond, Seed: 1}},
	{"15% bursty loss", netem.Config{LossPct: 5, BurstLen: 3, Seed: 2}},
}

// Row is one engine under one profile.
type Row struct {
	Engine          string  `json:"engine"`
	Profile         string  `json:"profile"`
	MouthToEarMs    float64 `json:"mouth_to_ear_ms"`    // median one-way delay, capture to playback
	AcceptToAudioMs float64 `json:"accept_to_audio_ms"` // callee answers → caller gets the first audio packet
	ConcealedPct    float64 `json:"concealed_pct"`      // concealedSamples / totalSamplesReceived
	CPUPctPerCall   float64 `json:"cpu_pct_per_call"`   // both sides and the sandbox, % of one core
	RSSInCallMiB    float64 `json:"rss_in_call_mib"`
}

// Results is bench/results.json.
type Results struct {
	Date          string  `json:"date"`
	Machine       string  `json:"machine"`
	RSSIdleMiB    float64 `json:"rss_idle_mib"` // two signed-in clients and the sandbox, no call
	DHSetupMs     float64 `json:"dh_setup_ms"`  // one side: secret, public value, shared key
	CallSetupMs   float64 `json:"call_setup_ms"`
	Rows          []Row   `json:"rows"`
	Method        string  `json:"method"`
	Reproduce     string  `json:"reproduce"`
	SetupRuns     int     `json:"setup_runs"`
	ClicksPerCall int     `json:"clicks_per_call"`
	// ReceivePath are the receive-path harness's rows (audio's
	// BenchmarkReceivePath, which `make bench` runs first): speech from a
	// 60 ms (tgcalls, and the 2.4.4 engine's packets) or 20 ms sender
	// through four seeded profiles into the jitter buffer, STOI, delay and
	// the receiver's CPU per 20 ms.
	ReceivePath       json.RawMessage `json:"receive_path,omitempty"`
	ReceivePathMethod string          `json:"receive_path_method,omitempty"`
}

// receivePathFile is where `make bench` has BenchmarkReceivePath write its rows.
const receivePathFile = "receivepath.json"

const (
	clickEvery = time.Second
	callLength = 8 * time.Second
	echoDelay  = 20 * time.Millisecond // the far side's loop: device
)

// BenchmarkReport is `make bench`: real calls through the sandbox on each
// engine and impairment profile. Alice plays a click every second; Bob's
// device loops what he hears straight back (like @echo); Alice's recording
// shares her capture's clock, so each click's return gives the round trip,
// and half of it less the loop is the mouth-to-ear delay.
func BenchmarkReport(b *testing.B) {
	dir := b.TempDir()
	clicks := filepath.Join(dir, "clicks.wav")
	if err := writeClicks(clicks, callLength+2*time.Second); err != nil {
		b.Fatal(err)
	}
	res := Results{Date: time.Now().UTC().Format(time.RFC3339), Machine: machine(), ClicksPerCall: int(callLength / clickEvery),
		Method:    "relay-only calls through the in-process sandbox; clicks looped back by the far side; netem on both relay legs",
		Reproduce: "make bench (go test ./bench -run '^$' -bench Report -benchtime 1x)"}
	res.DHSetupMs = dhSetup(b)
	for range b.N {
		res.Rows = res.Rows[:0]
		for _, version := range []string{"9.0.0", "2.4.4"} {
			for _, p := range profiles {
				row, idle, setup := measure(b, dir, clicks, version, p)
				res.Rows = append(res.Rows, row)
				if res.RSSIdleMiB == 0 {
					res.RSSIdleMiB = idle
				}
				if setup > 0 {
					res.CallSetupMs = setup
					res.SetupRuns = 5
				}
			}
		}
	}
	if rp, err := os.ReadFile(receivePathFile); err == nil && json.Valid(rp) {
		res.ReceivePath = rp
		res.ReceivePathMethod = "go test ./audio -run '^$' -bench 'ReceivePath$' -benchtime 1x -receivepath-json bench/receivepath.json: " +
			"speech (audio/testdata/speech.wav looped to 20 s) Opus-encoded as tgcalls (60 ms, FEC, 32 kbit/s) or tgphone (20 ms, 24 kbit/s) send it; " +
			"per packet, independent loss and a uniform added delay from math/rand/v2 PCG seeded (seed, profile) with seeds 1-3; " +
			"the JitterBuffer plays 20 ms pulls on a simulated clock; STOI (internal/stoi) aligned per 2 s block, mean mouth-to-ear delay, means over seeds"
	} else {
		b.Logf("no receive-path rows (%s): run make bench", receivePathFile)
	}
	print(res)
	b.StopTimer()
	writeResults(b, "results.json", res)
}

// writeResults writes a benchmark's results as indented JSON to name.
func writeResults(b *testing.B, name string, v any) {
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(name, append(out, '\n'), 0o644); err != nil {
		b.Fatal(err)
	}
}

func print(r Results) {
	fmt.Printf("\ntgphone bench — %s — %s\n", r.Date, r.Machine)
	fmt.Printf("DH set-up (one side) %.2f ms · requestCall → both connecting %.1f ms · RSS idle %.0f MiB\n\n",
		r.DHSetupMs, r.CallSetupMs, r.RSSIdleMiB)
	fmt.Printf("%-7s %-24s %10s %14s %10s %9s %8s\n", "engine", "profile", "m2e ms", "accept→audio", "concealed", "cpu %", "RSS MiB")
	for _, row := range r.Rows {
		fmt.Printf("%-7s %-24s %10.1f %14.0f %9.1f%% %9.2f %8.0f\n", row.Engine, row.Profile, row.MouthToEarMs,
			row.AcceptToAudioMs, row.ConcealedPct, row.CPUPctPerCall, row.RSSInCallMiB)
	}
	fmt.Println()
}

// writeClicks writes a WAV with a 5 ms 2 kHz burst at every clickEvery.
func writeClicks(path string, length time.Duration) error {
	w, err := audio.CreateWAV(path)
	if err != nil {
		return err
	}
	n := int(length.Seconds() * 48000)
	pcm := make([]int16, n)
	period := int(clickEvery.Seconds() * 48000)
	for start := period / 2; start < n; start += period {
		for i := range 240 {
			if start+i < n {
				pcm[start+i] = int16(20000 * math.Sin(2*math.Pi*2000*float64(i)/48000))
			}
		}
	}
	if err := w.Write(pcm); err != nil {
		return err
	}
	return w.Close()
}

// measure runs one call of one engine under one profile.
func measure(b *testing.B, dir, clicks, version string, p profile) (Row, float64, float64) {
	cfg := p.cfg
	env := sandboxtest.Start(b, sandboxtest.Options{Impair: &cfg, Logger: sandboxtest.Logger()})
	rec := filepath.Join(dir, fmt.Sprintf("alice-%s-%d.wav", version, len(p.name)))
	alice := newClient(b, env, "alice", version, audio.Config{Input: "file:" + clicks, Output: "wav:" + rec, Ring: "null"})
	bob := newClient(b, env, "bob", version, audio.Config{Input: "loop:", Output: "loop:", Ring: "null", LoopDelay: echoDelay})
	idle := rss()
	setup := 0.0
	if p.name == "clean" && version == "9.0.0" {
		setup = callSetup(b, alice, bob)
	}
	peer, err := alice.c.Resolve(alice.c.Ctx, "@bob")
	if err != nil {
		b.Fatal(err)
	}
	out, err := alice.m.Dial(peer)
	if err != nil {
		b.Fatal(err)
	}
	in := <-bob.incoming
	waitFor(b, out, calling.StateRinging)
	answered := time.Now()
	in.Answer()
	for out.Snapshot().Stats.Audio.PacketsReceived == 0 {
		if s := out.Snapshot(); s.State.Terminal() || time.Since(answered) > 30*time.Second {
			b.Fatalf("no audio from bob: %s (%v)", s.State, s.Err)
		}
		time.Sleep(500 * time.Microsecond)
	}
	firstAudio := time.Since(answered)
	cpu0, t0 := schedstat.ProcessCPU(), time.Now()
	waitFor(b, out, calling.StateActive)
	time.Sleep(callLength)
	row := Row{Engine: version, Profile: p.name, RSSInCallMiB: rss(),
		AcceptToAudioMs: float64(firstAudio.Microseconds()) / 1000}
	row.CPUPctPerCall = 100 * (schedstat.ProcessCPU() - cpu0).Seconds() / time.Since(t0).Seconds()
	st := out.Snapshot().Stats.Audio
	if st.TotalSamplesReceived > 0 {
		row.ConcealedPct = 100 * float64(st.ConcealedSamples) / float64(st.TotalSamplesReceived)
	}
	out.Hangup()
	<-out.Done()
	<-in.Done()
	pcm, err := audio.ReadWAV(rec)
	if err != nil {
		b.Fatal(err)
	}
	row.MouthToEarMs = mouthToEar(pcm)
	return row, idle, setup
}

// mouthToEar finds each click's return in the recording: half the median
// round trip, less the far side's loop, is the one-way delay.
func mouthToEar(pcm []int16) float64 {
	period := int(clickEvery.Seconds() * 48000)
	var trips []float64
	for start := period / 2; start+period < len(pcm); start += period {
		for i := start; i < start+period; i++ {
			if v := pcm[i]; v > 3000 || v < -3000 {
				trips = append(trips, float64(i-start)/48)
				break
			}
		}
	}
	if len(trips) == 0 {
		return math.NaN()
	}
	slices.Sort(trips)
	return (trips[len(trips)/2] - float64(echoDelay.Milliseconds())) / 2
}

type client struct {
	c        *sandboxtest.Client
	m        *calling.Manager
	incoming chan *calling.Call
}

func newClient(b testing.TB, env *sandboxtest.Env, user, version string, au audio.Config) *client {
	return newClientWith(b, env, user, version, calling.AudioOpener(au, env.Logger))
}

// newClientWith signs user in with a relay-only call manager whose audio
// opens through open; tune, if given, may replace engine factories.
func newClientWith(b testing.TB, env *sandboxtest.Env, user, version string, open calling.AudioOpenFunc, tune ...func(map[string]media.Factory)) *client {
	c := env.SignIn(b, user)
	engines, versions, err := calling.DefaultEngines(version)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range tune {
		f(engines)
	}
	cl := &client{c: c, incoming: make(chan *calling.Call, 8)}
	cl.m = calling.NewManager(calling.Config{API: c.API(), SelfID: c.Self.ID, Engines: engines, Versions: versions,
		OpenAudio: open, P2P: calling.P2PNobody,
		OnIncoming: func(call *calling.Call) { cl.incoming <- call },
		Logger:     env.Logger})
	cl.m.Attach(c.Client)
	if err := cl.m.LoadConfig(c.Ctx); err != nil {
		b.Fatal(err)
	}
	return cl
}

func waitFor(b testing.TB, c *calling.Call, s calling.State) {
	deadline := time.Now().Add(30 * time.Second)
	for c.Snapshot().State < s {
		if st := c.Snapshot(); st.State.Terminal() || time.Now().After(deadline) {
			b.Fatalf("call %s (%v) while waiting for %s", st.State, st.Err, s)
		}
		time.Sleep(time.Millisecond)
	}
}

// callSetup is requestCall → both sides connecting, mean of 5 calls.
func callSetup(b *testing.B, alice, bob *client) float64 {
	peer, err := alice.c.Resolve(alice.c.Ctx, "@bob")
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for range 5 {
		start := time.Now()
		out, err := alice.m.Dial(peer)
		if err != nil {
			b.Fatal(err)
		}
		in := <-bob.incoming
		in.Answer()
		waitFor(b, out, calling.StateConnecting)
		waitFor(b, in, calling.StateConnecting)
		total += time.Since(start)
		out.Hangup()
		<-out.Done()
		<-in.Done()
	}
	return float64(total.Microseconds()) / 1000 / 5
}

// dhSetup is one side's DH work: secret and public value, then the key.
func dhSetup(b *testing.B) float64 {
	var cache crypto.DHCache
	cfg, err := cache.Update(1, 3, crypto.TelegramPrime())
	if err != nil {
		b.Fatal(err)
	}
	peer, err := crypto.NewSecret(cfg, make([]byte, 256), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	const n = 20
	start := time.Now()
	for range n {
		s, err := crypto.NewSecret(cfg, make([]byte, 256), rand.Reader)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.SharedKey(peer.Public()); err != nil {
			b.Fatal(err)
		}
	}
	return float64(time.Since(start).Microseconds()) / 1000 / n
}

func rss() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmRSS:")), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

func machine() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	model := "unknown CPU"
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "model name") {
			model = strings.TrimSpace(l[strings.Index(l, ":")+1:])
			break
		}
	}
	return fmt.Sprintf("%s, %d cores", model, strings.Count(string(b), "processor\t:"))
}
