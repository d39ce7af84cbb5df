package cli

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/legacy"
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

// RunMedia is `tgphone media`: one media engine alone with a given key and
// relays (no MTProto), printing JSON lines of state changes and stats.
func RunMedia(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("media", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var relays relayFlags
	engine := fs.String("engine", "legacy", "media engine: legacy")
	keyFile := fs.String("key-file", "", "file with the 256-byte call key (raw or hex)")
	outgoing := fs.Bool("outgoing", false, "act as the caller")
	incoming := fs.Bool("incoming", false, "act as the callee")
	p2p := fs.Bool("p2p", false, "allow a direct peer-to-peer path")
	input := fs.String("input", "tone:440", "audio input: tone:HZ, FILE.wav or silence")
	record := fs.String("record", "", "record the peer's audio to this WAV file")
	duration := fs.Duration("duration", 10*time.Second, "how long to run")
	every := fs.Duration("stats-every", time.Second, "stats interval")
	fs.Var(&relays, "relay", "ID,IP,PORT,TAGHEX (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *engine != "legacy" {
		return fmt.Errorf("media: engine %q: only legacy is available here", *engine)
	}
	if *outgoing == *incoming {
		return errors.New("media: give exactly one of --outgoing and --incoming")
	}
	if len(relays) == 0 {
		return errors.New("media: give at least one --relay")
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
	sess, err := audio.Open(audio.Config{Input: *input, Output: out}, log)
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
	eng, err := legacy.New(media.Params{Key: key, Outgoing: *outgoing, LibraryVersion: "2.4.4", Reflectors: relays,
		P2PAllowed: *p2p, Audio: sess, Logger: log, OnEvent: func(e media.Event) {
			m := map[string]any{"event": "state", "state": e.State.String(), "remote_muted": e.RemoteMuted}
			if e.Err != nil {
				m["error"] = e.Err.Error()
				select {
				case failed <- e.Err:
				default:
				}
			}
			emit(m)
		}})
	if err != nil {
		return fmt.Errorf("media: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	if err := eng.Start(ctx); err != nil {
		return fmt.Errorf("media: start: %w", err)
	}
	defer eng.Close()
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			emitStats(emit, "end", eng.Stats())
			return nil
		case err := <-failed:
			emitStats(emit, "end", eng.Stats())
			return fmt.Errorf("media: %w", err)
		case <-tick.C:
			emitStats(emit, "stats", eng.Stats())
		}
	}
}

func emitStats(emit func(map[string]any), event string, s media.Stats) {
	emit(map[string]any{"event": event, "path": s.Path, "version": s.LibraryVersion,
		"send_bps": s.SendBitrate, "recv_bps": s.RecvBitrate, "send_loss": s.SendLoss, "recv_loss": s.RecvLoss,
		"rtt_ms": float64(s.RTT.Microseconds()) / 1000, "jitter_ms": float64(s.Jitter.Microseconds()) / 1000, "signal_bars": s.SignalBars,
		"sent": s.PacketsSent, "recv": s.PacketsRecv, "dropped": s.PacketsDropped,
		"concealed": s.Audio.ConcealedSamples, "remote_muted": s.RemoteMuted})
}
