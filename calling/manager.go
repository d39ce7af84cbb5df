package calling

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/crypto"
	"github.com/tgphone/tgphone/media"
)

// Timeouts come from help.getConfig (spec §2.8); these are the clients' defaults.
type Timeouts struct {
	Receive, Ring, Connect, Packet time.Duration
	// Hangup bounds the wait for phone.discardCall (tdesktop's kHangupTimeoutMs).
	Hangup time.Duration
}

// DefaultTimeouts are used until the server's config arrives.
var DefaultTimeouts = Timeouts{Receive: 20 * time.Second, Ring: 90 * time.Second,
	Connect: 30 * time.Second, Packet: 10 * time.Second, Hangup: 5 * time.Second}

// P2PPolicy is the user's peer-to-peer setting.
type P2PPolicy int

const (
	P2PEveryone P2PPolicy = iota
	P2PContacts
	P2PNobody // relay only: hides the user's IP address from the peer
)

// AudioSession is the audio engine for one call, as opened by Config.OpenAudio.
type AudioSession interface {
	media.AudioPort
	SetMuted(bool)
	Close() error
}

// AudioOpenFunc opens one call's audio; the session reports what happens to
// its devices (unplugged, fallen back, no microphone) through onDevice.
type AudioOpenFunc func(ctx context.Context, onDevice func(audio.Event)) (AudioSession, error)

// Config wires a Manager to its account and engines.
type Config struct {
	// API reaches Telegram (account.Client.API()).
	API *tg.Client
	// SelfID is the signed-in user.
	SelfID int64
	// Engines maps negotiated library versions to media engines.
	Engines map[string]media.Factory
	// Versions are the library versions advertised, most preferred first.
	Versions []string
	// OpenAudio opens the audio engine for a call; it may return a session that
	// is receive-only (no microphone) rather than an error.
	OpenAudio AudioOpenFunc
	P2P       P2PPolicy
	// IsContact tells P2PContacts who is a contact; nil treats nobody as one.
	IsContact func(userID int64) bool
	// OnIncoming is called for each new incoming call. It must not block.
	OnIncoming func(*Call)
	// OnTurnedAway is called for each incoming call answered busy without
	// ringing (already in a call, or do not disturb): for the app to list
	// it as missed. It must not block.
	OnTurnedAway func(TurnedAway)
	// OnChange is called after every state, mute or key change of any call. It must not block.
	OnChange func(Snapshot)
	Logger   *slog.Logger
	Rand     io.Reader
	// CallLogDir, when set, keeps a log file per call there (calllog.go),
	// the newest MaxCallLogs of them.
	CallLogDir string
	// Line, when set, is shared with the managers of the app's other
	// accounts: one call at a time across all of them (line.go).
	Line *Line
}

// Manager owns the calls of one account: it places calls, routes the
// server's updates to them and turns away a second call while one is live.
type Manager struct {
	cfg Config
	log *slog.Logger
	dh  crypto.DHCache

	mu       sync.Mutex
	timeouts Timeouts
	calls    map[int64]*Call // by call id
	pending  *Call           // outgoing call whose id requestCall has not returned yet
	live     *Call           // the one non-terminal call
	orphans  []orphan        // discards that overtook requestCall's answer
	// apply feeds the Updates some phone.* methods answer with to the
	// account (account.Client.ApplyUpdates); set by Attach.
	apply func(context.Context, tg.UpdatesClass) error
	acct  *account.Client
	// p2pNext is a P2P policy set while a call was live: it takes over
	// cfg.P2P when that call ends, so a call never sees it change midway.
	p2pNext *P2PPolicy
	dnd     bool // SetDoNotDisturb
}

// TurnedAway is an incoming call answered busy without ringing.
type TurnedAway struct {
	CallID int64
	Peer   account.Contact
	Date   time.Time
	Why    string // TurnedAwayInCall or TurnedAwayDoNotDisturb
}

// Why an incoming call was turned away.
const (
	TurnedAwayInCall       = "in_call"
	TurnedAwayDoNotDisturb = "do_not_disturb"
)

// SetDoNotDisturb makes incoming calls be declined as busy at once instead
// of ringing (reported through Config.OnTurnedAway), or ring again.
func (m *Manager) SetDoNotDisturb(on bool) {
	m.mu.Lock()
	m.dnd = on
	m.mu.Unlock()
}

