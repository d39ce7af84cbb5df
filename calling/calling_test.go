package calling

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

func TestMapRPCError(t *testing.T) {
	for _, tc := range []struct {
		code string
		want error
		id   string
	}{
		{"USER_PRIVACY_RESTRICTED", ErrPrivacyRestricted, "privacy_restricted"},
		{"PARTICIPANT_VERSION_OUTDATED", ErrPeerOutdated, "peer_outdated"},
		{"USER_IS_BLOCKED", ErrBlocked, "blocked"},
		{"USER_ID_INVALID", ErrUserInvalid, "user_invalid"},
		{"CALL_PROTOCOL_FLAGS_INVALID", ErrProtocol, "protocol_invalid"},
		{"CALL_PROTOCOL_LAYER_INVALID", ErrProtocol, "protocol_invalid"},
		{"CALL_ALREADY_ACCEPTED", ErrAlreadyAccepted, "already_accepted"},
		{"CALL_ALREADY_DECLINED", ErrAlreadyDeclined, "already_declined"},
		{"CALL_PEER_INVALID", ErrCallInvalid, "call_invalid"},
	} {
		got := mapRPCError(fmt.Errorf("request call: %w", tgerr.New(400, tc.code)))
		if !errors.Is(got, tc.want) {
			t.Errorf("%s: %v is not %v", tc.code, got, tc.want)
		}
		if c := ErrorCode(got); c != tc.id {
			t.Errorf("%s: code %q, want %q", tc.code, c, tc.id)
		}
	}
	other := tgerr.New(500, "INTERNAL")
	if got := mapRPCError(other); got != other || ErrorCode(got) != "error" {
		t.Errorf("unknown error changed: %v / %s", got, ErrorCode(got))
	}
}

func TestUserMessage(t *testing.T) {
	for _, tc := range []struct {
		s    State
		err  error
		out  bool
		want string
	}{
		{StateFailed, ErrPrivacyRestricted, true, "Alice's privacy settings do not allow calls."},
		{StateFailed, ErrPeerOutdated, true, "Alice uses an app version that cannot take calls from tgphone."},
		{StateFailed, fmt.Errorf("start media: %w", &NoEngineError{Version: "9.9.9"}), true, "This call needs protocol version 9.9.9, which tgphone cannot carry yet."},
		{StateFailed, ErrNoEngine, true, "This call needs a media engine tgphone does not have yet."},
		{StateFailed, fmt.Errorf("confirmed: %w", ErrEncryption), true, "Encryption check failed; the call was ended to keep it private."},
		{StateBusy, nil, true, "Alice is busy."},
		{StateMissed, nil, true, "Alice did not answer."},
		{StateMissed, nil, false, "Missed call from Alice."},
		{StateDeclined, nil, false, "You declined the call."},
		{StateAnsweredElsewhere, nil, false, "The call was taken on another device."},
		{StateEnded, nil, true, ""},
		// No internal text reaches the user: the server's error by name,
		// the network, or tgphone's own fault.
		{StateFailed, fmt.Errorf("request call: %w", tgerr.New(500, "CALL_OCCUPY_FAILED")), true, "The call failed: the server refused it (CALL_OCCUPY_FAILED)."},
		{StateFailed, fmt.Errorf("get dh config: waitSession: %w", context.DeadlineExceeded), true, "The call failed: the server could not be reached. Check your connection."},
		{StateFailed, errors.New("engine: nil pointer in the receive loop"), true, "The call failed because of a fault in tgphone; the log has the details."},
	} {
		if got := UserMessage(tc.s, tc.err, tc.out, "Alice"); got != tc.want {
			t.Errorf("%s/%v: %q, want %q", tc.s, tc.err, got, tc.want)
		}
	}
}

