package tgcalls

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
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

// Sentinel errors an Event may carry with StateFailed.
var (
	ErrConnectTimeout  = errors.New("tgcalls: no media connection within the connect timeout")
	ErrPacketTimeout   = errors.New("tgcalls: nothing heard from the peer within the packet timeout")
	ErrTransportFailed = errors.New("tgcalls: ICE/DTLS transport failed")
	ErrUnsupported     = errors.New("tgcalls: library version not implemented by this engine")
)

const (
	// opusPayloadType is the id tgphone offers Opus under (libwebrtc's); the
	// peer's stream uses whatever id its own offer gives.
	opusPayloadType = 111
	// ptimeTgphone is the fmtp key by which tgphone tells a peer it accepts
	// 20 ms frames. libwebrtc ignores opus parameters it does not know, and a
	// peer that does not send it gets tgcalls' 60 ms.
	ptimeKey    = "ptime"
	ptimeShort  = 20 * time.Millisecond
	ptimeTgcall = 60 * time.Millisecond
	// sendBitrate is tgcalls' cap for audio.
	sendBitrate = 32000
	tick        = 250 * time.Millisecond
	// iceDisconnected is how long ICE hears nothing before it reports the
	// path lost (the call shows "reconnecting"). Liveness is the transport's,
	// never the audio's: tgcalls sends no RTP at all while muted, and its
	// STUN checks and RTCP keep the path alive (NativeNetworkingImpl fails a
	// call only after 20 s without any packet). pion checks the selected
	// pair every second (pionmedia.Setup's keepalive) and the peer answers each
	// check, so 2 s without a packet is one answer missed and the next late.
	iceDisconnected = 2 * time.Second
	iceFailed       = 20 * time.Second
)

// Engine is one call's tgcalls V2 media: signalling through the call core,
// ICE+DTLS-SRTP+SCTP through pion's ORTC objects (InitialSetup and
// NegotiateChannels carry what SDP would, so no SDP is synthesised).
type Engine struct {
	p   media.Params
	log *slog.Logger
	net transport.Net // tests: a pion vnet instead of the host network

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sig    *sigpump.Pump // the version's framing (raw, reliable, SCTP), read by one goroutine
	keep   *housekeep.Keeper
	ms     *mediastate.State // our MediaState on the data channel, and the peer's

	mu           sync.Mutex
	sendMu       sync.Mutex // held across a packet's write (pionmedia.Sender.Mu) and by SetMuted
	st           lifecycle.State
	startedAt    time.Time
	remote       *signaling.InitialSetup
	pendingCands []signaling.Candidate
	neg          *negotiation
	exchangeID   func() (uint32, error) // tgcalls' UniqueRandomIdGenerator; tests fix it
	recvSSRC     uint32                 // the peer stream our receiver is on; 0 before
	frame        time.Duration
	mediaOn      bool
	recvOn       bool
	sendOn       bool
	muted        bool
	teardownOnce sync.Once

	// api makes the ICE objects, and from the DTLS transport on all the
	// others: the DTLS transport's is made once ICE measured the round trip
	// that sets its retransmission timer (newDTLS).
	api      *webrtc.API
	pion     pionmedia.Pion // its Codecs take the payload types of the peer's stream as negotiated
	cert     webrtc.Certificate
	gatherer *webrtc.ICEGatherer
	ice      *webrtc.ICETransport
	dtls     *webrtc.DTLSTransport
	sctp     *webrtc.SCTPTransport
	track    *webrtc.TrackLocalStaticRTP
	sender   *webrtc.RTPSender
	receiver *webrtc.RTPReceiver
	ssrc     uint32
	refl     *reflectorSet // the call's Telegram reflectors (reflectorport.go)

	stats pionmedia.Counters
}

// New builds an engine for one call; nothing touches the network before Start.
func New(p media.Params) (media.Engine, error) { return newEngine(p, nil) }

