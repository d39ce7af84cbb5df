package sigsctp

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

func TestForVersion(t *testing.T) {
	key := testKey(2)
	nosctp := signaling.CustomParameters{NoSCTP: true}
	kcp := signaling.CustomParameters{KCP: true}
	for _, tc := range []struct {
		version string
		custom  signaling.CustomParameters
		want    string // type of the transport, or "error"
	}{
		{"7.0.0", signaling.CustomParameters{}, "*signaling.Raw"},
		{"8.0.0", signaling.CustomParameters{}, "*signaling.Reliable"},
		{"9.0.0", signaling.CustomParameters{}, "*sigsctp.Auto"},
		{"10.0.0", signaling.CustomParameters{}, "*signaling.Reliable"},
		{"11.0.0", signaling.CustomParameters{}, "*sigsctp.Transport"},
		{"11.0.0", nosctp, "*sigsctp.Transport"},
		{"12.0.0", signaling.CustomParameters{}, "*sigsctp.Transport"},
		{"13.0.0", signaling.CustomParameters{}, "*sigsctp.Transport"},
		{"13.0.0", nosctp, "*signaling.Raw"},
		{"12.0.0", kcp, "error"},
		{"8.0.0", kcp, "*signaling.Reliable"},
		{"2.7.7", signaling.CustomParameters{}, "error"},
		{"5.0.0", signaling.CustomParameters{}, "error"},
		{"6.0.0", signaling.CustomParameters{}, "error"},
		{"", signaling.CustomParameters{}, "error"},
	} {
		t.Run(fmt.Sprintf("%s/%+v", tc.version, tc.custom), func(t *testing.T) {
			tr, err := ForVersion(tc.version, key, true, tc.custom, Config{})
			if tc.want == "error" {
				if !errors.Is(err, ErrUnsupported) {
					t.Fatalf("err = %v, want ErrUnsupported", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer tr.Close()
			if got := fmt.Sprintf("%T", tr); got != tc.want {
				t.Fatalf("got %s, want %s", got, tc.want)
			}
		})
	}
}
