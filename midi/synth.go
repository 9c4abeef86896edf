package midi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"
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

// The limits of the synthesiser unless RenderOptions say otherwise.
const (
	// DefaultVoices is the polyphony: at most this many notes sound at once. General MIDI
	// asks for 24 voices, and synthesisers have 32 to 256; a piano score rarely holds more
	// than a dozen notes, counting those still ringing out.
	DefaultVoices = 64
	// DefaultMaxSeconds is the longest audio that File.Audio and MelodyAudio accept: 30
	// minutes, 159 MB of WAV at 44.1 kHz. Longer files are nearly always a corrupt delta
	// time or tempo, which can make 37 bytes claim days of music.
	DefaultMaxSeconds = 30 * 60
	// WorkVoices bounds the work of a render: the notes may sound for at most WorkVoices ×
	// the longest length allowed (RenderOptions.MaxSeconds), summed over notes, counting
	// their releases; 8 hours of synthesis at the defaults, a few seconds of one core.
	// Music of a few voices is far below it; all 64 voices held throughout reach it after
	// a quarter of the longest length.
	WorkVoices = 16
)

// ErrRenderLimit says that rendering would pass a limit of RenderOptions: the length of
// the audio or the work of the synthesiser. Errors that wrap it say which, and by how much.
var ErrRenderLimit = errors.New("midi: past the render limits")

// RenderOptions set up the synthesiser. The zero value means the defaults.
type RenderOptions struct {
	SampleRate int     // samples per second; 0 or less means SampleRate (44,100)
	Gain       float64 // peak level of one note at velocity 127; 0 or less means DefaultGain
	// Voices is the polyphony, 0 or less meaning DefaultVoices: a note that starts while
	// as many are sounding takes the voice of one of them (see File.Audio).
	Voices int
	// MaxSeconds is the longest audio File.Audio and MelodyAudio accept, 0 or less
	// meaning DefaultMaxSeconds; it also sets their bound on work (WorkVoices).
	MaxSeconds float64
}

func (o RenderOptions) withDefaults() RenderOptions {
	if o.SampleRate <= 0 {
		o.SampleRate = SampleRate
	}
	if o.Gain <= 0 || math.IsNaN(o.Gain) || math.IsInf(o.Gain, 0) {
		o.Gain = DefaultGain
	}
	if o.Voices <= 0 {
		o.Voices = DefaultVoices
	}
	if !(o.MaxSeconds > 0) || math.IsInf(o.MaxSeconds, 0) {
		o.MaxSeconds = DefaultMaxSeconds
	}
	return o
}

// tone is a note to synthesise, timed in samples, with the state of its voice.
type tone struct {
	start, end int // sample of the onset; sample where the key is released
	pitch, vel int

	// Set by schedule: where the release begins (end, or the end of the attack if later),
	// where the voice is taken by a later note (or stop if it is not), and where it falls
	// silent.
	release, cut, stop int

	// Set when the voice starts sounding, and carried from one chunk of samples to the next.
	wt              *wavetable
	inc, phase      uint32
	amp             float32
	env, dec        float32 // envelope level; the decaying part of it
	shim            float32 // level of the fading upper partials
	fall            float32 // what the envelope falls by each sample once released or taken
	released, taken bool
}

// Audio is music scheduled for the synthesiser: its notes timed in samples, their voices
// assigned, checked against the limits of RenderOptions. It is made by File.Audio or
// MelodyAudio, and synthesised by Samples, WriteWAV or WriteWAVFile, which can be called
// more than once and give the same samples each time.
type Audio struct {
	tones   []tone
	n       int
	opt     RenderOptions
	stolen  int   // notes whose voice a later note took
	samples int64 // voice-samples to synthesise, releases included
}

// Len is the length of the audio in samples.
func (a *Audio) Len() int { return a.n }

// SampleRate is the audio's samples per second.
func (a *Audio) SampleRate() int { return a.opt.SampleRate }

// Stolen counts the notes cut short because more than RenderOptions.Voices sounded at once.
func (a *Audio) Stolen() int { return a.stolen }

