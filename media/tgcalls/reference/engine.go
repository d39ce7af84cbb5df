package reference

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/transport/v4"
	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/internal/polltimer"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/dtlsrtx"
	"github.com/tgphone/tgphone/media/tgcalls/internal/housekeep"
	"github.com/tgphone/tgphone/media/tgcalls/internal/lifecycle"
	"github.com/tgphone/tgphone/media/tgcalls/internal/mediastate"
	"github.com/tgphone/tgphone/media/tgcalls/internal/pionmedia"
	"github.com/tgphone/tgphone/media/tgcalls/internal/sigpump"
	"github.com/tgphone/tgphone/media/tgcalls/signaling"
	"github.com/tgphone/tgphone/media/tgcalls/sigsctp"
)

// Versions are the library versions of tgcalls' InstanceV2ReferenceImpl,
// which this engine speaks: 10.0.0 frames its signalling reliably, 11.0.0
// over SCTP (sigsctp.ForVersion); the JSON and the media are the same.
var Versions = []string{"10.0.0", "11.0.0"}

// Supports reports whether v is one of Versions.
func Supports(v string) bool { return slices.Contains(Versions, v) }

// Sentinel errors an Event may carry with StateFailed.
var (
	ErrConnectTimeout  = errors.New("reference: no media connection within the connect timeout")
	ErrPacketTimeout   = errors.New("reference: nothing heard from the peer within the packet timeout")
	ErrTransportFailed = errors.New("reference: ICE/DTLS transport failed")
	ErrUnsupported     = errors.New("reference: library version not implemented by this engine")
)

const (
	opusPayloadType = 111 // libwebrtc's, and what tgcalls' offers use
	// streamID and trackID are what tgcalls names its audio (a=msid:0 0).
	streamID = "0"
	trackID  = "0"
	// frame is libwebrtc's Opus packet time for a PeerConnection audio
	// sender: tgcalls' reference implementation sends 20 ms frames.
	frame = 20 * time.Millisecond
	// sendBitrate is tgcalls' cap for the audio sender (max_bitrate_bps =
	// 32·1024), within what media.EncoderConfig allows.
	sendBitrate = 32000
	maxPending  = 64 // remote candidates held before a remote description
	tick        = 250 * time.Millisecond
	// ICE: reconnecting after 3 s without a packet, failed after 20 s (as
	// tgcalls' check-connection timer). Liveness is the transport's, never
	// the audio's: a muted peer sends no RTP.
	iceDisconnected = 3 * time.Second
	iceFailed       = 20 * time.Second
)

// Engine is one call's media on tgcalls' reference implementation: a pion
// PeerConnection whose offers, answers and candidates travel as JSON over
// the encrypted signalling.
type Engine struct {
	p   media.Params
	log *slog.Logger
	net transport.Net // tests: a pion vnet instead of the host network

	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	sig      *sigpump.Pump // reliable (10.0.0) or SCTP (11.0.0), read by sigLoop
	keep     *housekeep.Keeper
	ms       *mediastate.State // our MediaState on the data channel, and the peer's
	pcClosed chan struct{}

	mu           sync.Mutex
	sendMu       sync.Mutex // held across a packet's write (pionmedia.Sender.Mu) and by SetMuted
	st           lifecycle.State
	closing      bool // no more goroutines may start
	startedAt    time.Time
	muted        bool
	described    bool                      // our first description is out
	early        []webrtc.ICECandidateInit // local candidates gathered before it
	pc           *webrtc.PeerConnection
	track        *webrtc.TrackLocalStaticRTP
	ssrc         uint32
	teardownOnce sync.Once

	// Owned by sigLoop (negotiation runs on that goroutine only).
	pending    []webrtc.ICECandidateInit // the peer's, before its description
	sendAdded  bool                      // our audio transceiver exists
	wantOffer  bool                      // an offer of ours is due
	deferred   string                    // a colliding offer, for after ours is answered
	lastOffer  string                    // the peer's last applied offer (cleaned)
	senderLive atomic.Bool               // an answer accepted our audio

	stats pionmedia.Counters
	hooks hooks
}

