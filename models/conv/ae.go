package conv

import (
	"fmt"
	"math/rand/v2"

	"musae/models"
)

// The tasks of the autoencoder lesson, each learning a map from one picture to another.
const (
	TaskAE       = "ae"       // reconstruct the digit through a 4×4×8 code
	TaskDenoise  = "denoise"  // the same network, given the digit with noise added
	TaskSuperRes = "superres" // a 14×14 or 7×7 digit in, the 28×28 digit out
)

// AEConfig selects one of the lesson's convolutional autoencoders.
type AEConfig struct {
	Name string
	Task string // TaskAE, TaskDenoise or TaskSuperRes
	In   int    // the input's side: 28, or 14 or 7 for TaskSuperRes
}

// AEConfigByName returns the configuration of a built-in autoencoder: digits-ae,
// digits-denoise, digits-superres14 or digits-superres7.
func AEConfigByName(name string) (AEConfig, error) {
	switch name {
	case "digits-ae":
		return AEConfig{Name: name, Task: TaskAE, In: side}, nil
	case "digits-denoise":
		return AEConfig{Name: name, Task: TaskDenoise, In: side}, nil
	case "digits-superres14":
		return AEConfig{Name: name, Task: TaskSuperRes, In: side / 2}, nil
	case "digits-superres7":
		return AEConfig{Name: name, Task: TaskSuperRes, In: side / 4}, nil
	}
	return AEConfig{}, fmt.Errorf("conv: unknown autoencoder %q (want digits-ae, digits-denoise, digits-superres14 or digits-superres7)", name)
}

// Validate reports whether NewAE can build the configuration.
func (c AEConfig) Validate() error {
	switch c.Task {
	case TaskAE, TaskDenoise:
		if c.In != side {
			return fmt.Errorf("conv: autoencoder %q: task %s takes %d×%d inputs, not %d×%d", c.Name, c.Task, side, side, c.In, c.In)
		}
	case TaskSuperRes:
		if c.In != side/2 && c.In != side/4 {
			return fmt.Errorf("conv: autoencoder %q: task %s takes 14×14 or 7×7 inputs, not %d×%d", c.Name, c.Task, c.In, c.In)
		}
	default:
		return fmt.Errorf("conv: autoencoder %q: task %q, want %s, %s or %s", c.Name, c.Task, TaskAE, TaskDenoise, TaskSuperRes)
	}
	return nil
}

// AE is a sequence of stride-1 convolutions (3×3, "same" unless noted), 2×2 max poolings
// and nearest upsamplings from a grey picture [N, 1, In, In] to the Bernoulli logits of a
// 28×28 one. TaskAE and TaskDenoise use the lesson's network (Keras's "convolutional
// autoencoder"):
//
//	conv 1→16 relu, pool 28→14, conv 16→8 relu, pool 14→7, conv 8→8 relu, pool 7→4
//	(padded to 8 first, as Keras's "same" pooling), the code 4×4×8;
//	conv 8→8 relu, up 4→8, conv 8→8 relu, up 8→16, conv 8→16 relu unpadded 16→14,
//	up 14→28, conv 16→1.
//
// TaskSuperRes upsamples as it goes: conv 1→32 relu, then per doubling up ×2 and conv
// 32→32 relu, then conv 32→1.
type AE struct {
	AEConfig
	Layers []AELayer
}

// AELayer is one step of an AE: a convolution (Conv set), or a shape change.
type AELayer struct {
	Conv *Conv2D
	Op   string // "conv", "pool", "pad" (one zero row and column, to an even side) or "up"

	pool MaxPool2
	up   Upsample2
	// the input's shape, and the output of a pad
	c, h, w int
	y, dx   []float32
}

// NewAE returns an autoencoder initialised as PyTorch initialises Conv2d, from rng.
func NewAE(cfg AEConfig, rng *rand.Rand) (*AE, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &AE{AEConfig: cfg}
	n := 0
	conv := func(in, out, pad int, relu bool) {
		n++
		c := NewConv2D(fmt.Sprintf("conv%d", n), in, out, 3, 3, pad, rng)
		c.ReLU = relu
		a.Layers = append(a.Layers, AELayer{Op: "conv", Conv: c})
	}
	op := func(name string) { a.Layers = append(a.Layers, AELayer{Op: name}) }
	if cfg.Task == TaskSuperRes {
		conv(1, 32, 1, true)
		for s := cfg.In; s < side; s *= 2 {
			op("up")
			conv(32, 32, 1, true)
		}
		conv(32, 1, 1, false)
	} else {
		conv(1, 16, 1, true)
		op("pool")
		conv(16, 8, 1, true)
		op("pool")
		conv(8, 8, 1, true)
		op("pad")
		op("pool")
		conv(8, 8, 1, true)
		op("up")
		conv(8, 8, 1, true)
		op("up")
		conv(8, 16, 0, true)
		op("up")
		conv(16, 1, 1, false)
	}
	a.Layers[0].Conv.NoInputGrad = true
	models.CheckUnique(a.Params())
	return a, nil
}

