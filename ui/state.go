package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// appState is what the app remembers that is not a setting: favourite
// contacts and the missed calls already seen in Recents (the missed-calls
// count is the others). It lives in state.json beside settings.json, so
// the Settings window, which saves its own copy of Settings, never
// overwrites it.
type appState struct {
	Favorites []int64 `json:"favorites,omitempty"`
	// SeenMissed are the latest missed calls shown in Recents, by call id:
	// ids rather than a time, which the server's whole-second dates and
	// this computer's clock would make miss or recount a call.
	SeenMissed []int64 `json:"seen_missed,omitempty"`
	// TurnedAway are the latest incoming calls answered busy without
	// ringing here, which Recents lists as missed (the server's record
	// says declined).
	TurnedAway []turnedAwayCall `json:"turned_away,omitempty"`
}

type turnedAwayCall struct {
	CallID int64  `json:"call_id"`
	Why    string `json:"why"`
}

// maxTurnedAway and maxSeenMissed bound the lists: Recents shows the
// latest 50 calls.
const maxTurnedAway, maxSeenMissed = 100, 100

// sawMissed records ids as seen.
func (s *appState) sawMissed(ids []int64) {
	for _, id := range ids {
		if !slices.Contains(s.SeenMissed, id) {
			s.SeenMissed = append(s.SeenMissed, id)
		}
	}
	if n := len(s.SeenMissed); n > maxSeenMissed {
		s.SeenMissed = slices.Clone(s.SeenMissed[n-maxSeenMissed:])
	}
}

func (s *appState) addTurnedAway(id int64, why string) {
	s.TurnedAway = append(s.TurnedAway, turnedAwayCall{CallID: id, Why: why})
	if n := len(s.TurnedAway); n > maxTurnedAway {
		s.TurnedAway = slices.Clone(s.TurnedAway[n-maxTurnedAway:])
	}
}

// turnedAwayWhy is why call id was turned away, "" if it was not.
func (s appState) turnedAwayWhy(id int64) string {
	for _, t := range s.TurnedAway {
		if t.CallID == id {
			return t.Why
		}
	}
	return ""
}

func (u *session) statePath() string { return filepath.Join(u.path(), "state.json") }

// loadState reads the state file; a missing or unreadable one is an empty
// state (it holds nothing that cannot be chosen again).
func loadState(path string) (appState, error) {
	var s appState
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("read app state: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return appState{}, fmt.Errorf("app state %s unreadable: %w", filepath.Base(path), err)
	}
	return s, nil
}

// save writes the state atomically, 0600 in a 0700 folder.
func (s appState) save(path string) error {
	b, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("save app state: %w", err)
	}
	return writeFileAtomic(path, b)
}

func (s appState) isFavorite(id int64) bool { return slices.Contains(s.Favorites, id) }

// setFavorite adds or removes id.
func (s *appState) setFavorite(id int64, on bool) {
	s.Favorites = slices.DeleteFunc(s.Favorites, func(x int64) bool { return x == id })
	if on {
		s.Favorites = append(s.Favorites, id)
	}
}
