package cli

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/legacy"
	"github.com/tgphone/tgphone/media/tgcalls"
	"github.com/tgphone/tgphone/media/tgcalls/reference"
)

// relayFlags collects repeated --relay ID,IP,PORT,TAGHEX values.
type relayFlags []media.Reflector

func (r *relayFlags) String() string { return fmt.Sprint(len(*r), " relays") }

func (r *relayFlags) Set(v string) error {
	f := strings.Split(v, ",")
	if len(f) != 4 {
		return fmt.Errorf("relay %q: want ID,IP,PORT,TAGHEX", v)
	}
	id, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return fmt.Errorf("relay id %q: %w", f[0], err)
	}
	port, err := strconv.Atoi(f[2])
	if err != nil || port <= 0 || port > 0xffff {
		return fmt.Errorf("relay port %q: not a port", f[2])
	}
	tag, err := hex.DecodeString(f[3])
	if err != nil || len(tag) != 16 {
		return fmt.Errorf("relay tag %q: want 32 hex digits", f[3])
	}
	ref := media.Reflector{ID: id, Port: port, PeerTag: [16]byte(tag)}
	if strings.Contains(f[1], ":") {
		ref.IPv6 = f[1]
	} else {
		ref.IP = f[1]
	}
	*r = append(*r, ref)
	return nil
}

// readKey accepts the 256-byte call key raw or as 512 hex digits.
func readKey(path string) ([256]byte, error) {
	var key [256]byte
	b, err := os.ReadFile(path)
	if err != nil {
		return key, fmt.Errorf("read key file: %w", err)
	}
	if s := strings.TrimSpace(string(b)); len(s) == 512 {
		if h, err := hex.DecodeString(s); err == nil {
			b = h
		}
	}
	if len(b) != 256 {
		return key, fmt.Errorf("key file %s: %d bytes, want 256 raw or 512 hex digits", path, len(b))
	}
	copy(key[:], b)
	return key, nil
}

// serverFlags collects repeated --turn HOST:PORT:USER:PASS and --stun
// HOST:PORT values as phoneConnectionWebrtc entries. A --turn whose user is
// "reflector" is a Telegram reflector, as tdesktop hands reflectors to
// tgcalls (RtcServer login "reflector", password the peer tag in hex):
// HOST:PORT:reflector:TAGHEX, or HOST:PORT:reflector:TAGHEX:tcp for a TCP
// one; reflectors are numbered in the order given.
type serverFlags struct {
	list *[]media.WebRTCServer
	refl *[]media.Reflector
	turn bool
}

func (f serverFlags) String() string {
	if f.list == nil {
		return "0 servers"
	}
	return fmt.Sprint(len(*f.list), " servers")
}

func (f serverFlags) Set(v string) error {
	want := 2
	if f.turn {
		want = 4
	}
	parts := strings.Split(v, ":")
	if f.turn && f.refl != nil && len(parts) >= 3 && parts[2] == "reflector" {
		return f.setReflector(v, parts)
	}
	if len(parts) != want {
		if f.turn {
			return fmt.Errorf("turn %q: want HOST:PORT:USER:PASS", v)
		}
		return fmt.Errorf("stun %q: want HOST:PORT", v)
	}
	port, err := strconv.Atoi(parts[1])
	if err != nil || port <= 0 || port > 0xffff {
		return fmt.Errorf("server port %q: not a port", parts[1])
	}
	s := media.WebRTCServer{IP: parts[0], Port: port, STUN: !f.turn, TURN: f.turn}
	if f.turn {
		s.Username, s.Password = parts[2], parts[3]
		if s.Username == "" || s.Password == "" {
			return fmt.Errorf("turn %q: user and password must not be empty", v)
		}
	}
	*f.list = append(*f.list, s)
	return nil
}

