package melody

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"

	"musae/latent/domain"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// The melody domain's conditions, through one piece of code: a model's config names the
// conditions it takes (rnn.Config.Conditions: mel2-meters "meter", mel2-chords "chords",
// a model of both ["meter", "chords"]), its controls are each condition's features in
// that order, and the methods here lay them out; each condition keeps its own code
// (meters.go: the meter's pulses; chords.go: the chord's one-hot), as a condition below.

// condition is one condition melody models may take: its description for flags, the
// number of control features per step it takes, and how it writes them.
type condition struct {
	domain.Condition
	width int
	// controls writes the condition's features of the n steps of x's window (x carries
	// the condition; a window's first step is its bar line) into dst, [n*width]. An
	// InputError says what is wrong with x's value.
	controls func(dst []float32, x domain.Example, n int) error
}

// conditions lists them, in the order of flags and help.
var conditions = []condition{
	{meterCondition, rnn.MeterControls, meterControls},
	{chordsCondition, rnn.ChordsControls, chordControls},
}

var (
	_ domain.Conditioned = Domain{}
	_ domain.Widener     = Domain{}
)

// Conditions lists the conditions melody models may take: the meter (mel2-meters) and
// the chords (mel2-chords).
func (Domain) Conditions() []domain.Condition {
	out := make([]domain.Condition, len(conditions))
	for i, c := range conditions {
		out[i] = c.Condition
	}
	return out
}

