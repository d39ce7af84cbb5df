package sandbox

import "github.com/gotd/td/crypto"

// RegisterAuthKey makes k known as if a client had just made it by MTProto's
// key exchange, unbound to any user: what a restored DataDir does for keys
// made in an earlier run. Test harnesses hand such keys to their clients to
// skip the exchange, whose safe-prime check of the server's p (two 64-round
// Miller–Rabin tests of 2048-bit numbers in gotd) costs about a second of
// CPU per client, and several under the race detector.
func (s *Server) RegisterAuthKey(k crypto.AuthKey) { s.addAuthKey(k) }
