package legacy

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/tgphone/tgphone/internal/polltimer"
	"github.com/tgphone/tgphone/internal/rawudp"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/wire"
)

// Sentinel errors the UI recognises (carried in media.Event.Err).
var (
	ErrConnectTimeout = errors.New("could not connect to the other side")
	ErrPacketTimeout  = errors.New("the connection was lost")
	ErrNoPath         = errors.New("the call has no usable relay")
)

// Timing, as libtgvoip 2.4.4 does it unless noted.
const (
	initInterval      = 500 * time.Millisecond
	selfInfoInterval  = 500 * time.Millisecond
	selfInfoBurst     = 4
	selfInfoKeepEvery = 5 * time.Second
	peerInfoInterval  = 5 * time.Second
	peerInfoMax       = 10
	relayPingInterval = 10 * time.Second // libtgvoip 2.4.4's SendRelayPings: each endpoint at most every 10 s
	p2pPingInterval   = time.Second      // faster than 2.4.4: pongs verify the direct path and keep it alive
	silenceAfter      = 1500 * time.Millisecond
	relayDeadAfter    = 3 * time.Second
	p2pDeadAfter      = 2 * time.Second
	p2pSlack          = 30 * time.Millisecond
	// tick is the housekeeping period (INIT, pings, timeouts, rates; none
	// needs finer than 100 ms). Ticks fall on whole multiples of it on the
	// wall clock, where the virtual audio devices' 20 ms frames fall too,
	// so they share the process's wake-ups instead of adding their own:
	// each wake-up of a Go process costs about 0.2 ms of CPU here.
	tick           = 100 * time.Millisecond
	frameMs        = 60
	startBitrate   = 16000
	maxBitrate     = 20000
	extraECBitrate = 8000
	ecHistMax      = wire.MaxExtraFEC // libtgvoip keeps 4 older packets
	defaultConnect = 30 * time.Second
	defaultPacket  = 10 * time.Second
)

// Options are for tests and diagnostics.
type Options struct {
	// Conn replaces the engine's UDP socket (e.g. a netem.Conn).
	Conn net.PacketConn
	// OnFirstAudio is called once when the first peer audio packet is handed
	// to the audio engine: the accept→first-audio measurement hook.
	OnFirstAudio func(time.Time)
}

type path struct {
	name     string
	addr     netip.AddrPort
	tag      wire.Tag
	relay    bool
	tcp      *tcpLink // set while a TCP relay path is connected
	rtt      time.Duration
	lastRecv time.Time
	lastPing time.Time
	queries  map[int64]time.Time
	replies  int
}

// pendingExtra is a header extra repeated in every packet until one of the
// packets that carried it is acknowledged.
type pendingExtra struct {
	x    wire.Extra
	seqs []uint32
}

type sentPkt struct {
	at    time.Time
	typ   uint8
	acked bool
}

