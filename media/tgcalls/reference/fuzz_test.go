package reference

import (
	"strings"
	"testing"
)

// fuzzSeeds are real messages: tgcalls' own, from the transcripts, and
// shapes around the limits.
func fuzzSeeds(f *testing.F) {
	for _, v := range Versions {
		for _, side := range []string{"caller", "callee"} {
			for _, m := range openFrames(f, v, tgFrames(f, v, side), side == "caller") {
				f.Add([]byte(m))
			}
		}
	}
	for _, s := range []string{
		`{"@type":"offer","sdp":"v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=candidate:1 1 udp 1 reflector-1-aa.reflector 1 typ relay\r\n"}`,
		`{"@type":"candidate","sdp":"candidate:1 1 udp 2122260223 10.213.7.1 51714 typ host","mid":"0","mline":0}`,
		`{"@type":"candidate","sdp":"candidate:1 1 udp 1 x.local 1 typ host","mid":"0","mline":-1}`,
		`{"@type":"MediaState","muted":true}`,
		`{"@type":"answer","sdp":""}`,
		`{"@type":7}`,
		`[]`,
	} {
		f.Add([]byte(s))
	}
}

// FuzzParseMessage: whatever the peer's signalling decrypts to, parsing it
// and the checks on its SDP and candidates never panic, and what they let
// through holds what the engine relies on.
func FuzzParseMessage(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseMessage(data)
		if err != nil {
			return
		}
		switch m := m.(type) {
		case *description:
			if m.Type != typeOffer && m.Type != typeAnswer || m.SDP == "" || len(m.SDP) > maxSDP {
				t.Fatalf("accepted %+v", m)
			}
			clean, dropped, err := cleanSDP(m.SDP)
			if err != nil {
				return
			}
			if len(clean) > len(m.SDP) || dropped < 0 {
				t.Fatalf("cleanSDP grew the SDP or dropped %d", dropped)
			}
			for _, l := range strings.Split(clean, "\n") {
				if strings.HasPrefix(l, "a=candidate:") && checkCandidate(strings.TrimRight(l, "\r")) != nil {
					t.Fatalf("cleanSDP kept %q", l)
				}
			}
			again, d2, err := cleanSDP(clean)
			if err != nil || again != clean || d2 != 0 {
				t.Fatalf("cleanSDP is not idempotent: %v, dropped %d", err, d2)
			}
			if !sameOffer(clean, clean) {
				t.Fatal("sameOffer(x, x) is false")
			}
			_ = mids(clean)
		case *candidate:
			if len(m.SDP) > maxCandidate || !strings.HasPrefix(m.SDP, "candidate:") || m.MLine < 0 {
				t.Fatalf("accepted %+v", m)
			}
			_ = checkCandidate(m.SDP)
		}
	})
}

// FuzzCleanSDP: any SDP text, as an offer or answer would carry it.
func FuzzCleanSDP(f *testing.F) {
	f.Add("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\na=candidate:1 1 udp 1 10.0.0.1 1 typ host\r\na=candidate:1 1 udp 1 h.reflector 1 typ relay\r\n")
	f.Add("v=0\nm=\na=mid:\na=candidate:\n")
	f.Fuzz(func(t *testing.T, sdp string) {
		clean, dropped, err := cleanSDP(sdp)
		if err != nil {
			return
		}
		if dropped == 0 && clean != sdp {
			t.Fatalf("nothing dropped but the SDP changed")
		}
		if n := strings.Count(sdp, "\n") - strings.Count(clean, "\n"); n > dropped {
			t.Fatalf("%d lines gone, %d dropped", n, dropped)
		}
		ms := mids(clean)
		if len(ms) > strings.Count(clean, "m=") {
			t.Fatalf("%d mids for %d m= lines", len(ms), strings.Count(clean, "m="))
		}
	})
}
