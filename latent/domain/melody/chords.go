package melody

// Chords: the "chords" condition of the melody domain and its model mel2-chords, which
// reads the chord at each step as the one-hot of its triad class (midi.TriadClasses, 49
// control features) in its encoder and its decoder, as MusicVAE's
// cat-mel_2bar_med_chords does.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"musae/datasets"
	"musae/latent/domain"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// ChordsCondition is the name of the melody domain's chord condition.
const ChordsCondition = "chords"

// chordsCondition describes it for flags and help.
var chordsCondition = domain.Condition{
	Name:  ChordsCondition,
	Usage: `the chord progression, a chord a bar unless a duration in beats follows a star: "C Am F G", "C*2 G*2 Am F"; @FILE reads it from a text file (mel2-chords)`,
}

// takesChords reports whether m reads chords: a recurrent model of the melody domain with
// rnn.ChordsControls control features per step (mel2-chords and models fine-tuned from
// it).
func takesChords(m *domain.Model) bool {
	var cfg rnn.Config
	return json.Unmarshal(m.Meta.Config, &cfg) == nil && cfg.Controls == rnn.ChordsControls
}

// trainChords readies t to train m, a model that reads chords, on the MIDI files of o.Dir
// with their chord annotations (datasets.LoadChordMelodies): the windows of Train, each
// with the triad class of its chord at each step, transposed with its chords ±5 semitones
// at each draw, the decoder scored on half the windows in a second such transposition of
// what the encoder read (datasets.ChordMelodySet.KeyFree). Chords without a triad class (sus2, sus4, 5) read as the triad nearest
// them (midi.Chord.NearTriad), so that no window is dropped for its chord.
func trainChords(t *models.Trainer, m *domain.Model, o domain.TrainOptions) error {
	corpus, err := datasets.LoadChordMelodies(context.Background(), o.Dir, datasets.MelodyOptions{Track: o.Track, AlignGrid: true})
	if err != nil {
		return err
	}
	train, chords := corpus.Train, corpus.TrainChords
	if o.Limit > 0 && o.Limit < len(train) {
		train, chords = train[:o.Limit], chords[:o.Limit]
	}
	if len(corpus.Validation) == 0 {
		return fmt.Errorf("%s: no validation windows with chords (%d files gave windows, %d skipped); %s needs chord annotations beside the files, as POP909's annotations/NNN/chord_midi.txt", o.Dir, len(corpus.Files), len(corpus.Skipped), m.Meta.Model)
	}
	fmt.Fprintf(t.Progress, "corpus %s: %d files with chords, %d skipped, %d training and %d validation windows; %d windows hold a chord read as its nearest triad, %.1f%% of steps no chord\n",
		o.Dir, len(corpus.Files), len(corpus.Skipped), len(train), len(corpus.Validation), corpus.Mapped, 100*float64(corpus.NoChordSteps)/float64(max(corpus.Steps, 1)))
	dec, err := decoder(m)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(o.Dir)
	// The decoder reconstructs half the windows in another key than the encoder read them
	// in, under their chords moved with them: it learns to take the key from the chords
	// where z says another.
	set := &datasets.ChordMelodySet{Windows: train, Chords: chords, MaxTranspose: datasets.MusicVAETranspose, KeyFree: keyFree}
	t.Data = set
	m.VAE.BeforeDecode = set.DecoderView
	t.Shape = [3]int{midi.WindowSteps, midi.NumClasses, 1}
	t.Meta.Dataset = fmt.Sprintf("%s (%d training windows of 2 bars with their annotated chords from %d files, track %q, transposed ±%d with their chords, %g of them decoded in another such key than encoded)", filepath.Base(abs), len(train), len(corpus.Files), o.Track, datasets.MusicVAETranspose, keyFree)
	t.Meta.Data, t.Meta.Track = abs, o.Track
	t.Meta.SamplingRate = o.SamplingRate
	if k := o.SamplingRate; k > 0 {
		t.BeforeStep = func(step int, rng *rand.Rand) {
			dec.SampleProb = 1 - k/(k+math.Exp(math.Min(float64(step)/k, 700)))
			dec.Rng = rng
		}
	}
	n := min(evalWindows, len(corpus.Validation))
	valid, validChords := corpus.Validation[:n], corpus.ValidationChords[:n]
	t.Validate = func() (map[string]float64, error) {
		return ScoreChords(context.Background(), m, valid, validChords, o.Seed)
	}
	return nil
}

