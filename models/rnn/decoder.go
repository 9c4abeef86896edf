package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"musae/models"
)

// Decoder is the autoregressive LSTM decoder of melodies. The initial (h, c) of every layer
// is tanh(init(z)), laid out layer by layer as h then c; the input at step t is
// [one-hot of the class at t−1 (zeros at t = 0), z, controls_t] (no controls when Controls
// is 0); a stack of LSTM layers feeds a linear layer to the class logits. Parameter names
// follow PyTorch's Linear "init", nn.LSTM "dec" (num_layers = len(Layers)) and Linear "out".
//
// NLL teacher-forces the decoder on the batch (optionally with scheduled sampling); Generate
// feeds back its own choices through the one-step path with the same weights. Sequences
// shorter than Steps (models.Batch.Lengths) are decoded and scored over their own steps
// only: padding is never scored and adds nothing to any gradient.
type Decoder struct {
	Classes, Steps, Z, Hidden int
	Controls                  int // control features per step, the last columns of the first layer's input
	Init                      *models.Dense
	Layers                    []*LSTM
	Out                       *models.Dense

	// Scheduled sampling: in training, each step's input is, with probability SampleProb,
	// drawn from the decoder's own output distribution at the step before instead of the
	// true previous class. Rng supplies the draws and is needed when SampleProb > 0.
	SampleProb float64
	Rng        *rand.Rand

	// Start, when set, holds each row's input class at step 0 ([N]; −1 for none, as
	// without it): the class before the sequence. The bars of a HierDecoder read the last
	// class of the bar before, as MusicVAE's core decoders do.
	Start []int32

	// prepared, while set, lets decode reuse the weights it prepared last (a
	// HierDecoder decoding bar after bar with the same weights).
	prepared bool

	n           int
	z           []float32  // the last NLL's latent (not owned)
	s0          stackStart // the layers' initial state, from z
	prev, tgt   []int32    // [T, N] previous and target classes (−1: none, padding)
	ctl         []float32  // [T, N, Controls] the last NLL's controls, time-major
	dctl, cproj []float32  // decode's controls [T, n, Controls] and their projection [T, n, 4H]
	rowNLL      []float64  // [T·N]
	nll         []float64  // [N]
	dlogits, dz []float32
	run         stepper // decode's
}

// NewDecoder returns a decoder over classes categories and steps steps, with a
// z-dimensional latent and len(hidden) LSTM layers (all of the same size, as in nn.LSTM).
func NewDecoder(classes, steps, z int, hidden []int, rng *rand.Rand) *Decoder {
	return NewControlledDecoder(classes, 0, steps, z, hidden, rng)
}

// NewControlledDecoder is NewDecoder for a decoder that reads controls control features
// per step.
func NewControlledDecoder(classes, controls, steps, z int, hidden []int, rng *rand.Rand) *Decoder {
	h := hidden[0]
	d := &Decoder{Classes: classes, Steps: steps, Z: z, Hidden: h, Controls: controls}
	d.Init, d.Layers = newStack("init", "dec", z, classes+z+controls, hidden, rng)
	d.Out = models.NewDense("out", h, classes, rng)
	return d
}

// Params returns the parameters in PyTorch's state_dict order.
func (d *Decoder) Params() []*models.Param {
	return stackParams(d.Init, d.Layers, d.Out.Params())
}

// NLL returns −log p(x|z) per example in nats for z [N, Z], teacher-forced on b's classes.
func (d *Decoder) NLL(z []float32, b *models.Batch, train bool) []float64 {
	if b.Classes == nil || b.T != d.Steps || b.D != d.Classes || b.C != d.Controls {
		panic(fmt.Sprintf("rnn: decoder of %d steps of %d classes and %d controls given a batch of %d steps of %d features and %d controls (classes set: %v)",
			d.Steps, d.Classes, d.Controls, b.T, b.D, b.C, b.Classes != nil))
	}
	b.CheckLengths()
	n, T := b.N, b.T
	d.n, d.z = n, z
	d.prev, d.tgt = growInt(d.prev, T*n), growInt(d.tgt, T*n)
	for i := 0; i < n; i++ {
		d.prev[i] = d.start(i)
		l := b.Len(i)
		for t := 0; t < T; t++ {
			c := b.Classes[i*T+t]
			if t >= l {
				c = -1
			}
			d.tgt[t*n+i] = c
			if t+1 < T {
				d.prev[(t+1)*n+i] = c
			}
		}
	}
	if C := d.Controls; C > 0 {
		d.ctl = models.Buf(d.ctl, T*n*C)
		for i := 0; i < n; i++ {
			for t := 0; t < T; t++ {
				copy(d.ctl[(t*n+i)*C:(t*n+i+1)*C], b.Controls[(i*T+t)*C:(i*T+t+1)*C])
			}
		}
	}
	if train && d.SampleProb > 0 {
		if d.Rng == nil {
			panic("rnn: scheduled sampling needs Decoder.Rng")
		}
		d.scheduleInputs(z, n, b.Controls)
	}
	in := seqInput{n: n, t: T, classes: d.prev, oneHot: d.Classes, static: z, dStatic: d.Z}
	if d.Controls > 0 {
		in.dense, in.dDense, in.staticFirst = d.ctl, d.Controls, true
	}
	logits := d.Out.Forward(d.s0.run(d.Init, d.Layers, z, in, train), T*n)
	d.rowNLL = growF64(d.rowNLL, T*n)
	softmaxNLL(d.rowNLL, logits, d.tgt, d.Classes, train)
	d.dlogits = logits // with train set, now the gradient of each row's NLL
	d.nll = perExample(d.nll, d.rowNLL, T, n)
	return d.nll
}

