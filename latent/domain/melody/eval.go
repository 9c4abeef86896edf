package melody

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"

	"musae/datasets"
	"musae/latent/domain"
	"musae/latent/domain/internal/seq"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// evalWindows is how many validation windows the per-epoch check scores, as the PyTorch
// peer's --eval-n does.
const evalWindows = 2000

// Train readies t to train m on the MIDI files of o.Dir (and of o.More, each corpus split
// into training and validation files apart): MusicVAE's windows of 2 bars of 4/4 (hop 1
// bar) for a model of 4/4 windows, or for a model of every meter the windows of each
// file's own meter (midi.File.OwnWindows) with their meters as controls; transposed ±5
// semitones at each draw, scored on up to 2,000 validation windows (shared between the
// corpora) after each epoch; with o.SamplingRate, scheduled sampling.
func (Domain) Train(t *models.Trainer, m *domain.Model, o domain.TrainOptions) error {
	if o.Dir == "" {
		return domain.Inputf("say where the MIDI files are: --data DIR (for example ../shared/data/melodies/pop909 with --track MELODY)")
	}
	cs, err := takes(m)
	if err != nil {
		return err
	}
	if len(cs) > 1 {
		// The corpora give windows in their own meter, or windows of 4/4 with annotated
		// chords: not yet both.
		return domain.Inputf("%s takes %s: training a melody model of several conditions needs a corpus that gives them all, which musae does not read yet", m.Meta.Model, names(cs))
	}
	if takesChords(m) {
		return trainChords(t, m, o)
	}
	dec, err := decoder(m)
	if err != nil {
		return err
	}
	own := takesMeter(m)
	corpora := append([]domain.Corpus{{Dir: o.Dir, Track: o.Track}}, o.More...)
	var (
		train  []midi.Melody
		meters [][]midi.Meter
		valid  []domain.Example
		about  []string
		files  int
	)
	for _, c := range corpora {
		corpus, err := datasets.LoadMelodies(c.Dir, datasets.MelodyOptions{Track: c.Track, AlignGrid: true, OwnMeter: own})
		if err != nil {
			return err
		}
		if len(corpus.Validation) == 0 {
			return fmt.Errorf("%s: no validation windows (%d files gave windows); the corpus is too small to train on", c.Dir, len(corpus.Files))
		}
		n := 0
		for i, w := range corpus.Train {
			if len(w) > dec.Steps {
				continue
			}
			train = append(train, w)
			if own {
				meters = append(meters, corpus.TrainWindowMeters[i])
			}
			n++
		}
		k := 0
		for i, w := range corpus.Validation {
			if k >= evalWindows/len(corpora) {
				break
			}
			if len(w) > dec.Steps {
				continue
			}
			x := domain.Example{Value: w, Source: c.Dir}
			if own {
				x.Conditions = domain.Conditions{MeterCondition: MeterText(corpus.ValidationWindowMeters[i])}
			}
			valid = append(valid, x)
			k++
		}
		fmt.Fprintf(t.Progress, "corpus %s: %d files, %d skipped, %d training and %d validation windows\n",
			c.Dir, len(corpus.Files), len(corpus.Skipped), n, len(corpus.Validation))
		abs, _ := filepath.Abs(c.Dir)
		about = append(about, fmt.Sprintf("%s (%d windows from %d files, track %q)", filepath.Base(abs), n, len(corpus.Files), c.Track))
		files += len(corpus.Files)
	}
	if o.Limit > 0 && o.Limit < len(train) {
		train = train[:o.Limit]
		if own {
			meters = meters[:o.Limit]
		}
	}
	abs, _ := filepath.Abs(o.Dir)
	set := datasets.MelodySet{Windows: train, MaxTranspose: datasets.MusicVAETranspose}
	what := "2 bars"
	if own {
		set.Meters, what = meters, "each file's own meter"
	}
	t.Data = set
	t.Shape = [3]int{dec.Steps, midi.NumClasses, 1}
	if len(corpora) == 1 {
		t.Meta.Dataset = fmt.Sprintf("%s (%d training windows of %s from %d files, track %q, transposed ±%d)", filepath.Base(abs), len(train), what, files, o.Track, datasets.MusicVAETranspose)
	} else {
		t.Meta.Dataset = fmt.Sprintf("%d training windows of %s from %s, transposed ±%d", len(train), what, strings.Join(about, ", "), datasets.MusicVAETranspose)
	}
	t.Meta.Data, t.Meta.Track = abs, o.Track
	t.Meta.SamplingRate = o.SamplingRate
	if k := o.SamplingRate; k > 0 {
		t.BeforeStep = dec.Schedule(k) // MusicVAE's inverse-sigmoid schedule
	}
	t.Validate = func() (map[string]float64, error) {
		s, _, err := ScoreExamples(context.Background(), m, valid, nil, o.Seed)
		return s, err
	}
	if task := cmp.Or(o.Task, m.Meta.Task); task != "" {
		if !slices.Contains(datasets.MelodyTasks, task) {
			return domain.Inputf("--task %q: for melodies, want %s", task, strings.Join(datasets.MelodyTasks, " or "))
		}
		if own {
			return domain.Inputf("--task %s trains a model of 4/4 windows without conditions (as mel2-tiny); %s takes the meter", task, m.Meta.Model)
		}
		windows := make([]midi.Melody, len(valid))
		for i, x := range valid {
			windows[i] = x.Value.(midi.Melody)
		}
		t.Data = datasets.RestoreSet{MelodySet: datasets.MelodySet{Windows: train, MaxTranspose: datasets.MusicVAETranspose}, Task: task}
		t.Meta.Task = task
		t.Meta.Dataset += ", inputs damaged for " + task
		t.Validate = func() (map[string]float64, error) {
			f, _, err := ScoreTask(context.Background(), m, task, windows, o.Seed, Decoding{})
			return f, err
		}
	}
	return nil
}

