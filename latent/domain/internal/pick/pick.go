// Package pick draws subsets of examples and gathers vectors into sets and batches, for
// the domain packages.
package pick

import (
	"math/rand/v2"
	"slices"
)

// N returns n of xs drawn by seed, in their original order, or all of xs when n is 0
// or at least len(xs).
func N[T any](xs []T, n int, seed uint64) []T {
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

// Flatten lays vectors end to end, as a batch of them that a decoder reads.
func Flatten(zs [][]float32) []float32 {
	var out []float32
	for _, z := range zs {
		out = append(out, z...)
	}
	return out
}
