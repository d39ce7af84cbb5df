package calling

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/account"
)

// TestLineOneCallAcrossAccounts: two accounts' managers sharing a Line
// ring for one call at a time; the other account's caller is answered
// busy and its Dial refused until that call ends, then the line is free.
func TestLineOneCallAcrossAccounts(t *testing.T) {
	var line Line
	for round := range 50 {
		var rings ringLog
		var ms [2]*Manager
		for i := range ms {
			ms[i] = NewManager(Config{API: tg.NewClient(refusingInvoker{}), SelfID: int64(1 + i), Line: &line,
				OnIncoming: rings.incoming, OnTurnedAway: rings.turnedAway})
		}
		var wg sync.WaitGroup
		for i, m := range ms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.HandlePhoneCall(&tg.PhoneCallRequested{ID: int64(100*round + i + 1), AccessHash: 7, AdminID: 10,
					ParticipantID: int64(1 + i), Date: int(time.Now().Unix()), GAHash: make([]byte, 32)}, nil)
			}()
		}
		wg.Wait()
		c := rings.oneRangOneBusy(t, round)
		other := ms[0]
		if c.mgr == ms[0] {
			other = ms[1]
		}
		if _, err := other.Dial(account.Contact{ID: 11}); !errors.Is(err, ErrInCall) {
			t.Fatalf("round %d: dial from the other account during a call: %v, want ErrInCall", round, err)
		}
		c.Hangup()
		<-c.Done()
	}
	// Free again: the other account can call.
	m := NewManager(Config{API: tg.NewClient(refusingInvoker{}), SelfID: 3, Line: &line})
	c, err := m.Dial(account.Contact{ID: 11})
	if err != nil {
		t.Fatalf("dial once the line is free: %v", err)
	}
	c.Hangup()
	<-c.Done()
}
