package melody

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"musae/latent/domain"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// MeterCondition names the meter among an example's conditions ("meter": "6/8").
const MeterCondition = "meter"

// DefaultMeter is what a model of every meter decodes under when not told.
const DefaultMeter = "4/4"

// Controls is the number of control features per step of a model of every meter
// (mel2-meters): midi.MeterControls.
const Controls = midi.NumMeterControls

var _ domain.Conditioned = Domain{}

// Conditions is the meter: the one condition melodies take.
func (Domain) Conditions() []domain.Condition {
	return []domain.Condition{{
		Name:    MeterCondition,
		Usage:   "melodies: the meter of what is decoded (4/4, 3/4, 6/8, 9/8, 12/8, 2/4, 5/4, 4/2 …: two bars, or the bars that fill 32 sixteenths, at most 48) with a model of every meter (mel2-meters)",
		Default: DefaultMeter,
	}}
}

// Takes is the meter for a model that reads controls (mel2-meters), nothing for one of
// 4/4 windows only (mel2-tiny, mel2-small).
func (Domain) Takes(m *domain.Model) []string {
	if takesMeter(m) {
		return []string{MeterCondition}
	}
	return nil
}

func takesMeter(m *domain.Model) bool {
	d, ok := m.VAE.Dec.(*rnn.Decoder)
	return ok && d.Controls == Controls
}

// MeterText writes a window's meters (by step from its start, as midi.MeterWindow.Meters
// gives them) as the meter condition's text: "6/8", or with a change of meter inside the
// window each later meter with the step it starts at: "3/4+2/4@12".
func MeterText(meters []midi.Meter) string {
	var b strings.Builder
	for i, m := range meters {
		if i > 0 {
			fmt.Fprintf(&b, "+%s@%d", m, m.Step)
			continue
		}
		b.WriteString(m.String())
	}
	return b.String()
}

// ParseMeter reads the meter condition's text (MeterText's: "6/8", "3/4+2/4@12") into the
// window's meters and its length in steps (midi.OwnWindowSpan: the bars of the first
// meter's window, laid out through the changes). An error says what is wrong with it.
func ParseMeter(s string) ([]midi.Meter, int, error) {
	var meters []midi.Meter
	for i, part := range strings.Split(strings.TrimSpace(s), "+") {
		at := 0
		if i > 0 {
			p, step, ok := strings.Cut(part, "@")
			n, err := strconv.Atoi(step)
			if !ok || err != nil || n <= meters[len(meters)-1].Step {
				return nil, 0, fmt.Errorf("meter %q: a later meter is written M@STEP, STEP the 16th it starts at, after the one before", s)
			}
			part, at = p, n
		}
		num, den, ok := strings.Cut(strings.TrimSpace(part), "/")
		n, err1 := strconv.Atoi(num)
		d, err2 := strconv.Atoi(den)
		if !ok || err1 != nil || err2 != nil || n < 1 || n > 64 || d < 1 || d > 64 || d&(d-1) != 0 {
			return nil, 0, fmt.Errorf("meter %q: want a time signature such as 3/4 or 6/8 (a beat count over 1, 2, 4, 8, 16, 32 or 64)", s)
		}
		meters = append(meters, midi.Meter{Step: at, Num: n, Den: d})
	}
	bars, steps := midi.OwnWindowSpan(meters)
	if bars == nil {
		return nil, 0, fmt.Errorf("meter %q: its bars make no window of at most %d sixteenths (a bar must be a whole number of them)", s, midi.MaxOwnWindowSteps)
	}
	return meters, steps, nil
}

// meterOf returns the meters and the text of an example's meter condition (4/4 when it has
// none: a melody made by a program, or decoded by a model of 4/4 windows).
func meterOf(x domain.Example) ([]midi.Meter, string, error) {
	text := x.Conditions[MeterCondition]
	if text == "" {
		text = DefaultMeter
	}
	ms, _, err := ParseMeter(text)
	if err != nil {
		return nil, "", fmt.Errorf("melody: example %s: %w", x.Source, err)
	}
	return ms, text, nil
}