// NewManager builds a Manager; call Attach to receive updates.
func NewManager(cfg Config) *Manager {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	return &Manager{cfg: cfg, log: cfg.Logger, timeouts: DefaultTimeouts, calls: map[int64]*Call{}}
}

// Attach routes the account's phone updates to this manager.
func (m *Manager) Attach(c *account.Client) {
	c.OnPhoneCall(func(u account.PhoneCallUpdate) { m.HandlePhoneCall(u.Call, u.Users) })
	c.OnSignaling(func(u account.SignalingUpdate) { m.HandleSignaling(u.CallID, u.Data) })
	m.mu.Lock()
	m.apply, m.acct = c.ApplyUpdates, c
	m.mu.Unlock()
}

// LoadConfig reads the call timeouts from help.getConfig.
func (m *Manager) LoadConfig(ctx context.Context) error {
	cfg, err := m.cfg.API.HelpGetConfig(ctx)
	if err != nil {
		return fmt.Errorf("get config: %w", err)
	}
	t := DefaultTimeouts
	ms := func(v int, def time.Duration) time.Duration {
		if v <= 0 {
			return def
		}
		return time.Duration(v) * time.Millisecond
	}
	t.Receive = ms(cfg.CallReceiveTimeoutMs, t.Receive)
	t.Ring = ms(cfg.CallRingTimeoutMs, t.Ring)
	t.Connect = ms(cfg.CallConnectTimeoutMs, t.Connect)
	t.Packet = ms(cfg.CallPacketTimeoutMs, t.Packet)
	m.mu.Lock()
	m.timeouts = t
	m.mu.Unlock()
	return nil
}

// Timeouts in force.
func (m *Manager) Timeouts() Timeouts {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.timeouts
}

// Live is the call in progress, if any.
func (m *Manager) Live() *Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.live
}

// Dial places a call to peer.
func (m *Manager) Dial(peer account.Contact) (*Call, error) {
	m.mu.Lock()
	if m.live != nil || !m.cfg.Line.take(m) {
		m.mu.Unlock()
		return nil, fmt.Errorf("call %s: %w", peer.Name(), ErrInCall)
	}
	c := newCall(m, peer, true)
	m.live, m.pending = c, c
	m.mu.Unlock()
	go c.run()
	c.post(input{Event: Event{Kind: EvDial}})
	return c, nil
}

func (m *Manager) protocol() *tg.PhoneCallProtocol {
	// min/max layer are libtgvoip leftovers every client sends as 65/92 (spec §2.3).
	return &tg.PhoneCallProtocol{UDPP2P: true, UDPReflector: true, MinLayer: 65, MaxLayer: 92,
		LibraryVersions: append([]string(nil), m.cfg.Versions...)}
}

// negotiated is the version to run: the server's library_versions[0], or
// "2.4.4" when it lists none. Both ends must run the same one, and Telegram
// Desktop (Call::createAndStartController: value(0, kDefaultVersion)) and
// Android (makeInstance(library_versions.get(0))) take the first entry
// whatever else the list holds; a version we have no engine for ends the
// call (ErrNoEngine), as tdesktop ends it, rather than running another one
// the peer will not run.
func (m *Manager) negotiated(p tg.PhoneCallProtocol) string {
	if len(p.LibraryVersions) > 0 {
		return p.LibraryVersions[0]
	}
	return "2.4.4"
}

// dhConfig fetches (or revalidates from cache) the DH parameters and the server's random.
func (m *Manager) dhConfig(ctx context.Context) (crypto.DHConfig, []byte, error) {
	res, err := m.cfg.API.MessagesGetDhConfig(ctx, &tg.MessagesGetDhConfigRequest{Version: m.dh.Version(), RandomLength: 256})
	if err != nil {
		return crypto.DHConfig{}, nil, fmt.Errorf("get dh config: %w", err)
	}
	switch r := res.(type) {
	case *tg.MessagesDhConfig:
		cfg, err := m.dh.Update(r.Version, r.G, r.P)
		if err != nil {
			return crypto.DHConfig{}, nil, fmt.Errorf("dh config: %w: %w", ErrEncryption, err)
		}
		return cfg, r.Random, nil
	case *tg.MessagesDhConfigNotModified:
		cfg, err := m.dh.Current()
		if err != nil {
			return crypto.DHConfig{}, nil, fmt.Errorf("dh config not modified: %w", err)
		}
		return cfg, r.Random, nil
	}
	return crypto.DHConfig{}, nil, fmt.Errorf("get dh config: unexpected answer %T", res)
}