// NewAskingLongFrames is New for an engine whose codec parameters leave out
// ptime=20, as a Telegram app's do: a tgphone peer then sends it tgcalls'
// 60 ms frames, so tgphone's receive path can be measured hearing the
// packets a Telegram app sends (bench's BenchmarkReportCallsSTOI). What it
// sends itself still follows the peer's answer.
func NewAskingLongFrames(p media.Params) (media.Engine, error) {
	e, err := newEngine(p, nil)
	if err != nil {
		return nil, err
	}
	e.neg.local = audioContentLong(e.ssrc)
	return e, nil
}

func newEngine(p media.Params, n transport.Net) (*Engine, error) {
	if !Supports(p.LibraryVersion) {
		return nil, fmt.Errorf("%w: %q", ErrUnsupported, p.LibraryVersion)
	}
	if p.Audio == nil || p.SendSignaling == nil {
		return nil, errors.New("tgcalls: Params.Audio and Params.SendSignaling are required")
	}
	logger := p.Logger
	if logger == nil {
		logger = slog.Default()
	}
	ssrc, err := randomUint32()
	if err != nil {
		return nil, fmt.Errorf("tgcalls ssrc: %w", err)
	}
	ssrc = ssrc&0x7fffffff | 1
	log := logger.With("engine", "tgcalls", "version", p.LibraryVersion)
	custom := signaling.ParseCustomParameters(p.CustomParameters)
	sig, err := sigsctp.ForVersion(p.LibraryVersion, p.Key, p.Outgoing, custom,
		sigsctp.Config{LoggerFactory: pionmedia.Logs{Log: log.With("part", "signalling")}, Name: "signalling"})
	if err != nil {
		return nil, fmt.Errorf("tgcalls signalling: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	e := &Engine{
		p:          p,
		log:        log,
		net:        n,
		ctx:        ctx,
		cancel:     cancel,
		neg:        newNegotiation(p.Outgoing, audioContent(ssrc)),
		exchangeID: randomUint32,
		frame:      ptimeTgcall,
		ssrc:       ssrc,
	}
	e.sig = sigpump.New(sig, p.SendSignaling, log, &e.stats.Rejects)
	e.keep = e.keeper()
	e.ms = &mediastate.State{Log: log, Heard: e.stats.Heard, Changed: e.reportState}
	e.refl = newReflectorSet(p.Reflectors, log.With("part", "reflector"), &e.stats.Rejects,
		pionmedia.Logs{Log: log.With("part", "reflector-turn"), Rejects: &e.stats.Rejects})
	return e, nil
}

func randomUint32() (uint32, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 0, err
	}
	return binary.BigEndian.Uint32(b[:]), nil
}

// begin: Start gathers and exchanges InitialSetup; ICE and DTLS start only
// once the peer's setup came.
const begin = lifecycle.Begin(lifecycle.Signaling)

// fire runs one transition and executes its actions.
func (e *Engine) fire(ev lifecycle.Event, cause error) {
	for _, a := range begin.Fire(&e.mu, &e.st, ev, e.log) {
		e.do(a, cause)
	}
}

func (e *Engine) do(a lifecycle.Action, cause error) {
	if ev, ok := a.Report(cause); ok {
		e.emit(ev)
		return
	}
	switch a {
	case lifecycle.Setup:
		if err := e.gather(); err != nil {
			if e.ctx.Err() != nil { // closed while gathering: pion's error is only about that
				e.log.Debug("gather stopped by close", "err", err)
				return
			}
			e.fail(fmt.Errorf("start tgcalls transport: %w", err))
		}
	case lifecycle.StartTransport:
		e.startTransport()
	case lifecycle.StartMedia:
		e.startMedia()
	case lifecycle.Teardown:
		e.teardown()
	}
}

func (e *Engine) fail(err error) {
	e.log.Warn("tgcalls engine failed", "err", err)
	e.fire(lifecycle.Fail, err)
}

func (e *Engine) emit(ev media.Event) {
	if e.p.OnEvent != nil {
		e.p.OnEvent(e.keep.Event(ev))
	}
}

