// Package gorgoniatest holds what the layer tests of models, models/conv and models/rnn
// share to check hand-written layers against gorgonia, used as a slow but trusted
// reference: the same computation built as a gorgonia graph of its own ops, with gradients
// from its symbolic differentiation (gorgonia.Grad). Everything is float32, as in the
// layers.
package gorgoniatest

import (
	"math"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Tol is the largest relative difference allowed between a layer and gorgonia: a few
// float32 roundings of sums of up to a few hundred terms, far below what a wrong layout,
// a flipped kernel or a wrong formula gives.
const Tol = 1e-4

// Input returns an input node of g named name, of the given shape, holding a copy of data
// (gorgonia may write into a node's value; the layer's data stays its own).
func Input(g *G.ExprGraph, name string, data []float32, shape ...int) *G.Node {
	v := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(slices.Clone(data)))
	return G.NewTensor(g, tensor.Float32, len(shape), G.WithName(name), G.WithShape(shape...), G.WithValue(v))
}

// Run runs g once and returns copies of the values of nodes.
func Run(t *testing.T, g *G.ExprGraph, nodes ...*G.Node) [][]float32 {
	t.Helper()
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("gorgonia: %v", err)
	}
	out := make([][]float32, len(nodes))
	for i, n := range nodes {
		out[i] = slices.Clone(n.Value().Data().([]float32))
	}
	return out
}

// Diff returns the largest difference between got and want relative to each value of
// want, floored at 1% of want's largest magnitude, so that values that cancel to near zero
// are judged at the scale of the rest, and the index where it occurs (−1 when the lengths
// differ).
func Diff(got, want []float32) (float64, int) {
	if len(got) != len(want) {
		return math.Inf(1), -1
	}
	var scale float64
	for _, w := range want {
		scale = max(scale, math.Abs(float64(w)))
	}
	floor := max(1e-2*scale, 1e-30)
	worst, at := 0.0, 0
	for i, w := range want {
		if d := math.Abs(float64(got[i])-float64(w)) / max(math.Abs(float64(w)), floor); d > worst {
			worst, at = d, i
		}
	}
	return worst, at
}

// Check fails t when got differs from gorgonia's want by more than Tol, and logs the
// difference either way.
func Check(t *testing.T, what string, got, want []float32) {
	t.Helper()
	d, i := Diff(got, want)
	t.Logf("%s: max relative difference %.2g", what, d)
	switch {
	case i < 0:
		t.Errorf("%s has %d values, gorgonia %d", what, len(got), len(want))
	case d > Tol:
		t.Errorf("%s[%d] = %g, gorgonia %g (relative difference %.3g > %g)", what, i, got[i], want[i], d, Tol)
	}
}
