package media

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestRejectsCountAndLogSparingly(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var r Rejects
	for range 1000 {
		r.Add(log, "replay")
	}
	for range 3 {
		r.Add(log, "decrypt")
	}
	total, by := r.Snapshot()
	if total != 1003 || by["replay"] != 1000 || by["decrypt"] != 3 {
		t.Fatalf("total %d, by %v", total, by)
	}
	// replay at 1, 10, 100, 1000; decrypt at 1.
	if lines := strings.Count(buf.String(), "packet rejected"); lines != 5 {
		t.Fatalf("%d log lines, want 5:\n%s", lines, buf.String())
	}
	by["replay"] = 0
	if _, again := r.Snapshot(); again["replay"] != 1000 {
		t.Fatal("Snapshot shares its map with the counter")
	}
}
