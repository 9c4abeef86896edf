package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"musae/models"
	"musae/models/rnn"
)

func TestSeqConfig(t *testing.T) {
	def := DefaultSeqConfig()
	if err := def.Validate(); err != nil {
		t.Fatalf("default config: %v", err)
	}
	if f := def.Features(); f != 1024 {
		t.Errorf("default config: %d features, want 128 channels × 8 steps = 1024", f)
	}
	for _, tc := range []struct {
		cfg  SeqConfig
		want string // in the error; "" for none
	}{
		{SeqConfig{Classes: 90, Steps: 32, Channels: []int{8}, Z: 4}, ""},
		{SeqConfig{Classes: 5, Steps: 7, Channels: []int{3, 4}, Z: 1}, ""},
		{SeqConfig{Classes: 0, Steps: 32, Channels: []int{8}, Z: 4}, "classes"},
		{SeqConfig{Classes: 90, Steps: 32, Z: 4}, "no convolutions"},
		{SeqConfig{Classes: 90, Steps: 3, Channels: []int{8, 8}, Z: 4}, "3 steps, want at least 4"},
		{SeqConfig{Classes: 90, Steps: 32, Channels: []int{8, 0}, Z: 4}, "convolution 2 has 0 channels"},
		{SeqConfig{Classes: 90, Steps: 32, Channels: []int{8}, Z: 0}, "latent size 0"},
		{SeqConfig{Classes: 1e9, Steps: 32, Channels: []int{8}, Z: 4}, "1000000000 classes, want 1 to 4096"},
		{SeqConfig{Classes: 90, Steps: 1 << 40, Channels: []int{8}, Z: 4}, "1099511627776 steps, want at most 4096"},
		{SeqConfig{Classes: 90, Steps: 32, Channels: make([]int, 10000), Z: 4}, "10000 convolutions, want at most 12"},
		{SeqConfig{Classes: 90, Steps: 32, Channels: []int{1 << 20}, Z: 4}, "convolution 1 has 1048576 channels"},
		{SeqConfig{Classes: 90, Steps: 32, Channels: []int{8}, Z: 1e6}, "latent size 1000000, want 1 to 4096"},
	} {
		err := tc.cfg.Validate()
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%+v: Validate() = %v, want %q", tc.cfg, err, tc.want)
		}
		e, nerr := NewSeqEncoder(tc.cfg, rand.New(rand.NewPCG(1, 1)))
		if (nerr == nil) != (err == nil) {
			t.Errorf("%+v: NewSeqEncoder's error %v, Validate's %v", tc.cfg, nerr, err)
		}
		if e != nil && tc.cfg.Params() != int64(models.CountParams(e.Params())) {
			t.Errorf("%+v: Params() = %d, NewSeqEncoder allocates %d", tc.cfg, tc.cfg.Params(), models.CountParams(e.Params()))
		}
	}
}

// TestSeqEncoderParams checks names, shapes and order: PyTorch's Conv1d and Linear layouts,
// named apart from the recurrent decoder's.
func TestSeqEncoderParams(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	e, err := NewSeqEncoder(DefaultSeqConfig(), rng)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range e.Params() {
		got = append(got, fmt.Sprint(p.Name, p.Shape()))
	}
	want := "enc.c1.weight[64 90 3] enc.c1.bias[64] enc.c2.weight[128 64 3] enc.c2.bias[128] " +
		"mu.weight[64 1024] mu.bias[64] lv.weight[64 1024] lv.bias[64]"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("params\n got %s\nwant %s", s, want)
	}
	dec := rnn.NewDecoder(90, 32, 64, []int{256}, rng)
	models.CheckUnique(append(e.Params(), dec.Params()...)) // panics on a clash
}

// refConv1D is Conv1d(kernel k, padding pad) of x [n, in, w], in float64.
func refConv1D(x []float64, n, in, w int, c *Conv2D) []float64 {
	wd, bd := f64(c.W), f64(c.B)
	k, pad, out := c.KW, c.PadW, c.Out
	wo := w + 2*pad - k + 1
	y := make([]float64, n*out*wo)
	for i := 0; i < n; i++ {
		for co := 0; co < out; co++ {
			for s := 0; s < wo; s++ {
				v := bd[co]
				for ci := 0; ci < in; ci++ {
					for kk := 0; kk < k; kk++ {
						if j := s + kk - pad; j >= 0 && j < w {
							v += wd[(co*in+ci)*k+kk] * x[(i*in+ci)*w+j]
						}
					}
				}
				y[(i*out+co)*wo+s] = v
			}
		}
	}
	return y
}