// Engine is one call's libtgvoip 2.4.4 media session.
type Engine struct {
	p      media.Params
	o      Options
	log    *slog.Logger
	cipher *wire.Cipher
	conn   net.PacketConn
	udp    *rawudp.Conn // conn's reads and writes, without the runtime's system-call accounting

	mu           sync.Mutex
	state        connState
	started      time.Time
	paths        []*path
	tcpPaths     []*path // TCP relays: the server's, then the UDP relays' own addresses
	tcpLinks     []*tcpLink
	udpChecked   bool      // UDP health judged after the first self-info burst
	udpRecv      uint64    // valid packets over UDP since UDP was last judged
	burstEnd     time.Time // when the last self-info burst's 4th request went
	tcpWanted    bool      // no relay answered over UDP: try TCP
	cur          *path
	p2p          *path
	seq          uint32
	win          wire.RecvWindow
	sent         map[uint32]sentPkt
	pings        map[uint32]time.Time
	gotInit      bool // the peer's INIT arrived (and we answered it)
	gotInitAck   bool
	lastInit     time.Time
	lastRecv     time.Time
	peerVersion  int32
	peerInfoN    int
	lastPeerInfo time.Time
	selfInfoN    int
	lastSelfInfo time.Time
	muted        bool
	remoteMuted  bool
	ts0          uint32
	haveTS0      bool
	ecHist       []ecFrame // our last packets, newest last, for extra-EC copies
	ecLevel      int       // extra-EC copies per packet, 0 when off (extraECCopies)
	extras       []*pendingExtra
	seenExtras   map[uint8]string
	recvPTS      map[uint32]bool // pts already handed to the audio port
	maxPTS       uint32
	bitrate      int
	lastRamp     time.Time
	extraEC      bool
	firstAudio   bool
	stats        counters
	rejects      media.Rejects

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type counters struct {
	sent, recv                 uint64
	sentBytes, recvBytes       uint64
	winSentBytes, winRecvBytes uint64
	winStart                   time.Time
	sendBitrate, recvBitrate   int
	sendLoss, recvLoss         float64
	rtt                        time.Duration
	recvExpected, recvGot      uint64
}

// New builds the engine for media.Factory.
func New(p media.Params) (media.Engine, error) { return NewWithOptions(p, Options{}) }

// NewWithOptions builds the engine with test or diagnostic options.
func NewWithOptions(p media.Params, o Options) (*Engine, error) {
	if p.Audio == nil {
		return nil, errors.New("legacy engine: no audio port")
	}
	if p.Logger == nil {
		p.Logger = slog.Default()
	}
	if p.ConnectTimeout <= 0 {
		p.ConnectTimeout = defaultConnect
	}
	if p.PacketTimeout <= 0 {
		p.PacketTimeout = defaultPacket
	}
	e := &Engine{p: p, o: o, log: p.Logger.With("engine", "legacy"), sent: map[uint32]sentPkt{},
		pings: map[uint32]time.Time{}, recvPTS: map[uint32]bool{}, bitrate: startBitrate, seenExtras: map[uint8]string{}}
	key := p.Key
	e.cipher = wire.NewCipher(&key, p.Outgoing)
	allLoopback := true
	for _, r := range p.Reflectors {
		for _, ipStr := range []string{r.IP, r.IPv6} {
			ip, err := netip.ParseAddr(ipStr)
			if err != nil || r.Port <= 0 || r.Port > 0xffff {
				continue
			}
			if ip.Is6() && !ip.Is4In6() && !ipv6Routable(ip) {
				// libtgvoip adds IPv6 relays only when the active interface
				// has an IPv6 address; a path we cannot send on would only
				// be picked and found dead.
				p.Logger.Debug("IPv6 relay skipped: no IPv6 route", "engine", "legacy", "relay", r.ID)
				continue
			}
			if r.TCP {
				e.addTCPPath(r.ID, netip.AddrPortFrom(ip, uint16(r.Port)), r.PeerTag)
				continue
			}
			allLoopback = allLoopback && ip.IsLoopback()
			e.paths = append(e.paths, &path{name: fmt.Sprintf("relay %d %s", r.ID, netip.AddrPortFrom(ip, uint16(r.Port))),
				addr: netip.AddrPortFrom(ip, uint16(r.Port)), tag: r.PeerTag, relay: true, queries: map[int64]time.Time{}})
		}
	}
	if len(e.paths) == 0 {
		return nil, fmt.Errorf("legacy engine: %d reflectors given: %w", len(p.Reflectors), ErrNoPath)
	}
	// libtgvoip's AddTCPRelays: every UDP relay is also tried over TCP.
	for _, pa := range e.paths {
		if pa.addr.Addr().Is4() {
			e.addTCPPath(0, pa.addr, pa.tag)
		}
	}
	e.cur = e.paths[0]
	if e.o.Conn != nil {
		e.conn = e.o.Conn
	} else {
		laddr := "127.0.0.1:0"
		if !allLoopback {
			laddr = ":0"
		}
		c, err := net.ListenPacket("udp", laddr)
		if err != nil {
			return nil, fmt.Errorf("legacy engine: listen: %w", err)
		}
		e.conn = c
	}
	e.udp = rawudp.New(e.conn)
	return e, nil
}

// ipv6Routable reports whether this host has a route to ip: connecting a UDP
// socket sends nothing but fails without one. Tests replace it.
var ipv6Routable = func(ip netip.Addr) bool {
	c, err := net.DialUDP("udp6", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, 9)))
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Start launches the engine's goroutines.
func (e *Engine) Start(ctx context.Context) error {
	// Ticks fall on whole multiples of tick on the wall clock.
	tk, err := polltimer.OnGrid(tick)
	if err != nil {
		return fmt.Errorf("legacy engine: housekeeping timer: %w", err)
	}
	ctx, e.cancel = context.WithCancel(ctx)
	e.mu.Lock()
	e.started = time.Now()
	e.lastRecv = e.started
	e.mu.Unlock()
	e.emit(media.Event{State: media.StateConnecting})
	e.p.Audio.SetEncoder(media.EncoderConfig{FrameDuration: frameMs * time.Millisecond, Bitrate: startBitrate, FEC: true})
	e.wg.Add(3)
	go func() { defer e.wg.Done(); e.recvLoop(ctx) }()
	if ps, ok := e.p.Audio.(packetSender); ok {
		// Sealing and a UDP write never block: the packet goes out on the
		// goroutine that encoded it, without a hand-off to ours.
		stop := ps.SendPackets(e.sendAudio)
		go func() { defer e.wg.Done(); <-ctx.Done(); stop() }()
	} else {
		go func() { defer e.wg.Done(); e.sendLoop(ctx) }()
	}
	go func() { defer e.wg.Done(); e.tickLoop(ctx, tk) }()
	return nil
}

// packetSender is an audio port that can hand microphone packets to the
// engine as they are encoded (audio.Session.SendPackets) instead of through
// ReadPacket.
type packetSender interface {
	SendPackets(send func(media.Packet)) (stop func())
}

// ReceiveSignaling is unused: 2.4.4 signals nothing through MTProto.
func (e *Engine) ReceiveSignaling([]byte) {}

// SetMuted switches between audio and NOP packets.
func (e *Engine) SetMuted(m bool) {
	e.mu.Lock()
	e.muted = m
	e.mu.Unlock()
}