// Start gathers candidates, begins signalling and returns; connection progress
// arrives through Params.OnEvent.
func (e *Engine) Start(ctx context.Context) error {
	e.mu.Lock()
	if e.st != lifecycle.Idle {
		e.mu.Unlock()
		return errors.New("tgcalls: Start called twice")
	}
	e.startedAt = time.Now()
	e.mu.Unlock()
	tk, err := polltimer.OnGrid(tick)
	if err != nil {
		return fmt.Errorf("tgcalls: housekeeping timer: %w", err)
	}
	e.wg.Add(2)
	go func() {
		defer e.wg.Done()
		e.sig.SendLoop(e.ctx)
	}()
	go e.timerLoop(tk)
	e.emit(media.Event{State: media.StateConnecting})
	e.fire(lifecycle.Start, nil)
	// The peer's signalling is processed once the transports exist.
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		e.sig.Run(e.ctx, e.handle)
	}()
	return ctx.Err()
}

// ReceiveSignaling takes updatePhoneCallSignalingData bytes. Data that comes
// before Start waits for it (the peer may be faster than our accept).
func (e *Engine) ReceiveSignaling(data []byte) {
	e.sig.Deliver(data)
}

// sendMsg frames one JSON message on the signalling transport.
func (e *Engine) sendMsg(m signaling.Message) {
	data, err := signaling.Marshal(m)
	if err != nil {
		e.log.Warn("encode signalling", "err", err)
		return
	}
	e.sig.Send(data)
}

// timerLoop runs the housekeeping (package housekeep): the connect and
// packet timeouts, the stats, no-audio, the encoder's loss and the
// signalling's resends. It waits on a polltimer on the wall clock's grid of
// tick rather than on a time.Ticker: its expiry then comes with a wake-up of
// the audio devices' 20 ms pacer and wakes no thread of its own, where a
// runtime timer's wakes three (see package polltimer).
func (e *Engine) timerLoop(tk *polltimer.Ticker) {
	defer e.wg.Done()
	e.keep.Loop(e.ctx, tk, tick)
}

// keeper is the engine's housekeeping: the encoder adapts once our audio
// is sent, at the frame size negotiated.
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
		ICEUp: e.iceUp,
		Fail:  e.fail,
		Emit:  e.emit,
		Encoder: func() (time.Duration, bool) {
			e.mu.Lock()
			defer e.mu.Unlock()
			return e.frame, e.sendOn
		},
		SetEncoder: e.p.Audio.SetEncoder,
		Bitrate:    sendBitrate,
	}
}

// handle processes one decrypted JSON message.
func (e *Engine) handle(data []byte) {
	m, err := signaling.Parse(data)
	if err != nil {
		if !errors.Is(err, signaling.ErrUnknownType) {
			e.stats.Rejects.Add(e.log, "signalling message", "err", err)
			return
		}
		e.log.Debug("ignore signalling message", "err", err)
		return
	}
	switch m := m.(type) {
	case *signaling.InitialSetup:
		e.mu.Lock()
		first := e.remote == nil
		if first {
			e.remote = m
		}
		e.mu.Unlock()
		if !first {
			return
		}
		if e.p.Outgoing {
			e.sendOfferIfNeeded() // tgcalls: the caller offers once the callee's setup is in
		} else {
			e.sendInitialSetup("passive")
		}
		e.fire(lifecycle.RemoteSetup, nil)
	case *signaling.Candidates:
		for _, c := range m.Candidates {
			e.addRemoteCandidate(c)
		}
	case *signaling.NegotiateChannels:
		e.negotiate(m)
	case *signaling.MediaState:
		e.ms.SetRemoteMuted(m.Muted)
	}
}

// iceUp reports whether ICE has a working path now.
func (e *Engine) iceUp() bool {
	e.mu.Lock()
	iceT := e.ice
	e.mu.Unlock()
	if iceT == nil {
		return false
	}
	s := iceT.State()
	return s == webrtc.ICETransportStateConnected || s == webrtc.ICETransportStateCompleted
}

