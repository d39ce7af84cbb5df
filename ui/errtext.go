package ui

import (
	"errors"
	"io/fs"

	"github.com/gotd/td/tgerr"

	"github.com/tgphone/tgphone/calling"
)

// Errors reach the user as sentences. Internal strings ("get dh config:
// waitSession: context deadline exceeded") say nothing to them and go to
// the log instead.

// unreachableText is "what failed" and why, in words, for an error that
// has no sentence of its own: the server out of reach, a refusal by its
// name (PHONE_NUMBER_BANNED says more than nothing), or a fault in tgphone.
func unreachableText(err error, service, what string) string {
	if calling.Unreachable(err) {
		return tr("err.unreachable", "What", what, "Service", service)
	}
	if rpcErr, ok := tgerr.As(err); ok {
		return tr("err.refused", "What", what, "Service", service, "Type", rpcErr.Type)
	}
	return tr("err.internal", "What", what)
}

// sentence is err as one sentence for showError, under what failed.
func (u *UI) sentence(what string, err error) error {
	u.log.Warn(what, "err", err)
	return errors.New(unreachableText(err, u.serviceName(), what))
}

// errDetail is the system's own words for a failed file operation ("open
// /home/…/state.json: permission denied") without the context tgphone
// wrapped around them, for a catalogue sentence to quote; err's text when
// it is not about a file.
func errDetail(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Error()
	}
	return err.Error()
}
