package models

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The tests in this file check hand-written layers against gorgonia, used as a slow but
// trusted reference: the same computation built as a gorgonia graph of its own ops, with
// gradients from its symbolic differentiation (gorgonia.Grad). Everything is float32, as in
// the layers.

// gorgoniaTol is the largest relative difference allowed between a layer and gorgonia: a
// few float32 roundings of short sums, far below what a wrong layout or formula gives.
const gorgoniaTol = 1e-4

// gorgoniaInput returns an input node of g named name, of the given shape, holding a copy
// of data (gorgonia may write into a node's value; the layer's data stays its own).
func gorgoniaInput(g *G.ExprGraph, name string, data []float32, shape ...int) *G.Node {
	v := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(slices.Clone(data)))
	return G.NewTensor(g, tensor.Float32, len(shape), G.WithName(name), G.WithShape(shape...), G.WithValue(v))
}

// gorgoniaRun runs g once and returns copies of the values of nodes.
func gorgoniaRun(t *testing.T, g *G.ExprGraph, nodes ...*G.Node) [][]float32 {
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

// gorgoniaDiff returns the largest difference between got and want relative to each value
// of want, floored at 1% of want's largest magnitude, so that values that cancel to near
// zero are judged at the scale of the rest, and the index where it occurs.
func gorgoniaDiff(got, want []float32) (float64, int) {
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

// checkGorgonia fails t when got differs from gorgonia's want by more than gorgoniaTol, and
// logs the difference either way.
func checkGorgonia(t *testing.T, what string, got, want []float32) {
	t.Helper()
	d, i := gorgoniaDiff(got, want)
	t.Logf("%s: max relative difference %.2g", what, d)
	switch {
	case i < 0:
		t.Errorf("%s has %d values, gorgonia %d", what, len(got), len(want))
	case d > gorgoniaTol:
		t.Errorf("%s[%d] = %g, gorgonia %g (relative difference %.3g > %g)", what, i, got[i], want[i], d, gorgoniaTol)
	}
}

// TestDenseGorgonia checks Dense's output and its weight, bias and input gradients against
// gorgonia for y = x·Wᵀ + b and the loss Σ y∘R with a fixed random R (so dy = R).
func TestDenseGorgonia(t *testing.T) {
	for _, tc := range []struct {
		name       string
		n, in, out int
	}{
		{"small", 3, 5, 4},
		{"tiles", 17, 37, 29}, // partial micro-tiles of the matrix product
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachKernel(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(7, 11))
				d := NewDense("fc", tc.in, tc.out, rng)
				x := randSlice(rng, tc.n*tc.in)
				r := randSlice(rng, tc.n*tc.out)

				g := G.NewGraph()
				gx := gorgoniaInput(g, "x", x, tc.n, tc.in)
				gw := gorgoniaInput(g, "W", d.W.Data(), tc.out, tc.in)
				gb := gorgoniaInput(g, "b", d.B.Data(), tc.out)
				gr := gorgoniaInput(g, "R", r, tc.n, tc.out)
				xw := G.Must(G.Mul(gx, G.Must(G.Transpose(gw))))
				y := G.Must(G.BroadcastAdd(xw, gb, nil, []byte{0}))
				loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, gr))))
				grads, err := G.Grad(loss, gw, gb, gx)
				if err != nil {
					t.Fatal(err)
				}
				want := gorgoniaRun(t, g, y, grads[0], grads[1], grads[2])

				ZeroGrads(d.Params())
				checkGorgonia(t, "y", d.Forward(x, tc.n), want[0])
				dx := d.Backward(r)
				checkGorgonia(t, "dW", d.W.Grad, want[1])
				checkGorgonia(t, "db", d.B.Grad, want[2])
				checkGorgonia(t, "dx", dx, want[3])
			})
		})
	}
}

// TestBernoulliNLLGorgonia checks BernoulliNLL's per-row sums and logit gradients against
// gorgonia's Σ_row softplus(l) − t·l and its gradient. Rows are long enough for the vector
// kernel and a scalar tail; logits reach past ±10 and targets include fractions.
func TestBernoulliNLLGorgonia(t *testing.T) {
	const n, d = 3, 37
	rng := rand.New(rand.NewPCG(3, 5))
	logits := randSlice(rng, n*d)
	for i := range logits {
		logits[i] *= 4
	}
	targets := make([]float32, n*d)
	for i := range targets {
		if i < (n-1)*d {
			targets[i] = float32(rng.IntN(2))
		} else {
			targets[i] = rng.Float32()
		}
	}

	g := G.NewGraph()
	gl := gorgoniaInput(g, "logits", logits, n, d)
	gt := gorgoniaInput(g, "targets", targets, n, d)
	terms := G.Must(G.Sub(G.Must(G.Softplus(gl)), G.Must(G.HadamardProd(gt, gl))))
	rows := G.Must(G.Sum(terms, 1))
	grads, err := G.Grad(G.Must(G.Sum(rows)), gl)
	if err != nil {
		t.Fatal(err)
	}
	want := gorgoniaRun(t, g, rows, grads[0])

	nll := make([]float64, n)
	dl := make([]float32, n*d)
	BernoulliNLL(nll, logits, targets, n, dl)
	got := make([]float32, n)
	for i, v := range nll {
		got[i] = float32(v)
	}
	checkGorgonia(t, "nll", got, want[0])
	checkGorgonia(t, "dlogits", dl, want[1])
}
