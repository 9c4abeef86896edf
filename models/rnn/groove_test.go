package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"

	"musae/models"
	"musae/models/internal/gorgoniatest"
)

// tinyGroove is small enough for finite differences and a gorgonia graph.
func tinyGroove(layers int) GrooveConfig {
	dec := make([]int, layers)
	for i := range dec {
		dec[i] = 6
	}
	return GrooveConfig{Name: "test", Drums: 2, Steps: 4, EncoderHidden: 5, DecoderHidden: dec, Z: 3}
}

// grooveBatch returns n random performances as GrooVAE's tensors: hits 0 or 1, and where
// hit a velocity in (0, 1) and an offset in (−1, 1). With corrupt, the encoder's X is the
// performance with velocities and offsets zeroed (humanise) and Target the performance.
func grooveBatch(rng *rand.Rand, n int, c GrooveConfig, corrupt bool) *models.Batch {
	D, F := c.Drums, c.Features()
	b := models.NewBatch(n, c.Steps, F, false)
	y := make([]float32, len(b.X))
	for r := 0; r < n*c.Steps; r++ {
		for j := 0; j < D; j++ {
			if rng.IntN(2) == 1 {
				y[r*F+j] = 1
				y[r*F+D+j] = float32(0.1 + 0.8*rng.Float64())
				y[r*F+2*D+j] = float32(1.6*rng.Float64() - 0.8)
			}
		}
	}
	copy(b.X, y)
	if corrupt {
		for r := 0; r < n*c.Steps; r++ {
			clear(b.X[r*F+D : (r+1)*F])
		}
		b.Target = y
	}
	return b
}

func TestGrooveDecoderGradients(t *testing.T) {
	for _, layers := range []int{1, 2} {
		rng := rand.New(rand.NewPCG(14, uint64(layers)))
		c := tinyGroove(layers)
		d := NewGrooveDecoder(c.Drums, c.Steps, c.Z, c.DecoderHidden, rng)
		scaleParams(d.Params(), 2)
		n := 3
		b := grooveBatch(rng, n, c, true)
		z := randSlice(rng, n*c.Z)
		zp := models.WrapParam("z", z, n, c.Z)
		w := []float32{0.5, -1, 1.5}
		loss := func() float64 {
			var s float64
			for i, v := range d.NLL(z, b, true) {
				s += float64(w[i]) * v
			}
			return s
		}
		backward := func() {
			loss()
			models.AddTo(zp.Grad, d.Backward(w))
		}
		if err := models.GradCheck(append(d.Params(), zp), loss, backward, 30, 1e-2, 2e-2, rng); err != nil {
			t.Errorf("%d layers: %v", layers, err)
		}
	}
}

// TestGrooveVAEGradients checks the whole GrooVAE loss through the dense encoder, with the
// encoder reading a corrupted input and the decoder scoring the target.
func TestGrooveVAEGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 6))
	c := tinyGroove(1)
	v, err := NewGroove(c, rng)
	if err != nil {
		t.Fatal(err)
	}
	scaleParams(v.Params(), 2)
	b := grooveBatch(rng, 4, c, true)
	const beta, free = 0.7, 0.1
	noise := func() *rand.Rand { return rand.New(rand.NewPCG(9, 9)) }
	loss := func() float64 {
		rec, kl := v.Score(b, noise())
		var s float64
		for i := range rec {
			s += rec[i] + beta*max(kl[i]-free, 0)
		}
		return s / float64(len(rec))
	}
	backward := func() { v.Step(b, beta, free, noise()) }
	if err := models.GradCheck(v.Params(), loss, backward, 25, 1e-2, 2e-2, rng); err != nil {
		t.Error(err)
	}
	if got := int64(models.CountParams(v.Params())); got != c.Params() {
		t.Errorf("NewGroove allocates %d parameters, Params says %d", got, c.Params())
	}
}

