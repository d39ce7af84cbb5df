// Package media is the contract between the call core (package calling) and the
// media engines: what an engine is given when a call is confirmed, what it reports
// back, and how it reaches the audio engine.
//
// Engines live in their own packages (the libtgvoip 2.4.4 engine and the tgcalls
// V2 engine) and are selected by the library version the server negotiated:
// protocol.library_versions[0], as Telegram Desktop and Android take it even
// when the server lists several (spec §2.3), 2.4.4 when it lists none. This
// package imports nothing of
// tgphone, so calling, the engines and audio can all depend on it.
//
//	eng, err := factory(media.Params{Key: key, Outgoing: true, LibraryVersion: "2.4.4", ...})
//	if err != nil { ... }
//	err = eng.Start(ctx) // events arrive through Params.OnEvent
package media
