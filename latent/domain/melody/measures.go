package melody

import (
	"context"
	"fmt"
	"io"
	"slices"

	"musae/datasets"
	"musae/latent"
	"musae/latent/domain"
	"musae/latent/domain/internal/pick"
	"musae/latent/domain/internal/seq"
	"musae/midi"
)

var (
	_ domain.Attributer = Domain{}
	_ domain.Measurer   = Domain{}
)

// Measure is a number that describes a melody window, from which Attributes learns a
// latent attribute vector of the same name.
type Measure = seq.Measure[midi.Melody]

// Measures are the measures Attributes learns vectors for, in a fixed order: density
// (notes per window), pitch (mean pitch; undefined without notes) and stepwise (share of
// stepwise intervals; undefined with fewer than two notes).
func Measures() []Measure {
	return []Measure{
		{Name: "density", What: "notes per window", Of: func(m midi.Melody) (float64, bool) { return NoteDensity(m), true }, Format: seq.Fixed(2)},
		{Name: "pitch", What: "mean pitch", Of: MeanPitch, Format: FormatPitch},
		{Name: "stepwise", What: "share of stepwise intervals (1–2 semitones)", Of: StepwiseShare, Format: seq.Fixed(3)},
	}
}

// NoteDensity is the number of notes (onsets) in a melody.
func NoteDensity(m midi.Melody) float64 { return float64(len(m.Notes())) }

// MeanPitch is the mean MIDI pitch of a melody's notes, each note counted once whatever
// its length; undefined without notes.
func MeanPitch(m midi.Melody) (float64, bool) {
	ns := m.Notes()
	if len(ns) == 0 {
		return 0, false
	}
	var s float64
	for _, n := range ns {
		s += float64(n.Pitch)
	}
	return s / float64(len(ns)), true
}

// StepwiseShare is the share of intervals between consecutive notes that are steps, a
// semitone or a tone up or down; repeated notes and leaps count against it, and rests
// between notes are ignored. Undefined with fewer than two notes.
func StepwiseShare(m midi.Melody) (float64, bool) {
	ns := m.Notes()
	if len(ns) < 2 {
		return 0, false
	}
	steps := 0
	for i := 1; i < len(ns); i++ {
		if d := ns[i].Pitch - ns[i-1].Pitch; d == 1 || d == 2 || d == -1 || d == -2 {
			steps++
		}
	}
	return float64(steps) / float64(len(ns)-1), true
}

// FormatPitch shows a mean pitch as a number and the nearest note's name: "71.3 (B4)".
func FormatPitch(p float64) string {
	return fmt.Sprintf("%.1f (%s)", p, midi.PitchName(int(p+0.5)))
}

// Quartiles splits the indices of values into the bottom and the top quarter by value;
// ties are broken by index, so the split does not depend on sort order. Undefined
// values (ok false) are left out.
func Quartiles(values []float64, ok []bool) (bottom, top []int) {
	var idx []int
	for i := range values {
		if ok[i] {
			idx = append(idx, i)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		switch {
		case values[a] < values[b]:
			return -1
		case values[a] > values[b]:
			return 1
		}
		return 0
	})
	q := len(idx) / 4
	return idx[:q], idx[len(idx)-q:]
}

// Describe gives a melody's measures in a line: "density 8.00, pitch 64.5 (E4), ...".
func (Domain) Describe(x domain.Example) string {
	m, err := Melody(x)
	if err != nil {
		return err.Error()
	}
	if s := seq.Describe(Measures(), m); s != "" {
		return s
	}
	return "no notes"
}

// Attributes learns one vector per measure from the training split of the MIDI files in
// o.Dir: the mean mu of the windows in the top quarter by the measure minus that of the
// bottom quarter.
func (Domain) Attributes(ctx context.Context, m *domain.Model, o domain.DataOptions, w, log io.Writer) (*latent.Attributes, error) {
	return AttributesOf(ctx, m, o, datasets.MelodyOptions{}, w, log)
}

// AttributesOf is Attributes for models of other windows than 2 bars: the windows are
// cut as cut says (its Bars; Track and AlignGrid are set here).
func AttributesOf(ctx context.Context, m *domain.Model, o domain.DataOptions, cut datasets.MelodyOptions, w, log io.Writer) (*latent.Attributes, error) {
	if o.Dir == "" {
		return nil, domain.Inputf("say where the melodies are: --data DIR (for example ../shared/data/melodies/pop909 with --track MELODY)")
	}
	track := m.DataTrack(o.Dir, o.Track)
	cut.Track, cut.AlignGrid = track, true
	var (
		all     []domain.Example
		files   int
		skipped int
	)
	if takesChords(m) {
		// A model that reads chords encodes each window under its annotated chords.
		corpus, err := datasets.LoadChordMelodies(ctx, o.Dir, cut)
		if err != nil {
			return nil, err
		}
		all, files, skipped = examples(corpus.Train), len(corpus.Files), len(corpus.Skipped)
		for i := range all {
			all[i].Conditions = domain.Conditions{ChordsCondition: chordText(corpus.TrainChords[i])}
		}
	} else {
		corpus, err := datasets.LoadMelodiesContext(ctx, o.Dir, cut)
		if err != nil {
			return nil, err
		}
		all, files, skipped = examples(corpus.Train), len(corpus.Files), len(corpus.Skipped)
	}
	xs := pick.N(all, o.Limit, o.Seed)
	windows, err := melodies(xs)
	if err != nil {
		return nil, err
	}
	if len(windows) < 8 {
		return nil, fmt.Errorf("%s: %d training windows (track %q, %d files skipped); need at least 8 to take quarters of", o.Dir, len(windows), track, skipped)
	}
	if len(windows) < len(all) {
		fmt.Fprintf(w, "data %s (track %q): %d of the %d training windows (drawn by --seed %d) from %d files\n", o.Dir, track, len(windows), len(all), o.Seed, files)
	} else {
		fmt.Fprintf(w, "data %s (track %q): %d training windows from %d files\n", o.Dir, track, len(windows), files)
	}
	fmt.Fprintf(log, "musae: encoding %d windows\n", len(windows))
	mu, _, err := m.EncodeContext(ctx, xs)
	if err != nil {
		return nil, err
	}
	attrs := latent.NewAttributes(m.VAE.Z)
	for _, ms := range Measures() {
		values, ok := make([]float64, len(windows)), make([]bool, len(windows))
		for i, w := range windows {
			values[i], ok[i] = ms.Of(w)
		}
		bottom, top := Quartiles(values, ok)
		if len(bottom) == 0 || values[bottom[0]] == values[top[len(top)-1]] {
			return nil, fmt.Errorf("%s: the %s of the windows does not vary, so it gives no attribute", o.Dir, ms.What)
		}
		if err := attrs.Learn(ms.Name, pick.Gather(mu, top), pick.Gather(mu, bottom)); err != nil {
			return nil, err
		}
		v, _ := attrs.Vector(ms.Name)
		fmt.Fprintf(w, "%-9s %s: top quarter %s to %s (%d windows) minus bottom quarter %s to %s (%d windows); |v| %.3f\n",
			ms.Name, ms.What, ms.Format(values[top[0]]), ms.Format(values[top[len(top)-1]]), len(top),
			ms.Format(values[bottom[0]]), ms.Format(values[bottom[len(bottom)-1]]), len(bottom), latent.Norm(v))
	}
	return attrs, nil
}