// Transforms are the melody tasks of the autoencoder lesson, each done by a model trained
// for it (train --task) on whole files.
func (Domain) Transforms() []domain.Transform {
	task := func(name, builtin, short string) domain.Transform {
		return domain.Transform{Name: name, Builtin: builtin, Short: short, Task: true, Whole: true, Long: strings.ToUpper(short[:1]) + short[1:] + `.
The melody of the whole file (the most melodic track, or --track) goes, 2-bar window by
window, through a model trained to map damaged windows to clean ones, decoded from z = mu
greedily (--temperature samples each step); windows with no notes stay as they are. The
file must be in 4/4 (or a meter whose bar divides it) throughout.`}
	}
	return []domain.Transform{
		task(datasets.TaskDenoise, "mel2-denoise", "repair wrong and missing notes and sloppy timing"),
		task(datasets.TaskElaborate, "mel2-elaborate", "turn a melody in quarter notes into a 16th-note line"),
	}
}

// checkTask refuses a name that is not one of the melody tasks.
func checkTask(name string) error {
	if !slices.Contains(datasets.MelodyTasks, name) {
		return fmt.Errorf("%w: melodies have no task %q (%s)", domain.ErrUnsupported, name, strings.Join(datasets.MelodyTasks, ", "))
	}
	return nil
}

// Decoding says how a model of a task decodes from z = mu: sampling each step at
// Temperature when above 0; else greedily, except that with Keep above 0 a step keeps the
// damaged input's class wherever the model finds it at least Keep times as likely as its
// most likely class (a denoiser then changes what it finds wrong and copies the rest).
type Decoding struct {
	Temperature, Keep float64
}

// DenoiseKeep is the denoiser's Keep, chosen on 1,000 POP909 training windows with the
// built-in mel2-denoise's first run: the share of steps equal to the clean window's was
// 0.876 at 0.1 (0.875 at 0.03, 0.860 at 0.3, 0.788 greedy; 0.863 for the damaged input).
const DenoiseKeep = 0.1

// TaskDecoding is how the task's verb decodes at a temperature: TaskDenoise keeps the
// input where the model agrees (DenoiseKeep) unless sampling.
func TaskDecoding(task string, temperature float64) Decoding {
	if task == datasets.TaskDenoise && temperature == 0 {
		return Decoding{Keep: DenoiseKeep}
	}
	return Decoding{Temperature: temperature}
}

