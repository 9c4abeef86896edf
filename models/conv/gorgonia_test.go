package conv

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	nnops "gorgonia.org/gorgonia/ops/nn"
	"gorgonia.org/tensor"

	"musae/models"
	"musae/models/internal/gorgoniatest"
)

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
					gx := gorgoniatest.Input(g, "x", x, n, in, h, w)
					gw := gorgoniatest.Input(g, "W", c.W.Data(), out, in, 3, 3)
					gb := gorgoniatest.Input(g, "b", c.B.Data(), 1, out, 1, 1)
					gr := gorgoniatest.Input(g, "R", r, n, out, h, w)
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
					want := gorgoniatest.Run(t, g, y, grads[0], grads[1], grads[2])

					models.ZeroGrads(c.Params())
					gorgoniatest.Check(t, "y", c.Forward(x, n, h, w), want[0])
					dx := c.Backward(r)
					gorgoniatest.Check(t, "dW", c.W.Grad, want[1])
					gorgoniatest.Check(t, "db", c.B.Grad, want[2])
					gorgoniatest.Check(t, "dx", dx, want[3])
				})
			}
		})
	}
}