func (m *Manager) randomID() int32 {
	var b [4]byte
	if _, err := io.ReadFull(m.cfg.Rand, b[:]); err != nil {
		return int32(time.Now().UnixNano())
	}
	return int32(binary.LittleEndian.Uint32(b[:]))
}

// HandlePhoneCall routes one updatePhoneCall. It never blocks.
func (m *Manager) HandlePhoneCall(pc tg.PhoneCallClass, users map[int64]*tg.User) {
	if pc == nil {
		return
	}
	if req, ok := pc.(*tg.PhoneCallRequested); ok {
		m.incoming(req, users)
		return
	}
	id := pc.GetID()
	m.mu.Lock()
	c := m.calls[id]
	if c == nil && m.pending != nil {
		if adminOf(pc) == m.cfg.SelfID {
			// The update overtook requestCall's answer: it belongs to our pending call.
			c = m.pending
		} else if adminOf(pc) == 0 {
			// A discard carries only the call id, so it cannot be matched to
			// the pending call yet: keep it until requestCall's answer names it.
			m.keepOrphan(pc)
			m.mu.Unlock()
			return
		}
	}
	m.mu.Unlock()
	if c == nil {
		m.log.Debug("update for unknown call ignored", "call_id", id, "type", fmt.Sprintf("%T", pc))
		return
	}
	c.post(input{Event: eventFor(pc), pc: pc})
}

func adminOf(pc tg.PhoneCallClass) int64 {
	switch pc := pc.(type) {
	case *tg.PhoneCallWaiting:
		return pc.AdminID
	case *tg.PhoneCallAccepted:
		return pc.AdminID
	case *tg.PhoneCall:
		return pc.AdminID
	}
	return 0
}

func eventFor(pc tg.PhoneCallClass) Event {
	switch pc := pc.(type) {
	case *tg.PhoneCallWaiting:
		if _, ok := pc.GetReceiveDate(); ok {
			return Event{Kind: EvReceived}
		}
		return Event{Kind: EvRequested}
	case *tg.PhoneCallAccepted:
		return Event{Kind: EvAccepted}
	case *tg.PhoneCall:
		return Event{Kind: EvConfirmed}
	case *tg.PhoneCallDiscarded:
		return Event{Kind: EvDiscarded, Reason: reasonOf(pc.Reason)}
	}
	return Event{Kind: EvGone}
}

func reasonOf(r tg.PhoneCallDiscardReasonClass) Reason {
	switch r.(type) {
	case *tg.PhoneCallDiscardReasonMissed:
		return ReasonMissed
	case *tg.PhoneCallDiscardReasonDisconnect:
		return ReasonDisconnect
	case *tg.PhoneCallDiscardReasonHangup:
		return ReasonHangup
	case *tg.PhoneCallDiscardReasonBusy:
		return ReasonBusy
	case *tg.PhoneCallDiscardReasonMigrateConferenceCall:
		return ReasonMigrate
	}
	return ReasonNone
}

func reasonTL(r Reason) tg.PhoneCallDiscardReasonClass {
	switch r {
	case ReasonMissed:
		return &tg.PhoneCallDiscardReasonMissed{}
	case ReasonBusy:
		return &tg.PhoneCallDiscardReasonBusy{}
	case ReasonDisconnect:
		return &tg.PhoneCallDiscardReasonDisconnect{}
	}
	return &tg.PhoneCallDiscardReasonHangup{}
}