// hooks let tests see the JSON messages as they are sent and handled.
type hooks struct {
	sent    func(msg []byte)
	handled func(msg []byte)
}

// New builds an engine for one call; nothing touches the network before Start.
func New(p media.Params) (media.Engine, error) { return newEngine(p, nil, hooks{}) }

func newEngine(p media.Params, n transport.Net, h hooks) (*Engine, error) {
	if !Supports(p.LibraryVersion) {
		return nil, fmt.Errorf("%w: %q", ErrUnsupported, p.LibraryVersion)
	}
	if p.Audio == nil || p.SendSignaling == nil {
		return nil, errors.New("reference: Params.Audio and Params.SendSignaling are required")
	}
	logger := p.Logger
	if logger == nil {
		logger = slog.Default()
	}
	log := logger.With("engine", "tgcalls-reference", "version", p.LibraryVersion)
	sig, err := sigsctp.ForVersion(p.LibraryVersion, p.Key, p.Outgoing, signaling.ParseCustomParameters(p.CustomParameters),
		sigsctp.Config{LoggerFactory: pionmedia.Logs{Log: log.With("part", "signalling")}, Name: "signalling"})
	if err != nil {
		return nil, fmt.Errorf("reference signalling: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{
		p: p, log: log, net: n, ctx: ctx, cancel: cancel,
		pcClosed: make(chan struct{}), hooks: h,
	}
	e.sig = sigpump.New(sig, p.SendSignaling, log, &e.stats.Rejects)
	e.keep = e.keeper()
	e.ms = &mediastate.State{Log: log, Heard: e.stats.Heard, Changed: e.reportState}
	return e, nil
}

// begin: Start builds the PeerConnection, and offer/answer runs beside ICE
// and DTLS, all of it connecting.
const begin = lifecycle.Begin(lifecycle.Connecting)

// fire runs one transition and executes its actions.
func (e *Engine) fire(ev lifecycle.Event, cause error) {
	for _, a := range begin.Fire(&e.mu, &e.st, ev, e.log) {
		if rep, ok := a.Report(cause); ok {
			e.emit(rep)
			continue
		}
		switch a {
		case lifecycle.Setup:
			if err := e.build(); err != nil {
				if e.ctx.Err() == nil {
					e.fail(fmt.Errorf("start reference engine: %w", err))
				}
				return
			}
		case lifecycle.StartMedia:
			e.p.Audio.SetEncoder(media.EncoderConfig{FrameDuration: frame, Bitrate: sendBitrate, FEC: true, PacketLossPct: 5})
			e.goroutine(e.sendAudio)
		case lifecycle.Teardown:
			e.teardown()
		}
	}
}

func (e *Engine) fail(err error) {
	if e.ctx.Err() != nil {
		// Closed under us: pion's error is only about that.
		e.log.Debug("stopped by close", "err", err)
		return
	}
	e.log.Warn("reference engine failed", "err", err)
	e.fire(lifecycle.Fail, err)
}

func (e *Engine) emit(ev media.Event) {
	if e.p.OnEvent != nil {
		e.p.OnEvent(e.keep.Event(ev))
	}
}

// goroutine runs f on a goroutine Close waits for, unless Close has begun.
func (e *Engine) goroutine(f func()) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closing {
		return false
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		f()
	}()
	return true
}

