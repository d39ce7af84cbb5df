// Package dtlsrtx sets a call's DTLS handshake retransmission as libwebrtc's
// DtlsTransport does (p2p/base/dtls_transport.cc ConfigureHandshakeTimeout),
// for both tgcalls engines: a flight not answered is sent again after twice
// the ICE round trip of the selected pair, no sooner than 50 ms and no later
// than 3 s, the wait doubling from there (BoringSSL, and pion's handshaker
// alike, up to 60 s); without a round trip measured, BoringSSL's 1 s.
// pion's own default is that 1 s whatever the path: a flight lost twice
// through a lossy relay then cost 3 s, three times 7 s.
package dtlsrtx

import (
	"errors"
	"reflect"
	"time"
	"unsafe"

	"github.com/pion/webrtc/v4"
)

const (
	MinWait     = 50 * time.Millisecond
	MaxWait     = 3 * time.Second
	DefaultWait = time.Second // no round trip measured
)

// FirstWait is the wait before a DTLS flight is first sent again, from the
// ICE round trip rtt (0: none measured).
func FirstWait(rtt time.Duration) time.Duration {
	if rtt <= 0 {
		return DefaultWait
	}
	return min(max(2*rtt, MinWait), MaxWait)
}

// PairRTT is the round trip ICE measured on its selected pair; 0 without
// one.
func PairRTT(ice *webrtc.ICETransport) time.Duration {
	if st, ok := ice.GetSelectedCandidatePairStats(); ok {
		return time.Duration(st.CurrentRoundTripTime * float64(time.Second))
	}
	return 0
}

// ErrPionLayout: SetOnAPI found no DTLS retransmission interval where
// pion v4's API keeps it (a pion upgrade moved it; the test of this package
// says so first).
var ErrPionLayout = errors.New("dtlsrtx: pion's API settings are not where this package looks")

// SetOnAPI sets the first retransmission wait of a DTLS transport of api
// that has not started yet, as SettingEngine.SetDTLSRetransmissionInterval
// would have when api was made.
//
// A PeerConnection makes its DTLS transport with the API it was made from,
// before ICE has measured anything, and reads the interval from that API's
// settings only when the handshake starts, once ICE is connected. pion has
// no exported way to change it then, so this writes the API's own copy of
// the setting (unexported; found by name and type, ErrPionLayout if not
// there). The caller must call it on the goroutine that starts the
// transport, before the handshake reads the setting: the DTLS transport's
// OnStateChange handler, which pion calls with
// DTLSTransportStateConnecting just before.
func SetOnAPI(api *webrtc.API, wait time.Duration) error {
	f, err := apiInterval(api)
	if err != nil {
		return err
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().SetInt(int64(wait))
	return nil
}

// apiInterval is the addressable field of api's settings that
// SettingEngine.SetDTLSRetransmissionInterval sets
// (API.settingEngine.dtls.retransmissionInterval in pion v4).
func apiInterval(api *webrtc.API) (reflect.Value, error) {
	se := reflect.ValueOf(api).Elem().FieldByName("settingEngine")
	if !se.IsValid() || se.Kind() != reflect.Pointer || se.IsNil() || se.Elem().Kind() != reflect.Struct {
		return reflect.Value{}, ErrPionLayout
	}
	d := se.Elem().FieldByName("dtls")
	if !d.IsValid() || d.Kind() != reflect.Struct {
		return reflect.Value{}, ErrPionLayout
	}
	f := d.FieldByName("retransmissionInterval")
	if !f.IsValid() || f.Type() != reflect.TypeFor[time.Duration]() {
		return reflect.Value{}, ErrPionLayout
	}
	return f, nil
}