// keyFree is the share of training windows mel2-chords decodes in another key than it
// encoded them in (datasets.ChordMelodySet.KeyFree). With all of them, samples under a
// progression had 44% chord tones on strong beats (mel2-tiny's: 25%), but the decoder
// lost z's pitches: reconstruction accuracy fell to 0.73, onsets to 0.27.
const keyFree = 0.5

// ScoreChords is Score for a model that reads chords: windows[i] under chords[i], a
// triad class per step.
func ScoreChords(ctx context.Context, m *domain.Model, windows []midi.Melody, chords [][]int8, seed uint64) (map[string]float64, error) {
	s, _, err := scoreBatches(ctx, m, windows, nil, seed, func(from, to int) *models.Batch {
		return datasets.ChordMelodyBatch(windows[from:to], chords[from:to])
	})
	return s, err
}

var _ domain.Widener = Domain{}

// Widen sets dst's parameters from src's, recurrent melody models of the same sizes, dst
// reading more control features (mel2-chords from mel2-tiny: rnn.Model.Widen).
func (Domain) Widen(dst, src *domain.Model) error {
	var a, b rnn.Config
	if err := json.Unmarshal(dst.Meta.Config, &a); err != nil {
		return fmt.Errorf("melody: %s: bad model config: %w", dst.Meta.Model, err)
	}
	if err := json.Unmarshal(src.Meta.Config, &b); err != nil {
		return fmt.Errorf("melody: %s: bad model config: %w", src.Meta.Model, err)
	}
	if dst.Meta.Encoder != src.Meta.Encoder {
		return fmt.Errorf("melody: %s has the %q encoder, %s the %q one", src.Meta.Model, src.Meta.Encoder, dst.Meta.Model, dst.Meta.Encoder)
	}
	wd, err := rnn.Of(a, dst.VAE)
	if err != nil {
		return err
	}
	ws, err := rnn.Of(b, src.VAE)
	if err != nil {
		return err
	}
	return wd.Widen(ws)
}

// chordClasses reads a progression's text (midi.ParseProgression, in 4/4) as the triad
// class of each of its steps, rounded up to whole bars (the steps past its last chord
// have none), and its text as FormatProgression writes it.
func chordClasses(text string) ([]int8, string, error) {
	spans, err := midi.ParseProgression(text, midi.Meter{})
	if err != nil {
		return nil, "", domain.Inputf("--%s %q: %v", ChordsCondition, text, err)
	}
	steps := (spans[len(spans)-1].End + midi.StepsPerBar - 1) / midi.StepsPerBar * midi.StepsPerBar
	out := make([]int8, steps)
	for i, c := range midi.ChordsPerStep(spans, 0, steps) {
		class, _ := c.NearTriad()
		out[i] = int8(class)
	}
	return out, midi.FormatProgression(spans, midi.Meter{}), nil
}

// setChords writes classes as the one-hot controls of example i of b, the steps past
// classes having no chord.
func setChords(b *models.Batch, i int, classes []int8) {
	ctl := b.ExampleControls(i)
	clear(ctl)
	for t := range b.T {
		class := 0
		if t < len(classes) {
			class = int(classes[t])
		}
		ctl[t*b.C+class] = 1
	}
}

// chordsBatch is the batch of 2-bar windows with their chords that mel2-chords's encoder
// reads: xs[i] under conds[i]["chords"], of which it reads the first 2 bars (a shorter
// progression leaves the rest without a chord).
func chordsBatch(xs []domain.Example, conds []domain.Conditions) (*models.Batch, error) {
	ms, err := melodies(xs)
	if err != nil {
		return nil, err
	}
	chords := make([][]int8, len(ms))
	for i := range ms {
		if chords[i], _, err = chordClasses(conds[i][ChordsCondition]); err != nil {
			return nil, err
		}
		chords[i] = append(chords[i], make([]int8, max(0, len(ms[i])-len(chords[i])))...)[:len(ms[i])]
	}
	return datasets.ChordMelodyBatch(ms, chords), nil
}