// decodeTask decodes the latents mu [len(ins), Z] of the damaged inputs ins as how says,
// sampling with rng.
func decodeTask(dec *rnn.Decoder, mu []float32, ins []midi.Melody, how Decoding, rng *rand.Rand) []midi.Melody {
	var seqs [][]int32
	switch {
	case how.Temperature > 0:
		seqs = dec.Generate(mu, len(ins), how.Temperature, rng)
	case how.Keep > 0:
		lk := float32(math.Log(how.Keep))
		seqs = dec.GenerateBy(mu, len(ins), func(t, i int, logits []float32) int32 {
			best := 0
			for j, v := range logits {
				if v > logits[best] {
					best = j
				}
			}
			if c := ins[i][t]; c >= 0 && c < len(logits) && logits[c]-logits[best] >= lk {
				return int32(c)
			}
			return int32(best)
		})
	default:
		seqs = dec.Generate(mu, len(ins), 0, nil)
	}
	out := make([]midi.Melody, len(seqs))
	for i, s := range seqs {
		out[i] = seq.Steps[midi.Melody](s)
	}
	return out
}

// ScoreTask runs m, a model of task, on windows damaged as its training damaged them (the
// damage drawn from seed) and returns datasets.RestoreScore's figures of its outputs from
// z = mu, decoded as how says (sampling from seed), the same figures of the damaged inputs left as they are (prefixed
// "input_"), and the mean single-sample reconstruction and KL terms in nats of the clean
// windows given the damaged ones. The score of the outputs is returned too.
func ScoreTask(ctx context.Context, m *domain.Model, task string, windows []midi.Melody, seed uint64, how Decoding) (map[string]float64, *datasets.RestoreScore, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, nil, err
	}
	drng := rand.New(rand.NewPCG(seed, 0x646d67)) // "dmg"
	rng := rand.New(rand.NewPCG(seed, 0x65766c))
	srng := rand.New(rand.NewPCG(seed, 0x736d70)) // "smp"
	var score, base datasets.RestoreScore
	var rec, kl float64
	for from := 0; from < len(windows); from += domain.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		ws := windows[from:min(from+domain.BatchSize, len(windows))]
		ins := make([]midi.Melody, len(ws))
		dmgs := make([][]datasets.Damage, len(ws))
		for i, w := range ws {
			if ins[i], dmgs[i], err = datasets.Damaged(task, w, drng); err != nil {
				return nil, nil, err
			}
		}
		b := datasets.RestoreBatch(ins, ws)
		mu, _ := m.VAE.Enc.Encode(b, false)
		for i, out := range decodeTask(dec, mu, ins, how, srng) {
			score.Add(ws[i], ins[i], out, dmgs[i])
			base.Add(ws[i], ins[i], ins[i], dmgs[i])
		}
		m.VAE.AddScore(b, rng, &rec, &kl)
	}
	f := score.Figures()
	for k, v := range base.Figures() {
		switch k {
		case "restored", "kept", "skeleton_kept", "step_accuracy", "note_f1":
			f["input_"+k] = v
		}
	}
	n := float64(len(windows))
	f["reconstruction"], f["kl"], f["loss"] = rec/n, kl/n, (rec+kl)/n
	return f, &score, nil
}

// Score returns the greedy reconstruction accuracy from z = mu ("accuracy"), beside it
// the accuracy on note-onset steps ("onset_accuracy"), the share of windows reconstructed
// exactly ("exact_windows") and the all-hold baseline of the same windows
// ("hold_baseline"; see midi.ReconstructionScore), MusicVAE's Table 1 pair from z = mu
// (the per-step accuracy teacher-forced, "teacher_forced", and sampled at temperature 1,
// "sampled"), and the mean single-sample reconstruction and KL terms in nats
// ("reconstruction", "kl", "loss") of 4/4 windows, with the posterior noise and the
// samples drawn from seed; it stops when ctx is done.
func Score(ctx context.Context, m *domain.Model, windows []midi.Melody, seed uint64) (map[string]float64, error) {
	s, _, err := ScoreBy(ctx, m, windows, nil, seed)
	return s, err
}

// Tally is the figures of Score for some windows: their reconstruction score and the
// steps that teacher-forced and sampled decoding get right.
type Tally struct {
	midi.ReconstructionScore
	TeacherForced, Sampled int
}

// TeacherForcedAccuracy and SampledAccuracy are MusicVAE's Table 1 pair.
func (t *Tally) TeacherForcedAccuracy() float64 { return frac(t.TeacherForced, t.Steps) }
func (t *Tally) SampledAccuracy() float64       { return frac(t.Sampled, t.Steps) }

