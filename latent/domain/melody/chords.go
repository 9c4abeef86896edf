package melody

// Chords: the "chords" condition of the melody domain and its model mel2-chords, which
// reads the chord at each step as the one-hot of its triad class (midi.TriadClasses, 49
// control features) in its encoder and its decoder, as MusicVAE's
// cat-mel_2bar_med_chords does.

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
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
	Name:    ChordsCondition,
	Example: "C Am F G",
	Usage:   `the chord progression, a chord a bar unless a duration in beats follows a star: "C Am F G", "C*2 G*2 Am F"; @FILE reads it from a text file (mel2-chords)`,
}

// trainChords readies t to train m, a model that reads chords, on the MIDI files of o.Dir
// with their chord annotations (datasets.LoadChordMelodies): the windows of Train, each
// with the triad class of its chord at each step, transposed with its chords ±5 semitones
// at each draw, the decoder scored on a share of the windows (keyFree) in a second such transposition of
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
	// The decoder reconstructs a share (keyFree) of the windows in another key than the encoder read them
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
		t.BeforeStep = dec.Schedule(k) // MusicVAE's inverse-sigmoid schedule
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
// lost z's pitches: reconstruction accuracy fell to 0.73, onsets to 0.27. With half, the
// samples had 77% (POP909's own melodies: 70%) and accuracy 0.858; the shipped mel2-chords
// was trained last with a quarter: 73% and 0.934 (mel2-tiny: 0.909).
const keyFree = 0.25

// ScoreChords is Score for a model that reads chords: windows[i] under chords[i], a
// triad class per step, encoded and decoded as every conditioned model is (BatchFor).
func ScoreChords(ctx context.Context, m *domain.Model, windows []midi.Melody, chords [][]int8, seed uint64) (map[string]float64, error) {
	xs := make([]domain.Example, len(windows))
	for i, w := range windows {
		xs[i] = domain.Example{Value: w, Conditions: domain.Conditions{ChordsCondition: chordText(chords[i])}}
	}
	s, _, err := ScoreExamples(ctx, m, xs, nil, seed)
	return s, err
}

// chordClasses reads a progression's text (midi.ParseProgression, in bars of meter, 4/4
// for the zero Meter) as the triad class of each of its steps, rounded up to whole bars
// (the steps past its last chord have none), and its text as FormatProgression writes it.
func chordClasses(text string, meter midi.Meter) ([]int8, string, error) {
	spans, err := midi.ParseProgression(text, meter)
	if err != nil {
		return nil, "", domain.Inputf("--%s %q: %v", ChordsCondition, text, err)
	}
	bar := midi.StepsPerBar
	if meter.Den > 0 {
		bar = meter.StepsPerBar()
	}
	steps := (spans[len(spans)-1].End + bar - 1) / bar * bar
	out := make([]int8, steps)
	for i, c := range midi.ChordsPerStep(spans, 0, steps) {
		class, _ := c.NearTriad()
		out[i] = int8(class)
	}
	return out, midi.FormatProgression(spans, meter), nil
}

// chordText writes a triad class per step (datasets.ChordCorpus's) as the chords
// condition's text, in 4/4: "C Am F G".
func chordText(classes []int8) string {
	var spans []midi.ChordSpan
	for t, class := range classes {
		c, _ := midi.TriadChord(int(class))
		if n := len(spans); n > 0 && spans[n-1].Chord == c && spans[n-1].End == t {
			spans[n-1].End = t + 1
			continue
		}
		spans = append(spans, midi.ChordSpan{Start: t, End: t + 1, Chord: c})
	}
	return midi.FormatProgression(spans, midi.Meter{})
}

// chordMeter is the meter x's chords are written in: that of its meter condition's first
// bar (4/4 without one; a progression counts bars of one meter).
func chordMeter(x domain.Example) midi.Meter {
	ms, _, err := meterOf(x)
	if err != nil || len(ms) == 0 {
		return midi.Meter{}
	}
	return midi.Meter{Num: ms[0].Num, Den: ms[0].Den}
}

