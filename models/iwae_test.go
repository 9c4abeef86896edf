package models

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// linearGaussian is the model whose likelihood is known in closed form:
// z ~ N(0, I_Z), x | z ~ N(W z + c, σ² I_D), so that p(x) = N(x; c, W Wᵀ + σ² I).
// With W's columns orthogonal the exact posterior is diagonal, so an encoder can hold it.
type linearGaussian struct {
	W     [][]float64 // [D][Z]
	C     []float64
	Sigma float64
	// encoder: the exact posterior, its means shifted by Shift and its variances scaled
	// by Scale (Shift 0, Scale 1: exact).
	Shift, Scale float64
	// rows are the examples, for checking that a decoder batch's classes and pixels agree.
	rows [][]float32
}

func (g *linearGaussian) dims() (d, z int) { return len(g.W), len(g.W[0]) }

// posterior returns the exact posterior's mean and (diagonal) variance for x.
func (g *linearGaussian) posterior(x []float32) (mu, vr []float64) {
	d, zd := g.dims()
	s2 := g.Sigma * g.Sigma
	mu, vr = make([]float64, zd), make([]float64, zd)
	for j := range zd {
		var wtw, wtx float64
		for i := range d {
			wtw += g.W[i][j] * g.W[i][j]
			wtx += g.W[i][j] * (float64(x[i]) - g.C[i])
		}
		vr[j] = 1 / (1 + wtw/s2)
		mu[j] = vr[j] * wtx / s2
	}
	return mu, vr
}

// lgEncoder is linearGaussian's encoder (its Backward differs from the decoder's).
type lgEncoder struct{ *linearGaussian }

func (g lgEncoder) Encode(b *Batch, _ bool) (mu, logvar []float32) {
	_, zd := g.dims()
	for i := range b.N {
		m, v := g.posterior(b.Example(i))
		for j := range zd {
			mu = append(mu, float32(m[j]+g.Shift))
			logvar = append(logvar, float32(math.Log(v[j]*g.Scale)))
		}
	}
	return mu, logvar
}

func (g *linearGaussian) NLL(z []float32, b *Batch, _ bool) []float64 {
	d, zd := g.dims()
	out := make([]float64, b.N)
	for r := range b.N {
		x := b.Example(r)
		if b.Target != nil {
			// A decoder that scores the batch's targets, as GrooVAE's does.
			x = b.Target[r*b.T*b.D : (r+1)*b.T*b.D]
		} else if b.Classes != nil {
			want := g.rows[b.Classes[r]]
			for i := range d {
				if x[i] != want[i] {
					panic("decoder batch row does not match its class index")
				}
			}
		}
		s := 0.5 * float64(d) * math.Log(2*math.Pi*g.Sigma*g.Sigma)
		for i := range d {
			m := g.C[i]
			for j := range zd {
				m += g.W[i][j] * float64(z[r*zd+j])
			}
			e := float64(x[i]) - m
			s += 0.5 * e * e / (g.Sigma * g.Sigma)
		}
		out[r] = s
	}
	return out
}

func (g lgEncoder) Backward([]float32, []float32)      {}
func (g *linearGaussian) Backward([]float32) []float32 { return nil }
func (g *linearGaussian) Params() []*Param             { return nil }

// logMarginal returns log N(x; c, W Wᵀ + σ² I) by a Cholesky factorisation.
func (g *linearGaussian) logMarginal(x []float32) float64 {
	d, zd := g.dims()
	a := make([][]float64, d)
	for i := range d {
		a[i] = make([]float64, d)
		for k := range d {
			for j := range zd {
				a[i][k] += g.W[i][j] * g.W[k][j]
			}
		}
		a[i][i] += g.Sigma * g.Sigma
	}
	l := make([][]float64, d) // a = l lᵀ
	for i := range d {
		l[i] = make([]float64, d)
		for k := 0; k <= i; k++ {
			s := a[i][k]
			for j := range k {
				s -= l[i][j] * l[k][j]
			}
			if i == k {
				l[i][i] = math.Sqrt(s)
			} else {
				l[i][k] = s / l[k][k]
			}
		}
	}
	y := make([]float64, d) // l y = x − c
	logdet, q := 0.0, 0.0
	for i := range d {
		s := float64(x[i]) - g.C[i]
		for j := range i {
			s -= l[i][j] * y[j]
		}
		y[i] = s / l[i][i]
		q += y[i] * y[i]
		logdet += 2 * math.Log(l[i][i])
	}
	return -0.5 * (float64(d)*math.Log(2*math.Pi) + logdet + q)
}

// newLinearGaussian returns the model with n examples drawn from it.
func newLinearGaussian(n int, shift, scale float64) (*linearGaussian, *Batch) {
	g := &linearGaussian{
		// Orthogonal columns: (1, 2, 0.5) · (2, −0.5, −2) = 0.
		W:     [][]float64{{1, 2}, {2, -0.5}, {0.5, -2}},
		C:     []float64{0.3, -0.2, 0.1},
		Sigma: 0.7, Shift: shift, Scale: scale,
	}
	rng := rand.New(rand.NewPCG(3, 4))
	b := NewBatch(n, 1, 3, true)
	for r := range n {
		z := []float64{rng.NormFloat64(), rng.NormFloat64()}
		x := b.Example(r)
		for i := range 3 {
			x[i] = float32(g.C[i] + g.W[i][0]*z[0] + g.W[i][1]*z[1] + g.Sigma*rng.NormFloat64())
		}
		b.Classes[r] = int32(r)
		g.rows = append(g.rows, append([]float32(nil), x...))
	}
	return g, b
}

