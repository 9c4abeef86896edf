package models

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Batch is one minibatch in the layout every encoder and decoder shares: N examples of T
// steps of D features. Images are T = 28 rows of D = 28 pixels; melodies are T = 32 steps
// of D = 90 one-hot classes.
//
// A sequence model may also read C control features per step (the metrical pulse, the
// chord): known inputs that condition the encoder and the decoder but are never predicted
// or scored. And examples may be shorter than T (two bars of 3/4 are 24 steps in a batch of
// 32): Lengths[i] steps of example i count, the rest are padding after them, whose X,
// Classes and Controls are ignored (SetClasses and SetLength write them as zeros and −1) and
// never scored.
type Batch struct {
	N, T, D int
	X       []float32 // [N, T, D]
	Classes []int32   // [N, T] class indices for categorical data; nil for pixels
	// Input, when not nil, holds the classes the encoder reads [N, T] where they differ
	// from the decoder's targets Classes (a model that restores corrupted examples); X
	// is then Input's one-hot encoding. nil: the encoder reads Classes.
	Input []int32
	// Target is Input's counterpart for dense features: where set, what the decoder is to
	// reproduce, [N, T, D], when the encoder reads a corrupted X (GrooVAE: a quantised or
	// tapped beat in, the drummer's performance out); nil: X itself. Categorical decoders
	// score Classes and ignore it.
	Target []float32

	C        int       // control features per step; 0 for none
	Controls []float32 // [N, T, C]; nil when C is 0
	Lengths  []int     // [N] steps of each example, 1 to T; nil when every example has T
	// BarLengths, for a decoder that writes bar by bar (rnn.HierDecoder), holds the steps
	// of each bar of each example, [N, bars] in order, summing to the example's length:
	// bars of different meters differ in length. nil: every bar has the decoder's own.
	BarLengths []int
}

// NewBatch returns a zeroed batch; classes adds room for class indices.
func NewBatch(n, t, d int, classes bool) *Batch {
	b := &Batch{N: n, T: t, D: d, X: make([]float32, n*t*d)}
	if classes {
		b.Classes = make([]int32, n*t)
	}
	return b
}

// Example returns example i's features, [T, D].
func (b *Batch) Example(i int) []float32 { return b.X[i*b.T*b.D : (i+1)*b.T*b.D] }

// SetControls makes room for c control features per step (zeros) and per-example lengths
// (all T), keeping what is there when the batch already has them at that size.
func (b *Batch) SetControls(c int) {
	if b.C != c || len(b.Controls) != b.N*b.T*c {
		b.C, b.Controls = c, make([]float32, b.N*b.T*c)
	}
	if len(b.Lengths) != b.N {
		b.Lengths = make([]int, b.N)
		for i := range b.Lengths {
			b.Lengths[i] = b.T
		}
	}
}

// ExampleControls returns example i's controls, [T, C].
func (b *Batch) ExampleControls(i int) []float32 { return b.Controls[i*b.T*b.C : (i+1)*b.T*b.C] }

// Len is the number of steps of example i that count: Lengths[i], or T without Lengths.
func (b *Batch) Len(i int) int {
	if b.Lengths == nil {
		return b.T
	}
	return b.Lengths[i]
}

// Ragged reports whether some example is shorter than T.
func (b *Batch) Ragged() bool {
	for _, l := range b.Lengths {
		if l != b.T {
			return true
		}
	}
	return false
}

// Steps is the number of steps that count, summed over the examples.
func (b *Batch) Steps() int {
	n := 0
	for i := 0; i < b.N; i++ {
		n += b.Len(i)
	}
	return n
}

// SetLength makes example i n steps long (1 to T), marking the steps after them as
// padding: class −1, zero features and controls. It needs SetControls first.
func (b *Batch) SetLength(i, n int) {
	if n < 1 || n > b.T {
		panic(fmt.Sprintf("models: example %d given %d steps in a batch of %d", i, n, b.T))
	}
	b.Lengths[i] = n
	clear(b.Example(i)[n*b.D:])
	clear(b.ExampleControls(i)[n*b.C:])
	if b.Classes != nil {
		for t := n; t < b.T; t++ {
			b.Classes[i*b.T+t] = -1
		}
	}
}

// CheckLengths panics on lengths outside 1 to T, a programmer's error.
func (b *Batch) CheckLengths() {
	if b.Lengths == nil {
		return
	}
	if len(b.Lengths) != b.N {
		panic(fmt.Sprintf("models: batch of %d examples with %d lengths", b.N, len(b.Lengths)))
	}
	for i, l := range b.Lengths {
		if l < 1 || l > b.T {
			panic(fmt.Sprintf("models: example %d has %d steps in a batch of %d", i, l, b.T))
		}
	}
}

