package models

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"
)

// denseVAE is a small smooth VAE of pixels for checking training steps: its encoder's mu
// and logvar are dense layers of x, and its decoder's (denseDec) Bernoulli logits a dense
// layer of z.
type denseVAE struct {
	mu, lv, dec *Dense
	x           []float32
	dl          []float32
	nll         []float64
}

func (d *denseVAE) Encode(b *Batch, _ bool) (mu, logvar []float32) {
	return d.mu.Forward(b.X, b.N), d.lv.Forward(b.X, b.N)
}

func (d *denseVAE) Backward(dmu, dlogvar []float32) {
	d.mu.Backward(dmu)
	d.lv.Backward(dlogvar)
}

func (d *denseVAE) Params() []*Param { return append(d.mu.Params(), d.lv.Params()...) }

type denseDec struct{ *denseVAE }

func (d denseDec) NLL(z []float32, b *Batch, train bool) []float64 {
	logits := d.dec.Forward(z, b.N)
	d.nll = growF64s(d.nll, b.N)
	d.dl = Buf(d.dl, len(logits))
	BernoulliNLL(d.nll, logits, b.X[:len(logits)], b.N, d.dl)
	return d.nll
}

func (d denseDec) Backward(dnll []float32) []float32 {
	per := len(d.dl) / len(dnll)
	for i, s := range dnll {
		for j := i * per; j < (i+1)*per; j++ {
			d.dl[j] *= s
		}
	}
	return d.dec.Backward(d.dl)
}

func (d denseDec) Params() []*Param { return d.dec.Params() }

func newDenseVAE(rng *rand.Rand, pixels, z int) (*VAE, *denseVAE) {
	d := &denseVAE{mu: NewDense("mu", pixels, z, rng), lv: NewDense("lv", pixels, z, rng), dec: NewDense("dec", z, pixels, rng)}
	return &VAE{Enc: d, Dec: denseDec{d}, Z: z}, d
}

func binaryBatch(rng *rand.Rand, n, pixels int) *Batch {
	b := NewBatch(n, 1, pixels, false)
	for i := range b.X {
		if rng.Float64() < 0.4 {
			b.X[i] = 1
		}
	}
	return b
}

// TestIWStepMatchesEstimate: the bound IWStep trains is the one musae eval reports, sample
// for sample: the same draws give the same −log p̂(x) as Importance.Estimate.
func TestIWStepMatchesEstimate(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v, _ := newDenseVAE(rng, 12, 3)
	b := binaryBatch(rng, 5, 12)
	for _, k := range []int{1, 7} {
		got := v.IWLoss(b, k, rand.New(rand.NewPCG(5, 6)))
		bs, err := Importance{K: k, Chunk: 4}.Estimate(context.Background(), v, b, rand.New(rand.NewPCG(5, 6)))
		if err != nil {
			t.Fatal(err)
		}
		if want := mean(bs.NLL); math.Abs(got-want) > 1e-4*math.Abs(want) {
			t.Errorf("k %d: IWLoss %.6f, Estimate's mean −log p̂(x) %.6f", k, got, want)
		}
		if terms := v.IWStep(b, k, rand.New(rand.NewPCG(5, 6))); math.Abs(terms.Loss-got) > 1e-9*math.Abs(got) {
			t.Errorf("k %d: IWStep's loss %.6f, IWLoss %.6f", k, terms.Loss, got)
		}
	}
	// More samples, a tighter bound (on average over draws; these 5 examples at k 1 and 50).
	var one, fifty float64
	for s := range uint64(20) {
		one += v.IWLoss(b, 1, rand.New(rand.NewPCG(s, 1)))
		fifty += v.IWLoss(b, 50, rand.New(rand.NewPCG(s, 1)))
	}
	if fifty >= one {
		t.Errorf("the bound at k 50 (%.4f) is not below that at k 1 (%.4f)", fifty/20, one/20)
	}
}

// TestIWStepGradients checks IWStep's gradients, through the importance weights, the
// decoder, the prior and q's own density, against finite differences of IWLoss with the
// same draws.
func TestIWStepGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	v, _ := newDenseVAE(rng, 10, 3)
	b := binaryBatch(rng, 4, 10)
	draws := func() *rand.Rand { return rand.New(rand.NewPCG(7, 8)) }
	for _, k := range []int{1, 5} {
		loss := func() float64 { return v.IWLoss(b, k, draws()) }
		backward := func() { v.IWStep(b, k, draws()) }
		if err := GradCheck(v.Params(), loss, backward, 6, 1e-2, 2e-2, rng); err != nil {
			t.Errorf("k %d: %v", k, err)
		}
	}
}
