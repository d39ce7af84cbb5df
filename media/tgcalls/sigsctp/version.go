package sigsctp

import (
	"errors"
	"fmt"

	"github.com/tgphone/tgphone/media/tgcalls/signaling"
)

// ErrUnsupported is returned by ForVersion for a version or a
// custom_parameters choice tgphone does not speak.
var ErrUnsupported = errors.New("sigsctp: unsupported signalling")

// ForVersion returns the signalling transport of a call on the given tgcalls
// library version (spec §6.1):
//
//	7.0.0            raw framing, JSON bodies         signaling.NewRaw(key, outgoing, false)
//	8.0.0, 10.0.0    reliable framing                 signaling.NewReliable(key, outgoing)
//	9.0.0            follows the peer (SCTP/reliable) NewAuto(key, outgoing, cfg)
//	11.0.0           SCTP over signalling             New(key, outgoing, cfg)
//	12.0.0, 13.0.0   SCTP over signalling             New(key, outgoing, cfg)
//	  + network_signaling_nosctp: raw framing, gzip   signaling.NewRaw(key, outgoing, true)
//	  + network_kcp_experiment: ErrUnsupported
//
// custom applies to 12.0.0 and 13.0.0 only (the versions current tgcalls
// reads it for). Versions 2.7.7 and 5.0.0 (InstanceImpl) and 6.0.0 are not
// JSON signalling and return ErrUnsupported.
func ForVersion(version string, key [signaling.KeySize]byte, outgoing bool, custom signaling.CustomParameters, cfg Config) (signaling.Transport, error) {
	switch version {
	case "7.0.0":
		return signaling.NewRaw(key, outgoing, false), nil
	case "8.0.0", "10.0.0":
		return signaling.NewReliable(key, outgoing), nil
	case "9.0.0":
		return NewAuto(key, outgoing, cfg), nil
	case "11.0.0":
		return New(key, outgoing, cfg), nil
	case "12.0.0", "13.0.0":
		switch {
		case custom.KCP:
			return nil, fmt.Errorf("%w: %s with network_kcp_experiment", ErrUnsupported, version)
		case custom.NoSCTP:
			return signaling.NewRaw(key, outgoing, true), nil
		}
		return New(key, outgoing, cfg), nil
	}
	return nil, fmt.Errorf("%w: library version %q", ErrUnsupported, version)
}
