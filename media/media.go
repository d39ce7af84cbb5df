package media

import (
	"context"
	"log/slog"
	"time"
)

// Reflector is a Telegram relay from a phoneConnection entry (spec §3).
type Reflector struct {
	ID      int64
	IP      string // IPv4, may be empty
	IPv6    string // may be empty
	Port    int
	PeerTag [16]byte
	TCP     bool
}

// WebRTCServer is a STUN or TURN server from a phoneConnectionWebrtc entry (spec §3).
type WebRTCServer struct {
	ID       int64
	IP       string
	IPv6     string
	Port     int
	Username string
	Password string
	TURN     bool
	STUN     bool
}

// Params is everything an engine needs to carry one call's media.
type Params struct {
	// Key is the 256-byte shared call key from the DH exchange.
	Key [256]byte
	// Outgoing is true on the caller's side.
	Outgoing bool
	// LibraryVersion is the negotiated version, e.g. "2.4.4" or "9.0.0".
	LibraryVersion string
	Reflectors     []Reflector
	WebRTCServers  []WebRTCServer
	// P2PAllowed is the server's p2p_allowed combined with the user's own policy.
	P2PAllowed bool
	// CustomParameters is the phoneCall's custom_parameters JSON, if any
	// (tgcalls 12/13 read network_signaling_nosctp and network_kcp_experiment).
	CustomParameters []byte
	// ConnectTimeout (call_connect_timeout_ms) bounds the time to first connect;
	// PacketTimeout (call_packet_timeout_ms) is how long silence from the peer is
	// tolerated once connected.
	ConnectTimeout time.Duration
	PacketTimeout  time.Duration
	// Audio is the audio engine's view for this call.
	Audio AudioPort
	// SendSignaling sends opaque engine signalling to the peer through
	// phone.sendSignalingData (tgcalls engines only; nil for legacy).
	SendSignaling func(ctx context.Context, data []byte) error
	// OnEvent receives state changes. It must not block: the engine calls it from
	// its own goroutines.
	OnEvent func(Event)
	Logger  *slog.Logger
}

// State is the media connection state an engine reports.
type State int

const (
	StateConnecting State = iota
	StateConnected
	StateReconnecting
	StateFailed
	StateClosed
)

func (s State) String() string {
	switch s {
	case StateConnecting:
		return "connecting"
	case StateConnected:
		return "connected"
	case StateReconnecting:
		return "reconnecting"
	case StateFailed:
		return "failed"
	case StateClosed:
		return "closed"
	}
	return "unknown"
}

// Event is a state change of an engine. Err is set with StateFailed.
type Event struct {
	State       State
	Err         error
	RemoteMuted bool
	NoAudio     bool // as Stats.NoAudio
}

// Route is the way a call's audio takes, which the UI words in its
// language (Stats.Path says it in English, for logs).
type Route int

const (
	RouteNone     Route = iota // not connected yet
	RouteDirect                // peer to peer
	RouteRelay                 // through a Telegram relay (reflector)
	RouteTURN                  // through a TURN server on our side
	RoutePeerTURN              // through a TURN server on the peer's side
)

// Stats is one snapshot of an engine's view of the call, as the UI shows it.
type Stats struct {
	LibraryVersion string
	Path           string // in English, for logs: e.g. "relay 2 127.0.0.1:5000", "p2p 10.0.0.2:4000"
	Route          Route
	// RouteAddr is the far end of Route's hop: the peer's, the relay's or
	// the TURN server's address, and "tcp" or "udp" after a relay's when
	// it says; "" with RouteNone.
	RouteAddr      string
	SendBitrate    int // bit/s
	RecvBitrate    int // bit/s
	SendLoss       float64
	RecvLoss       float64
	RTT            time.Duration
	Jitter         time.Duration
	SignalBars     int // 0..4
	PacketsSent    uint64
	PacketsRecv    uint64
	PacketsDropped uint64            // rejected on receive: bad crypto, replay, malformed
	Rejected       map[string]uint64 // PacketsDropped by reason
	RemoteMuted    bool
	// NoAudio is true while the call is connected and the peer, not muted,
	// has sent no audio for several seconds: the call looks up but is silent.
	NoAudio bool
	Audio   AudioStats
}

// Engine carries one call's media. Start it once; Close ends it.
type Engine interface {
	Start(ctx context.Context) error
	// ReceiveSignaling hands the engine data from updatePhoneCallSignalingData.
	ReceiveSignaling(data []byte)
	SetMuted(muted bool)
	Stats() Stats
	Close() error
}

// Factory builds an engine for one negotiated library version.
type Factory func(p Params) (Engine, error)
