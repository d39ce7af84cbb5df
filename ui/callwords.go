package ui

import (
	"strings"

	"github.com/tgphone/tgphone/calling"
)

// Package calling says what happened to a call in structured form
// (Snapshot.Ending, Snapshot.Mic and Speaker); its English sentences are
// for scripts. Here the same events are worded from the catalogue, with
// the peer's name as an argument.

// endingKeys are the catalogue keys of the endings that need no more than
// the peer's name, which each is given (a sentence without {{.Name}}
// ignores it).
var endingKeys = map[calling.EndReason]string{
	calling.EndPrivacyRestricted: "end.privacy_restricted",
	calling.EndPeerOutdated:      "end.peer_outdated",
	calling.EndBlocked:           "end.blocked",
	calling.EndUserInvalid:       "end.user_invalid",
	calling.EndProtocol:          "end.protocol_invalid",
	calling.EndEncryption:        "end.encryption_failed",
	calling.EndConnectFailed:     "end.connect_failed",
	calling.EndConnectionLost:    "end.connection_lost",
	calling.EndKeysTimeout:       "end.keys_timeout",
	calling.EndCallInvalid:       "end.call_invalid",
	calling.EndInCall:            "end.in_call",
	calling.EndUnreachable:       "end.unreachable",
	calling.EndInternal:          "end.internal",
	calling.EndBusy:              "end.busy",
	calling.EndPeerDeclined:      "call.peer_declined",
	calling.EndYouDeclined:       "end.you_declined",
	calling.EndNoAnswer:          "end.no_answer",
	calling.EndMissed:            "end.missed",
	calling.EndAnsweredElsewhere: "end.answered_elsewhere",
	calling.EndDeclinedElsewhere: "end.declined_elsewhere",
	calling.EndEndedElsewhere:    "end.ended_elsewhere",
	calling.EndMovedToGroupCall:  "end.moved_to_group_call",
}

// endingText is the sentence saying how a call ended, in the UI's
// language; "" for an end that needs none. name is the peer's.
func endingText(e calling.Ending, name string) string {
	switch e.Reason {
	case calling.EndNone:
		return ""
	case calling.EndNoEngine:
		if e.Detail == "" {
			return tr("end.no_media_engine_unknown")
		}
		return tr("end.no_media_engine", "Version", e.Detail)
	case calling.EndServerRefused:
		return tr("end.server_refused", "Type", e.Detail)
	}
	if key, ok := endingKeys[e.Reason]; ok {
		return tr(key, "Name", name)
	}
	// EndFailed, and a reason newer than endingKeys (the catalogue test
	// walks calling.EndReasons, so that is a failing test, not a release).
	return tr("end.failed")
}

// deviceText is what is wrong with this computer's microphone and
// speaker during the call, in the UI's language; "" when nothing is.
func deviceText(s calling.Snapshot) string {
	name := nameOf(s.Peer)
	var parts []string
	for _, d := range []struct {
		trouble                      calling.DeviceTrouble
		reopening, fallback, missing string
	}{
		{s.Mic, "device.mic_reopening", "device.mic_fallback", "device.mic_missing"},
		{s.Speaker, "device.speaker_reopening", "device.speaker_fallback", "device.speaker_missing"},
	} {
		switch d.trouble {
		case calling.DeviceReopening:
			parts = append(parts, tr(d.reopening))
		case calling.DeviceFallback:
			parts = append(parts, tr(d.fallback))
		case calling.DeviceMissing:
			parts = append(parts, tr(d.missing, "Name", name))
		}
	}
	return strings.Join(parts, " ")
}
