package signaling

import "testing"

func TestParseCustomParameters(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		want CustomParameters
	}{
		{"empty", ``, CustomParameters{}},
		{"none", `{}`, CustomParameters{}},
		{"nosctp", `{"network_signaling_nosctp":true}`, CustomParameters{NoSCTP: true}},
		{"kcp", `{"network_kcp_experiment":true,"other":5}`, CustomParameters{KCP: true}},
		{"both", `{"network_kcp_experiment":true,"network_signaling_nosctp":true}`, CustomParameters{NoSCTP: true, KCP: true}},
		{"false", `{"network_signaling_nosctp":false}`, CustomParameters{}},
		{"string-true", `{"network_signaling_nosctp":"true"}`, CustomParameters{}},
		{"number", `{"network_signaling_nosctp":1}`, CustomParameters{}},
		{"malformed", `{"network_signaling_nosctp":true`, CustomParameters{}},
		{"not-object", `[true]`, CustomParameters{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ParseCustomParameters([]byte(tc.in)); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func FuzzParseCustomParameters(f *testing.F) {
	f.Add([]byte(`{"network_signaling_nosctp":true}`))
	f.Fuzz(func(t *testing.T, b []byte) { ParseCustomParameters(b) })
}
