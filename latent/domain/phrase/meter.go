package phrase

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"

	"musae/datasets"
	"musae/latent/domain"
	"musae/latent/domain/internal/pick"
	"musae/latent/domain/internal/seq"
	"musae/latent/domain/melody"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// A phrase is 16 bars of its own meter (midi.PhraseBars: bars of 2/4 and 1/4 taken
// together as bars of 4/4): 256 steps in 4/4, 192 in 3/4 or 6/8, 384 in 12/8. An example
// carries its meter as the melody domain's meter condition ("3/4", "3/4+2/4@48"), 4/4
// when it has none. A model of 4/4 phrases (hier16-c64) reads 256-step phrases only; a
// model that takes the meter (hier16-meters) reads every meter, the meter's controls
// beside each step and each bar decoded at its own length.

var (
	_ domain.Conditioned = Domain{}
)

// meterCondition describes the phrase's meter for flags and help.
var meterCondition = domain.Condition{
	Name:    melody.MeterCondition,
	Usage:   "16-bar melodies: the meter of what is decoded (4/4, 3/4, 6/8, 9/8, 12/8, 2/4, 5/4 …: 16 bars, bars of 2/4 taken in pairs, each bar at most 24 sixteenths) with a model of every meter (hier16-meters)",
	Default: melody.DefaultMeter,
}

// Conditions lists the condition 16-bar models may take: the meter (hier16-meters).
func (Domain) Conditions() []domain.Condition { return []domain.Condition{meterCondition} }

// Takes lists the conditions m reads: the meter for a model whose config names it.
func (Domain) Takes(m *domain.Model) []string {
	if takesMeter(m) {
		return []string{melody.MeterCondition}
	}
	return nil
}

// takesMeter reports whether m's config names the meter among its conditions.
func takesMeter(m *domain.Model) bool {
	var c rnn.HierConfig
	if err := json.Unmarshal(m.Meta.Config, &c); err != nil {
		return false
	}
	return slices.Contains(c.Conditions, melody.MeterCondition)
}

// layout is where a phrase's bars lie.
type layout struct {
	text   string       // the meter condition's text
	meters []midi.Meter // by step from the phrase's start
	bars   []midi.Bar   // its Bars bars (midi.PhraseBars)
	steps  int          // its length
}

// fourFour is the layout of a phrase of 16 bars of 4/4.
func (l layout) fourFour() bool {
	return l.steps == Steps && !slices.ContainsFunc(l.bars, func(b midi.Bar) bool { return b.Steps != midi.StepsPerBar })
}

// barLengths is each bar's steps.
func (l layout) barLengths() []int {
	out := make([]int, len(l.bars))
	for i, b := range l.bars {
		out[i] = b.Steps
	}
	return out
}

// layoutOf is the layout of a phrase in the meter text gives (4/4 when empty). An
// InputError says why the meter makes no phrase.
func layoutOf(text string) (layout, error) {
	if text == "" {
		text = melody.DefaultMeter
	}
	ms, err := melody.ParseMeters(text)
	if err != nil {
		return layout{}, domain.Inputf("%v", err)
	}
	bars, steps := midi.PhraseSpan(ms, Bars)
	if bars == nil {
		return layout{}, domain.Inputf("meter %q: its bars make no phrase of %d bars (a bar must be a whole number of 16ths, at most %d)", text, Bars, midi.MaxPhraseBarSteps)
	}
	return layout{text: text, meters: ms, bars: bars, steps: steps}, nil
}

// exampleLayout is x's layout, checked against its melody's length.
func exampleLayout(x domain.Example) (layout, midi.Melody, error) {
	mel, err := melody.Melody(x)
	if err != nil {
		return layout{}, nil, err
	}
	l, err := layoutOf(x.Conditions[melody.MeterCondition])
	if err != nil {
		return layout{}, nil, fmt.Errorf("melody16: example %s: %w", x.Source, err)
	}
	if len(mel) != l.steps {
		return layout{}, nil, fmt.Errorf("melody16: example %s has %d steps; 16 bars of %s are %d", x.Source, len(mel), l.text, l.steps)
	}
	return l, mel, nil
}

