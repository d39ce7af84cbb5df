package calling

import (
	"strings"

	"github.com/tgphone/tgphone/audio"
)

// deviceNotice is the sentence a device event leaves for the user about one
// side (microphone or speaker); "" means that side is fine again.
func deviceNotice(e audio.Event, peer string) string {
	what, the := "Speaker", "speaker"
	if e.Capture {
		what, the = "Microphone", "microphone"
	}
	switch e.Kind {
	case audio.EventDeviceLost:
		return what + " disconnected; trying to get it back…"
	case audio.EventFallback:
		return what + " unavailable; using the default " + the + "."
	case audio.EventReceiveOnly:
		return "No microphone found: you can hear " + peer + ", but " + peer + " cannot hear you."
	case audio.EventNoPlayback:
		return "No speaker found: you cannot hear " + peer + "."
	}
	// Reopened, switched by the user, moved to a new system default.
	return ""
}

// onAudioEvent keeps the call's device notice current. It runs on the audio
// session's goroutines, so it only records and notifies.
func (c *Call) onAudioEvent(e audio.Event) {
	side := 1
	if e.Capture {
		side = 0
	}
	notice := deviceNotice(e, c.peer.Name())
	c.mu.Lock()
	c.devNotice[side] = notice
	joined := strings.TrimSpace(c.devNotice[0] + " " + c.devNotice[1])
	changed := c.snap.AudioNotice != joined
	c.snap.AudioNotice = joined
	c.mu.Unlock()
	if changed { // the audio session has logged the event itself
		c.notify()
	}
}
