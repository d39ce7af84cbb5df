package reference

import (
	"slices"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"
)

// mline is what the tests check of one m-line.
type mline struct {
	kind, mid, dir string
	ssrc           bool
	setup          string
}

// parseSDP returns the m-lines of an SDP and its BUNDLE group.
func parseSDP(t *testing.T, raw string) ([]mline, string) {
	t.Helper()
	var d sdp.SessionDescription
	if err := d.UnmarshalString(raw); err != nil {
		t.Fatalf("SDP does not parse: %v\n%s", err, raw)
	}
	var out []mline
	for _, m := range d.MediaDescriptions {
		l := mline{kind: m.MediaName.Media}
		for _, a := range m.Attributes {
			switch a.Key {
			case "mid":
				l.mid = a.Value
			case "sendrecv", "sendonly", "recvonly", "inactive":
				l.dir = a.Key
			case "ssrc":
				l.ssrc = true
			case "setup":
				l.setup = a.Value
			}
		}
		if l.kind == "application" {
			l.dir = "-"
		}
		out = append(out, l)
	}
	bundle, _ := d.Attribute("group")
	return out, bundle
}

// descriptions picks the offers and answers out of a side's JSON messages,
// in order, and checks its candidates are as tgcalls sends them.
func descriptions(t *testing.T, msgs []string) []*description {
	t.Helper()
	var out []*description
	for _, raw := range msgs {
		m, err := parseMessage([]byte(raw))
		if err != nil {
			t.Fatalf("%v: %.200s", err, raw)
		}
		switch m := m.(type) {
		case *description:
			out = append(out, m)
		case *candidate:
			if m.Mid != "0" || m.MLine != 0 {
				t.Errorf("candidate on mid %q mline %d, want the bundle's 0/0: %s", m.Mid, m.MLine, raw)
			}
		}
	}
	return out
}

func sameLines(got, want []mline) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}

// The shapes of the four descriptions of a call, as tgcalls' reference
// implementation sends them (transcripts 10.0.0 and 11.0.0): the caller
// offers its audio sendrecv (with its SSRC) and the data channel; the
// callee answers audio recvonly (no SSRC of its own); the callee then
// offers again with its audio as a new sendrecv m-line; the caller answers
// that sendonly on its own audio and recvonly on the callee's. The first
// answer fixes the DTLS roles (callee active), later ones keep them
// (caller passive). All in one BUNDLE.
func app(setup string) mline { return mline{"application", "1", "-", false, setup} }

func wantCallerOffer() []mline {
	return []mline{{"audio", "0", "sendrecv", true, "actpass"}, app("actpass")}
}

func wantCalleeAnswer() []mline {
	return []mline{{"audio", "0", "recvonly", false, "active"}, app("active")}
}

func wantCalleeOffer(mid string) []mline {
	return []mline{{"audio", "0", "recvonly", false, "actpass"}, app("actpass"), {"audio", mid, "sendrecv", true, "actpass"}}
}

func wantCallerAnswer(mid string) []mline {
	return []mline{{"audio", "0", "sendonly", true, "passive"}, app("passive"), {"audio", mid, "recvonly", false, "passive"}}
}

// checkDesc checks a description's type, m-lines and BUNDLE group.
func checkDesc(t *testing.T, name string, d *description, typ string, want []mline) {
	t.Helper()
	if d.Type != typ {
		t.Errorf("%s is an %s, want %s", name, d.Type, typ)
		return
	}
	got, bundle := parseSDP(t, d.SDP)
	if !sameLines(got, want) {
		t.Errorf("%s: m-lines %+v, want %+v", name, got, want)
	}
	wantBundle := "BUNDLE"
	for _, l := range want {
		wantBundle += " " + l.mid
	}
	if bundle != wantBundle {
		t.Errorf("%s: group %q, want %q", name, bundle, wantBundle)
	}
	checkBasics(t, name, d.SDP)
}

// checkBasics: what libwebrtc needs of every m-line besides its shape:
// ICE credentials and a sha-256 fingerprint (session or media level),
// rtcp-mux and Opus as payload type 111 on audio, the SCTP port on the
// data channel's.
func checkBasics(t *testing.T, name, raw string) {
	t.Helper()
	var d sdp.SessionDescription
	if err := d.UnmarshalString(raw); err != nil {
		t.Fatal(err)
	}
	session := map[string]string{}
	for _, a := range d.Attributes {
		session[a.Key] = a.Value
	}
	for i, m := range d.MediaDescriptions {
		attrs := map[string][]string{}
		for _, a := range m.Attributes {
			attrs[a.Key] = append(attrs[a.Key], a.Value)
		}
		has := func(key string) bool { _, ok := attrs[key]; _, ok2 := session[key]; return ok || ok2 }
		for _, k := range []string{"ice-ufrag", "ice-pwd", "fingerprint"} {
			if !has(k) {
				t.Errorf("%s m-line %d: no a=%s", name, i, k)
			}
		}
		fp := session["fingerprint"]
		if v := attrs["fingerprint"]; len(v) > 0 {
			fp = v[0]
		}
		if !strings.HasPrefix(strings.ToLower(fp), "sha-256 ") {
			t.Errorf("%s m-line %d: fingerprint %q", name, i, fp)
		}
		switch m.MediaName.Media {
		case "audio":
			if _, ok := attrs["rtcp-mux"]; !ok {
				t.Errorf("%s m-line %d: no rtcp-mux", name, i)
			}
			if !slices.Contains(attrs["rtpmap"], "111 opus/48000/2") || !slices.Contains(m.MediaName.Formats, "111") {
				t.Errorf("%s m-line %d: no opus/48000/2 as 111: %v %v", name, i, m.MediaName.Formats, attrs["rtpmap"])
			}
		case "application":
			if !slices.Contains(attrs["sctp-port"], "5000") {
				t.Errorf("%s m-line %d: sctp-port %v", name, i, attrs["sctp-port"])
			}
		}
	}
}

// newMid is the mid of the callee's own audio in its offer.
func newMid(t *testing.T, offer *description) string {
	t.Helper()
	lines, _ := parseSDP(t, offer.SDP)
	if len(lines) != 3 || lines[2].mid == "0" || lines[2].mid == "1" {
		t.Fatalf("callee's offer: m-lines %+v, want a third, new one", lines)
	}
	return lines[2].mid
}

// checkRounds checks one call's offers and answers, in the order each side
// sent them, against the shapes above. exact: each side sent exactly two
// descriptions (tgcalls itself repeats some, see the transcripts).
func checkRounds(t *testing.T, callerMsgs, calleeMsgs []string, exact bool) (mid string) {
	t.Helper()
	cd, ed := descriptions(t, callerMsgs), descriptions(t, calleeMsgs)
	if len(cd) < 2 || len(ed) < 2 || (exact && (len(cd) != 2 || len(ed) != 2)) {
		t.Fatalf("caller sent %d descriptions, callee %d", len(cd), len(ed))
	}
	callerOffer, callerAnswer := cd[0], cd[len(cd)-1]
	calleeAnswer, calleeOffer := ed[0], ed[len(ed)-1]
	checkDesc(t, "caller's offer", callerOffer, typeOffer, wantCallerOffer())
	checkDesc(t, "callee's answer", calleeAnswer, typeAnswer, wantCalleeAnswer())
	mid = newMid(t, calleeOffer)
	checkDesc(t, "callee's offer", calleeOffer, typeOffer, wantCalleeOffer(mid))
	checkDesc(t, "caller's answer", callerAnswer, typeAnswer, wantCallerAnswer(mid))
	return mid
}
