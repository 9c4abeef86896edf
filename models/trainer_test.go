package models

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// linearEncoder and bernoulliDecoder make the smallest VAE the trainer can run: enough to
// test the training loop apart from any real model.
type linearEncoder struct{ mu, lv *Dense }

func (e *linearEncoder) Encode(b *Batch, train bool) ([]float32, []float32) {
	return e.mu.Forward(b.X, b.N), e.lv.Forward(b.X, b.N)
}
func (e *linearEncoder) Backward(dmu, dlv []float32) { e.mu.Backward(dmu); e.lv.Backward(dlv) }
func (e *linearEncoder) Params() []*Param            { return append(e.mu.Params(), e.lv.Params()...) }

type bernoulliDecoder struct {
	out     *Dense
	targets []float32
	nll     []float64
	dlogits []float32
}

func (d *bernoulliDecoder) NLL(z []float32, b *Batch, train bool) []float64 {
	logits := d.out.Forward(z, b.N)
	d.nll = make([]float64, b.N)
	d.dlogits = make([]float32, len(logits))
	BernoulliNLL(d.nll, logits, b.X, b.N, d.dlogits)
	return d.nll
}

func (d *bernoulliDecoder) Backward(dnll []float32) []float32 {
	per := len(d.dlogits) / len(dnll)
	for i := range d.dlogits {
		d.dlogits[i] *= dnll[i/per]
	}
	return d.out.Backward(d.dlogits)
}
func (d *bernoulliDecoder) Params() []*Param { return d.out.Params() }

// bars is a dataset of 4×4 images with one lit row or column.
type bars struct{ n int }

func (s bars) Len() int { return s.n }
func (s bars) Fill(b *Batch, idx []int, rng *rand.Rand) {
	for i, k := range idx {
		x := b.Example(i)
		clear(x)
		for j := 0; j < 4; j++ {
			if k%2 == 0 {
				x[(k/2%4)*4+j] = 1
			} else {
				x[j*4+k/2%4] = 1
			}
		}
		if rng.IntN(10) == 0 { // a little noise, drawn from the step's source
			x[rng.IntN(16)] = 1
		}
	}
}

func newToyTrainer(dir string, epochs int) *Trainer {
	rng := rand.New(rand.NewPCG(4, 4))
	enc := &linearEncoder{NewDense("mu", 16, 3, rng), NewDense("lv", 16, 3, rng)}
	dec := &bernoulliDecoder{out: NewDense("out", 3, 16, rng)}
	cfg := DefaultAdamConfig()
	cfg.LR = 1e-2
	return &Trainer{
		Config: TrainConfig{Epochs: epochs, BatchSize: 8, Seed: 9, Optim: cfg, Loss: Loss{MaxBeta: 1},
			Out: filepath.Join(dir, "toy.safetensors")},
		VAE:      &VAE{Enc: enc, Dec: dec, Z: 3},
		Meta:     Meta{Model: "toy", Domain: "test"},
		Data:     bars{n: 64},
		Shape:    [3]int{4, 4, 0},
		Progress: os.Stderr,
	}
}

// TestTrainerResumeIsExact interrupts a run, resumes it, and requires the same weights as an
// uninterrupted run of the same length.
func TestTrainerResumeIsExact(t *testing.T) {
	straight := newToyTrainer(t.TempDir(), 6)
	res, err := straight.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := straight.VAE.Params()

	dir := t.TempDir()
	first := newToyTrainer(dir, 6)
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	first.BeforeStep = func(step int, _ *rand.Rand) {
		if steps++; steps == 21 { // mid-epoch: 8 steps an epoch
			cancel()
		}
	}
	if _, err := first.Run(ctx); !errors.Is(err, ErrInterrupted) || !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v", err)
	}
	ck, err := LoadCheckpoint(first.Config.Out)
	if err != nil {
		t.Fatal(err)
	}
	if ck.Meta.Steps != 21 { // the step that saw the cancel still runs
		t.Fatalf("checkpoint at step %d, want 21", ck.Meta.Steps)
	}
	second := newToyTrainer(dir, 6)
	second.Resume = ck
	if _, err := second.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for i, p := range second.VAE.Params() {
		if !slices.Equal(p.Data(), want[i].Data()) {
			t.Fatalf("%s differs between the resumed and the uninterrupted run", p.Name)
		}
	}
	// Resuming on other data is refused: the epoch's order depends on its size.
	third := newToyTrainer(dir, 7)
	third.Data = bars{n: 40}
	third.Resume = ck
	if _, err := third.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "trained on 64 examples, the data now has 40") {
		t.Fatalf("resume on other data: %v", err)
	}
	if res.Steps != 48 {
		t.Fatalf("%d steps, want 48", res.Steps)
	}
	if _, err := os.Stat(LogPath(first.Config.Out)); err != nil {
		t.Fatalf("no training log: %v", err)
	}
}
