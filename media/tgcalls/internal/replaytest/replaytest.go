// Package replaytest is test support for the replay tests, which feed the
// frames one side of a recorded tgcalls↔tgcalls call sent (package
// transcript loads them) to tgphone in the other role: what a recorded
// frame needs before it can stand in for a live peer's. Nothing in the app
// imports it.
package replaytest

import (
	"fmt"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// StripSacks removes the SACK chunks from a replayed tgcalls SCTP packet:
// they acknowledge the TSNs of the tgcalls peer it was recorded with, not
// ours. nil when nothing is left.
func StripSacks(pkt []byte) ([]byte, error) {
	p, err := signaling.ParseSCTP(pkt)
	if err != nil {
		return nil, fmt.Errorf("replayed frame: %w", err)
	}
	var keep []signaling.SCTPChunk
	for _, c := range p.Chunks {
		if c.Type != signaling.ChunkSack {
			keep = append(keep, c)
		}
	}
	if len(keep) == len(p.Chunks) {
		return pkt, nil
	}
	if len(keep) == 0 {
		return nil, nil
	}
	p.Chunks = keep
	return signaling.MarshalSCTP(p), nil
}