// BatchFor is the batch m's encoder reads of xs. A model of 4/4 phrases reads phrases of
// 16 bars of 4/4 (or of 2/4 or 1/4, in bars of 4/4) and refuses others with an InputError
// that names the meter; a model of every meter reads each phrase padded to its steps,
// with the meter's controls and the bars' lengths.
func (d Domain) BatchFor(m *domain.Model, xs []domain.Example) (*models.Batch, error) {
	if !takesMeter(m) {
		for _, x := range xs {
			l, _, err := exampleLayout(x)
			if err != nil {
				return nil, err
			}
			if !l.fourFour() {
				return nil, domain.Inputf("%s: %s is 16 bars of %s; %s reads 16 bars of 4/4 (or 2/4, 1/4): the model of every meter (--model hier16-meters) reads it", x.Source, where(x), l.text, m.Meta.Model)
			}
		}
		return d.Batch(xs)
	}
	ls := make([]layout, len(xs))
	ms := make([]midi.Melody, len(xs))
	for i, x := range xs {
		var err error
		if ls[i], ms[i], err = exampleLayout(x); err != nil {
			return nil, err
		}
	}
	b, err := layoutBatch(m, ls, true)
	if err != nil {
		return nil, err
	}
	classes := make([]int32, b.T)
	for i, mel := range ms {
		for t, c := range mel {
			classes[t] = int32(c)
		}
		for t := len(mel); t < b.T; t++ {
			classes[t] = -1
		}
		b.SetClasses(i, classes)
	}
	return b, nil
}

// layoutBatch is a batch of m's steps laid out as ls say: each phrase's length, its
// meter's controls and its bars' lengths, with room for classes when classes is set
// (else for decoding only). An InputError says a phrase is longer than m reads.
func layoutBatch(m *domain.Model, ls []layout, classes bool) (*models.Batch, error) {
	T, err := modelSteps(m)
	if err != nil {
		return nil, err
	}
	b := models.NewBatch(len(ls), T, midi.NumClasses, classes)
	b.SetControls(midi.NumMeterControls)
	for i, l := range ls {
		if l.steps > T {
			return nil, domain.Inputf("16 bars of %s are %d sixteenths; %s reads at most %d", l.text, l.steps, m.Meta.Model, T)
		}
		midi.MeterControls(b.ExampleControls(i), l.meters, l.steps)
		b.SetLength(i, l.steps)
		b.BarLengths = append(b.BarLengths, l.barLengths()...)
	}
	return b, nil
}

// layoutBatchOf is layoutBatch of windows with the given meters (by step; nil: all 4/4),
// their classes set: what the evaluation and the trainer's validation read.
func layoutBatchOf(m *domain.Model, windows []midi.Melody, meters [][]midi.Meter) (*models.Batch, error) {
	if !takesMeter(m) {
		return datasets.MelodyBatch(windows), nil
	}
	xs := make([]domain.Example, len(windows))
	for i, w := range windows {
		xs[i] = domain.Example{Value: w}
		if meters != nil {
			xs[i].Conditions = domain.Conditions{melody.MeterCondition: melody.MeterText(meters[i])}
		}
	}
	return Domain{}.BatchFor(m, xs)
}

func where(x domain.Example) string {
	if x.Where != "" {
		return x.Where
	}
	return "the phrase"
}

// DecodeUnder decodes zs as Decode does, vector i in 16 bars of the meter conds[i] names
// (a model of 4/4 phrases takes none). The examples carry their meter.
func (d Domain) DecodeUnder(m *domain.Model, zs [][]float32, conds []domain.Conditions, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	if !takesMeter(m) {
		return d.Decode(m, zs, temperature, rng)
	}
	dec, err := sequencer(m)
	if err != nil {
		return nil, err
	}
	ls := make([]layout, len(zs))
	for i, c := range conds {
		if ls[i], err = layoutOf(c[melody.MeterCondition]); err != nil {
			return nil, domain.Inputf("--%s: %w", melody.MeterCondition, err)
		}
	}
	b, err := layoutBatch(m, ls, false)
	if err != nil {
		return nil, err
	}
	out := seq.Examples[midi.Melody](dec.GenerateFor(pick.Flatten(zs), b, temperature, rng))
	for i := range out {
		out[i].Conditions = domain.Conditions{melody.MeterCondition: ls[i].text}
	}
	return out, nil
}

// modelSteps is the most steps m's phrases take: 256 for a model of 4/4 phrases, 384 for
// hier16-meters.
func modelSteps(m *domain.Model) (int, error) {
	c, err := rnn.ParseHierConfig(m.Meta.Config)
	if err != nil {
		return 0, fmt.Errorf("melody16: %s: %w", m.Meta.Model, err)
	}
	return c.Steps, nil
}