// Audio schedules every note of the file except those on the drum channel, timed by the
// file's tempo map (File.Seconds), for the synthesiser; see the package documentation for
// the voice.
//
// The audio lasts exactly as long as the file: round(f.Seconds(f.Length()) × rate)
// samples, to the end of its longest track, end-of-track included. A note still sounding
// there fades out over the last 5 ms instead of clicking, and releases that would ring
// past the end are cut there.
//
// At most opt.Voices notes sound at once, releases included. A note that starts when all
// voices are taken takes one, as hardware synthesisers do: of the notes already released
// the one released first (the furthest into its fall to silence), or if every one is
// still held, the one that started first; of notes starting together, the first in the
// file's order (File.Notes) is taken first. The note that loses its voice fades out over
// 5 ms rather than click.
//
// It refuses, with an error wrapping ErrRenderLimit, a file longer than opt.MaxSeconds and
// one whose notes would sound for more than WorkVoices × opt.MaxSeconds in all (each note
// counted from its onset to the end of its release, or to where its voice is taken).
func (f *File) Audio(opt RenderOptions) (*Audio, error) {
	opt = opt.withDefaults()
	secs := f.Seconds(f.Length())
	if err := checkLength(secs, opt); err != nil {
		return nil, err
	}
	return f.schedule(secs, opt).checkWork()
}

// schedule times the file's notes in samples, secs long, without checking the limits.
func (f *File) schedule(secs float64, opt RenderOptions) *Audio {
	rate := float64(opt.SampleRate)
	tl := f.timeline()
	var ts []tone
	for _, nt := range f.Notes() {
		if nt.Channel == DrumChannel {
			continue
		}
		ts = append(ts, tone{
			start: samplesFor(tl.seconds(nt.Start), rate),
			end:   samplesFor(tl.seconds(nt.End), rate),
			pitch: nt.Pitch, vel: nt.Velocity,
		})
	}
	return schedule(ts, samplesFor(secs, rate), opt)
}

// Render synthesises the file as File.Audio schedules it, as 16-bit mono samples at
// opt.SampleRate, without the limits on length and work: for files the caller made or has
// checked. The same file gives the same samples.
func (f *File) Render(opt RenderOptions) []int16 {
	opt = opt.withDefaults()
	s, _ := f.schedule(f.Seconds(f.Length()), opt).Samples(context.Background())
	return s
}

// MelodyAudio schedules the melodies played one after another at qpm quarter notes a
// minute (DefaultQPM when qpm is 0, or not a positive number), every note at
// WriteVelocity, as WriteMelodies would write them and File.Audio would schedule that
// file (to within the file's tempo, which is rounded to whole microseconds a quarter). The
// audio lasts exactly the melodies' total steps at 60/qpm/4 seconds a step, rounded to a
// whole sample; the limits are File.Audio's. Classes out of range are treated as NoEvent.
func MelodyAudio(qpm float64, opt RenderOptions, ms ...Melody) (*Audio, error) {
	opt = opt.withDefaults()
	qpm = melodyQPM(qpm)
	steps := 0
	for _, m := range ms {
		steps += len(m)
	}
	if err := checkLength(float64(steps)*stepSeconds(qpm), opt); err != nil {
		return nil, err
	}
	return scheduleMelodies(qpm, opt, ms).checkWork()
}

// RenderMelody synthesises the melodies as MelodyAudio schedules them, without its limits
// on length and work: for melodies whose length the caller bounds.
func RenderMelody(qpm float64, opt RenderOptions, ms ...Melody) []int16 {
	opt = opt.withDefaults()
	s, _ := scheduleMelodies(melodyQPM(qpm), opt, ms).Samples(context.Background())
	return s
}

func melodyQPM(qpm float64) float64 {
	if !(qpm > 0) || math.IsInf(qpm, 0) {
		return DefaultQPM
	}
	return qpm
}

