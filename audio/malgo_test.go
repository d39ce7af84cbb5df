package audio

import (
	"testing"
)

// TestMalgoDefaultDevices opens the system default devices through
// miniaudio; in a container without sound this is the null backend, which
// paces callbacks like a real card, so it exercises the real device path.
func TestMalgoDefaultDevices(t *testing.T) {
	devs, err := ListDevices()
	if err != nil {
		t.Skipf("no miniaudio context: %v", err)
	}
	for _, d := range devs {
		t.Logf("device %q id=%s capture=%v default=%v", d.Name, d.ID, d.Capture, d.IsDefault)
	}
	var log eventLog
	s, err := Open(Config{Input: DefaultID, Output: DefaultID, OnEvent: log.add}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	readPackets(t, s, 10)
	in, out := s.Devices()
	t.Logf("in=%s out=%s events=%v", in, out, log.kinds())
	if lv := s.Levels(); lv.Mic.PeakDBFS > 0 {
		t.Fatalf("mic level %v above full scale", lv.Mic)
	}
}
