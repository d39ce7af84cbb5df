// Package calling is tgphone's call core: a Manager per account places and
// receives one-to-one calls over phone.requestCall / receivedCall / acceptCall
// / confirmCall / discardCall, agrees on the key (package crypto), and hands the
// confirmed call to the media engine chosen by the negotiated library version.
//
// Each call is an explicit state machine in two levels, as tdlib and Telegram
// Desktop have it: what the server saw (requested, waiting, accepted,
// confirmed, discarded) drives the user-visible State (requesting, waiting,
// ringing, exchanging keys, connecting, active, reconnecting, hanging up, and
// the endings). machine.next is the whole transition table — pure, table-tested
// — and a single goroutine per call performs its actions (RPCs, timers, engine
// start) and feeds their results back as events.
//
//	m := calling.NewManager(calling.Config{API: acct.API(), SelfID: me.ID, Engines: engines, Versions: versions,
//		CallLogDir: filepath.Join(stateDir, "calls")})
//	m.Attach(acct)     // updates in; method results applied; account settings reachable
//	m.LoadP2P(ctx)     // Telegram's peer-to-peer rule, for the next call
//	if err := m.CanCall(ctx, contact); err != nil { /* grey out Call: EndingOf(StateFailed, err, true) */ }
//	call, err := m.Dial(contact)
//	<-call.Done()
//	fmt.Println(call.Snapshot().State, call.Snapshot().Message())
//
// What a real server asks of a call is answered here too: need_debug gets
// the engine's counters (saveCallDebug) and the call's log file
// (saveCallLog); need_rating is passed on (Snapshot.NeedRating) only for a
// call that connected.
//
// Spec: ../shared/spec/telegram-calls.md §2 (flow, checks, timeouts, reasons), §3 (connections).
package calling
