package domain

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Pick returns n of xs drawn by seed, in their original order, or all of xs when n is 0
// or at least len(xs).
func Pick[T any](xs []T, n int, seed uint64) []T {
	if n <= 0 || n >= len(xs) {
		return xs
	}
	rng := rand.New(rand.NewPCG(seed, 0x7069636b))
	idx := rng.Perm(len(xs))[:n]
	slices.Sort(idx)
	out := make([]T, n)
	for i, k := range idx {
		out[i] = xs[k]
	}
	return out
}

// Gather returns the vectors of zs at the indices idx.
func Gather(zs [][]float32, idx []int) [][]float32 {
	out := make([][]float32, len(idx))
	for i, k := range idx {
		out[i] = zs[k]
	}
	return out
}

// Shifted names the latent point z = mu + amount·name for people: "z = mu - 1·density".
func Shifted(amount float64, name string) string {
	if amount < 0 {
		return fmt.Sprintf("z = mu - %g·%s", -amount, name)
	}
	return fmt.Sprintf("z = mu + %g·%s", amount, name)
}