// Start builds the PeerConnection and begins signalling (the caller
// offers at once, as tgcalls' beginSignaling); progress arrives through
// Params.OnEvent.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.st != lifecycle.Idle {
		e.mu.Unlock()
		return errors.New("reference: Start called twice")
	}
	e.startedAt = time.Now()
	e.mu.Unlock()
	tk, err := polltimer.OnGrid(tick)
	if err != nil {
		return fmt.Errorf("reference: housekeeping timer: %w", err)
	}
	e.goroutine(func() { e.sig.SendLoop(e.ctx) })
	if !e.goroutine(func() { e.timerLoop(tk) }) {
		tk.Close()
	}
	e.emit(media.Event{State: media.StateConnecting})
	e.fire(lifecycle.Start, nil)
	e.goroutine(e.sigLoop)
	return ctx.Err()
}

// ReceiveSignaling takes updatePhoneCallSignalingData bytes; data that
// comes before Start waits for it.
func (e *Engine) ReceiveSignaling(data []byte) {
	e.sig.Deliver(data)
}

// build makes the PeerConnection as tgcalls configures its own: Unified
// Plan, max-bundle, rtcp-mux required, the call's STUN/TURN servers,
// relay-only without P2P. The caller creates the data channel "data" and
// its audio transceiver now; the callee adds its audio after answering.
func (e *Engine) build() error {
	pion, err := pionmedia.Setup{
		Log: e.log, Rejects: &e.stats.Rejects, Net: e.net,
		PayloadType: opusPayloadType, Servers: e.p.WebRTCServers, P2PAllowed: e.p.P2PAllowed,
		Disconnected: iceDisconnected, Failed: iceFailed,
	}.Pion()
	if err != nil {
		return err
	}
	// The DTLS role is set by the first answer and cannot change after the
	// handshake: libwebrtc fails a later remote answer that reverses it ("SSL
	// Role can't be reversed"), and tgcalls' callee would never get its own
	// audio negotiated. Its first answer says setup:active (libwebrtc's
	// default), so the caller is the DTLS server and answers the callee's
	// offers setup:passive, as tgcalls' caller does; the callee stays
	// active. pion would otherwise answer every actpass offer "active".
	answering := webrtc.DTLSRoleClient
	if e.p.Outgoing {
		answering = webrtc.DTLSRoleServer
	}
	if err := pion.Settings.SetAnsweringDTLSRole(answering); err != nil {
		return fmt.Errorf("dtls role: %w", err)
	}
	api := pion.API()
	pc, err := api.NewPeerConnection(webrtc.Configuration{
		ICEServers:         pionmedia.ICEServers(e.p.WebRTCServers),
		ICETransportPolicy: pion.Policy,
		BundlePolicy:       webrtc.BundlePolicyMaxBundle,
		RTCPMuxPolicy:      webrtc.RTCPMuxPolicyRequire,
	})
	if err != nil {
		return fmt.Errorf("peer connection: %w", err)
	}
	track, err := webrtc.NewTrackLocalStaticRTP(pionmedia.OpusCapability(), trackID, streamID)
	if err != nil {
		_ = pc.Close()
		return fmt.Errorf("audio track: %w", err)
	}
	e.mu.Lock()
	if e.closing { // Close ran while we built
		e.mu.Unlock()
		_ = pc.Close()
		return e.ctx.Err()
	}
	e.pc, e.track = pc, track
	e.mu.Unlock()

	pc.OnICECandidate(e.onLocalCandidate)
	pc.OnConnectionStateChange(e.onPCState)
	pc.OnTrack(e.onTrack)
	dtlsT := pc.SCTP().Transport()
	iceT := dtlsT.ICETransport()
	iceT.OnSelectedCandidatePairChange(func(p *webrtc.ICECandidatePair) {
		e.stats.SetPath(pionmedia.Path(p))
	})
	dtlsT.OnStateChange(func(s webrtc.DTLSTransportState) {
		// pion holds dtlsT's lock here: nothing of dtlsT may be called.
		if s == webrtc.DTLSTransportStateConnecting {
			e.setDTLSRetransmission(api, iceT)
		}
	})
	if !e.p.Outgoing {
		pc.OnDataChannel(func(dc *webrtc.DataChannel) { e.ms.Bind(dc) })
		return nil
	}
	dc, err := pc.CreateDataChannel(mediastate.Label, nil)
	if err != nil {
		return fmt.Errorf("data channel: %w", err)
	}
	e.ms.Bind(dc)
	return e.addSender()
}

