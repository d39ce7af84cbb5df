// Package audio is tgphone's sound engine, shared by both media engines:
// devices (miniaudio via malgo, plus virtual devices for headless runs),
// Opus encode/decode with in-band FEC and concealment, an adaptive jitter
// buffer, speexdsp echo cancellation / noise suppression / AGC, call-progress
// tones and level meters. A Session is one call's audio and implements
// media.AudioPort (spec telegram-calls.md, media section; wire.md for the
// legacy 60 ms packets with pts*48 timestamps).
//
// Pipeline, 48 kHz mono 16-bit in 20 ms frames:
//
//	capture device → AEC(far = frame the speaker played) → NS/AGC → mute → meter → Opus → ReadPacket
//	WritePacket → JitterBuffer (reorder, dedupe, late, FEC, PLC, adapt) → decode → meter → playback device
//
// While recording (Session.StartRecording) a Recorder gets both the frame sent
// and the frame played, mixes them and writes Ogg Opus (oggopus.go, RFC 7845).
//
// Device ids: "default" follows the system default; a miniaudio id from
// ListDevices; virtual ones run through the same callbacks on a 20 ms clock:
// input "tone:440", "silence", "file:PATH.wav" or "PATH.wav"; output
// "wav:PATH.wav" (records what would be played), "null"; "loop:" as input and
// output makes an echo pair (playback returns on capture after LoopDelay).
// "rack:NAME" devices come from a Rack, virtual devices a test or demo can
// unplug and plug back in.
// A device that fails mid-call is reopened, else the default is used, else a
// virtual one: a call never ends for want of hardware; events say what
// happened (EventReceiveOnly carries ErrNoMicrophone). The session returns
// to the device the user chose once it opens again (a headset plugged back).
//
// Usage:
//
//	s, err := audio.Open(audio.Config{Input: "default", Output: "default",
//		DSP: audio.DSPConfig{AEC: true, NS: true, AGC: true},
//		OnEvent: func(e audio.Event) { ui.Notify(e) }}, logger)
//	if err != nil { return err }
//	defer s.Close()
//	params.Audio = s // media engines use ReadPacket/WritePacket/SetEncoder/AudioStats
//	_ = s.PlayTone(audio.ToneRingback); s.StopTone()
//	s.SetMuted(true); _ = s.SwitchInput(id); lv := s.Levels()
//
// Headless CLI: --input tone:HZ|FILE.wav|silence maps to Config.Input and
// --record OUT.wav to Config.Output "wav:OUT.wav".
package audio
