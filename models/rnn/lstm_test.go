package rnn

import (
	"math"
	"math/rand/v2"
	"testing"

	"musae/models"
)

// dot returns Σ a·b in float64.
func dot(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func TestLSTMGradients(t *testing.T) {
	for _, tc := range []struct {
		name           string
		n, t, in, h    int
		withState      bool
		wantInputGrads bool
	}{
		{"zero-state", 3, 4, 5, 6, false, true},
		{"initial-state", 2, 5, 3, 9, true, true},
		{"two-tiles", 11, 3, 4, 33, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(tc.h)))
			l := NewLSTM("lstm", "_l0", tc.in, tc.h, rng)
			// Bigger weights than PyTorch's init so that the gates saturate somewhat.
			for _, p := range l.Params() {
				p.InitUniform(rng, 0.8)
			}
			x := randSlice(rng, tc.n*tc.t*tc.in)
			var h0, c0 []float32
			params := append([]*models.Param{}, l.Params()...)
			xp := models.WrapParam("x", x, tc.n, tc.t, tc.in)
			params = append(params, xp)
			var h0p, c0p *models.Param
			if tc.withState {
				h0, c0 = randSlice(rng, tc.n*tc.h), randSlice(rng, tc.n*tc.h)
				h0p, c0p = models.WrapParam("h0", h0, tc.n, tc.h), models.WrapParam("c0", c0, tc.n, tc.h)
				params = append(params, h0p, c0p)
			}
			rh := randSlice(rng, tc.n*tc.t*tc.h)
			rhT, rcT := randSlice(rng, tc.n*tc.h), randSlice(rng, tc.n*tc.h)
			loss := func() float64 {
				hs := l.Forward(x, tc.n, tc.t, h0, c0, true)
				hT, cT := l.Final()
				return dot(hs, rh) + dot(hT, rhT) + dot(cT, rcT)
			}
			backward := func() {
				loss()
				dx, dh0, dc0 := l.Backward(rh, rhT, rcT)
				models.AddTo(xp.Grad, dx)
				if tc.withState {
					models.AddTo(h0p.Grad, dh0)
					models.AddTo(c0p.Grad, dc0)
				}
			}
			if err := models.GradCheck(params, loss, backward, 40, 1e-2, 2e-2, rng); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestLSTMNextMatchesForward checks the one-step path against the sequence path.
func TestLSTMNextMatchesForward(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	n, steps, in, h := 3, 6, 7, 10
	l := NewLSTM("lstm", "_l0", in, h, rng)
	x := randSlice(rng, n*steps*in)
	h0, c0 := randSlice(rng, n*h), randSlice(rng, n*h)
	hs := append([]float32(nil), l.Forward(x, n, steps, h0, c0, false)...)
	s := &State{H: append([]float32(nil), h0...), C: append([]float32(nil), c0...)}
	xt := make([]float32, n*in)
	for st := 0; st < steps; st++ {
		for i := 0; i < n; i++ {
			copy(xt[i*in:(i+1)*in], x[(i*steps+st)*in:])
		}
		l.Next(s, xt)
		for i := 0; i < n; i++ {
			for j := 0; j < h; j++ {
				if a, b := s.H[i*h+j], hs[(i*steps+st)*h+j]; math.Abs(float64(a-b)) > 1e-5 {
					t.Fatalf("step %d example %d unit %d: Next %g, Forward %g", st, i, j, a, b)
				}
			}
		}
	}
}

func TestTransposeInto(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for _, sh := range [][2]int{{1, 1}, {7, 13}, {130, 9}, {1024, 154}} {
		rows, cols := sh[0], sh[1]
		src := randSlice(rng, rows*cols)
		for _, w := range []int{1, 3} {
			dst := make([]float32, rows*cols)
			transposeInto(dst, src, rows, cols, w)
			for i := 0; i < rows; i++ {
				for j := 0; j < cols; j++ {
					if dst[j*rows+i] != src[i*cols+j] {
						t.Fatalf("%dx%d over %d goroutines: dst[%d,%d] = %g, want %g", rows, cols, w, j, i, dst[j*rows+i], src[i*cols+j])
					}
				}
			}
		}
	}
}
