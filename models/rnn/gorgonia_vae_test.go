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

// refGraph builds a whole model's loss as a gorgonia graph, one example at a time over its
// own steps (the plain definition that padding and masks must reproduce), with every
// weight cut in Go into the blocks each input meets (gate k's rows, and the columns of
// the one-hot, z and control inputs), so that the graph needs no Slice or Concat. grads
// puts the blocks' gradients back into each parameter's layout.
type refGraph struct {
	g      *G.ExprGraph
	nodes  []*G.Node
	blocks []refBlock
	seq    int // for distinct node names: gorgonia merges inputs of the same name and shape
}

// refBlock is the node of rows r0…r1, columns c0…c1 of parameter p (cols wide).
type refBlock struct {
	p              *models.Param
	r0, r1, c0, c1 int
}

func (r *refGraph) input(data []float32, shape ...int) *G.Node {
	r.seq++
	return gorgoniatest.Input(r.g, fmt.Sprint("in", r.seq), data, shape...)
}

// block returns the parameter node of p's rows r0…r1 and columns c0…c1 (a 1-D parameter
// is one row [1, len]).
func (r *refGraph) block(p *models.Param, r0, r1, c0, c1 int) *G.Node {
	cols := p.Len()
	if s := p.Shape(); len(s) == 2 {
		cols = s[1]
	}
	d := p.Data()
	var sub []float32
	for i := r0; i < r1; i++ {
		sub = append(sub, d[i*cols+c0:i*cols+c1]...)
	}
	r.seq++
	n := gorgoniatest.Input(r.g, fmt.Sprint("p", r.seq, p.Name), sub, r1-r0, c1-c0)
	r.nodes = append(r.nodes, n)
	r.blocks = append(r.blocks, refBlock{p, r0, r1, c0, c1})
	return n
}

// lin is x·Wᵀ for x [1, w] and W [out, w].
func lin(x, w *G.Node) *G.Node { return G.Must(G.Mul(x, G.Must(G.Transpose(w)))) }

func sum(ns ...*G.Node) *G.Node {
	s := ns[0]
	for _, n := range ns[1:] {
		s = G.Must(G.Add(s, n))
	}
	return s
}

// refLSTM is an LSTM's weights as blocks: per gate, W_ih cut at the given column widths.
type refLSTM struct {
	wih      [4][]*G.Node
	whh      [4]*G.Node
	bih, bhh [4]*G.Node
	H        int
}

func (r *refGraph) lstm(l *LSTM, widths ...int) *refLSTM {
	H := l.Hidden
	rl := &refLSTM{H: H}
	for k := 0; k < 4; k++ {
		c := 0
		for _, w := range widths {
			rl.wih[k] = append(rl.wih[k], r.block(l.WIH, k*H, (k+1)*H, c, c+w))
			c += w
		}
		rl.whh[k] = r.block(l.WHH, k*H, (k+1)*H, 0, H)
		rl.bih[k] = r.block(l.BIH, 0, 1, k*H, (k+1)*H)
		rl.bhh[k] = r.block(l.BHH, 0, 1, k*H, (k+1)*H)
	}
	return rl
}

// step is one LSTM step from (h, c) on inputs xs, one per column block.
func (rl *refLSTM) step(h, c *G.Node, xs ...*G.Node) (*G.Node, *G.Node) {
	var act [4]*G.Node
	for k := range act {
		terms := []*G.Node{lin(h, rl.whh[k]), rl.bih[k], rl.bhh[k]}
		for j, x := range xs {
			terms = append(terms, lin(x, rl.wih[k][j]))
		}
		pre := sum(terms...)
		if k == 2 {
			act[k] = G.Must(G.Tanh(pre))
		} else {
			act[k] = G.Must(G.Sigmoid(pre))
		}
	}
	c = G.Must(G.Add(G.Must(G.HadamardProd(act[1], c)), G.Must(G.HadamardProd(act[0], act[2]))))
	return G.Must(G.HadamardProd(act[3], G.Must(G.Tanh(c)))), c
}

func oneHot(n int, c int32) []float32 {
	v := make([]float32, n)
	if c >= 0 {
		v[c] = 1
	}
	return v
}

