package models

import (
	"math/rand/v2"
	"testing"
)

// TestAddScore: the running totals grow by the sums of Score's terms, with the same noise.
func TestAddScore(t *testing.T) {
	g, b := newLinearGaussian(6, 0.2, 1.1)
	v := &VAE{Enc: lgEncoder{g}, Dec: g, Z: 2}
	rec, kl := v.Score(b, rand.New(rand.NewPCG(3, 4)))
	wantRec, wantKL := 10.0, 20.0
	for i := range rec {
		wantRec += rec[i]
		wantKL += kl[i]
	}
	gotRec, gotKL := 10.0, 20.0
	v.AddScore(b, rand.New(rand.NewPCG(3, 4)), &gotRec, &gotKL)
	if gotRec != wantRec || gotKL != wantKL || wantKL == 20 {
		t.Errorf("totals %v, %v; want %v, %v", gotRec, gotKL, wantRec, wantKL)
	}
}
