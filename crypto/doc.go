// Package crypto holds the pure maths of a Telegram one-to-one call's key
// exchange: validation of the server's DH config, each side's exponent and
// public value, the shared key, its fingerprint and the emoji fingerprint.
// It does no I/O besides reading the random source it is given.
//
// Spec: ../shared/spec/telegram-calls.md §2.5 (DH math and checks),
// §2.6 (key_fingerprint), §2.7 (emoji fingerprint).
//
// A caller's side, in short:
//
//	var cache crypto.DHCache
//	cfg, err := cache.Update(dh.Version, dh.G, dh.P) // from messages.getDhConfig
//	a, err := crypto.NewSecret(cfg, dh.Random, rand.Reader)
//	hash := crypto.GAHash(a.Public())                // phone.requestCall
//	key, err := a.SharedKey(gB)                      // phone.acceptCall answer
//	fp := key.Fingerprint()                          // phone.confirmCall
//	emoji := crypto.Emoji(&key, a.Public())
//
// Secrets and keys print as "[redacted]" through fmt and log/slog.
package crypto
