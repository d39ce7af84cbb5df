// Package ui is tgphone's desktop app in Fyne: sign-in (code, 2FA, sign-up,
// QR link), the main window's Contacts, Dialer and Recents tabs, a window per
// call (ringing with Accept/Decline, then state, timer, the four key emoji,
// mute, signal, level meters, live device switching, statistics and the
// after-call rating), and Settings. It drives calling.Manager and never
// blocks Fyne's goroutine on the network: work runs in goroutines and comes
// back through fyne.Do.
//
//	u, err := ui.New(fyneApp, ui.Options{Sandbox: &account.Sandbox{...}, ConfigDir: dir})
//	u.Start(ctx)
//	fyneApp.Run()
//
// The package does not import fyne's app driver, so its tests run headless
// with fyne.io/fyne/v2/test.
package ui
