package pionmedia

import (
	"fmt"
	"log/slog"

	"github.com/pion/logging"
	"github.com/tgphone/tgphone/media"
)

// Logs routes pion's logs into the call's log (a logging.LoggerFactory for
// pion's SettingEngine). pion refuses SRTP and SRTCP packets that fail
// authentication or replay checks inside its own read loop and only says so
// at info level on its "srtp" logger: those lines are the engine's count of
// rejected media packets, in Rejects (which may be nil where no SRTP runs).
type Logs struct {
	Log     *slog.Logger
	Rejects *media.Rejects
}

// NewLogger is pion's logger for one of its parts.
func (f Logs) NewLogger(scope string) logging.LeveledLogger {
	return pionLogger{log: f.Log.With("pion", scope), srtp: scope == "srtp", rejects: f.Rejects}
}

type pionLogger struct {
	log     *slog.Logger
	srtp    bool
	rejects *media.Rejects
}

// pion's trace and debug lines are for pion's developers, and some carry
// ICE credentials: never logged.
func (l pionLogger) Trace(string)                  {}
func (l pionLogger) Tracef(string, ...any)         {}
func (l pionLogger) Debug(string)                  {}
func (l pionLogger) Debugf(string, ...any)         {}
func (l pionLogger) Info(msg string)               { l.info(msg) }
func (l pionLogger) Infof(format string, a ...any) { l.info(fmt.Sprintf(format, a...)) }
func (l pionLogger) Warn(msg string)               { l.log.Debug(msg) }
func (l pionLogger) Warnf(format string, a ...any) { l.log.Debug(fmt.Sprintf(format, a...)) }

// Error is what pion reports when a transport fails; the engine reports the
// failure to the call itself, so here it is detail for debugging.
func (l pionLogger) Error(msg string)               { l.log.Debug(msg) }
func (l pionLogger) Errorf(format string, a ...any) { l.log.Debug(fmt.Sprintf(format, a...)) }

func (l pionLogger) info(msg string) {
	if l.srtp {
		l.rejects.Add(l.log, "srtp", "err", msg)
		return
	}
	l.log.Debug(msg)
}