// SetClasses stores class indices for example i and writes their one-hot rows into X; a
// negative class (padding) is an all-zero row.
func (b *Batch) SetClasses(i int, classes []int32) {
	copy(b.Classes[i*b.T:(i+1)*b.T], classes)
	x := b.Example(i)
	clear(x)
	for t, c := range classes {
		if c >= 0 {
			x[t*b.D+int(c)] = 1
		}
	}
}

// SetInput stores the classes the encoder reads for example i, where they differ from its
// targets (set with SetClasses first), and writes their one-hot rows into X in place of
// the targets'.
func (b *Batch) SetInput(i int, classes []int32) {
	if b.Input == nil {
		b.Input = make([]int32, b.N*b.T)
	}
	copy(b.Input[i*b.T:(i+1)*b.T], classes)
	x := b.Example(i)
	clear(x)
	for t, c := range classes {
		x[t*b.D+int(c)] = 1
	}
}

// EncoderClasses returns the classes the encoder reads: Input where set, else Classes.
func (b *Batch) EncoderClasses() []int32 {
	if b.Input != nil {
		return b.Input
	}
	return b.Classes
}

// Encoder maps a batch to the parameters of the diagonal Gaussian posterior q(z|x).
type Encoder interface {
	// Encode returns mu and logvar, each [N, Z]. With train set, it keeps what Backward needs.
	Encode(b *Batch, train bool) (mu, logvar []float32)
	// Backward adds the parameter gradients of the last training Encode, given
	// d loss/d mu and d loss/d logvar.
	Backward(dmu, dlogvar []float32)
	Params() []*Param
}

// Decoder gives the likelihood p(x|z): Bernoulli logits for pixels, categorical logits for
// melody events.
type Decoder interface {
	// NLL returns -log p(x|z) per example in nats for z [N, Z]; a sequence decoder is
	// teacher-forced on b. With train set, it keeps what Backward needs.
	NLL(z []float32, b *Batch, train bool) []float64
	// Backward adds the parameter gradients of the last training NLL, given d loss/d nll
	// per example, and returns d loss/d z [N, Z].
	Backward(dnll []float32) []float32
	Params() []*Param
}

// VAE joins an encoder and a decoder through a Z-dimensional Gaussian latent.
type VAE struct {
	Enc Encoder
	Dec Decoder
	Z   int
	// BeforeDecode, when set, changes a training batch between encoding it and scoring
	// its decoding (Step): what the decoder is to reconstruct may differ from what the
	// encoder read (a melody in another key under its chords moved with it, so that z
	// cannot carry the key). The encoder's gradients are those of what it read.
	BeforeDecode func(b *Batch)

	eps, z, dmu, dlv, dnll []float32
	mu, lv                 []float32 // IWStep's copies of the encoder's outputs
	logw                   []float64 // IWStep's log-weights
	rep                    *Batch    // IWStep's batch of each example repeated k times
}

// Params returns the encoder's parameters, then the decoder's.
func (v *VAE) Params() []*Param {
	ps := append(append([]*Param{}, v.Enc.Params()...), v.Dec.Params()...)
	CheckUnique(ps)
	return ps
}

// Loss holds the KL weighting: loss = rec + beta·max(KL − FreeNats, 0); or, with IW above
// 1, the importance-weighted bound of IW samples (VAE.IWStep), which has no KL weight.
type Loss struct {
	FreeNats float64
	MaxBeta  float64
	BetaRate float64 // beta = (1 − BetaRate^step)·MaxBeta; 0 keeps beta at MaxBeta
	IW       int     `json:",omitempty"` // samples of z per example for IWStep; 0 or 1: Step
}

// Check reports a loss that cannot be trained: the importance-weighted bound with a KL
// weight or free nats, which it does not have.
func (l Loss) Check() error {
	switch {
	case l.IW < 0:
		return fmt.Errorf("models: %d importance samples, want 0 (the ELBO) or more", l.IW)
	case l.IW > 1 && (l.MaxBeta != 1 || l.BetaRate != 0 || l.FreeNats != 0):
		return fmt.Errorf("models: the importance-weighted bound (%d samples) has no KL weight: it needs beta 1 from the first step and no free nats, not max beta %g, rate %g, %g free nats", l.IW, l.MaxBeta, l.BetaRate, l.FreeNats)
	}
	return nil
}