// setDTLSRetransmission sets the DTLS handshake's first retransmission
// wait from the round trip ICE measured on the selected pair, as libwebrtc
// does when its ICE transport turns writable (package dtlsrtx), instead of
// pion's fixed 1 s. The PeerConnection's DTLS transport calls it as it
// starts, once ICE is connected, just before its handshake reads the wait
// from api's settings; pion offers no other moment to set it.
func (e *Engine) setDTLSRetransmission(api *webrtc.API, iceT *webrtc.ICETransport) {
	rtt := dtlsrtx.PairRTT(iceT)
	wait := dtlsrtx.FirstWait(rtt)
	if err := dtlsrtx.SetOnAPI(api, wait); err != nil {
		e.log.Warn("dtls handshake keeps pion's first retransmission after 1 s", "err", err)
		return
	}
	e.log.Debug("dtls handshake", "ice rtt", rtt, "first retransmission after", wait)
}

// addSender adds our audio as a sendrecv transceiver of its own (tgcalls'
// AddTransceiver: on the callee it becomes a new m-line).
func (e *Engine) addSender() error {
	tr, err := e.pc.AddTransceiverFromTrack(e.track, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendrecv})
	if err != nil {
		return fmt.Errorf("audio transceiver: %w", err)
	}
	sender := tr.Sender()
	if enc := sender.GetParameters().Encodings; len(enc) > 0 {
		e.mu.Lock()
		e.ssrc = uint32(enc[0].SSRC)
		e.mu.Unlock()
	}
	e.sendAdded = true
	e.goroutine(func() {
		pionmedia.ReadSenderRTCP(sender, &e.stats, func() uint32 {
			e.mu.Lock()
			defer e.mu.Unlock()
			return e.ssrc
		})
	})
	return nil
}

func (e *Engine) onPCState(s webrtc.PeerConnectionState) {
	e.log.Debug("peer connection state", "state", s.String())
	switch s {
	case webrtc.PeerConnectionStateConnected:
		e.stats.Heard(time.Now())
		e.fire(lifecycle.TransportUp, nil)
	case webrtc.PeerConnectionStateDisconnected:
		// Nothing came for iceDisconnected: that is when the quiet began.
		e.stats.HeardAt(time.Now().Add(-iceDisconnected))
		e.fire(lifecycle.PathLost, nil)
	case webrtc.PeerConnectionStateFailed:
		e.fire(lifecycle.Fail, fmt.Errorf("%w: peer connection failed", ErrTransportFailed))
	}
}

