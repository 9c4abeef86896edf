package rnn

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"musae/models"
)

// tinyConfig is small enough for finite differences.
func tinyConfig(layers int) Config {
	dec := make([]int, layers)
	for i := range dec {
		dec[i] = 9
	}
	return Config{Name: "test", Classes: 6, Steps: 5, EncoderHidden: 7, DecoderHidden: dec, Z: 3}
}

// randomBatch returns n sequences of uniformly random classes.
func randomBatch(rng *rand.Rand, n int, cfg Config) *models.Batch {
	b := models.NewBatch(n, cfg.Steps, cfg.Classes, true)
	seq := make([]int32, cfg.Steps)
	for i := 0; i < n; i++ {
		for t := range seq {
			seq[t] = int32(rng.IntN(cfg.Classes))
		}
		b.SetClasses(i, seq)
	}
	return b
}

// scaleParams multiplies every parameter so that gates leave their linear region.
func scaleParams(ps []*models.Param, s float32) {
	for _, p := range ps {
		for i := range p.Data() {
			p.Data()[i] *= s
		}
	}
}

func TestTorchParity(t *testing.T) {
	tensors, _, err := models.ReadTensors("../../testdata/torch/mel2-tiny.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(DefaultConfig(), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := models.LoadParams(m.Params(), tensors); err != nil {
		t.Fatal(err)
	}
	x, tg := tensors["test.x"], tensors["test.targets"]
	if !slices.Equal(x.Shape, []int{4, 32, 90}) || !slices.Equal(tg.Shape, []int{4, 32}) {
		t.Fatalf("test.x %v, test.targets %v, want [4 32 90] and [4 32]", x.Shape, tg.Shape)
	}
	b := models.NewBatch(4, 32, 90, true)
	for i := 0; i < 4; i++ {
		seq := make([]int32, 32)
		for s := range seq {
			seq[s] = int32(tg.I64[i*32+s])
		}
		b.SetClasses(i, seq)
	}
	if !slices.Equal(b.X, x.F32) {
		t.Fatal("test.x is not the one-hot encoding of test.targets")
	}
	rec, kl := m.VAE().Score(b, nil)
	wantRec, wantKL := tensors["test.reconstruction_nats"].F32, tensors["test.kl_nats"].F32
	for i := range rec {
		for _, c := range []struct {
			what      string
			got, want float64
		}{{"reconstruction", rec[i], float64(wantRec[i])}, {"KL", kl[i], float64(wantKL[i])}} {
			if e := math.Abs(c.got-c.want) / math.Abs(c.want); e > 1e-4 || math.IsNaN(e) {
				t.Errorf("example %d: %s %.6f nats, PyTorch %.6f (relative error %.2g)", i, c.what, c.got, c.want, e)
			}
		}
	}
	t.Logf("reconstruction %v nats (PyTorch %v), KL %v (PyTorch %v)", rec, wantRec, kl, wantKL)

	// The dense path (no class indices) must agree with the one-hot gather.
	mu1 := slices.Clone(first(m.Enc.Encode(b, false)))
	dense := *b
	dense.Classes = nil
	mu2, _ := m.Enc.Encode(&dense, false)
	for j := range mu1 {
		if math.Abs(float64(mu1[j]-mu2[j])) > 1e-5 {
			t.Fatalf("mu[%d]: one-hot path %g, dense path %g", j, mu1[j], mu2[j])
		}
	}
}

func first(a, _ []float32) []float32 { return a }

func TestEncoderGradients(t *testing.T) {
	for _, oneHot := range []bool{true, false} {
		rng := rand.New(rand.NewPCG(2, 3))
		cfg := tinyConfig(1)
		e := NewEncoder(cfg.Classes, cfg.EncoderHidden, cfg.Z, rng)
		scaleParams(e.Params(), 2)
		b := randomBatch(rng, 3, cfg)
		if !oneHot {
			b.Classes = nil
			for i := range b.X {
				b.X[i] = float32(rng.NormFloat64())
			}
		}
		r1, r2 := randSlice(rng, 3*cfg.Z), randSlice(rng, 3*cfg.Z)
		loss := func() float64 {
			mu, lv := e.Encode(b, true)
			return dot(mu, r1) + dot(lv, r2)
		}
		backward := func() {
			loss()
			e.Backward(r1, r2)
		}
		if err := models.GradCheck(e.Params(), loss, backward, 30, 1e-2, 2e-2, rng); err != nil {
			t.Errorf("one-hot %v: %v", oneHot, err)
		}
	}
}

