package account

import "strings"

// TestNumberCode applies Telegram's documented rule for test phone numbers
// (core.telegram.org/api/auth#test-accounts): 99966XYYYY signs in with the
// digit X repeated five times. The sandbox follows the same rule for its demo
// accounts, so scripts and tests can sign in without reading its log.
func TestNumberCode(phone string) (string, bool) {
	p := strings.TrimPrefix(phone, "+")
	if len(p) != 10 || !strings.HasPrefix(p, "99966") {
		return "", false
	}
	for _, r := range p {
		if r < '0' || r > '9' {
			return "", false
		}
	}
	return strings.Repeat(p[5:6], 5), true
}
