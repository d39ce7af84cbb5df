package calling

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/gotd/td/tg"

	"github.com/tgphone/tgphone/media"
)

// debugReport is what phone.saveCallDebug carries when the server asks for
// a call's debug log (phoneCallDiscarded.need_debug): the media engine's
// counters at the end of the call, as tdesktop sends tgcalls' debug info.
// Only numbers, names and the media path: never audio, keys, key
// fingerprints or emoji.
type debugReport struct {
	App            string            `json:"app"`
	LibraryVersion string            `json:"library_version"`
	Outgoing       bool              `json:"outgoing"`
	EndState       string            `json:"end_state"`
	Error          string            `json:"error,omitempty"` // ErrorCode, not the error text
	DurationS      int               `json:"duration_s"`
	Path           string            `json:"path,omitempty"`
	SendBitrate    int               `json:"send_bitrate"`
	RecvBitrate    int               `json:"recv_bitrate"`
	SendLoss       float64           `json:"send_loss"`
	RecvLoss       float64           `json:"recv_loss"`
	RTTMs          int64             `json:"rtt_ms"`
	JitterMs       int64             `json:"jitter_ms"`
	SignalBars     int               `json:"signal_bars"`
	PacketsSent    uint64            `json:"packets_sent"`
	PacketsRecv    uint64            `json:"packets_recv"`
	PacketsDropped uint64            `json:"packets_dropped"`
	Rejected       map[string]uint64 `json:"rejected,omitempty"`
	Audio          debugAudio        `json:"audio"`
}

type debugAudio struct {
	PacketsReceived    uint64 `json:"packets_received"`
	PacketsLost        uint64 `json:"packets_lost"`
	PacketsDiscarded   uint64 `json:"packets_discarded"`
	JitterBufferMs     int64  `json:"jitter_buffer_ms"`
	ConcealedSamples   uint64 `json:"concealed_samples"`
	SilentConcealed    uint64 `json:"silent_concealed_samples"`
	TotalSamples       uint64 `json:"total_samples_received"`
	FECRecovered       uint64 `json:"fec_packets_recovered"`
	InsertedSamples    uint64 `json:"inserted_samples"`
	RemovedSamples     uint64 `json:"removed_samples"`
	MicLevelDBFS       int    `json:"mic_level_dbfs"`
	SpeakerLevelDBFS   int    `json:"speaker_level_dbfs"`
	ConcealedPermille  int    `json:"concealed_permille"`
	ReceivedLossPermil int    `json:"received_loss_permille"`
}

// DebugFields are the JSON keys a debug report may hold, for tests that
// check nothing else leaks into it.
func DebugFields() []string {
	var keys []string
	for _, v := range []any{debugReport{}, debugAudio{}} {
		b, _ := json.Marshal(v)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		for k := range m {
			keys = append(keys, k)
		}
	}
	keys = append(keys, "error", "path", "rejected")
	sort.Strings(keys)
	return keys
}

func newDebugReport(s Snapshot, st media.Stats) debugReport {
	a := st.Audio
	r := debugReport{
		App: "tgphone", LibraryVersion: s.LibraryVersion, Outgoing: s.Outgoing, EndState: s.State.String(),
		Error: ErrorCode(s.Err), DurationS: int(s.Duration.Seconds()), Path: st.Path,
		SendBitrate: st.SendBitrate, RecvBitrate: st.RecvBitrate, SendLoss: st.SendLoss, RecvLoss: st.RecvLoss,
		RTTMs: st.RTT.Milliseconds(), JitterMs: st.Jitter.Milliseconds(), SignalBars: st.SignalBars,
		PacketsSent: st.PacketsSent, PacketsRecv: st.PacketsRecv, PacketsDropped: st.PacketsDropped,
		Rejected: st.Rejected,
		Audio: debugAudio{
			PacketsReceived: a.PacketsReceived, PacketsLost: a.PacketsLost, PacketsDiscarded: a.PacketsDiscarded,
			JitterBufferMs: a.JitterBufferDelay.Milliseconds(), ConcealedSamples: a.ConcealedSamples,
			SilentConcealed: a.SilentConcealedSamples, TotalSamples: a.TotalSamplesReceived,
			FECRecovered: a.FECPacketsRecovered, InsertedSamples: a.InsertedSamplesForDeceleration,
			RemovedSamples: a.RemovedSamplesForAcceleration,
			MicLevelDBFS:   int(a.MicLevelDBFS), SpeakerLevelDBFS: int(a.SpeakerLevelDBFS),
		},
	}
	if a.TotalSamplesReceived > 0 {
		r.Audio.ConcealedPermille = int(1000 * a.ConcealedSamples / a.TotalSamplesReceived)
	}
	if n := a.PacketsReceived + a.PacketsLost; n > 0 {
		r.Audio.ReceivedLossPermil = int(1000 * a.PacketsLost / n)
	}
	if r.LibraryVersion == "" {
		r.LibraryVersion = st.LibraryVersion
	}
	return r
}

// keepStats records the engine's last counters before it is closed, for a
// debug report the server may ask for afterwards.
func (c *Call) keepStats() {
	c.mu.Lock()
	eng := c.engine
	c.mu.Unlock()
	if eng == nil {
		return
	}
	st := eng.Stats()
	c.mu.Lock()
	c.lastStats, c.haveStats = st, true
	c.mu.Unlock()
}

// noteDiscard takes need_rating and need_debug from a phoneCallDiscarded.
// The rating is asked only of a call that actually connected: the server
// may set need_rating for any confirmed call, also one that failed its key
// check or never got media through, and there is nothing to rate then.
func (c *Call) noteDiscard(d *tg.PhoneCallDiscarded) {
	c.mu.Lock()
	connected := !c.activeSince.IsZero()
	c.snap.NeedRating = c.snap.NeedRating || (d.NeedRating && connected)
	c.snap.NeedDebug = c.snap.NeedDebug || d.NeedDebug
	ask := c.snap.NeedDebug && !c.debugSent
	if ask {
		c.debugSent = true
	}
	c.mu.Unlock()
	if ask {
		c.keepStats()
		go c.sendDebug()
	}
	c.maybeUploadLog()
}

// sendDebug answers need_debug with phone.saveCallDebug. A call whose media
// engine never ran has no log to send (tdesktop sends nothing then too).
func (c *Call) sendDebug() {
	s := c.Snapshot()
	c.mu.Lock()
	st, ok := c.lastStats, c.haveStats
	c.mu.Unlock()
	if !ok {
		c.log.Info("server asked for the call's debug log; the call has none (no media engine ran)")
		return
	}
	b, err := json.Marshal(newDebugReport(s, st))
	if err != nil {
		c.log.Warn("debug report", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := c.SaveDebug(ctx, string(b)); err != nil {
		c.log.Warn("send debug log", "err", err)
		return
	}
	c.log.Info("debug log sent at the server's request", "bytes", len(b))
}

// applyUpdates hands the Updates a phone.* method answered with (discardCall,
// setCallRating) to the account's updates machinery, as tdesktop's
// applyUpdates and tdlib's on_get_updates do: the history message and the
// call's final state arrive there, with the pts that keeps later updates in
// sequence.
func (m *Manager) applyUpdates(ctx context.Context, u tg.UpdatesClass) {
	if u == nil {
		return
	}
	m.mu.Lock()
	apply := m.apply
	m.mu.Unlock()
	if apply == nil {
		return
	}
	if err := apply(ctx, u); err != nil {
		m.log.Warn("apply updates from a call method", "err", fmt.Errorf("apply: %w", err))
	}
}
