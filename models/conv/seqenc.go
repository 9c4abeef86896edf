package conv

import (
	"fmt"
	"math/rand/v2"

	"musae/models"
)

// SeqConfig describes a convolutional encoder of sequences: one-dimensional convolutions
// over time, each followed by a rectifier and max pooling by 2, then dense layers to mu
// and logvar.
type SeqConfig struct {
	Classes  int   // features per step: 90 one-hot classes for MusicVAE's melodies
	Steps    int   // steps per sequence: 32 for two bars
	Channels []int // output channels of each convolution (kernel 3, padding 1)
	Z        int   // latent dimensions: the decoder's
}

// DefaultSeqConfig returns the encoder for mel2-tiny's melodies (90 classes, 32 steps,
// z = 64): convolutions 90→64 and 64→128, each pooled by 2, so that 128 channels × 8 steps
// = 1024 features feed mu and logvar.
func DefaultSeqConfig() SeqConfig {
	return SeqConfig{Classes: 90, Steps: 32, Channels: []int{64, 128}, Z: 64}
}

// The limits of a SeqConfig (and MaxZ): far above any model musae trains (90 classes, 32
// steps, 64 and 128 channels), and small enough that a config read from a file cannot ask
// for a model larger than memory before its tensors are checked.
const (
	MaxSeqClasses  = 4096
	MaxSeqSteps    = 4096
	MaxSeqConvs    = 12 // 4096 steps pool 12 times down to one
	MaxSeqChannels = 4096
)

// Validate reports the first problem with c.
func (c SeqConfig) Validate() error {
	switch {
	case c.Classes < 1 || c.Classes > MaxSeqClasses:
		return fmt.Errorf("conv: sequence encoder: %d classes, want 1 to %d", c.Classes, MaxSeqClasses)
	case c.Steps > MaxSeqSteps:
		return fmt.Errorf("conv: sequence encoder: %d steps, want at most %d", c.Steps, MaxSeqSteps)
	case len(c.Channels) == 0:
		return fmt.Errorf("conv: sequence encoder: no convolutions")
	case len(c.Channels) > MaxSeqConvs:
		return fmt.Errorf("conv: sequence encoder: %d convolutions, want at most %d", len(c.Channels), MaxSeqConvs)
	case c.Steps>>len(c.Channels) < 1:
		return fmt.Errorf("conv: sequence encoder: %d steps, want at least %d for %d poolings by 2", c.Steps, 1<<len(c.Channels), len(c.Channels))
	case c.Z < 1 || c.Z > MaxZ:
		return fmt.Errorf("conv: sequence encoder: latent size %d, want 1 to %d", c.Z, MaxZ)
	}
	for k, ch := range c.Channels {
		if ch < 1 || ch > MaxSeqChannels {
			return fmt.Errorf("conv: sequence encoder: convolution %d has %d channels, want 1 to %d", k+1, ch, MaxSeqChannels)
		}
	}
	return nil
}

// Params returns the number of values in the encoder's parameters, as NewSeqEncoder would
// allocate them, for a valid c.
func (c SeqConfig) Params() int64 {
	var n int64
	in := int64(c.Classes)
	for _, out := range c.Channels {
		n += convParams(in, int64(out), 3)
		in = int64(out)
	}
	f, z := int64(c.Features()), int64(c.Z)
	return n + 2*(f*z+z)
}

// Features returns the number of features the convolutions give per sequence, the input
// size of mu and logvar: the last layer's channels times the steps left after the
// poolings (each drops an odd last step, as PyTorch's max_pool1d does).
func (c SeqConfig) Features() int {
	return c.Channels[len(c.Channels)-1] * (c.Steps >> len(c.Channels))
}

