package phrase

import (
	"context"
	"fmt"
	"io"
	"math"

	"musae/latent/domain"
	"musae/latent/domain/internal/seq"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// InfillSteps is how many gradient steps Infill's latent search takes by default.
const InfillSteps = 200

// Bars is how many bars a phrase holds.
func (Domain) Bars() int { return Bars }

// Heard is how many bars from the start of x hold music.
func (Domain) Heard(x domain.Example) int {
	l, m, err := exampleLayout(x)
	if err != nil {
		return 0
	}
	return heard(m, l)
}

// Infill writes the bars of x where keep is false anew, keeping the others, with a
// hierarchical model. It searches for the latent z that best explains the kept bars:
// the maximum a posteriori z under the standard normal prior,
//
//	z* = argmin_z  Σ_{kept bars b} −log p(bar b | z, the class before it) + ½‖z‖²
//
// by Adam steps on z alone, from the encoder's mean of x with the other bars silenced (so
// that nothing of the bars to be replaced leaks in, and a motif followed by rests starts
// where the encoder puts it). The hierarchical decoder scores each bar from its own
// embedding, so the kept bars' likelihood is a sum over bars and the bars to write cost
// nothing; the prior keeps z where the decoder writes music for them. Then the phrase is
// decoded from z* bar by bar with the kept bars forced (rnn.HierDecoder.GenerateKeeping):
// every new bar starts from the last class of the bar before it, kept or new, and the
// conductor, which saw the kept bars through z*, leads it towards the kept bar after.
func (Domain) Infill(ctx context.Context, m *domain.Model, x domain.Example, keep []bool, o domain.InfillOptions) (domain.Example, error) {
	hd, ok := m.VAE.Dec.(*rnn.HierDecoder)
	if !ok {
		return domain.Example{}, domain.Inputf("%s is a flat model: infilling needs a hierarchical one (hier16-c64), whose bars are scored one by one: %w", m.Meta.Model, domain.ErrUnsupported)
	}
	l, mel, err := exampleLayout(x)
	if err != nil {
		return domain.Example{}, err
	}
	if len(keep) != Bars {
		return domain.Example{}, fmt.Errorf("melody16: infill keeping %d bars, want %d", len(keep), Bars)
	}
	kept, keptSteps := 0, 0
	for bar, k := range keep {
		if k {
			kept++
			keptSteps += l.bars[bar].Steps
		}
	}
	if kept == 0 || kept == Bars {
		return domain.Example{}, domain.Inputf("infill keeps %d of %d bars: keep some and not all", kept, Bars)
	}
	log := o.Log
	if log == nil {
		log = io.Discard
	}
	steps := o.Steps
	if steps <= 0 {
		steps = InfillSteps
	}

	blank := append(midi.Melody(nil), mel...)
	for bar, k := range keep {
		if k {
			continue
		}
		s := blank[l.bars[bar].Start : l.bars[bar].Start+l.bars[bar].Steps]
		for t := range s {
			s[t] = midi.NoEvent
		}
		s[0] = midi.NoteOff
	}
	blank = blank.Canonical()
	b, err := Domain{}.BatchFor(m, []domain.Example{{Value: blank, Source: x.Source, Where: x.Where, Conditions: x.Conditions}})
	if err != nil {
		return domain.Example{}, err
	}
	mu, _ := m.VAE.Enc.Encode(b, false)
	z := append([]float32(nil), mu...)

	ps := m.Params()
	defer models.ZeroGrads(ps) // the search adds to the parameters' gradients; leave none
	before, after, err := searchZ(ctx, hd, b, keep, z, steps)
	if err != nil {
		return domain.Example{}, err
	}
	per := float64(keptSteps)
	fmt.Fprintf(log, "musae: latent search, %d steps: kept bars %.2f → %.2f nats (%.3f → %.3f per step), |z|²/2 included\n",
		steps, before, after, before/per, after/per)

	given := make([]int32, len(mel))
	for t, c := range mel {
		given[t] = int32(c)
	}
	out := hd.GenerateKeeping(z, 1, b, keep, [][]int32{given}, o.Temperature, o.Rng)
	return domain.Example{Value: seq.Steps[midi.Melody](out[0]).Canonical(), QPM: x.QPM, Conditions: x.Conditions}, nil
}

// searchZ moves z [Z] in place by Adam steps towards the minimum of
//
//	Σ_{kept bars} −log p(bar | z, the class before it) + ½‖z‖²
//
// with b (one phrase) teacher-forcing the bars, and returns that objective before and
// after.
func searchZ(ctx context.Context, hd *rnn.HierDecoder, b *models.Batch, keep []bool, z []float32, steps int) (before, after float64, err error) {
	w := make([]float32, len(keep)) // d objective/d bar NLL: 1 for the kept bars (N = 1)
	for bar, k := range keep {
		if k {
			w[bar] = 1
		}
	}
	objective := func() float64 {
		var s float64
		for bar, v := range hd.BarNLL(z, b, true) {
			s += float64(w[bar]) * v
		}
		for _, v := range z {
			s += 0.5 * float64(v) * float64(v)
		}
		return s
	}
	const lr, b1, b2, epsilon = 0.05, 0.9, 0.999, 1e-8
	mom, vel := make([]float64, len(z)), make([]float64, len(z))
	before = objective()
	for step := 1; step <= steps; step++ {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		if step > 1 {
			objective()
		}
		dz := hd.BackwardBars(w)
		for j := range z {
			g := float64(dz[j]) + float64(z[j])
			mom[j] = b1*mom[j] + (1-b1)*g
			vel[j] = b2*vel[j] + (1-b2)*g*g
			mh := mom[j] / (1 - math.Pow(b1, float64(step)))
			vh := vel[j] / (1 - math.Pow(b2, float64(step)))
			z[j] -= float32(lr * mh / (math.Sqrt(vh) + epsilon))
		}
	}
	return before, objective(), nil
}
