package rnn

import (
	"fmt"
	"math"
	"math/rand/v2"

	"musae/models"
)

// GrooveConfig describes a GrooVAE (Gillick et al. 2019): steps of Drums drums, each step
// 3·Drums features laid out as GrooVAE's GrooveConverter lays them out, [hits, velocities,
// offsets], a bidirectional LSTM encoder over the dense steps and a GrooveDecoder.
type GrooveConfig struct {
	Name          string
	Drums         int   // drums per step (9 for the reduced kit)
	Steps         int   // steps per sequence (32 for two bars of 16ths)
	EncoderHidden int   // LSTM units per direction of the bidirectional encoder
	DecoderHidden []int // LSTM units of each decoder layer (all equal)
	Z             int   // latent dimensions
}

// Features is the width of a step: a hit, a velocity and an offset per drum.
func (c GrooveConfig) Features() int { return 3 * c.Drums }

// asConfig is the melody config with the same shapes: a GrooveDecoder's parameters are a
// Decoder's with Features classes.
func (c GrooveConfig) asConfig() Config {
	return Config{Name: c.Name, Classes: c.Features(), Steps: c.Steps, EncoderHidden: c.EncoderHidden, DecoderHidden: c.DecoderHidden, Z: c.Z}
}

// Validate reports the first problem with c.
func (c GrooveConfig) Validate() error {
	if c.Drums < 1 || 3*c.Drums > MaxClasses {
		return fmt.Errorf("rnn: config %q: drums = %d, want 1 to %d", c.Name, c.Drums, MaxClasses/3)
	}
	return c.asConfig().Validate()
}

// Params returns the number of values in the encoder's and the decoder's parameters, as
// NewGroove would allocate them, for a valid c.
func (c GrooveConfig) Params() int64 { return c.asConfig().EncoderParams() + c.DecoderParams() }

// DecoderParams returns the number of values in the decoder's parameters, for a valid c.
func (c GrooveConfig) DecoderParams() int64 { return c.asConfig().DecoderParams() }

// NewGroove returns a GrooVAE: an Encoder of the dense steps (a batch without Classes)
// and a GrooveDecoder, initialised from rng as PyTorch does.
func NewGroove(c GrooveConfig, rng *rand.Rand) (*models.VAE, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	enc := NewEncoder(c.Features(), c.EncoderHidden, c.Z, rng)
	dec := NewGrooveDecoder(c.Drums, c.Steps, c.Z, c.DecoderHidden, rng)
	return &models.VAE{Enc: enc, Dec: dec, Z: c.Z}, nil
}

// GrooveDecoder is GrooVAE's autoregressive LSTM decoder (music_vae's GrooveLstmDecoder).
// Each step has F = 3·Drums outputs: per drum a hit logit (Bernoulli), a velocity
// σ(output) in [0, 1] and an offset tanh(output) in [−1, 1]. The initial (h, c) of every
// layer is tanh(init(z)) as in Decoder; the input at step t is [the 27 features of step
// t−1 (zeros at t = 0), z]: in training the target's own (teacher forcing), in generation
// the decoder's (sampled hits, predicted velocities and offsets), as GrooVAE feeds back.
//
// The negative log-likelihood of a step is GrooVAE's loss, in nats for the hits: the sum
// over drums of the hits' binary cross-entropy −y·log σ(a) − (1−y)·log(1−σ(a)), plus the
// squared errors of the velocities and of the offsets (GrooVAE's MSE terms, summed over
// drums), over every drum whether hit or not (a silent drum's target is velocity 0, offset
// 0). A batch's targets are b.Target where set (the full performance, when the encoder
// reads a corrupted one), else b.X; Classes must be nil.
//
// Parameter names follow Decoder's: "init", "dec" (num_layers = len(Layers)), "out".
type GrooveDecoder struct {
	Drums, Steps, Z, Hidden int
	Init                    *models.Dense
	Layers                  []*LSTM
	Out                     *models.Dense

	n         int
	s0        stackStart // the layers' initial state, from z
	prev, tgt []float32  // [T, N, F]
	rowNLL    []float64  // [T·N]
	nll       []float64  // [N]
	dout, dz  []float32
	run       stepper // decode's
	feed      []float32
}

// NewGrooveDecoder returns a decoder of steps steps of drums drums, with a z-dimensional
// latent and len(hidden) LSTM layers of the same size.
func NewGrooveDecoder(drums, steps, z int, hidden []int, rng *rand.Rand) *GrooveDecoder {
	h, f := hidden[0], 3*drums
	d := &GrooveDecoder{Drums: drums, Steps: steps, Z: z, Hidden: h}
	d.Init, d.Layers = newStack("init", "dec", z, f+z, hidden, rng)
	d.Out = models.NewDense("out", h, f, rng)
	return d
}

// Features is the width of a step, 3·Drums.
func (d *GrooveDecoder) Features() int { return 3 * d.Drums }

