package dtlsrtx

import (
	"testing"
	"time"

	"github.com/pion/webrtc/v4"
)

func TestFirstWait(t *testing.T) {
	for _, tc := range []struct{ rtt, want time.Duration }{
		{0, time.Second},
		{-time.Millisecond, time.Second},
		{time.Millisecond, 50 * time.Millisecond},
		{25 * time.Millisecond, 50 * time.Millisecond},
		{26 * time.Millisecond, 52 * time.Millisecond},
		{300 * time.Millisecond, 600 * time.Millisecond},
		{1500 * time.Millisecond, 3 * time.Second},
		{10 * time.Second, 3 * time.Second},
	} {
		if got := FirstWait(tc.rtt); got != tc.want {
			t.Errorf("FirstWait(%v) = %v, want %v", tc.rtt, got, tc.want)
		}
	}
}

// TestSetOnAPI: the field SetOnAPI writes is the one
// SettingEngine.SetDTLSRetransmissionInterval sets, in this pion; a pion
// that moved it fails here rather than in a lossy call.
func TestSetOnAPI(t *testing.T) {
	var se webrtc.SettingEngine
	se.SetDTLSRetransmissionInterval(123 * time.Millisecond)
	api := webrtc.NewAPI(webrtc.WithSettingEngine(se))
	f, err := apiInterval(api)
	if err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(f.Int()); got != 123*time.Millisecond {
		t.Fatalf("API's interval %v, want the 123ms SetDTLSRetransmissionInterval set", got)
	}
	if err := SetOnAPI(api, 77*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if got := time.Duration(f.Int()); got != 77*time.Millisecond {
		t.Errorf("after SetOnAPI the API's interval is %v, want 77ms", got)
	}
}
