package calling

import (
	"slices"
	"testing"
)

func TestDefaultEngines(t *testing.T) {
	tests := []struct {
		only     string
		versions []string
		wantErr  bool
	}{
		{only: "", versions: []string{"9.0.0", "8.0.0", "13.0.0", "12.0.0", "7.0.0", "10.0.0", "11.0.0", "2.4.4"}},
		{only: "9.0.0", versions: []string{"9.0.0"}},
		{only: "13.0.0", versions: []string{"13.0.0"}},
		{only: "11.0.0", versions: []string{"11.0.0"}},
		{only: "6.0.0", wantErr: true}, // InstanceV2_4_0_0Impl: not built
		{only: "2.4.4", versions: []string{"2.4.4"}},
		{only: "8.0.0", versions: []string{"8.0.0"}},
		{only: "1.0.0", wantErr: true},
	}
	for _, tt := range tests {
		engines, versions, err := DefaultEngines(tt.only)
		if (err != nil) != tt.wantErr {
			t.Fatalf("DefaultEngines(%q) error = %v, want error %v", tt.only, err, tt.wantErr)
		}
		if !slices.Equal(versions, tt.versions) {
			t.Errorf("DefaultEngines(%q) versions = %v, want %v", tt.only, versions, tt.versions)
		}
		for _, v := range versions {
			if engines[v] == nil {
				t.Errorf("DefaultEngines(%q): no engine for advertised version %s", tt.only, v)
			}
		}
		// Every advertised version has an engine, and nothing else does.
		if len(engines) != len(versions) {
			t.Errorf("DefaultEngines(%q): %d engines for %d versions", tt.only, len(engines), len(versions))
		}
	}
}
