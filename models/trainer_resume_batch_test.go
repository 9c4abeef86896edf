package models

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestTrainerResumeKeepsItsBatch resumes a run with another batch size in the trainer's
// settings (musae train --resume with the default --batch 64 on a run trained with 8, or a
// checkpoint musae_torch.train wrote): the checkpoint's batch size wins for the length of
// an epoch too, and the run ends as the uninterrupted one did.
func TestTrainerResumeKeepsItsBatch(t *testing.T) {
	straight := newToyTrainer(t.TempDir(), 3)
	res, err := straight.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first := newToyTrainer(dir, 3)
	ctx, cancel := context.WithCancel(context.Background())
	first.BeforeStep = func(step int, _ *rand.Rand) {
		if step == 10 {
			cancel()
		}
	}
	if _, err := first.Run(ctx); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	ck, err := LoadCheckpoint(first.Config.Out)
	if err != nil {
		t.Fatal(err)
	}
	second := newToyTrainer(dir, 3)
	second.Config.BatchSize = 64 // what the command line says; the checkpoint says 8
	second.Resume = ck
	got, err := second.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.Steps != res.Steps || got.Epochs != res.Epochs {
		t.Fatalf("resumed run ended at step %d (epoch %g), the uninterrupted one at %d (%g)", got.Steps, got.Epochs, res.Steps, res.Epochs)
	}
	for i, p := range second.VAE.Params() {
		if !slices.Equal(p.Data(), straight.VAE.Params()[i].Data()) {
			t.Fatalf("%s differs between the resumed and the uninterrupted run", p.Name)
		}
	}
}