// SeqEncoder is a convolutional encoder of sequences of one-hot steps, melodies for one,
// and implements models.Encoder. It reads a batch [N, T, D] as D channels over T steps and
// computes, in PyTorch terms,
//
//	h = x.transpose(1, 2)                       # [N, Classes, Steps]
//	for conv in enc.c1, enc.c2, ...:            # Conv1d(in, out, 3, padding=1)
//	    h = max_pool1d(relu(conv(h)), 2)
//	mu, logvar = mu(h.flatten(1)), lv(h.flatten(1))
//
// with parameters enc.c1.weight [C1, Classes, 3], enc.c1.bias, enc.c2.weight [C2, C1, 3],
// ..., mu.weight [Z, Features], mu.bias, lv.weight, lv.bias, in that order (the recurrent
// melody decoder's are init.*, dec.* and out.*).
//
// A batch with Classes set is read as one-hot rows (X must then be their one-hot encoding,
// as models.Batch.SetClasses writes it), and the first convolution becomes a gather: each
// output sums three weight columns, picked by the classes under the kernel, instead of
// multiplying 3·Classes inputs that are almost all zero. Without Classes, X is convolved
// as it is.
type SeqEncoder struct {
	SeqConfig
	Convs  []*Conv2D // enc.c1, enc.c2, ...
	Mu, LV *models.Dense

	n       int
	gather  bool      // the last Encode gathered the first convolution from classes
	cls     []int32   // the classes of the last Encode [N, T] (not owned)
	y1, dy1 []float32 // the gathered first convolution's raw output and its gradient, [C1, N, T]
	wt      []float32 // the first convolution's weights as tables [C1, 3, Classes]
	gpart   []float32 // partial sums of its weight gradient [C1, gatherParts, 3, Classes]
	sink    []float32 // the gradients that one-row pooling sends to its unused second row
	h, dh   []float32 // the pooled features [N, Features] and their gradient
}

// NewSeqEncoder returns an encoder initialised as PyTorch initialises Conv1d and Linear
// (uniform ±1/sqrt(fan_in)), drawing from rng in parameter order.
func NewSeqEncoder(cfg SeqConfig, rng *rand.Rand) (*SeqEncoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Channels = append([]int(nil), cfg.Channels...)
	e := &SeqEncoder{SeqConfig: cfg}
	in := cfg.Classes
	for k, out := range cfg.Channels {
		c := NewConv1D(fmt.Sprintf("enc.c%d", k+1), in, out, 3, 1, rng)
		c.ReLU = true // applied, with the bias, by the pooling that reads the raw output
		e.Convs = append(e.Convs, c)
		in = out
	}
	e.Convs[0].NoInputGrad = true
	e.Mu = models.NewDense("mu", cfg.Features(), cfg.Z, rng)
	e.LV = models.NewDense("lv", cfg.Features(), cfg.Z, rng)
	models.CheckUnique(e.Params())
	return e, nil
}

// Params returns the convolutions' weights and biases, then mu's and lv's.
func (e *SeqEncoder) Params() []*models.Param {
	var ps []*models.Param
	for _, c := range e.Convs {
		ps = append(ps, c.Params()...)
	}
	return append(append(ps, e.Mu.Params()...), e.LV.Params()...)
}

// Encode returns mu and logvar [N, Z] for the sequences of b, valid until the next call.
// The layers keep what Backward needs whether or not train is set.
//
// As in the image Encoder, each pooling reads a convolution's raw output and writes the
// next one's padded input (or the flattened features) directly, applying the bias and
// rectifier on the way.
func (e *SeqEncoder) Encode(b *models.Batch, train bool) (mu, logvar []float32) {
	if b.T != e.Steps || b.D != e.Classes || len(b.X) < b.N*b.T*b.D {
		panic(fmt.Sprintf("conv: sequence encoder of %d steps × %d classes given a batch of %d × %d", e.Steps, e.Classes, b.T, b.D))
	}
	n := b.N
	e.n = n
	src, a := e.firstForward(b)
	w := e.Steps // the length of the convolution's output, and of the pooling's input
	for k := 1; k < len(e.Convs); k++ {
		c := e.Convs[k]
		c.setGeom(n, 1, w/2)
		maxPool1DForward(c.inPlanes(), src, a, n, e.Channels[k-1], w)
		c.forwardPlanes()
		src, a, w = c.outPlanes(), c.act(), w/2
	}
	last := e.Channels[len(e.Channels)-1]
	e.h = models.Buf(e.h, n*e.Features())
	maxPool1DForward(nchw(e.h, last, 1, w/2), src, a, n, last, w)
	return e.Mu.Forward(e.h, n), e.LV.Forward(e.h, n)
}

