// Package pionmedia holds the media-transport plumbing that tgphone's two
// pion-based tgcalls engines (media/tgcalls for InstanceV2Impl and
// media/tgcalls/reference for InstanceV2ReferenceImpl) share: the figures
// Stats reports (Counters), pion's logs routed into the call's log (Logs),
// the transport.Net that keeps pion's TURN clients alive against forged
// packets and keeps real sockets off the synthetic reflector addresses (Net),
// and the codecs, RTCP reports and ICE settings a call's pion objects are
// made with (Setup).
package pionmedia
