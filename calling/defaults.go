package calling

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tgphone/tgphone/audio"
	"github.com/tgphone/tgphone/media"
	"github.com/tgphone/tgphone/media/legacy"
	"github.com/tgphone/tgphone/media/tgcalls"
	"github.com/tgphone/tgphone/media/tgcalls/reference"
)

// LegacyVersion is the libtgvoip library version the legacy engine speaks.
const LegacyVersion = "2.4.4"

// DefaultEngines returns tgphone's media engines by library version and the
// versions to advertise, most preferred first: tgcalls' InstanceV2Impl in
// the order tgcalls.Versions gives (9.0.0, then 8.0.0, as Telegram Desktop
// lists them), then its SDP-based reference implementation (10.0.0, 11.0.0),
// then 2.4.4, the fallback for Android builds and clients that only speak
// libtgvoip. The server answers with the version(s) it chose and both ends
// run its first entry (Manager.negotiated), so this order speaks only to the
// server. only, when not empty, restricts both to that one version.
func DefaultEngines(only string) (map[string]media.Factory, []string, error) {
	engines := map[string]media.Factory{LegacyVersion: legacy.New}
	versions := make([]string, 0, len(tgcalls.Versions)+len(reference.Versions)+1)
	for _, v := range tgcalls.Versions {
		engines[v] = tgcalls.New
		versions = append(versions, v)
	}
	// tgcalls' SDP reference implementation: after InstanceV2Impl's, which
	// every app that lists 10/11 also lists.
	for _, v := range reference.Versions {
		engines[v] = reference.New
		versions = append(versions, v)
	}
	versions = append(versions, LegacyVersion)
	if only == "" {
		return engines, versions, nil
	}
	f, ok := engines[only]
	if !ok {
		return nil, nil, fmt.Errorf("no media engine for library version %q (have %v)", only, versions)
	}
	return map[string]media.Factory{only: f}, []string{only}, nil
}

// AudioOpener opens an audio.Session with cfg for every call. A missing
// microphone or speaker does not fail the call: audio.Open falls back to a
// receive-only session and reports it, to cfg.OnEvent and to the call.
func AudioOpener(cfg audio.Config, log *slog.Logger) AudioOpenFunc {
	return func(ctx context.Context, onDevice func(audio.Event)) (AudioSession, error) {
		cfg := cfg
		if also := cfg.OnEvent; also != nil {
			cfg.OnEvent = func(e audio.Event) { also(e); onDevice(e) }
		} else {
			cfg.OnEvent = onDevice
		}
		s, err := audio.Open(cfg, log)
		if err != nil {
			return nil, fmt.Errorf("open audio: %w", err)
		}
		return s, nil
	}
}
