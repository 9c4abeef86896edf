package rnn

import (
	"math/rand/v2"
	"testing"

	"musae/models"
)

func TestTeacherForcedAccuracy(t *testing.T) {
	// 512 classes, as the drum model has.
	cfg := Config{Name: "t", Classes: 512, Steps: 12, EncoderHidden: 16, DecoderHidden: []int{32}, Z: 8}
	m, err := New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	scaleParams(m.Params(), 3)
	n := 6
	z := randSlice(rand.New(rand.NewPCG(3, 3)), n*cfg.Z)
	batch := func(seqs [][]int32) *models.Batch {
		b := models.NewBatch(n, cfg.Steps, cfg.Classes, true)
		for i, s := range seqs {
			b.SetClasses(i, s)
		}
		return b
	}
	greedy := m.Generate(z, n, 0, nil)
	// Fed its own greedy choices, teacher forcing predicts each of them.
	if hits, total := m.Dec.TeacherForcedAccuracy(z, batch(greedy)); hits != total || total != n*cfg.Steps {
		t.Errorf("on the greedy decodings: %d of %d, want all %d", hits, total, n*cfg.Steps)
	}
	sampled := m.Generate(z, n, 3, rand.New(rand.NewPCG(5, 5)))
	hits, total := m.Dec.TeacherForcedAccuracy(z, batch(sampled))
	// The first step reads no previous class: it is right where the sample's first step
	// is the greedy one.
	first := 0
	for i := range sampled {
		if sampled[i][0] == greedy[i][0] {
			first++
		}
	}
	if hits >= total || hits < first {
		t.Errorf("on hot samples: %d of %d (first steps agreeing with greedy: %d)", hits, total, first)
	}
	b := batch(sampled)
	m.Dec.NLL(z, b, false)
	firstHits := 0
	for i := 0; i < n; i++ {
		if int32(argmax(m.Dec.dlogits[i*cfg.Classes:(i+1)*cfg.Classes])) == sampled[i][0] {
			firstHits++
		}
	}
	if firstHits != first {
		t.Errorf("step 0: %d teacher-forced hits, %d greedy agreements", firstHits, first)
	}
}