// onLocalCandidate trickles a gathered candidate as tgcalls does:
// {"@type":"candidate","sdp":"candidate:…","mid":"0","mline":0}; with
// max-bundle every candidate belongs to the first m-line. Candidates
// gathered before our first description wait for it.
func (e *Engine) onLocalCandidate(c *webrtc.ICECandidate) {
	if c == nil {
		return
	}
	init := c.ToJSON()
	e.mu.Lock()
	if !e.described {
		e.early = append(e.early, init)
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	e.sendCandidate(init)
}

func (e *Engine) sendCandidate(c webrtc.ICECandidateInit) {
	m := candidate{Type: typeCandidate, SDP: c.Candidate, Mid: "0"}
	if c.SDPMid != nil && *c.SDPMid != "" {
		m.Mid = *c.SDPMid
	}
	if c.SDPMLineIndex != nil {
		m.MLine = int(*c.SDPMLineIndex)
	}
	e.sendMsg(marshal(m))
}

func (e *Engine) sendDescription(typ, sdp string) {
	e.sendMsg(marshal(description{Type: typ, SDP: sdp}))
	e.mu.Lock()
	first := !e.described
	e.described = true
	early := e.early
	e.early = nil
	e.mu.Unlock()
	if first {
		for _, c := range early {
			e.sendCandidate(c)
		}
	}
}

// sigLoop is the one goroutine that reads the signalling transport and
// negotiates: the peer's messages are handled one at a time, in order.
func (e *Engine) sigLoop() {
	e.mu.Lock()
	ready := e.pc != nil
	e.mu.Unlock()
	if !ready {
		return // build failed or Close came first
	}
	if e.p.Outgoing {
		e.offer() // tgcalls' caller offers as soon as signalling begins
	}
	e.sig.Run(e.ctx, e.handle)
}

// sendMsg frames one JSON message on the signalling transport.
func (e *Engine) sendMsg(data []byte) {
	if e.hooks.sent != nil {
		e.hooks.sent(data)
	}
	e.sig.Send(data)
}

// handle processes one decrypted JSON message (on sigLoop).
func (e *Engine) handle(data []byte) {
	m, err := parseMessage(data)
	if err != nil {
		if errors.Is(err, errUnknownType) || errors.Is(err, signaling.ErrUnknownType) {
			e.log.Debug("ignore signalling message", "err", err)
			return
		}
		e.stats.Rejects.Add(e.log, "signalling message", "err", err)
		return
	}
	if e.hooks.handled != nil {
		e.hooks.handled(data)
	}
	switch m := m.(type) {
	case *description:
		if m.Type == typeOffer {
			e.onOffer(m.SDP)
		} else {
			e.onAnswer(m.SDP)
		}
	case *candidate:
		e.onRemoteCandidate(m)
	case *signaling.MediaState:
		e.ms.SetRemoteMuted(m.Muted)
	}
}

// offer sends our offer if the connection is stable, else keeps it due.
func (e *Engine) offer() {
	if e.pc.SignalingState() != webrtc.SignalingStateStable {
		e.wantOffer = true
		return
	}
	o, err := e.pc.CreateOffer(nil)
	if err == nil {
		err = e.pc.SetLocalDescription(o)
	}
	if err != nil {
		e.fail(fmt.Errorf("local offer: %w", err))
		return
	}
	e.wantOffer = false
	e.sendDescription(typeOffer, o.SDP)
}

// onOffer answers the peer's offer. Glare as tgcalls 92640c4 resolves it:
// the caller ignores an offer that collides with its own. The callee
// would roll its own offer back, which pion's PeerConnection cannot do; it
// keeps the peer's offer and applies it once its own is answered. A copy
// of the offer already applied (tgcalls' caller sends its first offer
// twice) is dropped.
func (e *Engine) onOffer(sdp string) {
	clean, dropped, err := cleanSDP(sdp)
	if err != nil {
		e.stats.Rejects.Add(e.log, "offer", "err", err)
		return
	}
	if dropped > 0 {
		e.log.Debug("offer: candidates on names dropped", "count", dropped)
	}
	if e.lastOffer != "" && sameOffer(clean, e.lastOffer) {
		e.log.Debug("offer: a copy of the one already answered")
		return
	}
	if e.pc.SignalingState() == webrtc.SignalingStateHaveLocalOffer {
		if e.p.Outgoing {
			e.log.Debug("offer collides with ours: ignored (caller)")
			return
		}
		e.log.Debug("offer collides with ours: kept for after our answer (callee)")
		e.deferred = clean
		return
	}
	e.applyOffer(clean)
}

func (e *Engine) applyOffer(clean string) {
	if err := e.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: clean}); err != nil {
		e.stats.Rejects.Add(e.log, "offer", "err", err)
		return
	}
	e.lastOffer = clean
	e.commitCandidates()
	a, err := e.pc.CreateAnswer(nil)
	if err == nil {
		err = e.pc.SetLocalDescription(a)
	}
	if err != nil {
		e.fail(fmt.Errorf("local answer: %w", err))
		return
	}
	e.sendDescription(typeAnswer, a.SDP)
	if !e.sendAdded {
		// tgcalls' callee: its audio transceiver was not matched to the
		// caller's m-line, so a second round offers it.
		if err := e.addSender(); err != nil {
			e.fail(err)
			return
		}
		e.wantOffer = true
	}
	if e.wantOffer {
		e.offer()
	}
}