// reportState reports the call's state again (the peer's mute changed).
func (e *Engine) reportState() {
	e.mu.Lock()
	st := e.st
	e.mu.Unlock()
	e.emit(media.Event{State: st.Public()})
}

// iceServers is the call's own STUN/TURN servers and the call's Telegram
// reflectors as the turn: URLs of their in-process façades
// (reflectorport.go).
func iceServers(servers []media.WebRTCServer, refl *reflectorSet) []webrtc.ICEServer {
	out := pionmedia.ICEServers(servers)
	if refl != nil {
		for _, u := range refl.iceServers() {
			out = append(out, webrtc.ICEServer{URLs: []string{u.url}, Username: u.user, Credential: u.pass})
		}
	}
	return out
}

func (e *Engine) gather() error {
	pion, err := pionmedia.Setup{
		Log: e.log, Rejects: &e.stats.Rejects, Net: e.net, Divert: e.refl.divert(),
		PayloadType: opusPayloadType, Servers: e.p.WebRTCServers, Reflectors: e.p.Reflectors, P2PAllowed: e.p.P2PAllowed,
		Disconnected: iceDisconnected, Failed: iceFailed,
	}.Pion()
	if err != nil {
		return err
	}
	e.pion, e.api = pion, pion.API()
	gatherer, err := e.api.NewICEGatherer(webrtc.ICEGatherOptions{
		ICEServers: iceServers(e.p.WebRTCServers, e.refl), ICEGatherPolicy: pion.Policy,
	})
	if err != nil {
		return fmt.Errorf("ice gatherer: %w", err)
	}
	iceT := e.api.NewICETransport(gatherer)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("dtls key: %w", err)
	}
	cert, err := webrtc.GenerateCertificate(key)
	if err != nil {
		return fmt.Errorf("dtls certificate: %w", err)
	}
	e.cert = *cert
	// Close may run while we gather: publish the transports under mu, or
	// stop them here if teardown has begun (it cancels ctx before it reads).
	e.mu.Lock()
	if e.ctx.Err() != nil {
		e.mu.Unlock()
		_ = iceT.Stop()
		_ = gatherer.Close()
		return e.ctx.Err()
	}
	e.gatherer, e.ice = gatherer, iceT
	e.mu.Unlock()
	e.track, err = webrtc.NewTrackLocalStaticRTP(pionmedia.OpusCapability(), "audio", "tgphone")
	if err != nil {
		return fmt.Errorf("audio track: %w", err)
	}
	gatherer.OnLocalCandidate(func(c *webrtc.ICECandidate) {
		if c == nil {
			return
		}
		line := c.ToJSON().Candidate
		if host, ok := e.refl.candidateHost(c.Address); ok {
			// Our port on a Telegram reflector, advertised as tgcalls'
			// ReflectorPort advertises its own.
			line = fmt.Sprintf("candidate:%s %d udp %d %s %d typ relay generation 0",
				c.Foundation, c.Component, c.Priority, host, c.Port)
		}
		e.sendMsg(&signaling.Candidates{Candidates: []signaling.Candidate{{SdpString: line}}})
	})
	iceT.OnConnectionStateChange(e.onICEState)
	iceT.OnSelectedCandidatePairChange(func(p *webrtc.ICECandidatePair) {
		e.stats.SetPath(e.pathOf(p))
	})
	if e.p.Outgoing {
		// The caller speaks first (tgcalls beginSignaling); its channel
		// offer follows the callee's InitialSetup.
		e.sendInitialSetup("actpass")
	}
	if err := gatherer.Gather(); err != nil {
		return fmt.Errorf("gather: %w", err)
	}
	return nil
}