// firstForward runs the first convolution and returns its raw output planes and the
// activation still to be applied to them.
func (e *SeqEncoder) firstForward(b *models.Batch) (planes, act) {
	c, n, t := e.Convs[0], b.N, e.Steps
	e.gather = b.EncoderClasses() != nil
	if !e.gather {
		c.setGeom(n, 1, t)
		p, d := c.inPlanes(), e.Classes
		for ch := 0; ch < d; ch++ {
			for i := 0; i < n; i++ {
				row := p.buf[p.at(ch, i):][:t]
				for s := range row {
					row[s] = b.X[(i*t+s)*d+ch]
				}
			}
		}
		c.forwardPlanes()
		return c.outPlanes(), c.act()
	}
	e.cls = b.EncoderClasses()[:n*t]
	for _, k := range e.cls {
		if k < 0 || int(k) >= e.Classes {
			panic(fmt.Sprintf("conv: sequence encoder: class %d outside [0, %d)", k, e.Classes))
		}
	}
	out, taps, classes := c.Out, c.KW, e.Classes
	e.y1 = models.Buf(e.y1, out*n*t)
	e.wt = models.Buf(e.wt, out*taps*classes)
	// y1[co][i][s] = Σ_k W[co, class(i, s+k−pad), k], over the steps inside the sequence,
	// from a table per output channel and tap: wt[co][k][class].
	parallelFor(out, 4, func(lo, hi int) {
		for co := lo; co < hi; co++ {
			wc := c.W.Data()[co*classes*taps:][:classes*taps]
			wt := e.wt[co*taps*classes:][:taps*classes]
			for cl := 0; cl < classes; cl++ {
				for k := 0; k < taps; k++ {
					wt[k*classes+cl] = wc[cl*taps+k]
				}
			}
			for i := 0; i < n; i++ {
				cls, y := e.cls[i*t:][:t], e.y1[(co*n+i)*t:][:t]
				clear(y)
				for k := 0; k < taps; k++ {
					tab := wt[k*classes:][:classes]
					s0, s1 := tapRange(k, c.PadW, t)
					ys := y[s0:s1]
					for s, cl := range cls[s0+k-c.PadW : s1+k-c.PadW] {
						ys[s] += tab[cl]
					}
				}
			}
		}
	})
	return e.y1Planes(), c.act()
}

// tapRange returns the output steps [s0, s1) whose tap k (of a kernel padded by pad) falls
// inside a sequence of t steps.
func tapRange(k, pad, t int) (s0, s1 int) { return max(0, pad-k), min(t, t+pad-k) }

// y1Planes returns the gathered first convolution's output (or gradient) planes.
func (e *SeqEncoder) y1Planes() planes { return planes{e.y1, 0, e.n * e.Steps, e.Steps, e.Steps} }

// Backward adds the parameter gradients of the last Encode for dmu and dlogvar [N, Z].
func (e *SeqEncoder) Backward(dmu, dlogvar []float32) {
	n, nf := e.n, e.Features()
	e.dh = models.Buf(e.dh, n*nf)
	copy(e.dh, e.Mu.Backward(dmu))
	for i, v := range e.LV.Backward(dlogvar) {
		e.dh[i] += v
	}
	last := len(e.Convs) - 1
	w := e.Steps >> last // the length of the last convolution's output
	dy := nchw(e.dh, e.Channels[last], 1, w/2)
	sink := 0
	for k, ch := range e.Channels {
		sink = max(sink, ch*(e.Steps>>k))
	}
	e.sink = models.Buf(e.sink, sink)
	for k := last; k >= 0; k-- {
		c := e.Convs[k]
		if k == 0 && e.gather {
			e.dy1 = models.Buf(e.dy1, len(e.y1))
			dst := planes{e.dy1, 0, n * e.Steps, e.Steps, e.Steps}
			maxPool1DBackward(dst, e.y1Planes(), c.act(), dy, c.B.Grad, e.sink, n, c.Out, w)
			e.gatherBackward()
			return
		}
		maxPool1DBackward(c.gradPlanes(), c.outPlanes(), c.act(), dy, c.B.Grad, e.sink, n, c.Out, w)
		c.backwardPlanes()
		if k > 0 {
			dy, w = c.dxPlanes(), e.Steps>>(k-1)
		}
	}
}