func (f serverFlags) setReflector(v string, parts []string) error {
	if len(parts) != 4 && (len(parts) != 5 || parts[4] != "tcp") {
		return fmt.Errorf("turn %q: want HOST:PORT:reflector:TAGHEX[:tcp]", v)
	}
	ip := net.ParseIP(parts[0])
	if ip == nil || ip.To4() == nil {
		return fmt.Errorf("reflector host %q: want an IPv4 address", parts[0])
	}
	port, err := strconv.Atoi(parts[1])
	if err != nil || port <= 0 || port > 0xffff {
		return fmt.Errorf("reflector port %q: not a port", parts[1])
	}
	tag, err := hex.DecodeString(parts[3])
	if err != nil || len(tag) != 16 {
		return fmt.Errorf("reflector tag %q: want 32 hex digits", parts[3])
	}
	*f.refl = append(*f.refl, media.Reflector{ID: int64(len(*f.refl) + 1), IP: ip.String(), Port: port,
		PeerTag: [16]byte(tag), TCP: len(parts) == 5})
	return nil
}

// RunMedia is `tgphone media`: one media engine alone with a given key
// (no MTProto), printing JSON lines of state changes and stats. The legacy
// engine talks through --relay reflectors; the V2 engine carries its
// signalling over a unix socket (--signal), one frame per 4-byte big-endian
// length and the bytes, so an external engine can be tried against it.
func RunMedia(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("media", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var relays relayFlags
	var servers []media.WebRTCServer
	var reflectors []media.Reflector
	engine := fs.String("engine", "legacy", "media engine: legacy (libtgvoip 2.4.4) or v2 (tgcalls)")
	version := fs.String("version", "8.0.0", "v2: tgcalls library version ("+strings.Join(v2Versions(), ", ")+")")
	keyFile := fs.String("key-file", "", "file with the 256-byte call key (raw or hex)")
	outgoing := fs.Bool("outgoing", false, "act as the caller")
	incoming := fs.Bool("incoming", false, "act as the callee")
	p2p := fs.Bool("p2p", false, "allow a direct peer-to-peer path")
	signal := fs.String("signal", "", "v2: signalling socket, unix:PATH (connect) or unix-listen:PATH (wait for the peer)")
	input := fs.String("input", "tone:440", "audio input: tone:HZ, FILE.wav or silence")
	record := fs.String("record", "", "record the peer's audio to this WAV file")
	duration := fs.Duration("duration", 10*time.Second, "how long to run")
	every := fs.Duration("stats-every", time.Second, "stats interval")
	dsp := fs.Bool("dsp", false, "run echo cancellation, noise suppression and AGC on the input, as calls from the app do")
	longFrames := fs.Bool("long-frames", false, "v2: offer Opus without ptime=20, as a Telegram app does, so a tgphone peer sends 60 ms packets instead of 20 ms")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	fs.Var(&relays, "relay", "legacy: ID,IP,PORT,TAGHEX (repeatable)")
	fs.Var(serverFlags{list: &servers, refl: &reflectors, turn: true}, "turn",
		"v2: TURN server HOST:PORT:USER:PASS, or Telegram reflector HOST:PORT:reflector:TAGHEX[:tcp] (repeatable)")
	fs.Var(serverFlags{list: &servers}, "stun", "v2: STUN server HOST:PORT (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *outgoing == *incoming {
		return errors.New("media: give exactly one of --outgoing and --incoming")
	}
	switch *engine {
	case "legacy":
		if len(relays) == 0 {
			return errors.New("media: give at least one --relay")
		}
	case "v2":
		if !tgcalls.Supports(*version) && !reference.Supports(*version) {
			return fmt.Errorf("media: version %q: the v2 engine speaks %s", *version, strings.Join(v2Versions(), ", "))
		}
		if *signal == "" {
			return errors.New("media: the v2 engine needs --signal unix:PATH or unix-listen:PATH")
		}
		if !*p2p && len(servers) == 0 && len(reflectors) == 0 {
			return errors.New("media: without --p2p the v2 engine needs a --turn server or reflector")
		}
	default:
		return fmt.Errorf("media: engine %q: want legacy or v2", *engine)
	}
	key, err := readKey(*keyFile)
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	out := "null"
	if *record != "" {
		out = "wav:" + *record
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("media: cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("media: cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	var dspCfg audio.DSPConfig
	if *dsp {
		dspCfg = audio.DSPConfig{AEC: true, NS: true, AGC: true}
	}
	sess, err := audio.Open(audio.Config{Input: *input, Output: out, DSP: dspCfg}, log)
	if err != nil {
		return fmt.Errorf("media: open audio: %w", err)
	}
	defer sess.Close()

	start := time.Now()
	var mu sync.Mutex
	enc := json.NewEncoder(stdout)
	emit := func(m map[string]any) {
		mu.Lock()
		defer mu.Unlock()
		m["t_ms"] = time.Since(start).Milliseconds()
		_ = enc.Encode(m)
	}
	failed := make(chan error, 1)
	var connected atomic.Bool
	p := media.Params{Key: key, Outgoing: *outgoing, P2PAllowed: *p2p, Audio: sess, Logger: log,
		OnEvent: func(e media.Event) {
			m := map[string]any{"event": "state", "state": e.State.String(), "remote_muted": e.RemoteMuted}
			if e.NoAudio {
				m["no_audio_from_peer"] = true
			}
			if e.State == media.StateConnected {
				connected.Store(true)
			}
			if e.Err != nil {
				m["error"] = e.Err.Error()
				select {
				case failed <- e.Err:
				default:
				}
			}
			emit(m)
		}}
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	var eng media.Engine
	var sig *sigSocket
	switch *engine {
	case "legacy":
		p.LibraryVersion, p.Reflectors = "2.4.4", relays
		eng, err = legacy.New(p)
	case "v2":
		sig, err = dialSignal(ctx, *signal)
		if err != nil {
			return fmt.Errorf("media: %w", err)
		}
		defer sig.Close()
		p.LibraryVersion, p.WebRTCServers, p.Reflectors, p.SendSignaling = *version, servers, reflectors, sig.Send
		p.ConnectTimeout, p.PacketTimeout = 30*time.Second, 10*time.Second
		if reference.Supports(*version) {
			eng, err = reference.New(p) // 10.0.0, 11.0.0: tgcalls' SDP reference implementation
		} else if *longFrames {
			eng, err = tgcalls.NewAskingLongFrames(p)
		} else {
			eng, err = tgcalls.New(p)
		}
	}
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	if err := eng.Start(ctx); err != nil {
		return fmt.Errorf("media: start: %w", err)
	}
	defer eng.Close()
	if sig != nil {
		go func() {
			if err := sig.ReadLoop(eng.ReceiveSignaling); err != nil && ctx.Err() == nil {
				log.Warn("signalling socket", "err", err)
			}
		}()
	}
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			emitStats(emit, "end", eng.Stats())
			if *engine == "v2" && !connected.Load() {
				return errors.New("media: the call never connected")
			}
			return nil
		case err := <-failed:
			emitStats(emit, "end", eng.Stats())
			return fmt.Errorf("media: %w", err)
		case <-tick.C:
			emitStats(emit, "stats", eng.Stats())
		}
	}
}

// maxSignalFrame bounds one signalling frame read from the socket: tgcalls'
// own limit for a signalling packet is far below it.
const maxSignalFrame = 1 << 20

// sigSocket carries signalling frames over a unix socket, each a 4-byte
// big-endian length followed by the bytes.
type sigSocket struct {
	conn net.Conn
	ln   net.Listener
	wmu  sync.Mutex
}

// dialSignal connects to unix:PATH, or listens on unix-listen:PATH and takes
// the first peer that connects.
func dialSignal(ctx context.Context, spec string) (*sigSocket, error) {
	switch {
	case strings.HasPrefix(spec, "unix:"):
		c, err := dialUnixWaiting(ctx, strings.TrimPrefix(spec, "unix:"), 50*time.Millisecond)
		if err != nil {
			return nil, fmt.Errorf("signal socket: %w", err)
		}
		return &sigSocket{conn: c}, nil
	case strings.HasPrefix(spec, "unix-listen:"):
		path := strings.TrimPrefix(spec, "unix-listen:")
		ln, err := net.Listen("unix", path)
		if err != nil {
			return nil, fmt.Errorf("signal socket: %w", err)
		}
		accepted := make(chan net.Conn, 1)
		errc := make(chan error, 1)
		go func() {
			c, err := ln.Accept()
			if err != nil {
				errc <- err
				return
			}
			accepted <- c
		}()
		select {
		case c := <-accepted:
			return &sigSocket{conn: c, ln: ln}, nil
		case err := <-errc:
			ln.Close()
			return nil, fmt.Errorf("signal socket: accept: %w", err)
		case <-ctx.Done():
			ln.Close()
			return nil, fmt.Errorf("signal socket: no peer connected to %s: %w", path, ctx.Err())
		}
	}
	return nil, fmt.Errorf("signal %q: want unix:PATH or unix-listen:PATH", spec)
}

// dialUnixWaiting connects to the unix socket at path, trying again every
// retry while nobody listens there yet (no socket file, or a file left by an
// earlier run and no listener behind it): the two sides of a call are
// started together, and a loaded machine can start the dialling side before
// the listening one has made its socket. Other errors end it at once; so
// does ctx, whose error names the path.
// dialRetrying, when set by a test, is called before each wait for a
// listener.
var dialRetrying func()

func dialUnixWaiting(ctx context.Context, path string, retry time.Duration) (net.Conn, error) {
	var d net.Dialer
	for {
		c, err := d.DialContext(ctx, "unix", path)
		if err == nil {
			return c, nil
		}
		switch {
		case errors.Is(err, syscall.ENOENT):
		case errors.Is(err, syscall.ECONNREFUSED):
			// Linux refuses a connect to a file that is not a socket
			// too, and that will not change by waiting.
			if fi, serr := os.Stat(path); serr == nil && fi.Mode()&os.ModeSocket == 0 {
				return nil, fmt.Errorf("%s is not a socket: %w", path, err)
			}
		default:
			return nil, err
		}
		if dialRetrying != nil {
			dialRetrying()
		}
		t := time.NewTimer(retry)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("nobody listening at %s: %w", path, ctx.Err())
		case <-t.C:
		}
	}
}

