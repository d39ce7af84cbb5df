package sandbox

import "github.com/gotd/td/tg"

// maxMissedCalls bounds what an auth key that stays away can pile up.
const maxMissedCalls = 16

// missedCalls is the newest updatePhoneCall of each call that an auth key
// was not sent, oldest call first. Only the newest matters: a client coming
// back needs the call's state now (still ringing, answered, or over), not
// its history.
type missedCalls struct {
	order []int64
	last  map[int64]*tg.UpdatePhoneCall
}

// keepMissed records the call updates among ups for the key. Caller holds mu.
func (s *Server) keepMissed(key [8]byte, ups []tg.UpdateClass) {
	for _, u := range ups {
		pc, ok := u.(*tg.UpdatePhoneCall)
		if !ok {
			continue
		}
		m := s.missed[key]
		if m == nil {
			m = &missedCalls{last: map[int64]*tg.UpdatePhoneCall{}}
			s.missed[key] = m
		}
		id := pc.PhoneCall.GetID()
		if _, seen := m.last[id]; seen {
			for i, o := range m.order {
				if o == id {
					m.order = append(m.order[:i], m.order[i+1:]...)
					break
				}
			}
		}
		m.order = append(m.order, id)
		m.last[id] = pc
		if len(m.order) > maxMissedCalls {
			delete(m.last, m.order[0])
			m.order = m.order[1:]
		}
	}
}

// takeMissed hands over and forgets the key's missed call updates, with the
// ids of the users they mention. Caller holds mu.
func (s *Server) takeMissed(key [8]byte) ([]tg.UpdateClass, []int64) {
	m := s.missed[key]
	if m == nil {
		return nil, nil
	}
	delete(s.missed, key)
	var ups []tg.UpdateClass
	var users []int64
	for _, id := range m.order {
		ups = append(ups, m.last[id])
		if c := s.calls[id]; c != nil {
			users = append(users, c.admin, c.part)
		}
	}
	return ups, users
}
