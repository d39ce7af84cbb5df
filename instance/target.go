package instance

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// ErrBadTarget: not something tgphone can call.
var ErrBadTarget = errors.New("not a phone number or Telegram username")

// ParseTarget turns what a user or a link hands tgphone into "+digits" or
// "@username": tel:+1-555-0100 and tel:%2B15550100 (RFC 3966: visual
// separators dropped), +1 (555) 0100, @name, name, https://t.me/name and
// tg://resolve?domain=name (read only; tgphone never registers tg:).
func ParseTarget(s string) (string, error) {
	s = strings.TrimSpace(s)
	orig := s
	switch {
	case hasPrefixFold(s, "tel:"):
		num, err := url.PathUnescape(s[len("tel:"):])
		if err != nil {
			return "", fmt.Errorf("%q: %w", orig, ErrBadTarget)
		}
		if i := strings.IndexByte(num, ';'); i >= 0 { // ;ext=, ;phone-context=
			num = num[:i]
		}
		return phone(num, orig)
	case hasPrefixFold(s, "https://t.me/"), hasPrefixFold(s, "http://t.me/"), hasPrefixFold(s, "t.me/"):
		u := s[strings.Index(strings.ToLower(s), "t.me/")+len("t.me/"):]
		if i := strings.IndexAny(u, "/?#"); i >= 0 {
			u = u[:i]
		}
		return username(u, orig)
	case hasPrefixFold(s, "tg://resolve"):
		u, err := url.Parse(s)
		if err != nil {
			return "", fmt.Errorf("%q: %w", orig, ErrBadTarget)
		}
		if p := u.Query().Get("phone"); p != "" {
			return phone("+"+strings.TrimPrefix(p, "+"), orig)
		}
		return username(u.Query().Get("domain"), orig)
	case strings.HasPrefix(s, "+") || (s != "" && s[0] >= '0' && s[0] <= '9'):
		return phone(s, orig)
	}
	return username(strings.TrimPrefix(s, "@"), orig)
}

func hasPrefixFold(s, p string) bool { return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p) }

// phone keeps digits and a leading +, dropping RFC 3966 visual separators.
func phone(s, orig string) (string, error) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case r == '-' || r == '.' || r == ' ' || r == '(' || r == ')':
		default:
			return "", fmt.Errorf("%q: %w", orig, ErrBadTarget)
		}
	}
	d := b.String()
	if len(d) < 5 || len(d) > 15 {
		return "", fmt.Errorf("%q: %w", orig, ErrBadTarget)
	}
	return "+" + d, nil
}

// username checks Telegram's rule: 5–32 of a–z, 0–9 and _, starting with a
// letter (the sandbox's demo names are shorter, so 3 is allowed here).
func username(u, orig string) (string, error) {
	if len(u) < 3 || len(u) > 32 {
		return "", fmt.Errorf("%q: %w", orig, ErrBadTarget)
	}
	for i, r := range u {
		ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
		if !ok {
			return "", fmt.Errorf("%q: %w", orig, ErrBadTarget)
		}
	}
	return "@" + u, nil
}