// Close stops the engine and waits for its goroutines.
func (e *Engine) Close() error {
	if e.cancel != nil {
		e.cancel()
	}
	err := e.conn.Close()
	e.mu.Lock()
	for _, l := range e.tcpLinks {
		l.conn.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
	e.mu.Lock()
	changed := e.transition(evClose)
	e.mu.Unlock()
	if changed {
		e.emit(media.Event{State: media.StateClosed})
	}
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return err
}

func (e *Engine) emit(ev media.Event) {
	if e.p.OnEvent != nil {
		e.p.OnEvent(ev)
	}
}

// transition applies ev under e.mu and reports whether the state changed.
func (e *Engine) transition(ev connEvent) bool {
	to, err := next(e.state, ev)
	if err != nil || to == e.state {
		return false
	}
	e.log.Info("media state", "from", e.state, "to", to, "event", ev)
	e.state = to
	return true
}

type datagram struct {
	b   []byte
	to  netip.AddrPort
	via *tcpLink // nil: UDP
}

func (e *Engine) write(ds []datagram) {
	for _, d := range ds {
		if d.via != nil {
			if err := d.via.send(d.b); err != nil {
				e.log.Debug("send over tcp", "path", d.to, "err", err)
			}
			continue
		}
		if _, err := e.udp.WriteTo(d.b, d.to); err != nil {
			e.log.Debug("send", "path", d.to, "err", err)
		}
	}
}

// packetLocked seals one inner packet for path pa (nil = current path).
func (e *Engine) packetLocked(pa *path, typ uint8, payload []byte, extras []wire.Extra) datagram {
	if pa == nil {
		pa = e.cur
	}
	e.seq++
	if typ != wire.TypeInit && typ != wire.TypeInitAck {
		for _, pe := range e.extras {
			extras = append(extras, pe.x)
			pe.seqs = append(pe.seqs, e.seq)
		}
	}
	ack, mask := e.win.Ack()
	inner := wire.AppendPacket(nil, wire.Packet{Type: typ, AckID: ack, Seq: e.seq, AckMask: mask, Extras: extras, Payload: payload})
	var b []byte
	if pa.relay {
		b = append(b, pa.tag[:]...)
	}
	b, err := e.cipher.Seal(b, inner, rand.Reader)
	if err != nil {
		e.log.Error("seal", "err", err)
	}
	e.sent[e.seq] = sentPkt{at: time.Now(), typ: typ}
	delete(e.sent, e.seq-256)
	e.stats.sent++
	e.stats.sentBytes += uint64(len(b))
	e.stats.winSentBytes += uint64(len(b))
	return datagram{b, pa.addr, pa.tcp}
}

// queueExtraLocked replaces any pending extra of the same type.
func (e *Engine) queueExtraLocked(x wire.Extra) {
	for _, pe := range e.extras {
		if pe.x.Type == x.Type {
			pe.x, pe.seqs = x, nil
			return
		}
	}
	e.extras = append(e.extras, &pendingExtra{x: x})
}

func (e *Engine) sendLoop(ctx context.Context) {
	for {
		pkt, err := e.p.Audio.ReadPacket(ctx)
		if err != nil {
			if ctx.Err() == nil {
				e.log.Warn("read microphone packet", "err", err)
			}
			return
		}
		e.sendAudio(pkt)
	}
}

// sendAudio sends one microphone packet, if its time has come.
func (e *Engine) sendAudio(pkt media.Packet) {
	e.mu.Lock()
	d, ok := e.audioLocked(pkt)
	e.mu.Unlock()
	if ok {
		e.write([]datagram{d})
	}
}

// ecFrame is one of our sent Opus packets, kept for extra-EC copies.
type ecFrame struct {
	pts  uint32
	data []byte
}

// audioLocked turns one microphone packet into a STREAM_DATA datagram (a NOP
// while muted). Like libtgvoip (spec §4.9 step 5), nothing is sent before both
// the peer's INIT and its INIT_ACK arrived: until we have answered its INIT,
// the peer has no incoming stream and drops audio ("packet for unknown
// stream 1").
func (e *Engine) audioLocked(pkt media.Packet) (datagram, bool) {
	if !e.gotInit || !e.gotInitAck || e.state == stFailed || e.state == stClosed {
		return datagram{}, false
	}
	if !e.haveTS0 {
		e.ts0, e.haveTS0 = pkt.Timestamp, true
	}
	if e.muted {
		e.ecHist = e.ecHist[:0] // copies must be of consecutive packets
		return e.packetLocked(nil, wire.TypeNop, nil, nil), true
	}
	pts := (pkt.Timestamp - e.ts0) / 48
	if n := len(e.ecHist); n > 0 && e.ecHist[n-1].pts+frameMs != pts {
		e.ecHist = e.ecHist[:0]
	}
	if len(e.ecHist) == ecHistMax {
		e.ecHist = append(e.ecHist[:0], e.ecHist[1:]...)
	}
	e.ecHist = append(e.ecHist, ecFrame{pts: pts, data: append([]byte(nil), pkt.Payload...)})
	sd := wire.StreamData{StreamID: 1, PTS: pts, Data: pkt.Payload, ExtraFEC: extraFEC(e.ecHist, e.ecLevel)}
	payload, err := wire.AppendStreamData(nil, sd)
	if err != nil {
		e.log.Warn("encode stream data", "err", err)
		return datagram{}, false
	}
	return e.packetLocked(nil, wire.TypeStreamData, payload, nil), true
}

// extraFEC picks the extra-EC copies for the newest packet in hist, as
// libtgvoip 2.4.4 lays them out (HandleAudioInput; spec §4.7): copy j of k is
// the packet at pts P−(k−1−j)·60 ms, so the last copy is of P itself and the
// first is the oldest. A receiver files them by that rule, so the copies must
// be the k newest consecutive packets; a packet too long for the copy's 8-bit
// length ends the run.
func extraFEC(hist []ecFrame, level int) [][]byte {
	k := 0
	for k < min(level, len(hist)) && len(hist[len(hist)-1-k].data) <= 0xff {
		k++
	}
	if k == 0 {
		return nil
	}
	out := make([][]byte, k)
	for j := range out {
		out[j] = hist[len(hist)-k+j].data
	}
	return out
}

func (e *Engine) recvLoop(ctx context.Context) {
	buf := make([]byte, 2048)
	for {
		n, src, err := e.udp.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			e.log.Debug("receive", "err", err)
			continue
		}
		if !src.IsValid() {
			continue
		}
		src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
		out, evs := e.handle(buf[:n], src, time.Now())
		e.write(out)
		for _, ev := range evs {
			e.emit(ev)
		}
	}
}