func TestDecoderGradients(t *testing.T) {
	for _, layers := range []int{1, 2} {
		rng := rand.New(rand.NewPCG(4, uint64(layers)))
		cfg := tinyConfig(layers)
		d := NewDecoder(cfg.Classes, cfg.Steps, cfg.Z, cfg.DecoderHidden, rng)
		scaleParams(d.Params(), 2)
		n := 3
		b := randomBatch(rng, n, cfg)
		z := randSlice(rng, n*cfg.Z)
		zp := models.WrapParam("z", z, n, cfg.Z)
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

// TestVAEGradients checks the whole loss (reconstruction + beta·KL above free bits)
// through the reparameterisation, with the same noise in Step and Score.
func TestVAEGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cfg := tinyConfig(2)
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	scaleParams(m.Params(), 2)
	b := randomBatch(rng, 4, cfg)
	v := m.VAE()
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
	if err := models.GradCheck(m.Params(), loss, backward, 25, 1e-2, 2e-2, rng); err != nil {
		t.Error(err)
	}
	if got, want := v.Step(b, beta, free, noise()).Loss, loss(); math.Abs(got-want) > 1e-4*math.Abs(want) {
		t.Errorf("Step's loss %g, Score's %g", got, want)
	}
}

// greedyByNext decodes z with the public one-step path, as a reference for Generate.
func greedyByNext(m *Model, z []float32, n int) [][]int32 {
	d := m.Dec
	H, L := d.Hidden, len(d.Layers)
	st := d.Init.Forward(z, n)
	states := make([]*State, L)
	for k := range states {
		states[k] = d.Layers[k].NewState(n)
		for i := 0; i < n; i++ {
			row := st[(i*L+k)*2*H:]
			for j := 0; j < H; j++ {
				states[k].H[i*H+j] = float32(math.Tanh(float64(row[j])))
				states[k].C[i*H+j] = float32(math.Tanh(float64(row[H+j])))
			}
		}
	}
	out := make([][]int32, n)
	x := make([]float32, n*(d.Classes+d.Z))
	for t := 0; t < d.Steps; t++ {
		for i := 0; i < n; i++ {
			row := x[i*(d.Classes+d.Z) : (i+1)*(d.Classes+d.Z)]
			clear(row[:d.Classes])
			if t > 0 {
				row[out[i][t-1]] = 1
			}
			copy(row[d.Classes:], z[i*d.Z:(i+1)*d.Z])
		}
		in := x
		for k, l := range d.Layers {
			l.Next(states[k], in)
			in = states[k].H
		}
		logits := d.Out.Forward(in, n)
		for i := 0; i < n; i++ {
			out[i] = append(out[i], int32(argmax(logits[i*d.Classes:(i+1)*d.Classes])))
		}
	}
	return out
}

func TestGenerate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DecoderHidden = []int{64, 64}
	cfg.EncoderHidden = 32
	m, err := New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	scaleParams(m.Params(), 3) // an untrained model at PyTorch's scale repeats one class
	n := 5
	z := randSlice(rand.New(rand.NewPCG(3, 3)), n*cfg.Z)

	greedy := m.Generate(z, n, 0, nil)
	if want := greedyByNext(m, z, n); !slices.EqualFunc(greedy, want, slices.Equal) {
		t.Errorf("temperature 0 is not greedy argmax decoding:\n got %v\nwant %v", greedy, want)
	}
	a := m.Generate(z, n, 1, rand.New(rand.NewPCG(7, 7)))
	b := m.Generate(z, n, 1, rand.New(rand.NewPCG(7, 7)))
	c := m.Generate(z, n, 1, rand.New(rand.NewPCG(8, 8)))
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Errorf("the same seed gave different sequences:\n%v\n%v", a, b)
	}
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Errorf("different seeds gave the same sequences: %v", a)
	}
	if cold := m.Generate(z, n, 1e-4, rand.New(rand.NewPCG(7, 7))); !slices.EqualFunc(cold, greedy, slices.Equal) {
		t.Errorf("temperature 1e-4 differs from greedy:\n%v\n%v", cold, greedy)
	}
	for _, seq := range a {
		if len(seq) != cfg.Steps {
			t.Fatalf("sequence of %d steps, want %d", len(seq), cfg.Steps)
		}
		for _, c := range seq {
			if c < 0 || int(c) >= cfg.Classes {
				t.Fatalf("class %d out of range", c)
			}
		}
	}

	// Accuracy scores the greedy reconstruction from z = mu.
	batch := randomBatch(rand.New(rand.NewPCG(4, 4)), 3, cfg)
	mu, _ := m.Enc.Encode(batch, false)
	want := greedyByNext(m, slices.Clone(mu), 3)
	hits, total := m.Accuracy(batch)
	wantHits := 0
	for i, seq := range want {
		for s, c := range seq {
			if c == batch.Classes[i*cfg.Steps+s] {
				wantHits++
			}
		}
	}
	if hits != wantHits || total != 3*cfg.Steps {
		t.Errorf("Accuracy = %d/%d, want %d/%d", hits, total, wantHits, 3*cfg.Steps)
	}
}

