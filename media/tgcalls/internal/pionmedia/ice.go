package pionmedia

import (
	"net"
	"strconv"

	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media"
)

// ICEServers turns the call's phoneConnectionWebrtc entries into pion ICE
// servers: only the call's own servers, UDP, no third-party STUN. An entry's
// IPv4 and IPv6 address each make one; a bad port, or TURN without
// credentials, makes none.
func ICEServers(servers []media.WebRTCServer) []webrtc.ICEServer {
	var out []webrtc.ICEServer
	for _, s := range servers {
		for _, host := range []string{s.IP, s.IPv6} {
			if host == "" || s.Port <= 0 || s.Port > 65535 {
				continue
			}
			addr := net.JoinHostPort(host, strconv.Itoa(s.Port))
			if s.TURN && s.Username != "" && s.Password != "" {
				out = append(out, webrtc.ICEServer{
					URLs: []string{"turn:" + addr + "?transport=udp"}, Username: s.Username, Credential: s.Password,
				})
			}
			if s.STUN {
				out = append(out, webrtc.ICEServer{URLs: []string{"stun:" + addr}})
			}
		}
	}
	return out
}

// LoopbackOnly is true when every server and reflector is on loopback (the
// sandbox): host candidates are then limited to loopback too, so a sandbox
// call never uses the machine's real interfaces.
func LoopbackOnly(servers []media.WebRTCServer, refl []media.Reflector) bool {
	hosts := []string{}
	for _, s := range servers {
		hosts = append(hosts, s.IP, s.IPv6)
	}
	for _, r := range refl {
		hosts = append(hosts, r.IP, r.IPv6)
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil && !ip.IsLoopback() {
			return false
		}
	}
	return true
}

// OpusCapability is the Opus both engines send and receive, as tgcalls
// offers it: 48 kHz, two channels in the SDP sense, in-band FEC.
func OpusCapability() webrtc.RTPCodecCapability {
	return webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: media.SampleRate, Channels: 2,
		SDPFmtpLine: "minptime=10;useinbandfec=1",
	}
}

// Path is Stats.Path, Route and RouteAddr for the selected candidate
// pair: through our TURN relay, the peer's, or peer to peer; "" and
// RouteNone without a pair.
func Path(p *webrtc.ICECandidatePair) (path string, r media.Route, addr string) {
	switch {
	case p == nil || p.Local == nil || p.Remote == nil:
		return "", media.RouteNone, ""
	case p.Local.Typ == webrtc.ICECandidateTypeRelay:
		addr = net.JoinHostPort(p.Local.Address, strconv.Itoa(int(p.Local.Port)))
		return "turn " + addr, media.RouteTURN, addr
	case p.Remote.Typ == webrtc.ICECandidateTypeRelay:
		addr = net.JoinHostPort(p.Remote.Address, strconv.Itoa(int(p.Remote.Port)))
		return "turn (peer) " + addr, media.RoutePeerTURN, addr
	}
	addr = net.JoinHostPort(p.Remote.Address, strconv.Itoa(int(p.Remote.Port)))
	return "p2p " + addr, media.RouteDirect, addr
}
