package wire

// RecvWindow tracks the peer's seq numbers: it produces ack_id/ack_mask as
// 2.4.4 writes them and rejects replays (spec §3).
type RecvWindow struct {
	last uint32 // highest seq seen (ack_id)
	mask uint32 // bit 31-k set when last-k was received
}

// Accept records seq and reports whether it is new. Duplicates and packets
// older than the 32-packet window are replays and must be dropped.
func (w *RecvWindow) Accept(seq uint32) bool {
	if seq == 0 {
		return false // seq starts at 1
	}
	switch {
	case w.last == 0 || seq > w.last:
		d := seq - w.last
		if w.last == 0 || d >= 32 {
			w.mask = 0
		} else {
			w.mask >>= d
		}
		w.mask |= 1 << 31
		w.last = seq
		return true
	default:
		d := w.last - seq
		if d >= 32 {
			return false
		}
		bit := uint32(1) << (31 - d)
		if w.mask&bit != 0 {
			return false
		}
		w.mask |= bit
		return true
	}
}

// Ack returns ack_id and ack_mask to put in the next outgoing header.
func (w *RecvWindow) Ack() (ackID, mask uint32) { return w.last, w.mask }

// Acked reports whether our packet seq is acknowledged by a header carrying
// ackID and mask. It reads the mask as 2.4.4 writes it (bit 31-k = ackID-k),
// not with 2.4.4's own off-by-one reader.
func Acked(ackID, mask, seq uint32) bool {
	if seq == 0 || seq > ackID {
		return false
	}
	d := ackID - seq
	if d == 0 {
		return true
	}
	return d < 32 && mask&(1<<(31-d)) != 0
}

// Acked244 is how a 2.4.4 peer reads the same header: bit 31-i means
// ackID-(i+1). Used to predict which of our packets a 2.4.4 peer will count
// as lost.
func Acked244(ackID, mask, seq uint32) bool {
	if seq == 0 || seq > ackID {
		return false
	}
	d := ackID - seq
	if d == 0 {
		return true
	}
	return d <= 32 && mask&(1<<(32-d)) != 0
}
