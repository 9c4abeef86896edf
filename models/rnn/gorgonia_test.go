package rnn

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"

	"musae/models"
	"musae/models/internal/gorgoniatest"
)

// lstmRef is what gorgonia computes for one LSTM layer, in the layer's layouts.
type lstmRef struct {
	hs, dx           []float32 // [N, T, H], [N, T, In]
	hT, cT, dh0, dc0 []float32 // [N, H]
	dwih, dwhh       []float32 // [4H, In], [4H, H]
	dbih, dbhh       []float32 // [4H]
}

// lstmGorgonia runs l's computation as a gorgonia graph over x [N, T, In] from (h0, c0),
// with the loss Σ_t Σ h_t∘R_t + Σ c_T∘rc (r [N, T, H], rc [N, H]), and returns the outputs
// and gradients. Each gate has its own weight nodes, cut from l's parameters in Go (rows
// k·H…(k+1)·H of each for gate k = i, f, g, o), so the graph needs no Slice or Concat.
func lstmGorgonia(t *testing.T, l *LSTM, x, h0, c0, r, rc []float32, n, steps int) lstmRef {
	t.Helper()
	in, h := l.In, l.Hidden
	g := G.NewGraph()
	var wih, whh, bih, bhh [4]*G.Node
	var params []*G.Node
	for k, name := range []string{"i", "f", "g", "o"} {
		wih[k] = gorgoniatest.Input(g, "wih_"+name, l.WIH.Data()[k*h*in:(k+1)*h*in], h, in)
		whh[k] = gorgoniatest.Input(g, "whh_"+name, l.WHH.Data()[k*h*h:(k+1)*h*h], h, h)
		bih[k] = gorgoniatest.Input(g, "bih_"+name, l.BIH.Data()[k*h:(k+1)*h], h)
		bhh[k] = gorgoniatest.Input(g, "bhh_"+name, l.BHH.Data()[k*h:(k+1)*h], h)
	}
	for _, ps := range [][4]*G.Node{wih, whh, bih, bhh} {
		params = append(params, ps[:]...)
	}
	// Per-step nodes in [N, ·] from the batch-major [N, T, ·] slices.
	stepOf := func(s []float32, t, d int) []float32 {
		out := make([]float32, 0, n*d)
		for i := 0; i < n; i++ {
			out = append(out, s[(i*steps+t)*d:(i*steps+t+1)*d]...)
		}
		return out
	}
	xs := make([]*G.Node, steps)
	hn, cn := gorgoniatest.Input(g, "h0", h0, n, h), gorgoniatest.Input(g, "c0", c0, n, h)
	hcur, ccur := hn, cn
	hs := make([]*G.Node, steps)
	var terms []*G.Node
	for s := range steps {
		// Distinct names: gorgonia merges input nodes of the same name, type and shape.
		xs[s] = gorgoniatest.Input(g, fmt.Sprint("x", s), stepOf(x, s, in), n, in)
		var act [4]*G.Node
		for k := range act {
			pre := G.Must(G.Add(
				G.Must(G.Mul(xs[s], G.Must(G.Transpose(wih[k])))),
				G.Must(G.Mul(hcur, G.Must(G.Transpose(whh[k])))),
			))
			pre = G.Must(G.BroadcastAdd(pre, bih[k], nil, []byte{0}))
			pre = G.Must(G.BroadcastAdd(pre, bhh[k], nil, []byte{0}))
			if k == 2 {
				act[k] = G.Must(G.Tanh(pre))
			} else {
				act[k] = G.Must(G.Sigmoid(pre))
			}
		}
		ccur = G.Must(G.Add(G.Must(G.HadamardProd(act[1], ccur)), G.Must(G.HadamardProd(act[0], act[2]))))
		hcur = G.Must(G.HadamardProd(act[3], G.Must(G.Tanh(ccur))))
		hs[s] = hcur
		rs := gorgoniatest.Input(g, fmt.Sprint("r", s), stepOf(r, s, h), n, h)
		terms = append(terms, G.Must(G.Sum(G.Must(G.HadamardProd(hcur, rs)))))
	}
	terms = append(terms, G.Must(G.Sum(G.Must(G.HadamardProd(ccur, gorgoniatest.Input(g, "rc", rc, n, h))))))
	loss := G.Must(G.ReduceAdd(terms))
	wrt := append(append(slices.Clone(params), xs...), hn, cn)
	grads, err := G.Grad(loss, wrt...)
	if err != nil {
		t.Fatal(err)
	}

	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("gorgonia: %v", err)
	}
	val := func(n *G.Node) []float32 { return n.Value().Data().([]float32) }
	ref := lstmRef{
		hs: make([]float32, n*steps*h), dx: make([]float32, n*steps*in),
		hT: slices.Clone(val(hcur)), cT: slices.Clone(val(ccur)),
		dh0: slices.Clone(val(grads[len(grads)-2])), dc0: slices.Clone(val(grads[len(grads)-1])),
	}
	for k := range 4 {
		ref.dwih = append(ref.dwih, val(grads[k])...)
		ref.dwhh = append(ref.dwhh, val(grads[4+k])...)
		ref.dbih = append(ref.dbih, val(grads[8+k])...)
		ref.dbhh = append(ref.dbhh, val(grads[12+k])...)
	}
	// Back to batch-major.
	for s := range steps {
		hv, dxv := val(hs[s]), val(grads[16+s])
		for i := 0; i < n; i++ {
			copy(ref.hs[(i*steps+s)*h:(i*steps+s+1)*h], hv[i*h:(i+1)*h])
			copy(ref.dx[(i*steps+s)*in:(i*steps+s+1)*in], dxv[i*in:(i+1)*in])
		}
	}
	return ref
}

