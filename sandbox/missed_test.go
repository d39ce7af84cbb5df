package sandbox

import (
	"slices"
	"strconv"
	"testing"

	"github.com/gotd/td/tg"
)

func TestMissedCallsKeepTheNewestStatePerCall(t *testing.T) {
	waiting := func(id int64) tg.UpdateClass { return phoneUpdate(&tg.PhoneCallWaiting{ID: id}) }
	discarded := func(id int64) tg.UpdateClass { return phoneUpdate(&tg.PhoneCallDiscarded{ID: id}) }
	tests := []struct {
		name    string
		batches [][]tg.UpdateClass
		want    []string // "id:type", oldest call first
	}{
		{"nothing missed", nil, nil},
		{"other updates are not kept", [][]tg.UpdateClass{{&tg.UpdateNewMessage{}}}, nil},
		{"one call, newest state", [][]tg.UpdateClass{{waiting(1)}, {discarded(1)}}, []string{"1:phoneCallDiscarded"}},
		{"calls in the order of their last change", [][]tg.UpdateClass{{waiting(1)}, {waiting(2)}, {discarded(1)}},
			[]string{"2:phoneCallWaiting", "1:phoneCallDiscarded"}},
		{"bounded, oldest call dropped", func() (b [][]tg.UpdateClass) {
			for id := range int64(maxMissedCalls + 2) {
				b = append(b, []tg.UpdateClass{waiting(id)})
			}
			return b
		}(), func() (w []string) {
			for id := 2; id < maxMissedCalls+2; id++ {
				w = append(w, strconv.Itoa(id)+":phoneCallWaiting")
			}
			return w
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{missed: map[[8]byte]*missedCalls{}, calls: map[int64]*call{}}
			key := [8]byte{1}
			for _, b := range tt.batches {
				s.keepMissed(key, b)
			}
			ups, _ := s.takeMissed(key)
			var got []string
			for _, u := range ups {
				pc := u.(*tg.UpdatePhoneCall).PhoneCall
				got = append(got, strconv.Itoa(int(pc.GetID()))+":"+pc.TypeName())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if again, _ := s.takeMissed(key); len(again) != 0 {
				t.Errorf("handed over twice: %v", again)
			}
		})
	}
}