// TestGrooveTargets checks that the decoder scores Target, not X, where it is set: the
// same X with two targets gives two losses, and a batch whose Target is its X gives the
// loss of the batch without Target.
func TestGrooveTargets(t *testing.T) {
	rng := rand.New(rand.NewPCG(16, 1))
	c := tinyGroove(1)
	d := NewGrooveDecoder(c.Drums, c.Steps, c.Z, c.DecoderHidden, rng)
	b := grooveBatch(rng, 2, c, true)
	z := randSlice(rng, 2*c.Z)
	withTarget := slices.Clone(d.NLL(z, b, false))
	plain := &models.Batch{N: b.N, T: b.T, D: b.D, X: b.X}
	onX := slices.Clone(d.NLL(z, plain, false))
	plain.X = b.Target
	onTarget := d.NLL(z, plain, false)
	for i := range withTarget {
		if withTarget[i] != onTarget[i] {
			t.Errorf("example %d: loss with Target %g, of the target as X %g", i, withTarget[i], onTarget[i])
		}
		if withTarget[i] == onX[i] {
			t.Errorf("example %d: loss with Target %g equals the loss of X", i, withTarget[i])
		}
	}
}

// TestGrooveGenerate checks that greedy generation feeds back its own values: decoding
// teacher-forced on the greedy output reproduces it (hits where the probability p is above
// one half, velocities and offsets over p for hits, zeros for silent drums), and that a
// seeded draw repeats.
func TestGrooveGenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 2))
	c := tinyGroove(2)
	d := NewGrooveDecoder(c.Drums, c.Steps, c.Z, c.DecoderHidden, rng)
	scaleParams(d.Params(), 3)
	n, F, D := 3, c.Features(), c.Drums
	z := randSlice(rng, n*c.Z)
	g := d.Generate(z, n, 0, nil)
	b := &models.Batch{N: n, T: c.Steps, D: F, X: g}
	tf := d.TeacherForced(z, b)
	for r := 0; r < n*c.Steps; r++ {
		for j := 0; j < F; j++ {
			got, want := tf[r*F+j], g[r*F+j]
			p := tf[r*F+j%D]
			switch {
			case j < D:
				got = float32(map[bool]int{false: 0, true: 1}[got > 0.5])
			case p <= 0.5:
				got = 0
			case j < 2*D:
				got = min(got/p, 1)
			default:
				got = max(min(got/p, 1), -1)
			}
			if math.Abs(float64(got-want)) > 1e-5 {
				t.Fatalf("row %d feature %d: teacher-forced on the greedy output gives %g, generation %g", r, j, got, want)
			}
		}
	}
	a := d.Generate(z, n, 1, rand.New(rand.NewPCG(3, 3)))
	bb := d.Generate(z, n, 1, rand.New(rand.NewPCG(3, 3)))
	if !slices.Equal(a, bb) {
		t.Error("two draws from the same seed differ")
	}
}

