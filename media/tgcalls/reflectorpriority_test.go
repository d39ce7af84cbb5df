package tgcalls

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v3"
	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/tgcalls/internal/calltest"
)

// tgcallsRelayPriority is the priority ReflectorPort gives its candidate
// (Port::AddAddress, Candidate::GetPriority, RFC 5245 4.1.2.1):
// type preference GetRelayPreference(proto) (WebRTC's
// ICE_TYPE_PREFERENCE_RELAY_UDP 2, _RELAY_TCP 1) in the top byte, then the
// local preference ((network preference << 8 | address precedence) +
// server priority), then 256 - component.
func tgcallsRelayPriority(tcp bool, localPref uint32) uint32 {
	typePref := uint32(2)
	if tcp {
		typePref = 1
	}
	return typePref<<24 | localPref<<8 | (256 - 1)
}

// TestReflectorPriority: a UDP reflector's relay candidate outranks a TCP
// one's, in tgcalls and here. Ours gets its priority from pion, from the
// first-hop protocol of the TURN URL iceServers hands it.
func TestReflectorPriority(t *testing.T) {
	set := newReflectorSet([]media.Reflector{
		{ID: 1, IP: "127.0.0.1", Port: 599, PeerTag: testPeerTag},
		{ID: 2, IP: "127.0.0.1", Port: 599, PeerTag: testPeerTag, TCP: true},
	}, testLogger(), &media.Rejects{}, nil)
	defer set.close()
	urls := set.iceServers()
	if len(urls) != 2 {
		t.Fatalf("urls %+v", urls)
	}
	// tgcalls' local preference is the same for both ports of one network
	// but for the server priority (list order, 0 or 1 here); the TCP port
	// is given the higher one, and still ranks lower.
	const ipv4Pref = 30 // rtc_base's IPAddressPrecedence of an IPv4 address
	for _, tc := range []struct {
		name      string
		url       string
		transport string
		pion      uint32 // type preference 0 | local preference << 8 | 255
		tgcalls   uint32
	}{
		{"udp", urls[0].url, "udp", 3<<8 | 255, tgcallsRelayPriority(false, ipv4Pref+0)},
		{"tcp", urls[1].url, "tcp", 1<<8 | 255, tgcallsRelayPriority(true, ipv4Pref+1)},
	} {
		u, err := stun.ParseURI(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if u.Proto.String() != tc.transport {
			t.Errorf("%s: URL %s is TURN over %v", tc.name, tc.url, u.Proto)
		}
		c, err := ice.NewCandidateRelay(&ice.CandidateRelayConfig{Network: "udp", Address: u.Host, Port: u.Port,
			Component: 1, RelayProtocol: u.Proto.String()})
		if err != nil {
			t.Fatal(err)
		}
		if c.Priority() != tc.pion {
			t.Errorf("%s: pion priority %d, want %d", tc.name, c.Priority(), tc.pion)
		}
		t.Logf("%s: pion %d, tgcalls %d", tc.name, c.Priority(), tc.tgcalls)
	}
	if tgcallsRelayPriority(false, 0) <= tgcallsRelayPriority(true, 0xffff) {
		t.Error("tgcalls: a TCP reflector outranks a UDP one")
	}
}

// TestEngineReflectorUDPOverTCP: a relay-only call offered the same
// reflector over UDP and over TCP gathers both, ranks the UDP port higher
// and connects through the reflector. Which of the two carries the call is
// not asserted: pion's controlling agent nominates the best pair that has
// succeeded when it decides and never switches afterwards (WebRTC's would),
// so a TCP check that answers first can win (CI saw it once).
func TestEngineReflectorUDPOverTCP(t *testing.T) {
	r := startReflector(t)
	ap := r.Addr()
	callerTag, calleeTag := testPeerTag, testPeerTag
	calleeTag[15] |= 1
	refl := func(tag [16]byte) []media.Reflector {
		return []media.Reflector{
			{ID: 8001, IP: ap.Addr().String(), Port: int(ap.Port()), PeerTag: tag, TCP: true},
			{ID: 8002, IP: ap.Addr().String(), Port: int(ap.Port()), PeerTag: tag},
		}
	}
	caller, callee := startCall(t, callOpts{reflectors: [2][]media.Reflector{refl(callerTag), refl(calleeTag)}}, [2]float64{523, 811})
	calltest.WaitState(t, caller, media.StateConnected)
	calltest.WaitState(t, callee, media.StateConnected)
	calltest.CheckTones(t, caller, callee, 60)
	for _, s := range []*side{caller, callee} {
		p := s.Eng.Stats().Path
		if p != pathReflector+" "+ap.String()+" udp" && p != pathReflector+" "+ap.String()+" tcp" {
			t.Errorf("path = %q, want the reflector %s", p, ap)
		}
		t.Logf("path %s", p)
		prio := gatheredReflectorPriorities(t, s.Eng)
		t.Logf("relay candidate priorities: %v", prio)
		if prio["udp"] == 0 || prio["tcp"] == 0 || prio["udp"] <= prio["tcp"] {
			t.Errorf("priorities %v: want both gathered, UDP above TCP", prio)
		}
	}
}

// gatheredReflectorPriorities waits for e's gathering to complete and
// returns its reflector candidates' priorities by first-hop protocol.
func gatheredReflectorPriorities(t *testing.T, e *Engine) map[string]uint32 {
	t.Helper()
	e.mu.Lock()
	g := e.gatherer
	e.mu.Unlock()
	for deadline := time.Now().Add(30 * time.Second); g.State() != webrtc.ICEGathererStateComplete; {
		if time.Now().After(deadline) {
			t.Fatalf("gathering not complete: %v", g.State())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cands, err := g.GetLocalCandidates()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]uint32{}
	for _, c := range cands {
		if d, ok := e.refl.describe(c.Address); ok && net.ParseIP(c.Address) != nil {
			out[d[strings.LastIndexByte(d, ' ')+1:]] = c.Priority
		}
	}
	return out
}
