package signaling

import (
	"errors"
	"reflect"
	"testing"
)

func TestMessagesRoundTrip(t *testing.T) {
	for _, m := range []Message{
		&InitialSetup{Ufrag: "uf", Pwd: "pw", Fingerprints: []Fingerprint{{Hash: "sha-256", Setup: "actpass", Fingerprint: "AA:BB"}}},
		&NegotiateChannels{ExchangeID: "42", Contents: []Content{{
			Type: "audio", Ssrc: "123",
			PayloadTypes: []PayloadType{{ID: 111, Name: "opus", Clockrate: 48000, Channels: 2,
				FeedbackTypes: []FeedbackType{{Type: "transport-cc"}},
				Parameters:    map[string]string{"useinbandfec": "1", "ptime": "20"}}},
			RtpExtensions: []RTPExtension{{ID: 1, URI: "urn:ietf:params:rtp-hdrext:ssrc-audio-level"}},
		}}},
		&Candidates{Candidates: []Candidate{{SdpString: "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host"}}},
		&MediaState{Muted: true, VideoState: "inactive"},
	} {
		t.Run(m.messageType(), func(t *testing.T) {
			data, err := Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("got %#v, want %#v", got, m)
			}
		})
	}
}

func TestMarshalGolden(t *testing.T) {
	for _, tc := range []struct {
		m    Message
		want string
	}{
		{&MediaState{Muted: true, VideoState: "inactive", ScreencastState: "inactive"},
			`{"@type":"MediaState","muted":true,"lowBattery":false,"videoState":"inactive","videoRotation":0,"screencastState":"inactive"}`},
		{&Candidates{Candidates: []Candidate{{SdpString: "c"}}}, `{"@type":"Candidates","candidates":[{"sdpString":"c"}]}`},
		{&NegotiateChannels{ExchangeID: "7", Contents: []Content{{Type: "audio", Ssrc: "1",
			PayloadTypes: []PayloadType{{ID: 111, Name: "opus", Clockrate: 48000, Channels: 2, FeedbackTypes: []FeedbackType{{Type: "transport-cc"}}}}}}},
			`{"@type":"NegotiateChannels","exchangeId":"7","contents":[{"type":"audio","ssrc":"1","payloadTypes":[{"id":111,"name":"opus","clockrate":48000,"channels":2,"feedbackTypes":[{"type":"transport-cc","subtype":""}]}]}]}`},
	} {
		got, err := Marshal(tc.m)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.want {
			t.Errorf("got  %s\nwant %s", got, tc.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		unknown  bool
	}{
		{"not json", "{", false},
		{"no type", `{"ufrag":"x"}`, true},
		{"unknown type", `{"@type":"VideoParameters"}`, true},
		{"wrong field type", `{"@type":"InitialSetup","ufrag":5}`, false},
		{"array", `[]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil || errors.Is(err, ErrUnknownType) != tc.unknown {
				t.Fatalf("err = %v, unknown=%v", err, tc.unknown)
			}
		})
	}
}

func TestContentSSRC(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		ok   bool
	}{{"0", 0, true}, {"4294967295", 4294967295, true}, {"4294967296", 0, false}, {"-1", 0, false}, {"", 0, false}} {
		got, err := Content{Ssrc: tc.in}.SSRC()
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("SSRC(%q) = %d, %v", tc.in, got, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"@type":"InitialSetup","ufrag":"a","pwd":"b","fingerprints":[{"hash":"sha-256","setup":"actpass","fingerprint":"AA"}]}`))
	f.Add([]byte(`{"@type":"NegotiateChannels","exchangeId":"1","contents":[{"type":"audio","ssrc":"5","payloadTypes":[]}]}`))
	f.Add([]byte(`{"@type":"Candidates","candidates":[{"sdpString":"candidate:1 1 udp 1 ::1 1 typ host"}]}`))
	f.Add([]byte(`{"@type":"MediaState","muted":true}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			return
		}
		if _, err := Marshal(m); err != nil {
			t.Fatalf("parsed message does not marshal: %v", err)
		}
	})
}
