package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
	"github.com/tgphone/tgphone/sandbox"
)

// headless is what `tgphone call` and `tgphone answer` share: sign in to the
// sandbox, run a call manager, print one JSON line per event.
type headless struct {
	server, sandboxDir, as, code, password string
	protocol, input, record, p2p           string
	duration                               time.Duration
	verbose                                bool

	start time.Time
	out   io.Writer
	outMu sync.Mutex
}

func (h *headless) flags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&h.server, "server", "", "sandbox MTProto address (default: the one in --sandbox-dir)")
	fs.StringVar(&h.sandboxDir, "sandbox-dir", dataDir("sandbox"), "the sandbox's data folder, for its address and public key")
	fs.StringVar(&h.as, "as", "", "sign in as this demo user (alice, bob, carol, …) or +phone")
	fs.StringVar(&h.code, "code", "", "login code (demo and 99966XYYYY test numbers need none)")
	fs.StringVar(&h.password, "password", "", "2FA password, if the account has one")
	fs.StringVar(&h.protocol, "protocol", "", "advertise only this library version")
	fs.StringVar(&h.input, "input", "silence", "microphone: tone:HZ, FILE.wav or silence")
	fs.StringVar(&h.record, "record", "", "write what is heard to this WAV file")
	fs.DurationVar(&h.duration, "duration", 10*time.Second, "hang up this long after the call becomes active")
	fs.StringVar(&h.p2p, "p2p", "everyone", "peer-to-peer with: everyone, contacts, or nobody (relay only)")
	fs.BoolVar(&h.verbose, "v", false, "debug logging on stderr")
	return fs
}

// emit prints one JSON event line with the milliseconds since start.
func (h *headless) emit(event string, fields map[string]any) {
	m := map[string]any{"t_ms": time.Since(h.start).Milliseconds(), "event": event}
	for k, v := range fields {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		b = []byte(fmt.Sprintf(`{"event":"error","error":%q}`, err.Error()))
	}
	h.outMu.Lock()
	defer h.outMu.Unlock()
	fmt.Fprintln(h.out, string(b))
}

func (h *headless) phone() (string, error) {
	if h.as == "" {
		return "", errors.New("--as is required")
	}
	if p, ok := sandbox.DemoPhone(strings.TrimPrefix(h.as, "@")); ok {
		return p, nil
	}
	if p, ok := phoneNumber(h.as); ok {
		return p, nil
	}
	return "", fmt.Errorf("--as %q is neither a demo user nor a phone number", h.as)
}

