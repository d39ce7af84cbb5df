package calling

import "testing"

func TestFileSafe(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Bob Baker", "Bob Baker"},
		{"a/b\\c:d*e?f\"g<h>i|j", "a_b_c_d_e_f_g_h_i_j"},
		{"line\nbreak\x00", "line_break_"},
		{"..", "unknown"},
		{" .hidden. ", "hidden"},
		{"", "unknown"},
		{"Анна Петрова", "Анна Петрова"},
		{"x" + string([]rune("ааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааа")), "x" + string([]rune("ааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааааа")[:79])},
	} {
		if got := fileSafe(c.in); got != c.want {
			t.Errorf("fileSafe(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
