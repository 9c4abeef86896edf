package phrase

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
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

// evalWindows is how many validation windows the per-epoch check scores.
const evalWindows = 500

// corpus loads the 16-bar windows of dir: for a model of every meter (own), the phrases
// of each file's own meter (midi.File.PhraseWindows), else those of 4/4.
func corpus(ctx context.Context, dir, track string, all, own bool) (*datasets.MelodyCorpus, error) {
	opt := datasets.MelodyOptions{Track: track, AlignGrid: true, Bars: Bars, OwnMeter: own}
	if all {
		opt.ValidationShare = -1
	}
	return datasets.LoadMelodiesContext(ctx, dir, opt)
}

// Train readies t to train m on the MIDI files of o.Dir and any further corpora (o.More):
// MusicVAE's 16-bar windows (hop 1 bar; for a model of every meter, in each file's own
// meter), transposed ±5 semitones at each draw, scored after each epoch on up to 500
// validation windows, the first of each corpus's in equal shares; with o.SamplingRate,
// scheduled sampling in every bar.
func (Domain) Train(t *models.Trainer, m *domain.Model, o domain.TrainOptions) error {
	if o.Dir == "" {
		return domain.Inputf("say where the MIDI files are: --data DIR (for example ../shared/data/melodies/pop909 with --track MELODY)")
	}
	own := takesMeter(m)
	corpora := append([]domain.Corpus{{Dir: o.Dir, Track: o.Track}}, o.More...)
	var (
		train, valid        []midi.Melody
		meters, validMeters [][]midi.Meter
		about               []string
		files               int
	)
	for _, cp := range corpora {
		c, err := corpus(context.Background(), cp.Dir, cp.Track, false, own)
		if err != nil {
			return err
		}
		if len(c.Validation) == 0 {
			return fmt.Errorf("%s: no 16-bar validation windows (%d files gave windows); the corpus is too small to train on", cp.Dir, len(c.Files))
		}
		fmt.Fprintf(t.Progress, "corpus %s: %d files, %d skipped, %d training and %d validation windows of 16 bars\n",
			cp.Dir, len(c.Files), len(c.Skipped), len(c.Train), len(c.Validation))
		n := min(evalWindows/len(corpora), len(c.Validation))
		train, valid = append(train, c.Train...), append(valid, c.Validation[:n]...)
		if own {
			meters, validMeters = append(meters, c.TrainWindowMeters...), append(validMeters, c.ValidationWindowMeters[:n]...)
		}
		abs, _ := filepath.Abs(cp.Dir)
		about = append(about, fmt.Sprintf("%s (%d windows from %d files, track %q)", filepath.Base(abs), len(c.Train), len(c.Files), cp.Track))
		files += len(c.Files)
	}
	if o.Limit > 0 && o.Limit < len(train) {
		train = train[:o.Limit]
		if own {
			meters = meters[:o.Limit]
		}
	}
	dec, err := sequencer(m)
	if err != nil {
		return err
	}
	steps, err := modelSteps(m)
	if err != nil {
		return err
	}
	set := datasets.MelodySet{Windows: train, MaxTranspose: datasets.MusicVAETranspose}
	what := "16 bars"
	if own {
		set.Meters, set.Bars, what = meters, Bars, "16 bars of each file's own meter"
	}
	t.Data = set
	t.Shape = [3]int{steps, midi.NumClasses, 1}
	abs, _ := filepath.Abs(o.Dir)
	if len(corpora) == 1 {
		t.Meta.Dataset = fmt.Sprintf("%s (%d training windows of %s from %d files, track %q, transposed ±%d)", filepath.Base(abs), len(train), what, files, o.Track, datasets.MusicVAETranspose)
	} else {
		t.Meta.Dataset = fmt.Sprintf("%d training windows of %s from %s, transposed ±%d", len(train), what, strings.Join(about, ", "), datasets.MusicVAETranspose)
	}
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
	t.Validate = func() (map[string]float64, error) {
		return Score(context.Background(), m, valid, validMeters, o.Seed)
	}
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
// seed; it stops when ctx is done. meters are each window's meters by step (nil: all
// 4/4), for a model of every meter.
func Score(ctx context.Context, m *domain.Model, windows []midi.Melody, meters [][]midi.Meter, seed uint64) (map[string]float64, error) {
	dec, err := sequencer(m)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x7461626c31))
	var tf, total int
	var sampled, quarter [4]int // hits and steps by quarter of the phrase
	var score midi.ReconstructionScore
	var rec, kl float64
	for from := 0; from < len(windows); from += domain.BatchSize {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		to := min(from+domain.BatchSize, len(windows))
		ws := windows[from:to]
		var wm [][]midi.Meter
		if meters != nil {
			wm = meters[from:to]
		}
		b, err := layoutBatchOf(m, ws, wm)
		if err != nil {
			return nil, err
		}
		mu, lv := m.VAE.Enc.Encode(b, false)
		z := make([]float32, len(mu))
		eps := make([]float32, len(mu))
		models.Reparameterize(z, eps, mu, lv, rng)
		mu = append([]float32(nil), mu...)
		h, n := dec.TeacherForcedAccuracy(z, b)
		tf += h
		total += n
		hits, steps := quarterHits(dec.GenerateFor(z, b, 1, rng), b)
		for q := range hits {
			sampled[q] += hits[q]
			quarter[q] += steps[q]
		}
		for i, s := range dec.GenerateFor(mu, b, 0, nil) {
			score.Add(ws[i], seq.Steps[midi.Melody](s))
		}
		m.VAE.AddScore(b, rng, &rec, &kl)
	}
	n := float64(len(windows))
	t := float64(total)
	all := sampled[0] + sampled[1] + sampled[2] + sampled[3]
	return map[string]float64{
		"sampled_bars_1_4":   float64(sampled[0]) / float64(quarter[0]),
		"sampled_bars_5_8":   float64(sampled[1]) / float64(quarter[1]),
		"sampled_bars_9_12":  float64(sampled[2]) / float64(quarter[2]),
		"sampled_bars_13_16": float64(sampled[3]) / float64(quarter[3]),
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

// quarterHits counts the steps of seqs that match b's classes, and the steps, in each
// quarter of the phrase (bars 1–4, 5–8, 9–12, 13–16; b's bar lengths, or bars of T/16).
func quarterHits(seqs [][]int32, b *models.Batch) (hits, steps [4]int) {
	barLen := func(i, bar int) int {
		if b.BarLengths == nil {
			return b.T / Bars
		}
		return b.BarLengths[i*Bars+bar]
	}
	for i, s := range seqs {
		bar, end := 0, barLen(i, 0)
		for t, c := range s {
			for t >= end && bar+1 < Bars {
				bar++
				end += barLen(i, bar)
			}
			q := 4 * bar / Bars
			steps[q]++
			if c == b.Classes[i*b.T+t] {
				hits[q]++
			}
		}
	}
	return hits, steps
}

// Eval scores m (Score) on the 16-bar windows of o.Dir (by default the folder m was
// trained on): o.Split "validation" (the default), "train" or "all".
func (Domain) Eval(ctx context.Context, m *domain.Model, o domain.DataOptions, w io.Writer) error {
	data, err := m.EvalData(o, "melodies", "16-bar melodies")
	if err != nil {
		return err
	}
	dir, split, track := data.Dir, data.Split, data.Track
	own := takesMeter(m)
	c, err := corpus(ctx, dir, track, split == "all", own)
	if err != nil {
		return err
	}
	windows, meters, labels := c.Train, c.TrainWindowMeters, c.TrainMeters
	if split == "validation" {
		windows, meters, labels = c.Validation, c.ValidationWindowMeters, c.ValidationMeters
	}
	if o.Limit > 0 && o.Limit < len(windows) {
		windows = windows[:o.Limit]
		if own {
			meters, labels = meters[:o.Limit], labels[:o.Limit]
		}
	}
	if len(windows) == 0 {
		return fmt.Errorf("%s: no 16-bar windows in the %s split (%d files, %d skipped)", dir, split, len(c.Files), len(c.Skipped))
	}
	s, err := Score(ctx, m, windows, meters, o.Seed)
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
	if own {
		return byMeter(ctx, m, windows, meters, labels, o.Seed, w)
	}
	return nil
}

// byMeter writes the Table 1 pair and the greedy accuracy of the windows of each meter
// (labels: midi.MeterWindow.Meter), the most common first.
func byMeter(ctx context.Context, m *domain.Model, windows []midi.Melody, meters [][]midi.Meter, labels []string, seed uint64, w io.Writer) error {
	idx := map[string][]int{}
	for i, l := range labels {
		idx[l] = append(idx[l], i)
	}
	names := slices.SortedFunc(maps.Keys(idx), func(a, b string) int { return cmp.Or(len(idx[b])-len(idx[a]), strings.Compare(a, b)) })
	for _, name := range names {
		var ws []midi.Melody
		var ms [][]midi.Meter
		for _, i := range idx[name] {
			ws, ms = append(ws, windows[i]), append(ms, meters[i])
		}
		s, err := Score(ctx, m, ws, ms, seed)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "meter %s: %d windows, tf_accuracy %.4f, sampled_accuracy %.4f, accuracy %.4f, hold_baseline %.4f, kl %.1f nats\n",
			name, len(ws), s["tf_accuracy"], s["sampled_accuracy"], s["accuracy"], s["hold_baseline"], s["kl"])
	}
	return nil
}