func phoneNumber(s string) (string, bool) {
	d := strings.TrimPrefix(s, "+")
	if d == "" {
		return "", false
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return d, true
}

// session connects, signs in and runs body with a ready call manager.
func (h *headless) session(ctx context.Context, stderr io.Writer, onChange func(calling.Snapshot),
	onIncoming func(*calling.Call), body func(ctx context.Context, acct *account.Client, m *calling.Manager) error) error {
	level := slog.LevelWarn
	if h.verbose {
		level = slog.LevelDebug
	}
	log := newLogger(stderr, level)
	info, err := sandbox.ReadInfo(h.sandboxDir)
	if err != nil {
		return fmt.Errorf("sandbox info (start `tgphone sandbox` or pass --sandbox-dir): %w", err)
	}
	if h.server != "" {
		info.MTProto = h.server
	}
	phone, err := h.phone()
	if err != nil {
		return err
	}
	acct, err := account.New(account.Options{
		Sandbox: &account.Sandbox{Addr: info.MTProto, DC: info.DC, PublicKeyPEM: info.PublicKey},
		Logger:  log,
	})
	if err != nil {
		return err
	}
	// The connection outlives ctx (SIGTERM, Ctrl+C) by up to stopGrace, or
	// until body is done: body hangs its call up when ctx ends, and that
	// discardCall must still reach the server. Ended with ctx, the
	// connection closed under it ("client closed") and the other side rang
	// on until the server's timeout.
	stopped := ctx
	conn, closeConn := context.WithCancel(context.WithoutCancel(ctx))
	defer closeConn()
	defer context.AfterFunc(stopped, func() { time.AfterFunc(stopGrace, closeConn) })()
	return acct.Run(conn, func(ctx context.Context) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		defer context.AfterFunc(stopped, cancel)()
		me, err := signIn(ctx, acct, phone, h.code, h.password)
		if err != nil {
			return err
		}
		h.emit("signed_in", map[string]any{"user_id": me.ID, "name": account.ContactFromUser(me).Name()})
		engines, versions, err := calling.DefaultEngines(h.protocol)
		if err != nil {
			return err
		}
		p2p, err := parseP2P(h.p2p)
		if err != nil {
			return err
		}
		contacts, err := acct.Contacts(ctx)
		if err != nil {
			return err
		}
		m := calling.NewManager(calling.Config{
			API: acct.API(), SelfID: me.ID, Engines: engines, Versions: versions,
			OpenAudio: calling.AudioOpener(h.audioConfig(), log), OnChange: onChange, OnIncoming: onIncoming,
			P2P: p2p, IsContact: func(id int64) bool {
				return slices.ContainsFunc(contacts, func(c account.Contact) bool { return c.ID == id })
			},
			Logger: log,
		})
		m.Attach(acct)
		if err := m.LoadConfig(ctx); err != nil {
			return err
		}
		return body(ctx, acct, m)
	})
}

// stopGrace bounds how long a stopped command's connection stays for its
// call's hang-up.
const stopGrace = 5 * time.Second

func parseP2P(s string) (calling.P2PPolicy, error) {
	switch s {
	case "everyone", "":
		return calling.P2PEveryone, nil
	case "contacts":
		return calling.P2PContacts, nil
	case "nobody":
		return calling.P2PNobody, nil
	}
	return 0, fmt.Errorf("--p2p %q: want everyone, contacts or nobody", s)
}

// audioConfig maps the audio flags to virtual devices: a tone, a WAV file
// or silence in; a WAV recording or nothing out.
func (h *headless) audioConfig() audio.Config {
	cfg := audio.Config{Input: h.input, Output: "null", Ring: "null"}
	if cfg.Input == "" {
		cfg.Input = "silence"
	}
	if h.record != "" {
		cfg.Output = "wav:" + h.record
	}
	return cfg
}

func signIn(ctx context.Context, acct *account.Client, phone, code, password string) (*tg.User, error) {
	if u := acct.Self(); u != nil {
		return u, nil
	}
	req, err := acct.SendCode(ctx, phone)
	if err != nil {
		return nil, err
	}
	if code == "" {
		c, ok := account.TestNumberCode(phone)
		if !ok {
			return nil, errors.New("--code is required for this phone number (the sandbox logs it)")
		}
		code = c
	}
	u, err := acct.SignIn(ctx, req, code)
	if errors.Is(err, account.ErrPasswordNeeded) {
		if password == "" {
			return nil, errors.New("this account has a 2FA password: pass --password")
		}
		u, err = acct.CheckPassword(ctx, password)
	}
	return u, err
}

// callPrinter prints state changes, and the keys once they are agreed.
type callPrinter struct {
	h         *headless
	mu        sync.Mutex
	keysShown bool
	reached   bool // the call became active at some point
	last      calling.State
	notice    string // the audio device notice last printed
	noAudio   bool   // the no-audio state last printed
}