// Send writes one frame.
func (s *sigSocket) Send(_ context.Context, data []byte) error {
	buf := make([]byte, 4+len(data))
	binary.BigEndian.PutUint32(buf, uint32(len(data)))
	copy(buf[4:], data)
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err := s.conn.Write(buf)
	return err
}

// ReadLoop hands every frame to deliver until the socket closes.
func (s *sigSocket) ReadLoop(deliver func([]byte)) error {
	var hdr [4]byte
	for {
		if _, err := io.ReadFull(s.conn, hdr[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		n := binary.BigEndian.Uint32(hdr[:])
		if n > maxSignalFrame {
			return fmt.Errorf("signalling frame of %d bytes (limit %d)", n, maxSignalFrame)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(s.conn, buf); err != nil {
			return err
		}
		deliver(buf)
	}
}

// Close closes the connection and, when we listened, the listener and its
// socket file.
func (s *sigSocket) Close() error {
	err := s.conn.Close()
	if s.ln != nil {
		_ = s.ln.Close()
	}
	return err
}

func emitStats(emit func(map[string]any), event string, s media.Stats) {
	emit(map[string]any{"event": event, "path": s.Path, "version": s.LibraryVersion,
		"send_bps": s.SendBitrate, "recv_bps": s.RecvBitrate, "send_loss": s.SendLoss, "recv_loss": s.RecvLoss,
		"rtt_ms": float64(s.RTT.Microseconds()) / 1000, "jitter_ms": float64(s.Jitter.Microseconds()) / 1000, "signal_bars": s.SignalBars,
		"sent": s.PacketsSent, "recv": s.PacketsRecv, "dropped": s.PacketsDropped,
		"concealed": s.Audio.ConcealedSamples, "remote_muted": s.RemoteMuted})
}

// v2Versions are the tgcalls versions --engine v2 runs: InstanceV2Impl's
// and the SDP reference implementation's.
func v2Versions() []string {
	return append(append([]string(nil), tgcalls.Versions...), reference.Versions...)
}
