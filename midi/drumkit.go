package midi

import (
	"math"
	"math/rand/v2"
)

// The drum kit of the synthesiser: each of the reduced kit's drums is a one-shot voice of
// sines and noise, its noise drawn from a generator seeded by the hit's key and onset, so
// that the same file gives the same samples. A hit sounds to its natural end (its note-off
// is ignored), cut at the end of the audio.
type drumVoice struct {
	hz, sweep float64 // body: a sine gliding from hz·sweep down to hz
	bodyDecay float64 // its time constant, s
	body      float64 // its level
	noise     float64 // level of the noise
	noiseHP   float64 // one-pole high-pass coefficient of the noise: 0 none, towards 1 brighter
	noiseDec  float64 // time constant of the noise, s
	metal     float64 // level of the inharmonic square partials of cymbals and hats
	length    float64 // s: the voice is silent (below 60 dB) by then
}

// drumVoices are the voices, by drum. Hats and cymbals get their metallic colour from six
// square waves at the inharmonic ratios of the TR-808's cymbal circuit.
var drumVoices = [NumDrums]drumVoice{
	Kick:      {hz: 50, sweep: 3, bodyDecay: 0.12, body: 1, noise: 0.15, noiseHP: 0.2, noiseDec: 0.004, length: 1.1},
	Snare:     {hz: 185, sweep: 1.4, bodyDecay: 0.06, body: 0.55, noise: 0.7, noiseHP: 0.6, noiseDec: 0.09, length: 0.7},
	ClosedHat: {noise: 0.35, noiseHP: 0.95, noiseDec: 0.025, metal: 0.25, length: 0.2},
	OpenHat:   {noise: 0.35, noiseHP: 0.95, noiseDec: 0.22, metal: 0.25, length: 1.4},
	LowTom:    {hz: 90, sweep: 1.5, bodyDecay: 0.22, body: 0.9, noise: 0.1, noiseHP: 0.3, noiseDec: 0.02, length: 1.4},
	MidTom:    {hz: 130, sweep: 1.5, bodyDecay: 0.2, body: 0.85, noise: 0.1, noiseHP: 0.3, noiseDec: 0.02, length: 1.3},
	HighTom:   {hz: 180, sweep: 1.5, bodyDecay: 0.18, body: 0.8, noise: 0.1, noiseHP: 0.3, noiseDec: 0.02, length: 1.2},
	Crash:     {noise: 0.4, noiseHP: 0.9, noiseDec: 0.6, metal: 0.3, length: 4},
	Ride:      {hz: 620, sweep: 1, bodyDecay: 0.35, body: 0.12, noise: 0.15, noiseHP: 0.93, noiseDec: 0.45, metal: 0.25, length: 3},
}

// metalRatios are the frequencies of the metallic partials, Hz (the TR-808's).
var metalRatios = [6]float64{205.3, 304.4, 369.6, 522.7, 540, 800}

// addDrum mixes a hit of the drum that key plays (under DrumMapGroove) into mix from
// sample start at level amp. Keys the reduced kit leaves out are not played.
func addDrum(mix []float32, key, start int, amp float32, rate float64) {
	d, ok := DrumMapGroove.Drum(key)
	if !ok || start >= len(mix) || start < 0 {
		return
	}
	v := drumVoices[d]
	rng := rand.New(rand.NewPCG(uint64(key), uint64(start)))
	n := min(len(mix)-start, int(v.length*rate))
	var (
		phase         float64
		prevIn, hp    float64 // high-pass state
		metalPh       [6]float64
		bodyK, noiseK = math.Exp(-1 / (max(v.bodyDecay, 1e-4) * rate)), math.Exp(-1 / (max(v.noiseDec, 1e-4) * rate))
		bodyE, noiseE = 1.0, 1.0
		sweepK        = math.Exp(-1 / (0.03 * rate)) // the glide's time constant: 30 ms
		glide         = v.sweep - 1
		attack        = max(1, int(0.001*rate)) // 1 ms, against clicks
	)
	for i := 0; i < n; i++ {
		var s float64
		if v.body > 0 {
			hz := v.hz * (1 + glide)
			glide *= sweepK
			phase += 2 * math.Pi * hz / rate
			s += v.body * bodyE * math.Sin(phase)
			bodyE *= bodyK
		}
		if v.noise > 0 || v.metal > 0 {
			x := rng.Float64()*2 - 1
			if v.metal > 0 {
				m := 0.0
				for j, f := range metalRatios {
					metalPh[j] += f / rate
					if metalPh[j]-math.Floor(metalPh[j]) < 0.5 {
						m += 1.0 / 6
					} else {
						m -= 1.0 / 6
					}
				}
				x = (v.noise*x + v.metal*m) / (v.noise + v.metal)
			}
			// y[i] = a·(y[i-1] + x[i] − x[i-1]): a one-pole high-pass.
			hp = v.noiseHP * (hp + x - prevIn)
			prevIn = x
			if v.noiseHP == 0 {
				hp = x
			}
			s += (v.noise + v.metal) * noiseE * hp
			noiseE *= noiseK
		}
		if i < attack {
			s *= float64(i+1) / float64(attack)
		}
		mix[start+i] += amp * float32(s)
	}
}

// RenderGrooves synthesises the grooves played one after another at qpm (DefaultQPM when
// qpm is not a positive number), each hit at its velocity and offset through the drum
// kit, as WriteGrooves would write them and Render would play that file. The audio lasts
// the grooves' total steps at 60/qpm/4 seconds a step.
func RenderGrooves(qpm float64, opt RenderOptions, gs ...Groove) []int16 {
	opt = opt.withDefaults()
	if !(qpm > 0) || math.IsInf(qpm, 0) {
		qpm = DefaultQPM
	}
	rate := float64(opt.SampleRate)
	step := 60 / qpm / StepsPerQuarter // seconds
	var ts []tone
	offset := 0
	for _, g := range gs {
		for t, s := range g {
			for d, h := range s {
				if h.Velocity > 0 {
					at := samplesFor(max(float64(offset+t)+h.Offset, 0)*step, rate)
					ts = append(ts, tone{start: at, end: at, pitch: DrumPitches[d], vel: h.Velocity, drum: true})
				}
			}
		}
		offset += len(g)
	}
	return synthesise(ts, samplesFor(float64(offset)*step, rate), opt)
}

// RenderDrums synthesises patterns as RenderGrooves does, every hit on the grid at
// WriteVelocity; classes out of range are silent.
func RenderDrums(qpm float64, opt RenderOptions, ds ...Drums) []int16 {
	gs := make([]Groove, len(ds))
	for i, d := range ds {
		gs[i] = d.Groove()
	}
	return RenderGrooves(qpm, opt, gs...)
}
