package conv

import (
	"math/rand/v2"
	"testing"

	"musae/models"
)

// checkLayer runs a finite-difference check of a layer's input gradient through the loss
// Σ r·forward(x).
func checkLayer(t *testing.T, rng *rand.Rand, x []float32, forward func() []float32, backward func([]float32) []float32, nout int) {
	t.Helper()
	r := randSlice(rng, nout)
	xp := models.WrapParam("x", x, len(x))
	loss := func() float64 {
		var s float64
		for i, v := range forward() {
			s += float64(v) * float64(r[i])
		}
		return s
	}
	back := func() {
		forward()
		for i, v := range backward(r) {
			xp.Grad[i] += v
		}
	}
	if err := models.GradCheck([]*models.Param{xp}, loss, back, 200, 1e-3, 1e-3, rng); err != nil {
		t.Error(err)
	}
}

func TestMaxPool2(t *testing.T) {
	var p MaxPool2
	x := []float32{
		1, 2, 0, -1, 9,
		3, 4, 5, 5, 9,
		-2, -3, 7, 6, 9,
		-4, -1, 6, 8, 9,
		9, 9, 9, 9, 9,
	}
	want := []float32{4, 5, -1, 8}
	got := p.Forward(x, 1, 1, 5, 5)
	if len(got) != len(want) {
		t.Fatalf("got %d outputs, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("output %d = %g, want %g", i, got[i], want[i])
		}
	}
	// The first of tied maxima takes the gradient, as in PyTorch.
	dx := p.Backward([]float32{1, 10, 100, 1000})
	for i, w := range map[int]float32{6: 1, 7: 10, 16: 100, 18: 1000} {
		if dx[i] != w {
			t.Errorf("dx[%d] = %g, want %g", i, dx[i], w)
		}
	}

	rng := rand.New(rand.NewPCG(9, 10))
	n, c, h, w := 2, 3, 6, 8
	x = randSlice(rng, n*c*h*w) // distinct values: ties have measure zero
	checkLayer(t, rng, x, func() []float32 { return p.Forward(x, n, c, h, w) }, p.Backward, n*c*h*w/4)
}

func TestUpsample2(t *testing.T) {
	var u Upsample2
	got := u.Forward([]float32{1, 2, 3, 4, 5, 6}, 1, 1, 2, 3)
	want := []float32{1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 4, 4, 5, 5, 6, 6}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Forward = %v, want %v", got, want)
		}
	}
	rng := rand.New(rand.NewPCG(11, 12))
	n, c, h, w := 2, 3, 4, 5
	x := randSlice(rng, n*c*h*w)
	checkLayer(t, rng, x, func() []float32 { return u.Forward(x, n, c, h, w) }, u.Backward, 4*n*c*h*w)
}
