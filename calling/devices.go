package calling

import (
	"fmt"
	"strings"

	"github.com/tgphone/tgphone/audio"
)

// DeviceTrouble is what is wrong with one of this computer's audio devices
// (the microphone or the speaker) during a call, for a UI to word.
type DeviceTrouble int

const (
	DeviceOK        DeviceTrouble = iota // nothing: it works, or works again
	DeviceReopening                      // it was disconnected; the call is trying to get it back
	DeviceFallback                       // it is unavailable; the system's default one is used instead
	DeviceMissing                        // there is none: without a microphone the peer cannot hear the user, without a speaker the user cannot hear the peer
	numDeviceTroubles
)

func (d DeviceTrouble) String() string {
	if d >= 0 && d < numDeviceTroubles {
		return [...]string{"ok", "reopening", "fallback", "missing"}[d]
	}
	return fmt.Sprintf("device_trouble(%d)", int(d))
}

// DeviceTroubles lists every DeviceTrouble but DeviceOK, for a UI's test
// that it words each one.
func DeviceTroubles() []DeviceTrouble {
	return []DeviceTrouble{DeviceReopening, DeviceFallback, DeviceMissing}
}

// deviceTrouble is what a device event leaves wrong with its device.
func deviceTrouble(k audio.EventKind) DeviceTrouble {
	switch k {
	case audio.EventDeviceLost:
		return DeviceReopening
	case audio.EventFallback:
		return DeviceFallback
	case audio.EventReceiveOnly, audio.EventNoPlayback:
		return DeviceMissing
	}
	// Reopened, switched by the user, moved to a new system default.
	return DeviceOK
}

// deviceNotice is the English sentence for one side's trouble (the
// microphone's when capture), "" when there is none.
func deviceNotice(d DeviceTrouble, capture bool, peer string) string {
	what, the := "Speaker", "speaker"
	if capture {
		what, the = "Microphone", "microphone"
	}
	switch d {
	case DeviceReopening:
		return what + " disconnected; trying to get it back…"
	case DeviceFallback:
		return what + " unavailable; using the default " + the + "."
	case DeviceMissing:
		if capture {
			return "No microphone found: you can hear " + peer + ", but " + peer + " cannot hear you."
		}
		return "No speaker found: you cannot hear " + peer + "."
	}
	return ""
}

// onAudioEvent keeps the call's device troubles current. It runs on the
// audio session's goroutines, so it only records and notifies.
func (c *Call) onAudioEvent(e audio.Event) {
	d := deviceTrouble(e.Kind)
	c.mu.Lock()
	before := c.snap.Mic
	if e.Capture {
		c.snap.Mic = d
	} else {
		before = c.snap.Speaker
		c.snap.Speaker = d
	}
	changed := before != d
	if changed {
		peer := c.snap.Peer.Name()
		c.snap.AudioNotice = strings.TrimSpace(deviceNotice(c.snap.Mic, true, peer) + " " + deviceNotice(c.snap.Speaker, false, peer))
	}
	c.mu.Unlock()
	if changed { // the audio session has logged the event itself
		c.notify()
	}
}
