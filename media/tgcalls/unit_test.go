package tgcalls

import (
	"errors"
	"reflect"
	"sync/atomic"
	"testing"

	"github.com/pion/webrtc/v4"
)

func TestParseCandidate(t *testing.T) {
	for _, tc := range []struct {
		name, line string
		typ        webrtc.ICECandidateType
		err        error
		ok         bool
	}{
		{"host", "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host", webrtc.ICECandidateTypeHost, nil, true},
		{"a= prefix ipv6", "a=candidate:1 1 udp 2130706431 ::1 5000 typ host generation 0", webrtc.ICECandidateTypeHost, nil, true},
		{"relay", "candidate:2 1 udp 16777215 127.0.0.1 6000 typ relay raddr 127.0.0.1 rport 5000", webrtc.ICECandidateTypeRelay, nil, true},
		{"srflx", "candidate:3 1 udp 1686052607 127.0.0.1 7000 typ srflx raddr 10.0.0.1 rport 5000", webrtc.ICECandidateTypeSrflx, nil, true},
		{"reflector", "candidate:4 1 udp 1 reflector-1-305419896.reflector 443 typ relay raddr 0.0.0.0 rport 0", webrtc.ICECandidateTypeRelay, nil, true},
		{"reflector without raddr", "candidate:4 1 udp 1 reflector-2-1.reflector 443 typ relay generation 0", webrtc.ICECandidateTypeRelay, nil, true},
		{"reflector tag not a number", "candidate:4 1 udp 1 reflector-1-abcd.reflector 443 typ relay", 0, nil, false},
		{"reflector tag 0", "candidate:4 1 udp 1 reflector-1-0.reflector 443 typ relay", 0, nil, false},
		{"reflector id 256", "candidate:4 1 udp 1 reflector-256-7.reflector 443 typ relay", 0, nil, false},
		{"reflector host type", "candidate:4 1 udp 1 reflector-1-7.reflector 443 typ host", 0, nil, false},
		{"reflector tcp", "candidate:4 1 tcp 1 reflector-1-7.reflector 443 typ relay", 0, nil, false},
		{"synthetic address", "candidate:4 1 udp 1 240.0.0.1 443 typ relay raddr 0.0.0.0 rport 0", 0, nil, false},
		{"hostname", "candidate:5 1 udp 1 example.org 443 typ host", 0, nil, false},
		{"tcp", "candidate:6 1 tcp 1 127.0.0.1 443 typ host tcptype passive", 0, nil, false},
		{"short", "candidate:1 1 udp", 0, nil, false},
		{"empty", "", 0, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := parseCandidate(tc.line)
			if (err == nil) != tc.ok || (tc.err != nil && !errors.Is(err, tc.err)) {
				t.Fatalf("err = %v, want ok=%v %v", err, tc.ok, tc.err)
			}
			if tc.ok && c.Typ != tc.typ {
				t.Fatalf("type %v, want %v", c.Typ, tc.typ)
			}
		})
	}
}

func FuzzParseCandidate(f *testing.F) {
	f.Add("candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host")
	f.Add("candidate:2 1 udp 16777215 127.0.0.1 6000 typ relay raddr 127.0.0.1 rport 5000")
	f.Add("candidate:4 1 udp 1 reflector-1-abcd.reflector 443 typ relay")
	f.Fuzz(func(t *testing.T, line string) {
		_, _ = parseCandidate(line)
	})
}

// TestSRTPSessionsReachable guards drainUndeclared against a pion upgrade
// that renames the DTLS transport's session fields: before DTLS is up the
// fields exist but hold nothing, which is errNoSessions too, so check the
// field layout itself.
func TestSRTPSessionsReachable(t *testing.T) {
	typ := reflect.TypeOf(webrtc.DTLSTransport{})
	for _, name := range []string{"srtpSession", "srtcpSession"} {
		f, ok := typ.FieldByName(name)
		if !ok || f.Type != reflect.TypeOf(atomic.Value{}) {
			t.Errorf("webrtc.DTLSTransport.%s: found %v, type %v; drainUndeclared needs an atomic.Value", name, ok, f.Type)
		}
	}
	if _, _, err := srtpSessions(&webrtc.DTLSTransport{}); !errors.Is(err, errNoSessions) {
		t.Errorf("srtpSessions before DTLS: %v, want errNoSessions", err)
	}
}