func (e *Engine) onAnswer(sdp string) {
	if e.pc.SignalingState() != webrtc.SignalingStateHaveLocalOffer {
		// tgcalls re-sends an answer when a copy of our offer crossed it.
		e.log.Debug("answer without an offer of ours: ignored")
		return
	}
	clean, _, err := cleanSDP(sdp)
	if offer := e.pc.PendingLocalDescription(); err == nil && offer != nil && !slices.Equal(mids(clean), mids(offer.SDP)) {
		// JSEP: an answer has the offer's m-lines, in order. pion takes
		// one that does not and leaves our audio unnegotiated.
		err = fmt.Errorf("answer's mids %q do not match our offer's %q", mids(clean), mids(offer.SDP))
	}
	if err == nil {
		err = e.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: clean})
	}
	if err != nil {
		e.stats.Rejects.Add(e.log, "answer", "err", err)
		return
	}
	if e.sendAdded {
		e.senderLive.Store(true)
	}
	e.commitCandidates()
	if d := e.deferred; d != "" {
		e.deferred = ""
		// An offer made before the peer saw ours lacks the m-lines ours
		// added: stale. A peer that answered ours and still wants its
		// change offers again.
		if local := e.pc.CurrentLocalDescription(); local != nil && containsAll(mids(d), mids(local.SDP)) && !sameOffer(d, e.lastOffer) {
			e.applyOffer(d)
			return
		}
		e.log.Debug("colliding offer dropped: stale or a copy")
	}
	if e.wantOffer {
		e.offer()
	}
}

// containsAll reports whether every element of want is in have.
func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

func (e *Engine) onRemoteCandidate(c *candidate) {
	if err := checkCandidate(c.SDP); err != nil {
		if !errors.Is(err, errNotIP) {
			e.stats.Rejects.Add(e.log, "candidate", "err", err)
		}
		return
	}
	mline := uint16(c.MLine)
	init := webrtc.ICECandidateInit{Candidate: c.SDP, SDPMid: &c.Mid, SDPMLineIndex: &mline}
	if e.pc.RemoteDescription() == nil {
		if len(e.pending) < maxPending {
			e.pending = append(e.pending, init)
		}
		return
	}
	if err := e.pc.AddICECandidate(init); err != nil {
		e.log.Debug("add remote candidate", "err", err)
	}
}

func (e *Engine) commitCandidates() {
	pending := e.pending
	e.pending = nil
	for _, c := range pending {
		if err := e.pc.AddICECandidate(c); err != nil {
			e.log.Debug("add remote candidate", "err", err)
		}
	}
}

// reportState reports the call's state again (the peer's mute changed).
func (e *Engine) reportState() {
	e.mu.Lock()
	st := e.st
	e.mu.Unlock()
	e.emit(media.Event{State: st.Public()})
}

// onTrack receives the peer's audio (pion calls it on the first packet).
func (e *Engine) onTrack(track *webrtc.TrackRemote, r *webrtc.RTPReceiver) {
	if track.Kind() != webrtc.RTPCodecTypeAudio {
		return
	}
	e.log.Debug("peer audio", "ssrc", uint32(track.SSRC()), "payload type", track.PayloadType())
	e.goroutine(func() { pionmedia.ReceiveAudio(e.ctx, track, uint8(track.PayloadType()), e.p.Audio, &e.stats, e.log) })
	e.goroutine(func() { pionmedia.ReadReceiverRTCP(r, &e.stats) })
}