// refPool1D is max_pool1d(x, 2) of rows of w values.
func refPool1D(x []float64, rows, w int) []float64 {
	y := make([]float64, rows*(w/2))
	for r := 0; r < rows; r++ {
		for j := 0; j < w/2; j++ {
			y[r*(w/2)+j] = math.Max(x[r*w+2*j], x[r*w+2*j+1])
		}
	}
	return y
}

// refSeqEncode is SeqEncoder.Encode in float64, as the doc comment's PyTorch code has it.
func refSeqEncode(e *SeqEncoder, b *models.Batch) (mu, lv []float64) {
	mu, lv, _ = refSeqKinks(e, b)
	return mu, lv
}

// refSeqKinks is refSeqEncode that also returns how far the input is from a kink: the
// smallest pre-activation, in magnitude, and the smallest difference between the two
// values of a pooling window.
func refSeqKinks(e *SeqEncoder, b *models.Batch) (mu, lv []float64, margin float64) {
	n, t, d := b.N, e.Steps, e.Classes
	h := make([]float64, n*d*t)
	for i := 0; i < n; i++ {
		for s := 0; s < t; s++ {
			for ch := 0; ch < d; ch++ {
				h[(i*d+ch)*t+s] = float64(b.X[(i*t+s)*d+ch])
			}
		}
	}
	in, w := d, t
	margin = math.Inf(1)
	for _, c := range e.Convs {
		y := refConv1D(h, n, in, w, c)
		for j, v := range y {
			margin = math.Min(margin, math.Abs(v))
			if j%w%2 == 1 {
				margin = math.Min(margin, math.Abs(v-y[j-1]))
			}
		}
		h = refPool1D(refReLU(y), n*c.Out, w)
		in, w = c.Out, w/2
	}
	return refDense(h, n, e.Mu), refDense(h, n, e.LV), margin
}

// seqBatch returns n random sequences of classes, one-hot in X; with classes unset, the
// encoder convolves X instead of gathering.
func seqBatch(rng *rand.Rand, n, steps, classes int, withClasses bool) *models.Batch {
	b := models.NewBatch(n, steps, classes, true)
	seq := make([]int32, steps)
	for i := 0; i < n; i++ {
		for s := range seq {
			seq[s] = int32(rng.IntN(classes))
		}
		b.SetClasses(i, seq)
	}
	if !withClasses {
		b.Classes = nil
	}
	return b
}

// seqCases are the encoder shapes the tests run: odd lengths (pooling drops a step), one
// and three convolutions, and the default.
var seqCases = []SeqConfig{
	{Classes: 6, Steps: 8, Channels: []int{4, 5}, Z: 3},
	{Classes: 5, Steps: 11, Channels: []int{3, 9, 2}, Z: 2},
	{Classes: 7, Steps: 6, Channels: []int{10}, Z: 4},
	DefaultSeqConfig(),
}

// TestSeqEncoderForward compares mu and logvar with the float64 reference, gathering from
// classes and convolving one-hot rows, with every kernel set.
func TestSeqEncoderForward(t *testing.T) {
	for _, k := range []isa{isaGo, isaAVX2, isaAVX512} {
		t.Run(k.String(), func(t *testing.T) {
			withKernels(t, k)
			rng := rand.New(rand.NewPCG(21, 22))
			for _, cfg := range seqCases {
				e, err := NewSeqEncoder(cfg, rng)
				if err != nil {
					t.Fatal(err)
				}
				for _, n := range []int{3, 1, 5} { // the layouts change with n
					for _, gather := range []bool{true, false} {
						b := seqBatch(rng, n, cfg.Steps, cfg.Classes, gather)
						mu, lv := e.Encode(b, false)
						rmu, rlv := refSeqEncode(e, b)
						for _, c := range []struct {
							what string
							got  []float32
							want []float64
						}{{"mu", mu, rmu}, {"logvar", lv, rlv}} {
							if len(c.got) != len(c.want) {
								t.Fatalf("%+v n %d: %d values of %s, want %d", cfg, n, len(c.got), c.what, len(c.want))
							}
							for j, v := range c.got {
								if math.Abs(float64(v)-c.want[j]) > 1e-5*math.Max(1, math.Abs(c.want[j])) {
									t.Fatalf("%+v n %d gather %v: %s[%d] = %g, want %g", cfg, n, gather, c.what, j, v, c.want[j])
								}
							}
						}
					}
				}
			}
		})
	}
}

