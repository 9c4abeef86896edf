package models

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"

	"musae/models/internal/gorgoniatest"
)

// The tests in this file check hand-written layers against gorgonia, used as a slow but
// trusted reference: the same computation built as a gorgonia graph of its own ops, with
// gradients from its symbolic differentiation (gorgonia.Grad). Everything is float32, as in
// the layers.

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
				gx := gorgoniatest.Input(g, "x", x, tc.n, tc.in)
				gw := gorgoniatest.Input(g, "W", d.W.Data(), tc.out, tc.in)
				gb := gorgoniatest.Input(g, "b", d.B.Data(), tc.out)
				gr := gorgoniatest.Input(g, "R", r, tc.n, tc.out)
				xw := G.Must(G.Mul(gx, G.Must(G.Transpose(gw))))
				y := G.Must(G.BroadcastAdd(xw, gb, nil, []byte{0}))
				loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, gr))))
				grads, err := G.Grad(loss, gw, gb, gx)
				if err != nil {
					t.Fatal(err)
				}
				want := gorgoniatest.Run(t, g, y, grads[0], grads[1], grads[2])

				ZeroGrads(d.Params())
				gorgoniatest.Check(t, "y", d.Forward(x, tc.n), want[0])
				dx := d.Backward(r)
				gorgoniatest.Check(t, "dW", d.W.Grad, want[1])
				gorgoniatest.Check(t, "db", d.B.Grad, want[2])
				gorgoniatest.Check(t, "dx", dx, want[3])
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
	gl := gorgoniatest.Input(g, "logits", logits, n, d)
	gt := gorgoniatest.Input(g, "targets", targets, n, d)
	terms := G.Must(G.Sub(G.Must(G.Softplus(gl)), G.Must(G.HadamardProd(gt, gl))))
	rows := G.Must(G.Sum(terms, 1))
	grads, err := G.Grad(G.Must(G.Sum(rows)), gl)
	if err != nil {
		t.Fatal(err)
	}
	want := gorgoniatest.Run(t, g, rows, grads[0])

	nll := make([]float64, n)
	dl := make([]float32, n*d)
	BernoulliNLL(nll, logits, targets, n, dl)
	got := make([]float32, n)
	for i, v := range nll {
		got[i] = float32(v)
	}
	gorgoniatest.Check(t, "nll", got, want[0])
	gorgoniatest.Check(t, "dlogits", dl, want[1])
}