// stepSeconds is the length of a 16th-note step at qpm.
func stepSeconds(qpm float64) float64 { return 60 / qpm / StepsPerQuarter }

func scheduleMelodies(qpm float64, opt RenderOptions, ms []Melody) *Audio {
	rate := float64(opt.SampleRate)
	step := stepSeconds(qpm)
	at := func(s int) int { return samplesFor(float64(s)*step, rate) }
	var ts []tone
	offset := 0
	for _, m := range ms {
		for _, nt := range m.Notes() {
			ts = append(ts, tone{start: at(offset + nt.Start), end: at(offset + nt.End), pitch: nt.Pitch, vel: WriteVelocity})
		}
		offset += len(m)
	}
	return schedule(ts, at(offset), opt)
}

// checkLength refuses audio of secs seconds when it is longer than opt allows.
func checkLength(secs float64, opt RenderOptions) error {
	if secs > opt.MaxSeconds {
		return fmt.Errorf("%w: the audio would last %s, longer than the limit of %s", ErrRenderLimit, seconds(secs), seconds(opt.MaxSeconds))
	}
	if rate := float64(opt.SampleRate); secs*rate > maxWAVSamples {
		return fmt.Errorf("%w: the audio would last %s, longer than a WAV file holds at %d Hz (%s)", ErrRenderLimit, seconds(secs), opt.SampleRate, seconds(maxWAVSamples/rate))
	}
	return nil
}

// checkWork refuses the audio when its notes sound for longer in all than opt allows.
func (a *Audio) checkWork() (*Audio, error) {
	rate := float64(a.opt.SampleRate)
	if limit := WorkVoices * a.opt.MaxSeconds; float64(a.samples)/rate > limit {
		return nil, fmt.Errorf("%w: the notes would sound for %s in all (at most %d at once), longer than the limit of %s (%d voices throughout %s)",
			ErrRenderLimit, seconds(float64(a.samples)/rate), a.opt.Voices, seconds(limit), WorkVoices, seconds(a.opt.MaxSeconds))
	}
	return a, nil
}

// seconds writes a duration for people, to a tenth of a second: 1h59m59.5s.
func seconds(s float64) string {
	if s > float64(math.MaxInt64/int64(time.Second)) {
		return fmt.Sprintf("%.3g hours", s/3600)
	}
	return time.Duration(s * float64(time.Second)).Round(time.Second / 10).String()
}

