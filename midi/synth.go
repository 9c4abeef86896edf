package midi

import (
	"math"
	"sync"
)

// SampleRate is the sampling rate of rendered audio unless RenderOptions say otherwise:
// samples per second.
const SampleRate = 44100

// DefaultGain is the peak level, as a fraction of full scale, of one note at velocity 127
// when RenderOptions.Gain is 0: three such notes together stay below the level where the
// mix starts to be compressed, and more never clip.
const DefaultGain = 0.25

// The voice of the synthesiser: times in seconds.
const (
	attackTime  = 0.006 // linear rise to full level
	decayTime   = 0.35  // time constant of the fall from full level towards the sustain level
	sustainLvl  = 0.55  // level held while the key is down, after the decay
	releaseTime = 0.12  // linear fall to silence after the note ends
	brightTime  = 0.12  // time constant of the fading upper partials of the attack
	endFadeTime = 0.005 // fade at the end of the audio, over whatever still sounds
)

// RenderOptions set up the synthesiser. The zero value means the defaults.
type RenderOptions struct {
	SampleRate int     // samples per second; 0 or less means SampleRate (44,100)
	Gain       float64 // peak level of one note at velocity 127; 0 or less means DefaultGain
}

func (o RenderOptions) withDefaults() RenderOptions {
	if o.SampleRate <= 0 {
		o.SampleRate = SampleRate
	}
	if o.Gain <= 0 || math.IsNaN(o.Gain) || math.IsInf(o.Gain, 0) {
		o.Gain = DefaultGain
	}
	return o
}

// tone is a note to synthesise, timed in samples.
type tone struct {
	start, end int // sample of the onset; sample where the key is released
	pitch, vel int
	drum       bool // a hit of the drum kit (drumkit.go), pitch its key
}

// Render synthesises every note of the file except those on the drum channel, timed by
// the file's tempo map (File.Seconds), as 16-bit mono samples at opt.SampleRate.
//
// The audio lasts exactly as long as the file: round(f.Seconds(f.Length()) × rate)
// samples, to the end of its longest track, end-of-track included. A note still sounding
// there fades out over the last 5 ms instead of clicking, and releases that would ring
// past the end are cut there. The voice is additive (a fundamental and four harmonics,
// the upper ones fading within a few tenths of a second, like a soft electric piano) with
// an attack, decay, sustain and release envelope, tuned in equal temperament with A4
// (pitch 69) at 440 Hz; its level is proportional to velocity, and notes add up, the sum
// bending smoothly towards full scale above three quarters of it rather than clipping.
// The same file gives the same samples.
func (f *File) Render(opt RenderOptions) []int16 {
	opt = opt.withDefaults()
	rate := float64(opt.SampleRate)
	n := samplesFor(f.Seconds(f.Length()), rate)
	var ts []tone
	for _, nt := range f.Notes() {
		ts = append(ts, tone{
			start: samplesFor(f.Seconds(nt.Start), rate),
			end:   samplesFor(f.Seconds(nt.End), rate),
			pitch: nt.Pitch, vel: nt.Velocity,
			drum: nt.Channel == DrumChannel,
		})
	}
	return synthesise(ts, n, opt)
}

// RenderMelody synthesises the melodies played one after another at qpm quarter notes a
// minute (DefaultQPM when qpm is 0, or not a positive number), every note at
// WriteVelocity, as WriteMelodies would write them and Render would play that file (to
// within the file's tempo, which is rounded to whole microseconds a quarter). The audio
// lasts exactly the melodies' total steps at 60/qpm/4 seconds a step,
// rounded to a whole sample; see Render for the voice and the end. Classes out of range
// are treated as NoEvent.
func RenderMelody(qpm float64, opt RenderOptions, ms ...Melody) []int16 {
	opt = opt.withDefaults()
	if !(qpm > 0) || math.IsInf(qpm, 0) {
		qpm = DefaultQPM
	}
	rate := float64(opt.SampleRate)
	step := 60 / qpm / StepsPerQuarter // seconds
	at := func(s int) int { return samplesFor(float64(s)*step, rate) }
	var ts []tone
	offset := 0
	for _, m := range ms {
		for _, nt := range m.Notes() {
			ts = append(ts, tone{start: at(offset + nt.Start), end: at(offset + nt.End), pitch: nt.Pitch, vel: WriteVelocity})
		}
		offset += len(m)
	}
	return synthesise(ts, at(offset), opt)
}

// samplesFor is the number of whole samples in sec seconds, rounded to the nearest.
func samplesFor(sec, rate float64) int {
	v := math.Round(sec * rate)
	if !(v > 0) {
		return 0
	}
	// A corrupt tempo map can claim days of music; cap at 2^31 samples (13 hours at
	// 44.1 kHz), which also keeps a WAV under its 4 GiB limit.
	return int(min(v, math.MaxInt32))
}

// Partials of the voice, as amplitudes of harmonics 1, 2, 3, ...: the body sustains, the
// shimmer fades after the attack.
var (
	bodyPartials    = []float64{1, 0.28, 0.09, 0.04, 0.02}
	shimmerPartials = []float64{0, 0.22, 0.16, 0.10, 0.06}
)