// TestLSTMGorgonia checks one LSTM layer (PyTorch's gate order i, f, g, o in one weight_ih,
// one weight_hh and two biases) against gorgonia over a short sequence from a non-zero
// state: the hidden outputs and final state of Forward and of stepping with Next, and the
// gradients from Backward of a fixed linear loss of every output and the final cell state
// with respect to all four parameters, the inputs and the initial state.
func TestLSTMGorgonia(t *testing.T) {
	for _, tc := range []struct {
		name             string
		steps, n, in, hd int
	}{
		{"small", 3, 2, 5, 4},
		{"vector", 3, 2, 5, 19}, // the cell kernels' vector units and a scalar tail
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachVariant(t, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(5, 9))
				n, steps, h := tc.n, tc.steps, tc.hd
				l := NewLSTM("lstm", "_l0", tc.in, h, rng)
				x := randSlice(rng, n*steps*tc.in)
				h0, c0 := randSlice(rng, n*h), randSlice(rng, n*h)
				r, rc := randSlice(rng, n*steps*h), randSlice(rng, n*h)
				want := lstmGorgonia(t, l, x, h0, c0, r, rc, n, steps)

				models.ZeroGrads(l.Params())
				gorgoniatest.Check(t, "h", l.Forward(x, n, steps, h0, c0, true), want.hs)
				hT, cT := l.Final()
				gorgoniatest.Check(t, "h_T", hT, want.hT)
				gorgoniatest.Check(t, "c_T", cT, want.cT)
				dx, dh0, dc0 := l.Backward(r, nil, rc)
				gorgoniatest.Check(t, "d weight_ih", l.WIH.Grad, want.dwih)
				gorgoniatest.Check(t, "d weight_hh", l.WHH.Grad, want.dwhh)
				gorgoniatest.Check(t, "d bias_ih", l.BIH.Grad, want.dbih)
				gorgoniatest.Check(t, "d bias_hh", l.BHH.Grad, want.dbhh)
				gorgoniatest.Check(t, "dx", dx, want.dx)
				gorgoniatest.Check(t, "d h0", dh0, want.dh0)
				gorgoniatest.Check(t, "d c0", dc0, want.dc0)

				s := &State{H: slices.Clone(h0), C: slices.Clone(c0)}
				xt := make([]float32, n*tc.in)
				hs := make([]float32, n*steps*h)
				for k := range steps {
					for i := 0; i < n; i++ {
						copy(xt[i*tc.in:(i+1)*tc.in], x[(i*steps+k)*tc.in:])
					}
					l.Next(s, xt)
					for i := 0; i < n; i++ {
						copy(hs[(i*steps+k)*h:(i*steps+k+1)*h], s.H[i*h:])
					}
				}
				gorgoniatest.Check(t, "Next h", hs, want.hs)
				gorgoniatest.Check(t, "Next c_T", s.C, want.cT)
			})
		})
	}
}
