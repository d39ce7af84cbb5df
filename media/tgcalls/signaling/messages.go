package signaling

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Message type names ("@type") of InstanceV2Impl (spec §6.3).
const (
	TypeInitialSetup      = "InitialSetup"
	TypeNegotiateChannels = "NegotiateChannels"
	TypeCandidates        = "Candidates"
	TypeMediaState        = "MediaState"
)

// maxMessage bounds what Parse accepts; larger JSON cannot come from a
// 16 KiB signalling packet or a data-channel message we would trust.
const maxMessage = 64 * 1024

// ErrUnknownType is returned by Parse for a valid message of a type this
// engine does not handle; callers ignore it.
var ErrUnknownType = errors.New("signaling: unknown message type")

// Message is one of *InitialSetup, *NegotiateChannels, *Candidates, *MediaState.
type Message interface{ messageType() string }

// Fingerprint is a DTLS certificate fingerprint with the sender's setup role.
type Fingerprint struct {
	Hash        string `json:"hash"`
	Setup       string `json:"setup"`
	Fingerprint string `json:"fingerprint"`
}

// InitialSetup carries ICE credentials and DTLS fingerprints.
type InitialSetup struct {
	Ufrag        string        `json:"ufrag"`
	Pwd          string        `json:"pwd"`
	Renomination bool          `json:"renomination"`
	Fingerprints []Fingerprint `json:"fingerprints"`
}

// FeedbackType is an RTCP feedback type. Subtype is always written: tgcalls
// rejects a feedback object without it.
type FeedbackType struct {
	Type    string `json:"type"`
	Subtype string `json:"subtype"`
}

// PayloadType is one codec of a media content.
type PayloadType struct {
	ID            int               `json:"id"`
	Name          string            `json:"name"`
	Clockrate     int               `json:"clockrate"`
	Channels      int               `json:"channels,omitempty"`
	FeedbackTypes []FeedbackType    `json:"feedbackTypes,omitempty"`
	Parameters    map[string]string `json:"parameters,omitempty"`
}

// SsrcGroup groups SSRCs (FID, SIM) of a video content.
type SsrcGroup struct {
	Semantics string   `json:"semantics"`
	Ssrcs     []string `json:"ssrcs"`
}

// RTPExtension is a negotiated RTP header extension.
type RTPExtension struct {
	ID  int    `json:"id"`
	URI string `json:"uri"`
}

// Content is one send stream offered in NegotiateChannels.
type Content struct {
	Type          string         `json:"type"` // "audio" or "video"
	Ssrc          string         `json:"ssrc"` // uint32 in decimal
	SsrcGroups    []SsrcGroup    `json:"ssrcGroups,omitempty"`
	PayloadTypes  []PayloadType  `json:"payloadTypes"`
	RtpExtensions []RTPExtension `json:"rtpExtensions,omitempty"`
}

// SSRC parses the content's decimal SSRC.
func (c Content) SSRC() (uint32, error) {
	v, err := strconv.ParseUint(c.Ssrc, 10, 32)
	if err != nil {
		return 0, fmt.Errorf("content %s ssrc %q: %w", c.Type, c.Ssrc, err)
	}
	return uint32(v), nil
}

// NegotiateChannels is the offer/answer of send streams; an answer reuses the
// offer's ExchangeID.
type NegotiateChannels struct {
	ExchangeID string    `json:"exchangeId"`
	Contents   []Content `json:"contents"`
}

// Audio returns the first audio content, if any.
func (n *NegotiateChannels) Audio() (Content, bool) {
	for _, c := range n.Contents {
		if c.Type == "audio" {
			return c, true
		}
	}
	return Content{}, false
}

// Candidate is an ICE candidate in a=candidate syntax.
type Candidate struct {
	SdpString string `json:"sdpString"`
}

// Candidates carries trickled ICE candidates.
type Candidates struct {
	Candidates []Candidate `json:"candidates"`
}

// MediaState is the sender's mute and video state.
type MediaState struct {
	Muted           bool   `json:"muted"`
	LowBattery      bool   `json:"lowBattery"`
	VideoState      string `json:"videoState"`
	VideoRotation   int    `json:"videoRotation"`
	ScreencastState string `json:"screencastState"`
}

func (*InitialSetup) messageType() string      { return TypeInitialSetup }
func (*NegotiateChannels) messageType() string { return TypeNegotiateChannels }
func (*Candidates) messageType() string        { return TypeCandidates }
func (*MediaState) messageType() string        { return TypeMediaState }

// Marshal encodes m with its "@type" field first, as tgcalls writes it.
func Marshal(m Message) ([]byte, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("marshal %s: %w", m.messageType(), err)
	}
	head := `{"@type":` + strconv.Quote(m.messageType())
	if len(body) > 2 {
		head += ","
	}
	return append([]byte(head), body[1:]...), nil
}

// Parse decodes one JSON signalling message.
func Parse(data []byte) (Message, error) {
	if len(data) > maxMessage {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(data))
	}
	var env struct {
		Type string `json:"@type"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return nil, fmt.Errorf("parse signaling message: %w", err)
	}
	var m Message
	switch env.Type {
	case TypeInitialSetup:
		m = new(InitialSetup)
	case TypeNegotiateChannels:
		m = new(NegotiateChannels)
	case TypeCandidates:
		m = new(Candidates)
	case TypeMediaState:
		m = new(MediaState)
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnknownType, env.Type)
	}
	if err := json.Unmarshal(data, m); err != nil {
		return nil, fmt.Errorf("parse %s: %w", env.Type, err)
	}
	return m, nil
}
