package media

import (
	"log/slog"
	"maps"
	"sync"
)

// Rejects counts the packets an engine refuses on receive (garbage,
// truncated, replayed, sealed with another key…) by reason. Each reason is
// logged the 1st, 10th, 100th… time, so a flood from a hostile sender costs
// a handful of log lines, not one per packet.
type Rejects struct {
	mu    sync.Mutex
	total uint64
	by    map[string]uint64
}

// Add counts one rejected packet.
func (r *Rejects) Add(log *slog.Logger, reason string, attrs ...any) {
	r.mu.Lock()
	if r.by == nil {
		r.by = map[string]uint64{}
	}
	r.total++
	r.by[reason]++
	n := r.by[reason]
	r.mu.Unlock()
	if isPowerOf10(n) {
		log.Warn("packet rejected", append([]any{"reason", reason, "count", n}, attrs...)...)
	}
}

// Snapshot returns the total and a copy of the counts by reason.
func (r *Rejects) Snapshot() (uint64, map[string]uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.total, maps.Clone(r.by)
}

func isPowerOf10(n uint64) bool {
	for n > 1 && n%10 == 0 {
		n /= 10
	}
	return n == 1
}