// String says what the autoencoder does: "denoise, 28×28 in".
func (a *AE) String() string { return fmt.Sprintf("%s, %d×%d in", a.Task, a.In, a.In) }

// Params returns the convolutions' weights and biases, in order.
func (a *AE) Params() []*models.Param {
	var ps []*models.Param
	for _, l := range a.Layers {
		if l.Conv != nil {
			ps = append(ps, l.Conv.Params()...)
		}
	}
	return ps
}

// Logits returns the output's Bernoulli logits [n, 784] for x [n, In·In]. The layers keep
// what Backward needs.
func (a *AE) Logits(x []float32, n int) []float32 {
	if len(x) < n*a.In*a.In {
		panic(fmt.Sprintf("conv: AE.Logits: %d values for %d pictures of %d×%d", len(x), n, a.In, a.In))
	}
	c, h, w := 1, a.In, a.In
	for i := range a.Layers {
		l := &a.Layers[i]
		l.c, l.h, l.w = c, h, w
		switch l.Op {
		case "conv":
			x = l.Conv.Forward(x, n, h, w)
			c = l.Conv.Out
			h, w = l.Conv.OutSize(h, w)
		case "pool":
			x = l.pool.Forward(x, n, c, h, w)
			h, w = h/2, w/2
		case "up":
			x = l.up.Forward(x, n, c, h, w)
			h, w = 2*h, 2*w
		case "pad":
			l.y = models.Buf(l.y, n*c*(h+1)*(w+1))
			padPlanes(l.y, x, n*c, h, w)
			x = l.y
			h, w = h+1, w+1
		}
	}
	if c != 1 || h != side || w != side {
		panic(fmt.Sprintf("conv: AE ends in %d×%d×%d, not 1×28×28", c, h, w))
	}
	return x
}

// Backward adds the gradients for dlogits [n, 784] of the last Logits into the parameters.
func (a *AE) Backward(dlogits []float32) {
	d := dlogits
	for i := len(a.Layers) - 1; i >= 0 && d != nil; i-- {
		l := &a.Layers[i]
		switch l.Op {
		case "conv":
			d = l.Conv.Backward(d)
		case "pool":
			d = l.pool.Backward(d)
		case "up":
			d = l.up.Backward(d)
		case "pad":
			n := len(d) / (l.c * (l.h + 1) * (l.w + 1))
			l.dx = models.Buf(l.dx, n*l.c*l.h*l.w)
			cropPlanes(l.dx, d, n*l.c, l.h, l.w)
			d = l.dx
		}
	}
}

// Loss returns the mean binary cross-entropy per picture in nats, Σ over its 784 pixels,
// of the AE's output for x against target [n, 784] (grey levels in [0, 1]). With train set
// it adds the gradient of the mean into the parameters.
func (a *AE) Loss(x, target []float32, n int, train bool) float64 {
	logits := a.Logits(x, n)
	nll := make([]float64, n)
	var dl []float32
	if train {
		dl = make([]float32, len(logits))
	}
	models.BernoulliNLL(nll, logits, target, n, dl)
	var s float64
	for _, v := range nll {
		s += v
	}
	if train {
		inv := float32(1 / float64(n))
		for i := range dl {
			dl[i] *= inv
		}
		a.Backward(dl)
	}
	return s / float64(n)
}

// padPlanes copies m planes h×w of src into dst as (h+1)×(w+1) planes with a zero last
// row and column.
func padPlanes(dst, src []float32, m, h, w int) {
	for p := range m {
		o := dst[p*(h+1)*(w+1):][:(h+1)*(w+1)]
		clear(o)
		for y := range h {
			copy(o[y*(w+1):][:w], src[(p*h+y)*w:][:w])
		}
	}
}

// cropPlanes is padPlanes' gradient: the h×w top-left of each (h+1)×(w+1) plane.
func cropPlanes(dst, src []float32, m, h, w int) {
	for p := range m {
		s := src[p*(h+1)*(w+1):]
		for y := range h {
			copy(dst[(p*h+y)*w:][:w], s[y*(w+1):][:w])
		}
	}
}