// TestGrooveDecoderGorgonia checks a one-layer GrooveDecoder against gorgonia: the loss
// (BCE of the hits, squared errors of σ(velocity) and tanh(offset)) of a teacher-forced
// sequence from tanh(init(z)), weighted per example, and its gradients with respect to
// every parameter and z.
func TestGrooveDecoderGorgonia(t *testing.T) {
	eachVariant(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(18, 4))
		c := tinyGroove(1)
		d := NewGrooveDecoder(c.Drums, c.Steps, c.Z, c.DecoderHidden, rng)
		scaleParams(d.Params(), 1.5)
		n, T, F, D, Z, H := 2, c.Steps, c.Features(), c.Drums, c.Z, c.DecoderHidden[0]
		b := grooveBatch(rng, n, c, true)
		z := randSlice(rng, n*Z)
		w := []float32{0.7, -1.3}

		g := G.NewGraph()
		in := func(name string, data []float32, shape ...int) *G.Node {
			return gorgoniatest.Input(g, name, data, shape...)
		}
		rows := func(p *models.Param, lo, hi, cols int) []float32 { return p.Data()[lo*cols : hi*cols] }
		block := func(p *models.Param, r0, r1, c0, c1, cols int) []float32 {
			var out []float32
			for r := r0; r < r1; r++ {
				out = append(out, p.Data()[r*cols+c0:r*cols+c1]...)
			}
			return out
		}
		l := d.Layers[0]
		zn := in("z", z, n, Z)
		initWh, initWc := in("init_wh", rows(d.Init.W, 0, H, Z), H, Z), in("init_wc", rows(d.Init.W, H, 2*H, Z), H, Z)
		initBh, initBc := in("init_bh", d.Init.B.Data()[:H], H), in("init_bc", d.Init.B.Data()[H:2*H], H)
		dense := func(x, w, bias *G.Node) *G.Node {
			return G.Must(G.BroadcastAdd(G.Must(G.Mul(x, G.Must(G.Transpose(w)))), bias, nil, []byte{0}))
		}
		h := G.Must(G.Tanh(dense(zn, initWh, initBh)))
		cc := G.Must(G.Tanh(dense(zn, initWc, initBc)))
		var wp, wz, whh, bih, bhh [4]*G.Node
		for k, name := range []string{"i", "f", "g", "o"} {
			wp[k] = in("wp_"+name, block(l.WIH, k*H, (k+1)*H, 0, F, F+Z), H, F)
			wz[k] = in("wz_"+name, block(l.WIH, k*H, (k+1)*H, F, F+Z, F+Z), H, Z)
			whh[k] = in("whh_"+name, rows(l.WHH, k*H, (k+1)*H, H), H, H)
			bih[k] = in("bih_"+name, l.BIH.Data()[k*H:(k+1)*H], H)
			bhh[k] = in("bhh_"+name, l.BHH.Data()[k*H:(k+1)*H], H)
		}
		var wo, bo [3]*G.Node
		for p := range 3 {
			wo[p] = in(fmt.Sprint("wo", p), rows(d.Out.W, p*D, (p+1)*D, H), D, H)
			bo[p] = in(fmt.Sprint("bo", p), d.Out.B.Data()[p*D:(p+1)*D], D)
		}
		wrow := make([]float32, 0, n*D)
		for i := 0; i < n; i++ {
			for range D {
				wrow = append(wrow, w[i])
			}
		}
		y := b.Target
		part := func(src []float32, t, p int) []float32 {
			var out []float32
			for i := 0; i < n; i++ {
				out = append(out, src[(i*T+t)*F+p*D:(i*T+t)*F+(p+1)*D]...)
			}
			return out
		}
		var terms []*G.Node
		for t := 0; t < T; t++ {
			prev := make([]float32, n*F)
			if t > 0 {
				for i := 0; i < n; i++ {
					copy(prev[i*F:(i+1)*F], y[(i*T+t-1)*F:(i*T+t)*F])
				}
			}
			pn := in(fmt.Sprint("prev", t), prev, n, F)
			var act [4]*G.Node
			for k := range act {
				pre := G.Must(G.Add(G.Must(G.Mul(pn, G.Must(G.Transpose(wp[k])))), G.Must(G.Mul(zn, G.Must(G.Transpose(wz[k]))))))
				pre = G.Must(G.Add(pre, G.Must(G.Mul(h, G.Must(G.Transpose(whh[k]))))))
				pre = G.Must(G.BroadcastAdd(pre, bih[k], nil, []byte{0}))
				pre = G.Must(G.BroadcastAdd(pre, bhh[k], nil, []byte{0}))
				if k == 2 {
					act[k] = G.Must(G.Tanh(pre))
				} else {
					act[k] = G.Must(G.Sigmoid(pre))
				}
			}
			cc = G.Must(G.Add(G.Must(G.HadamardProd(act[1], cc)), G.Must(G.HadamardProd(act[0], act[2]))))
			h = G.Must(G.HadamardProd(act[3], G.Must(G.Tanh(cc))))
			wt := in(fmt.Sprint("w", t), wrow, n, D)
			one := in(fmt.Sprint("one", t), slices.Repeat([]float32{1}, n*D), n, D)
			// Hits: −y·log σ(a) − (1−y)·log(1−σ(a)).
			yh := in(fmt.Sprint("yh", t), part(y, t, 0), n, D)
			ph := G.Must(G.Sigmoid(dense(h, wo[0], bo[0])))
			bce := G.Must(G.Add(G.Must(G.HadamardProd(yh, G.Must(G.Log(ph)))),
				G.Must(G.HadamardProd(G.Must(G.Sub(one, yh)), G.Must(G.Log(G.Must(G.Sub(one, ph))))))))
			terms = append(terms, G.Must(G.Neg(G.Must(G.Sum(G.Must(G.HadamardProd(bce, wt)))))))
			for p, f := range []func(*G.Node) (*G.Node, error){G.Sigmoid, G.Tanh} {
				v := G.Must(f(dense(h, wo[p+1], bo[p+1])))
				e := G.Must(G.Sub(v, in(fmt.Sprint("y", p, "_", t), part(y, t, p+1), n, D)))
				terms = append(terms, G.Must(G.Sum(G.Must(G.HadamardProd(G.Must(G.HadamardProd(e, e)), wt)))))
			}
		}
		loss := G.Must(G.ReduceAdd(terms))
		params := []*G.Node{zn, initWh, initWc, initBh, initBc}
		for _, ps := range [][4]*G.Node{wp, wz, whh, bih, bhh} {
			params = append(params, ps[:]...)
		}
		params = append(append(params, wo[:]...), bo[:]...)
		grads, err := G.Grad(loss, params...)
		if err != nil {
			t.Fatal(err)
		}
		gr := gorgoniatest.Run(t, g, grads...)
		want := loss.Value().Data().(float32)

		models.ZeroGrads(d.Params())
		var got float64
		for i, v := range d.NLL(z, b, true) {
			got += float64(w[i]) * v
		}
		dz := d.Backward(w)
		gorgoniatest.Check(t, "loss", []float32{float32(got)}, []float32{want})
		gorgoniatest.Check(t, "d z", dz, gr[0])
		gorgoniatest.Check(t, "d init.weight", d.Init.W.Grad, append(slices.Clone(gr[1]), gr[2]...))
		gorgoniatest.Check(t, "d init.bias", d.Init.B.Grad, append(slices.Clone(gr[3]), gr[4]...))
		var dwih, dwhh, dbih, dbhh []float32
		for k := range 4 {
			for r := 0; r < H; r++ {
				dwih = append(append(dwih, gr[5+k][r*F:(r+1)*F]...), gr[9+k][r*Z:(r+1)*Z]...)
			}
			dwhh = append(dwhh, gr[13+k]...)
			dbih = append(dbih, gr[17+k]...)
			dbhh = append(dbhh, gr[21+k]...)
		}
		gorgoniatest.Check(t, "d dec.weight_ih", l.WIH.Grad, dwih)
		gorgoniatest.Check(t, "d dec.weight_hh", l.WHH.Grad, dwhh)
		gorgoniatest.Check(t, "d dec.bias_ih", l.BIH.Grad, dbih)
		gorgoniatest.Check(t, "d dec.bias_hh", l.BHH.Grad, dbhh)
		gorgoniatest.Check(t, "d out.weight", d.Out.W.Grad, slices.Concat(gr[25], gr[26], gr[27]))
		gorgoniatest.Check(t, "d out.bias", d.Out.B.Grad, slices.Concat(gr[28], gr[29], gr[30]))
	})
}