func frac(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

// ScoreBy is Score that also scores the windows of each label apart, for labels[i] the
// label of windows[i] (nil: none), such as the meter of the file each came from.
func ScoreBy(ctx context.Context, m *domain.Model, windows []midi.Melody, labels []string, seed uint64) (map[string]float64, map[string]*Tally, error) {
	xs := make([]domain.Example, len(windows))
	for i, w := range windows {
		xs[i] = domain.Example{Value: w}
	}
	return ScoreExamples(ctx, m, xs, labels, seed)
}

// ScoreExamples is ScoreBy for windows as examples, each read under its own conditions
// (Example.Conditions: its meter, its chords) by a model that takes them.
func ScoreExamples(ctx context.Context, m *domain.Model, xs []domain.Example, labels []string, seed uint64) (map[string]float64, map[string]*Tally, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, nil, err
	}
	ms, err := melodies(xs)
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x65766c))
	hot := rand.New(rand.NewPCG(seed, 0x736d70))
	var all Tally
	by := map[string]*Tally{}
	var rec, kl float64
	for from := 0; from < len(xs); from += domain.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		to := min(from+domain.BatchSize, len(xs))
		b, err := Domain{}.BatchFor(m, xs[from:to])
		if err != nil {
			return nil, nil, err
		}
		mu, _ := m.VAE.Enc.Encode(b, false)
		mu = slices.Clone(mu)
		greedy := dec.GenerateFor(mu, b, 0, nil)
		sampled := dec.GenerateFor(mu, b, 1, hot)
		tf := dec.TeacherForcedHits(mu, b)
		for i := range greedy {
			w := ms[from+i]
			tallies := []*Tally{&all}
			if labels != nil {
				l := labels[from+i]
				if by[l] == nil {
					by[l] = &Tally{}
				}
				tallies = append(tallies, by[l])
			}
			hits := 0
			for t, c := range sampled[i] {
				if t < len(w) && int(c) == w[t] {
					hits++
				}
			}
			for _, ta := range tallies {
				ta.Add(w, seq.Steps[midi.Melody](greedy[i]))
				ta.TeacherForced += tf[i]
				ta.Sampled += hits
			}
		}
		m.VAE.AddScore(b, rng, &rec, &kl)
	}
	n := float64(len(xs))
	return map[string]float64{"accuracy": all.Accuracy(), "onset_accuracy": all.OnsetAccuracy(), "exact_windows": all.ExactShare(),
		"hold_baseline": all.HoldBaseline(), "teacher_forced": all.TeacherForcedAccuracy(), "sampled": all.SampledAccuracy(),
		"reconstruction": rec / n, "kl": kl / n, "loss": (rec + kl) / n}, by, nil
}

// fileMeters labels each window of the split's files with its file's meters ("6/8",
// "6/8+4/4" for a file that changes meter), in the order of corpus.Train or Validation.
func fileMeters(corpus *datasets.MelodyCorpus, validation bool) []string {
	var labels []string
	for _, f := range corpus.Files {
		if f.Validation != validation {
			continue
		}
		label := "?"
		if mf, err := midi.ReadFile(filepath.Join(corpus.Dir, filepath.FromSlash(f.Path))); err == nil {
			var names []string
			for _, mt := range mf.Meters() {
				if s := mt.String(); !slices.Contains(names, s) {
					names = append(names, s)
				}
			}
			label = strings.Join(names, "+")
		}
		for range f.Windows {
			labels = append(labels, label)
		}
	}
	return labels
}

