package calling

import "sync"

// Line is the one call a person can be in at a time. Managers of several
// accounts in one app share a Line: while one of them has a live call,
// the others refuse Dial (ErrInCall) and answer incoming calls busy
// (TurnedAwayInCall), as one Manager does for its own second call.
// The zero Line is free.
type Line struct {
	mu    sync.Mutex
	owner *Manager // the manager whose call is live, nil when free
}

// take makes m the line's owner unless another manager is; m's own call
// slot (m.live) is checked by m, under m.mu, which is held here (so the
// lock order is always a Manager's mu, then the Line's).
func (l *Line) take(m *Manager) bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.owner != nil && l.owner != m {
		return false
	}
	l.owner = m
	return true
}

// release frees the line if m holds it.
func (l *Line) release(m *Manager) {
	if l == nil {
		return
	}
	l.mu.Lock()
	if l.owner == m {
		l.owner = nil
	}
	l.mu.Unlock()
}