// vaeGorgonia returns the mean over b's examples of reconstruction + beta·KL with
// z = mu + exp(logvar/2)·eps, and its gradient for each of m's parameters, by name.
func vaeGorgonia(t *testing.T, m *Model, b *models.Batch, eps []float32, beta float64) (float32, map[string][]float32) {
	t.Helper()
	r := &refGraph{g: G.NewGraph()}
	cfg := m.Config
	Cl, C, Z, EH, DH, L := cfg.Classes, cfg.Controls, cfg.Z, cfg.EncoderHidden, m.Dec.Hidden, len(m.Dec.Layers)
	encW := []int{Cl}
	decW := []int{Cl, Z}
	if C > 0 {
		encW, decW = append(encW, C), append(decW, C)
	}
	fwd, bwd := r.lstm(m.Enc.Fwd, encW...), r.lstm(m.Enc.Bwd, encW...)
	muF, muB, muBias := r.block(m.Enc.Mu.W, 0, Z, 0, EH), r.block(m.Enc.Mu.W, 0, Z, EH, 2*EH), r.block(m.Enc.Mu.B, 0, 1, 0, Z)
	lvF, lvB, lvBias := r.block(m.Enc.LV.W, 0, Z, 0, EH), r.block(m.Enc.LV.W, 0, Z, EH, 2*EH), r.block(m.Enc.LV.B, 0, 1, 0, Z)
	var initW, initB [][2]*G.Node // per layer: h, c
	for k := 0; k < L; k++ {
		o := k * 2 * DH
		initW = append(initW, [2]*G.Node{r.block(m.Dec.Init.W, o, o+DH, 0, Z), r.block(m.Dec.Init.W, o+DH, o+2*DH, 0, Z)})
		initB = append(initB, [2]*G.Node{r.block(m.Dec.Init.B, 0, 1, o, o+DH), r.block(m.Dec.Init.B, 0, 1, o+DH, o+2*DH)})
	}
	dec := []*refLSTM{r.lstm(m.Dec.Layers[0], decW...)}
	for k := 1; k < L; k++ {
		dec = append(dec, r.lstm(m.Dec.Layers[k], DH))
	}
	outW, outB := r.block(m.Dec.Out.W, 0, Cl, 0, DH), r.block(m.Dec.Out.B, 0, 1, 0, Cl)

	ctl := func(i, t int) *G.Node { return r.input(b.Controls[(i*b.T+t)*C:(i*b.T+t+1)*C], 1, C) }
	var losses []*G.Node
	for i := 0; i < b.N; i++ {
		n := b.Len(i)
		cls := b.Classes[i*b.T : i*b.T+n]
		encode := func(l *refLSTM, order func(int) int) *G.Node {
			h, c := r.input(make([]float32, EH), 1, EH), r.input(make([]float32, EH), 1, EH)
			for s := 0; s < n; s++ {
				t := order(s)
				xs := []*G.Node{r.input(oneHot(Cl, cls[t]), 1, Cl)}
				if C > 0 {
					xs = append(xs, ctl(i, t))
				}
				h, c = l.step(h, c, xs...)
			}
			return h
		}
		hf := encode(fwd, func(s int) int { return s })
		hb := encode(bwd, func(s int) int { return n - 1 - s })
		mu := sum(lin(hf, muF), lin(hb, muB), muBias)
		lv := sum(lin(hf, lvF), lin(hb, lvB), lvBias)
		half := r.input(fill(Z, 0.5), 1, Z)
		z := G.Must(G.Add(mu, G.Must(G.HadamardProd(G.Must(G.Exp(G.Must(G.HadamardProd(lv, half)))), r.input(eps[i*Z:(i+1)*Z], 1, Z)))))
		one := r.input(fill(Z, 1), 1, Z)
		kl := G.Must(G.Sum(G.Must(G.Sub(G.Must(G.Add(one, lv)), G.Must(G.Add(G.Must(G.Square(mu)), G.Must(G.Exp(lv))))))))
		kl = G.Must(G.Mul(kl, G.NewConstant(float32(-0.5*beta))))

		hs, cs := make([]*G.Node, L), make([]*G.Node, L)
		for k := 0; k < L; k++ {
			hs[k] = G.Must(G.Tanh(G.Must(G.Add(lin(z, initW[k][0]), initB[k][0]))))
			cs[k] = G.Must(G.Tanh(G.Must(G.Add(lin(z, initW[k][1]), initB[k][1]))))
		}
		terms := []*G.Node{kl}
		for t := 0; t < n; t++ {
			prev := int32(-1)
			if t > 0 {
				prev = cls[t-1]
			}
			xs := []*G.Node{r.input(oneHot(Cl, prev), 1, Cl), z}
			if C > 0 {
				xs = append(xs, ctl(i, t))
			}
			hs[0], cs[0] = dec[0].step(hs[0], cs[0], xs...)
			for k := 1; k < L; k++ {
				hs[k], cs[k] = dec[k].step(hs[k], cs[k], hs[k-1])
			}
			logits := G.Must(G.Add(lin(hs[L-1], outW), outB))
			lse := G.Must(G.Log(G.Must(G.Sum(G.Must(G.Exp(logits))))))
			tgt := G.Must(G.Sum(G.Must(G.HadamardProd(logits, r.input(oneHot(Cl, cls[t]), 1, Cl)))))
			terms = append(terms, G.Must(G.Sub(lse, tgt)))
		}
		losses = append(losses, G.Must(G.ReduceAdd(terms)))
	}
	loss := G.Must(G.Mul(G.Must(G.ReduceAdd(losses)), G.NewConstant(float32(1/float64(b.N)))))
	grads, err := G.Grad(loss, r.nodes...)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(r.g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("gorgonia: %v", err)
	}
	vals := [][]float32{{loss.Value().Data().(float32)}}
	for _, g := range grads {
		vals = append(vals, slices.Clone(g.Value().Data().([]float32)))
	}
	out := map[string][]float32{}
	for _, p := range m.Params() {
		out[p.Name] = make([]float32, p.Len())
	}
	for j, bl := range r.blocks {
		cols := bl.p.Len()
		if s := bl.p.Shape(); len(s) == 2 {
			cols = s[1]
		}
		g, w := vals[1+j], bl.c1-bl.c0
		for i := bl.r0; i < bl.r1; i++ {
			copy(out[bl.p.Name][i*cols+bl.c0:i*cols+bl.c1], g[(i-bl.r0)*w:(i-bl.r0+1)*w])
		}
	}
	return vals[0][0], out
}