// pathOf is Stats.Path, Route and RouteAddr: through our port on a
// Telegram reflector, or as pionmedia.Path says.
func (e *Engine) pathOf(p *webrtc.ICECandidatePair) (string, media.Route, string) {
	if p != nil && p.Local != nil && p.Remote != nil && p.Local.Typ == webrtc.ICECandidateTypeRelay {
		if d, ok := e.refl.describe(p.Local.Address); ok {
			return pathReflector + " " + d, media.RouteRelay, d
		}
	}
	return pionmedia.Path(p)
}

func (e *Engine) sendInitialSetup(setup string) {
	ip, err := e.gatherer.GetLocalParameters()
	if err != nil {
		e.log.Warn("local ice parameters", "err", err)
		return
	}
	fps, err := e.cert.GetFingerprints() // what the DTLS transport, made later, will present
	if err != nil {
		e.log.Warn("local dtls fingerprints", "err", err)
		return
	}
	m := &signaling.InitialSetup{Ufrag: ip.UsernameFragment, Pwd: ip.Password}
	for _, f := range fps {
		m.Fingerprints = append(m.Fingerprints, signaling.Fingerprint{Hash: f.Algorithm, Setup: setup, Fingerprint: f.Value})
	}
	e.sendMsg(m)
}

// audioContent is the stream we offer: Opus with in-band FEC, and ptime=20
// telling a tgphone peer it may send 20 ms frames (libwebrtc ignores opus
// parameters it does not know).
func audioContent(ssrc uint32) signaling.Content {
	return signaling.Content{
		Type: "audio",
		Ssrc: strconv.FormatUint(uint64(ssrc), 10),
		PayloadTypes: []signaling.PayloadType{{
			ID: opusPayloadType, Name: "opus", Clockrate: media.SampleRate, Channels: 2,
			Parameters: map[string]string{"minptime": "10", "useinbandfec": "1", ptimeKey: "20"},
		}},
	}
}

// audioContentLong is audioContent without ptime=20: a tgphone answerer
// then answers an offer with parameters that let the offerer send only its
// 60 ms frames.
func audioContentLong(ssrc uint32) signaling.Content {
	c := audioContent(ssrc)
	delete(c.PayloadTypes[0].Parameters, ptimeKey)
	return c
}

// sendOfferIfNeeded offers our stream when it has no accepted offer and
// none is in flight (tgcalls sendOfferIfNeeded).
func (e *Engine) sendOfferIfNeeded() {
	id, err := e.exchangeID()
	if err != nil {
		e.log.Warn("exchange id", "err", err)
		return
	}
	e.mu.Lock()
	offer := e.neg.offer(strconv.FormatUint(uint64(id), 10))
	e.mu.Unlock()
	if offer != nil {
		e.sendMsg(offer)
	}
}

// negotiate takes the peer's offer or answer: answer it if it is an offer,
// offer our own stream if still due, then start what is now agreed — in
// that order, as tgcalls' processSignalingData does.
func (e *Engine) negotiate(m *signaling.NegotiateChannels) {
	e.mu.Lock()
	reply := e.neg.remote(m)
	e.mu.Unlock()
	if reply != nil {
		e.sendMsg(reply)
	}
	e.sendOfferIfNeeded()
	e.maybeStartStreams()
}

// addRemoteCandidate adds one trickled candidate, or keeps it until the
// peer's InitialSetup has started ICE.
func (e *Engine) addRemoteCandidate(c signaling.Candidate) {
	cand, err := parseCandidate(c.SdpString)
	if err != nil {
		e.stats.Rejects.Add(e.log, "candidate", "err", err)
		return
	}
	if id, tag, ok := reflectorCandidate(cand); ok {
		// The peer's port on a Telegram reflector: reachable from our port
		// on the same reflector only (tgcalls' CreateConnection).
		if !e.refl.hasServer(id, cand.Port) {
			e.log.Debug("peer's reflector candidate on a reflector we have not", "host", cand.Address)
			return
		}
		cand.Address = e.refl.peerAddr(id, cand.Port, tag).Addr().String()
	}
	e.mu.Lock()
	if e.st != lifecycle.Connecting && e.st != lifecycle.Connected && e.st != lifecycle.Reconnecting {
		e.pendingCands = append(e.pendingCands, c)
		e.mu.Unlock()
		return
	}
	e.mu.Unlock()
	if err := e.ice.AddRemoteCandidate(cand); err != nil {
		e.log.Debug("add remote candidate", "err", err)
	}
}

