package conv

import (
	"fmt"
	"math/rand/v2"

	"musae/models"
)

// The image geometry of the canonical models: 28×28 grey pixels, two poolings to 7×7.
const (
	// chunk is how many examples at a time go through the full-size (28×28) layers, c1 and
	// c4, so that their 32-channel planes (0.9 MB for 8 examples) stay in the cores' L2
	// caches between one operation and the next instead of going out to memory; their
	// inputs are recomputed for the backward pass (c1's output, c4's input), which is
	// cheaper than reading them back.
	chunk = 8

	side   = 28
	c1Out  = 32
	c2Out  = 64
	flat   = c2Out * side / 4 * side / 4 // 3136
	pixels = side * side
)

// Config selects a canonical convolutional VAE.
type Config struct {
	Name string
	Z    int // latent dimensions
}

// DefaultConfig returns mnist-conv: the convolutional MNIST VAE with 16 latent dimensions.
func DefaultConfig() Config { return Config{Name: "mnist-conv", Z: 16} }

// ConfigByName returns the configuration of a canonical model: mnist-conv (z = 16),
// mnist-conv32 (z = 32, the better likelihood) or mnist-conv2 (z = 2, for the
// two-dimensional manifold picture).
func ConfigByName(name string) (Config, error) {
	switch name {
	case "mnist-conv":
		return DefaultConfig(), nil
	case "mnist-conv32":
		return Config{Name: name, Z: 32}, nil
	case "mnist-conv2":
		return Config{Name: name, Z: 2}, nil
	}
	return Config{}, fmt.Errorf("conv: unknown model %q (want mnist-conv, mnist-conv32 or mnist-conv2)", name)
}

// MaxZ is the largest latent size a Config or SeqConfig may ask for: far above any model
// musae trains (16 and 2 for digits, 64 for melodies), and small enough that a config read
// from a file cannot ask for a model larger than memory before its tensors are checked.
const MaxZ = 4096

// Validate reports whether the configuration describes a model New can build.
func (c Config) Validate() error {
	if c.Z < 1 || c.Z > MaxZ {
		return fmt.Errorf("conv: config %q: latent size %d, want 1 to %d", c.Name, c.Z, MaxZ)
	}
	return nil
}

// EncoderParams returns the number of values in the encoder's parameters (c1, c2, mu, lv),
// as New would allocate them, for a valid c.
func (c Config) EncoderParams() int64 {
	z := int64(c.Z)
	return convParams(1, c1Out, 9) + convParams(c1Out, c2Out, 9) + 2*(flat*z+z)
}

// DecoderParams returns the number of values in the decoder's parameters (d1, c3, c4), as
// New would allocate them, for a valid c.
func (c Config) DecoderParams() int64 {
	z := int64(c.Z)
	return z*flat + flat + convParams(c2Out, c1Out, 9) + convParams(c1Out, 1, 9)
}

// convParams returns the number of values in a convolution's weight [out, in, k...] and
// bias [out], with k the product of the kernel's sizes.
func convParams(in, out, k int64) int64 { return out*in*k + out }

// Model is the convolutional VAE of torch_reference.py's ConvVAE, with the same parameter
// names and layouts.
type Model struct {
	Config
	Enc *Encoder
	Dec *Decoder
}

// New returns a model initialised as PyTorch initialises ConvVAE (uniform ±1/sqrt(fan_in)
// for every weight and bias), drawing from rng in state_dict order.
func New(cfg Config, rng *rand.Rand) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// c1, c2 and c3 are followed by a rectifier (ReLU set), which the pooling and the
	// upsampling apply, with the bias, as they read the convolution's raw output.
	enc := &Encoder{
		C1: NewConv2D("c1", 1, c1Out, 3, 3, 1, rng),
		C2: NewConv2D("c2", c1Out, c2Out, 3, 3, 1, rng),
		Mu: models.NewDense("mu", flat, cfg.Z, rng),
		LV: models.NewDense("lv", flat, cfg.Z, rng),
	}
	enc.C1.ReLU, enc.C1.NoInputGrad, enc.C2.ReLU = true, true, true
	dec := &Decoder{
		D1: models.NewDense("d1", cfg.Z, flat, rng),
		C3: NewConv2D("c3", c2Out, c1Out, 3, 3, 1, rng),
		C4: NewConv2D("c4", c1Out, 1, 3, 3, 1, rng),
	}
	dec.C3.ReLU = true
	m := &Model{Config: cfg, Enc: enc, Dec: dec}
	models.CheckUnique(m.Params())
	return m, nil
}