func examples(ms []midi.Melody) []domain.Example {
	xs := make([]domain.Example, len(ms))
	for i, m := range ms {
		xs[i] = domain.Example{Value: m}
	}
	return xs
}

// decodeGreedy decodes latent vectors greedily in batches, checking ctx between them.
func decodeGreedy(ctx context.Context, m *domain.Model, zs [][]float32) ([]midi.Melody, error) {
	xs, err := m.DecodeContext(ctx, zs, 0, nil)
	if err != nil {
		return nil, err
	}
	return melodies(xs)
}

// MeasureAttribute draws o.Limit windows (by o.Seed) from the validation split of the
// melodies in o.Dir, decodes z = mu and z = mu + amount·v greedily, and writes the mean
// measures of the inputs and of both decodings, and how many gained or lost notes.
func (Domain) MeasureAttribute(ctx context.Context, m *domain.Model, o domain.DataOptions, name string, v []float32, amount float64, w io.Writer) error {
	return MeasureAttributeOf(ctx, m, o, datasets.MelodyOptions{}, name, v, amount, w)
}

// MeasureAttributeOf is MeasureAttribute for models of other windows than 2 bars, cut as
// cut says (see AttributesOf).
func MeasureAttributeOf(ctx context.Context, m *domain.Model, o domain.DataOptions, cut datasets.MelodyOptions, name string, v []float32, amount float64, w io.Writer) error {
	track := m.DataTrack(o.Dir, o.Track)
	cut.Track, cut.AlignGrid = track, true
	corpus, err := datasets.LoadMelodiesContext(ctx, o.Dir, cut)
	if err != nil {
		return err
	}
	if len(corpus.Validation) == 0 {
		return fmt.Errorf("%s: no validation windows (track %q, %d files gave windows)", o.Dir, track, len(corpus.Files))
	}
	windows := pick.N(corpus.Validation, o.Limit, o.Seed)
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
	fmt.Fprintf(w, "data %s (track %q): %d validation windows of %d, greedy decoding\n", o.Dir, track, len(windows), len(corpus.Validation))
	if len(windows) < o.Limit {
		fmt.Fprintf(w, "note: asked for %d windows, the validation split has %d\n", o.Limit, len(windows))
	}
	col := shifted(amount, name)
	fmt.Fprintf(w, "\n%-44s  %-12s  %-12s  %-20s  %s\n", "measure (mean over the windows)", "input", "z = mu", col, "change")
	partial := false
	for _, ms := range Measures() {
		a, na := ms.Mean(windows)
		b, nb := ms.Mean(before)
		c, nc := ms.Mean(after)
		cell := func(v float64, n int) string {
			if n == 0 {
				return "-"
			}
			s := ms.Format(v)
			if n < len(windows) {
				s += fmt.Sprintf(" [%d]", n)
				partial = true
			}
			return s
		}
		change := "-"
		if nb > 0 && nc > 0 {
			change = fmt.Sprintf("%+.3f", c-b)
		}
		fmt.Fprintf(w, "%-44s  %-12s  %-12s  %-20s  %s\n", ms.What, cell(a, na), cell(b, nb), cell(c, nc), change)
	}
	var more, fewer int
	for i := range before {
		switch nb, na := NoteDensity(before[i]), NoteDensity(after[i]); {
		case na > nb:
			more++
		case na < nb:
			fewer++
		}
	}
	fmt.Fprintf(w, "\nnotes per window: more in %d, fewer in %d, as many in %d of %d decodings\n", more, fewer, len(before)-more-fewer, len(before))
	if partial {
		fmt.Fprintf(w, "[n]: the measure is defined for n of the windows only (pitch needs a note, stepwise two)\n")
	}
	return nil
}

// shifted names the latent point z = mu + amount·name for people: "z = mu - 1·density".
func shifted(amount float64, name string) string {
	if amount < 0 {
		return fmt.Sprintf("z = mu - %g·%s", -amount, name)
	}
	return fmt.Sprintf("z = mu + %g·%s", amount, name)
}
