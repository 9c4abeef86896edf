package models

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
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
	second := newToyTrainer(dir, 0) // 0: the run's own target, 6 epochs
	second.Resume = ck
	if res2, err := second.Run(context.Background()); err != nil || res2.Steps != 48 {
		t.Fatalf("resumed run: %d steps, %v; want the run's own 48", res2.Steps, err)
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

// TestTrainerResumeWeightsFile resumes from a file with weights but no trainer state (what
// `musae weights` writes) and wants an error naming the file and what it lacks.
func TestTrainerResumeWeightsFile(t *testing.T) {
	dir := t.TempDir()
	src := newToyTrainer(dir, 1)
	path := filepath.Join(dir, "weights.safetensors")
	if err := SaveCheckpoint(path, src.VAE.Params(), nil, Meta{Model: "toy", Domain: "test", Steps: 8}); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ck.TrainState(); !errors.Is(err, ErrNotResumable) {
		t.Fatalf("TrainState of a weights file: %v, want ErrNotResumable", err)
	}
	tr := newToyTrainer(dir, 2)
	tr.Config.Out = filepath.Join(dir, "out.safetensors")
	tr.Resume = ck
	_, err = tr.Run(context.Background())
	if !errors.Is(err, ErrNotResumable) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "optimiser's state") || strings.Contains(err.Error(), "JSON") {
		t.Fatalf("resume from a weights file: %v", err)
	}
}

// TestTrainerResumeAfterTimeBudget stops a run at its time budget and resumes it to the
// end: the result must equal an uninterrupted run.
func TestTrainerResumeAfterTimeBudget(t *testing.T) {
	straight := newToyTrainer(t.TempDir(), 3)
	if _, err := straight.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first := newToyTrainer(dir, 3)
	first.Config.Budget = time.Nanosecond
	res, err := first.Run(context.Background())
	if err != nil || !res.OutOfTime || res.Steps != 0 {
		t.Fatalf("budgeted run: %+v, %v; want a stop at the budget", res, err)
	}
	ck, err := LoadCheckpoint(first.Config.Out)
	if err != nil {
		t.Fatal(err)
	}
	second := newToyTrainer(dir, 0)
	second.Resume = ck
	if res, err := second.Run(context.Background()); err != nil || res.Steps != 24 || res.OutOfTime {
		t.Fatalf("resumed run: %+v, %v", res, err)
	}
	for i, p := range second.VAE.Params() {
		if !slices.Equal(p.Data(), straight.VAE.Params()[i].Data()) {
			t.Fatalf("%s differs between the resumed and the uninterrupted run", p.Name)
		}
	}
	// A finished run is not resumed silently.
	ck, _ = LoadCheckpoint(first.Config.Out)
	third := newToyTrainer(dir, 0)
	third.Resume = ck
	if _, err := third.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "has done its 3 epochs") {
		t.Fatalf("resuming a finished run: %v", err)
	}
}

// TestTrainerLogAfterFailedSave makes a checkpoint write fail mid-run, resumes from the
// last good checkpoint, and wants each step logged once, with a torn row (a kill during a
// write) dropped.
func TestTrainerLogAfterFailedSave(t *testing.T) {
	dir := t.TempDir()
	first := newToyTrainer(dir, 6) // 8 steps an epoch, a row and a checkpoint at each end
	out := first.Config.Out
	var good []byte
	first.BeforeStep = func(step int, _ *rand.Rand) {
		if step == 20 { // the save at step 24 will fail: a folder stands at the checkpoint's path
			var err error
			if good, err = os.ReadFile(out); err != nil {
				t.Fatal(err)
			}
			os.Remove(out)
			os.Mkdir(out, 0o755)
		}
	}
	if _, err := first.Run(context.Background()); err == nil {
		t.Fatal("the run did not report the failed save")
	}
	os.Remove(out)
	if err := os.WriteFile(out, good, 0o644); err != nil {
		t.Fatal(err)
	}
	f, _ := os.OpenFile(LogPath(out), os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString("17,2.1,tra")
	f.Close()
	ck, err := LoadCheckpoint(out)
	if err != nil || ck.Meta.Steps != 16 {
		t.Fatalf("last good checkpoint: %v (steps %d, want 16)", err, ck.Meta.Steps)
	}
	second := newToyTrainer(dir, 0)
	second.Resume = ck
	if _, err := second.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(LogPath(out))
	rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatalf("log: %v\n%s", err, b)
	}
	var steps []string
	for _, r := range rows[1:] {
		steps = append(steps, r[0])
	}
	if want := "8 16 24 32 40 48"; strings.Join(steps, " ") != want {
		t.Fatalf("logged steps %v, want %s", steps, want)
	}
}

// TestTrainerProgressWithoutTerminal wants plain progress lines without a bar: one at the
// first step (long before an epoch ends), then no more than one every progressEvery.
func TestTrainerProgressWithoutTerminal(t *testing.T) {
	tr := newToyTrainer(t.TempDir(), 6)
	var buf bytes.Buffer
	tr.Progress = &buf
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "step 1/48  epoch 1/6  loss ") {
		t.Fatalf("progress without a terminal:\n%s", buf.String())
	}
}
