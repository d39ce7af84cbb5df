package audio

import (
	"errors"
	"testing"
	"time"
)

func TestRackOpenErrors(t *testing.T) {
	r := NewRack()
	r.Plug("mic", "tone:300")
	r.Plug("broken", "tone:banana")
	r.Plug("away", "tone:300")
	r.Unplug("away")
	r.Unplug("never-plugged") // harmless
	v := &virtualBackend{tick: 20 * time.Millisecond}
	for _, tt := range []struct {
		name string
		rack *Rack
		id   string
		want error
	}{
		{"plugged", r, "rack:mic", nil},
		{"unplugged", r, "rack:away", ErrUnplugged},
		{"unknown name", r, "rack:ghost", ErrUnplugged},
		{"bad source", r, "rack:broken", ErrUnknownID},
		{"no rack", nil, "rack:mic", ErrUnknownID},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := router{virtual: v, rack: tt.rack}
			st, err := b.openCapture(tt.id, func([]int16) {}, func(error) {})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("open %s: %v, want %v", tt.id, err, tt.want)
			}
			if st != nil {
				st.Close()
			}
		})
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestRackUnplugMidStream: a headset's microphone is pulled out mid-stream;
// with no other microphone the session goes receive-only and keeps sending,
// and when the headset comes back the session returns to it.
func TestRackUnplugMidStream(t *testing.T) {
	defer func(d time.Duration) { defaultPoll = d }(defaultPoll)
	defaultPoll = 30 * time.Millisecond
	rack := NewRack()
	rack.Plug("headset", "tone:300")
	var log eventLog
	s, err := open(Config{Input: "rack:headset", Output: "null", Rack: rack, OnEvent: log.add}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readPackets(t, s, 5)
	if lvl := s.Levels().Mic.RMSDBFS; lvl < -30 {
		t.Fatalf("microphone at %.1f dBFS before the unplug, want the tone", lvl)
	}

	rack.Unplug("headset")
	readPackets(t, s, 10)
	if in, _ := s.Devices(); in != "silence" {
		t.Fatalf("input %q after the unplug, want silence (receive-only)", in)
	}
	k := log.kinds()
	if len(k) != 2 || k[0] != EventDeviceLost || k[1] != EventReceiveOnly {
		t.Fatalf("events %v, want device-lost, receive-only", k)
	}
	readPackets(t, s, 5)
	if lvl := s.Levels().Mic.RMSDBFS; lvl > -90 {
		t.Errorf("microphone at %.1f dBFS while unplugged, want silence", lvl)
	}

	rack.Plug("headset", "tone:300")
	waitFor(t, "the headset to be used again", func() bool { in, _ := s.Devices(); return in == "rack:headset" })
	readPackets(t, s, 5)
	if k := log.kinds(); k[len(k)-1] != EventDeviceReopened {
		t.Errorf("events %v, want device-reopened last", k)
	}
	if lvl := s.Levels().Mic.RMSDBFS; lvl < -30 {
		t.Errorf("microphone at %.1f dBFS after plugging back, want the tone", lvl)
	}
}

// TestSwitchIsRemembered: a device the user switches to is the one the
// session returns to after a fallback, not the one it started on.
func TestSwitchIsRemembered(t *testing.T) {
	defer func(d time.Duration) { defaultPoll = d }(defaultPoll)
	defaultPoll = 30 * time.Millisecond
	rack := NewRack()
	rack.Plug("builtin", "tone:300")
	rack.Plug("usb", "tone:500")
	s, err := open(Config{Input: "rack:builtin", Output: "null", Rack: rack}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.SwitchInput("rack:usb"); err != nil {
		t.Fatal(err)
	}
	rack.Unplug("usb")
	waitFor(t, "the fallback", func() bool { in, _ := s.Devices(); return in == "silence" })
	time.Sleep(5 * defaultPoll) // the builtin microphone is there but was not chosen
	if in, _ := s.Devices(); in != "silence" {
		t.Fatalf("input %q, want silence until the usb microphone returns", in)
	}
	rack.Plug("usb", "tone:500")
	waitFor(t, "the usb microphone again", func() bool { in, _ := s.Devices(); return in == "rack:usb" })
	if err := s.SwitchInput("rack:gone"); err == nil {
		t.Fatal("switch to a missing device succeeded")
	}
	time.Sleep(5 * defaultPoll) // a failed switch changes nothing, so nothing to return to
	if in, _ := s.Devices(); in != "rack:usb" {
		t.Fatalf("input %q after a failed switch, want rack:usb", in)
	}
}
