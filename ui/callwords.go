package ui

import (
	"strings"

	"github.com/tgphone/tgphone/calling"
)

// Package calling says what happened to a call in structured form
// (Snapshot.Ending, Snapshot.Mic and Speaker); its English sentences are
// for scripts. Here the same events are worded from the catalogue, with
// the peer's name as an argument.

// endingText is the sentence saying how a call ended, in the UI's
// language; "" for an end that needs none. name is the peer's.
func endingText(e calling.Ending, name string) string {
	switch e.Reason {
	case calling.EndNone:
		return ""
	case calling.EndPrivacyRestricted:
		return tr("end.privacy_restricted", "Name", name)
	case calling.EndPeerOutdated:
		return tr("end.peer_outdated", "Name", name)
	case calling.EndBlocked:
		return tr("end.blocked", "Name", name)
	case calling.EndUserInvalid:
		return tr("end.user_invalid")
	case calling.EndProtocol:
		return tr("end.protocol_invalid")
	case calling.EndEncryption:
		return tr("end.encryption_failed")
	case calling.EndNoEngine:
		if e.Detail == "" {
			return tr("end.no_media_engine_unknown")
		}
		return tr("end.no_media_engine", "Version", e.Detail)
	case calling.EndConnectFailed:
		return tr("end.connect_failed", "Name", name)
	case calling.EndConnectionLost:
		return tr("end.connection_lost")
	case calling.EndKeysTimeout:
		return tr("end.keys_timeout")
	case calling.EndCallInvalid:
		return tr("end.call_invalid")
	case calling.EndInCall:
		return tr("end.in_call")
	case calling.EndServerRefused:
		return tr("end.server_refused", "Type", e.Detail)
	case calling.EndUnreachable:
		return tr("end.unreachable")
	case calling.EndInternal:
		return tr("end.internal")
	case calling.EndBusy:
		return tr("end.busy", "Name", name)
	case calling.EndPeerDeclined:
		return tr("call.peer_declined", "Name", name)
	case calling.EndYouDeclined:
		return tr("end.you_declined")
	case calling.EndNoAnswer:
		return tr("end.no_answer", "Name", name)
	case calling.EndMissed:
		return tr("end.missed", "Name", name)
	case calling.EndAnsweredElsewhere:
		return tr("end.answered_elsewhere")
	case calling.EndDeclinedElsewhere:
		return tr("end.declined_elsewhere")
	case calling.EndEndedElsewhere:
		return tr("end.ended_elsewhere")
	case calling.EndMovedToGroupCall:
		return tr("end.moved_to_group_call")
	}
	// EndFailed, and a reason newer than this switch (the catalogue test
	// walks calling.EndReasons, so that is a failing test, not a release).
	return tr("end.failed")
}

// deviceText is what is wrong with this computer's microphone and
// speaker during the call, in the UI's language; "" when nothing is.
func deviceText(s calling.Snapshot) string {
	name := nameOf(s.Peer)
	var parts []string
	switch s.Mic {
	case calling.DeviceReopening:
		parts = append(parts, tr("device.mic_reopening"))
	case calling.DeviceFallback:
		parts = append(parts, tr("device.mic_fallback"))
	case calling.DeviceMissing:
		parts = append(parts, tr("device.mic_missing", "Name", name))
	}
	switch s.Speaker {
	case calling.DeviceReopening:
		parts = append(parts, tr("device.speaker_reopening"))
	case calling.DeviceFallback:
		parts = append(parts, tr("device.speaker_fallback"))
	case calling.DeviceMissing:
		parts = append(parts, tr("device.speaker_missing", "Name", name))
	}
	return strings.Join(parts, " ")
}
