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

// gates cuts an LSTM's parameters into gorgonia nodes gate by gate (i, f, g, o), weight_ih
// also by columns at cols (so that a one-hot block and an embedding block are separate
// inputs), so that the graph needs no Slice or Concat.
type gates struct {
	wih      [4][]*G.Node // [gate][column block] [H, width]
	whh      [4]*G.Node
	bih, bhh [4]*G.Node
	cols     []int // column block edges of weight_ih: 0, …, In
}

func cutLSTM(g *G.ExprGraph, name string, l *LSTM, cols []int) *gates {
	H, in := l.Hidden, l.In
	c := &gates{cols: cols}
	for k, gn := range []string{"i", "f", "g", "o"} {
		for b := 0; b+1 < len(cols); b++ {
			w := cols[b+1] - cols[b]
			block := make([]float32, 0, H*w)
			for r := k * H; r < (k+1)*H; r++ {
				block = append(block, l.WIH.Data()[r*in+cols[b]:r*in+cols[b+1]]...)
			}
			c.wih[k] = append(c.wih[k], gorgoniatest.Input(g, fmt.Sprintf("%s_wih_%s_%d", name, gn, b), block, H, w))
		}
		c.whh[k] = gorgoniatest.Input(g, name+"_whh_"+gn, l.WHH.Data()[k*H*H:(k+1)*H*H], H, H)
		c.bih[k] = gorgoniatest.Input(g, name+"_bih_"+gn, l.BIH.Data()[k*H:(k+1)*H], H)
		c.bhh[k] = gorgoniatest.Input(g, name+"_bhh_"+gn, l.BHH.Data()[k*H:(k+1)*H], H)
	}
	return c
}

// step is one LSTM step: xs are the inputs of the column blocks (nil: a zero block).
func (c *gates) step(h, cell *G.Node, xs ...*G.Node) (*G.Node, *G.Node) {
	var act [4]*G.Node
	for k := range act {
		pre := G.Must(G.Mul(h, G.Must(G.Transpose(c.whh[k]))))
		for b, x := range xs {
			if x != nil {
				pre = G.Must(G.Add(pre, G.Must(G.Mul(x, G.Must(G.Transpose(c.wih[k][b]))))))
			}
		}
		pre = G.Must(G.BroadcastAdd(pre, c.bih[k], nil, []byte{0}))
		pre = G.Must(G.BroadcastAdd(pre, c.bhh[k], nil, []byte{0}))
		if k == 2 {
			act[k] = G.Must(G.Tanh(pre))
		} else {
			act[k] = G.Must(G.Sigmoid(pre))
		}
	}
	cell = G.Must(G.Add(G.Must(G.HadamardProd(act[1], cell)), G.Must(G.HadamardProd(act[0], act[2]))))
	return G.Must(G.HadamardProd(act[3], G.Must(G.Tanh(cell)))), cell
}

// grads reassembles weight_ih, weight_hh, bias_ih, bias_hh gradients from the gate nodes'.
func (c *gates) grads(val func(*G.Node) []float32, H, in int) (wih, whh, bih, bhh []float32) {
	wih = make([]float32, 4*H*in)
	for k := range 4 {
		for b := 0; b+1 < len(c.cols); b++ {
			w := c.cols[b+1] - c.cols[b]
			gv := val(c.wih[k][b])
			for r := 0; r < H; r++ {
				copy(wih[(k*H+r)*in+c.cols[b]:(k*H+r)*in+c.cols[b+1]], gv[r*w:(r+1)*w])
			}
		}
		whh = append(whh, val(c.whh[k])...)
		bih = append(bih, val(c.bih[k])...)
		bhh = append(bhh, val(c.bhh[k])...)
	}
	return wih, whh, bih, bhh
}

// initState is tanh(init(x)) cut into h and c for one layer: init's weight rows 0…H−1
// give h, H…2H−1 give c.
type initState struct{ wh, wc, bh, bc *G.Node }

