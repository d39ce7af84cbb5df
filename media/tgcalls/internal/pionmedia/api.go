package pionmedia

import (
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/transport/v4"
	"github.com/pion/transport/v4/stdnet"
	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media"
)

// Setup is what a call's pion objects are made with (both engines'): our
// Opus under PayloadType, RTCP sender and receiver reports (loss, jitter
// and RTT for Stats), no mDNS, UDP only, ICE's disconnected and failed
// timeouts with the selected pair checked each second, the network behind
// the TURN guard (Net), host candidates on loopback only for a call whose
// servers and reflectors all are (LoopbackOnly), and without P2P relays
// only, with no wait for a direct pair that cannot come.
type Setup struct {
	Log     *slog.Logger
	Rejects *media.Rejects
	// Net is the network (tests: a pion vnet); nil is the host's. Divert
	// is Net.Divert.
	Net    transport.Net
	Divert Diverter

	PayloadType webrtc.PayloadType
	Servers     []media.WebRTCServer
	Reflectors  []media.Reflector // the V2 engine's; nil for the reference engine
	P2PAllowed  bool
	// Disconnected and Failed are ICE's: how long it hears nothing before
	// it reports the path lost, and failed.
	Disconnected, Failed time.Duration
}

// Pion is a call's pion configuration: the objects an API is made of, and
// the ICE policy for its gatherer or PeerConnection.
type Pion struct {
	Codecs   *webrtc.MediaEngine
	RTCP     *interceptor.Registry
	Settings webrtc.SettingEngine
	Policy   webrtc.ICETransportPolicy
}

// Pion makes the call's configuration.
func (s Setup) Pion() (Pion, error) {
	me := &webrtc.MediaEngine{}
	if err := me.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: OpusCapability(), PayloadType: s.PayloadType},
		webrtc.RTPCodecTypeAudio); err != nil {
		return Pion{}, fmt.Errorf("register opus: %w", err)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.ConfigureRTCPReports(ir); err != nil {
		return Pion{}, fmt.Errorf("rtcp reports: %w", err)
	}
	se := webrtc.SettingEngine{LoggerFactory: Logs{Log: s.Log, Rejects: s.Rejects}}
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeUDP6})
	se.SetICETimeouts(s.Disconnected, s.Failed, time.Second)
	base := s.Net
	if base == nil {
		std, err := stdnet.NewNet()
		if err != nil {
			return Pion{}, fmt.Errorf("network: %w", err)
		}
		base = std
	}
	se.SetNet(Net{Net: base, Log: s.Log, Rejects: s.Rejects, Divert: s.Divert})
	if s.Net == nil && LoopbackOnly(s.Servers, s.Reflectors) {
		se.SetIncludeLoopbackCandidate(true)
		se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	}
	policy := webrtc.ICETransportPolicyAll
	if !s.P2PAllowed {
		policy = webrtc.ICETransportPolicyRelay
		// pion holds relay pairs back 2 s hoping for a direct one; with
		// relays only there is none to wait for.
		se.SetRelayAcceptanceMinWait(0)
	}
	return Pion{Codecs: me, RTCP: ir, Settings: se, Policy: policy}, nil
}

// API is a pion API made of p.
func (p Pion) API() *webrtc.API {
	return webrtc.NewAPI(webrtc.WithMediaEngine(p.Codecs), webrtc.WithInterceptorRegistry(p.RTCP), webrtc.WithSettingEngine(p.Settings))
}
