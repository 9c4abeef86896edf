package groove

import (
	"math"
	"math/rand/v2"

	"musae/midi"
	"musae/models"
)

// Features is the width of a step: GrooVAE's [hits, velocities, offsets] of the nine
// drums of the reduced kit.
const Features = 3 * midi.NumDrums

// Input is what the encoder reads of a performance: GrooVAE trains one model per input
// (groovae_2bar_humanize, groovae_2bar_tap_fixed_velocity); groove2 learns all three.
type Input int

const (
	// Full is the performance itself: the VAE of grooves that sample, interpolate and
	// reconstruct use.
	Full Input = iota
	// Quantised is the performance's hits only, velocities and offsets zeroed
	// (GrooveConverter's humanize): what Humanise reads.
	Quantised
	// Tapped is one voice: on each step the loudest hit's onset on the open hi-hat, its
	// offset kept and its velocity zeroed (GrooveConverter's tapify with
	// fixed_velocities): what Drumify reads.
	Tapped
	numInputs
)

func (in Input) String() string {
	switch in {
	case Full:
		return "full"
	case Quantised:
		return "quantised"
	case Tapped:
		return "tapped"
	}
	return "Input(?)"
}

// Encode writes the GrooVAE tensor of g ([len(g), Features], in [0, 1] for hits and
// velocities, offsets scaled from steps to [−1, 1)) as the encoder reads it under in into
// x. GrooVAE's offsets are the other way round (grid minus onset); the sign is immaterial
// to the model and keeps midi.DrumHit's.
func Encode(x []float32, g midi.Groove, in Input) {
	const D = midi.NumDrums
	clear(x[:len(g)*Features])
	for t, s := range g {
		row := x[t*Features : (t+1)*Features]
		if in == Tapped {
			loud := -1
			for d, h := range s {
				if h.Velocity > 0 && (loud < 0 || h.Velocity > s[loud].Velocity) {
					loud = d
				}
			}
			if loud >= 0 {
				row[midi.OpenHat] = 1
				row[2*D+midi.OpenHat] = float32(2 * s[loud].Offset)
			}
			continue
		}
		for d, h := range s {
			if h.Velocity == 0 {
				continue
			}
			row[d] = 1
			if in == Full {
				row[D+d] = float32(h.Velocity) / 127
				row[2*D+d] = float32(2 * h.Offset)
			}
		}
	}
}

// Decode turns a tensor [steps, Features] (a decoder's output: hits 0 or 1) back into a
// groove: velocities rounded to 1..127, offsets halved back to steps within [−0.5, 0.5).
func Decode(x []float32) midi.Groove {
	const D = midi.NumDrums
	g := make(midi.Groove, len(x)/Features)
	for t := range g {
		row := x[t*Features : (t+1)*Features]
		for d := 0; d < D; d++ {
			if row[d] < 0.5 {
				continue
			}
			v := int(math.Round(float64(row[D+d]) * 127))
			off := math.Min(math.Max(float64(row[2*D+d])/2, -0.5), math.Nextafter(0.5, 0))
			g[t][d] = midi.DrumHit{Velocity: min(max(v, 1), 127), Offset: off}
		}
	}
	return g
}

// dropNotes drops hits of g for a tapped input as GrooveConverter's
// max_note_dropout_probability does: a share p drawn uniformly from [0, max) for the whole
// groove, and each hit dropped with probability p·max(0.2, 1 − velocity/127), so soft
// notes (ghost notes) go first. The result is a new groove.
func dropNotes(g midi.Groove, maxP float64, rng *rand.Rand) midi.Groove {
	p := rng.Float64() * maxP
	out := make(midi.Groove, len(g))
	for t, s := range g {
		for d, h := range s {
			if h.Velocity > 0 && rng.Float64() >= p*math.Max(0.2, 1-float64(h.Velocity)/127) {
				out[t][d] = h
			}
		}
	}
	return out
}

// Set serves 2-bar grooves to the trainer: each example's target is the performance, and
// its input, drawn for each example in each batch, is Full, Quantised or Tapped with equal
// chances (a tapped input first losing notes as dropNotes does, up to half of them).
type Set struct{ Grooves []midi.Groove }

// MaxDropout is the largest share of notes a tapped training input loses (dropNotes).
const MaxDropout = 0.5

// Len returns the number of grooves.
func (s Set) Len() int { return len(s.Grooves) }

// Fill writes the grooves at idx into b (T = their length, D = Features, no classes):
// their corrupted inputs into X, the performances into Target.
func (s Set) Fill(b *models.Batch, idx []int, rng *rand.Rand) {
	step := b.T * b.D
	b.Target = models.Buf(b.Target, len(b.X))
	for i, k := range idx {
		g := s.Grooves[k]
		in := Input(rng.IntN(int(numInputs)))
		Encode(b.Target[i*step:(i+1)*step], g, Full)
		if in == Tapped {
			g = dropNotes(g, MaxDropout, rng)
		}
		Encode(b.X[i*step:(i+1)*step], g, in)
	}
	if len(idx) < b.N {
		clear(b.X[len(idx)*step:])
		clear(b.Target[len(idx)*step:])
	}
}

// Batch returns grooves as one batch read as in, the performances as Target when in is
// not Full. All must have the same length.
func Batch(gs []midi.Groove, in Input) *models.Batch {
	t := midi.WindowSteps
	if len(gs) > 0 {
		t = len(gs[0])
	}
	b := models.NewBatch(len(gs), t, Features, false)
	step := t * Features
	if in != Full {
		b.Target = make([]float32, len(b.X))
	}
	for i, g := range gs {
		Encode(b.X[i*step:(i+1)*step], g, in)
		if in != Full {
			Encode(b.Target[i*step:(i+1)*step], g, Full)
		}
	}
	return b
}