// Backward adds the parameter gradients of the last training NLL given d loss/d nll per
// example, and returns d loss/d z [N, Z], valid until the next call.
func (d *Decoder) Backward(dnll []float32) []float32 {
	n, T := d.n, d.Steps
	scaleRows(d.dlogits, dnll, T, n)
	dz := d.s0.backward(d.Init, d.Layers, d.Out.Backward(d.dlogits), n, d.Hidden, true)
	d.dz = models.Buf(d.dz, n*d.Z)
	copy(d.dz, dz)
	models.AddTo(d.dz, d.Layers[0].dstatic)
	return d.dz
}

// Accuracy decodes mu [N, Z] greedily under b's controls, feeding back its own argmax, and
// returns how many of b's steps it gets right and how many steps there are (padding left
// out). mu may come from any encoder.
func (d *Decoder) Accuracy(mu []float32, b *models.Batch) (hits, total int) {
	for i, seq := range d.GenerateFor(mu, b, 0, nil) {
		for t, c := range seq {
			if c == b.Classes[i*b.T+t] {
				hits++
			}
		}
	}
	return hits, b.Steps()
}

// Generate decodes n sequences of Steps classes from the latents z [n, Z], feeding each
// step's choice back as the next input. Temperature 0 picks the most likely class (greedy);
// otherwise classes are drawn from softmax(logits/temperature) with rng, so a seeded rng
// gives the same sequences. A decoder that takes controls needs GenerateControlled.
func (d *Decoder) Generate(z []float32, n int, temperature float64, rng *rand.Rand) [][]int32 {
	return d.GenerateControlled(z, n, nil, nil, temperature, rng)
}

// GenerateFor is GenerateControlled under a batch's controls and lengths (its classes
// are not read): what reconstructing b decodes.
func (d *Decoder) GenerateFor(z []float32, b *models.Batch, temperature float64, rng *rand.Rand) [][]int32 {
	return d.GenerateControlled(z, b.N, b.Controls, b.Lengths, temperature, rng)
}

// GenerateControlled is Generate under controls [n, Steps, Controls] (nil for a decoder
// that takes none), known in advance for every step, with sequence i lengths[i] steps long
// (1 to Steps; nil: all Steps). Sequence i is then lengths[i] classes long; the controls
// past its end are not read.
func (d *Decoder) GenerateControlled(z []float32, n int, controls []float32, lengths []int, temperature float64, rng *rand.Rand) [][]int32 {
	checkTemperature(temperature, rng, true)
	if len(controls) != n*d.Steps*d.Controls {
		panic(fmt.Sprintf("rnn: Generate of %d sequences of %d steps with %d controls given %d control values", n, d.Steps, d.Controls, len(controls)))
	}
	steps := d.Steps
	if lengths != nil {
		if len(lengths) != n {
			panic(fmt.Sprintf("rnn: Generate of %d sequences given %d lengths", n, len(lengths)))
		}
		steps = 0
		for i, l := range lengths {
			if l < 1 || l > d.Steps {
				panic(fmt.Sprintf("rnn: Generate: sequence %d of %d steps, want 1 to %d", i, l, d.Steps))
			}
			steps = max(steps, l)
		}
	}
	out := make([][]int32, n)
	flat := make([]int32, n*d.Steps)
	for i := range out {
		l := d.Steps
		if lengths != nil {
			l = lengths[i]
		}
		out[i] = flat[i*d.Steps : i*d.Steps+l]
	}
	d.decode(z, n, steps, controls, func(t int, logits []float32) {
		for i := 0; i < n; i++ {
			row := logits[i*d.Classes : (i+1)*d.Classes]
			if temperature == 0 {
				flat[i*d.Steps+t] = int32(argmax(row))
			} else {
				flat[i*d.Steps+t] = int32(sample(row, temperature, rng))
			}
		}
	}, func(t, i int) int32 { return flat[i*d.Steps+t] })
	return out
}