func cutInit(g *G.ExprGraph, name string, d *models.Dense, H int) *initState {
	in := d.In
	w, b := d.W.Data(), d.B.Data()
	return &initState{
		wh: gorgoniatest.Input(g, name+"_wh", w[:H*in], H, in), wc: gorgoniatest.Input(g, name+"_wc", w[H*in:2*H*in], H, in),
		bh: gorgoniatest.Input(g, name+"_bh", b[:H], H), bc: gorgoniatest.Input(g, name+"_bc", b[H:2*H], H),
	}
}

func (s *initState) of(x *G.Node) (h, c *G.Node) {
	h = G.Must(G.Tanh(G.Must(G.BroadcastAdd(G.Must(G.Mul(x, G.Must(G.Transpose(s.wh)))), s.bh, nil, []byte{0}))))
	c = G.Must(G.Tanh(G.Must(G.BroadcastAdd(G.Must(G.Mul(x, G.Must(G.Transpose(s.wc)))), s.bc, nil, []byte{0}))))
	return h, c
}

// TestHierGorgonia holds the hierarchical decoder's NLL and every gradient (of its
// parameters and of z) to gorgonia's, built from gorgonia's own ops: the conductor on zero
// inputs from tanh(conductor_init(z)), each bar from tanh(init(embedding)) with the
// embedding beside the one-hot of the class before at every step (the last class of the bar
// before at the bar's first step), log-softmax NLL of the true classes, summed. Small, and
// at hier16-tiny's full size (16 bars of 16 steps).
func TestHierGorgonia(t *testing.T) {
	full := Hier16Config()
	for _, tc := range []struct {
		name string
		c    HierConfig
		n    int
	}{
		{"small", HierConfig{Config: Config{Name: "t", Classes: 6, Steps: 12, EncoderHidden: 3, DecoderHidden: []int{7}, Z: 3}, Bars: 3, ConductorHidden: []int{5}}, 2},
		{"full", full, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "full" && testing.Short() {
				t.Skip("full size")
			}
			rng := rand.New(rand.NewPCG(61, 62))
			d := newHierDecoder(t, tc.c, rng)
			n, C, T := tc.n, tc.c.Classes, tc.c.Steps
			S, Hc, Hb, E := T/tc.c.Bars, d.Hidden, d.Bar.Hidden, d.Hidden
			b := randomBatch(rng, n, tc.c.Config)
			z := randSlice(rng, n*tc.c.Z)

			g := G.NewGraph()
			zn := gorgoniatest.Input(g, "z", z, n, tc.c.Z)
			cinit := cutInit(g, "ci", d.Init, Hc)
			cond := cutLSTM(g, "cond", d.Conductor[0], []int{0, 1})
			binit := cutInit(g, "bi", d.Bar.Init, Hb)
			bar := cutLSTM(g, "bar", d.Bar.Layers[0], []int{0, C, C + E})
			wout := gorgoniatest.Input(g, "wout", d.Bar.Out.W.Data(), C, Hb)
			bout := gorgoniatest.Input(g, "bout", d.Bar.Out.B.Data(), C)
			oneHot := func(name string, pick func(i int) int32) *G.Node {
				v := make([]float32, n*C)
				for i := 0; i < n; i++ {
					if c := pick(i); c >= 0 {
						v[i*C+int(c)] = 1
					}
				}
				return gorgoniatest.Input(g, name, v, n, C)
			}
			h, c := cinit.of(zn)
			var terms []*G.Node
			for bi := 0; bi < tc.c.Bars; bi++ {
				h, c = cond.step(h, c, nil) // the zero input
				emb := h
				hb, cb := binit.of(emb)
				for s := 0; s < S; s++ {
					t0 := bi*S + s
					prev := oneHot(fmt.Sprint("prev", t0), func(i int) int32 {
						if t0 == 0 {
							return -1
						}
						return b.Classes[i*T+t0-1]
					})
					hb, cb = bar.step(hb, cb, prev, emb)
					logits := G.Must(G.BroadcastAdd(G.Must(G.Mul(hb, G.Must(G.Transpose(wout)))), bout, nil, []byte{0}))
					lse := G.Must(G.Log(G.Must(G.Sum(G.Must(G.Exp(logits)), 1))))
					logp := G.Must(G.BroadcastSub(logits, lse, nil, []byte{1}))
					tgt := oneHot(fmt.Sprint("tgt", t0), func(i int) int32 { return b.Classes[i*T+t0] })
					terms = append(terms, G.Must(G.Neg(G.Must(G.Sum(G.Must(G.HadamardProd(logp, tgt)))))))
				}
			}
			loss := G.Must(G.ReduceAdd(terms))
			wrt := []*G.Node{zn, cinit.wh, cinit.wc, cinit.bh, cinit.bc, binit.wh, binit.wc, binit.bh, binit.bc, wout, bout}
			for k := range 4 {
				wrt = append(wrt, cond.whh[k], cond.bih[k], cond.bhh[k], bar.whh[k], bar.bih[k], bar.bhh[k])
				wrt = append(wrt, bar.wih[k]...)
			}
			gs, err := G.Grad(loss, wrt...)
			if err != nil {
				t.Fatal(err)
			}
			vm := G.NewTapeMachine(g)
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatalf("gorgonia: %v", err)
			}
			wantLoss := loss.Value().Data().(float32)
			gv := map[*G.Node][]float32{}
			for i, w := range wrt {
				gv[w] = slices.Clone(gs[i].Value().Data().([]float32))
			}
			val := func(w *G.Node) []float32 { return gv[w] }

			models.ZeroGrads(d.Params())
			var total float64
			for _, v := range d.NLL(z, b, true) {
				total += v
			}
			ones := make([]float32, n)
			for i := range ones {
				ones[i] = 1
			}
			dz := d.Backward(ones)
			gorgoniatest.Check(t, "NLL", []float32{float32(total)}, []float32{wantLoss})
			gorgoniatest.Check(t, "d z", dz, val(zn))
			cat := func(a, b []float32) []float32 { return append(append([]float32(nil), a...), b...) }
			gorgoniatest.Check(t, "d conductor_init.weight", d.Init.W.Grad, cat(val(cinit.wh), val(cinit.wc)))
			gorgoniatest.Check(t, "d conductor_init.bias", d.Init.B.Grad, cat(val(cinit.bh), val(cinit.bc)))
			gorgoniatest.Check(t, "d init.weight", d.Bar.Init.W.Grad, cat(val(binit.wh), val(binit.wc)))
			gorgoniatest.Check(t, "d init.bias", d.Bar.Init.B.Grad, cat(val(binit.bh), val(binit.bc)))
			gorgoniatest.Check(t, "d out.weight", d.Bar.Out.W.Grad, val(wout))
			gorgoniatest.Check(t, "d out.bias", d.Bar.Out.B.Grad, val(bout))
			cl := d.Conductor[0]
			_, whh, bih, bhh := cond.grads(func(w *G.Node) []float32 {
				if v, ok := gv[w]; ok {
					return v
				}
				return make([]float32, len(w.Value().Data().([]float32))) // the zero input's weights get none
			}, Hc, 1)
			gorgoniatest.Check(t, "d conductor.weight_hh", cl.WHH.Grad, whh)
			gorgoniatest.Check(t, "d conductor.bias_ih", cl.BIH.Grad, bih)
			gorgoniatest.Check(t, "d conductor.bias_hh", cl.BHH.Grad, bhh)
			for _, v := range cl.WIH.Grad {
				if v != 0 {
					t.Fatalf("conductor.weight_ih, whose input is zero, has gradient %g", v)
				}
			}
			bl := d.Bar.Layers[0]
			wih, whh, bih, bhh := bar.grads(val, Hb, C+E)
			gorgoniatest.Check(t, "d dec.weight_ih", bl.WIH.Grad, wih)
			gorgoniatest.Check(t, "d dec.weight_hh", bl.WHH.Grad, whh)
			gorgoniatest.Check(t, "d dec.bias_ih", bl.BIH.Grad, bih)
			gorgoniatest.Check(t, "d dec.bias_hh", bl.BHH.Grad, bhh)
		})
	}
}