func (e *Engine) pathFor(src netip.AddrPort) *path {
	for _, p := range e.paths {
		if p.addr == src {
			return p
		}
	}
	if e.p2p != nil && e.p2p.addr == src {
		return e.p2p
	}
	return nil
}

// p2pNearLocked reports whether src may be the unverified p2p candidate seen
// from another address: IPv4, same /24 as the reported one, and no pong
// measured on the candidate yet (libtgvoip: rtts[0]==0 && PrefixMatches(24)).
func (e *Engine) p2pNearLocked(src netip.AddrPort) bool {
	if e.p2p == nil || e.p2p.rtt != 0 || !src.Addr().Is4() || !e.p2p.addr.Addr().Unmap().Is4() {
		return false
	}
	pfx, err := e.p2p.addr.Addr().Unmap().Prefix(24)
	return err == nil && pfx.Contains(src.Addr())
}

// handle processes one datagram; it returns datagrams to send and events.
func (e *Engine) handle(b []byte, src netip.AddrPort, now time.Time) ([]datagram, []media.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	pa := e.pathFor(src)
	if pa != nil && pa.tcp != nil {
		pa = nil // only its TCP connection speaks for a TCP path
	}
	if pa == nil && e.p2pNearLocked(src) {
		// As libtgvoip does: while the direct path is unverified, a packet
		// from the same /24 as the peer's reported address is tried as p2p;
		// if it decrypts, the address is corrected below (NATs that change
		// the port or pick another address of their pool).
		pa = e.p2p
	}
	if pa == nil {
		e.rejects.Add(e.log, "unknown source", "src", src)
		return nil, nil
	}
	return e.handleLocked(pa, b, src, now)
}