// TestSeqEncoderGradients checks the whole encoder's gradients (convolutions, poolings,
// dense heads) against finite differences of the float64 reference of Σ r·mu + Σ s·logvar,
// in both ways of reading the input.
func TestSeqEncoderGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, cfg := range seqCases[:3] {
		for _, gather := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v/gather=%v", cfg.Channels, gather), func(t *testing.T) {
				e, err := NewSeqEncoder(cfg, rng)
				if err != nil {
					t.Fatal(err)
				}
				// The network is only piecewise smooth: a difference step must not cross
				// a rectifier's or a pooling's kink, so the batch is drawn again until
				// every pre-activation and every pooling window keeps clear of them by
				// ten steps (one-hot inputs make near-kinks likelier than noise would).
				const n, eps = 3, 1e-4
				var b *models.Batch
				for try := 0; ; try++ {
					b = seqBatch(rng, n, cfg.Steps, cfg.Classes, gather)
					if _, _, m := refSeqKinks(e, b); m > 10*eps {
						break
					}
					if try == 100 {
						t.Fatal("no batch keeps clear of the kinks")
					}
				}
				r, s := randSlice(rng, n*cfg.Z), randSlice(rng, n*cfg.Z)
				loss := func() float64 {
					mu, lv := refSeqEncode(e, b)
					var l float64
					for j := range mu {
						l += float64(r[j])*mu[j] + float64(s[j])*lv[j]
					}
					return l
				}
				backward := func() {
					e.Encode(b, true)
					e.Backward(r, s)
				}
				if err := models.GradCheck(e.Params(), loss, backward, 40, eps, 2e-3, rng); err != nil {
					t.Error(err)
				}
			})
		}
	}
}

// TestSeqEncoderGatherMatchesConv requires the same gradients whether the first
// convolution gathers from classes or multiplies one-hot rows.
func TestSeqEncoderGatherMatchesConv(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	e, err := NewSeqEncoder(DefaultSeqConfig(), rng)
	if err != nil {
		t.Fatal(err)
	}
	const n = 6
	b := seqBatch(rng, n, e.Steps, e.Classes, true)
	r, s := randSlice(rng, n*e.Z), randSlice(rng, n*e.Z)
	grads := func(b *models.Batch) [][]float32 {
		models.ZeroGrads(e.Params())
		e.Encode(b, true)
		e.Backward(r, s)
		var g [][]float32
		for _, p := range e.Params() {
			g = append(g, append([]float32(nil), p.Grad...))
		}
		return g
	}
	gathered := grads(b)
	dense := *b
	dense.Classes = nil
	convolved := grads(&dense)
	for i, p := range e.Params() {
		if d := relErr(gathered[i], convolved[i]); d > 1e-5 {
			t.Errorf("%s: gathered and convolved gradients differ by %.3g", p.Name, d)
		}
	}
}

// melodyBatch returns n two-bar-like sequences over classes: a note-on every fourth step
// (class 2 + pitch), holds (class 0) between, and a note-off (class 1) at the end; the
// pitches climb or fall from a random start by a random interval, so that a few numbers
// describe each sequence.
func melodyBatch(rng *rand.Rand, n, steps, classes int) *models.Batch {
	b := models.NewBatch(n, steps, classes, true)
	seq := make([]int32, steps)
	pitches := classes - 2
	for i := 0; i < n; i++ {
		start, step := rng.IntN(pitches), 1+rng.IntN(3)
		if rng.IntN(2) == 0 {
			step = -step
		}
		for s := range seq {
			switch {
			case s == steps-1:
				seq[s] = 1
			case s%4 == 0:
				seq[s] = int32(2 + ((start+s/4*step)%pitches+pitches)%pitches)
			default:
				seq[s] = 0
			}
		}
		b.SetClasses(i, seq)
	}
	return b
}