// samplesFor is the number of whole samples in sec seconds, rounded to the nearest.
func samplesFor(sec, rate float64) int {
	v := math.Round(sec * rate)
	if !(v > 0) {
		return 0
	}
	// A corrupt tempo map can claim days of music; cap at what a WAV file can hold (13
	// hours at 44.1 kHz).
	return int(min(v, maxWAVSamples))
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

// stealTime is how long a note whose voice a later note takes fades out: seconds.
const stealTime = 0.005

// chunkSamples is how many samples are synthesised between two looks at the context: a
// fraction of a second of work at the most voices. A variable so that tests can check that
// the samples do not depend on it.
var chunkSamples = 1 << 15

// schedule assigns voices to the tones, in order of onset, for audio of n samples.
func schedule(ts []tone, n int, opt RenderOptions) *Audio {
	rate := float64(opt.SampleRate)
	sh := newShape(rate)
	tabs := voiceTables()
	a := &Audio{n: n, opt: opt}
	var sounding []int // tones holding a voice, in order of onset
	for _, t := range ts {
		hz := pitchHz(t.pitch)
		partials := min(len(tabs), int(rate/2/hz))
		if partials < 1 || t.start >= n || t.vel <= 0 {
			continue // above the Nyquist frequency, or after the end
		}
		t.release = max(t.end, t.start+sh.attack) // a note sounds at least through its attack
		t.stop = min(n, t.release+sh.release)
		t.cut = t.stop
		t.wt = tabs[partials-1]
		t.inc = uint32(math.Round(hz / rate * (1 << 32)))
		t.amp = float32(opt.Gain * float64(min(t.vel, 127)) / 127)
		a.tones = append(a.tones, t)
		i := len(a.tones) - 1

		sounding = slices.DeleteFunc(sounding, func(j int) bool { return a.tones[j].stop <= t.start })
		if len(sounding) >= opt.Voices {
			k := victim(a.tones, sounding, t.start)
			v := &a.tones[sounding[k]]
			v.cut, v.stop = t.start, min(v.stop, t.start+sh.steal)
			if v.cut <= v.start {
				v.stop = v.start // taken as it starts: it never sounds
			}
			sounding = slices.Delete(sounding, k, k+1)
			a.stolen++
		}
		sounding = append(sounding, i)
	}
	for _, t := range a.tones {
		a.samples += int64(t.stop - t.start)
	}
	return a
}

// victim picks which of the sounding tones gives its voice to a note starting at sample
// at: of those released, the one released first; else the one that started first.
func victim(ts []tone, sounding []int, at int) int {
	best := -1
	for k, j := range sounding {
		if r := ts[j].release; r <= at && (best < 0 || r < ts[sounding[best]].release) {
			best = k
		}
	}
	if best < 0 {
		return 0 // sounding is in order of onset
	}
	return best
}

// Samples synthesises the audio as 16-bit mono samples. It stops with ctx's error when
// ctx is done.
func (a *Audio) Samples(ctx context.Context) ([]int16, error) {
	out := make([]int16, 0, a.n)
	err := a.synthesise(ctx, func(s []int16) error {
		out = append(out, s...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// synthesise mixes the tones chunk by chunk, handing each chunk of samples to emit in
// order, and looks at ctx between chunks. The tones are mixed in order of onset, which
// fixes the order of the floating-point sums, so that the samples do not depend on the
// size of the chunks.
func (a *Audio) synthesise(ctx context.Context, emit func([]int16) error) error {
	n := a.n
	sh := newShape(float64(a.opt.SampleRate))
	ts := slices.Clone(a.tones) // the voices' state, so that the Audio can be played again
	fade := min(n, int(endFadeTime*float64(a.opt.SampleRate)))
	mix := make([]float32, min(n, chunkSamples))
	env := make([]float32, len(mix)) // a voice's envelope over a chunk
	out := make([]int16, len(mix))
	var (
		next     int   // first tone not yet sounding
		sounding []int // tones sounding in this chunk, in order of onset
	)
	for chunk := 0; chunk < n; chunk += chunkSamples {
		if err := ctx.Err(); err != nil {
			return err
		}
		mix := mix[:min(n, chunk+chunkSamples)-chunk]
		clear(mix)
		for ; next < len(ts) && ts[next].start < chunk+len(mix); next++ {
			if ts[next].stop > ts[next].start {
				ts[next].dec, ts[next].shim = 1, 1
				sounding = append(sounding, next)
			}
		}
		for _, j := range sounding {
			ts[j].play(mix, chunk, env, &sh)
		}
		sounding = slices.DeleteFunc(sounding, func(j int) bool { return ts[j].stop <= chunk+len(mix) })
		for i, v := range mix {
			if j := chunk + i; j >= n-fade {
				v *= float32(n-1-j) / float32(fade)
			}
			out[i] = toPCM(v)
		}
		if err := emit(out[:len(mix)]); err != nil {
			return err
		}
	}
	return nil
}

// shape holds the voice's envelope and timbre in samples at a rate.
type shape struct {
	attack, release, steal int     // lengths of the attack, the release, the fade of a voice taken
	decay, bright          float32 // what the decaying part and the upper partials keep a sample
}

func newShape(rate float64) shape {
	return shape{
		attack:  max(1, int(attackTime*rate)),
		release: max(1, int(releaseTime*rate)),
		steal:   max(1, int(stealTime*rate)),
		decay:   float32(math.Exp(-1 / (decayTime * rate))),
		bright:  float32(math.Exp(-1 / (brightTime * rate))),
	}
}

// play adds the tone's part of mix, the chunk of samples from sample chunk, carrying the
// voice's state on to the next chunk; env is room for its envelope.
func (t *tone) play(mix []float32, chunk int, env []float32, sh *shape) {
	// The envelope by segments: the attack, the decay towards the sustain, the release,
	// and the fade of a voice taken by another note.
	for i, end := max(chunk, t.start), min(chunk+len(mix), t.stop); i < end; {
		seg := env[:end-i]
		switch k := i - t.start; {
		case i >= t.cut:
			if !t.taken {
				t.taken, t.fall = true, t.env/float32(sh.steal)
			}
			fall(seg, t.env, t.fall)
		case i >= t.release:
			if !t.released {
				t.released, t.fall = true, t.env/float32(sh.release)
			}
			seg = seg[:min(len(seg), t.cut-i)]
			fall(seg, t.env, t.fall)
		case k < sh.attack:
			seg = seg[:min(len(seg), sh.attack-k, t.release-i, t.cut-i)]
			for o := range seg {
				seg[o] = float32(k+o+1) / float32(sh.attack)
			}
		default:
			// Most of a note is here: the oscillator computes the decay itself, its
			// chain of products overlapping the rest of the work.
			seg = seg[:min(len(seg), t.release-i, t.cut-i)]
			t.oscillate(mix[i-chunk:][:len(seg)], nil, sh)
			i += len(seg)
			continue
		}
		t.oscillate(mix[i-chunk:][:len(seg)], seg, sh)
		i += len(seg)
	}
}

// fall fills env with a linear fall from level by step a sample, not below 0.
func fall(env []float32, level, step float32) {
	for o := range env {
		level = max(0, level-step)
		env[o] = level
	}
}

// oscillate adds the voice to out, shaped by the envelope levels env, one a sample, or
// when env is nil by the decay from full level towards the sustain level.
func (t *tone) oscillate(out, env []float32, sh *shape) {
	body, shimmer := &t.wt.body, &t.wt.shimmer
	phase, inc, shim, amp, bright := t.phase, t.inc, t.shim, t.amp, sh.bright
	if env == nil {
		dec, decay, e := t.dec, sh.decay, t.env
		for o := range out {
			dec *= decay
			e = sustainLvl + (1-sustainLvl)*dec
			shim *= bright
			idx := phase >> fracBits
			frac := float32(phase&(1<<fracBits-1)) / (1 << fracBits)
			b := body[idx] + (body[idx+1]-body[idx])*frac
			s := shimmer[idx] + (shimmer[idx+1]-shimmer[idx])*frac
			out[o] += amp * e * (b + shim*s)
			phase += inc
		}
		t.dec, t.env = dec, e
	} else {
		env = env[:len(out)]
		for o := range out {
			shim *= bright
			idx := phase >> fracBits
			frac := float32(phase&(1<<fracBits-1)) / (1 << fracBits)
			b := body[idx] + (body[idx+1]-body[idx])*frac
			s := shimmer[idx] + (shimmer[idx+1]-shimmer[idx])*frac
			out[o] += amp * env[o] * (b + shim*s)
			phase += inc
		}
		if len(env) > 0 {
			t.env = env[len(env)-1]
		}
	}
	t.phase, t.shim = phase, shim
}

// toPCM converts a level of the mix to a 16-bit sample. Dense music (a dozen voices at
// once) can add up past full scale: above the knee, levels bend smoothly towards full
// scale instead of clipping.
func toPCM(v float32) int16 {
	switch {
	case v > kneeLevel:
		v = kneeLevel + (1-kneeLevel)*float32(math.Tanh(float64(v-kneeLevel)/(1-kneeLevel)))
	case v < -kneeLevel:
		v = -kneeLevel - (1-kneeLevel)*float32(math.Tanh(float64(-v-kneeLevel)/(1-kneeLevel)))
	}
	x := v * 32767
	if x >= 0 {
		return int16(min(x+0.5, 32767))
	}
	return int16(max(x-0.5, -32767))
}

// kneeLevel is the level, as a fraction of full scale, above which the mix is compressed.
const kneeLevel = 0.75
