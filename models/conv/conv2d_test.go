package conv

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"musae/models"
)

// naiveConv is the textbook definition of PyTorch's Conv2d (stride 1), for reference.
func naiveConv(x []float32, n, h, w int, c *Conv2D) []float32 {
	ho, wo := c.OutSize(h, w)
	wd, bd := c.W.Data(), c.B.Data()
	y := make([]float32, n*c.Out*ho*wo)
	for i := 0; i < n; i++ {
		for co := 0; co < c.Out; co++ {
			for yo := 0; yo < ho; yo++ {
				for xo := 0; xo < wo; xo++ {
					s := float64(bd[co])
					for ci := 0; ci < c.In; ci++ {
						for ky := 0; ky < c.KH; ky++ {
							for kx := 0; kx < c.KW; kx++ {
								yy, xx := yo+ky-c.PadH, xo+kx-c.PadW
								if yy < 0 || yy >= h || xx < 0 || xx >= w {
									continue
								}
								s += float64(wd[((co*c.In+ci)*c.KH+ky)*c.KW+kx]) * float64(x[((i*c.In+ci)*h+yy)*w+xx])
							}
						}
					}
					y[((i*c.Out+co)*ho+yo)*wo+xo] = float32(s)
				}
			}
		}
	}
	return y
}

type convCase struct {
	name             string
	n, in, out, h, w int
	kh, kw, ph, pw   int
}

var convCases = []convCase{
	{"3x3 same", 3, 2, 5, 6, 7, 3, 3, 1, 1},
	{"3x3 valid", 2, 3, 9, 5, 6, 3, 3, 0, 0},
	{"5x5 pad 1", 2, 2, 3, 7, 6, 5, 5, 1, 1},
	{"2x3 pad 1,2", 2, 3, 4, 5, 5, 2, 3, 1, 2},
	{"1x1", 2, 10, 3, 4, 3, 1, 1, 0, 0},
	{"1-D k3 pad 1", 4, 6, 5, 1, 11, 1, 3, 0, 1},
	{"1-D k4 valid", 3, 5, 7, 1, 9, 1, 4, 0, 0},
	{"mnist c2", 2, 32, 64, 14, 14, 3, 3, 1, 1},
	{"one output channel", 3, 5, 1, 9, 10, 3, 3, 1, 1}, // tileConv1, and the tiles after it
}

func newTestConv(tc convCase, rng *rand.Rand) *Conv2D {
	return newConv("c", tc.in, tc.out, tc.kh, tc.kw, tc.ph, tc.pw, rng, models.NewParam("c.weight", tc.out, tc.in, tc.kh, tc.kw))
}

func TestConv2DForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConv(tc, rng)
			for _, n := range []int{tc.n, 1, tc.n + 2} { // the layout changes with n
				x := randSlice(rng, n*tc.in*tc.h*tc.w)
				want := naiveConv(x, n, tc.h, tc.w, c)
				got := c.Forward(x, n, tc.h, tc.w)
				if len(got) != len(want) {
					t.Fatalf("n %d: output length %d, want %d", n, len(got), len(want))
				}
				if d := maxRelDiff(got, want); d > 1e-5 {
					t.Errorf("n %d: max relative difference from the naive convolution %g", n, d)
				}
			}
		})
	}
}

// TestConv2DGradients checks dW, db and dx against finite differences of a weighted sum of
// the outputs, so that every output counts with its own weight.
func TestConv2DGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tc := range convCases {
		t.Run(tc.name, func(t *testing.T) {
			c := newTestConv(tc, rng)
			x := randSlice(rng, tc.n*tc.in*tc.h*tc.w)
			ho, wo := c.OutSize(tc.h, tc.w)
			r := randSlice(rng, tc.n*tc.out*ho*wo)
			xp := models.WrapParam("x", x, tc.n, tc.in, tc.h, tc.w)
			loss := func() float64 {
				var s float64
				for i, v := range c.Forward(x, tc.n, tc.h, tc.w) {
					s += float64(v) * float64(r[i])
				}
				return s
			}
			backward := func() {
				c.Forward(x, tc.n, tc.h, tc.w)
				dx := c.Backward(r)
				for i, v := range dx {
					xp.Grad[i] += v
				}
			}
			params := append(c.Params(), xp)
			if err := models.GradCheck(params, loss, backward, 40, 0.1, 3e-3, rng); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestConv2DNoInputGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	c := NewConv2D("c", 1, 4, 3, 3, 1, rng)
	c.NoInputGrad = true
	y := c.Forward(randSlice(rng, 2*5*5), 2, 5, 5)
	if dx := c.Backward(y); dx != nil {
		t.Errorf("Backward returned an input gradient of %d values with NoInputGrad", len(dx))
	}
}

func TestConv1DShape(t *testing.T) {
	c := NewConv1D("enc.conv", 90, 16, 3, 1, rand.New(rand.NewPCG(1, 1)))
	if got, want := fmt.Sprint(c.W.Shape()), "[16 90 3]"; got != want {
		t.Errorf("weight shape %s, want %s (PyTorch's Conv1d)", got, want)
	}
	if h, w := c.OutSize(1, 32); h != 1 || w != 32 {
		t.Errorf("output size %d×%d, want 1×32", h, w)
	}
}
