package melody

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"musae/datasets"
	"musae/latent/domain"
	"musae/midi"
	"musae/models"
)

// evalWindows is how many validation windows the per-epoch check scores, as the PyTorch
// peer's --eval-n does.
const evalWindows = 2000

// Train readies t to train m on the MIDI files of o.Dir: MusicVAE's windows of 2 bars (hop
// 1 bar), transposed ±5 semitones at each draw, scored on up to 2,000 validation windows
// after each epoch; with o.SamplingRate, scheduled sampling.
func (Domain) Train(t *models.Trainer, m *domain.Model, o domain.TrainOptions) error {
	if o.Dir == "" {
		return domain.Inputf("say where the MIDI files are: --data DIR (for example ../shared/data/melodies/pop909 with --track MELODY)")
	}
	if takesChords(m) {
		return trainChords(t, m, o)
	}
	corpus, err := datasets.LoadMelodies(o.Dir, datasets.MelodyOptions{Track: o.Track, AlignGrid: true})
	if err != nil {
		return err
	}
	train := corpus.Train
	if o.Limit > 0 && o.Limit < len(train) {
		train = train[:o.Limit]
	}
	if len(corpus.Validation) == 0 {
		return fmt.Errorf("%s: no validation windows (%d files gave windows); the corpus is too small to train on", o.Dir, len(corpus.Files))
	}
	fmt.Fprintf(t.Progress, "corpus %s: %d files, %d skipped, %d training and %d validation windows\n",
		o.Dir, len(corpus.Files), len(corpus.Skipped), len(train), len(corpus.Validation))
	dec, err := decoder(m)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(o.Dir)
	t.Data = datasets.MelodySet{Windows: train, MaxTranspose: datasets.MusicVAETranspose}
	t.Shape = [3]int{midi.WindowSteps, midi.NumClasses, 1}
	t.Meta.Dataset = fmt.Sprintf("%s (%d training windows of 2 bars from %d files, track %q, transposed ±%d)", filepath.Base(abs), len(train), len(corpus.Files), o.Track, datasets.MusicVAETranspose)
	t.Meta.Data, t.Meta.Track = abs, o.Track
	t.Meta.SamplingRate = o.SamplingRate
	if k := o.SamplingRate; k > 0 {
		// MusicVAE's inverse-sigmoid schedule: the decoder is teacher-forced with
		// probability k/(k+exp(step/k)), and otherwise reads its own sample.
		t.BeforeStep = func(step int, rng *rand.Rand) {
			dec.SampleProb = 1 - k/(k+math.Exp(math.Min(float64(step)/k, 700)))
			dec.Rng = rng
		}
	}
	valid := corpus.Validation[:min(evalWindows, len(corpus.Validation))]
	t.Validate = func() (map[string]float64, error) { return Score(context.Background(), m, valid, o.Seed) }
	return nil
}

// Score returns the greedy reconstruction accuracy from z = mu ("accuracy"), beside it
// the accuracy on note-onset steps ("onset_accuracy"), the share of windows reconstructed
// exactly ("exact_windows") and the all-hold baseline of the same windows
// ("hold_baseline"; see midi.ReconstructionScore), and the mean single-sample
// reconstruction and KL terms in nats ("reconstruction", "kl", "loss") of windows, with
// the posterior noise drawn from seed; it stops when ctx is done.
func Score(ctx context.Context, m *domain.Model, windows []midi.Melody, seed uint64) (map[string]float64, error) {
	s, _, err := ScoreBy(ctx, m, windows, nil, seed)
	return s, err
}

// ScoreBy is Score that also scores the windows of each label apart, for labels[i] the
// label of windows[i] (nil: none), such as the meter of the file each came from.
func ScoreBy(ctx context.Context, m *domain.Model, windows []midi.Melody, labels []string, seed uint64) (map[string]float64, map[string]*midi.ReconstructionScore, error) {
	return scoreBatches(ctx, m, windows, labels, seed, func(from, to int) *models.Batch { return datasets.MelodyBatch(windows[from:to]) })
}

