package tgcalls

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/pion/webrtc/v4"

	"github.com/tgphone/tgphone/media/tgcalls/internal/pionmedia"
)

// pathReflector starts Stats.Path when the call goes through our port on a
// Telegram reflector.
const pathReflector = "relay (Telegram reflector)"

// maxCandidate bounds a candidate line; real ones are ~100 bytes.
const maxCandidate = 1024

// parseCandidate turns an a=candidate line from the peer into a pion
// candidate. Host names are refused (resolving a name from a peer would leak
// DNS lookups) but for the relays of native tgcalls peers on Telegram's
// reflectors, "reflector-<id>-<tag>.reflector": those come back with that
// name as Address, for the engine to map (reflectorCandidate).
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
		if strings.HasSuffix(host, reflectorHostTail) {
			return parseReflectorCandidate(raw, fields)
		}
		return nil, fmt.Errorf("candidate address %q is not an IP", host)
	} else if pionmedia.IsSynthetic(net.ParseIP(host)) {
		return nil, fmt.Errorf("candidate address %s is in 240.0.0.0/4", host)
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

// parseReflectorCandidate reads the fields tgcalls' ReflectorPort gives its
// candidates: UDP, type relay, a reflector host name and the reflector's port.
func parseReflectorCandidate(raw string, f []string) (*webrtc.ICECandidate, error) {
	if _, _, err := parseReflectorHost(f[4]); err != nil {
		return nil, err
	}
	comp, err := strconv.ParseUint(f[1], 10, 16)
	if err != nil || comp == 0 {
		return nil, fmt.Errorf("candidate %q: component", raw)
	}
	prio, err := strconv.ParseUint(f[3], 10, 32)
	if err != nil {
		return nil, fmt.Errorf("candidate %q: priority", raw)
	}
	port, err := strconv.ParseUint(f[5], 10, 16)
	if err != nil || port == 0 {
		return nil, fmt.Errorf("candidate %q: port", raw)
	}
	if !strings.EqualFold(f[2], "udp") || f[6] != "typ" || f[7] != "relay" {
		return nil, fmt.Errorf("candidate %q: a reflector's is a UDP relay", raw)
	}
	return &webrtc.ICECandidate{
		Foundation: f[0], Priority: uint32(prio), Address: f[4], Protocol: webrtc.ICEProtocolUDP,
		Port: uint16(port), Component: uint16(comp), Typ: webrtc.ICECandidateTypeRelay,
	}, nil
}

// reflectorCandidate reports a candidate parseCandidate left on a reflector
// host name, with the server id and port tag the name carries.
func reflectorCandidate(c *webrtc.ICECandidate) (id uint8, tag uint32, ok bool) {
	if !strings.HasSuffix(c.Address, reflectorHostTail) {
		return 0, 0, false
	}
	id, tag, err := parseReflectorHost(c.Address)
	return id, tag, err == nil
}
