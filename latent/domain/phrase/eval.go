package phrase

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"

	"musae/datasets"
	"musae/latent/domain"
	"musae/latent/domain/internal/seq"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// evalWindows is how many validation windows the per-epoch check scores.
const evalWindows = 500

// corpus loads the 16-bar windows of dir.
func corpus(ctx context.Context, dir, track string, all bool) (*datasets.MelodyCorpus, error) {
	opt := datasets.MelodyOptions{Track: track, AlignGrid: true, Bars: Bars}
	if all {
		opt.ValidationShare = -1
	}
	return datasets.LoadMelodiesContext(ctx, dir, opt)
}

// Train readies t to train m on the MIDI files of o.Dir: MusicVAE's 16-bar windows (hop
// 1 bar), transposed ±5 semitones at each draw, scored on up to 500 validation windows
// after each epoch; with o.SamplingRate, scheduled sampling in every bar.
func (Domain) Train(t *models.Trainer, m *domain.Model, o domain.TrainOptions) error {
	if o.Dir == "" {
		return domain.Inputf("say where the MIDI files are: --data DIR (for example ../shared/data/melodies/pop909 with --track MELODY)")
	}
	c, err := corpus(context.Background(), o.Dir, o.Track, false)
	if err != nil {
		return err
	}
	train := c.Train
	if o.Limit > 0 && o.Limit < len(train) {
		train = train[:o.Limit]
	}
	if len(c.Validation) == 0 {
		return fmt.Errorf("%s: no 16-bar validation windows (%d files gave windows); the corpus is too small to train on", o.Dir, len(c.Files))
	}
	fmt.Fprintf(t.Progress, "corpus %s: %d files, %d skipped, %d training and %d validation windows of 16 bars\n",
		o.Dir, len(c.Files), len(c.Skipped), len(train), len(c.Validation))
	dec, err := sequencer(m)
	if err != nil {
		return err
	}
	abs, _ := filepath.Abs(o.Dir)
	t.Data = datasets.MelodySet{Windows: train, MaxTranspose: datasets.MusicVAETranspose}
	t.Shape = [3]int{Steps, midi.NumClasses, 1}
	t.Meta.Dataset = fmt.Sprintf("%s (%d training windows of 16 bars from %d files, track %q, transposed ±%d)", filepath.Base(abs), len(train), len(c.Files), o.Track, datasets.MusicVAETranspose)
	t.Meta.Data, t.Meta.Track = abs, o.Track
	t.Meta.SamplingRate = o.SamplingRate
	if k := o.SamplingRate; k > 0 {
		// MusicVAE's inverse-sigmoid schedule, in the decoder that writes the steps.
		var steps *rnn.Decoder
		switch d := dec.(type) {
		case *rnn.Decoder:
			steps = d
		case *rnn.HierDecoder:
			steps = d.Bar
		default:
			return fmt.Errorf("melody16: scheduled sampling in a %T decoder", dec)
		}
		t.BeforeStep = steps.Schedule(k)
	}
	valid := c.Validation[:min(evalWindows, len(c.Validation))]
	t.Validate = func() (map[string]float64, error) { return Score(context.Background(), m, valid, o.Seed) }
	return nil
}

