package reference

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

func TestParseMessage(t *testing.T) {
	long := strings.Repeat("x", maxSDP)
	for _, tc := range []struct {
		in   string
		want any // *description, *candidate, *signaling.MediaState, or an error
	}{
		{`{"@type":"offer","sdp":"v=0\r\n"}`, &description{Type: "offer", SDP: "v=0\r\n"}},
		{`{"@type": "answer", "sdp": "v=0"}`, &description{Type: "answer", SDP: "v=0"}},
		{`{"@type":"candidate","mid":"0","mline":0,"sdp":"candidate:1 1 udp 1 1.2.3.4 5 typ host"}`,
			&candidate{Type: "candidate", SDP: "candidate:1 1 udp 1 1.2.3.4 5 typ host", Mid: "0"}},
		{`{"@type":"MediaState","muted":true,"videoState":"inactive"}`, &signaling.MediaState{Muted: true, VideoState: "inactive"}},
		{`{"@type":"offer"}`, errMalformed},
		{`{"@type":"offer","sdp":"` + long + `x"}`, errMalformed},
		{`{"@type":"candidate","sdp":"a=1"}`, errMalformed},
		{`{"@type":"candidate","sdp":"candidate:1","mline":-1}`, errMalformed},
		{`{"@type":"candidate","sdp":7}`, errMalformed},
		{`{"sdp":"v=0"}`, errMalformed},
		{`not json`, errMalformed},
		{`{"@type":"InitialSetup"}`, errUnknownType},
	} {
		got, err := parseMessage([]byte(tc.in))
		if werr, ok := tc.want.(error); ok {
			if !errors.Is(err, werr) {
				t.Errorf("%.60s: %v, want %v", tc.in, err, werr)
			}
			continue
		}
		if err != nil || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tc.want) {
			t.Errorf("%.60s: %+v %v, want %+v", tc.in, got, err, tc.want)
		}
	}
}

// TestMarshal: our messages have tgcalls' field names.
func TestMarshal(t *testing.T) {
	if got := string(marshal(description{Type: typeOffer, SDP: "v=0"})); got != `{"@type":"offer","sdp":"v=0"}` {
		t.Error(got)
	}
	if got := string(marshal(candidate{Type: typeCandidate, SDP: "candidate:x", Mid: "0"})); got != `{"@type":"candidate","sdp":"candidate:x","mid":"0","mline":0}` {
		t.Error(got)
	}
}

func TestCheckCandidate(t *testing.T) {
	for line, want := range map[string]error{
		"candidate:1189678480 1 udp 2122260223 10.213.7.1 51714 typ host generation 0 ufrag Budr network-id 3 network-cost 50": nil,
		"a=candidate:1 1 UDP 1 ::1 5 typ host":                                             nil,
		"candidate:1 1 udp 1 reflector-5-0a0b.reflector 5 typ relay raddr 0.0.0.0 rport 0": errNotIP,
		"candidate:1 1 udp 1 4f3e-11.local 5 typ host":                                     errNotIP,
		"candidate:1 1 tcp 1 1.2.3.4 5 typ host tcptype passive":                           errMalformed,
		"candidate:1 1 udp 1 1.2.3.4 5 type host":                                          errMalformed,
		"candidate:1": errMalformed,
	} {
		if err := checkCandidate(line); !errors.Is(err, want) {
			t.Errorf("%q: %v, want %v", line, err, want)
		}
	}
}

func TestCleanSDP(t *testing.T) {
	in := "v=0\r\nm=audio 42285 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n" +
		"a=candidate:1 1 udp 2122260223 10.213.7.1 42285 typ host generation 0\r\n" +
		"a=candidate:2 1 udp 1 reflector-1-ff.reflector 1 typ relay\r\n" +
		"a=candidate:3 1 udp 1 a.local 1 typ host\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n"
	out, dropped, err := cleanSDP(in)
	want := "v=0\r\nm=audio 42285 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n" +
		"a=candidate:1 1 udp 2122260223 10.213.7.1 42285 typ host generation 0\r\n" +
		"m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:1\r\n"
	if err != nil || dropped != 2 || out != want {
		t.Errorf("cleanSDP: %d dropped, %v\n%q\nwant\n%q", dropped, err, out, want)
	}
	if m := mids(out); !slices.Equal(m, []string{"0", "1"}) {
		t.Errorf("mids %q", m)
	}
	if _, _, err := cleanSDP("m=audio"); !errors.Is(err, errMalformed) {
		t.Errorf("SDP without v=0: %v", err)
	}
	a := "v=0\r\no=- 4742002023370821243 2 IN IP4 127.0.0.1\r\ns=-\r\n"
	b := "v=0\r\no=- 4742002023370821243 3 IN IP4 127.0.0.1\r\ns=-\r\n"
	if !sameOffer(a, b) || sameOffer(a, b+"a=x\r\n") {
		t.Error("sameOffer")
	}
}