// scoreBatches is ScoreBy with the batch of windows[from:to] made by batch (with the
// controls the model reads).
func scoreBatches(ctx context.Context, m *domain.Model, windows []midi.Melody, labels []string, seed uint64, batch func(from, to int) *models.Batch) (map[string]float64, map[string]*midi.ReconstructionScore, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x65766c))
	var score midi.ReconstructionScore
	by := map[string]*midi.ReconstructionScore{}
	var rec, kl float64
	for from := 0; from < len(windows); from += domain.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		to := min(from+domain.BatchSize, len(windows))
		ws := windows[from:to]
		b := batch(from, to)
		mu, _ := m.VAE.Enc.Encode(b, false)
		for i, seq := range dec.GenerateFor(mu, b, 0, nil) {
			r := make(midi.Melody, len(seq))
			for t, c := range seq {
				r[t] = int(c)
			}
			score.Add(ws[i], r)
			if labels != nil {
				l := labels[from+i]
				if by[l] == nil {
					by[l] = &midi.ReconstructionScore{}
				}
				by[l].Add(ws[i], r)
			}
		}
		r, k := m.VAE.Score(b, rng)
		for i := range r {
			rec += r[i]
			kl += k[i]
		}
	}
	n := float64(len(windows))
	return map[string]float64{"accuracy": score.Accuracy(), "onset_accuracy": score.OnsetAccuracy(), "exact_windows": score.ExactShare(),
		"hold_baseline": score.HoldBaseline(), "reconstruction": rec / n, "kl": kl / n, "loss": (rec + kl) / n}, by, nil
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
	dir := o.Dir
	if dir == "" {
		if m.Meta.Data == "" {
			return domain.Inputf("say which melodies to score: --data DIR")
		}
		if _, err := os.Stat(m.Meta.Data); err != nil {
			return domain.Inputf("%s was trained on %s, which is not here; say which melodies to score: --data DIR", m.Meta.Model, m.Meta.Data)
		}
		dir = m.Meta.Data
	}
	split := o.Split
	if split == "" {
		split = "validation"
	}
	// The training folder by any path (relative, through a link) is the training folder.
	trainedOn := false
	if m.Meta.Data != "" {
		a, errA := os.Stat(dir)
		b, errB := os.Stat(m.Meta.Data)
		trainedOn = errA == nil && errB == nil && os.SameFile(a, b)
	}
	opt := datasets.MelodyOptions{Track: o.Track, AlignGrid: true, AnyMeter: o.AnyMeter}
	if trainedOn && o.Track == "" {
		opt.Track = m.Meta.Track
	}
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
	default:
		return domain.Inputf("--split %q: for melodies, want validation, train or all", split)
	}
	if takesChords(m) {
		return evalChords(ctx, m, dir, split, what, opt, o, w)
	}
	corpus, err := datasets.LoadMelodiesContext(ctx, dir, opt)
	if err != nil {
		return err
	}
	windows := corpus.Train
	if split == "validation" {
		windows = corpus.Validation
	}
	labels := fileMeters(corpus, split == "validation")
	if o.Limit > 0 && o.Limit < len(windows) {
		windows, labels = windows[:o.Limit], labels[:o.Limit]
	}
	if len(windows) == 0 {
		if split != "all" {
			return fmt.Errorf("%s: no 2-bar windows in the %s split (%d files, %d skipped); --split all scores every file", dir, split, len(corpus.Files), len(corpus.Skipped))
		}
		return fmt.Errorf("%s: no 2-bar windows to score (%d files skipped)", dir, len(corpus.Skipped))
	}
	s, by, err := ScoreBy(ctx, m, windows, labels, o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore("neg_elbo", s["loss"]); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s (%s, track %q)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, what, opt.Track, len(corpus.Files), len(corpus.Skipped), len(windows))
	writeScore(w, s)
	// The same by the meter of the files the windows come from.
	meters := make([]string, 0, len(by))
	for l := range by {
		meters = append(meters, l)
	}
	slices.SortFunc(meters, func(a, b string) int { return cmp.Or(cmp.Compare(by[b].Windows, by[a].Windows), strings.Compare(a, b)) })
	for _, l := range meters {
		sc := by[l]
		fmt.Fprintf(w, "meter %s windows %d accuracy %.4f onset_accuracy %.4f exact_windows %.4f hold_baseline %.4f\n",
			l, sc.Windows, sc.Accuracy(), sc.OnsetAccuracy(), sc.ExactShare(), sc.HoldBaseline())
	}
	return nil
}

// writeScore writes Score's figures, one "name value unit" a line.
func writeScore(w io.Writer, s map[string]float64) {
	fmt.Fprintf(w, "accuracy %.4f fraction\nonset_accuracy %.4f fraction\nexact_windows %.4f fraction\nhold_baseline %.4f fraction\n"+
		"reconstruction %.3f nats\nkl %.3f nats\nneg_elbo %.3f nats\n",
		s["accuracy"], s["onset_accuracy"], s["exact_windows"], s["hold_baseline"], s["reconstruction"], s["kl"], s["loss"])
}
