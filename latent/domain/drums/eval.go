package drums

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"

	"musae/datasets"
	"musae/latent/domain"
	"musae/latent/domain/internal/pick"
	"musae/latent/domain/internal/seq"
	"musae/midi"
	"musae/models"
)

// evalWindows is how many validation patterns the per-epoch check scores.
const evalWindows = 1000

// Train readies t to train m on the MIDI files of o.Dir: 2-bar windows a bar apart of their
// drums, each file's distinct patterns once, split by the folder's info.csv (the Groove
// MIDI Dataset's) or else by file, scored on up to 1,000 validation windows after each
// epoch; with o.SamplingRate, scheduled sampling.
func (Domain) Train(t *models.Trainer, m *domain.Model, o domain.TrainOptions) error {
	if o.Dir == "" {
		return domain.Inputf("say where the drum MIDI files are: --data DIR (for example ../shared/data/drums/groove)")
	}
	corpus, err := datasets.LoadDrums(context.Background(), o.Dir, datasets.DrumOptions{Track: o.Track, Seed: o.Seed})
	if err != nil {
		return err
	}
	train := corpus.Train
	if o.Limit > 0 && o.Limit < len(train) {
		train = train[:o.Limit]
	}
	if len(train) == 0 || len(corpus.Validation) == 0 {
		return fmt.Errorf("%s: %d training and %d validation windows (%d files gave windows, %d skipped); too few to train on", o.Dir, len(train), len(corpus.Validation), len(corpus.Files), len(corpus.Skipped))
	}
	fmt.Fprintf(t.Progress, "corpus %s: %d files, %d skipped, %d training and %d validation patterns (of %d and %d 2-bar windows), split by %s\n",
		o.Dir, len(corpus.Files), len(corpus.Skipped), len(train), len(corpus.Validation), len(corpus.TrainGrooves), len(corpus.ValidationGrooves), corpus.SplitFrom)
	abs, _ := filepath.Abs(o.Dir)
	t.Data = datasets.DrumSet{Windows: train}
	t.Shape = [3]int{midi.WindowSteps, midi.NumDrumClasses, 1}
	t.Meta.Dataset = fmt.Sprintf("%s (%d training patterns of 2 bars from %d training files, split by %s)", filepath.Base(abs), len(train), corpus.TrainFiles(), corpus.SplitFrom)
	t.Meta.Data, t.Meta.Track = abs, o.Track
	// The per-epoch check scores up to evalWindows validation patterns, drawn across files.
	dec, err := decoder(m)
	if err != nil {
		return err
	}
	t.Meta.SamplingRate = o.SamplingRate
	if k := o.SamplingRate; k > 0 {
		// MusicVAE's inverse-sigmoid schedule, as melodies train (cat-drums_2bar_small has
		// rate 1000 too).
		t.BeforeStep = dec.Schedule(k)
	}
	valid := pick.N(corpus.Validation, evalWindows, o.Seed)
	t.Validate = func() (map[string]float64, error) { return Score(context.Background(), m, valid, o.Seed) }
	return nil
}

// Score returns, for windows encoded to z = mu: the per-step accuracy of greedy decoding
// ("accuracy"), of teacher-forced decoding ("teacher_forced") and of decoding sampled at
// temperature 1 ("sampled", drawn from seed), MusicVAE's Table 1 pair; the accuracy of
// greedy decoding on steps with a hit ("hit_accuracy"); the share of windows decoded
// exactly ("exact"); the all-silence baseline, the share of steps with no hit
// ("silence"); and the mean single-sample reconstruction and KL terms in nats
// ("reconstruction", "kl", "loss").
func Score(ctx context.Context, m *domain.Model, windows []midi.Drums, seed uint64) (map[string]float64, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 0x64726d))
	const chunk = 500
	var greedy, teacher, sampled, hitSteps, hitHits, exact, silent, total int
	var rec, kl float64
	for from := 0; from < len(windows); from += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ws := windows[from:min(from+chunk, len(windows))]
		b := datasets.DrumBatch(ws)
		mu, _ := m.VAE.Enc.Encode(b, false)
		mu = append([]float32(nil), mu...)
		h, n := dec.TeacherForcedAccuracy(mu, b)
		teacher, total = teacher+h, total+n
		for i, seq := range dec.Generate(mu, b.N, 0, nil) {
			same := true
			for t, c := range seq {
				want := ws[i][t]
				if int(c) == want {
					greedy++
				} else {
					same = false
				}
				if want != 0 {
					hitSteps++
					if int(c) == want {
						hitHits++
					}
				} else {
					silent++
				}
			}
			if same {
				exact++
			}
		}
		for i, seq := range dec.Generate(mu, b.N, 1, rng) {
			for t, c := range seq {
				if int(c) == ws[i][t] {
					sampled++
				}
			}
		}
		m.VAE.AddScore(b, rng, &rec, &kl)
	}
	n, steps := float64(len(windows)), float64(total)
	return map[string]float64{
		"accuracy": float64(greedy) / steps, "teacher_forced": float64(teacher) / steps, "sampled": float64(sampled) / steps,
		"hit_accuracy": float64(hitHits) / float64(max(hitSteps, 1)), "exact": float64(exact) / n, "silence": float64(silent) / steps,
		"reconstruction": rec / n, "kl": kl / n, "loss": (rec + kl) / n,
	}, nil
}

// Eval scores m on the windows of o.Dir (by default the folder m was trained on): o.Split
// "validation" (the default: the files the folder's info.csv holds out), "train" or "all".
func (Domain) Eval(ctx context.Context, m *domain.Model, o domain.DataOptions, w io.Writer) error {
	data, err := m.EvalData(o, "drums", "drums")
	if err != nil {
		return err
	}
	dir, split, track := data.Dir, data.Split, data.Track
	corpus, err := datasets.LoadDrums(ctx, dir, datasets.DrumOptions{Track: track})
	if err != nil {
		return err
	}
	windows := seq.Split(split, corpus.Train, corpus.Validation)
	if o.Limit > 0 && o.Limit < len(windows) {
		windows = windows[:o.Limit]
	}
	if len(windows) == 0 {
		return fmt.Errorf("%s: no 2-bar drum windows in the %s split (%d files, %d skipped)", dir, split, len(corpus.Files), len(corpus.Skipped))
	}
	s, err := Score(ctx, m, windows, o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore("neg_elbo", s["loss"]); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s (%s split, by %s; track %q)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, split, corpus.SplitFrom, track, len(corpus.Files), len(corpus.Skipped), len(windows))
	fmt.Fprintf(w, "accuracy %.4f fraction (greedy from z = mu)\nteacher_forced %.4f fraction\nsampled %.4f fraction (temperature 1, --seed %d)\n", s["accuracy"], s["teacher_forced"], s["sampled"], o.Seed)
	fmt.Fprintf(w, "hit_accuracy %.4f fraction (greedy, on steps with a hit)\nexact %.4f fraction (windows decoded exactly)\nsilence_baseline %.4f fraction (every step silent)\n", s["hit_accuracy"], s["exact"], s["silence"])
	fmt.Fprintf(w, "reconstruction %.3f nats\nkl %.3f nats\nneg_elbo %.3f nats\n", s["reconstruction"], s["kl"], s["loss"])
	return nil
}