// Score scores m on windows as MusicVAE's Table 1 does, and more: with z drawn once from
// each window's posterior, "tf_accuracy" is the share of steps whose most likely class
// given the true steps before is the true one (teacher-forced), and "sampled_accuracy"
// the share of steps a decoding at temperature 1 from that z gets right; "accuracy" is the
// greedy decoding from z = mu (musae's figure for the 2-bar models); "sampled_bars_1_4" to
// "sampled_bars_13_16" split the sampled figure by quarter of the phrase, where a flat
// model's decoding is to drift the most (MusicVAE's case for the conductor). "reconstruction" and
// "kl" are the mean single-sample terms in nats, "loss" their sum. The draws come from
// seed; it stops when ctx is done.
func Score(ctx context.Context, m *domain.Model, windows []midi.Melody, seed uint64) (map[string]float64, error) {
	dec, err := sequencer(m)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x7461626c31))
	var tf, total int
	var sampled [4]int // by quarter of the phrase
	var score midi.ReconstructionScore
	var rec, kl float64
	for from := 0; from < len(windows); from += domain.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ws := windows[from:min(from+domain.BatchSize, len(windows))]
		b := datasets.MelodyBatch(ws)
		mu, lv := m.VAE.Enc.Encode(b, false)
		z := make([]float32, len(mu))
		eps := make([]float32, len(mu))
		models.Reparameterize(z, eps, mu, lv, rng)
		mu = append([]float32(nil), mu...)
		h, n := dec.TeacherForcedAccuracy(z, b)
		tf += h
		total += n
		for q, h := range quarterHits(dec.Generate(z, b.N, 1, rng), b) {
			sampled[q] += h
		}
		for i, s := range dec.Generate(mu, b.N, 0, nil) {
			score.Add(ws[i], seq.Steps[midi.Melody](s))
		}
		m.VAE.AddScore(b, rng, &rec, &kl)
	}
	n := float64(len(windows))
	t := float64(total)
	all := sampled[0] + sampled[1] + sampled[2] + sampled[3]
	return map[string]float64{
		"sampled_bars_1_4":   4 * float64(sampled[0]) / t,
		"sampled_bars_5_8":   4 * float64(sampled[1]) / t,
		"sampled_bars_9_12":  4 * float64(sampled[2]) / t,
		"sampled_bars_13_16": 4 * float64(sampled[3]) / t,
		"accuracy":           score.Accuracy(),
		"onset_accuracy":     score.OnsetAccuracy(),
		"exact_windows":      score.ExactShare(),
		"hold_baseline":      score.HoldBaseline(),
		"tf_accuracy":        float64(tf) / t,
		"sampled_accuracy":   float64(all) / t,
		"reconstruction":     rec / n,
		"kl":                 kl / n,
		"loss":               (rec + kl) / n,
	}, nil
}

// quarterHits counts the steps of seqs that match b's classes, in each quarter of the
// phrase (bars 1–4, 5–8, 9–12, 13–16).
func quarterHits(seqs [][]int32, b *models.Batch) [4]int {
	var h [4]int
	for i, s := range seqs {
		for t, c := range s {
			if c == b.Classes[i*b.T+t] {
				h[4*t/b.T]++
			}
		}
	}
	return h
}

// Eval scores m (Score) on the 16-bar windows of o.Dir (by default the folder m was
// trained on): o.Split "validation" (the default), "train" or "all".
func (Domain) Eval(ctx context.Context, m *domain.Model, o domain.DataOptions, w io.Writer) error {
	data, err := m.EvalData(o, "melodies", "16-bar melodies")
	if err != nil {
		return err
	}
	dir, split, track := data.Dir, data.Split, data.Track
	c, err := corpus(ctx, dir, track, split == "all")
	if err != nil {
		return err
	}
	windows := c.Train
	if split == "validation" {
		windows = c.Validation
	}
	if o.Limit > 0 && o.Limit < len(windows) {
		windows = windows[:o.Limit]
	}
	if len(windows) == 0 {
		return fmt.Errorf("%s: no 16-bar windows in the %s split (%d files, %d skipped)", dir, split, len(c.Files), len(c.Skipped))
	}
	s, err := Score(ctx, m, windows, o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore("neg_elbo", s["loss"]); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s (%s split, track %q)\nfiles %d files\nskipped %d files\nexamples %d windows of 16 bars\n", dir, split, track, len(c.Files), len(c.Skipped), len(windows))
	fmt.Fprintf(w, "tf_accuracy %.4f fraction (teacher-forced, z drawn from the posterior: MusicVAE's Table 1)\n", s["tf_accuracy"])
	fmt.Fprintf(w, "sampled_accuracy %.4f fraction (temperature 1 from the same z: MusicVAE's Table 1)\n", s["sampled_accuracy"])
	fmt.Fprintf(w, "sampled_by_quarter %.4f %.4f %.4f %.4f fraction (the sampled figure in bars 1–4, 5–8, 9–12, 13–16)\n", s["sampled_bars_1_4"], s["sampled_bars_5_8"], s["sampled_bars_9_12"], s["sampled_bars_13_16"])
	fmt.Fprintf(w, "accuracy %.4f fraction (greedy from z = mu)\nonset_accuracy %.4f fraction (greedy, on note-onset steps)\nexact_windows %.4f fraction (greedy, every step right)\nhold_baseline %.4f fraction (\"hold\" at every step)\n", s["accuracy"], s["onset_accuracy"], s["exact_windows"], s["hold_baseline"])
	fmt.Fprintf(w, "reconstruction %.3f nats\nkl %.3f nats\nneg_elbo %.3f nats\n", s["reconstruction"], s["kl"], s["loss"])
	return nil
}
