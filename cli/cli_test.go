package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestHelpExitsZero: `tgphone X --help` prints X's usage and exits 0 (flag.ErrHelp
// is a request, not a failure); a flag X does not know is still an error.
func TestHelpExitsZero(t *testing.T) {
	tests := []struct {
		args     []string
		wantCode int
		wantErr  string // in stderr
		wantOut  string // in stdout
	}{
		{[]string{"media", "--help"}, 0, "-key-file", ""},
		{[]string{"media", "-h"}, 0, "-relay", ""},
		{[]string{"call", "--help"}, 0, "-to", ""},
		{[]string{"call", "--as", "alice", "-help"}, 0, "-to", ""},
		{[]string{"answer", "--help"}, 0, "-as", ""},
		{[]string{"sandbox", "--help"}, 0, "-listen", ""},
		{[]string{"app", "--help"}, 0, "-as", ""},
		{[]string{"help"}, 0, "", "usage:"},
		{[]string{"--help"}, 0, "", "usage:"},
		{[]string{"sandbox", "--no-such-flag"}, 1, "flag provided but not defined", ""},
		{[]string{"media", "--no-such-flag"}, 1, "flag provided but not defined", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errb bytes.Buffer
			code := Main(append([]string{"tgphone"}, tt.args...), &out, &errb)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.wantCode, errb.String())
			}
			if !strings.Contains(errb.String(), tt.wantErr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantErr, errb.String())
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out.String())
			}
			if strings.Contains(errb.String(), "help requested") {
				t.Errorf("help reported as a failure:\n%s", errb.String())
			}
		})
	}
}
