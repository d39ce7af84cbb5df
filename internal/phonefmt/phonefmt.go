// Package phonefmt groups a phone number's digits as Telegram's apps do:
// by the patterns of the server's list of countries (help.getCountriesList),
// the way tdlib's CountryInfoManager picks and applies them.
//
// The list comes from the network, so any pattern is taken: a pattern is
// only a guide for where the spaces go, and the digits shown are always the
// number's own, all of them, in order.
package phonefmt

import (
	"strings"
	"sync/atomic"
)

// Code is one calling code of a country as the server lists it
// (help.countryCode): the calling code, the prefixes of the national
// number it covers (none: all of them), and the patterns its numbers are
// shown by, where X is any digit, a digit must be that digit, and anything
// else is a separator.
type Code struct {
	Calling  string
	Prefixes []string
	Patterns []string
}

// Table is a country list made ready for Format. The zero value and nil
// know no country.
type Table struct {
	codes []Code
}

// New keeps the codes whose calling code is digits; a code without
// prefixes covers every number after its calling code (tdlib reads an empty
// prefix list as one empty prefix).
func New(codes []Code) *Table {
	t := &Table{}
	for _, c := range codes {
		if c.Calling == "" || !allDigits(c.Calling) {
			continue
		}
		if len(c.Prefixes) == 0 {
			c.Prefixes = []string{""}
		}
		t.codes = append(t.codes, c)
	}
	return t
}

// Format is phone (digits, with or without a leading +) as "+CODE GROUPS":
// the calling code whose code and prefix match the longest start of the
// number, its digits grouped by that code's pattern that matches the most
// of its fixed digits (the later one of equals, as tdlib). A number no
// code matches, or that is not all digits, is shown after a + as it is,
// as Telegram Desktop shows one it has no pattern for.
func (t *Table) Format(phone string) string {
	digits := strings.TrimPrefix(phone, "+")
	if t == nil || digits == "" || !allDigits(digits) {
		return "+" + digits
	}
	best, bestLen := -1, 0
	for i, c := range t.codes {
		if !strings.HasPrefix(digits, c.Calling) {
			continue
		}
		national := digits[len(c.Calling):]
		for _, p := range c.Prefixes {
			if n := len(c.Calling) + len(p); n > bestLen && strings.HasPrefix(national, p) {
				best, bestLen = i, n
			}
		}
	}
	if best < 0 {
		return "+" + digits
	}
	c := t.codes[best]
	national := digits[len(c.Calling):]
	if national == "" {
		return "+" + c.Calling
	}
	grouped, most := national, -1 // ungrouped unless a pattern fits
	for _, p := range c.Patterns {
		if g, fixed, ok := apply(p, national); ok && fixed >= most {
			grouped, most = g, fixed
		}
	}
	return "+" + c.Calling + " " + grouped
}

// apply groups national by pattern: ok is false when a fixed digit of the
// pattern differs from the number's, or the number ends before one; fixed
// counts the fixed digits matched. Each run of separators between digits
// is one space (Telegram's patterns use spaces; a list from the network
// cannot make a bracket that is never closed); digits past the pattern's
// end follow its last group.
func apply(pattern, national string) (grouped string, fixed int, ok bool) {
	var b strings.Builder
	pos := 0
	for i := 0; i < len(national); i++ {
		d := national[i]
		sep := false
		for pos < len(pattern) && pattern[pos] != 'X' && !isDigit(pattern[pos]) {
			sep = true
			pos++
		}
		if sep && b.Len() > 0 {
			b.WriteByte(' ')
		}
		switch {
		case pos >= len(pattern) || pattern[pos] == 'X':
		case pattern[pos] == d:
			fixed++
		default:
			return "", 0, false
		}
		b.WriteByte(d)
		pos++
	}
	for ; pos < len(pattern); pos++ {
		if isDigit(pattern[pos]) {
			return "", 0, false
		}
	}
	return b.String(), fixed, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// current is the process's table: the server's list as the last client to
// load it got it (the list is the same for every account).
var current atomic.Pointer[Table]

// Current is the table SetCurrent last set; nil, which knows no country,
// until then.
func Current() *Table { return current.Load() }

// SetCurrent makes t the process's table and returns the one before.
func SetCurrent(t *Table) (previous *Table) { return current.Swap(t) }
