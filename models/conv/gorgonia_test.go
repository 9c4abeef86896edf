package conv

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	nnops "gorgonia.org/gorgonia/ops/nn"
	"gorgonia.org/tensor"

	"musae/models"
)

// gorgoniaTol is the largest relative difference allowed between Conv2D and gorgonia, the
// slow but trusted reference autodiff: a few float32 roundings of sums of up to a few
// hundred terms, far below what a flipped or transposed kernel gives.
const gorgoniaTol = 1e-4

// gorgoniaInput returns an input node of g named name, of the given shape, holding a copy
// of data (gorgonia may write into a node's value; the layer's data stays its own).
func gorgoniaInput(g *G.ExprGraph, name string, data []float32, shape ...int) *G.Node {
	v := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(slices.Clone(data)))
	return G.NewTensor(g, tensor.Float32, len(shape), G.WithName(name), G.WithShape(shape...), G.WithValue(v))
}

// gorgoniaDiff returns the largest difference between got and want relative to each value
// of want, floored at 1% of want's largest magnitude, and the index where it occurs (−1 when
// the lengths differ).
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

// TestConv2DGorgonia checks a 3×3 Conv2D with padding 1, with and without its fused ReLU,
// against gorgonia's convolution (nnops.Conv2d, the CPU im2col one): the output and the
// weight, bias and input gradients of the loss Σ y∘R for a fixed random R.
func TestConv2DGorgonia(t *testing.T) {
	const n, in, out, h, w = 2, 3, 5, 6, 7
	for _, relu := range []bool{false, true} {
		name := "linear"
		if relu {
			name = "relu"
		}
		t.Run(name, func(t *testing.T) {
			for _, k := range []isa{isaGo, isaAVX2, isaAVX512} {
				t.Run(k.String(), func(t *testing.T) {
					withKernels(t, k)
					rng := rand.New(rand.NewPCG(4, 8))
					c := NewConv2D("conv", in, out, 3, 3, 1, rng)
					c.ReLU = relu
					x := randSlice(rng, n*in*h*w)
					r := randSlice(rng, n*out*h*w)

					g := G.NewGraph()
					gx := gorgoniaInput(g, "x", x, n, in, h, w)
					gw := gorgoniaInput(g, "W", c.W.Data(), out, in, 3, 3)
					gb := gorgoniaInput(g, "b", c.B.Data(), 1, out, 1, 1)
					gr := gorgoniaInput(g, "R", r, n, out, h, w)
					y := G.Must(nnops.Conv2d(gx, gw, tensor.Shape{3, 3}, []int{1, 1}, []int{1, 1}, []int{1, 1}))
					y = G.Must(G.BroadcastAdd(y, gb, nil, []byte{0, 2, 3}))
					if relu {
						y = G.Must(G.Rectify(y))
					}
					loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, gr))))
					grads, err := G.Grad(loss, gw, gb, gx)
					if err != nil {
						t.Fatal(err)
					}
					vm := G.NewTapeMachine(g)
					defer vm.Close()
					if err := vm.RunAll(); err != nil {
						t.Fatalf("gorgonia: %v", err)
					}
					val := func(n *G.Node) []float32 { return slices.Clone(n.Value().Data().([]float32)) }

					models.ZeroGrads(c.Params())
					checkGorgonia(t, "y", c.Forward(x, n, h, w), val(y))
					dx := c.Backward(r)
					checkGorgonia(t, "dW", c.W.Grad, val(grads[0]))
					checkGorgonia(t, "db", c.B.Grad, val(grads[1]))
					checkGorgonia(t, "dx", dx, val(grads[2]))
				})
			}
		})
	}
}