// structuredBatch returns melodies made of a few repeated motifs (transposed), which a VAE
// can learn quickly.
func structuredBatch(rng *rand.Rand, n int, cfg Config) *models.Batch {
	motifs := [][]int32{{0, 2, 4, 5}, {0, 0, 7, 0}, {4, 2, 0, 2}, {0, 3, 0, 7}}
	b := models.NewBatch(n, cfg.Steps, cfg.Classes, true)
	seq := make([]int32, cfg.Steps)
	for i := 0; i < n; i++ {
		m := motifs[rng.IntN(len(motifs))]
		base := int32(10 + rng.IntN(60))
		for t := range seq {
			switch {
			case t%2 == 1:
				seq[t] = 0 // hold
			default:
				seq[t] = 2 + base + m[(t/2)%len(m)]
			}
		}
		b.SetClasses(i, seq)
	}
	return b
}

func TestTrainingLossFalls(t *testing.T) {
	cfg := Config{Name: "train-test", Classes: 90, Steps: 16, EncoderHidden: 32, DecoderHidden: []int{64}, Z: 8}
	rng := rand.New(rand.NewPCG(11, 12))
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	data := make([]*models.Batch, 8) // 256 sequences
	for i := range data {
		data[i] = structuredBatch(rng, 32, cfg)
	}
	ac := models.DefaultAdamConfig()
	ac.LR, ac.Decay = 3e-3, 0
	opt := models.NewAdam(m.Params(), ac)
	v := m.VAE()
	var firstLoss, lastLoss float64
	const steps = 120
	for s := 0; s < steps; s++ {
		models.ZeroGrads(m.Params())
		terms := v.Step(data[s%len(data)], 0.05, 0, rng)
		opt.Update()
		if s < len(data) {
			firstLoss += terms.Loss / float64(len(data))
		}
		if s >= steps-len(data) {
			lastLoss += terms.Loss / float64(len(data))
		}
	}
	t.Logf("mean loss over the first epoch %.2f nats, over the last %.2f", firstLoss, lastLoss)
	if !(lastLoss < 0.6*firstLoss) {
		t.Errorf("loss fell from %.2f to only %.2f nats", firstLoss, lastLoss)
	}
}

func TestConfig(t *testing.T) {
	for _, name := range []string{"mel2-tiny", "mel2-small"} {
		cfg, err := ConfigByName(name)
		if err != nil || cfg.Name != name || cfg.Validate() != nil {
			t.Errorf("ConfigByName(%q) = %+v, %v", name, cfg, err)
		}
	}
	if _, err := ConfigByName("mel16"); err == nil {
		t.Error("ConfigByName accepted an unknown name")
	}
	bad := DefaultConfig()
	bad.DecoderHidden = []int{256, 128}
	if _, err := New(bad, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("New accepted decoder layers of different sizes")
	}
	// Parameter counts as PyTorch reports them (torch_reference.py bench: params).
	for name, want := range map[string]int{"mel2-tiny": 736474} {
		cfg, _ := ConfigByName(name)
		m, _ := New(cfg, rand.New(rand.NewPCG(1, 1)))
		if got := models.CountParams(m.Params()); got != want {
			t.Errorf("%s: %d parameters, PyTorch has %d", name, got, want)
		}
	}
}

