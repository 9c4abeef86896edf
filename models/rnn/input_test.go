package rnn

import (
	"math/rand/v2"
	"slices"
	"testing"

	"musae/models"
)

// TestEncoderReadsInput: a batch whose encoder input differs from its targets (a model that
// restores corrupted sequences) is encoded from Input and scored against Classes.
func TestEncoderReadsInput(t *testing.T) {
	cfg := tinyConfig(1)
	m, err := New(cfg, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	clean, noisy := randomBatch(rng, 3, cfg), randomBatch(rng, 3, cfg)
	both := models.NewBatch(3, cfg.Steps, cfg.Classes, true)
	for i := range 3 {
		both.SetClasses(i, clean.Classes[i*cfg.Steps:(i+1)*cfg.Steps])
		both.SetInput(i, noisy.Classes[i*cfg.Steps:(i+1)*cfg.Steps])
	}
	if !slices.Equal(both.X, noisy.X) {
		t.Fatal("SetInput did not write the input's one-hot rows into X")
	}
	mu := func(b *models.Batch) []float32 {
		mu, _ := m.Enc.Encode(b, false)
		return slices.Clone(mu)
	}
	if got, want := mu(both), mu(noisy); !slices.Equal(got, want) {
		t.Errorf("encoder read the targets, not Input: mu %v, want the noisy batch's %v", got, want)
	}
	z := make([]float32, 3*cfg.Z)
	nll := func(b *models.Batch) []float64 { return slices.Clone(m.Dec.NLL(z, b, false)) }
	if got, want := nll(both), nll(clean); !slices.Equal(got, want) {
		t.Errorf("decoder scored %v, want the clean targets' %v", got, want)
	}
}

// TestGenerateBy: picking the argmax is greedy Generate; picking a fixed class feeds it
// back, which changes the logits that follow.
func TestGenerateBy(t *testing.T) {
	cfg := tinyConfig(2)
	m, err := New(cfg, rand.New(rand.NewPCG(7, 8)))
	if err != nil {
		t.Fatal(err)
	}
	scaleParams(m.Params(), 3)
	z := make([]float32, 2*cfg.Z)
	for i := range z {
		z[i] = float32(i%5) - 2
	}
	want := m.Dec.Generate(z, 2, 0, nil)
	got := m.Dec.GenerateBy(z, 2, func(_, _ int, logits []float32) int32 { return int32(argmax(logits)) })
	for i := range want {
		if !slices.Equal(got[i], want[i]) {
			t.Errorf("sequence %d: GenerateBy(argmax) %v, Generate %v", i, got[i], want[i])
		}
	}
	var seen [][]float32
	fixed := m.Dec.GenerateBy(z, 1, func(t, _ int, logits []float32) int32 {
		seen = append(seen, slices.Clone(logits))
		return int32(t % cfg.Classes)
	})
	for s, c := range fixed[0] {
		if int(c) != s%cfg.Classes {
			t.Fatalf("step %d: class %d, want the picked %d", s, c, s%cfg.Classes)
		}
	}
	if len(seen) != cfg.Steps || slices.Equal(seen[1], seen[2]) {
		t.Errorf("the picks did not reach the logits: %d steps seen", len(seen))
	}
}