// VAE returns the model as the core's VAE.
func (m *Model) VAE() *models.VAE { return &models.VAE{Enc: m.Enc, Dec: m.Dec, Z: m.Z} }

// Params returns the parameters in PyTorch's state_dict order: c1, c2, mu, lv, d1, c3, c4.
func (m *Model) Params() []*models.Param {
	return append(m.Enc.Params(), m.Dec.Params()...)
}

// Encoder is ConvVAE.encode: conv 1→32, relu, maxpool, conv 32→64, relu, maxpool, and two
// dense heads from the 3136 flattened features (C, H, W order) to mu and logvar.
type Encoder struct {
	C1, C2 *Conv2D
	Mu, LV *models.Dense

	x []float32 // the images of the last Encode (not owned)
	h []float32 // pooled features [N, 3136]
	n int
}

// Params returns c1, c2, mu and lv's weights and biases.
func (e *Encoder) Params() []*models.Param {
	var ps []*models.Param
	for _, l := range []interface{ Params() []*models.Param }{e.C1, e.C2, e.Mu, e.LV} {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// checkImages panics unless b holds 28×28 images: a programmer error.
func checkImages(b *models.Batch) {
	if b.T != side || b.D != side || len(b.X) < b.N*pixels {
		panic(fmt.Sprintf("conv: batch of %d×%d, want %d×%d images", b.T, b.D, side, side))
	}
}

// Encode returns mu and logvar [N, Z] for the images of b, read as [N, 1, 28, 28]. The
// layers keep what Backward needs whether or not train is set.
//
// The pooling reads each convolution's raw output and writes the next one's padded input
// (or the flattened features) directly; bias and rectifier are applied on the way, after
// the maximum, with which they commute.
func (e *Encoder) Encode(b *models.Batch, train bool) (mu, logvar []float32) {
	checkImages(b)
	n, c2 := b.N, e.C2
	e.x = b.X[:n*pixels]
	c2.setGeom(n, side/2, side/2)
	for i := 0; i < n; i += chunk {
		c1 := e.c1Forward(i, min(chunk, n-i))
		maxPoolForward(c2.inPlanes().from(i), c1.outPlanes(), c1.act(), min(chunk, n-i), c1Out, side, side)
	}
	c2.forwardPlanes()
	e.h = models.Buf(e.h, n*flat)
	maxPoolForward(nchw(e.h, c2Out, side/4, side/4), c2.outPlanes(), c2.act(), n, c2Out, side/2, side/2)
	e.n = n
	return e.Mu.Forward(e.h, n), e.LV.Forward(e.h, n)
}

// Backward adds the gradients of the last Encode for dmu and dlogvar [N, Z].
func (e *Encoder) Backward(dmu, dlogvar []float32) {
	n, c2 := e.n, e.C2
	dh := e.Mu.Backward(dmu) // both heads read the features: their gradients add up
	models.AddTo(dh, e.LV.Backward(dlogvar))
	maxPoolBackward(c2.gradPlanes(), c2.outPlanes(), c2.act(), nchw(dh, c2Out, side/4, side/4), c2.B.Grad, n, c2Out, side/2, side/2)
	c2.backwardPlanes()
	for i := 0; i < n; i += chunk {
		m := min(chunk, n-i)
		c1 := e.c1Forward(i, m)
		maxPoolBackward(c1.gradPlanes(), c1.outPlanes(), c1.act(), c2.dxPlanes().from(i), c1.B.Grad, m, c1Out, side, side)
		c1.backwardPlanes()
	}
}

// c1Forward runs c1 on the m images from i of the last Encode.
func (e *Encoder) c1Forward(i, m int) *Conv2D {
	c1 := e.C1
	c1.setGeom(m, side, side)
	copyPlanes(c1.inPlanes(), nchw(e.x[i*pixels:], 1, side, side), act{}, m, 1, side, side)
	c1.forwardPlanes()
	return c1
}

// Decoder is ConvVAE.decode: dense z→3136, relu, reshape to 64×7×7, nearest upsampling ×2,
// conv 64→32, relu, upsampling ×2, conv 32→1, giving 784 Bernoulli logits per image.
type Decoder struct {
	D1     *models.Dense
	C3, C4 *Conv2D

	h          []float32 // relu(D1's output) of the last Logits
	logits, du []float32
	nll        []float64
	dlogits    []float32
}

// Params returns d1, c3 and c4's weights and biases.
func (d *Decoder) Params() []*models.Param {
	var ps []*models.Param
	for _, l := range []interface{ Params() []*models.Param }{d.D1, d.C3, d.C4} {
		ps = append(ps, l.Params()...)
	}
	return ps
}

// Logits returns the Bernoulli logits [n, 784] of the images the decoder gives for z
// [n, Z]. It reuses the buffers of training: do not call it between NLL and Backward.
//
// The upsampling reads d1's output and c3's raw output and writes the next convolution's
// padded input directly.
func (d *Decoder) Logits(z []float32, n int) []float32 {
	c3, c4 := d.C3, d.C4
	h := d.D1.Forward(z, n)
	d.h = models.ReLU(h, h) // in place: Dense's Backward needs its input, not its output
	c3.setGeom(n, side/2, side/2)
	upsampleForward(c3.inPlanes(), nchw(h, c2Out, side/4, side/4), act{}, n, c2Out, side/4, side/4)
	c3.forwardPlanes()
	d.logits = models.Buf(d.logits, n*pixels)
	for i := 0; i < n; i += chunk {
		m := min(chunk, n-i)
		d.c4Input(i, m)
		c4.forwardPlanes()
		copyPlanes(nchw(d.logits[i*pixels:], 1, side, side), c4.outPlanes(), c4.act(), m, 1, side, side)
	}
	return d.logits
}

// c4Input sets c4's input to the upsampled output of c3 for the m examples from i.
func (d *Decoder) c4Input(i, m int) {
	c3, c4 := d.C3, d.C4
	c4.setGeom(m, side, side)
	upsampleForward(c4.inPlanes(), c3.outPlanes().from(i), c3.act(), m, c1Out, side/2, side/2)
}

// NLL returns -log p(x|z) per image in nats: the Bernoulli negative log-likelihood of b's
// pixels under the decoder's logits, summed over the 784 pixels.
func (d *Decoder) NLL(z []float32, b *models.Batch, train bool) []float64 {
	checkImages(b)
	n := b.N
	logits := d.Logits(z, n)
	d.nll = growF64(d.nll, n)
	var dl []float32
	if train {
		d.dlogits = models.Buf(d.dlogits, n*pixels)
		dl = d.dlogits
	}
	parallelFor(n, 8, func(lo, hi int) {
		var dlr []float32
		if dl != nil {
			dlr = dl[lo*pixels : hi*pixels]
		}
		models.BernoulliNLL(d.nll[lo:hi], logits[lo*pixels:hi*pixels], b.X[lo*pixels:hi*pixels], hi-lo, dlr)
	})
	return d.nll
}

// Backward adds the gradients of the last training NLL for dnll [N] and returns dz [N, Z].
func (d *Decoder) Backward(dnll []float32) []float32 {
	g := d.dlogits
	for i, s := range dnll {
		row := g[i*pixels:][:pixels]
		for j := range row {
			row[j] *= s
		}
	}
	n, c3, c4 := len(dnll), d.C3, d.C4
	if c4.ReLU {
		panic("conv: the decoder's last convolution must not rectify") // its output is not kept
	}
	for i := 0; i < n; i += chunk {
		m := min(chunk, n-i)
		d.c4Input(i, m) // for c4's weight gradient
		gradPlanes(c4.gradPlanes(), nchw(g[i*pixels:], 1, side, side), planes{}, c4.act(), c4.B.Grad, m, 1, side, side)
		c4.backwardPlanes()
		upsampleBackward(c3.gradPlanes().from(i), c3.outPlanes().from(i), c3.act(), c4.dxPlanes(), c3.B.Grad, m, c1Out, side/2, side/2)
	}
	c3.backwardPlanes()
	d.du = models.Buf(d.du, n*flat)
	upsampleBackward(nchw(d.du, c2Out, side/4, side/4), planes{}, act{}, c3.dxPlanes(), nil, n, c2Out, side/4, side/4)
	models.ReLUBackward(d.du, d.h)
	return d.D1.Backward(d.du)
}

func growF64(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}