// sendAudio moves encoded microphone packets into RTP: nothing while muted
// or before an answer accepted our audio. pion sets the SSRC and payload
// type an answer agreed.
func (e *Engine) sendAudio() {
	pionmedia.Sender{
		Audio: e.p.Audio, Track: e.track, PayloadType: opusPayloadType, Stats: &e.stats, Log: e.log, Mu: &e.sendMu,
		Hold: func() (uint32, bool) {
			e.mu.Lock()
			defer e.mu.Unlock()
			return e.ssrc, e.muted || !e.senderLive.Load()
		},
	}.SendAudio(e.ctx, uint16(rand.Uint32()))
}

// timerLoop runs the housekeeping (package housekeep) on a polltimer on
// the wall clock's grid of tick, as the tgcalls engine's does (its expiry
// shares the audio pacer's wake-up).
func (e *Engine) timerLoop(tk *polltimer.Ticker) { e.keep.Loop(e.ctx, tk, tick) }

// keeper is the engine's housekeeping: ICE's word on the path comes from
// the PeerConnection, and the encoder adapts while the call is up, at
// tgcalls' fixed frame.
func (e *Engine) keeper() *housekeep.Keeper {
	return &housekeep.Keeper{
		Log: e.log, Stats: &e.stats, Signaling: e.sig,
		ConnectTimeout: e.p.ConnectTimeout, PacketTimeout: e.p.PacketTimeout,
		ErrConnectTimeout: ErrConnectTimeout, ErrPacketTimeout: ErrPacketTimeout,
		Call: func() housekeep.Call {
			e.mu.Lock()
			defer e.mu.Unlock()
			return housekeep.Call{State: e.st, Started: e.startedAt, RemoteMuted: e.ms.RemoteMuted()}
		},
		ICEUp: func() bool {
			e.mu.Lock()
			pc := e.pc
			e.mu.Unlock()
			if pc == nil {
				return false
			}
			s := pc.ICEConnectionState()
			return s == webrtc.ICEConnectionStateConnected || s == webrtc.ICEConnectionStateCompleted
		},
		Fail: e.fail,
		Emit: e.emit,
		Encoder: func() (time.Duration, bool) {
			e.mu.Lock()
			defer e.mu.Unlock()
			return frame, e.st == lifecycle.Connected || e.st == lifecycle.Reconnecting
		},
		SetEncoder: e.p.Audio.SetEncoder,
		Bitrate:    sendBitrate,
	}
}

// SetMuted stops or resumes our RTP and tells the peer through MediaState.
func (e *Engine) SetMuted(muted bool) {
	e.sendMu.Lock() // a packet being written finishes first
	e.mu.Lock()
	e.muted = muted
	e.mu.Unlock()
	e.sendMu.Unlock()
	e.ms.SetMuted(muted)
}

// Stats is a snapshot for the UI.
func (e *Engine) Stats() media.Stats {
	s := e.keep.Snapshot(e.stats.Snapshot())
	s.LibraryVersion = e.p.LibraryVersion
	s.Audio = e.p.Audio.AudioStats()
	return s
}

// Close ends the call's media and waits for the engine's goroutines.
func (e *Engine) Close() error {
	e.fire(lifecycle.Close, nil)
	e.teardown()
	<-e.pcClosed
	e.wg.Wait()
	return nil
}

// teardown stops everything once. It never waits (failure paths inside
// pion's callbacks call it): the PeerConnection closes on a goroutine of
// its own, which Close waits for.
func (e *Engine) teardown() {
	e.teardownOnce.Do(func() {
		e.mu.Lock()
		e.closing = true
		pc := e.pc
		e.mu.Unlock()
		e.cancel()
		e.sig.Close()
		if pc == nil {
			close(e.pcClosed)
			return
		}
		go func() {
			defer close(e.pcClosed)
			if err := pc.Close(); err != nil {
				e.log.Debug("close peer connection", "err", err)
			}
		}()
	})
}
