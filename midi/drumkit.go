package midi

import (
	"cmp"
	"context"
	"math"
	"math/rand/v2"
	"slices"
)

// The drum kit of the synthesiser: each of the reduced kit's drums is a one-shot voice of
// a gliding sine, high-passed noise and metallic square partials, its noise drawn from a
// generator seeded by the hit's key and onset, so that the same music gives the same
// samples. A hit sounds to its natural end (a note-off is ignored), unless a later note
// takes its voice or the audio ends.
type drumVoice struct {
	hz, sweep float64 // body: a sine gliding from hz·sweep down to hz
	bodyDecay float64 // its time constant, s
	body      float64 // its level
	noise     float64 // level of the noise
	noiseHP   float64 // one-pole high-pass coefficient of the noise: 0 none, towards 1 brighter
	noiseDec  float64 // time constant of the noise (and metal), s
	metal     float64 // level of the metallic partials
	length    float64 // s: the voice is below -60 dB by then
}

// drumVoices are the voices, by drum.
var drumVoices = [NumDrums]drumVoice{
	Kick:      {hz: 50, sweep: 3, bodyDecay: 0.12, body: 1, noise: 0.15, noiseHP: 0.2, noiseDec: 0.004, length: 0.8},
	Snare:     {hz: 185, sweep: 1.4, bodyDecay: 0.06, body: 0.55, noise: 0.7, noiseHP: 0.6, noiseDec: 0.09, length: 0.7},
	ClosedHat: {noise: 0.35, noiseHP: 0.95, noiseDec: 0.025, metal: 0.25, length: 0.2},
	OpenHat:   {noise: 0.35, noiseHP: 0.95, noiseDec: 0.22, metal: 0.25, length: 1.4},
	LowTom:    {hz: 90, sweep: 1.5, bodyDecay: 0.22, body: 0.9, noise: 0.1, noiseHP: 0.3, noiseDec: 0.02, length: 1.4},
	MidTom:    {hz: 130, sweep: 1.5, bodyDecay: 0.2, body: 0.85, noise: 0.1, noiseHP: 0.3, noiseDec: 0.02, length: 1.3},
	HighTom:   {hz: 180, sweep: 1.5, bodyDecay: 0.18, body: 0.8, noise: 0.1, noiseHP: 0.3, noiseDec: 0.02, length: 1.2},
	Crash:     {noise: 0.4, noiseHP: 0.9, noiseDec: 0.5, metal: 0.3, length: 3.3},
	Ride:      {hz: 620, sweep: 1, bodyDecay: 0.35, body: 0.12, noise: 0.15, noiseHP: 0.93, noiseDec: 0.4, metal: 0.25, length: 2.7},
}

// metalHz are the frequencies of the metallic partials: the six square waves of the
// TR-808's cymbal circuit.
var metalHz = [6]float64{205.3, 304.4, 369.6, 522.7, 540, 800}

// glideTime is the time constant of a drum's fall in pitch, s.
const glideTime = 0.03

// drumState is a drum voice's state, carried from one chunk of samples to the next. It is
// a value in its tone, so that each synthesis of an Audio starts from the scheduled state.
type drumState struct {
	v              *drumVoice
	noise          rand.PCG
	rate           float64
	phase, glide   float64
	bodyE, noiseE  float64 // envelopes
	bodyK, noiseK  float64 // what they keep a sample
	glideK         float64
	hp, prev       float64 // the noise's high-pass filter
	metal          [6]float64
	attack, stolen int // samples of the 1 ms attack; of the fade when taken
}

// scheduleDrum readies a hit of the drum kit for audio of n samples: false when its key
// is not a drum of the kit (DrumMapGroove), or it starts after the end.
func (t *tone) scheduleDrum(n int, opt RenderOptions) bool {
	d, ok := DrumMapGroove.Drum(t.pitch)
	if !ok || t.start >= n || t.vel <= 0 {
		return false
	}
	v, r := &drumVoices[d], float64(opt.SampleRate)
	t.stop = min(n, t.start+int(v.length*r))
	t.release, t.cut = t.stop, t.stop
	t.amp = float32(opt.Gain * float64(min(t.vel, 127)) / 127)
	t.kit = drumState{
		v:      v,
		noise:  *rand.NewPCG(uint64(t.pitch), uint64(t.start)),
		rate:   r,
		glide:  v.sweep - 1,
		bodyE:  1,
		noiseE: 1,
		bodyK:  math.Exp(-1 / (max(v.bodyDecay, 1e-4) * r)),
		noiseK: math.Exp(-1 / (max(v.noiseDec, 1e-4) * r)),
		glideK: math.Exp(-1 / (glideTime * r)),
		attack: max(1, int(0.001*r)),
		stolen: max(1, int(stealTime*r)),
	}
	return true
}