func estimate(t *testing.T, g *linearGaussian, b *Batch, s Importance, seed uint64) *Bounds {
	t.Helper()
	bs, err := s.Estimate(context.Background(), &VAE{Enc: lgEncoder{g}, Dec: g, Z: 2}, b, rand.New(rand.NewPCG(seed, 9)))
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// With the exact posterior as q, every importance weight is p(x), so any K gives −log p(x)
// exactly (up to z's rounding to float32): this checks log p(z), log q(z|x) and their signs.
func TestImportanceExactPosterior(t *testing.T) {
	g, b := newLinearGaussian(20, 0, 1)
	for _, k := range []int{1, 7} {
		bs := estimate(t, g, b, Importance{K: k, Chunk: 5}, 1)
		for i := range b.N {
			want := -g.logMarginal(b.Example(i))
			if d := math.Abs(bs.NLL[i] - want); d > 1e-5 {
				t.Errorf("K=%d example %d: −log p̂(x) = %.7f, exact %.7f", k, i, bs.NLL[i], want)
			}
			// The negative ELBO is −log p(x) + KL(q ‖ posterior) = −log p(x) here, but its
			// K-sample estimate has variance: only the mean is checked, below.
		}
		if d := math.Abs(mean(bs.Rec) + mean(bs.KL) - mean(bs.NLL)); d > 0.3 {
			t.Errorf("K=%d: mean −ELBO %.4f, mean −log p(x) %.4f", k, mean(bs.Rec)+mean(bs.KL), mean(bs.NLL))
		}
	}
}

// With a wrong q the estimate is an upper bound on −log p(x) that falls with K towards it,
// and the negative ELBO lies above all of them.
func TestImportanceBoundsTighten(t *testing.T) {
	g, b := newLinearGaussian(200, 0.8, 2.5)
	exact := 0.0
	for i := range b.N {
		exact -= g.logMarginal(b.Example(i))
	}
	exact /= float64(b.N)
	elbo := 0.0
	prev := math.Inf(1)
	for _, k := range []int{1, 10, 100, 5000} {
		bs := estimate(t, g, b, Importance{K: k}, uint64(k))
		nll := mean(bs.NLL)
		e := mean(bs.Rec) + mean(bs.KL)
		t.Logf("K=%5d: −log p̂(x) %.4f, −ELBO %.4f, exact %.4f", k, nll, e, exact)
		if k == 1 {
			elbo = e
			if math.Abs(nll-e) > 0.2 { // both are single-sample estimates of −ELBO
				t.Errorf("K=1: −log p̂(x) %.4f differs from −ELBO %.4f", nll, e)
			}
		}
		if nll > prev {
			t.Errorf("K=%d: −log p̂(x) %.4f rose from %.4f", k, nll, prev)
		}
		if nll < exact-0.01 {
			t.Errorf("K=%d: −log p̂(x) %.4f below the exact %.4f", k, nll, exact)
		}
		prev = nll
	}
	if elbo-exact < 0.5 {
		t.Fatalf("the test's q is too good: −ELBO %.4f, exact %.4f", elbo, exact)
	}
	if prev-exact > 0.01 {
		t.Errorf("K=5000: −log p̂(x) %.4f, exact %.4f", prev, exact)
	}
}

// The samples are drawn in example-then-sample order, so the chunking of the decoder's
// batches changes nothing.
func TestImportanceChunkIndependent(t *testing.T) {
	g, b := newLinearGaussian(9, 0.3, 1.5)
	want := estimate(t, g, b, Importance{K: 13, Chunk: 1000}, 5)
	for _, c := range []int{1, 4, 13, 50} {
		got := estimate(t, g, b, Importance{K: 13, Chunk: c}, 5)
		for i := range b.N {
			if got.NLL[i] != want.NLL[i] || got.Rec[i] != want.Rec[i] {
				t.Errorf("chunk %d, example %d: %v, %v; chunk 1000: %v, %v", c, i, got.NLL[i], got.Rec[i], want.NLL[i], want.Rec[i])
			}
		}
	}
}

// A batch whose decoder targets differ from the encoder's inputs (models.Batch.Target) is
// scored on its targets: at K = 1 the reconstruction term is Score's, with the same noise.
func TestImportanceTarget(t *testing.T) {
	g, b := newLinearGaussian(5, 0.2, 1.3)
	b.Target = make([]float32, len(b.X))
	for r := range b.N {
		copy(b.Target[r*3:(r+1)*3], b.Example(b.N-1-r))
	}
	v := &VAE{Enc: lgEncoder{g}, Dec: g, Z: 2}
	rec, _ := v.Score(b, rand.New(rand.NewPCG(7, 9)))
	got := estimate(t, g, b, Importance{K: 1}, 7)
	for i := range b.N {
		if math.Abs(got.Rec[i]-rec[i]) > 1e-4*math.Abs(rec[i]) {
			t.Errorf("example %d: reconstruction %v, Score's %v", i, got.Rec[i], rec[i])
		}
	}
}

func TestImportanceRefusesAndStops(t *testing.T) {
	g, b := newLinearGaussian(3, 0, 1)
	v := &VAE{Enc: lgEncoder{g}, Dec: g, Z: 2}
	if _, err := (Importance{K: 0}).Estimate(context.Background(), v, b, newRNG()); err == nil {
		t.Error("K = 0: no error")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Importance{K: 10}).Estimate(ctx, v, b, newRNG()); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}