// Params returns the parameters in PyTorch's state_dict order.
func (d *GrooveDecoder) Params() []*models.Param {
	return stackParams(d.Init, d.Layers, d.Out.Params())
}

// targets returns the batch's decoder targets: b.Target where set, else b.X.
func targets(b *models.Batch) []float32 {
	if b.Target != nil {
		return b.Target
	}
	return b.X
}

// NLL returns GrooVAE's loss per example (see GrooveDecoder) for z [N, Z], teacher-forced
// on the batch's targets.
func (d *GrooveDecoder) NLL(z []float32, b *models.Batch, train bool) []float64 {
	F := d.Features()
	if b.Classes != nil || b.T != d.Steps || b.D != F || (b.Target != nil && len(b.Target) != len(b.X)) {
		panic(fmt.Sprintf("rnn: groove decoder of %d steps of %d features given a batch of %d steps of %d features (classes set: %v, %d targets for %d inputs)",
			d.Steps, F, b.T, b.D, b.Classes != nil, len(b.Target), len(b.X)))
	}
	n, T := b.N, b.T
	d.n = n
	y := targets(b)
	d.prev, d.tgt = models.Buf(d.prev, T*n*F), models.Buf(d.tgt, T*n*F)
	for i := 0; i < n; i++ {
		clear(d.prev[i*F : (i+1)*F])
		for t := 0; t < T; t++ {
			src := y[(i*T+t)*F : (i*T+t+1)*F]
			copy(d.tgt[(t*n+i)*F:], src)
			if t+1 < T {
				copy(d.prev[((t+1)*n+i)*F:], src)
			}
		}
	}
	in := seqInput{n: n, t: T, dense: d.prev, dDense: F, static: z, dStatic: d.Z}
	out := d.Out.Forward(d.s0.run(d.Init, d.Layers, z, in, train), T*n)
	d.rowNLL = growF64(d.rowNLL, T*n)
	d.dout = models.Buf(d.dout, len(out))
	for r := 0; r < T*n; r++ {
		d.rowNLL[r] = grooveLoss(out[r*F:(r+1)*F], d.tgt[r*F:(r+1)*F], d.dout[r*F:(r+1)*F], d.Drums)
	}
	d.nll = perExample(d.nll, d.rowNLL, T, n)
	return d.nll
}

// grooveLoss returns one step's loss for the outputs a and targets y ([hits, velocities,
// offsets] of drums drums each) and writes its gradient with respect to a into da.
func grooveLoss(a, y, da []float32, drums int) float64 {
	var s float64
	for j := 0; j < drums; j++ {
		// Hits: BCE from the logit, log(1+e^a) − y·a, computed stably.
		x, t := float64(a[j]), float64(y[j])
		s += math.Max(x, 0) + math.Log1p(math.Exp(-math.Abs(x))) - t*x
		da[j] = float32(1/(1+math.Exp(-x)) - t)
	}
	for j := drums; j < 2*drums; j++ {
		v := float64(sigmoid(a[j]))
		e := v - float64(y[j])
		s += e * e
		da[j] = float32(2 * e * v * (1 - v))
	}
	for j := 2 * drums; j < 3*drums; j++ {
		o := float64(tanhf(a[j]))
		e := o - float64(y[j])
		s += e * e
		da[j] = float32(2 * e * (1 - o*o))
	}
	return s
}

// Backward adds the parameter gradients of the last training NLL given d loss/d nll per
// example, and returns d loss/d z [N, Z], valid until the next call.
func (d *GrooveDecoder) Backward(dnll []float32) []float32 {
	n, T := d.n, d.Steps
	scaleRows(d.dout, dnll, T, n)
	dz := d.s0.backward(d.Init, d.Layers, d.Out.Backward(d.dout), n, d.Hidden, true)
	d.dz = models.Buf(d.dz, n*d.Z)
	copy(d.dz, dz)
	models.AddTo(d.dz, d.Layers[0].dstatic)
	return d.dz
}

// activate turns one step's outputs a into GrooVAE's values in place: the hits' logits
// become hit probabilities σ(a), the velocities σ(a), the offsets tanh(a).
func (d *GrooveDecoder) activate(a []float32) {
	for j := 0; j < d.Drums; j++ {
		a[j] = sigmoid(a[j])
	}
	d.activateValues(a)
}

// TeacherForced decodes z [N, Z] teacher-forced on b's targets and returns each step's
// activated outputs, [N, T, F]: hit probabilities, velocities and offsets, each step
// having read the true previous one. It is what GrooVAE's teacher-forced metrics score.
func (d *GrooveDecoder) TeacherForced(z []float32, b *models.Batch) []float32 {
	d.NLL(z, b, false)
	n, T, F := b.N, b.T, d.Features()
	out := d.Out.Forward(d.Layers[len(d.Layers)-1].outputs(), T*n)
	res := make([]float32, n*T*F)
	for t := 0; t < T; t++ {
		for i := 0; i < n; i++ {
			row := res[(i*T+t)*F : (i*T+t+1)*F]
			copy(row, out[(t*n+i)*F:(t*n+i+1)*F])
			d.activate(row)
		}
	}
	return res
}

