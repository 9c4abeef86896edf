package groove

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"

	"musae/datasets"
	"musae/latent/domain"
	"musae/latent/domain/internal/pick"
	"musae/latent/domain/internal/seq"
	"musae/midi"
	"musae/models"
	"musae/models/rnn"
)

// transform encodes gs read as in to z = mu and decodes them in batches of
// domain.BatchSize: for Quantised with the inputs' hits kept, otherwise drawing hits at
// the temperature. It returns the decoder's output, [len(gs), steps, Features].
func transform(m *domain.Model, dec *rnn.GrooveDecoder, gs []midi.Groove, in Input, temperature float64, rng *rand.Rand) []float32 {
	var out []float32
	for from := 0; from < len(gs); from += domain.BatchSize {
		part := gs[from:min(from+domain.BatchSize, len(gs))]
		b := Batch(part, in)
		mu, _ := m.VAE.Enc.Encode(b, false)
		mu = slices.Clone(mu)
		if in == Quantised {
			out = append(out, dec.GenerateWithHits(mu, b.N, hitsOf(b.X, b.N*b.T), 0, nil)...)
		} else {
			out = append(out, dec.Generate(mu, b.N, temperature, rng)...)
		}
	}
	return out
}

// hitsOf cuts the hits [rows, Drums] out of features [rows, Features].
func hitsOf(x []float32, rows int) []float32 {
	h := make([]float32, 0, rows*midi.NumDrums)
	for r := 0; r < rows; r++ {
		h = append(h, x[r*Features:r*Features+midi.NumDrums]...)
	}
	return h
}

// Figures are GrooVAE's measures of predicted grooves against the performances: hits
// counted over every step and drum, velocity and timing errors over the hits both have.
type Figures struct {
	TruePos, Predicted, Actual int
	velErr, offErr             float64 // sums over the true positives, in MIDI units and steps
}

// Add scores a predicted groove against the performance.
func (f *Figures) Add(pred, want midi.Groove) {
	for t := range want {
		for d, w := range want[t] {
			p := pred[t][d]
			if p.Velocity > 0 {
				f.Predicted++
			}
			if w.Velocity > 0 {
				f.Actual++
			}
			if p.Velocity > 0 && w.Velocity > 0 {
				f.TruePos++
				f.velErr += math.Abs(float64(p.Velocity - w.Velocity))
				f.offErr += math.Abs(p.Offset - w.Offset)
			}
		}
	}
}