// TestGrooveGenerateWithHits checks that given hits are the output's hits, and that with
// the hits greedy generation chose it gives greedy generation's output.
func TestGrooveGenerateWithHits(t *testing.T) {
	rng := rand.New(rand.NewPCG(19, 2))
	c := tinyGroove(1)
	d := NewGrooveDecoder(c.Drums, c.Steps, c.Z, c.DecoderHidden, rng)
	scaleParams(d.Params(), 3)
	n, F, D, T := 2, c.Features(), c.Drums, c.Steps
	z := randSlice(rng, n*c.Z)
	greedy := d.Generate(z, n, 0, nil)
	hits := make([]float32, n*T*D)
	for r := 0; r < n*T; r++ {
		copy(hits[r*D:(r+1)*D], greedy[r*F:r*F+D])
	}
	if got := d.GenerateWithHits(z, n, hits, 0, nil); !slices.Equal(got, greedy) {
		t.Errorf("with greedy generation's hits: %v, want %v", got, greedy)
	}
	for i := range hits {
		hits[i] = float32(rng.IntN(2))
	}
	got := d.GenerateWithHits(z, n, hits, 1, nil)
	for r := 0; r < n*T; r++ {
		if !slices.Equal(got[r*F:r*F+D], hits[r*D:(r+1)*D]) {
			t.Fatalf("row %d: hits %v, want the given %v", r, got[r*F:r*F+D], hits[r*D:(r+1)*D])
		}
	}
}