// Generate decodes n sequences from the latents z [n, Z], [n, T, F]: at each step a drum
// is hit where its Bernoulli draw at the temperature says (σ(a/temperature), drawn with
// rng), or, at temperature 0, where its hit probability p = σ(a) is above one half. Each
// step's values are the next step's input. A seeded rng gives the same sequences.
//
// A hit's velocity and offset are the predicted σ and tanh divided by p (at most 1 in
// magnitude), and a silent drum's are 0. GrooVAE's squared errors score every drum, a
// silent one against velocity and offset 0, so the outputs learn E[velocity·hit] =
// p·E[velocity | hit] (and so for the offset): dividing by p gives the hit's own, where
// music_vae's GrooveLstmDecoder._sample keeps the products, and a hit the model thought
// unlikely comes out nearly silent and on the grid. On groove2's validation windows the
// quotients humanise velocities with an error of 26.6 MIDI units instead of 33.9, and
// timing with 19.5 ms instead of 18.6 (the products' shrinking to the grid is a hedge the
// mean error rewards), and they swing a jazz ride that the products play straight. Zeros
// for silent drums are what the decoder read in training.
func (d *GrooveDecoder) Generate(z []float32, n int, temperature float64, rng *rand.Rand) []float32 {
	return d.GenerateWithHits(z, n, nil, temperature, rng)
}

// GenerateWithHits is Generate with the hits given, [n, T, Drums] of 0 and 1 (nil: drawn
// as Generate draws them): the decoder predicts the velocities and offsets of those hits,
// each step reading the given hits of the step before.
func (d *GrooveDecoder) GenerateWithHits(z []float32, n int, hits []float32, temperature float64, rng *rand.Rand) []float32 {
	checkTemperature(temperature, rng, hits == nil)
	T, F, D := d.Steps, d.Features(), d.Drums
	if hits != nil && len(hits) != n*T*D {
		panic(fmt.Sprintf("rnn: GenerateWithHits: %d hits for %d sequences of %d steps of %d drums", len(hits), n, T, D))
	}
	res := make([]float32, n*T*F)
	d.decode(z, n, func(t int, out []float32) {
		for i := 0; i < n; i++ {
			row := res[(i*T+t)*F : (i*T+t+1)*F]
			copy(row, out[i*F:(i+1)*F])
			for j := 0; j < D; j++ {
				var hit bool
				switch {
				case hits != nil:
					hit = hits[(i*T+t)*D+j] > 0.5
				case temperature > 0:
					hit = rng.Float64() < 1/(1+math.Exp(-float64(row[j])/temperature))
				default:
					hit = row[j] > 0
				}
				p := sigmoid(row[j])
				row[j], row[D+j], row[2*D+j] = 0, 0, 0
				if hit {
					row[j] = 1
					row[D+j] = min(sigmoid(out[i*F+D+j])/p, 1)
					row[2*D+j] = max(min(tanhf(out[i*F+2*D+j])/p, 1), -1)
				}
			}
		}
	}, func(t, i int) []float32 { return res[(i*T+t)*F : (i*T+t+1)*F] })
	return res
}

// activateValues applies σ to the velocities and tanh to the offsets of a step.
func (d *GrooveDecoder) activateValues(a []float32) {
	D := d.Drums
	for j := D; j < 2*D; j++ {
		a[j] = sigmoid(a[j])
	}
	for j := 2 * D; j < 3*D; j++ {
		a[j] = tanhf(a[j])
	}
}

// decode runs the decoder autoregressively from z [n, Z] for Steps steps: after each step
// choose sees the outputs [n, F] and records the step's values, which step(t, i) returns
// as the next step's input for example i.
func (d *GrooveDecoder) decode(z []float32, n int, choose func(t int, out []float32), step func(t, i int) []float32) {
	G, F := 4*d.Hidden, d.Features()
	d.s0.forward(d.Init, z, n, d.Hidden, len(d.Layers))
	d.run.begin(d.Layers, &d.s0, z, n, d.Z, F, false)
	d.feed = models.Buf(d.feed, n*F)
	l, pre := d.Layers[0], d.run.pre
	for t := 0; t < d.Steps; t++ {
		copy(pre, d.run.zproj)
		if t > 0 {
			for i := 0; i < n; i++ {
				copy(d.feed[i*F:(i+1)*F], step(t-1, i))
			}
			l.ws.Gemm(false, false, n, G, F, d.feed, F, l.wihT, G, 1, pre, G)
		}
		choose(t, d.Out.Forward(d.run.step(d.Layers, n), n))
	}
}
