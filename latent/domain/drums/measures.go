package drums

import (
	"context"
	"fmt"
	"io"

	"musae/datasets"
	"musae/latent"
	"musae/latent/domain"
	"musae/latent/domain/internal/pick"
	"musae/latent/domain/internal/seq"
	"musae/latent/domain/melody"
	"musae/midi"
)

var (
	_ domain.Attributer = Domain{}
	_ domain.Measurer   = Domain{}
)

// Measure is a number that describes a beat, from which Attributes learns a latent
// attribute vector of the same name.
type Measure = seq.Measure[midi.Drums]

// Measures are the measures Attributes learns vectors for, in a fixed order: density
// (hits per window), syncopation (share of hits off the 8th-note grid; undefined without
// hits) and openness (share of hi-hat hits that are open; undefined without hi-hat).
func Measures() []Measure {
	return []Measure{
		{Name: "density", What: "hits per window, all drums", Of: func(d midi.Drums) (float64, bool) { return float64(d.NumHits()), true }, Format: seq.Fixed(1)},
		{Name: "syncopation", What: "share of hits on the 2nd and 4th 16th of a beat", Of: Syncopation, Format: seq.Fixed(3)},
		{Name: "openness", What: "share of hi-hat hits that are open", Of: Openness, Format: seq.Fixed(3)},
	}
}

// Syncopation is the share of a beat's hits that fall on the 16ths between 8th notes (odd
// steps); undefined without hits.
func Syncopation(d midi.Drums) (float64, bool) {
	var off, all int
	for t, c := range d {
		for b := 0; b < midi.NumDrums; b++ {
			if c>>b&1 == 1 {
				all++
				if t%2 == 1 {
					off++
				}
			}
		}
	}
	if all == 0 {
		return 0, false
	}
	return float64(off) / float64(all), true
}

// Openness is the share of a beat's hi-hat hits that are open; undefined without hi-hat.
func Openness(d midi.Drums) (float64, bool) {
	var open, all int
	for t := range d {
		if d.Hits(t, midi.OpenHat) {
			open++
			all++
		}
		if d.Hits(t, midi.ClosedHat) {
			all++
		}
	}
	if all == 0 {
		return 0, false
	}
	return float64(open) / float64(all), true
}

// Describe gives a beat's measures in a line: "density 24.0, syncopation 0.125, ...".
func (Domain) Describe(x domain.Example) string {
	d, err := Drums(x)
	if err != nil {
		return err.Error()
	}
	return seq.Describe(Measures(), d)
}

// corpus loads the drums of o.Dir, with the model's own track where it is its training data.
func corpus(ctx context.Context, m *domain.Model, o domain.DataOptions) (*datasets.DrumCorpus, string, error) {
	if o.Dir == "" {
		return nil, "", domain.Inputf("say where the drums are: --data DIR (for example ../shared/data/drums/groove)")
	}
	track := m.DataTrack(o.Dir, o.Track)
	c, err := datasets.LoadDrums(ctx, o.Dir, datasets.DrumOptions{Track: track})
	return c, track, err
}

func examples(ds []midi.Drums) []domain.Example {
	xs := make([]domain.Example, len(ds))
	for i, d := range ds {
		xs[i] = domain.Example{Value: d}
	}
	return xs
}