func (p *callPrinter) onChange(s calling.Snapshot) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if s.State != p.last {
		p.last = s.State
		p.h.emit("state", map[string]any{"state": s.State.String(), "call_id": s.ID, "peer": s.Peer.Name()})
	}
	if !p.keysShown && s.Emoji[0] != "" && s.State >= calling.StateConnecting {
		p.keysShown = true
		p.h.emit("keys", map[string]any{"emoji": s.Emoji[:], "key_fingerprint": fmt.Sprintf("%016x", uint64(s.KeyFingerprint)),
			"library_version": s.LibraryVersion})
	}
	if s.AudioNotice != p.notice {
		p.notice = s.AudioNotice
		p.h.emit("audio", map[string]any{"notice": s.AudioNotice})
	}
	if s.NoAudio != p.noAudio && !s.State.Terminal() {
		p.noAudio = s.NoAudio
		p.h.emit("audio", map[string]any{"no_audio_from_peer": s.NoAudio})
	}
	if s.State == calling.StateActive {
		p.reached = true
	}
}

// finish prints the last line and turns the outcome into the exit status.
func (p *callPrinter) finish(c *calling.Call) error {
	s := c.Snapshot()
	p.h.emit("ended", map[string]any{"state": s.State.String(), "error": calling.ErrorCode(s.Err),
		"message": s.Message(), "duration_s": int(s.Duration.Seconds()), "need_rating": s.NeedRating})
	p.mu.Lock()
	ok := p.reached && s.State == calling.StateEnded && s.Err == nil
	p.mu.Unlock()
	if !ok {
		return &exitError{code: 1}
	}
	return nil
}

// hangUpAfter hangs up once the call has been active for d, printing the
// media statistics of the call first.
func (h *headless) hangUpAfter(ctx context.Context, c *calling.Call, d time.Duration) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			c.Hangup()
			return
		case <-c.Done():
			return
		case <-tick.C:
			s := c.Snapshot()
			if !s.ActiveSince.IsZero() && time.Since(s.ActiveSince) >= d {
				st := s.Stats
				h.emit("stats", map[string]any{"path": st.Path, "library_version": st.LibraryVersion,
					"send_bitrate": st.SendBitrate, "recv_bitrate": st.RecvBitrate, "send_loss": st.SendLoss,
					"recv_loss": st.RecvLoss, "rtt_ms": st.RTT.Milliseconds(), "jitter_ms": st.Jitter.Milliseconds(),
					"packets_sent": st.PacketsSent, "packets_recv": st.PacketsRecv, "packets_dropped": st.PacketsDropped,
					"concealed_samples": st.Audio.ConcealedSamples, "total_samples": st.Audio.TotalSamplesReceived})
				c.Hangup()
				return
			}
		}
	}
}

func runCall(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	h := &headless{out: stdout, start: time.Now()}
	var to string
	fs := h.flags("call", stderr)
	fs.StringVar(&to, "to", "", "who to call: @username or +phone")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if to == "" {
		return errors.New("--to is required")
	}
	p := &callPrinter{h: h}
	return h.session(ctx, stderr, p.onChange, nil, func(ctx context.Context, acct *account.Client, m *calling.Manager) error {
		peer, err := acct.Resolve(ctx, to)
		if err != nil {
			h.emit("ended", map[string]any{"state": "failed", "error": "not_found", "message": "Nobody matches " + to + "."})
			return &exitError{code: 1}
		}
		c, err := m.Dial(peer)
		if err != nil {
			return err
		}
		h.hangUpAfter(ctx, c, h.duration)
		<-c.Done()
		return p.finish(c)
	})
}

func runAnswer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	h := &headless{out: stdout, start: time.Now()}
	fs := h.flags("answer", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	p := &callPrinter{h: h}
	incoming := make(chan *calling.Call, 1)
	onIncoming := func(c *calling.Call) {
		select {
		case incoming <- c:
		default:
		}
	}
	return h.session(ctx, stderr, p.onChange, onIncoming, func(ctx context.Context, acct *account.Client, m *calling.Manager) error {
		h.emit("waiting", nil)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case c := <-incoming:
			s := c.Snapshot()
			h.emit("incoming", map[string]any{"call_id": s.ID, "from": s.Peer.Name(), "from_id": s.Peer.ID})
			c.Answer()
			h.hangUpAfter(ctx, c, h.duration)
			<-c.Done()
			return p.finish(c)
		}
	})
}
