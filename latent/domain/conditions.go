package domain

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"

	"musae/latent"
	"musae/models"
)

// Conditions are the known inputs a conditioned model encodes and decodes under, by name:
// a melody's meter ("meter": "6/8"), and for the models that take them its chords or its
// key. Values are text in the form the condition's Usage gives, so that a command-line
// flag, a form field of serve, a program and a file's own reading all pass them the same
// way; the domain parses them, and refuses a bad one with an InputError naming it. A nil
// Conditions is empty: every condition takes its default.
//
// An Example carries the conditions it was read or decoded under (Example.Conditions): a
// 3/4 file's window has "meter": "3/4", so encoding it conditions the encoder on its own
// meter, reconstructing it decodes in 3/4, and writing it writes a 3/4 time signature.
type Conditions map[string]string

// With returns a copy of c with o's values set over it.
func (c Conditions) With(o Conditions) Conditions {
	out := maps.Clone(c)
	if out == nil {
		out = Conditions{}
	}
	maps.Copy(out, o)
	return out
}

// String writes the conditions as "meter 6/8, chords C Am F G", in name order ("" when
// there are none), for messages.
func (c Conditions) String() string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(c)) {
		parts = append(parts, k+" "+c[k])
	}
	return strings.Join(parts, ", ")
}

// Condition describes one condition that models of a domain may take.
type Condition struct {
	// Name names it in Conditions and as a flag: "meter" is --meter.
	Name string
	// Usage is the flag's help: what it conditions and the form of its values.
	Usage string
	// Default is what a model decodes under when not told ("4/4"); "" when a model that
	// takes the condition needs it given (or read from its input).
	Default string
	// Example is a value to show where one is asked for and there is no Default (a form
	// field's placeholder: "C Am F G").
	Example string
}

// Conditioned is implemented by domains whose models take conditions: known inputs, beside
// z, of the encoder and the decoder (per-step controls of musae/models/rnn), such as the
// meter of a melody. A domain adds a condition in three places: Conditions lists it (the
// verbs then take --NAME, through Model), Takes says which models read it (from the model's
// config), and DecodeUnder, BatchFor and Read turn its text into the model's inputs and back
// into Example.Conditions. The melody domain's chords, say, are "chords" in Conditions
// with the progression's text as value ("C Am F G", one chord a bar), read from a MIDI
// file's chord track or annotations into Example.Conditions, and fed per step beside the
// meter where a model takes both. Verbs and
// programs never name a condition: they pass what a person gave through the Model
// methods, which check names and fill in defaults.
type Conditioned interface {
	Domain
	// Conditions lists every condition the domain's models may take, for flags and help.
	Conditions() []Condition
	// Takes lists the names of the conditions m takes (from Conditions; none for a model
	// without, such as mel2-tiny).
	Takes(m *Model) []string
	// DecodeUnder decodes zs as Decode does, vector i under conds[i], which holds every
	// condition m takes and no other (Model.DecodeEach checks and fills them). The
	// examples it returns carry their conditions.
	DecodeUnder(m *Model, zs [][]float32, conds []Conditions, temperature float64, rng *rand.Rand) ([]Example, error)
	// BatchFor is Batch for model m: the batch its encoder reads, each example's
	// conditions that m takes as the batch's controls (models.Batch.Controls), and an
	// InputError for an example m cannot read (a 3/4 window for a model of 4/4 windows).
	// Model.Encode uses it instead of Batch.
	BatchFor(m *Model, xs []Example) (*models.Batch, error)
}

// Takes returns the conditions m takes, in its domain's order; none when its domain is not
// Conditioned or the model takes none.
func (m *Model) Takes() []Condition {
	cd, ok := m.Domain.(Conditioned)
	if !ok {
		return nil
	}
	names := cd.Takes(m)
	var out []Condition
	for _, c := range cd.Conditions() {
		if slices.Contains(names, c.Name) {
			out = append(out, c)
		}
	}
	return out
}

// complete checks that m takes every condition in c and fills in the defaults of those it
// takes that c leaves out: an InputError names a condition m does not take, and one it
// needs that has no default.
func (m *Model) complete(c Conditions) (Conditions, error) {
	if err := m.checkNames(c); err != nil {
		return nil, err
	}
	takes := m.Takes()
	out := Conditions{}
	for _, t := range takes {
		v, ok := c[t.Name]
		switch {
		case ok:
		case t.Default != "":
			v = t.Default
		default:
			return nil, Inputf("%s needs --%s (%s)", m.Meta.Model, t.Name, t.Usage)
		}
		out[t.Name] = v
	}
	return out, nil
}

// checkNames checks that m takes every condition in c: an InputError names one it does
// not.
func (m *Model) checkNames(c Conditions) error {
	takes := m.Takes()
	for _, k := range slices.Sorted(maps.Keys(c)) {
		if !slices.ContainsFunc(takes, func(t Condition) bool { return t.Name == k }) {
			return Inputf("%s takes no --%s%s", m.Meta.Model, k, takesList(m, takes))
		}
	}
	return nil
}

