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
