package datasets

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDownsample(t *testing.T) {
	src := []float32{
		1, 3, 0, 0,
		5, 7, 0, 4,
		1, 1, 1, 1,
		1, 1, 1, 1,
	}
	if got, want := Downsample(src, 4, 4, 2), []float32{4, 1, 1, 1}; !slices.Equal(got, want) {
		t.Errorf("Downsample = %v, want %v", got, want)
	}
}

func TestAddNoise(t *testing.T) {
	src := make([]float32, 10000)
	for i := range src {
		src[i] = 0.5
	}
	a, b := make([]float32, len(src)), make([]float32, len(src))
	AddNoise(a, src, 0.1, rand.New(rand.NewPCG(1, 2)))
	AddNoise(b, src, 0.1, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different noise")
	}
	var s, s2 float64
	for _, v := range a {
		d := float64(v) - 0.5
		s += d
		s2 += d * d
	}
	if sd := math.Sqrt(s2 / float64(len(a))); math.Abs(s/float64(len(a))) > 0.005 || math.Abs(sd-0.1) > 0.005 {
		t.Errorf("noise mean %.4f, sd %.4f; want 0 and 0.1", s/float64(len(a)), sd)
	}
	AddNoise(a, src, 5, rand.New(rand.NewPCG(1, 2)))
	for _, v := range a {
		if v < 0 || v > 1 {
			t.Fatalf("noisy value %g outside [0, 1]", v)
		}
	}
}

func TestPSNRAndCrossEntropy(t *testing.T) {
	want := []float32{0, 1, 0.5, 0.5}
	if got := PSNR(want, want); !math.IsInf(got, 1) {
		t.Errorf("PSNR of equal pictures %v, want +Inf", got)
	}
	// MSE 0.01 → 20 dB.
	if got := PSNR([]float32{0.2, 1, 0.5, 0.5}, want); math.Abs(got-20) > 1e-4 {
		t.Errorf("PSNR %v, want 20", got)
	}
	// −(log 0.5 + log 0.5) for the grey pixels; the exact 0 and 1 cost ~1e-6 each.
	if got := CrossEntropy(want, want); math.Abs(got-2*math.Ln2) > 1e-5 {
		t.Errorf("cross-entropy %v, want %v", got, 2*math.Ln2)
	}
	if got := CrossEntropy([]float32{1, 0, 0.5, 0.5}, want); math.Abs(got-(2*-math.Log(1e-6)+2*math.Ln2)) > 1e-3 {
		t.Errorf("cross-entropy of wrong certainties %v", got)
	}
}