// takesList says what m takes instead, for the error of a condition it does not take.
func takesList(m *Model, takes []Condition) string {
	if len(takes) == 0 {
		if cd, ok := m.Domain.(Conditioned); ok {
			var names []string
			for _, c := range cd.Conditions() {
				names = append(names, "--"+c.Name)
			}
			return fmt.Sprintf(" (it decodes under no conditions; %s take %s with a model that reads them)", m.Domain.Info().Noun, strings.Join(names, ", "))
		}
		return " (it decodes under no conditions)"
	}
	var names []string
	for _, t := range takes {
		names = append(names, "--"+t.Name)
	}
	return " (it takes " + strings.Join(names, ", ") + ")"
}

// DecodeUnder decodes latent vectors as Decode does, every one under cond (nil: the
// defaults of the conditions the model takes). A condition the model does not take, or a
// value its domain cannot read, is an InputError.
func (m *Model) DecodeUnder(zs [][]float32, cond Conditions, temperature float64, rng *rand.Rand) ([]Example, error) {
	conds := make([]Conditions, len(zs))
	for i := range conds {
		conds[i] = cond
	}
	return m.DecodeEach(zs, conds, temperature, rng)
}

// DecodeEach decodes latent vectors as Decode does, vector i under conds[i] (nil: the
// defaults); conds is as long as zs.
func (m *Model) DecodeEach(zs [][]float32, conds []Conditions, temperature float64, rng *rand.Rand) ([]Example, error) {
	if len(conds) != len(zs) {
		return nil, fmt.Errorf("domain: decode: %d vectors under %d sets of conditions", len(zs), len(conds))
	}
	for i, z := range zs {
		if len(z) != m.VAE.Z {
			return nil, fmt.Errorf("domain: decode: vector %d has %d values, the model's latent size is %d", i+1, len(z), m.VAE.Z)
		}
	}
	cd, ok := m.Domain.(Conditioned)
	if !ok || len(m.Takes()) == 0 {
		for _, c := range conds {
			if _, err := m.complete(c); err != nil {
				return nil, err
			}
		}
		return m.Domain.Decode(m, zs, temperature, rng)
	}
	full := make([]Conditions, len(conds))
	for i, c := range conds {
		var err error
		if full[i], err = m.complete(c); err != nil {
			return nil, err
		}
	}
	return cd.DecodeUnder(m, zs, full, temperature, rng)
}

// DecodeEachContext is DecodeEach in batches of BatchSize, checking ctx between them, as
// DecodeContext is Decode.
func (m *Model) DecodeEachContext(ctx context.Context, zs [][]float32, conds []Conditions, temperature float64, rng *rand.Rand) ([]Example, error) {
	if len(conds) != len(zs) {
		return nil, fmt.Errorf("domain: decode: %d vectors under %d sets of conditions", len(zs), len(conds))
	}
	out := make([]Example, 0, len(zs))
	for from := 0; from < len(zs); from += BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		to := min(from+BatchSize, len(zs))
		xs, err := m.DecodeEach(zs[from:to], conds[from:to], temperature, rng)
		if err != nil {
			return nil, err
		}
		out = append(out, xs...)
	}
	return out, nil
}

// SampleUnder draws n examples from the prior at a temperature, as Sample does, decoded
// under cond (nil: the defaults). Under conditions, the latent vectors are drawn first and
// then decoded, with rng for both (as the melody domain's Sample does).
func (m *Model) SampleUnder(n int, cond Conditions, temperature float64, rng *rand.Rand) ([]Example, error) {
	if len(m.Takes()) == 0 {
		if _, err := m.complete(cond); err != nil {
			return nil, err
		}
		return m.Domain.Sample(m, n, temperature, rng)
	}
	return m.DecodeUnder(latent.SamplePrior(n, m.VAE.Z, 1, rng), cond, temperature, rng)
}

// ConditionsOf returns the conditions x carries that m takes, with given set over them:
// what decoding "like x" means (a reconstruction, or the points of an interpolation from
// x, decode under x's meter unless told another).
func (m *Model) ConditionsOf(x Example, given Conditions) Conditions {
	out := Conditions{}
	for _, t := range m.Takes() {
		if v, ok := x.Conditions[t.Name]; ok {
			out[t.Name] = v
		}
	}
	return out.With(given)
}

// encodeConditions are the conditions each of xs is encoded under by m: its own that m
// takes, with given filling in those it lacks (a melody without chords encoded under
// --chords); an InputError names one m needs that neither gives.
func (m *Model) encodeConditions(xs []Example, given Conditions) ([]Conditions, error) {
	out := make([]Conditions, len(xs))
	for i, x := range xs {
		c := m.ConditionsOf(Example{}, given).With(m.ConditionsOf(x, nil))
		full, err := m.complete(c)
		if err != nil {
			if x.Source != "" {
				return nil, fmt.Errorf("%s: %w", x.Source, err)
			}
			return nil, err
		}
		out[i] = full
	}
	return out, nil
}