func (m *Manager) incoming(req *tg.PhoneCallRequested, users map[int64]*tg.User) {
	log := m.log.With("call_id", req.ID, "peer_id", req.AdminID)
	if req.ParticipantID != m.cfg.SelfID || req.AdminID == m.cfg.SelfID {
		log.Warn("incoming call not addressed to us ignored")
		return
	}
	peer := account.Contact{ID: req.AdminID}
	if u := users[req.AdminID]; u != nil {
		peer = account.ContactFromUser(u)
	}
	in := &tg.InputPhoneCall{ID: req.ID, AccessHash: req.AccessHash}
	// One lock section decides and takes the live slot, so a Dial or a
	// second incoming call in between cannot leave two live calls.
	m.mu.Lock()
	_, known := m.calls[req.ID]
	var turnedAway string
	switch {
	case known:
		m.mu.Unlock()
		return // duplicate (e.g. from getDifference)
	case time.Unix(int64(req.Date), 0).Add(m.timeouts.Ring).Before(time.Now()):
		m.mu.Unlock()
		log.Info("stale incoming call ignored")
		return
	case len(req.GAHash) != 32:
		m.mu.Unlock()
		log.Warn("incoming call with malformed g_a_hash refused", "len", len(req.GAHash))
		go m.discardDirect(in, ReasonDisconnect, log)
		return
	case m.live != nil:
		turnedAway = TurnedAwayInCall
	case m.dnd:
		turnedAway = TurnedAwayDoNotDisturb
	case !m.cfg.Line.take(m):
		turnedAway = TurnedAwayInCall // another account's call
	}
	if turnedAway != "" {
		m.mu.Unlock()
		log.Info("incoming call answered busy", "why", turnedAway)
		go m.discardDirect(in, ReasonBusy, log)
		if f := m.cfg.OnTurnedAway; f != nil {
			f(TurnedAway{CallID: req.ID, Peer: peer, Date: time.Unix(int64(req.Date), 0), Why: turnedAway})
		}
		return
	}
	c := newCall(m, peer, false)
	c.log = c.log.With("call_id", req.ID)
	c.id, c.accessHash = req.ID, req.AccessHash
	c.snap.ID = req.ID
	c.gaHash = append([]byte(nil), req.GAHash...)
	c.date = req.Date
	m.calls[req.ID] = c
	m.live = c
	m.mu.Unlock()
	go c.run()
	c.post(input{Event: Event{Kind: EvIncoming}, pc: req})
	if m.cfg.OnIncoming != nil {
		m.cfg.OnIncoming(c)
	}
}

func (m *Manager) discardDirect(in *tg.InputPhoneCall, r Reason, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), m.Timeouts().Hangup)
	defer cancel()
	if _, err := m.cfg.API.PhoneDiscardCall(ctx, &tg.PhoneDiscardCallRequest{Peer: *in, Reason: reasonTL(r)}); err != nil {
		log.Warn("discard call failed", "err", err)
	}
}

// HandleSignaling routes updatePhoneCallSignalingData to its call's engine.
func (m *Manager) HandleSignaling(callID int64, data []byte) {
	m.mu.Lock()
	c := m.calls[callID]
	m.mu.Unlock()
	if c == nil {
		m.log.Debug("signalling for unknown call ignored", "call_id", callID)
		return
	}
	c.receiveSignaling(data)
}

// adopt records the id of a pending outgoing call once the server assigned it.
func (m *Manager) adopt(c *Call, id int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls[id] = c
	if m.pending == c {
		m.pending = nil
	}
	kept := m.orphans[:0]
	for _, o := range m.orphans {
		if o.pc.GetID() == id {
			c.post(input{Event: eventFor(o.pc), pc: o.pc})
		} else {
			kept = append(kept, o)
		}
	}
	m.orphans = kept
}

// orphan is an update for a call id not known yet.
type orphan struct {
	pc tg.PhoneCallClass
	at time.Time
}

// maxOrphans bounds what a flood of updates for unknown calls can hold.
const maxOrphans = 16

// keepOrphan holds pc for adopt, dropping old ones. Caller holds mu.
func (m *Manager) keepOrphan(pc tg.PhoneCallClass) {
	now := time.Now()
	kept := m.orphans[:0]
	for _, o := range m.orphans {
		if now.Sub(o.at) < m.timeouts.Receive {
			kept = append(kept, o)
		}
	}
	m.orphans = append(kept, orphan{pc: pc, at: now})
	if len(m.orphans) > maxOrphans {
		m.orphans = m.orphans[len(m.orphans)-maxOrphans:]
	}
}

// finished releases the live slot. The id stays known for a ring timeout so
// late duplicates of its updates are recognised, then it is forgotten.
func (m *Manager) finished(c *Call) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.live == c {
		m.live = nil
		m.cfg.Line.release(m)
		if m.p2pNext != nil {
			m.cfg.P2P, m.p2pNext = *m.p2pNext, nil
		}
	}
	if m.pending == c {
		m.pending = nil
	}
	id := c.callID()
	time.AfterFunc(m.timeouts.Ring, func() {
		m.mu.Lock()
		if m.calls[id] == c {
			delete(m.calls, id)
		}
		m.mu.Unlock()
	})
}