// handleLocked processes one datagram that came over path pa.
func (e *Engine) handleLocked(pa *path, b []byte, src netip.AddrPort, now time.Time) ([]datagram, []media.Event) {
	body := b
	if pa.relay {
		rp, err := wire.ParseRelay(b)
		if err != nil {
			e.rejects.Add(e.log, "relay framing", "src", src, "err", err)
			return nil, nil
		}
		if rp.Tag != pa.tag {
			e.rejects.Add(e.log, "relay tag", "src", src)
			return nil, nil
		}
		switch rp.Kind {
		case wire.RelaySelfInfoReply:
			at, ok := pa.queries[rp.QueryID]
			if !ok {
				e.rejects.Add(e.log, "relay reply not asked for", "src", src)
				return nil, nil
			}
			delete(pa.queries, rp.QueryID)
			pa.rtt = now.Sub(at)
			pa.replies++
			pa.lastRecv = now
			e.pickRelayLocked(now)
			return nil, nil
		case wire.RelayPeerInfoReply:
			if e.p.P2PAllowed && e.p2p == nil && rp.Peer.IsValid() && rp.Peer.Port() != 0 {
				e.p2p = &path{name: "p2p " + rp.Peer.String(), addr: rp.Peer}
				e.log.Info("p2p candidate from relay")
			}
			return nil, nil
		case wire.RelayData:
			body = rp.Body
		default:
			e.rejects.Add(e.log, "relay kind", "src", src)
			return nil, nil
		}
	}
	inner, err := e.cipher.Open(body)
	if err != nil {
		// Garbage, a truncated packet or one sealed with another key.
		e.rejects.Add(e.log, "decrypt", "src", src, "err", err)
		return nil, nil
	}
	pkt, err := wire.ParsePacket(inner)
	if err != nil {
		e.rejects.Add(e.log, "malformed", "src", src, "err", err)
		return nil, nil
	}
	if !e.win.Accept(pkt.Seq) {
		e.rejects.Add(e.log, "replay", "src", src, "seq", pkt.Seq)
		return nil, nil
	}
	if pa == e.p2p && pa.addr != src {
		e.log.Info("p2p address corrected from a decrypted packet")
		pa.addr, pa.name = src, "p2p "+src.String()
	}
	e.stats.recv++
	if pa.tcp == nil {
		e.udpRecv++
	}
	e.stats.recvBytes += uint64(len(b))
	e.stats.winRecvBytes += uint64(len(b))
	pa.lastRecv = now
	e.lastRecv = now
	e.ackLocked(pkt.AckID, pkt.AckMask)
	for _, x := range pkt.Extras {
		e.extraLocked(x)
	}
	var out []datagram
	var evs []media.Event
	switch pkt.Type {
	case wire.TypeInit:
		in, err := wire.ParseInit(pkt.Payload)
		if err != nil || in.MinProtocolVersion > wire.ProtocolVersion {
			e.rejects.Add(e.log, "init", "src", src, "err", err)
			return nil, nil
		}
		e.peerVersion = in.ProtocolVersion
		e.gotInit = true
		ack := wire.AppendInitAck(nil, wire.InitAck{ProtocolVersion: wire.ProtocolVersion, MinProtocolVersion: wire.MinProtocolVersion,
			Streams: []wire.StreamDesc{{ID: 1, Type: 1, Codec: wire.CodecOpus, FrameDuration: frameMs, Enabled: true}}})
		out = append(out, e.packetLocked(pa, wire.TypeInitAck, ack, nil))
		if !e.gotInitAck {
			// The peer is reachable now; our earlier INIT may have reached the
			// relay before the peer did. Resending at once instead of at the
			// next 0.5 s tick saves up to 500 ms of the first audio.
			e.lastInit = now
			out = append(out, e.packetLocked(pa, wire.TypeInit, initPayload(), nil))
		}
	case wire.TypeInitAck:
		if _, err := wire.ParseInitAck(pkt.Payload); err != nil {
			e.rejects.Add(e.log, "malformed", "src", src, "err", err)
			return out, nil
		}
		if !e.gotInitAck {
			e.gotInitAck = true
			e.queueEndpointLocked()
		}
	case wire.TypeStreamData:
		sd, err := wire.ParseStreamData(pkt.Payload)
		if err != nil {
			e.rejects.Add(e.log, "malformed", "src", src, "err", err)
			return out, nil
		}
		if e.remoteMuted {
			e.remoteMuted = false
			evs = append(evs, media.Event{State: e.state.media(), RemoteMuted: false})
		}
		e.deliverLocked(sd, now)
	case wire.TypeNop:
		if !e.remoteMuted {
			e.remoteMuted = true
			evs = append(evs, media.Event{State: e.state.media(), RemoteMuted: true})
		}
	case wire.TypePing:
		out = append(out, e.packetLocked(pa, wire.TypePong, le32(pkt.Seq), nil))
	case wire.TypePong:
		if s, err := wire.ParsePong(pkt.Payload); err == nil {
			if at, ok := e.pings[s]; ok {
				delete(e.pings, s)
				pa.rtt = now.Sub(at)
				e.stats.rtt = pa.rtt
				// Prefer the direct path unless it is clearly slower: it spares the
				// relay hop, and loopback RTTs differ only by noise.
				if pa == e.p2p && e.cur != e.p2p && pa.rtt <= e.cur.rtt+p2pSlack {
					e.log.Info("switching to p2p", "rtt", pa.rtt)
					e.cur = e.p2p
				}
			}
		}
	}
	if e.gotInitAck && e.transition(evPackets) {
		evs = append(evs, media.Event{State: e.state.media(), RemoteMuted: e.remoteMuted})
	}
	return out, evs
}

// extraLocked acts on a received extra once per distinct content (extras
// are repeated until acked).
func (e *Engine) extraLocked(x wire.Extra) {
	if e.seenExtras[x.Type] == string(x.Data) {
		return
	}
	e.seenExtras[x.Type] = string(x.Data)
	switch x.Type {
	case wire.ExtraLANEndpoint, wire.ExtraIPv6Endpoint:
		parse := wire.ParseLANEndpoint
		if x.Type == wire.ExtraIPv6Endpoint {
			parse = wire.ParseIPv6Endpoint
		}
		ap, err := parse(x.Data)
		if err != nil || !ap.IsValid() || ap.Port() == 0 || ap.Addr().IsUnspecified() {
			e.rejects.Add(e.log, "endpoint", "err", err)
			return
		}
		if e.p.P2PAllowed && e.p2p == nil {
			e.p2p = &path{name: "p2p " + ap.String(), addr: netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())}
			e.log.Info("p2p candidate from peer's endpoint extra")
		}
	case wire.ExtraStreamFlags:
		if f, err := wire.ParseStreamFlags(x.Data); err == nil {
			e.log.Debug("peer stream flags", "stream", f.StreamID, "flags", f.Flags)
		}
	}
}