func (e *Engine) startTransport() {
	e.mu.Lock()
	remote := *e.remote
	pending := e.pendingCands
	e.pendingCands = nil
	e.mu.Unlock()
	for _, c := range pending {
		e.addRemoteCandidate(c)
	}
	role := webrtc.ICERoleControlled
	if e.p.Outgoing {
		role = webrtc.ICERoleControlling
	}
	var fps []webrtc.DTLSFingerprint
	setup := ""
	for _, f := range remote.Fingerprints {
		fps = append(fps, webrtc.DTLSFingerprint{Algorithm: f.Hash, Value: f.Fingerprint})
		if setup == "" {
			setup = f.Setup
		}
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		if err := e.ice.Start(e.gatherer, webrtc.ICEParameters{UsernameFragment: remote.Ufrag, Password: remote.Pwd}, &role); err != nil {
			if e.ctx.Err() == nil {
				e.fail(fmt.Errorf("%w: ice: %w", ErrTransportFailed, err))
			}
			return
		}
		dtlsT, err := e.newDTLS()
		if err != nil {
			if e.ctx.Err() == nil {
				e.fail(fmt.Errorf("%w: dtls: %w", ErrTransportFailed, err))
			}
			return
		}
		if err := dtlsT.Start(webrtc.DTLSParameters{Role: remoteDTLSRole(setup, e.p.Outgoing), Fingerprints: fps}); err != nil {
			if e.ctx.Err() == nil {
				e.fail(fmt.Errorf("%w: dtls: %w", ErrTransportFailed, err))
			}
			return
		}
		e.drainUndeclared(dtlsT)
		e.fire(lifecycle.TransportUp, nil)
	}()
}

// newDTLS makes the DTLS transport once ICE is connected, with the
// handshake's retransmission timer set from the round trip ICE measured on
// the selected pair (package dtlsrtx), as libwebrtc does when its ICE
// transport turns writable. pion reads the timer from the API's settings,
// so the transport, and what is built on it, come from an API of its own.
func (e *Engine) newDTLS() (*webrtc.DTLSTransport, error) {
	rtt := dtlsrtx.PairRTT(e.ice)
	pion := e.pion
	rtx := dtlsrtx.FirstWait(rtt)
	pion.Settings.SetDTLSRetransmissionInterval(rtx)
	api := pion.API()
	dtlsT, err := api.NewDTLSTransport(e.ice, []webrtc.Certificate{e.cert})
	if err != nil {
		return nil, fmt.Errorf("dtls transport: %w", err)
	}
	e.mu.Lock()
	if e.ctx.Err() != nil { // closed meanwhile: teardown read no transport
		e.mu.Unlock()
		_ = dtlsT.Stop()
		return nil, e.ctx.Err()
	}
	e.dtls, e.api = dtlsT, api
	e.mu.Unlock()
	e.log.Debug("dtls handshake", "ice rtt", rtt, "first retransmission after", rtx)
	return dtlsT, nil
}

// remoteDTLSRole is the peer's DTLS role, which pion's Start takes (ours is
// the opposite). tgcalls: a remote "active" is the client, "passive" the
// server; otherwise the caller is the client.
func remoteDTLSRole(setup string, outgoing bool) webrtc.DTLSRole {
	switch setup {
	case "active":
		return webrtc.DTLSRoleClient
	case "passive":
		return webrtc.DTLSRoleServer
	}
	if outgoing {
		return webrtc.DTLSRoleServer
	}
	return webrtc.DTLSRoleClient
}

