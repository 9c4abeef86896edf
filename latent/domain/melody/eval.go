package melody

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"

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

// Score returns the greedy reconstruction accuracy from z = mu ("accuracy") and the mean
// single-sample reconstruction and KL terms in nats ("reconstruction", "kl", "loss") of
// windows, with the posterior noise drawn from seed; it stops when ctx is done.
func Score(ctx context.Context, m *domain.Model, windows []midi.Melody, seed uint64) (map[string]float64, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x65766c))
	var hits, total int
	var rec, kl float64
	for from := 0; from < len(windows); from += domain.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := datasets.MelodyBatch(windows[from:min(from+domain.BatchSize, len(windows))])
		mu, _ := m.VAE.Enc.Encode(b, false)
		h, n := dec.Accuracy(mu, b)
		hits, total = hits+h, total+n
		r, k := m.VAE.Score(b, rng)
		for i := range r {
			rec += r[i]
			kl += k[i]
		}
	}
	n := float64(len(windows))
	return map[string]float64{"accuracy": float64(hits) / float64(total), "reconstruction": rec / n, "kl": kl / n, "loss": (rec + kl) / n}, nil
}

// Eval scores m's greedy reconstruction accuracy on the windows of o.Dir (by default the
// folder m was trained on): o.Split "validation" (the default: the files training holds
// out), "train" or "all".
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
	opt := datasets.MelodyOptions{Track: o.Track, AlignGrid: true}
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
	windows := corpus.Train
	if split == "validation" {
		windows = corpus.Validation
	}
	if o.Limit > 0 && o.Limit < len(windows) {
		windows = windows[:o.Limit]
	}
	if len(windows) == 0 {
		if split != "all" {
			return fmt.Errorf("%s: no 2-bar windows in the %s split (%d files, %d skipped); --split all scores every file", dir, split, len(corpus.Files), len(corpus.Skipped))
		}
		return fmt.Errorf("%s: no 2-bar windows to score (%d files skipped)", dir, len(corpus.Skipped))
	}
	s, err := Score(ctx, m, windows, o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore("neg_elbo", s["loss"]); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s (%s, track %q)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, what, opt.Track, len(corpus.Files), len(corpus.Skipped), len(windows))
	fmt.Fprintf(w, "accuracy %.4f fraction\nreconstruction %.3f nats\nkl %.3f nats\nneg_elbo %.3f nats\n", s["accuracy"], s["reconstruction"], s["kl"], s["loss"])
	return nil
}
