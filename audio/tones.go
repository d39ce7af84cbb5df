package audio

import (
	"fmt"
	"math"
)

// Tone is a call-progress sound played on the ring device.
type Tone int

// The tones; cadences follow ITU-T E.180 / ETSI TR 101 041 (425 Hz
// progress tones, a two-tone ring for incoming calls).
const (
	ToneRingtone Tone = iota // incoming call
	ToneRingback             // outgoing call ringing at the peer
	ToneBusy
	ToneEnded // three short beeps, then silence
)

func (t Tone) String() string {
	switch t {
	case ToneRingtone:
		return "ringtone"
	case ToneRingback:
		return "ringback"
	case ToneBusy:
		return "busy"
	case ToneEnded:
		return "ended"
	}
	return fmt.Sprintf("tone(%d)", int(t))
}

type cadence struct {
	freqs  []float64
	on     []int // ms on/off pairs, repeating
	repeat bool
}

var cadences = map[Tone]cadence{
	ToneRingtone: {freqs: []float64{440, 480}, on: []int{2000, 4000}, repeat: true},
	ToneRingback: {freqs: []float64{425}, on: []int{1000, 4000}, repeat: true},
	ToneBusy:     {freqs: []float64{425}, on: []int{500, 500}, repeat: true},
	ToneEnded:    {freqs: []float64{425}, on: []int{200, 200, 200, 200, 200, 200}},
}

// toneGen renders a tone sample by sample.
type toneGen struct {
	c   cadence
	pos int // samples since start
}

func newToneGen(t Tone) (*toneGen, error) {
	c, ok := cadences[t]
	if !ok {
		return nil, fmt.Errorf("unknown tone %d", int(t))
	}
	return &toneGen{c: c}, nil
}

// fill writes the next len(out) samples at −12 dBFS.
func (g *toneGen) fill(out []int16) {
	period := 0
	for _, ms := range g.c.on {
		period += ms * 48
	}
	for i := range out {
		p := g.pos
		g.pos++
		if g.c.repeat {
			p %= period
		} else if p >= period {
			out[i] = 0
			continue
		}
		on := false
		for k, ms := range g.c.on {
			if p < ms*48 {
				on = k%2 == 0
				break
			}
			p -= ms * 48
		}
		if !on {
			out[i] = 0
			continue
		}
		t := float64(g.pos) / 48000
		var v float64
		for _, f := range g.c.freqs {
			v += math.Sin(2 * math.Pi * f * t)
		}
		out[i] = int16(v / float64(len(g.c.freqs)) * 8192)
	}
}