// queueEndpointLocked advertises our socket address for p2p when it is a
// concrete address (a socket bound to all interfaces has none to give).
func (e *Engine) queueEndpointLocked() {
	if !e.p.P2PAllowed {
		return
	}
	ua, ok := e.conn.LocalAddr().(*net.UDPAddr)
	if !ok {
		return
	}
	ap := ua.AddrPort()
	switch a := ap.Addr().Unmap(); {
	case a.IsUnspecified():
	case a.Is4():
		e.queueExtraLocked(wire.Extra{Type: wire.ExtraLANEndpoint, Data: wire.AppendLANEndpoint(nil, netip.AddrPortFrom(a, ap.Port()))})
	default:
		e.queueExtraLocked(wire.Extra{Type: wire.ExtraIPv6Endpoint, Data: wire.AppendIPv6Endpoint(nil, ap)})
	}
}

func initPayload() []byte {
	return wire.AppendInit(nil, wire.Init{ProtocolVersion: wire.ProtocolVersion, MinProtocolVersion: wire.MinProtocolVersion, AudioCodecs: []uint32{wire.CodecOpus}})
}

func le32(v uint32) []byte { return []byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)} }

func (e *Engine) deliverLocked(sd wire.StreamData, now time.Time) {
	// The packet itself first, then its extra-EC copies, which (as in
	// libtgvoip's jitter buffer) never displace a packet already there.
	if e.firstPTSLocked(sd.PTS) {
		e.stats.recvGot++
		e.p.Audio.WritePacket(media.ReceivedPacket{Timestamp: sd.PTS * 48, Payload: append([]byte(nil), sd.Data...), Arrival: now})
		if !e.firstAudio {
			e.firstAudio = true
			if e.o.OnFirstAudio != nil {
				e.o.OnFirstAudio(now)
			}
		}
		if exp := uint64(sd.PTS/frameMs) + 1; exp > e.stats.recvExpected {
			e.stats.recvExpected = exp
		}
	}
	for j, f := range sd.ExtraFEC {
		pts, ok := ecPTS(sd.PTS, j, len(sd.ExtraFEC))
		if ok && len(f) > 0 && e.firstPTSLocked(pts) { // an empty copy is no Opus packet
			e.p.Audio.WritePacket(media.ReceivedPacket{Timestamp: pts * 48, Payload: append([]byte(nil), f...), Arrival: now})
		}
	}
}

// ecPTS is where libtgvoip 2.4.4 files extra-EC copy j of k carried by the
// packet with timestamp pts: pts−(k−1−j)·60 ms (spec §4.7). ok is false for a
// copy that would fall before the stream's start.
func ecPTS(pts uint32, j, k int) (uint32, bool) {
	back := uint32(k-1-j) * frameMs
	return pts - back, j < k && back <= pts
}

// firstPTSLocked records pts as handed to the audio port and reports whether
// it is new. Entries more than 64 packets behind the newest are forgotten.
func (e *Engine) firstPTSLocked(pts uint32) bool {
	if e.recvPTS[pts] {
		return false
	}
	e.recvPTS[pts] = true
	if int32(pts-e.maxPTS) > 0 {
		e.maxPTS = pts
	}
	if len(e.recvPTS) > 128 {
		for p := range e.recvPTS {
			if int32(e.maxPTS-p) > 64*frameMs {
				delete(e.recvPTS, p)
			}
		}
	}
	return true
}

// ackLocked marks our packets the peer acknowledged.
func (e *Engine) ackLocked(ackID, mask uint32) {
	for s, sp := range e.sent {
		if !sp.acked && wire.Acked(ackID, mask, s) {
			sp.acked = true
			e.sent[s] = sp
		}
	}
	kept := e.extras[:0]
	for _, pe := range e.extras {
		acked := false
		for _, s := range pe.seqs {
			acked = acked || wire.Acked(ackID, mask, s)
		}
		if !acked {
			kept = append(kept, pe)
		}
	}
	e.extras = kept
}

// pickRelayLocked chooses the alive relay with the lowest RTT.
func (e *Engine) pickRelayLocked(now time.Time) {
	if e.cur == e.p2p && e.p2p != nil || e.cur.tcp != nil {
		return // a TCP relay is kept while its connection lives
	}
	best := e.cur
	for _, p := range e.paths {
		alive := now.Sub(p.lastRecv) < relayDeadAfter
		if !alive {
			continue
		}
		if now.Sub(best.lastRecv) >= relayDeadAfter || (p.rtt > 0 && p.rtt < best.rtt) {
			best = p
		}
	}
	if best != e.cur {
		e.log.Info("switching relay", "path", best.name, "rtt", best.rtt)
		e.cur = best
	}
}

func (e *Engine) tickLoop(ctx context.Context, tk *polltimer.Ticker) {
	// A polltimer rather than a time.Ticker: its expiry wakes only the
	// thread waiting in the network poller, where a runtime timer also wakes
	// the runtime's monitor thread and a second thread to look for work
	// (see package polltimer): ten times a second, for the whole call.
	housekeep := func() {
		out, evs := e.onTick(time.Now())
		e.write(out)
		for _, ev := range evs {
			e.emit(ev)
		}
		e.mu.Lock()
		startTCP := e.tcpWanted && ctx.Err() == nil
		e.tcpWanted = false
		e.mu.Unlock()
		if startTCP {
			e.wg.Add(1)
			go func() { defer e.wg.Done(); e.runTCP(ctx) }()
		}
	}
	housekeep()
	polltimer.Loop(ctx, tk, tick, func(err error) {
		// The call goes on, on the runtime's timers.
		e.log.Warn("housekeeping timer failed, using a time.Ticker", "err", err)
	}, housekeep)
}