// Takes lists the conditions m reads, as its config names them (none for mel2-tiny).
func (Domain) Takes(m *domain.Model) []string {
	cs, _ := takes(m)
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

// takes returns the conditions m reads, in the order of its controls: those its config
// names, or for a checkpoint written before configs named them (the first mel2-meters
// and mel2-chords) the one condition as wide as its controls. An error says the config
// and the controls disagree.
func takes(m *domain.Model) ([]condition, error) {
	controls := 0
	if d, ok := m.VAE.Dec.(*rnn.Decoder); ok {
		controls = d.Controls
	}
	var cfg rnn.Config
	if len(m.Meta.Config) > 0 {
		if err := json.Unmarshal(m.Meta.Config, &cfg); err != nil {
			return nil, fmt.Errorf("melody: %s: bad model config: %w", m.Meta.Model, err)
		}
	}
	if len(cfg.Conditions) == 0 {
		if controls == 0 {
			return nil, nil
		}
		for _, c := range conditions {
			if c.width == controls {
				return []condition{c}, nil
			}
		}
		return nil, fmt.Errorf("melody: %s reads %d control features a step and its config names no conditions", m.Meta.Model, controls)
	}
	var out []condition
	width := 0
	for _, name := range cfg.Conditions {
		k := slices.IndexFunc(conditions, func(c condition) bool { return c.Name == name })
		if k < 0 {
			return nil, fmt.Errorf("melody: %s takes the condition %q, which melodies do not know", m.Meta.Model, name)
		}
		out = append(out, conditions[k])
		width += conditions[k].width
	}
	if width != controls {
		return nil, fmt.Errorf("melody: %s reads %d control features a step; its conditions %v take %d", m.Meta.Model, controls, cfg.Conditions, width)
	}
	return out, nil
}

// taking reports whether m reads the condition called name.
func taking(m *domain.Model, name string) bool {
	cs, _ := takes(m)
	return slices.ContainsFunc(cs, func(c condition) bool { return c.Name == name })
}

func takesMeter(m *domain.Model) bool  { return taking(m, MeterCondition) }
func takesChords(m *domain.Model) bool { return taking(m, ChordsCondition) }

// BatchFor is the batch m's encoder reads: each window padded to the model's steps with
// the controls of the conditions it carries that m takes. A model that does not take the
// meter reads 2-bar windows of 4/4 only (Batch), refusing windows of other lengths and
// meters with an InputError that names the file's meter.
func (d Domain) BatchFor(m *domain.Model, xs []domain.Example) (*models.Batch, error) {
	ms, err := melodies(xs)
	if err != nil {
		return nil, err
	}
	cs, err := takes(m)
	if err != nil {
		return nil, err
	}
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	meter := slices.ContainsFunc(cs, func(c condition) bool { return c.Name == MeterCondition })
	for i, x := range xs {
		_, text, err := meterOf(x)
		if err != nil {
			return nil, err
		}
		if n := len(ms[i]); !meter && n != dec.Steps {
			return nil, domain.Inputf("%s: %s is %d sixteenths of %s; %s reads windows of %d (2 bars of 4/4, 2/2, 4 of 2/4, 1 of 4/2): the models of every meter (mel2-meters) read it", x.Source, defaultWhere(x), n, text, m.Meta.Model, dec.Steps)
		} else if n == 0 || n > dec.Steps {
			return nil, domain.Inputf("%s: %s is %d sixteenths of %s; %s reads windows of 1 to %d", x.Source, defaultWhere(x), n, text, m.Meta.Model, dec.Steps)
		}
	}
	if len(cs) == 0 {
		return d.Batch(xs)
	}
	b := models.NewBatch(len(xs), dec.Steps, midi.NumClasses, true)
	b.SetControls(dec.Controls)
	classes := make([]int32, dec.Steps)
	for i, x := range xs {
		n := len(ms[i])
		for t, c := range ms[i] {
			classes[t] = int32(c)
		}
		b.SetClasses(i, classes[:n])
		b.SetLength(i, n)
		if err := setWindowControls(b, i, cs, x, 0, n); err != nil {
			return nil, err
		}
	}
	return b, nil
}

func defaultWhere(x domain.Example) string {
	if x.Where != "" {
		return x.Where
	}
	return "the melody"
}

// DecodeUnder decodes zs under conds, every condition m takes as its code reads it: the
// meter sets the window (its length, its pulses), the chords how long the melody is. A
// melody longer than a window (a progression of 8 bars) is decoded window by window from
// the same z, each under its own steps' controls (the last window as long as what is
// left), and the windows put one after another: one melodic idea carried through the
// chords. The decoder starts afresh at each window, from z's initial state. The examples
// carry their conditions.
func (Domain) DecodeUnder(m *domain.Model, zs [][]float32, conds []domain.Conditions, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	cs, err := takes(m)
	if err != nil {
		return nil, err
	}
	type window struct{ example, from, steps int }
	var (
		ws   []window
		flat []float32
		out  = make([]domain.Example, len(zs))
		full = make([]domain.Example, len(zs)) // each example's conditions over its whole length
	)
	for i, c := range conds {
		x := domain.Example{Conditions: domain.Conditions{}}
		win, length := dec.Steps, dec.Steps
		if slices.ContainsFunc(cs, func(c condition) bool { return c.Name == MeterCondition }) {
			text := c[MeterCondition]
			_, steps, err := ParseMeter(text)
			if err != nil {
				return nil, domain.Inputf("--%s: %v", MeterCondition, err)
			}
			if steps > dec.Steps {
				return nil, domain.Inputf("--%s %s: a window of %d sixteenths; %s decodes at most %d", MeterCondition, text, steps, m.Meta.Model, dec.Steps)
			}
			win, length = steps, steps
			x.Conditions[MeterCondition] = text
		}
		if slices.ContainsFunc(cs, func(c condition) bool { return c.Name == ChordsCondition }) {
			classes, text, err := chordClasses(c[ChordsCondition], chordMeter(x))
			if err != nil {
				return nil, err
			}
			if len(classes) > maxChordsSteps {
				return nil, domain.Inputf("--%s: %d bars; a melody under chords is at most %d bars", ChordsCondition, len(classes)/midi.StepsPerBar, maxChordsSteps/midi.StepsPerBar)
			}
			length = len(classes)
			x.Conditions[ChordsCondition] = text
		}
		full[i], out[i] = x, domain.Example{Conditions: x.Conditions}
		for from := 0; from < length; from += win {
			ws = append(ws, window{i, from, min(win, length-from)})
			flat = append(flat, zs[i]...)
		}
	}
	b := models.NewBatch(len(ws), dec.Steps, midi.NumClasses, false)
	b.SetControls(dec.Controls)
	for k, w := range ws {
		if err := setWindowControls(b, k, cs, full[w.example], w.from, w.steps); err != nil {
			return nil, err
		}
		b.SetLength(k, w.steps)
	}
	seqs := dec.GenerateFor(flat, b, temperature, rng)
	for k, w := range ws {
		x := &out[w.example]
		mel, _ := x.Value.(midi.Melody)
		for _, c := range seqs[k] {
			mel = append(mel, int(c))
		}
		x.Value = mel
	}
	return out, nil
}

// setWindowControls writes the controls of example k of b: the window of steps steps of
// x's conditions starting at step from of its melody (the meter's pulses start afresh at
// each window, which starts on a bar line; the chords go on).
func setWindowControls(b *models.Batch, k int, cs []condition, x domain.Example, from, steps int) error {
	ctl := b.ExampleControls(k)
	clear(ctl)
	off := 0
	for _, c := range cs {
		n, skip := steps, 0
		if c.Name == ChordsCondition {
			n, skip = from+steps, from
		}
		buf := make([]float32, n*c.width)
		if err := c.controls(buf, x, n); err != nil {
			return err
		}
		for t := range steps {
			copy(ctl[t*b.C+off:t*b.C+off+c.width], buf[(skip+t)*c.width:(skip+t+1)*c.width])
		}
		off += c.width
	}
	return nil
}

// Widen gives dst, a recurrent model reading more controls per step than src (mel2-meters
// or mel2-chords from mel2-tiny), src's function exactly: src's weights, zero weights for
// the controls it lacks (rnn.WidenParams). Both must have the recurrent encoder.
func (Domain) Widen(dst, src *domain.Model) error {
	var a, b rnn.Config
	if err := json.Unmarshal(dst.Meta.Config, &a); err != nil {
		return fmt.Errorf("melody: widen: bad model config: %w", err)
	}
	if err := json.Unmarshal(src.Meta.Config, &b); err != nil {
		return fmt.Errorf("melody: widen: bad model config: %w", err)
	}
	// The controls of src's conditions come first in dst's: a prefix of them.
	dc, err := takes(dst)
	if err != nil {
		return err
	}
	sc, err := takes(src)
	if err != nil {
		return err
	}
	if len(sc) > len(dc) || !slices.EqualFunc(sc, dc[:len(sc)], func(p, q condition) bool { return p.Name == q.Name }) {
		return fmt.Errorf("melody: widen: %s takes %s, %s %s: the wider model must take the narrower one's conditions first", src.Meta.Model, names(sc), dst.Meta.Model, names(dc))
	}
	if dst.Meta.Encoder != src.Meta.Encoder {
		return fmt.Errorf("melody: widen: %s has the %q encoder, %s the %q one", src.Meta.Model, src.Meta.Encoder, dst.Meta.Model, dst.Meta.Encoder)
	}
	if _, ok := dst.VAE.Enc.(*rnn.Encoder); !ok {
		return fmt.Errorf("melody: widen: %s has no recurrent encoder", dst.Meta.Model)
	}
	if _, ok := src.VAE.Enc.(*rnn.Encoder); !ok {
		return fmt.Errorf("melody: widen: %s has no recurrent encoder", src.Meta.Model)
	}
	return rnn.WidenParams(a, b, dst.Params(), src.Params())
}

// names lists the conditions' names for messages: "[meter chords]".
func names(cs []condition) string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Name
	}
	return fmt.Sprint(out)
}