// Eval scores m's greedy reconstruction on the windows of o.Dir (by default the folder m
// was trained on): o.Split "validation" (the default: the files training holds out),
// "train" or "all"; with o.AnyMeter, files in every meter. It writes the figures of
// ScoreBy, in all and by the meter of the files the windows come from.
func (Domain) Eval(ctx context.Context, m *domain.Model, o domain.DataOptions, w io.Writer) error {
	data, err := m.EvalData(o, "melodies", "melodies")
	if err != nil {
		return err
	}
	dir, split, trainedOn := data.Dir, data.Split, data.TrainedOn
	own := takesMeter(m)
	opt := datasets.MelodyOptions{Track: data.Track, AlignGrid: true, AnyMeter: o.AnyMeter, OwnMeter: own}
	var what string
	switch split {
	case "validation":
		what = fmt.Sprintf("validation split: the %g%% of files that training holds out", 100*datasets.DefaultValidationShare)
		if !trainedOn {
			on := m.Meta.Data
			if on == "" {
				on = "another folder"
			}
			what += fmt.Sprintf(" (%s trained on %s)", m.Meta.Model, on)
		}
	case "train":
		what = "train split: the files that training learns from"
	case "all":
		what = "all files"
		opt.ValidationShare = -1
	}
	if takesChords(m) {
		return evalChords(ctx, m, dir, split, what, opt, o, w)
	}
	corpus, err := datasets.LoadMelodiesContext(ctx, dir, opt)
	if err != nil {
		return err
	}
	windows, wms, labels := corpus.Train, corpus.TrainWindowMeters, corpus.TrainMeters
	if split == "validation" {
		windows, wms, labels = corpus.Validation, corpus.ValidationWindowMeters, corpus.ValidationMeters
	}
	if !own {
		// A model of 4/4 windows: by the meters of the files its windows come from.
		labels = fileMeters(corpus, split == "validation")
	}
	if o.Limit > 0 && o.Limit < len(windows) {
		windows, labels = windows[:o.Limit], labels[:o.Limit]
	}
	xs := make([]domain.Example, len(windows))
	for i, w := range windows {
		xs[i] = domain.Example{Value: w, Source: dir}
		if own {
			xs[i].Conditions = domain.Conditions{MeterCondition: MeterText(wms[i])}
		}
	}
	if len(windows) == 0 {
		if split != "all" {
			return fmt.Errorf("%s: no 2-bar windows in the %s split (%d files, %d skipped); --split all scores every file", dir, split, len(corpus.Files), len(corpus.Skipped))
		}
		return fmt.Errorf("%s: no 2-bar windows to score (%d files skipped)", dir, len(corpus.Skipped))
	}
	if m.Meta.Task != "" {
		fmt.Fprintf(w, "data %s (%s, track %q)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, what, opt.Track, len(corpus.Files), len(corpus.Skipped), len(windows))
		return writeTaskFigures(ctx, m, windows, o.Seed, w)
	}
	s, by, err := ScoreExamples(ctx, m, xs, labels, o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore("neg_elbo", s["loss"]); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s (%s, track %q)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, what, opt.Track, len(corpus.Files), len(corpus.Skipped), len(windows))
	writeScore(w, s, o.Seed)
	// The same by the meter of the files the windows come from.
	meters := make([]string, 0, len(by))
	for l := range by {
		meters = append(meters, l)
	}
	slices.SortFunc(meters, func(a, b string) int { return cmp.Or(cmp.Compare(by[b].Windows, by[a].Windows), strings.Compare(a, b)) })
	for _, l := range meters {
		sc := by[l]
		fmt.Fprintf(w, "meter %s windows %d accuracy %.4f onset_accuracy %.4f exact_windows %.4f hold_baseline %.4f teacher_forced %.4f sampled %.4f\n",
			l, sc.Windows, sc.Accuracy(), sc.OnsetAccuracy(), sc.ExactShare(), sc.HoldBaseline(), sc.TeacherForcedAccuracy(), sc.SampledAccuracy())
	}
	return nil
}

// writeTaskFigures writes ScoreTask's figures of m, a model of a melody task, on windows:
// the model's outputs beside the damaged inputs left as they are.
func writeTaskFigures(ctx context.Context, m *domain.Model, windows []midi.Melody, seed uint64, w io.Writer) error {
	f, _, err := ScoreTask(ctx, m, m.Meta.Task, windows, seed, Decoding{})
	if err != nil {
		return err
	}
	temp := New().Info().Temperature
	ft, _, err := ScoreTask(ctx, m, m.Meta.Task, windows, seed, Decoding{Temperature: temp})
	if err != nil {
		return err
	}
	if err := m.CheckScore("neg_elbo", f["loss"]); err != nil {
		return err
	}
	switch m.Meta.Task {
	case datasets.TaskDenoise:
		fmt.Fprintf(w, "task %s (inputs damaged with seed %d, as training damaged them; greedy decoding from z = mu)\n", m.Meta.Task, seed)
		c := datasets.DefaultCorruption
		fmt.Fprintf(w, "damage each note deleted %.2f, else shifted ±1–2 semitones %.2f, onset moved a 16th %.2f\n", c.Delete, c.Shift, c.Jitter)
		fmt.Fprintf(w, "damaged_notes %.0f notes\nrestored %.4f fraction (damaged notes the output plays again: pitch and onset)\ninput_restored %.4f fraction (the damaged input left as it is)\n"+
			"restored_deleted %.4f fraction\nrestored_shifted %.4f fraction\nrestored_moved %.4f fraction\n"+
			"kept %.4f fraction (undamaged notes the output keeps)\ninput_kept %.4f fraction\n",
			f["damaged_notes"], f["restored"], f["input_restored"], f["restored_deleted"], f["restored_shifted"], f["restored_moved"], f["kept"], f["input_kept"])
	case datasets.TaskElaborate:
		fmt.Fprintf(w, "task %s (inputs: each window's skeleton, the note sounding on each beat; greedy decoding from z = mu)\n", m.Meta.Task)
		fmt.Fprintf(w, "skeleton_notes %.0f notes\nskeleton_kept %.4f fraction (skeleton notes sounding in the output on their beat)\n", f["skeleton_notes_total"], f["skeleton_kept"])
	}
	fmt.Fprintf(w, "step_accuracy %.4f fraction (steps equal to the clean window's)\ninput_step_accuracy %.4f fraction\n"+
		"note_f1 %.4f fraction (onsets of the clean window's pitch at its step)\ninput_note_f1 %.4f fraction\n"+
		"onsets_per_window %.3f notes (outputs)\ninput_onsets_per_window %.3f notes\nclean_onsets_per_window %.3f notes\n"+
		"reconstruction %.3f nats (of the clean window given the damaged one)\nkl %.3f nats\nneg_elbo %.3f nats\n",
		f["step_accuracy"], f["input_step_accuracy"], f["note_f1"], f["input_note_f1"],
		f["onsets_per_window"], f["input_onsets"], f["clean_onsets"], f["reconstruction"], f["kl"], f["loss"])
	if how := TaskDecoding(m.Meta.Task, 0); how.Keep > 0 {
		// The decoding the verb uses: greedy, keeping the input where the model agrees.
		fk, _, err := ScoreTask(ctx, m, m.Meta.Task, windows, seed, how)
		if err != nil {
			return err
		}
		k := fmt.Sprintf("keep%g", how.Keep)
		fmt.Fprintf(w, "%s_restored %.4f fraction (greedy, keeping the input's class where the model gives it at least %g of its best's probability: musae %s's decoding)\n"+
			"%s_restored_deleted %.4f fraction\n%s_restored_shifted %.4f fraction\n%s_restored_moved %.4f fraction\n%s_kept %.4f fraction\n"+
			"%s_step_accuracy %.4f fraction\n%s_note_f1 %.4f fraction\n%s_onsets_per_window %.3f notes\n",
			k, fk["restored"], how.Keep, m.Meta.Task, k, fk["restored_deleted"], k, fk["restored_shifted"], k, fk["restored_moved"], k, fk["kept"],
			k, fk["step_accuracy"], k, fk["note_f1"], k, fk["onsets_per_window"])
	}
	// The same outputs sampled at the domain's temperature (from seed), which commits to
	// notes where greedy decoding holds.
	t := fmt.Sprintf("T%g", temp)
	switch m.Meta.Task {
	case datasets.TaskDenoise:
		fmt.Fprintf(w, "%s_restored %.4f fraction (sampled at temperature %g)\n%s_kept %.4f fraction\n", t, ft["restored"], temp, t, ft["kept"])
	case datasets.TaskElaborate:
		fmt.Fprintf(w, "%s_skeleton_kept %.4f fraction (sampled at temperature %g)\n", t, ft["skeleton_kept"], temp)
	}
	fmt.Fprintf(w, "%s_step_accuracy %.4f fraction\n%s_note_f1 %.4f fraction\n%s_onsets_per_window %.3f notes\n", t, ft["step_accuracy"], t, ft["note_f1"], t, ft["onsets_per_window"])
	return nil
}

// writeScore writes Score's figures, one "name value unit" a line (the samples drawn from
// seed).
func writeScore(w io.Writer, s map[string]float64, seed uint64) {
	fmt.Fprintf(w, "accuracy %.4f fraction\nonset_accuracy %.4f fraction\nexact_windows %.4f fraction\nhold_baseline %.4f fraction\n"+
		"teacher_forced %.4f fraction\nsampled %.4f fraction (temperature 1, --seed %d)\n"+
		"reconstruction %.3f nats\nkl %.3f nats\nneg_elbo %.3f nats\n",
		s["accuracy"], s["onset_accuracy"], s["exact_windows"], s["hold_baseline"], s["teacher_forced"], s["sampled"], seed, s["reconstruction"], s["kl"], s["loss"])
}
