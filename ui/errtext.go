package ui

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/gotd/td/tgerr"
)

// Errors reach the user as sentences. Internal strings ("get dh config:
// waitSession: context deadline exceeded") say nothing to them and go to
// the log instead.

// unreachable tells whether err is the server being out of reach rather
// than an answer from it.
func unreachable(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.EPIPE) || errors.As(err, &ne)
}

// unreachableText is "what failed" and why, in words, for an error that
// has no sentence of its own: the server out of reach, a refusal by its
// name (PHONE_NUMBER_BANNED says more than nothing), or a fault in tgphone.
func unreachableText(err error, service, what string) string {
	if unreachable(err) {
		return what + ": tgphone cannot reach " + service + " right now. Check your connection; tgphone keeps trying."
	}
	if rpcErr, ok := tgerr.As(err); ok {
		return what + ": " + service + " refused (" + rpcErr.Type + ")."
	}
	return what + ": something went wrong in tgphone. The log has the details."
}

// sentence is err as one sentence for showError, under what failed.
func (u *UI) sentence(what string, err error) error {
	u.log.Warn(what, "err", err)
	return errors.New(unreachableText(err, u.serviceName(), what))
}