const (
	tableBits = 12
	tableSize = 1 << tableBits
	fracBits  = 32 - tableBits
)

// wavetable holds one cycle of the body and shimmer, sampled tableSize times (plus a guard
// point for interpolation), scaled so that body plus any fraction of the shimmer stays
// within ±1.
type wavetable struct{ body, shimmer [tableSize + 1]float32 }

// tables[k-1] has the first k partials, so that no partial of a high note lies above the
// Nyquist frequency and aliases.
var (
	tablesOnce sync.Once
	tables     []*wavetable
)

func voiceTables() []*wavetable {
	tablesOnce.Do(func() {
		for k := 1; k <= len(bodyPartials); k++ {
			wt := &wavetable{}
			var peakBody, peakAll float64
			body := make([]float64, tableSize+1)
			shim := make([]float64, tableSize+1)
			for i := range body {
				x := 2 * math.Pi * float64(i) / tableSize
				for h := 0; h < k; h++ {
					s := math.Sin(float64(h+1) * x)
					body[i] += bodyPartials[h] * s
					shim[i] += shimmerPartials[h] * s
				}
				peakBody = max(peakBody, math.Abs(body[i]))
				peakAll = max(peakAll, math.Abs(body[i]+shim[i]))
			}
			// The level is linear in the shimmer's share, so its extremes bound it.
			scale := 1 / max(peakBody, peakAll)
			for i := range body {
				wt.body[i] = float32(body[i] * scale)
				wt.shimmer[i] = float32(shim[i] * scale)
			}
			tables = append(tables, wt)
		}
	})
	return tables
}

// pitchHz is the frequency of a MIDI pitch in equal temperament, A4 = 440 Hz.
func pitchHz(p int) float64 { return 440 * math.Pow(2, float64(p-69)/12) }

// synthesise mixes the tones into n samples.
func synthesise(ts []tone, n int, opt RenderOptions) []int16 {
	rate := float64(opt.SampleRate)
	mix := make([]float32, n)
	tabs := voiceTables()
	attack := max(1, int(attackTime*rate))
	release := max(1, int(releaseTime*rate))
	decay := float32(math.Exp(-1 / (decayTime * rate)))
	bright := float32(math.Exp(-1 / (brightTime * rate)))
	for _, t := range ts {
		if t.drum {
			if t.vel > 0 {
				addDrum(mix, t.pitch, t.start, float32(opt.Gain*float64(min(t.vel, 127))/127), rate)
			}
			continue
		}
		hz := pitchHz(t.pitch)
		partials := min(len(tabs), int(rate/2/hz))
		if partials < 1 || t.start >= n || t.vel <= 0 {
			continue // above the Nyquist frequency, or after the end
		}
		wt := tabs[partials-1]
		inc := uint32(math.Round(hz / rate * (1 << 32)))
		amp := float32(opt.Gain * float64(min(t.vel, 127)) / 127)
		end := max(t.end, t.start+attack) // a note sounds at least through its attack
		var (
			phase     uint32
			env       float32 // envelope level
			dec       float32 = 1
			shim      float32 = 1
			relFrom   float32 // level at the release
			relStep   float32
			releasing bool
		)
		stop := min(n, end+release)
		for i := t.start; i < stop; i++ {
			k := i - t.start
			switch {
			case i >= end:
				if !releasing {
					releasing, relFrom = true, env
					relStep = relFrom / float32(release)
				}
				env -= relStep
				if env < 0 {
					env = 0
				}
			case k < attack:
				env = float32(k+1) / float32(attack)
			default:
				dec *= decay
				env = sustainLvl + (1-sustainLvl)*dec
			}
			shim *= bright
			idx := phase >> fracBits
			frac := float32(phase&(1<<fracBits-1)) / (1 << fracBits)
			b := wt.body[idx] + (wt.body[idx+1]-wt.body[idx])*frac
			s := wt.shimmer[idx] + (wt.shimmer[idx+1]-wt.shimmer[idx])*frac
			mix[i] += amp * env * (b + shim*s)
			phase += inc
		}
	}
	fade := min(n, int(endFadeTime*rate))
	for i := range fade {
		mix[n-1-i] *= float32(i) / float32(fade)
	}
	out := make([]int16, n)
	for i, v := range mix {
		// Dense music (a dozen voices at once) can add up past full scale: above the
		// knee, levels bend smoothly towards full scale instead of clipping.
		switch {
		case v > kneeLevel:
			v = kneeLevel + (1-kneeLevel)*float32(math.Tanh(float64(v-kneeLevel)/(1-kneeLevel)))
		case v < -kneeLevel:
			v = -kneeLevel - (1-kneeLevel)*float32(math.Tanh(float64(-v-kneeLevel)/(1-kneeLevel)))
		}
		x := v * 32767
		if x >= 0 {
			out[i] = int16(min(x+0.5, 32767))
		} else {
			out[i] = int16(max(x-0.5, -32767))
		}
	}
	return out
}

// kneeLevel is the level, as a fraction of full scale, above which the mix is compressed.
const kneeLevel = 0.75
