package groove

import (
	"fmt"
	"io"
	"math/rand/v2"

	"musae/latent/domain"
	"musae/latent/domain/drums"
	"musae/midi"
)

// The transformations, as Magenta Studio's Groove and Drumify do them.
const (
	Humanise = "groove"
	Drumify  = "drumify"
)

// Transforms are groove (humanise a quantised beat) and drumify (a full beat from a
// rhythm tapped on any instrument).
func (Domain) Transforms() []domain.Transform {
	return []domain.Transform{
		{
			Name:        Humanise,
			Builtin:     "groove2",
			Temperature: 0.5, // the decoder gives each hit its velocity and offset whatever it is
			Short:       "Humanise a quantised drum beat: a drummer's velocities and timing",
			Long: `Humanise a drum beat, as Magenta Studio's Groove does: GrooVAE reads the 2-bar window of
the beat's hits only (the drum channel, or --track; velocities and timing ignored) and plays
them as a drummer of the Groove MIDI Dataset would, with varied velocities and onsets off
the grid. The output keeps the input's hits; the decoder gives each its velocity and
offset (--temperature does not change them).`,
		},
		{
			Name:        Drumify,
			Builtin:     "groove2",
			Temperature: 0.5,
			Short:       "Make a full drum beat of a rhythm tapped or played on any instrument",
			Long: `Turn a rhythm into a drum beat, as Magenta Studio's Drumify does: every note of the 2-bar
window (any channel and key, or --track's) is one tap, the loudest of a 16th step kept with
its timing; GrooVAE writes kick, snare, hats and the rest around it. --temperature is that
of the hits' draws (0: a hit where its probability is above one half).`,
		},
	}
}

// ReadInput reads the input of a transformation: for groove the drums as Read reads
// them, for drumify every note of the file (or of opt.Track) as a tap.
func (d Domain) ReadInput(name string, r io.Reader, file string, opt domain.ReadOptions) (domain.Example, error) {
	switch name {
	case Humanise:
		return d.Read(r, file, opt)
	case Drumify:
		f, err := midi.ReadNamed(r, file)
		if err != nil {
			return domain.Example{}, err
		}
		return drums.GrooveWindow(f, file, opt, midi.DrumOptions{Taps: true})
	}
	return domain.Example{}, fmt.Errorf("%w: groove has no transformation %q (groove, drumify)", domain.ErrUnsupported, name)
}

// Transform humanises (groove) or drumifies inputs with m: each is encoded as the model
// was trained to read it (Quantised, Tapped) to z = mu and decoded; groove keeps the
// input's hits, drumify draws its own at the temperature.
func (Domain) Transform(m *domain.Model, name string, xs []domain.Example, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	in := Quantised
	switch name {
	case Humanise:
	case Drumify:
		in = Tapped
	default:
		return nil, fmt.Errorf("%w: groove has no transformation %q (groove, drumify)", domain.ErrUnsupported, name)
	}
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	gs, err := checked(xs)
	if err != nil {
		return nil, err
	}
	out := transform(m, dec, gs, in, temperature, rng)
	ys := examples(out, dec.Steps)
	for i := range ys {
		ys[i].QPM = xs[i].QPM
	}
	return ys, nil
}