// playDrum adds the drum's part of mix, the chunk of samples from sample chunk.
func (t *tone) playDrum(mix []float32, chunk int) {
	k := &t.kit
	v, r := k.v, k.rate
	for i, end := max(chunk, t.start), min(chunk+len(mix), t.stop); i < end; i++ {
		var s float64
		if v.body > 0 {
			hz := v.hz * (1 + k.glide)
			k.glide *= k.glideK
			k.phase += 2 * math.Pi * hz / r
			if k.phase > 2*math.Pi {
				k.phase -= 2 * math.Pi
			}
			s += v.body * k.bodyE * math.Sin(k.phase)
			k.bodyE *= k.bodyK
		}
		if v.noise > 0 || v.metal > 0 {
			x := float64(k.noise.Uint64()>>11)/(1<<52) - 1 // uniform in [-1, 1)
			if v.metal > 0 {
				m := 0.0
				for j, f := range metalHz {
					k.metal[j] += f / r
					if k.metal[j] >= 1 {
						k.metal[j]--
					}
					if k.metal[j] < 0.5 {
						m += 1.0 / 6
					} else {
						m -= 1.0 / 6
					}
				}
				x = (v.noise*x + v.metal*m) / (v.noise + v.metal)
			}
			if v.noiseHP > 0 {
				// y[i] = a·(y[i-1] + x[i] − x[i-1]): a one-pole high-pass.
				k.hp = v.noiseHP * (k.hp + x - k.prev)
				k.prev = x
				x = k.hp
			}
			s += (v.noise + v.metal) * k.noiseE * x
			k.noiseE *= k.noiseK
		}
		if o := i - t.start; o < k.attack {
			s *= float64(o+1) / float64(k.attack)
		}
		if i >= t.cut {
			// Taken by a later note: fade out over the steal time.
			s *= max(0, 1-float64(i-t.cut+1)/float64(k.stolen))
		}
		mix[i-chunk] += t.amp * float32(s)
	}
}

// GrooveAudio schedules the grooves played one after another at qpm (DefaultQPM when qpm
// is not a positive number), each hit at its velocity and offset through the drum kit, as
// WriteGrooves would write them and File.Audio would schedule that file. The audio lasts
// the grooves' total steps at 60/qpm/4 seconds a step; the limits are File.Audio's.
func GrooveAudio(qpm float64, opt RenderOptions, gs ...Groove) (*Audio, error) {
	opt = opt.withDefaults()
	qpm = melodyQPM(qpm)
	steps := 0
	for _, g := range gs {
		steps += len(g)
	}
	if err := checkLength(float64(steps)*stepSeconds(qpm), opt); err != nil {
		return nil, err
	}
	return scheduleGrooves(qpm, opt, gs).checkWork()
}

// DrumsAudio schedules patterns as GrooveAudio does, every hit on the grid at
// WriteVelocity; classes out of range are silent.
func DrumsAudio(qpm float64, opt RenderOptions, ds ...Drums) (*Audio, error) {
	return GrooveAudio(qpm, opt, drumsGrooves(ds)...)
}

// RenderGrooves synthesises the grooves as GrooveAudio schedules them, without its limits.
func RenderGrooves(qpm float64, opt RenderOptions, gs ...Groove) []int16 {
	opt = opt.withDefaults()
	s, _ := scheduleGrooves(melodyQPM(qpm), opt, gs).Samples(context.Background())
	return s
}

// RenderDrums synthesises patterns as DrumsAudio schedules them, without its limits.
func RenderDrums(qpm float64, opt RenderOptions, ds ...Drums) []int16 {
	return RenderGrooves(qpm, opt, drumsGrooves(ds)...)
}

func drumsGrooves(ds []Drums) []Groove {
	gs := make([]Groove, len(ds))
	for i, d := range ds {
		gs[i] = d.Groove()
	}
	return gs
}

func scheduleGrooves(qpm float64, opt RenderOptions, gs []Groove) *Audio {
	rate := float64(opt.SampleRate)
	step := stepSeconds(qpm)
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
	// Hits with offsets can come out of order: schedule takes tones in order of onset.
	slices.SortStableFunc(ts, func(a, b tone) int { return cmp.Compare(a.start, b.start) })
	return schedule(ts, samplesFor(float64(offset)*step, rate), opt)
}