// BatchFor is the batch m's encoder reads: for a model of every meter, the windows padded
// to its steps with their meters as controls; for a model of 4/4 windows, Batch, refusing
// windows of other lengths and meters with an InputError that names the file's meter.
func (d Domain) BatchFor(m *domain.Model, xs []domain.Example) (*models.Batch, error) {
	ms, err := melodies(xs)
	if err != nil {
		return nil, err
	}
	if !takesMeter(m) {
		steps := m.Domain.Info().Shape[0]
		if dec, ok := m.VAE.Dec.(*rnn.Decoder); ok {
			steps = dec.Steps
		}
		for i, x := range xs {
			_, text, err := meterOf(x)
			if err != nil {
				return nil, err
			}
			if len(ms[i]) != steps {
				return nil, domain.Inputf("%s: %s is %d sixteenths of %s; %s reads windows of %d (2 bars of 4/4, 2/2, 4 of 2/4, 1 of 4/2): the models of every meter (mel2-meters) read it", x.Source, defaultWhere(x), len(ms[i]), text, m.Meta.Model, steps)
			}
		}
		return d.Batch(xs)
	}
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	b := models.NewBatch(len(xs), dec.Steps, midi.NumClasses, true)
	b.SetControls(Controls)
	classes := make([]int32, dec.Steps)
	for i, x := range xs {
		meters, text, err := meterOf(x)
		if err != nil {
			return nil, err
		}
		n := len(ms[i])
		if n == 0 || n > dec.Steps {
			return nil, domain.Inputf("%s: %s is %d sixteenths of %s; %s reads windows of 1 to %d", x.Source, defaultWhere(x), n, text, m.Meta.Model, dec.Steps)
		}
		for t, c := range ms[i] {
			classes[t] = int32(c)
		}
		b.SetClasses(i, classes[:n])
		midi.MeterControls(b.ExampleControls(i), meters, n)
		b.SetLength(i, n)
	}
	return b, nil
}

func defaultWhere(x domain.Example) string {
	if x.Where != "" {
		return x.Where
	}
	return "the melody"
}

// DecodeUnder decodes latent vectors in the meters conds give: each to the length of its
// meter's window, with its pulses as the decoder's controls, the examples carrying the
// meter.
func (Domain) DecodeUnder(m *domain.Model, zs [][]float32, conds []domain.Conditions, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	n := len(zs)
	ctl := make([]float32, n*dec.Steps*Controls)
	lengths := make([]int, n)
	texts := make([]string, n)
	for i, c := range conds {
		texts[i] = c[MeterCondition]
		meters, steps, err := ParseMeter(texts[i])
		if err != nil {
			return nil, domain.Inputf("--%s: %v", MeterCondition, err)
		}
		if steps > dec.Steps {
			return nil, domain.Inputf("--%s %s: a window of %d sixteenths; %s decodes at most %d", MeterCondition, texts[i], steps, m.Meta.Model, dec.Steps)
		}
		lengths[i] = steps
		midi.MeterControls(ctl[i*dec.Steps*Controls:], meters, steps)
	}
	seqs := dec.GenerateControlled(flatten(zs), n, ctl, lengths, temperature, rng)
	out := make([]domain.Example, n)
	for i, s := range seqs {
		mel := make(midi.Melody, len(s))
		for t, c := range s {
			mel[t] = int(c)
		}
		out[i] = domain.Example{Value: mel, Conditions: domain.Conditions{MeterCondition: texts[i]}}
	}
	return out, nil
}

var _ domain.Widener = Domain{}

// Widen gives dst, a recurrent model reading more controls per step than src (mel2-meters
// from mel2-tiny), src's function exactly: src's weights, zero weights for the controls
// it lacks (rnn.WidenParams). Both must have the recurrent encoder.
func (Domain) Widen(dst, src *domain.Model) error {
	var a, b rnn.Config
	if err := json.Unmarshal(dst.Meta.Config, &a); err != nil {
		return fmt.Errorf("melody: widen: bad model config: %w", err)
	}
	if err := json.Unmarshal(src.Meta.Config, &b); err != nil {
		return fmt.Errorf("melody: widen: bad model config: %w", err)
	}
	if _, ok := dst.VAE.Enc.(*rnn.Encoder); !ok {
		return fmt.Errorf("melody: widen: %s has no recurrent encoder", dst.Meta.Model)
	}
	if _, ok := src.VAE.Enc.(*rnn.Encoder); !ok {
		return fmt.Errorf("melody: widen: %s has no recurrent encoder", src.Meta.Model)
	}
	return rnn.WidenParams(a, b, dst.Params(), src.Params())
}