// decode runs the decoder autoregressively from z [n, Z] for steps steps (at most Steps)
// under controls [n, Steps, Controls]: after each step choose sees the logits
// [n, Classes] and records its choices, which class(t, i) returns as the next step's
// input. Its buffers are the decoder's, reused across calls.
func (d *Decoder) decode(z []float32, n, steps int, controls []float32, choose func(t int, logits []float32), class func(t, i int) int32) {
	G := 4 * d.Hidden
	d.s0.forward(d.Init, z, n, d.Hidden, len(d.Layers))
	d.run.begin(d.Layers, &d.s0, z, n, d.Z, d.Classes, d.prepared)
	l := d.Layers[0]
	if C := d.Controls; C > 0 {
		// The controls' part of every step at once, time-major [steps, n, 4H].
		d.dctl = models.Buf(d.dctl, steps*n*C)
		for i := 0; i < n; i++ {
			for t := 0; t < steps; t++ {
				copy(d.dctl[(t*n+i)*C:(t*n+i+1)*C], controls[(i*d.Steps+t)*C:(i*d.Steps+t+1)*C])
			}
		}
		d.cproj = models.Buf(d.cproj, steps*n*G)
		l.ws.Gemm(false, false, steps*n, G, C, d.dctl, C, l.wihT[(d.Classes+d.Z)*G:], G, 0, d.cproj, G)
	}
	pre := d.run.pre
	for t := 0; t < steps; t++ {
		if d.Controls > 0 {
			models.Add(pre, d.run.zproj, d.cproj[t*n*G:(t+1)*n*G])
		} else {
			copy(pre, d.run.zproj)
		}
		for i := 0; i < n; i++ {
			c := int(d.start(i))
			if t > 0 {
				c = int(class(t-1, i))
			}
			// A negative class (no class to start from, or the padding of a shorter
			// sequence in scheduled sampling) is an all-zero input, as in NLL.
			if c >= 0 {
				models.AddTo(pre[i*G:(i+1)*G], l.wihT[c*G:(c+1)*G])
			}
		}
		choose(t, d.Out.Forward(d.run.step(d.Layers, n), n))
	}
}

// scheduleInputs replaces, with probability SampleProb each, the teacher-forced inputs in
// d.prev ([T, N]; step 0 has none) by a class drawn from the decoder's own output at the
// step before, running the steps in lockstep without keeping anything for Backward. The
// training pass that follows on these inputs computes the same activations, and treats the
// drawn classes as given (no gradient flows through the draw), as MusicVAE does.
func (d *Decoder) scheduleInputs(z []float32, n int, controls []float32) {
	T, C := d.Steps, d.Classes
	d.decode(z, n, T, controls, func(t int, logits []float32) {
		if t+1 >= T {
			return
		}
		for i := 0; i < n; i++ {
			if d.Rng.Float64() < d.SampleProb {
				d.prev[(t+1)*n+i] = int32(sample(logits[i*C:(i+1)*C], 1, d.Rng))
			}
		}
	}, func(t, i int) int32 { return d.prev[(t+1)*n+i] })
}

// Schedule returns a trainer's BeforeStep hook that anneals d's scheduled sampling by
// MusicVAE's inverse-sigmoid schedule of rate k (> 0): before training step s, d reads the
// true previous class with probability k/(k+exp(s/k)) and otherwise its own sample,
// drawn with the step's rng.
func (d *Decoder) Schedule(k float64) func(step int, rng *rand.Rand) {
	return func(step int, rng *rand.Rand) {
		d.SampleProb = 1 - k/(k+math.Exp(math.Min(float64(step)/k, 700)))
		d.Rng = rng
	}
}

// start is row i's input class at step 0: Start[i], or −1 (none).
func (d *Decoder) start(i int) int32 {
	if d.Start == nil {
		return -1
	}
	return d.Start[i]
}

// checkTemperature panics, on a programmer's error, where a decoder is asked to generate
// at a negative or NaN temperature, or, where it draws (draws), at a positive one
// without a random source.
func checkTemperature(temperature float64, rng *rand.Rand, draws bool) {
	if temperature < 0 || math.IsNaN(temperature) {
		panic(fmt.Sprintf("rnn: Generate with temperature %v", temperature))
	}
	if draws && temperature > 0 && rng == nil {
		panic("rnn: Generate with a positive temperature needs a random source")
	}
}

func argmax(row []float32) int {
	best := 0
	for j, v := range row {
		if v > row[best] {
			best = j
		}
	}
	return best
}

// sample draws an index from softmax(row/temperature).
func sample(row []float32, temperature float64, rng *rand.Rand) int {
	m := row[argmax(row)]
	var s float64
	for _, v := range row {
		s += math.Exp(float64(v-m) / temperature)
	}
	u := rng.Float64() * s
	for j, v := range row {
		u -= math.Exp(float64(v-m) / temperature)
		if u < 0 {
			return j
		}
	}
	return argmax(row)
}

func growF64(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n)
	}
	return b[:n]
}
