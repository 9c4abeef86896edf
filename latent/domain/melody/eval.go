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
		// MusicVAE's inverse-sigmoid schedule: the decoder is teacher-forced with
		// probability k/(k+exp(step/k)), and otherwise reads its own sample.
		t.BeforeStep = func(step int, rng *rand.Rand) {
			dec.SampleProb = 1 - k/(k+math.Exp(math.Min(float64(step)/k, 700)))
			dec.Rng = rng
		}
	}
	t.Validate = func() (map[string]float64, error) {
		s, _, err := ScoreExamples(context.Background(), m, valid, nil, o.Seed)
		return s, err
	}
	return nil
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

// ScoreExamples is ScoreBy for windows as examples, each read in its own meter
// (Example.Conditions) by a model of every meter.
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
				ta.Add(w, toMelody(greedy[i]))
				ta.TeacherForced += tf[i]
				ta.Sampled += hits
			}
		}
		r, k := m.VAE.Score(b, rng)
		for i := range r {
			rec += r[i]
			kl += k[i]
		}
	}
	n := float64(len(xs))
	return map[string]float64{"accuracy": all.Accuracy(), "onset_accuracy": all.OnsetAccuracy(), "exact_windows": all.ExactShare(),
		"hold_baseline": all.HoldBaseline(), "teacher_forced": all.TeacherForcedAccuracy(), "sampled": all.SampledAccuracy(),
		"reconstruction": rec / n, "kl": kl / n, "loss": (rec + kl) / n}, by, nil
}

func toMelody(seq []int32) midi.Melody {
	r := make(midi.Melody, len(seq))
	for t, c := range seq {
		r[t] = int(c)
	}
	return r
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
	own := takesMeter(m)
	opt := datasets.MelodyOptions{Track: o.Track, AlignGrid: true, AnyMeter: o.AnyMeter, OwnMeter: own}
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
	s, by, err := ScoreExamples(ctx, m, xs, labels, o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore("neg_elbo", s["loss"]); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s (%s, track %q)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, what, opt.Track, len(corpus.Files), len(corpus.Skipped), len(windows))
	fmt.Fprintf(w, "accuracy %.4f fraction\nonset_accuracy %.4f fraction\nexact_windows %.4f fraction\nhold_baseline %.4f fraction\n"+
		"teacher_forced %.4f fraction\nsampled %.4f fraction (temperature 1, --seed %d)\n"+
		"reconstruction %.3f nats\nkl %.3f nats\nneg_elbo %.3f nats\n",
		s["accuracy"], s["onset_accuracy"], s["exact_windows"], s["hold_baseline"], s["teacher_forced"], s["sampled"], o.Seed, s["reconstruction"], s["kl"], s["loss"])
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