// gatherParts is how many partial sums gatherBackward keeps per weight: a melody repeats
// a class (0, hold) step after step, and adding each step into the same sum would wait
// on the previous addition every time.
const gatherParts = 4

// gatherBackward adds the weight gradient of the gathered first convolution:
// dW[co, class(i, s+k−pad), k] += dy1[co][i][s].
func (e *SeqEncoder) gatherBackward() {
	c, n, t := e.Convs[0], e.n, e.Steps
	taps, classes := c.KW, e.Classes
	size := taps * classes
	e.gpart = models.Buf(e.gpart, c.Out*gatherParts*size)
	clear(e.gpart)
	parallelFor(c.Out, 4, func(lo, hi int) {
		for co := lo; co < hi; co++ {
			part := e.gpart[co*gatherParts*size:][:gatherParts*size]
			for i := 0; i < n; i++ {
				cls, g := e.cls[i*t:][:t], e.dy1[(co*n+i)*t:][:t]
				for k := 0; k < taps; k++ {
					s0, s1 := tapRange(k, c.PadW, t)
					gs, cs := g[s0:s1], cls[s0+k-c.PadW:s1+k-c.PadW]
					p0 := part[(0*taps+k)*classes:][:classes]
					p1 := part[(1*taps+k)*classes:][:classes]
					p2 := part[(2*taps+k)*classes:][:classes]
					p3 := part[(3*taps+k)*classes:][:classes]
					s := 0
					for ; s+3 < len(gs) && s+3 < len(cs); s += 4 {
						p0[cs[s]] += gs[s]
						p1[cs[s+1]] += gs[s+1]
						p2[cs[s+2]] += gs[s+2]
						p3[cs[s+3]] += gs[s+3]
					}
					for ; s < len(gs); s++ {
						p0[cs[s]] += gs[s]
					}
				}
			}
			gw := c.W.Grad[co*classes*taps:][:classes*taps]
			for k := 0; k < taps; k++ {
				for cl := 0; cl < classes; cl++ {
					j := k*classes + cl
					gw[cl*taps+k] += (part[j] + part[size+j]) + (part[2*size+j] + part[3*size+j])
				}
			}
		}
	})
}

// maxPool1DForward sets dst (w/2 values per row) to a(the maximum of each pair of src),
// for n examples of c channels of one row of w: max pooling by 2 over time, as PyTorch's
// max_pool1d(x, 2), which drops an odd last value. It runs the 2×2 row kernel with both
// rows the same.
func maxPool1DForward(dst, src planes, a act, n, c, w int) {
	wo := w / 2
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b, rectify := a.of(ch)
			for i := 0; i < n; i++ {
				r := src.buf[src.at(ch, i):][:2*wo]
				poolFwdRow(r, r, dst.buf[dst.at(ch, i):][:wo], b, rectify)
			}
		}
	})
}

// maxPool1DBackward sets dx (w per row) to the gradient with respect to src of
// a(maxpool1d(src)) for the output gradient dy: each pair's gradient goes to its first
// maximum (PyTorch's rule), or nowhere where the rectifier was off, and an odd last value
// gets 0. It adds the channel sums into gb when not nil. The 2×2 row kernel, run with both
// rows the same, sends nothing to the second row, which it writes to sink (at least
// 2·(w/2) values per channel).
func maxPool1DBackward(dx, src planes, a act, dy planes, gb, sink []float32, n, c, w int) {
	wo := w / 2
	parallelFor(c, 1, func(lo, hi int) {
		for ch := lo; ch < hi; ch++ {
			b, rectify := a.of(ch)
			unused := sink[ch*2*wo:][:2*wo]
			var sum float32
			for i := 0; i < n; i++ {
				r := src.buf[src.at(ch, i):][:2*wo]
				d := dx.buf[dx.at(ch, i):][:w]
				sum += poolBackRow(r, r, d, unused, dy.buf[dy.at(ch, i):][:wo], b, rectify)
				if w%2 == 1 {
					d[w-1] = 0
				}
			}
			if gb != nil {
				gb[ch] += sum
			}
		}
	})
}
