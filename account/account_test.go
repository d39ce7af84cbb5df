package account

import (
	"errors"
	"testing"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

func TestTestNumberCode(t *testing.T) {
	for _, tc := range []struct {
		phone, code string
		ok          bool
	}{
		{"9996620001", "22222", true},
		{"+9996610042", "11111", true},
		{"99966200011", "", false},
		{"15550001234", "", false},
		{"999662000a", "", false},
	} {
		code, ok := TestNumberCode(tc.phone)
		if code != tc.code || ok != tc.ok {
			t.Errorf("%s: got %q %v, want %q %v", tc.phone, code, ok, tc.code, tc.ok)
		}
	}
}

func TestPhoneDigits(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"+1 (555) 010-0200", "15550100200", true},
		{"9996620001", "9996620001", true},
		{"@alice", "", false},
		{"alice", "", false},
		{"+", "", false},
		{"+12a", "", false},
	} {
		got, ok := phoneDigits(tc.in)
		if got != tc.out || ok != tc.ok {
			t.Errorf("%q: got %q %v, want %q %v", tc.in, got, ok, tc.out, tc.ok)
		}
	}
}

func TestMapAuthError(t *testing.T) {
	for _, tc := range []struct {
		rpc  error
		want error
	}{
		{tgerr.New(400, "PHONE_CODE_INVALID"), ErrCodeInvalid},
		{tgerr.New(400, "PHONE_CODE_EXPIRED"), ErrCodeExpired},
		{tgerr.New(401, "SESSION_PASSWORD_NEEDED"), ErrPasswordNeeded},
		{tgerr.New(400, "PASSWORD_HASH_INVALID"), ErrPasswordInvalid},
		{tgerr.New(400, "PHONE_NUMBER_UNOCCUPIED"), ErrSignUpRequired},
		{tgerr.New(400, "PHONE_NUMBER_INVALID"), ErrPhoneInvalid},
	} {
		if got := mapAuthError(tc.rpc); !errors.Is(got, tc.want) {
			t.Errorf("%v: got %v, want %v", tc.rpc, got, tc.want)
		}
	}
	var fw *FloodWaitError
	if !errors.As(mapAuthError(tgerr.New(420, "FLOOD_WAIT_42")), &fw) || fw.Wait.Seconds() != 42 {
		t.Errorf("flood wait not mapped: %v", fw)
	}
}

func TestContactNames(t *testing.T) {
	for _, tc := range []struct {
		u              tg.User
		name, initials string
	}{
		{tg.User{FirstName: "Alice", LastName: "Archer"}, "Alice Archer", "AA"},
		{tg.User{Username: "echo"}, "@echo", "E"},
		{tg.User{Phone: "9996620001"}, "+9996620001", "9"},
		{tg.User{ID: 7}, "user 7", "U7"},
	} {
		c := ContactFromUser(&tc.u)
		if c.Name() != tc.name || c.Initials() != tc.initials {
			t.Errorf("%+v: got %q/%q, want %q/%q", tc.u, c.Name(), c.Initials(), tc.name, tc.initials)
		}
	}
}

func TestHistoryKind(t *testing.T) {
	for _, tc := range []struct {
		out    bool
		reason string
		want   CallKind
	}{
		{true, "missed", CallOutgoing},
		{false, "missed", CallMissed},
		{false, "busy", CallDeclined},
		{false, "hangup", CallIncoming},
	} {
		if got := historyKind(tc.out, tc.reason); got != tc.want {
			t.Errorf("%v/%s: %s, want %s", tc.out, tc.reason, got, tc.want)
		}
	}
}