// Beta returns the KL weight at a training step (MusicVAE's schedule).
func (l Loss) Beta(step int) float64 {
	if l.BetaRate == 0 {
		return l.MaxBeta
	}
	return (1 - math.Pow(l.BetaRate, float64(step))) * l.MaxBeta
}

// Terms are the mean loss terms of a batch, in nats per example.
type Terms struct {
	Loss, Reconstruction, KL, Beta float64
}

// KL returns KL(N(mu, exp(logvar)) ‖ N(0, I)) in nats, summed over the latent dimensions.
func KL(mu, logvar []float32) float64 {
	var s float64
	for j := range mu {
		m, lv := float64(mu[j]), float64(logvar[j])
		s += -0.5 * (1 + lv - m*m - math.Exp(lv))
	}
	return s
}

// Reparameterize writes z = mu + exp(logvar/2)·eps with eps ~ N(0, I) drawn from rng into
// z, and the noise into eps. A nil rng gives z = mu.
func Reparameterize(z, eps, mu, logvar []float32, rng *rand.Rand) {
	for j := range mu {
		e := float32(0)
		if rng != nil {
			e = float32(rng.NormFloat64())
		}
		eps[j] = e
		z[j] = mu[j] + float32(math.Exp(0.5*float64(logvar[j])))*e
	}
}

// Step runs one training forward and backward pass: it samples z, scores the batch, and adds
// the gradients of the mean loss over the batch into the parameters. beta weighs the KL
// above freeNats per example, as MusicVAE does.
func (v *VAE) Step(b *Batch, beta, freeNats float64, rng *rand.Rand) Terms {
	mu, lv := v.Enc.Encode(b, true)
	if v.BeforeDecode != nil {
		v.BeforeDecode(b)
	}
	n, zd := b.N, v.Z
	v.eps, v.z = Buf(v.eps, n*zd), Buf(v.z, n*zd)
	Reparameterize(v.z, v.eps, mu, lv, rng)
	rec := v.Dec.NLL(v.z, b, true)

	v.dnll = Buf(v.dnll, n)
	inv := float32(1 / float64(n))
	for i := range v.dnll {
		v.dnll[i] = inv
	}
	dz := v.Dec.Backward(v.dnll)

	v.dmu, v.dlv = Buf(v.dmu, n*zd), Buf(v.dlv, n*zd)
	var t Terms
	t.Beta = beta
	for i := 0; i < n; i++ {
		lo, hi := i*zd, (i+1)*zd
		kl := KL(mu[lo:hi], lv[lo:hi])
		t.Reconstruction += rec[i]
		t.KL += kl
		t.Loss += rec[i] + beta*max(kl-freeNats, 0)
		w := float32(0)
		if kl > freeNats {
			w = float32(beta) * inv
		}
		for j := lo; j < hi; j++ {
			s := float32(math.Exp(0.5 * float64(lv[j])))
			v.dmu[j] = dz[j] + w*mu[j]
			v.dlv[j] = dz[j]*v.eps[j]*0.5*s + w*0.5*(s*s-1)
		}
	}
	v.Enc.Backward(v.dmu, v.dlv)
	t.Loss /= float64(n)
	t.Reconstruction /= float64(n)
	t.KL /= float64(n)
	return t
}

// Score returns the single-sample reconstruction and KL terms per example, in nats, with z
// drawn from q(z|x) using rng (nil: z = mu). Their sum is the negative ELBO.
func (v *VAE) Score(b *Batch, rng *rand.Rand) (rec, kl []float64) {
	mu, lv := v.Enc.Encode(b, false)
	n, zd := b.N, v.Z
	v.eps, v.z = Buf(v.eps, n*zd), Buf(v.z, n*zd)
	Reparameterize(v.z, v.eps, mu, lv, rng)
	r := v.Dec.NLL(v.z, b, false)
	rec, kl = make([]float64, n), make([]float64, n)
	copy(rec, r)
	for i := range kl {
		kl[i] = KL(mu[i*zd:(i+1)*zd], lv[i*zd:(i+1)*zd])
	}
	return rec, kl
}

// AddScore adds the terms Score returns for b's examples to the running totals *rec and
// *kl, example by example: what an evaluation over batches sums before it takes means.
func (v *VAE) AddScore(b *Batch, rng *rand.Rand, rec, kl *float64) {
	r, k := v.Score(b, rng)
	for i := range r {
		*rec += r[i]
		*kl += k[i]
	}
}