func (e *Engine) onTick(now time.Time) ([]datagram, []media.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.state == stFailed || e.state == stClosed {
		return nil, nil
	}
	var out []datagram
	var evs []media.Event
	// INIT until acknowledged.
	if !e.gotInitAck && now.Sub(e.lastInit) >= initInterval {
		e.lastInit = now
		out = append(out, e.packetLocked(nil, wire.TypeInit, initPayload(), nil))
	}
	// Self-info pings: a burst at start, then a keep-alive that also measures RTT.
	every := selfInfoKeepEvery
	if e.selfInfoN < selfInfoBurst || e.state == stReconnecting {
		every = selfInfoInterval
	}
	if now.Sub(e.lastSelfInfo) >= every {
		e.lastSelfInfo = now
		e.selfInfoN++
		if e.selfInfoN == selfInfoBurst {
			e.burstEnd = now
		}
		for _, p := range e.paths {
			q := int64(now.UnixNano())
			p.queries[q] = now
			for k, at := range p.queries {
				if now.Sub(at) > relayDeadAfter {
					delete(p.queries, k)
				}
			}
			out = append(out, datagram{b: wire.AppendSelfInfoRequest(nil, p.tag, q), to: p.addr})
		}
	}
	// UDP health, as libtgvoip's EvaluateUdpPingResults 1 s after the 4th
	// self-info request: no relay answered and nothing came over UDP means
	// UDP is blocked; the relays are then tried over TCP.
	if !e.udpChecked && e.selfInfoN >= selfInfoBurst && now.Sub(e.burstEnd) >= time.Second {
		e.udpChecked = true
		replies := 0
		for _, p := range e.paths {
			replies += p.replies
		}
		if replies == 0 && e.udpRecv == 0 && len(e.tcpPaths) > 0 && e.cur.tcp == nil {
			e.log.Warn("no relay answers over UDP, trying TCP")
			e.tcpWanted = true
		}
	}
	// Peer info, when p2p is allowed, after INIT_ACK.
	if e.p.P2PAllowed && e.gotInitAck && e.p2p == nil && e.cur.tcp == nil && e.peerInfoN < peerInfoMax && now.Sub(e.lastPeerInfo) >= peerInfoInterval {
		e.lastPeerInfo = now
		e.peerInfoN++
		out = append(out, datagram{b: wire.AppendPeerInfoRequest(nil, e.cur.tag), to: e.cur.addr})
	}
	// PINGs: on the p2p candidate to verify it, on the current path for RTT.
	if e.gotInitAck {
		for _, p := range []*path{e.p2p, e.cur} {
			every := relayPingInterval
			if p == e.p2p {
				every = p2pPingInterval
			}
			if p != nil && now.Sub(p.lastPing) >= every {
				p.lastPing = now
				d := e.packetLocked(p, wire.TypePing, nil, nil)
				e.pings[e.seq] = now
				out = append(out, d)
			}
		}
		for s, at := range e.pings {
			if now.Sub(at) > 5*time.Second {
				delete(e.pings, s)
			}
		}
	}
	// Back to a relay when p2p stops answering.
	if e.cur == e.p2p && e.p2p != nil && now.Sub(e.p2p.lastRecv) > p2pDeadAfter {
		e.log.Info("p2p failed, back to relay")
		e.cur = e.paths[0]
		e.p2p.rtt = 0
		e.pickRelayLocked(now)
	} else if e.cur.relay && now.Sub(e.cur.lastRecv) > relayDeadAfter {
		e.pickRelayLocked(now)
	}
	// Connection state.
	silent := now.Sub(e.lastRecv)
	switch e.state {
	case stConnecting:
		if now.Sub(e.started) > e.p.ConnectTimeout && e.transition(evTimeout) {
			evs = append(evs, media.Event{State: media.StateFailed, Err: fmt.Errorf("no answer in %v: %w", e.p.ConnectTimeout, ErrConnectTimeout)})
		}
	case stConnected:
		if silent > silenceAfter && e.transition(evSilence) {
			evs = append(evs, media.Event{State: media.StateReconnecting, RemoteMuted: e.remoteMuted})
		}
	case stReconnecting:
		if silent > e.p.PacketTimeout && e.transition(evTimeout) {
			evs = append(evs, media.Event{State: media.StateFailed, Err: fmt.Errorf("no packets for %v: %w", silent.Round(time.Millisecond), ErrPacketTimeout)})
		}
	}
	e.rateLocked(now)
	return out, evs
}

