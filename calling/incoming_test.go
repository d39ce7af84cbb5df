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

// TestIncomingRaceKeepsOneLiveCall: two calls arriving at once (or a call
// arriving while one is being set up) leave exactly one live call; the
// other is answered busy and reported as turned away.
func TestIncomingRaceKeepsOneLiveCall(t *testing.T) {
	const self = 1
	for round := range 200 {
		var mu sync.Mutex
		var rang []*Call
		var away []TurnedAway
		m := NewManager(Config{API: tg.NewClient(refusingInvoker{}), SelfID: self,
			OnIncoming: func(c *Call) {
				mu.Lock()
				rang = append(rang, c)
				mu.Unlock()
			},
			OnTurnedAway: func(ta TurnedAway) {
				mu.Lock()
				away = append(away, ta)
				mu.Unlock()
			}})
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
		mu.Lock()
		if len(rang) != 1 || len(away) != 1 || away[0].Why != TurnedAwayInCall {
			t.Fatalf("round %d: %d calls rang, %d turned away (%+v), want one each", round, len(rang), len(away), away)
		}
		c := rang[0]
		mu.Unlock()
		c.Hangup()
		<-c.Done()
	}
}
