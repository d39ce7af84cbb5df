package signaling

import "encoding/json"

// CustomParameters are the entries of a call's custom_parameters
// (phone.getCallConfig merged with phoneCall.custom_parameters, a JSON
// object) that change the signalling framing of library versions 12.0.0 and
// 13.0.0 in current tgcalls (spec §6.1).
type CustomParameters struct {
	// NoSCTP is network_signaling_nosctp: the raw packets (gzip bodies) are
	// sent bare, without the SCTP association.
	NoSCTP bool
	// KCP is network_kcp_experiment: the raw packets ride a KCP session.
	// tgphone does not implement it.
	KCP bool
}

// ParseCustomParameters reads the entries that matter here from the
// custom_parameters JSON. Like tgcalls' getCustomParameterBool, only a JSON
// true counts; anything else (absent, false, "true", 1, malformed JSON) is
// false.
func ParseCustomParameters(data []byte) CustomParameters {
	var m map[string]json.RawMessage
	if json.Unmarshal(data, &m) != nil {
		return CustomParameters{}
	}
	isTrue := func(k string) bool { return string(m[k]) == "true" }
	return CustomParameters{
		NoSCTP: isTrue("network_signaling_nosctp"),
		KCP:    isTrue("network_kcp_experiment"),
	}
}