// Attributes learns one vector per measure from the training split of the drums in o.Dir:
// the mean mu of the beats in the top quarter by the measure minus that of the bottom
// quarter.
func (Domain) Attributes(ctx context.Context, m *domain.Model, o domain.DataOptions, w, log io.Writer) (*latent.Attributes, error) {
	c, track, err := corpus(ctx, m, o)
	if err != nil {
		return nil, err
	}
	windows := pick.N(c.Train, o.Limit, o.Seed)
	if len(windows) < 8 {
		return nil, fmt.Errorf("%s: %d training windows (track %q, %d files skipped); need at least 8 to take quarters of", o.Dir, len(windows), track, len(c.Skipped))
	}
	fmt.Fprintf(w, "data %s: %d of the %d training patterns from %d files\n", o.Dir, len(windows), len(c.Train), len(c.Files))
	fmt.Fprintf(log, "musae: encoding %d beats\n", len(windows))
	mu, _, err := m.EncodeContext(ctx, examples(windows))
	if err != nil {
		return nil, err
	}
	attrs := latent.NewAttributes(m.VAE.Z)
	for _, ms := range Measures() {
		values, ok := make([]float64, len(windows)), make([]bool, len(windows))
		for i, d := range windows {
			values[i], ok[i] = ms.Of(d)
		}
		bottom, top := melody.Quartiles(values, ok)
		if len(bottom) == 0 || values[bottom[0]] == values[top[len(top)-1]] {
			return nil, fmt.Errorf("%s: %s (%s) does not vary across the beats, so it gives no attribute", o.Dir, ms.Name, ms.What)
		}
		if err := attrs.Learn(ms.Name, pick.Gather(mu, top), pick.Gather(mu, bottom)); err != nil {
			return nil, err
		}
		v, _ := attrs.Vector(ms.Name)
		fmt.Fprintf(w, "%-11s %s: top quarter %s to %s (%d beats) minus bottom quarter %s to %s (%d beats); |v| %.3f\n",
			ms.Name, ms.What, ms.Format(values[top[0]]), ms.Format(values[top[len(top)-1]]), len(top),
			ms.Format(values[bottom[0]]), ms.Format(values[bottom[len(bottom)-1]]), len(bottom), latent.Norm(v))
	}
	return attrs, nil
}

// decodeGreedy decodes latent vectors greedily in batches, checking ctx between them.
func decodeGreedy(ctx context.Context, m *domain.Model, zs [][]float32) ([]midi.Drums, error) {
	xs, err := m.DecodeContext(ctx, zs, 0, nil)
	if err != nil {
		return nil, err
	}
	return beats(xs)
}

// MeasureAttribute draws o.Limit beats (by o.Seed) from the validation split of the drums
// in o.Dir, decodes z = mu and z = mu + amount·v greedily, and writes the mean measures of
// the inputs and of both decodings.
func (Domain) MeasureAttribute(ctx context.Context, m *domain.Model, o domain.DataOptions, name string, v []float32, amount float64, w io.Writer) error {
	c, _, err := corpus(ctx, m, o)
	if err != nil {
		return err
	}
	if len(c.Validation) == 0 {
		return fmt.Errorf("%s: no validation windows (%d files gave windows)", o.Dir, len(c.Files))
	}
	windows := pick.N(c.Validation, o.Limit, o.Seed)
	mu, _, err := m.EncodeContext(ctx, examples(windows))
	if err != nil {
		return err
	}
	moved := make([][]float32, len(mu))
	for i, z := range mu {
		moved[i] = latent.Apply(z, v, amount)
	}
	before, err := decodeGreedy(ctx, m, mu)
	if err != nil {
		return err
	}
	after, err := decodeGreedy(ctx, m, moved)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s: %d validation beats of %d, greedy decoding\n", o.Dir, len(windows), len(c.Validation))
	col := fmt.Sprintf("z = mu %+g·%s", amount, name)
	fmt.Fprintf(w, "\n%-50s  %-8s  %-8s  %-24s  %s\n", "measure (mean over the beats)", "input", "z = mu", col, "change")
	for _, ms := range Measures() {
		a, _ := ms.Mean(windows)
		b, nb := ms.Mean(before)
		cv, nc := ms.Mean(after)
		change := "-"
		if nb > 0 && nc > 0 {
			change = fmt.Sprintf("%+.3f", cv-b)
		}
		fmt.Fprintf(w, "%-50s  %-8s  %-8s  %-24s  %s\n", ms.What, ms.Format(a), ms.Format(b), ms.Format(cv), change)
	}
	return nil
}