// endingInputs are a call's ends: every state with and without each kind
// of error, both ways.
func endingInputs() (out []struct {
	s   State
	err error
	out bool
}) {
	errs := []error{nil, ErrPrivacyRestricted, ErrPeerOutdated, ErrBlocked, ErrUserInvalid, ErrProtocol,
		ErrAlreadyAccepted, ErrAlreadyDeclined, ErrCallInvalid, ErrEncryption, &NoEngineError{Version: "9.9.9"},
		ErrConnectFailed, ErrConnectionLost, ErrKeysTimeout, ErrInCall, ErrNoMicrophone,
		fmt.Errorf("request call: %w", tgerr.New(500, "CALL_OCCUPY_FAILED")),
		fmt.Errorf("get dh config: %w", context.DeadlineExceeded), errors.New("a fault")}
	for s := StateIdle; s < numStates; s++ {
		for _, err := range errs {
			for _, o := range []bool{true, false} {
				out = append(out, struct {
					s   State
					err error
					out bool
				}{s, err, o})
			}
		}
	}
	return out
}

// Every end a call can come to has an EndReason, every EndReason is
// reachable, and each but EndNone has an English sentence naming no
// internal error text; the detail the sentence quotes is in it.
func TestEndReasons(t *testing.T) {
	seen := map[EndReason]bool{}
	for _, in := range endingInputs() {
		e := EndingOf(in.s, in.err, in.out)
		seen[e.Reason] = true
		msg := e.Message("Alice")
		if e.Reason == EndNone {
			if msg != "" || in.err != nil || in.s == StateFailed || in.s == StateMissed {
				t.Errorf("%s/%v ended with no reason (%q)", in.s, in.err, msg)
			}
			continue
		}
		if msg == "" || !strings.HasSuffix(msg, ".") {
			t.Errorf("%s/%v: %s says %q", in.s, in.err, e.Reason, msg)
		}
		if e.Detail != "" && !strings.Contains(msg, e.Detail) {
			t.Errorf("%s: %q does not quote %q", e.Reason, msg, e.Detail)
		}
		if strings.Contains(msg, "a fault.") || strings.Contains(msg, "deadline") {
			t.Errorf("%s/%v: internal text reaches the user: %q", in.s, in.err, msg)
		}
	}
	for _, r := range append(EndReasons(), EndNone) {
		if !seen[r] {
			t.Errorf("no call end gives %s", r)
		}
		if r != EndNone && (Ending{Reason: r}).Message("Alice") == "" {
			t.Errorf("%s has no English sentence", r)
		}
		if strings.HasPrefix(r.String(), "end_reason(") {
			t.Errorf("%d has no name", int(r))
		}
	}
}

func TestNegotiated(t *testing.T) {
	m := NewManager(Config{Versions: []string{"8.0.0", "9.0.0", "2.4.4"}})
	for _, tc := range []struct {
		server []string
		want   string
	}{
		{[]string{"9.0.0", "8.0.0"}, "9.0.0"}, // the first entry, as the peer (tdesktop, Android) takes it
		{[]string{"2.4.4"}, "2.4.4"},
		{[]string{"13.0.0"}, "13.0.0"}, // unsupported: reported so the call fails with its name
		{nil, "2.4.4"},                 // tdesktop's kDefaultVersion
	} {
		if got := m.negotiated(tg.PhoneCallProtocol{LibraryVersions: tc.server}); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.server, got, tc.want)
		}
	}
}

func TestConnections(t *testing.T) {
	tag := make([]byte, 16)
	tag[15] = 1
	pc := &tg.PhoneCall{Connections: []tg.PhoneConnectionClass{
		&tg.PhoneConnection{ID: 1, IP: "127.0.0.1", Port: 5000, PeerTag: tag},
		&tg.PhoneConnection{ID: 2, IP: "127.0.0.1", Port: 5001, PeerTag: []byte{1, 2}}, // malformed tag: skipped
		&tg.PhoneConnectionWebrtc{ID: 3, IP: "127.0.0.1", Port: 3478, Username: "u", Password: "p", Turn: true},
	}}
	refl, servers := connections(pc)
	if len(refl) != 1 || refl[0].ID != 1 || refl[0].PeerTag[15] != 1 || refl[0].Port != 5000 {
		t.Fatalf("reflectors: %+v", refl)
	}
	if len(servers) != 1 || !servers[0].TURN || servers[0].Username != "u" {
		t.Fatalf("webrtc servers: %+v", servers)
	}
}

func TestReasonRoundTrip(t *testing.T) {
	for _, r := range []Reason{ReasonMissed, ReasonDisconnect, ReasonHangup, ReasonBusy} {
		if got := reasonOf(reasonTL(r)); got != r {
			t.Errorf("%s → %s", r, got)
		}
	}
}
