package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/calling"
)

// Settings are the user's choices, kept in settings.json in tgphone's
// config folder.
type Settings struct {
	Version       int    `json:"version"`
	Input         string `json:"input"`
	Output        string `json:"output"`
	Ring          string `json:"ring"`
	EchoCancel    bool   `json:"echo_cancellation"`
	NoiseSuppress bool   `json:"noise_suppression"`
	AutoGain      bool   `json:"auto_gain"`
	// P2P is who may see this computer's address: everyone, contacts or
	// nobody (calls go through a relay).
	P2P          string `json:"p2p"`
	DoNotDisturb bool   `json:"do_not_disturb"`
	// PushToTalk keeps the microphone off in calls except while Space or
	// the talk button is held.
	PushToTalk bool `json:"push_to_talk"`
	// Language is the UI's language code (en, ru, de, es, fa); "" follows
	// TGPHONE_LANG or the system locale.
	Language string `json:"language,omitempty"`
}

const settingsVersion = 1

// DefaultSettings: system devices, all audio processing on, p2p with everyone.
func DefaultSettings() Settings {
	return Settings{Version: settingsVersion, Input: audio.DefaultID, Output: audio.DefaultID, Ring: audio.DefaultID,
		EchoCancel: true, NoiseSuppress: true, AutoGain: true, P2P: "everyone"}
}

// LoadSettings reads path; a missing file gives the defaults. A corrupt
// file is kept aside as path.bad (never lost) and the defaults are used,
// with the error to show.
func LoadSettings(path string) (Settings, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return DefaultSettings(), fmt.Errorf("read settings: %w", err)
	}
	s := DefaultSettings()
	if err := json.Unmarshal(b, &s); err != nil || s.Version != settingsVersion {
		if err == nil {
			err = fmt.Errorf("settings version %d, this tgphone reads %d", s.Version, settingsVersion)
		}
		_ = os.Rename(path, path+".bad")
		return DefaultSettings(), &unreadableSettings{kept: filepath.Base(path) + ".bad", err: err}
	}
	return s, nil
}

// unreadableSettings is a settings file that could not be read: shown to
// the user as a sentence, logged with the reason.
type unreadableSettings struct {
	kept string // the file's new name
	err  error
}

func (e *unreadableSettings) Error() string {
	return tr("settings.unreadable", "Kept", e.kept)
}

func (e *unreadableSettings) Unwrap() error { return e.err }

// LogValue gives the log the reason the sentence leaves out.
func (e *unreadableSettings) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprintf("settings unreadable, kept as %s: %v", e.kept, e.err))
}

// Save writes the settings atomically, 0600 in a 0700 folder.
func (s Settings) Save(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return writeFileAtomic(path, b)
}

// audioConfig is the audio engine configuration for a call.
func (s Settings) audioConfig() audio.Config {
	return audio.Config{Input: s.Input, Output: s.Output, Ring: s.Ring,
		DSP: audio.DSPConfig{AEC: s.EchoCancel, NS: s.NoiseSuppress, AGC: s.AutoGain}}
}

// p2pSetting is the stored name of a policy.
func p2pSetting(p calling.P2PPolicy) string {
	switch p {
	case calling.P2PContacts:
		return "contacts"
	case calling.P2PNobody:
		return "nobody"
	}
	return "everyone"
}

func (s Settings) p2pPolicy() calling.P2PPolicy {
	switch s.P2P {
	case "contacts":
		return calling.P2PContacts
	case "nobody":
		return calling.P2PNobody
	}
	return calling.P2PEveryone
}