// chordControls writes the chords' controls of the first n steps of x's melody: at each
// step the one-hot of its chord's triad class (midi.TriadClasses; class 0, no chord, past
// the progression's end).
func chordControls(dst []float32, x domain.Example, n int) error {
	text, ok := x.Conditions[ChordsCondition]
	if !ok {
		return domain.Inputf("%s: %s has no chords (--%s)", x.Source, defaultWhere(x), ChordsCondition)
	}
	classes, _, err := chordClasses(text, chordMeter(x))
	if err != nil {
		return err
	}
	for t := range n {
		class := 0
		if t < len(classes) {
			class = int(classes[t])
		}
		dst[t*rnn.ChordsControls+class] = 1
	}
	return nil
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

// FileKey is the key of the melody m of f under chords, the chords FileChords found and
// where they came from: f's key signature, else the key estimated from m and chords
// (midi.File.Key); and where it came from, for people: "its key signature", "estimated
// from the notes", "estimated from the notes and chords from annotations/001/chord_midi.txt".
func FileKey(f *midi.File, m midi.Melody, chords []midi.ChordSpan, chordsFrom string) (midi.Key, midi.KeySource, string) {
	k, from := f.Key(m, chords)
	how := from.String()
	if from == midi.KeyFromNotesAndChords {
		how = "estimated from the notes and " + chordsFrom
	}
	return k, from, how
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
	if !midi.HasChords(in) {
		return
	}
	x.Conditions = x.Conditions.With(domain.Conditions{ChordsCondition: midi.FormatProgression(in, chordMeter(*x))})
	x.Where += ", " + from
}

// scoreChords are the chords of melodies written one after another, melody i from step
// starts[i] (Write's sequence, a bar of rest between them): each melody's "chords"
// condition from its first step, none over the rests and over melodies without.
func scoreChords(xs []domain.Example, ms []midi.Melody, starts []int) []midi.ChordSpan {
	var out []midi.ChordSpan
	for i, x := range xs {
		for _, sp := range exampleChords(x, len(ms[i])) {
			out = append(out, midi.ChordSpan{Start: starts[i] + sp.Start, End: starts[i] + sp.End, Chord: sp.Chord})
		}
	}
	return out
}

// exampleChords are the chords of x's "chords" condition over its first steps steps, in
// its meter; none where it has none (or one that does not parse, which decoding refused).
func exampleChords(x domain.Example, steps int) []midi.ChordSpan {
	text := x.Conditions[ChordsCondition]
	if text == "" {
		return nil
	}
	spans, err := midi.ParseProgression(text, chordMeter(x))
	if err != nil {
		return nil
	}
	return midi.ChordsIn(spans, 0, steps)
}

// KeyCondition is the name under which a melody carries the key it was moved to (ToKey,
// --key) in Example.Conditions, as midi.Key.String writes it ("D major", "B minor"). No
// model takes it (domain.Model.ConditionsOf leaves it out): Write gives it as the key
// signature of the MIDI file and the score, where the key would otherwise be estimated.
const KeyCondition = "key"

// scoreKey is the key of melodies written one after another as all, under chords (Write's
// sequence): the key they were moved to (KeyCondition), else the key their notes and
// chords suggest (midi.EstimateKeyWithChords, the notes' alone without chords); given
// says it was the first. Melodies moved to one key signature in both modes (a major and a
// minor melody moved to D: D major, B minor) take the signature in the mode of the
// estimate.
func scoreKey(xs []domain.Example, all midi.Melody, chords []midi.ChordSpan) (k midi.Key, given bool) {
	est := midi.EstimateKeyWithChords(all, chords)
	for i, x := range xs {
		xk, err := midi.ParseKey(x.Conditions[KeyCondition])
		if err != nil || i > 0 && xk.Fifths != k.Fifths {
			return est, false // not moved, or moved to different keys
		}
		if i > 0 && xk.Minor != k.Minor {
			xk.Minor = est.Minor
		}
		k = xk
	}
	if len(xs) == 0 {
		return est, false
	}
	return k, true
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
	writeScore(w, s, o.Seed)
	return nil
}

var _ domain.Keyed = Domain{}

// ToKey moves each melody to key by the transposition from the key its notes and chords
// suggest (midi.EstimateKeyWithChords; its notes' alone without chords) to key, from -6
// to +5 semitones (midi.Key.ShiftTo: a melody in a minor key goes to the relative minor of
// a major key asked for), an octave the other way where a note would leave the piano
// range; its chords move with it. Each carries the key it is then in under KeyCondition
// (key's signature in the melody's mode: B minor for a minor melody moved to D), which
// Write writes as its key signature.
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
		est := midi.EstimateKeyWithChords(m, exampleChords(x, len(m)))
		d := est.ShiftTo(k)
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
		moved := midi.Key{Fifths: k.Fifths, Minor: est.Minor}
		out[i].Conditions = out[i].Conditions.With(domain.Conditions{KeyCondition: moved.String()})
	}
	return out, nil
}
