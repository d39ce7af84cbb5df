package tgcalls

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"
)

// errReflector marks a candidate on a Telegram reflector pseudo-host.
var errReflector = errors.New("tgcalls: reflector candidate")

// maxCandidate bounds a candidate line; real ones are ~100 bytes.
const maxCandidate = 1024

// parseCandidate turns an a=candidate line from the peer into a pion
// candidate. Hostnames are refused: native tgcalls peers put their reflector
// relays there ("reflector-<id>-<tag>.reflector"), and resolving any other name
// from a peer would leak DNS lookups.
func parseCandidate(line string) (*webrtc.ICECandidate, error) {
	if len(line) > maxCandidate {
		return nil, fmt.Errorf("candidate of %d bytes", len(line))
	}
	raw := strings.TrimPrefix(strings.TrimSpace(line), "a=")
	fields := strings.Fields(strings.TrimPrefix(raw, "candidate:"))
	if len(fields) < 8 {
		return nil, fmt.Errorf("candidate %q: too few fields", raw)
	}
	if host := fields[4]; net.ParseIP(host) == nil {
		if strings.HasSuffix(host, ".reflector") {
			return nil, errReflector
		}
		return nil, fmt.Errorf("candidate address %q is not an IP", host)
	}
	c, err := ice.UnmarshalCandidate(raw)
	if err != nil {
		return nil, fmt.Errorf("candidate %q: %w", raw, err)
	}
	var typ webrtc.ICECandidateType
	switch c.Type() {
	case ice.CandidateTypeHost:
		typ = webrtc.ICECandidateTypeHost
	case ice.CandidateTypeServerReflexive:
		typ = webrtc.ICECandidateTypeSrflx
	case ice.CandidateTypePeerReflexive:
		typ = webrtc.ICECandidateTypePrflx
	case ice.CandidateTypeRelay:
		typ = webrtc.ICECandidateTypeRelay
	default:
		return nil, fmt.Errorf("candidate type %v", c.Type())
	}
	if !c.NetworkType().IsUDP() {
		return nil, fmt.Errorf("candidate transport %v: only UDP is used", c.NetworkType())
	}
	out := &webrtc.ICECandidate{
		Foundation: c.Foundation(),
		Priority:   c.Priority(),
		Address:    c.Address(),
		Protocol:   webrtc.ICEProtocolUDP,
		Port:       uint16(c.Port()),
		Component:  c.Component(),
		Typ:        typ,
	}
	if ra := c.RelatedAddress(); ra != nil {
		out.RelatedAddress = ra.Address
		out.RelatedPort = uint16(ra.Port)
	}
	return out, nil
}