// trainVAE runs Adam steps on batches from next and returns the mean loss of the first
// and of the last five steps, and the mean KL of the last five.
func trainVAE(t *testing.T, v *models.VAE, steps int, lr float64, next func() *models.Batch, rng *rand.Rand) (first, last, kl float64) {
	t.Helper()
	params := v.Params()
	cfg := models.DefaultAdamConfig()
	cfg.LR = lr
	opt := models.NewAdam(params, cfg)
	for s := 0; s < steps; s++ {
		models.ZeroGrads(params)
		terms := v.Step(next(), 0.1, 0, rng)
		if math.IsNaN(terms.Loss) || math.IsInf(terms.Loss, 0) {
			t.Fatalf("step %d: loss %v", s, terms.Loss)
		}
		opt.Update()
		if s < 5 {
			first += terms.Loss / 5
		}
		if s >= steps-5 {
			last += terms.Loss / 5
			kl += terms.KL / 5
		}
	}
	return first, last, kl
}

// TestSeqVAETrains trains a tiny melody VAE, SeqEncoder with the recurrent decoder, on
// synthetic sequences: the loss must fall, and the encoder must learn too.
func TestSeqVAETrains(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	cfg := SeqConfig{Classes: 14, Steps: 16, Channels: []int{16, 32}, Z: 8}
	enc, err := NewSeqEncoder(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	dec := rnn.NewDecoder(cfg.Classes, cfg.Steps, cfg.Z, []int{48}, rng)
	v := &models.VAE{Enc: enc, Dec: dec, Z: cfg.Z}
	first, last, kl := trainVAE(t, v, 80, 1e-2, func() *models.Batch { return melodyBatch(rng, 16, cfg.Steps, cfg.Classes) }, rng)
	t.Logf("mean loss over the first 5 steps %.2f, last 5 %.2f nats (KL %.2f)", first, last, kl)
	if last > 0.6*first {
		t.Errorf("loss fell from %.2f to only %.2f nats", first, last)
	}
	// Each sequence is a start, a direction and an interval: about 6 nats of information
	// that the decoder can only have through z.
	if kl < 1 {
		t.Errorf("KL %.2f nats: the encoder passes almost nothing to the decoder", kl)
	}
}

// TestDecoderWithRNNEncoder pairs the image Decoder with the recurrent encoder, which reads
// images row by row, and trains them on digits: the decoder must not depend on the conv
// Encoder having run.
func TestDecoderWithRNNEncoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	m, err := New(DefaultConfig(), rng)
	if err != nil {
		t.Fatal(err)
	}
	enc := rnn.NewEncoder(side, 64, m.Z, rng)
	v := &models.VAE{Enc: enc, Dec: m.Dec, Z: m.Z}
	data := digits(t, rng, 256)
	const batch = 16
	first, last, _ := trainVAE(t, v, 30, 3e-3, func() *models.Batch {
		b := models.NewBatch(batch, side, side, false)
		for i := 0; i < batch; i++ {
			copy(b.Example(i), data.Example(rng.IntN(data.N)))
		}
		return b
	}, rng)
	t.Logf("mean loss over the first 5 steps %.1f, last 5 %.1f nats", first, last)
	if last > 0.8*first {
		t.Errorf("loss fell from %.1f to only %.1f nats", first, last)
	}
}

// TestSeqEncoderReadsInput: a batch whose encoder input differs from its targets is
// encoded from Input.
func TestSeqEncoderReadsInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	cfg := seqCases[0]
	e, err := NewSeqEncoder(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	clean, noisy := seqBatch(rng, 3, cfg.Steps, cfg.Classes, true), seqBatch(rng, 3, cfg.Steps, cfg.Classes, true)
	both := models.NewBatch(3, cfg.Steps, cfg.Classes, true)
	for i := range 3 {
		both.SetClasses(i, clean.Classes[i*cfg.Steps:(i+1)*cfg.Steps])
		both.SetInput(i, noisy.Classes[i*cfg.Steps:(i+1)*cfg.Steps])
	}
	got, _ := e.Encode(both, false)
	got = slices.Clone(got)
	want, _ := e.Encode(noisy, false)
	if !slices.Equal(got, want) {
		t.Errorf("encoder read the targets, not Input: mu %v, want the noisy batch's %v", got, want)
	}
}