// TestConfigLimits checks that Validate refuses configs beyond the documented maxima (a
// file's metadata could ask for any size) and that the parameter counts a config implies,
// computed without allocating, are those New allocates.
func TestConfigLimits(t *testing.T) {
	for _, tc := range []struct {
		edit func(*Config)
		want string
	}{
		{func(c *Config) { c.DecoderHidden = make([]int, 10000) }, "10000 decoder layers, want at most 16"},
		{func(c *Config) { c.Classes = 1e9 }, "classes = 1000000000, want 1 to 4096"},
		{func(c *Config) { c.Steps = 1 << 40 }, "steps = 1099511627776, want 1 to 4096"},
		{func(c *Config) { c.EncoderHidden = -1 }, "encoder hidden = -1"},
		{func(c *Config) { c.DecoderHidden = []int{1 << 20} }, "decoder layer 0 has 1048576 units"},
		{func(c *Config) { c.Z = 1e6 }, "z = 1000000, want 1 to 4096"},
	} {
		cfg := DefaultConfig()
		tc.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate() = %v, want %q", err, tc.want)
		}
	}
	small := SmallConfig()
	three := Config{Name: "x", Classes: 7, Steps: 5, EncoderHidden: 3, DecoderHidden: []int{4, 4, 4}, Z: 2}
	for _, cfg := range []Config{DefaultConfig(), small, three} {
		m, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		enc, dec := int64(models.CountParams(m.Enc.Params())), int64(models.CountParams(m.Dec.Params()))
		if cfg.EncoderParams() != enc || cfg.DecoderParams() != dec {
			t.Errorf("%s: counted %d + %d parameters, New allocates %d + %d", cfg.Name, cfg.EncoderParams(), cfg.DecoderParams(), enc, dec)
		}
	}
	if got, want := EncoderParams(28, 5, 3), int64(models.CountParams(NewEncoder(28, 5, 3, rand.New(rand.NewPCG(1, 1))).Params())); got != want {
		t.Errorf("EncoderParams(28, 5, 3) = %d, NewEncoder allocates %d", got, want)
	}
}

// TestScheduledSampling replays scheduled sampling step by step with LSTM.Next and the
// same random draws, and checks the inputs chosen and the NLL of the fast training pass.
func TestScheduledSampling(t *testing.T) {
	for _, p := range []float64{0.5, 1} {
		cfg := tinyConfig(2)
		cfg.Steps = 7
		rng := rand.New(rand.NewPCG(21, 22))
		d := NewDecoder(cfg.Classes, cfg.Steps, cfg.Z, cfg.DecoderHidden, rng)
		scaleParams(d.Params(), 2)
		n := 3
		b := randomBatch(rng, n, cfg)
		z := randSlice(rng, n*cfg.Z)

		d.SampleProb, d.Rng = p, rand.New(rand.NewPCG(5, 5))
		got := slices.Clone(d.NLL(z, b, true))
		fed := slices.Clone(d.prev)
		// The backward pass runs on the fed inputs (checked against finite differences for
		// given inputs by TestDecoderGradients); here it must simply run.
		d.Backward([]float32{1, 1, 1})

		// The reference: all layers in lockstep through the public one-step path.
		ref := rand.New(rand.NewPCG(5, 5))
		H, L, C := d.Hidden, len(d.Layers), d.Classes
		st := d.Init.Forward(z, n)
		states := make([]*State, L)
		for k := range states {
			states[k] = d.Layers[k].NewState(n)
			for i := 0; i < n; i++ {
				row := st[(i*L+k)*2*H:]
				for j := 0; j < H; j++ {
					states[k].H[i*H+j] = float32(math.Tanh(float64(row[j])))
					states[k].C[i*H+j] = float32(math.Tanh(float64(row[H+j])))
				}
			}
		}
		prev := []int32{-1, -1, -1}
		want := make([]float64, n)
		x := make([]float32, n*(C+cfg.Z))
		sampled := 0
		for s := 0; s < cfg.Steps; s++ {
			for i := 0; i < n; i++ {
				if fed[s*n+i] != prev[i] {
					t.Fatalf("p %v: step %d example %d: fed class %d, the reference %d", p, s, i, fed[s*n+i], prev[i])
				}
				row := x[i*(C+cfg.Z) : (i+1)*(C+cfg.Z)]
				clear(row[:C])
				if prev[i] >= 0 {
					row[prev[i]] = 1
				}
				copy(row[C:], z[i*cfg.Z:(i+1)*cfg.Z])
			}
			in := x
			for k, l := range d.Layers {
				l.Next(states[k], in)
				in = states[k].H
			}
			logits := d.Out.Forward(in, n)
			for i := 0; i < n; i++ {
				row := logits[i*C : (i+1)*C]
				tgt := b.Classes[i*cfg.Steps+s]
				var sum float64
				for _, v := range row {
					sum += math.Exp(float64(v))
				}
				want[i] += math.Log(sum) - float64(row[tgt])
				prev[i] = tgt
				if s+1 < cfg.Steps && ref.Float64() < p {
					prev[i] = int32(sample(row, 1, ref))
					if prev[i] != tgt {
						sampled++
					}
				}
			}
		}
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-4*math.Abs(want[i]) {
				t.Errorf("p %v: example %d: NLL %g, step-by-step reference %g", p, i, got[i], want[i])
			}
		}
		if sampled == 0 {
			t.Errorf("p %v: no input differed from the teacher's", p)
		}
	}
}
