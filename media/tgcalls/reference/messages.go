package reference

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// The JSON messages of tgcalls' InstanceV2ReferenceImpl (spec §6.3,
// "Reference impl"), as the 10.0.0 and 11.0.0 transcripts show them:
//
//	{"@type":"offer"|"answer","sdp":"v=0\r\n…"}
//	{"@type":"candidate","mid":"0","mline":0,"sdp":"candidate:…"}
//	{"@type":"MediaState",…}   (data channel; tgcalls also takes it here)
const (
	typeOffer     = "offer"
	typeAnswer    = "answer"
	typeCandidate = "candidate"
)

// Limits on what the peer may send. Real offers are ~2 KB and candidates
// ~150 bytes; a signalling packet is at most 16 KiB and gunzipped messages
// 2 MiB, so these bound what a hostile peer can make pion parse.
const (
	maxMessage   = 64 * 1024
	maxSDP       = 48 * 1024
	maxCandidate = 1024
)

var (
	errMalformed   = errors.New("reference: malformed signalling message")
	errUnknownType = errors.New("reference: unknown signalling message type")
	// errNotIP marks a candidate whose address is a name: tgcalls' reflector
	// pseudo-hosts ("reflector-<id>-<tag>.reflector"), mDNS names, or any
	// other name, which pion would resolve (a DNS lookup chosen by the peer).
	errNotIP = errors.New("reference: candidate address is not an IP")
)

// description is an offer or an answer.
type description struct {
	Type string `json:"@type"`
	SDP  string `json:"sdp"`
}

// candidate is one trickled ICE candidate.
type candidate struct {
	Type  string `json:"@type"`
	SDP   string `json:"sdp"`
	Mid   string `json:"mid"`
	MLine int    `json:"mline"`
}

// message is one parsed signalling message: *description, *candidate or
// *signaling.MediaState.
type message any

// parseMessage decodes one decrypted signalling message and checks what
// tgphone relies on; SDP is checked further by cleanSDP.
func parseMessage(data []byte) (message, error) {
	if len(data) > maxMessage {
		return nil, fmt.Errorf("%w: %d bytes", errMalformed, len(data))
	}
	var env struct {
		Type string `json:"@type"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("%w: %v", errMalformed, err)
	}
	switch env.Type {
	case typeOffer, typeAnswer:
		var d description
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, fmt.Errorf("%w: %s: %v", errMalformed, env.Type, err)
		}
		if d.SDP == "" || len(d.SDP) > maxSDP {
			return nil, fmt.Errorf("%w: %s with %d bytes of SDP", errMalformed, env.Type, len(d.SDP))
		}
		return &d, nil
	case typeCandidate:
		var c candidate
		if err := json.Unmarshal(data, &c); err != nil {
			return nil, fmt.Errorf("%w: candidate: %v", errMalformed, err)
		}
		if len(c.SDP) > maxCandidate || !strings.HasPrefix(c.SDP, "candidate:") || c.MLine < 0 || c.MLine > 64 {
			return nil, fmt.Errorf("%w: candidate %.80q mline %d", errMalformed, c.SDP, c.MLine)
		}
		return &c, nil
	case signaling.TypeMediaState:
		m, err := signaling.Parse(data)
		if err != nil {
			return nil, err
		}
		return m, nil
	case "":
		return nil, fmt.Errorf("%w: no @type", errMalformed)
	}
	return nil, fmt.Errorf("%w: %.40q", errUnknownType, env.Type)
}

// marshal encodes a message with "@type" first, as tgcalls' json11 does not
// (it sorts keys) but as every reader accepts.
func marshal(m any) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // only our own fixed types come here
	}
	return b
}

// checkCandidate refuses candidate lines tgphone does not use: names
// instead of addresses (errNotIP) and anything but UDP.
func checkCandidate(line string) error {
	f := strings.Fields(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(line), "a="), "candidate:"))
	if len(f) < 8 || f[6] != "typ" {
		return fmt.Errorf("%w: candidate with %d fields", errMalformed, len(f))
	}
	if !strings.EqualFold(f[2], "udp") {
		return fmt.Errorf("%w: %s candidate", errMalformed, f[2])
	}
	if net.ParseIP(f[4]) == nil {
		return fmt.Errorf("%w: %.64q", errNotIP, f[4])
	}
	return nil
}

// cleanSDP returns the peer's SDP without the a=candidate lines tgphone
// refuses (see checkCandidate; tgcalls puts gathered candidates into later
// descriptions) and how many it dropped. pion parses the rest.
func cleanSDP(sdp string) (string, int, error) {
	if len(sdp) > maxSDP || !strings.HasPrefix(sdp, "v=0") {
		return "", 0, fmt.Errorf("%w: SDP of %d bytes starting %.8q", errMalformed, len(sdp), sdp)
	}
	var out bytes.Buffer
	out.Grow(len(sdp))
	dropped := 0
	for rest := sdp; rest != ""; {
		line := rest
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i+1], rest[i+1:]
		} else {
			rest = ""
		}
		if strings.HasPrefix(line, "a=candidate:") && checkCandidate(strings.TrimRight(line, "\r\n")) != nil {
			dropped++
			continue
		}
		out.WriteString(line)
	}
	return out.String(), dropped, nil
}

// sameOffer reports whether two offers are the same but for what
// gathering and versioning change: the o= line, connection addresses, m=
// ports and candidates. tgcalls 92640c4's caller sends its first offer
// twice (a second renegotiation event right after the first); the copy,
// made before or after gathering, brings nothing new.
func sameOffer(a, b string) bool {
	return normalOffer(a) == normalOffer(b)
}

func normalOffer(s string) string {
	var out strings.Builder
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.HasPrefix(l, "o="), strings.HasPrefix(l, "c="), strings.HasPrefix(l, "a=candidate:"),
			strings.HasPrefix(l, "a=end-of-candidates"), strings.HasPrefix(l, "a=rtcp:"):
			continue
		case strings.HasPrefix(l, "m="):
			if f := strings.Fields(l); len(f) > 1 {
				f[1] = "9"
				l = strings.Join(f, " ")
			}
		}
		out.WriteString(l)
		out.WriteByte('\n')
	}
	return out.String()
}

// mids lists the a=mid of each m-line of an SDP, in order ("" for an
// m-line without one).
func mids(sdp string) []string {
	var out []string
	for _, l := range strings.Split(sdp, "\n") {
		l = strings.TrimRight(l, "\r")
		switch {
		case strings.HasPrefix(l, "m="):
			out = append(out, "")
		case strings.HasPrefix(l, "a=mid:") && len(out) > 0:
			out[len(out)-1] = strings.TrimPrefix(l, "a=mid:")
		}
	}
	return out
}
