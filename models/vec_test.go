package models

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	eachKernel(t, func(t *testing.T) {
		for _, n := range []int{0, 1, 15, 16, 31, 32, 63, 64, 65, 200} {
			a, b := randSlice(rng, n), randSlice(rng, n)
			want := make([]float32, n)
			for i := range want {
				want[i] = a[i] + b[i]
			}
			got := make([]float32, n)
			Add(got, a, b)
			if !slices.Equal(got, want) {
				t.Fatalf("Add, %d values: %v, want %v", n, got, want)
			}
			AddTo(a, b) // dst aliasing an operand
			if !slices.Equal(a, want) {
				t.Fatalf("AddTo, %d values: %v, want %v", n, a, want)
			}
		}
	})
}