// Precision, Recall and F1 of the hits.
func (f Figures) Precision() float64 { return float64(f.TruePos) / float64(max(f.Predicted, 1)) }
func (f Figures) Recall() float64    { return float64(f.TruePos) / float64(max(f.Actual, 1)) }
func (f Figures) F1() float64 {
	p, r := f.Precision(), f.Recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// VelocityMAE is the mean absolute velocity error of the matched hits, in MIDI units.
func (f Figures) VelocityMAE() float64 { return f.velErr / float64(max(f.TruePos, 1)) }

// TimingMAE is the mean absolute onset error of the matched hits, in steps (a 16th).
func (f Figures) TimingMAE() float64 { return f.offErr / float64(max(f.TruePos, 1)) }

// msPerStep is a 16th note at 120 qpm, in milliseconds.
const msPerStep = 60000.0 / 120 / midi.StepsPerQuarter

// Baseline is the "copy the input" prediction: the input's hits at one velocity (vel),
// on the grid for Quantised, for Tapped the taps on the open hi-hat at their offsets.
func Baseline(g midi.Groove, in Input, vel int) midi.Groove {
	out := make(midi.Groove, len(g))
	for t, s := range g {
		loud := -1
		for d, h := range s {
			if h.Velocity == 0 {
				continue
			}
			if in == Quantised {
				out[t][d] = midi.DrumHit{Velocity: vel}
			}
			if loud < 0 || h.Velocity > s[loud].Velocity {
				loud = d
			}
		}
		if in == Tapped && loud >= 0 {
			out[t][midi.OpenHat] = midi.DrumHit{Velocity: vel, Offset: s[loud].Offset}
		}
	}
	return out
}

// MedianVelocity is the median velocity of the grooves' hits (64 without hits): the
// constant velocity with the least absolute error over them.
func MedianVelocity(gs []midi.Groove) int {
	var vs []int
	for _, g := range gs {
		for _, s := range g {
			for _, h := range s {
				if h.Velocity > 0 {
					vs = append(vs, h.Velocity)
				}
			}
		}
	}
	if len(vs) == 0 {
		return 64
	}
	slices.Sort(vs)
	return vs[len(vs)/2]
}

// Scores are the figures of one Score call.
type Scores struct {
	Humanise, Drumify, Full            Figures // groove2's
	HumaniseBase, DrumifyBase          Figures // copying the input
	Reconstruction, KL, Examples, Loss float64
	BaselineVelocity                   int
}

// Score measures m on grooves: humanise (the hits read Quantised, decoded with the hits
// kept), drumify (read Tapped, hits drawn at the domain's default temperature with a
// generator seeded by seed) and reconstruction of the performance (read Full, decoded
// greedily), beside the baselines that copy the input at the velocity vel; and the mean
// single-sample reconstruction and KL terms of the Full reading, in GrooVAE's loss units.
func Score(ctx context.Context, m *domain.Model, gs []midi.Groove, vel int, seed uint64) (*Scores, error) {
	dec, err := decoder(m)
	if err != nil {
		return nil, err
	}
	s := &Scores{BaselineVelocity: vel, Examples: float64(len(gs))}
	rng := rand.New(rand.NewPCG(seed, 0x67726f))
	const chunk = 500
	for from := 0; from < len(gs); from += chunk {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		part := gs[from:min(from+chunk, len(gs))]
		for _, c := range []struct {
			in   Input
			f    *Figures
			base *Figures
			temp float64
		}{{Quantised, &s.Humanise, &s.HumaniseBase, 0}, {Tapped, &s.Drumify, &s.DrumifyBase, drumifyTemperature}, {Full, &s.Full, nil, 0}} {
			out := transform(m, dec, part, c.in, c.temp, rng)
			for i, g := range part {
				c.f.Add(Decode(out[i*dec.Steps*Features:(i+1)*dec.Steps*Features]), g)
				if c.base != nil {
					c.base.Add(Baseline(g, c.in, vel), g)
				}
			}
		}
		m.VAE.AddScore(Batch(part, Full), rng, &s.Reconstruction, &s.KL)
	}
	s.Reconstruction /= s.Examples
	s.KL /= s.Examples
	s.Loss = s.Reconstruction + s.KL
	return s, nil
}

// metrics are the per-epoch figures the trainer logs.
func (s *Scores) metrics() map[string]float64 {
	return map[string]float64{
		"humanise_velocity_mae": s.Humanise.VelocityMAE(), "humanise_timing_ms": s.Humanise.TimingMAE() * msPerStep,
		"drumify_f1": s.Drumify.F1(), "drumify_velocity_mae": s.Drumify.VelocityMAE(), "drumify_timing_ms": s.Drumify.TimingMAE() * msPerStep,
		"full_f1": s.Full.F1(), "reconstruction": s.Reconstruction, "kl": s.KL, "loss": s.Loss,
	}
}

// evalWindows is how many validation windows the per-epoch check scores.
const evalWindows = 500

// Train readies t to train m on the drum performances of o.Dir: every 2-bar window a bar
// apart, split by the folder's info.csv (the Groove MIDI Dataset's) or else by file, each
// batch's inputs read Full, Quantised or Tapped (Set), scored on up to 500 validation
// windows after each epoch.
func (Domain) Train(t *models.Trainer, m *domain.Model, o domain.TrainOptions) error {
	if o.Dir == "" {
		return domain.Inputf("say where the drum MIDI files are: --data DIR (for example ../shared/data/drums/groove)")
	}
	if o.SamplingRate > 0 {
		return domain.Inputf("--sampling-rate: groove2 trains teacher-forced, as GrooVAE does")
	}
	corpus, err := datasets.LoadDrums(context.Background(), o.Dir, datasets.DrumOptions{Track: o.Track, Seed: o.Seed})
	if err != nil {
		return err
	}
	train := corpus.TrainGrooves
	if o.Limit > 0 && o.Limit < len(train) {
		train = train[:o.Limit]
	}
	if len(train) == 0 || len(corpus.ValidationGrooves) == 0 {
		return fmt.Errorf("%s: %d training and %d validation windows (%d files gave windows, %d skipped); too few to train on", o.Dir, len(train), len(corpus.ValidationGrooves), len(corpus.Files), len(corpus.Skipped))
	}
	if _, err := decoder(m); err != nil {
		return err
	}
	fmt.Fprintf(t.Progress, "corpus %s: %d files, %d skipped, %d training and %d validation 2-bar windows, split by %s\n",
		o.Dir, len(corpus.Files), len(corpus.Skipped), len(train), len(corpus.ValidationGrooves), corpus.SplitFrom)
	abs, _ := filepath.Abs(o.Dir)
	t.Data = Set{Grooves: train}
	t.Shape = [3]int{midi.WindowSteps, Features, 0}
	t.Meta.Dataset = fmt.Sprintf("%s (%d training windows of 2 bars from %d training files, split by %s)", filepath.Base(abs), len(train), corpus.TrainFiles(), corpus.SplitFrom)
	t.Meta.Data, t.Meta.Track = abs, o.Track
	vel := MedianVelocity(train)
	valid := pick.N(corpus.ValidationGrooves, evalWindows, o.Seed)
	t.Validate = func() (map[string]float64, error) {
		s, err := Score(context.Background(), m, valid, vel, o.Seed)
		if err != nil {
			return nil, err
		}
		return s.metrics(), nil
	}
	return nil
}

// Eval scores m on the windows of o.Dir (by default the folder m was trained on): o.Split
// "validation" (the default), "train" or "all"; o.Limit windows at most, drawn across the
// files by o.Seed.
func (Domain) Eval(ctx context.Context, m *domain.Model, o domain.DataOptions, w io.Writer) error {
	data, err := m.EvalData(o, "drums", "grooves")
	if err != nil {
		return err
	}
	dir, split, track := data.Dir, data.Split, data.Track
	corpus, err := datasets.LoadDrums(ctx, dir, datasets.DrumOptions{Track: track})
	if err != nil {
		return err
	}
	gs := pick.N(seq.Split(split, corpus.TrainGrooves, corpus.ValidationGrooves), o.Limit, o.Seed)
	if len(gs) == 0 {
		return fmt.Errorf("%s: no 2-bar drum windows in the %s split (%d files, %d skipped)", dir, split, len(corpus.Files), len(corpus.Skipped))
	}
	vel := MedianVelocity(corpus.TrainGrooves)
	s, err := Score(ctx, m, gs, vel, o.Seed)
	if err != nil {
		return err
	}
	if err := m.CheckScore("neg_elbo", s.Loss); err != nil {
		return err
	}
	fmt.Fprintf(w, "data %s (%s split, by %s; track %q)\nfiles %d files\nskipped %d files\nexamples %d windows\n", dir, split, corpus.SplitFrom, track, len(corpus.Files), len(corpus.Skipped), len(gs))
	row := func(name string, f Figures, what string) {
		fmt.Fprintf(w, "%s_hit_f1 %.4f fraction (precision %.4f, recall %.4f; %s)\n", name, f.F1(), f.Precision(), f.Recall(), what)
		fmt.Fprintf(w, "%s_velocity_mae %.2f midi (on the %d hits both have)\n", name, f.VelocityMAE(), f.TruePos)
		fmt.Fprintf(w, "%s_timing_mae %.2f ms (at 120 qpm; %.4f of a 16th)\n", name, f.TimingMAE()*msPerStep, f.TimingMAE())
	}
	row("humanise", s.Humanise, "quantised hits in, the hits kept")
	row("humanise_baseline", s.HumaniseBase, fmt.Sprintf("the quantised input copied, at velocity %d, the training hits' median", vel))
	row("drumify", s.Drumify, fmt.Sprintf("tapped input, hits drawn at temperature %g, --seed %d", drumifyTemperature, o.Seed))
	row("drumify_baseline", s.DrumifyBase, fmt.Sprintf("the taps copied to the open hi-hat, at velocity %d", vel))
	row("reconstruct", s.Full, "the performance in, hits greedy")
	fmt.Fprintf(w, "reconstruction %.3f loss (nats of the hits + squared errors of velocity and offset)\nkl %.3f nats\nneg_elbo %.3f loss\n", s.Reconstruction, s.KL, s.Loss)
	return nil
}

// drumifyTemperature is the temperature Score drumifies at: the verb's default.
var drumifyTemperature = Domain{}.Info().Temperature
