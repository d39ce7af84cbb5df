package calling

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// refusingInvoker answers every RPC with an error.
type refusingInvoker struct{}

func (refusingInvoker) Invoke(context.Context, bin.Encoder, bin.Decoder) error {
	return errors.New("offline")
}

// ringLog records what managers report through Config's callbacks: the
// calls that rang and the ones turned away.
type ringLog struct {
	mu   sync.Mutex
	rang []*Call
	away []TurnedAway
}

func (l *ringLog) incoming(c *Call) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rang = append(l.rang, c)
}

func (l *ringLog) turnedAway(ta TurnedAway) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.away = append(l.away, ta)
}

// oneRangOneBusy is the call that rang when exactly one rang and exactly
// one was turned away as in a call; anything else fails the test.
func (l *ringLog) oneRangOneBusy(t *testing.T, round int) *Call {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.rang) != 1 || len(l.away) != 1 || l.away[0].Why != TurnedAwayInCall {
		t.Fatalf("round %d: %d calls rang, %d turned away (%+v), want one each", round, len(l.rang), len(l.away), l.away)
	}
	return l.rang[0]
}

// TestIncomingRaceKeepsOneLiveCall: two calls arriving at once (or a call
// arriving while one is being set up) leave exactly one live call; the
// other is answered busy and reported as turned away.
func TestIncomingRaceKeepsOneLiveCall(t *testing.T) {
	const self = 1
	for round := range 200 {
		var rings ringLog
		m := NewManager(Config{API: tg.NewClient(refusingInvoker{}), SelfID: self,
			OnIncoming: rings.incoming, OnTurnedAway: rings.turnedAway})
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m.HandlePhoneCall(&tg.PhoneCallRequested{ID: int64(100*round + i + 1), AccessHash: 7, AdminID: int64(10 + i),
					ParticipantID: self, Date: int(time.Now().Unix()), GAHash: make([]byte, 32)}, nil)
			}()
		}
		wg.Wait()
		c := rings.oneRangOneBusy(t, round)
		c.Hangup()
		<-c.Done()
	}
}