func (e *Engine) onICEState(s webrtc.ICETransportState) {
	e.log.Debug("ice state", "state", s.String())
	switch s {
	case webrtc.ICETransportStateConnected, webrtc.ICETransportStateCompleted:
		e.fire(lifecycle.PathBack, nil)
	case webrtc.ICETransportStateDisconnected:
		// Nothing came for iceDisconnected: that is when the quiet began.
		e.stats.HeardAt(time.Now().Add(-iceDisconnected))
		e.fire(lifecycle.PathLost, nil)
	case webrtc.ICETransportStateFailed:
		e.fire(lifecycle.Fail, fmt.Errorf("%w: ice failed", ErrTransportFailed))
	}
}

// startMedia runs once DTLS is up: the data channel now, the RTP streams once
// NegotiateChannels told us the peer's SSRC and frame size.
func (e *Engine) startMedia() {
	e.mu.Lock()
	e.mediaOn = true
	e.mu.Unlock()
	sctp := e.api.NewSCTPTransport(e.dtls)
	e.mu.Lock()
	e.sctp = sctp
	e.mu.Unlock()
	if !e.p.Outgoing {
		sctp.OnDataChannel(func(dc *webrtc.DataChannel) { e.ms.Bind(dc) })
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		// Start blocks for the SCTP handshake; a peer without a data
		// channel (gotd's client) never completes it, which only costs
		// MediaState.
		if err := sctp.Start(webrtc.SCTPCapabilities{MaxMessageSize: 0}); err != nil {
			e.log.Debug("sctp start", "err", err)
			return
		}
		if e.p.Outgoing {
			id := uint16(0)
			dc, err := e.api.NewDataChannel(sctp, &webrtc.DataChannelParameters{Label: mediastate.Label, ID: &id, Ordered: true})
			if err != nil {
				e.log.Debug("open data channel", "err", err)
				return
			}
			e.ms.Bind(dc)
		}
	}()
	e.maybeStartStreams()
}

// maybeStartStreams starts, once DTLS is up, the sender when an answer
// accepted our stream and the receiver on the peer's stream we answered
// (tgcalls createNegotiatedChannels); a later offer with another SSRC moves
// the receiver to it.
func (e *Engine) maybeStartStreams() {
	e.mu.Lock()
	if !e.mediaOn || e.st == lifecycle.Closed {
		e.mu.Unlock()
		return
	}
	var send, recv *signaling.Content
	if e.neg.send != nil && !e.sendOn {
		send = e.neg.send
		e.sendOn = true
		if takesShortFrames(*send) {
			e.frame = ptimeShort
		}
	}
	var peer uint32
	if r := e.neg.recv; r != nil {
		if ssrc, err := r.SSRC(); err == nil && ssrc != e.recvSSRC {
			recv, peer = r, ssrc
			e.recvSSRC = ssrc
		}
	}
	old := e.receiver
	if recv != nil {
		e.receiver = nil
	}
	frame := e.frame
	e.mu.Unlock()
	if send != nil {
		e.p.Audio.SetEncoder(media.EncoderConfig{FrameDuration: frame, Bitrate: sendBitrate, FEC: true, PacketLossPct: 5})
		if err := e.startSender(); err != nil {
			e.fail(err)
			return
		}
	}
	if recv != nil {
		if old != nil {
			_ = old.Stop() // the peer replaced its stream
		}
		pt, _ := opusOf(*recv)
		if err := e.startReceiver(peer, pt.ID); err != nil {
			e.fail(err)
		}
	}
}

