package phonefmt

import (
	"strings"
	"testing"
)

// list is shaped as the server's: codes sharing a calling code told apart
// by prefixes, patterns with fixed digits.
var list = []Code{
	{Calling: "1", Patterns: []string{"XXX XXX XXXX"}},
	{Calling: "1", Prefixes: []string{"264"}, Patterns: []string{"XXX XXXX"}}, // a NANP island: code 1, prefix 264
	{Calling: "7", Prefixes: []string{"6", "7"}, Patterns: []string{"XXX XXX XX XX"}},
	{Calling: "7", Patterns: []string{"XXX XXX XXXX"}},
	{Calling: "44", Patterns: []string{"XXXX XXXXXX"}},
	{Calling: "888", Patterns: []string{"XXXX XXXX"}},
	{Calling: "33", Patterns: []string{"X XX XX XX XX", "8 XXX XXX XXX"}}, // the fixed 8 wins when it matches
	{Calling: "x1", Patterns: []string{"X"}},                              // not a calling code: dropped
}

func TestFormat(t *testing.T) {
	tb := New(list)
	for _, tc := range []struct{ in, want string }{
		{"15551234567", "+1 555 123 4567"},
		{"+15551234567", "+1 555 123 4567"},
		{"12642345678", "+1 264 2345678"},           // prefix 264 is longer than none
		{"77012345678", "+7 701 234 56 78"},         // prefix 7
		{"79161234567", "+7 916 123 4567"},          // neither prefix 6 nor 7: the code without prefixes
		{"447700900123", "+44 7700 900123"},         //
		{"88812345678", "+888 1234 5678"},           //
		{"33612345678", "+33 6 12 34 56 78"},        // no fixed digit matched: the first pattern
		{"338123456789", "+33 8 123 456 789"},       // the fixed 8 matched
		{"4477009", "+44 7700 9"},                   // shorter than the pattern: no trailing space
		{"4477009001234567", "+44 7700 9001234567"}, // longer: the rest follows the last group
		{"44", "+44"},                 // the calling code alone
		{"9996620001", "+9996620001"}, // no calling code: as it is
		{"1555-123", "+1555-123"},     // not all digits: as it is
		{"", "+"},
	} {
		if got := tb.Format(tc.in); got != tc.want {
			t.Errorf("Format(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNoTable(t *testing.T) {
	var tb *Table
	if got := tb.Format("15551234567"); got != "+15551234567" {
		t.Errorf("nil table: %q", got)
	}
	if got := New(nil).Format("15551234567"); got != "+15551234567" {
		t.Errorf("empty table: %q", got)
	}
	// Calling codes that are not digits are dropped: an empty one would
	// otherwise start every number.
	junk := New([]Code{{Calling: "", Prefixes: []string{"1"}, Patterns: []string{"X X"}}, {Calling: "x1", Patterns: []string{"X"}}})
	if got := junk.Format("15551234567"); got != "+15551234567" {
		t.Errorf("a list of no real calling code grouped %q", got)
	}
}

func TestSeparatorsAreSpaces(t *testing.T) {
	tb := New([]Code{{Calling: "9", Patterns: []string{"(XX)--XX.X"}}})
	if got := tb.Format("912345"); got != "+9 12 34 5" {
		t.Errorf("got %q", got)
	}
}

// FuzzFormat: whatever list the network sends, Format never panics and
// shows exactly the number's digits, in order, after a +.
func FuzzFormat(f *testing.F) {
	f.Add("15551234567", "1", "", "XXX XXX XXXX")
	f.Add("338123456789", "33", "8", "8 XXX XXX XXX")
	f.Add("4412", "44", "", "(((")
	f.Add("7", "7", "7", "9X")
	f.Fuzz(func(t *testing.T, phone, calling, prefix, pattern string) {
		tb := New([]Code{{Calling: calling, Prefixes: []string{prefix}, Patterns: []string{pattern, "X X"}}})
		got := tb.Format(phone)
		digits := strings.TrimPrefix(phone, "+")
		if !strings.HasPrefix(got, "+") {
			t.Fatalf("%q: no +", got)
		}
		if allDigits(digits) && strings.ReplaceAll(got[1:], " ", "") != digits {
			t.Fatalf("Format(%q) = %q: digits changed", phone, got)
		}
	})
}