func fill(n int, v float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// TestVAEGorgonia checks a whole training step of the recurrent VAE (loss and the gradient
// of every parameter) against gorgonia, with controls and examples shorter than the
// batch, at a small size with two decoder layers and at mel2-tiny's size with controls.
func TestVAEGorgonia(t *testing.T) {
	full := DefaultConfig()
	full.Controls, full.Steps = 7, 48
	for _, tc := range []struct {
		name    string
		cfg     Config
		lengths []int
		long    bool
	}{
		{"small", controlledConfig(2), []int{5, 3, 1}, false},
		{"small-no-controls", tinyConfig(1), []int{5, 2}, false},
		{"mel2-tiny-controls", full, []int{48, 24}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.long && testing.Short() {
				t.Skip("mel2-tiny's size skipped with -short")
			}
			rng := rand.New(rand.NewPCG(21, 5))
			m, err := New(tc.cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			scaleParams(m.Params(), 1.5)
			var b *models.Batch
			if tc.lengths != nil {
				b = raggedBatch(rng, tc.cfg, tc.lengths, true)
			} else {
				b = randomBatch(rng, 2, tc.cfg)
			}
			const beta = 0.3
			eps := make([]float32, b.N*tc.cfg.Z)
			noise := rand.New(rand.NewPCG(9, 9))
			for j := range eps {
				eps[j] = float32(noise.NormFloat64())
			}
			wantLoss, want := vaeGorgonia(t, m, b, eps, beta)
			models.ZeroGrads(m.Params())
			got := m.VAE().Step(b, beta, 0, rand.New(rand.NewPCG(9, 9)))
			gorgoniatest.Check(t, "loss", []float32{float32(got.Loss)}, []float32{wantLoss})
			for _, p := range m.Params() {
				gorgoniatest.Check(t, "d "+p.Name, p.Grad, want[p.Name])
			}
		})
	}
}