func (e *Engine) startSender() error {
	sender, err := e.api.NewRTPSender(e.track, e.dtls)
	if err != nil {
		return fmt.Errorf("rtp sender: %w", err)
	}
	e.mu.Lock()
	e.sender = sender
	e.mu.Unlock()
	if err := sender.Send(webrtc.RTPSendParameters{Encodings: []webrtc.RTPEncodingParameters{{
		RTPCodingParameters: webrtc.RTPCodingParameters{SSRC: webrtc.SSRC(e.ssrc), PayloadType: opusPayloadType},
	}}}); err != nil {
		return fmt.Errorf("rtp send: %w", err)
	}
	e.wg.Add(2)
	go func() {
		defer e.wg.Done()
		pionmedia.ReadSenderRTCP(sender, &e.stats, func() uint32 { return e.ssrc })
	}()
	go e.sendAudio()
	return nil
}

func (e *Engine) startReceiver(peer uint32, pt int) error {
	// The peer's payload type id is its own (tgcalls may shift ids by 3);
	// pion drops packets of an id its media engine does not know.
	if err := e.pion.Codecs.RegisterCodec(webrtc.RTPCodecParameters{
		RTPCodecCapability: pionmedia.OpusCapability(), PayloadType: webrtc.PayloadType(pt),
	}, webrtc.RTPCodecTypeAudio); err != nil {
		return fmt.Errorf("register the peer's opus payload type %d: %w", pt, err)
	}
	receiver, err := e.api.NewRTPReceiver(webrtc.RTPCodecTypeAudio, e.dtls)
	if err != nil {
		return fmt.Errorf("rtp receiver: %w", err)
	}
	e.mu.Lock()
	e.receiver = receiver
	e.mu.Unlock()
	if err := receiver.Receive(webrtc.RTPReceiveParameters{Encodings: []webrtc.RTPDecodingParameters{{
		RTPCodingParameters: webrtc.RTPCodingParameters{SSRC: webrtc.SSRC(peer)},
	}}}); err != nil {
		return fmt.Errorf("rtp receive: %w", err)
	}
	e.wg.Add(2)
	go func() {
		defer e.wg.Done()
		pionmedia.ReceiveAudio(e.ctx, receiver.Track(), uint8(pt), e.p.Audio, &e.stats, e.log)
	}()
	go func() {
		defer e.wg.Done()
		pionmedia.ReadReceiverRTCP(receiver, &e.stats)
	}()
	return nil
}

// sendAudio moves encoded microphone packets into RTP, under our one SSRC,
// nothing while muted.
func (e *Engine) sendAudio() {
	defer e.wg.Done()
	var seq uint16
	if r, err := randomUint32(); err == nil {
		seq = uint16(r)
	}
	pionmedia.Sender{
		Audio: e.p.Audio, Track: e.track, PayloadType: opusPayloadType, Stats: &e.stats, Log: e.log, Mu: &e.sendMu,
		Hold: func() (uint32, bool) {
			e.mu.Lock()
			defer e.mu.Unlock()
			return e.ssrc, e.muted
		},
	}.SendAudio(e.ctx, seq)
}

// SetMuted tells the peer through MediaState.
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
	e.wg.Wait()
	return nil
}

// teardown stops everything once; it never waits, so failure paths inside the
// engine's own goroutines can call it.
func (e *Engine) teardown() {
	e.teardownOnce.Do(func() {
		e.cancel()
		e.sig.Close()
		e.mu.Lock()
		sender, receiver, sctp := e.sender, e.receiver, e.sctp
		dtlsT, iceT, gatherer := e.dtls, e.ice, e.gatherer
		e.mu.Unlock()
		defer e.refl.close() // after pion let go of the façades' sockets
		e.ms.Close()
		if sctp != nil {
			_ = sctp.Stop()
		}
		// DTLS (and with it the SRTP session) goes before the RTP receiver:
		// a packet arriving after the receiver stopped would open a new SRTP
		// stream that nobody accepts in the ORTC API, and the session's read
		// loop would block on it forever.
		if dtlsT != nil {
			_ = dtlsT.Stop()
		}
		if iceT != nil {
			_ = iceT.Stop()
		}
		if gatherer != nil {
			_ = gatherer.Close()
		}
		if sender != nil {
			_ = sender.Stop()
		}
		if receiver != nil {
			_ = receiver.Stop()
		}
	})
}