// decodeChords decodes zs under their progressions: melody i is as long as conds[i]'s
// progression in whole bars, decoded window by window, 2 bars at a time, each from z_i
// under its own 2 bars of chords (the last window as long as what is left, 1 or 2 bars),
// and the windows put one after another. A progression of 8 bars is thus four windows of
// the same z: one melodic idea carried through the chords. The decoder starts afresh at
// each window, from z's initial state, not from where the last window ended.
func decodeChords(m *domain.Model, zs [][]float32, conds []domain.Conditions, temperature float64, rng *rand.Rand) ([]domain.Example, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	type window struct{ example, steps int }
	var (
		ws      []window
		classes [][]int8
		texts   []string
		flat    []float32
	)
	for i, c := range conds {
		cs, text, err := chordClasses(c[ChordsCondition])
		if err != nil {
			return nil, err
		}
		if len(cs) > maxChordsSteps {
			return nil, domain.Inputf("--%s: %d bars; a melody under chords is at most %d bars", ChordsCondition, len(cs)/midi.StepsPerBar, maxChordsSteps/midi.StepsPerBar)
		}
		classes, texts = append(classes, cs), append(texts, text)
		for from := 0; from < len(cs); from += dec.Steps {
			ws = append(ws, window{i, min(dec.Steps, len(cs)-from)})
			flat = append(flat, zs[i]...)
		}
	}
	b := models.NewBatch(len(ws), dec.Steps, midi.NumClasses, false)
	b.SetControls(dec.Controls)
	at := make([]int, len(zs)) // the next step of each example's chords
	for k, w := range ws {
		setChords(b, k, classes[w.example][at[w.example]:at[w.example]+w.steps])
		b.SetLength(k, w.steps)
		at[w.example] += w.steps
	}
	seqs := dec.GenerateFor(flat, b, temperature, rng)
	out := make([]domain.Example, len(zs))
	for k, w := range ws {
		x := &out[w.example]
		mel, _ := x.Value.(midi.Melody)
		for _, c := range seqs[k] {
			mel = append(mel, int(c))
		}
		x.Value = mel
		x.Conditions = domain.Conditions{ChordsCondition: texts[w.example]}
	}
	return out, nil
}

// maxChordsSteps bounds the melody a progression decodes to: 64 bars.
const maxChordsSteps = 64 * midi.StepsPerBar

// FileChords are the chords of a MIDI file read for its melody (opt, after Prepare, which
// moved the file by shift ticks), and where they come from, for people: the annotations
// beside a file laid out as POP909's (ANNOTATIONS/NNN/chord_midi.txt beside NNN.mid,
// datasets.ChordAnnotation), else the chords estimated from the notes of its other tracks
// (drums aside), a chord per beat (midi.File.EstimateChords); none ("") for a file with
// neither, such as a melody alone.
func FileChords(f *midi.File, name string, opt midi.ExtractOptions, shift int64) ([]midi.ChordSpan, string) {
	if name != "" {
		p := datasets.ChordAnnotation(filepath.Dir(name), filepath.Base(name))
		if lab, err := midi.ReadChordLabFile(p); err == nil {
			return f.StepChords(lab, shift), "chords from " + filepath.ToSlash(filepath.Join("annotations", filepath.Base(filepath.Dir(p)), filepath.Base(p)))
		}
	}
	if opt.Track == "" {
		return nil, ""
	}
	mel, err := f.TrackIndex(opt.Track)
	if err != nil {
		return nil, ""
	}
	var others []int
	var names []string
	for i, t := range f.Tracks {
		if i == mel || t.NoteOns() == 0 || onlyDrums(t.Channels()) {
			continue
		}
		others = append(others, i)
		names = append(names, strconv.Itoa(i))
	}
	if len(others) == 0 {
		return nil, ""
	}
	spans := f.EstimateChords(midi.EstimateChordsOptions{Tracks: others})
	if len(spans) == 0 {
		return nil, ""
	}
	what := "track"
	if len(others) > 1 {
		what = "tracks"
	}
	return spans, fmt.Sprintf("chords estimated a beat at a time from %s %s", what, strings.Join(names, ", "))
}

// readChords sets the "chords" condition of x, the window of f from step start, to the
// chords under it (FileChords), and says where they came from in x.Where; a window with
// no chord under it gets none.
func readChords(f *midi.File, name string, opt midi.ExtractOptions, shift int64, start int, x *domain.Example) {
	m, ok := x.Value.(midi.Melody)
	if !ok {
		return
	}
	spans, from := FileChords(f, name, opt, shift)
	in := midi.ChordsIn(spans, start, len(m))
	if !slices.ContainsFunc(in, func(sp midi.ChordSpan) bool { return sp.Chord.Kind != midi.NoChord }) {
		return
	}
	x.Conditions = x.Conditions.With(domain.Conditions{ChordsCondition: midi.FormatProgression(in, midi.Meter{})})
	x.Where += ", " + from
}