// rateLocked updates bitrates and loss once a second and adapts the encoder.
func (e *Engine) rateLocked(now time.Time) {
	if e.stats.winStart.IsZero() {
		e.stats.winStart = now
	}
	if e.gotInitAck && !e.extraEC && e.bitrate < maxBitrate && now.Sub(e.lastRamp) >= 300*time.Millisecond {
		e.lastRamp = now
		e.bitrate += 1000
		e.p.Audio.SetEncoder(media.EncoderConfig{FrameDuration: frameMs * time.Millisecond, Bitrate: e.bitrate, FEC: true})
	}
	el := now.Sub(e.stats.winStart)
	if el < time.Second {
		return
	}
	e.stats.sendBitrate = int(float64(e.stats.winSentBytes*8) / el.Seconds())
	e.stats.recvBitrate = int(float64(e.stats.winRecvBytes*8) / el.Seconds())
	e.stats.winSentBytes, e.stats.winRecvBytes, e.stats.winStart = 0, 0, now
	// Send loss: audio packets older than 1 s that were never acknowledged.
	var total, lost int
	for _, sp := range e.sent {
		if sp.typ == wire.TypeStreamData && now.Sub(sp.at) > time.Second {
			total++
			if !sp.acked {
				lost++
			}
		}
	}
	if total > 0 {
		e.stats.sendLoss = float64(lost) / float64(total)
	}
	if e.stats.recvExpected > 0 && e.stats.recvGot <= e.stats.recvExpected {
		e.stats.recvLoss = 1 - float64(e.stats.recvGot)/float64(e.stats.recvExpected)
	}
	e.ecLevel = extraECCopies(e.stats.sendLoss)
	want := e.ecLevel > 0
	if want != e.extraEC {
		e.extraEC = want
		cfg := media.EncoderConfig{FrameDuration: frameMs * time.Millisecond, Bitrate: e.bitrate, FEC: true, PacketLossPct: int(e.stats.sendLoss * 100)}
		if want {
			cfg.Bitrate = extraECBitrate
		} else {
			e.bitrate = startBitrate
			cfg.Bitrate = startBitrate
		}
		// Not announced in STREAM_FLAGS: see extraECCopies.
		e.log.Info("extra error correction", "on", want, "copies", e.ecLevel)
		e.p.Audio.SetEncoder(cfg)
	}
}

// extraECCopies is our extra-EC policy: above 2 % send loss (libtgvoip's
// threshold), two copies per packet — of the previous packet and, as
// libtgvoip's layout has it, of this one — and no STREAM_FLAGS extra-EC
// announcement. A libtgvoip 2.4.4 listener uses copies whether announced or
// not; the announcement only raises its jitter buffer from 2 to 4 packets
// (120 ms more delay; issue 15 measured 120–180 ms). With 2 packets in hand
// the copy of the previous packet arrives in time, deeper copies arrive
// behind its playout point and, counted as late packets, make it resync.
// BenchmarkLibtgvoipListenerModel (listener_model_test.go) compares the
// policies on the four network profiles.
func extraECCopies(loss float64) int {
	return min(extraECLevel(loss), 2)
}

// extraECLevel is how many extra-EC copies libtgvoip 2.4.4 sends at a given
// send loss (UpdateCongestion): none up to 2 %, then 2, 3 above 5 %, 4 above 8 %.
func extraECLevel(loss float64) int {
	switch {
	case loss > 0.08:
		return 4
	case loss > 0.05:
		return 3
	case loss > 0.02:
		return 2
	}
	return 0
}

// Stats snapshots the call.
func (e *Engine) Stats() media.Stats {
	a := e.p.Audio.AudioStats()
	e.mu.Lock()
	defer e.mu.Unlock()
	s := media.Stats{LibraryVersion: "2.4.4", Path: e.cur.name, Route: media.RouteDirect, RouteAddr: e.cur.addr.String(), SendBitrate: e.stats.sendBitrate, RecvBitrate: e.stats.recvBitrate,
		SendLoss: e.stats.sendLoss, RecvLoss: e.stats.recvLoss, RTT: e.cur.rtt, Jitter: a.Jitter,
		PacketsSent: e.stats.sent, PacketsRecv: e.stats.recv, RemoteMuted: e.remoteMuted, Audio: a}
	switch {
	case slices.Contains(e.tcpPaths, e.cur):
		s.Route, s.RouteAddr = media.RouteRelay, s.RouteAddr+" tcp"
	case e.cur.relay:
		s.Route = media.RouteRelay
	}
	s.PacketsDropped, s.Rejected = e.rejects.Snapshot()
	if s.RTT == 0 {
		s.RTT = e.stats.rtt
	}
	s.SignalBars = signalBars(e.state, s.SendLoss, s.RTT)
	return s
}

// signalBars follows libtgvoip's idea: 4 bars, fewer with loss and long RTT,
// none while reconnecting.
func signalBars(st connState, loss float64, rtt time.Duration) int {
	if st != stConnected {
		return 0
	}
	bars := 4
	switch {
	case loss > 0.10:
		bars = 1
	case loss > 0.05:
		bars = 2
	case loss > 0.02:
		bars = 3
	}
	if rtt > 800*time.Millisecond {
		bars = min(bars, 2)
	}
	if rtt > 2*time.Second {
		bars = 1
	}
	return bars
}
