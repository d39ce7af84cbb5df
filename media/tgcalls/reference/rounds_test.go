package reference

import (
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

// checkRounds checks one call's offers and answers, as each side sent
// them, against tgcalls' reference implementation (transcripts 10.0.0 and
// 11.0.0): the caller offers audio sendrecv (its SSRC) and the data
// channel; the callee answers audio recvonly (no SSRC of its own); the
// callee then offers again with its audio as a new sendrecv m-line; the
// caller answers that one sendonly on its own audio and recvonly on the
// callee's. Everything is in one BUNDLE. exact: each side sent exactly two
// descriptions (tgcalls itself repeats some, see the transcripts).
func checkRounds(t *testing.T, callerMsgs, calleeMsgs []string, exact bool) (newMid string) {
	t.Helper()
	cd, ed := descriptions(t, callerMsgs), descriptions(t, calleeMsgs)
	if len(cd) < 2 || len(ed) < 2 || (exact && (len(cd) != 2 || len(ed) != 2)) {
		t.Fatalf("caller sent %d descriptions, callee %d", len(cd), len(ed))
	}
	callerOffer, callerAnswer := cd[0], cd[len(cd)-1]
	calleeAnswer, calleeOffer := ed[0], ed[len(ed)-1]
	for _, c := range []struct {
		name string
		d    *description
		typ  string
	}{{"caller's first", callerOffer, typeOffer}, {"caller's last", callerAnswer, typeAnswer},
		{"callee's first", calleeAnswer, typeAnswer}, {"callee's last", calleeOffer, typeOffer}} {
		if c.d.Type != c.typ {
			t.Fatalf("%s description is an %s, want %s", c.name, c.d.Type, c.typ)
		}
	}
	check := func(name string, d *description, want []mline) {
		t.Helper()
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
	}
	app := func(setup string) mline { return mline{"application", "1", "-", false, setup} }
	check("caller's offer", callerOffer, []mline{{"audio", "0", "sendrecv", true, "actpass"}, app("actpass")})
	check("callee's answer", calleeAnswer, []mline{{"audio", "0", "recvonly", false, "active"}, app("active")})
	lines, _ := parseSDP(t, calleeOffer.SDP)
	if len(lines) == 3 {
		newMid = lines[2].mid
	}
	if newMid == "" || newMid == "0" || newMid == "1" {
		t.Fatalf("callee's offer: m-lines %+v, want a third, new one", lines)
	}
	check("callee's offer", calleeOffer, []mline{{"audio", "0", "recvonly", false, "actpass"}, app("actpass"), {"audio", newMid, "sendrecv", true, "actpass"}})
	check("caller's answer", callerAnswer, []mline{{"audio", "0", "sendonly", true, "passive"}, app("passive"), {"audio", newMid, "recvonly", false, "passive"}})
	return newMid
}