// scoreChords are the chords of melodies written one after another with a bar of rest
// between them (Write's scores): each melody's "chords" condition from its first step,
// none over the rests and over melodies without.
func scoreChords(xs []domain.Example, ms []midi.Melody) []midi.ChordSpan {
	var out []midi.ChordSpan
	at := 0
	for i, x := range xs {
		if text := x.Conditions[ChordsCondition]; text != "" {
			if spans, err := midi.ParseProgression(text, midi.Meter{}); err == nil {
				for _, sp := range midi.ChordsIn(spans, 0, len(ms[i])) {
					out = append(out, midi.ChordSpan{Start: at + sp.Start, End: at + sp.End, Chord: sp.Chord})
				}
			}
		}
		at += len(ms[i]) + midi.StepsPerBar
	}
	return out
}

// evalChords is Eval for a model that reads chords: the windows of the split with their
// annotated chords (datasets.LoadChordMelodies: the windows Eval scores a model without
// chords on, from the files with annotations), scored under them.
func evalChords(ctx context.Context, m *domain.Model, dir, split, what string, opt datasets.MelodyOptions, o domain.DataOptions, w io.Writer) error {
	if opt.AnyMeter {
		return domain.Inputf("--any-meter: %s reads 2-bar windows of 4/4 with their chords only", m.Meta.Model)
	}
	corpus, err := datasets.LoadChordMelodies(ctx, dir, opt)
	if err != nil {
		return err
	}
	windows, chords := corpus.Train, corpus.TrainChords
	if split == "validation" {
		windows, chords = corpus.Validation, corpus.ValidationChords
	}
	if o.Limit > 0 && o.Limit < len(windows) {
		windows, chords = windows[:o.Limit], chords[:o.Limit]
	}
	if len(windows) == 0 {
		return fmt.Errorf("%s: no 2-bar windows with chords in the %s split (%d files, %d skipped: %s needs chord annotations beside the files, as POP909's annotations/NNN/chord_midi.txt)", dir, split, len(corpus.Files), len(corpus.Skipped), m.Meta.Model)
	}
	s, err := ScoreChords(ctx, m, windows, chords, o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore("neg_elbo", s["loss"]); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s (%s, track %q, under the annotated chords)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, what, opt.Track, len(corpus.Files), len(corpus.Skipped), len(windows))
	writeScore(w, s)
	return nil
}

var _ domain.Keyed = Domain{}

// ToKey moves each melody to key by the transposition from the key its notes suggest
// (midi.EstimateKey) to key, from -6 to +5 semitones (midi.Key.ShiftTo: a melody in a minor
// key goes to the relative minor of a major key asked for), an octave the other way where
// a note would leave the piano range; its chords move with it.
func (Domain) ToKey(xs []domain.Example, key string) ([]domain.Example, error) {
	k, err := midi.ParseKey(key)
	if err != nil {
		return nil, domain.Inputf("--key %q: %v", key, err)
	}
	out := make([]domain.Example, len(xs))
	for i, x := range xs {
		m, err := Melody(x)
		if err != nil {
			return nil, err
		}
		d := midi.EstimateKey(m).ShiftTo(k)
		t, ok := datasets.Transpose(m, d)
		if !ok {
			if d > 0 {
				d -= 12
			} else {
				d += 12
			}
			if t, ok = datasets.Transpose(m, d); !ok {
				return nil, domain.Inputf("--key %s: melody %d spans too wide a range to move there within the piano's", key, i+1)
			}
		}
		out[i] = x
		out[i].Value = t
		if text := x.Conditions[ChordsCondition]; text != "" {
			spans, err := midi.ParseProgression(text, midi.Meter{})
			if err != nil {
				return nil, domain.Inputf("melody %d: %v", i+1, err)
			}
			for j := range spans {
				spans[j].Chord = spans[j].Chord.Transpose(d)
			}
			out[i].Conditions = x.Conditions.With(domain.Conditions{ChordsCondition: midi.FormatProgression(spans, midi.Meter{})})
		}
	}
	return out, nil
}
