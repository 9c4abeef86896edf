package rnn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"musae/models"
)

// controlledConfig is tinyConfig with two control features per step.
func controlledConfig(layers int) Config {
	c := tinyConfig(layers)
	c.Controls = 2
	return c
}

// raggedBatch returns len(lengths) sequences of random classes and controls, example i
// lengths[i] steps long (its padding filled with junk the model must not read when junk
// is set).
func raggedBatch(rng *rand.Rand, cfg Config, lengths []int, junk bool) *models.Batch {
	n := len(lengths)
	b := models.NewBatch(n, cfg.Steps, cfg.Classes, true)
	b.SetControls(cfg.Controls)
	seq := make([]int32, cfg.Steps)
	for i, l := range lengths {
		for t := range seq {
			seq[t] = int32(rng.IntN(cfg.Classes))
		}
		b.SetClasses(i, seq)
		for j := range b.ExampleControls(i) {
			b.ExampleControls(i)[j] = float32(rng.NormFloat64())
		}
		b.SetLength(i, l)
		if junk {
			for t := l; t < cfg.Steps; t++ {
				c := rng.IntN(cfg.Classes)
				b.Classes[i*cfg.Steps+t] = int32(c)
				b.Example(i)[t*cfg.Classes+c] = 1
				for j := 0; j < cfg.Controls; j++ {
					b.ExampleControls(i)[t*cfg.Controls+j] = 5
				}
			}
		}
	}
	return b
}

// alone returns example i of b as a batch of its own, exactly its length long.
func alone(b *models.Batch, i int) *models.Batch {
	l := b.Len(i)
	a := models.NewBatch(1, l, b.D, true)
	a.SetClasses(0, b.Classes[i*b.T:i*b.T+l])
	a.SetControls(b.C)
	copy(a.Controls, b.ExampleControls(i)[:l*b.C])
	return a
}

// withSteps returns a model of m's weights reading steps steps.
func withSteps(t *testing.T, m *Model, steps int) *Model {
	t.Helper()
	cfg := m.Config
	cfg.Steps = steps
	o, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	for k, p := range o.Params() {
		copy(p.Data(), m.Params()[k].Data())
	}
	return o
}

func TestControlledGradients(t *testing.T) {
	lengths := []int{5, 3, 1, 4}
	t.Run("encoder", func(t *testing.T) {
		for _, oneHot := range []bool{true, false} {
			rng := rand.New(rand.NewPCG(2, 3))
			cfg := controlledConfig(1)
			e := NewControlledEncoder(cfg.Classes, cfg.Controls, cfg.EncoderHidden, cfg.Z, rng)
			scaleParams(e.Params(), 2)
			b := raggedBatch(rng, cfg, lengths, false)
			if !oneHot {
				b.Classes = nil
				for i := range b.X {
					b.X[i] = float32(rng.NormFloat64())
				}
			}
			n := b.N
			r1, r2 := randSlice(rng, n*cfg.Z), randSlice(rng, n*cfg.Z)
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
	})
	t.Run("decoder", func(t *testing.T) {
		for _, layers := range []int{1, 2} {
			rng := rand.New(rand.NewPCG(4, uint64(layers)))
			cfg := controlledConfig(layers)
			d := NewControlledDecoder(cfg.Classes, cfg.Controls, cfg.Steps, cfg.Z, cfg.DecoderHidden, rng)
			scaleParams(d.Params(), 2)
			b := raggedBatch(rng, cfg, lengths, false)
			n := b.N
			z := randSlice(rng, n*cfg.Z)
			zp := models.WrapParam("z", z, n, cfg.Z)
			w := []float32{0.5, -1, 1.5, 0.7}
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
	})
	t.Run("vae", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		cfg := controlledConfig(2)
		m, err := New(cfg, rng)
		if err != nil {
			t.Fatal(err)
		}
		scaleParams(m.Params(), 2)
		b := raggedBatch(rng, cfg, lengths, false)
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
	})
}

// TestPaddingIgnored checks that an example shorter than the batch is scored, encoded and
// decoded as if it were alone in a batch of its own length (by a model of the same weights
// reading that many steps), whatever its padding holds; and that its padding adds nothing
// to any gradient.
func TestPaddingIgnored(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 1))
	cfg := controlledConfig(2)
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	scaleParams(m.Params(), 2)
	lengths := []int{5, 3, 1, 4}
	b := raggedBatch(rng, cfg, lengths, true)
	n := b.N
	mu, lv := m.Enc.Encode(b, false)
	mu, lv = slices.Clone(mu), slices.Clone(lv)
	z := randSlice(rng, n*cfg.Z)
	nll := slices.Clone(m.Dec.NLL(z, b, false))
	tfHits, tfTotal := m.Dec.TeacherForcedAccuracy(z, b)
	gen := m.Dec.GenerateFor(z, b, 0, nil)
	hits, total := m.Accuracy(b)
	wantTF, wantHits := 0, 0
	for i, l := range lengths {
		o := withSteps(t, m, l)
		a := alone(b, i)
		amu, alv := o.Enc.Encode(a, false)
		for j := 0; j < cfg.Z; j++ {
			if d := math.Abs(float64(amu[j] - mu[i*cfg.Z+j])); d > 1e-5 {
				t.Fatalf("example %d (%d steps): mu[%d] %g in the batch, %g alone", i, l, j, mu[i*cfg.Z+j], amu[j])
			}
			if d := math.Abs(float64(alv[j] - lv[i*cfg.Z+j])); d > 1e-5 {
				t.Fatalf("example %d (%d steps): logvar[%d] %g in the batch, %g alone", i, l, j, lv[i*cfg.Z+j], alv[j])
			}
		}
		zi := z[i*cfg.Z : (i+1)*cfg.Z]
		if got, want := nll[i], o.Dec.NLL(zi, a, false)[0]; math.Abs(got-want) > 1e-4*math.Abs(want) {
			t.Errorf("example %d (%d steps): NLL %g in the batch, %g alone", i, l, got, want)
		}
		h, tot := o.Dec.TeacherForcedAccuracy(zi, a)
		wantTF += h
		if tot != l {
			t.Errorf("alone: %d teacher-forced steps, want %d", tot, l)
		}
		g := o.Dec.GenerateFor(zi, a, 0, nil)[0]
		if !slices.Equal(gen[i], g) {
			t.Errorf("example %d: decoded %v in the batch, %v alone", i, gen[i], g)
		}
		ah, _ := o.Accuracy(a)
		wantHits += ah
	}
	if tfHits != wantTF || tfTotal != 13 {
		t.Errorf("teacher-forced accuracy %d/%d, want %d/13", tfHits, tfTotal, wantTF)
	}
	if hits != wantHits || total != 13 {
		t.Errorf("accuracy %d/%d, want %d/13", hits, total, wantHits)
	}

	// The padding's contents change no gradient.
	grads := func(b *models.Batch) []float32 {
		models.ZeroGrads(m.Params())
		m.VAE().Step(b, 0.5, 0, rand.New(rand.NewPCG(3, 3)))
		var g []float32
		for _, p := range m.Params() {
			g = append(g, p.Grad...)
		}
		return g
	}
	cleanB := raggedBatch(rand.New(rand.NewPCG(8, 1)), cfg, lengths, false)
	cleanB.X, cleanB.Classes, cleanB.Controls = slices.Clone(b.X), slices.Clone(b.Classes), slices.Clone(b.Controls)
	for i, l := range lengths {
		cleanB.SetLength(i, l) // padding back to zeros and −1
	}
	g1, g2 := grads(b), grads(cleanB)
	for k := range g1 {
		if math.Abs(float64(g1[k]-g2[k])) > 1e-6*(1+math.Abs(float64(g2[k]))) {
			t.Fatalf("gradient %d: %g with junk padding, %g with clean", k, g1[k], g2[k])
		}
	}
}

// greedyControlled decodes z under controls [n, Steps, C] with the public one-step path,
// a reference for GenerateControlled.
func greedyControlled(d *Decoder, z, controls []float32, lengths []int) [][]int32 {
	n := len(lengths)
	H, L, C, W := d.Hidden, len(d.Layers), d.Controls, d.Classes+d.Z+d.Controls
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
	x := make([]float32, n*W)
	for t := 0; t < d.Steps; t++ {
		for i := 0; i < n; i++ {
			row := x[i*W : (i+1)*W]
			clear(row[:d.Classes])
			if t > 0 {
				row[out[i][t-1]] = 1
			}
			copy(row[d.Classes:], z[i*d.Z:(i+1)*d.Z])
			copy(row[d.Classes+d.Z:], controls[(i*d.Steps+t)*C:(i*d.Steps+t+1)*C])
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
	for i, l := range lengths {
		out[i] = out[i][:l]
	}
	return out
}

func TestGenerateControlled(t *testing.T) {
	cfg := DefaultConfig()
	cfg.DecoderHidden, cfg.EncoderHidden, cfg.Controls = []int{64, 64}, 32, 6
	m, err := New(cfg, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	scaleParams(m.Params(), 3)
	rng := rand.New(rand.NewPCG(3, 3))
	lengths := []int{32, 24, 7, 1, 30}
	n := len(lengths)
	z := randSlice(rng, n*cfg.Z)
	ctl := randSlice(rng, n*cfg.Steps*cfg.Controls)
	got := m.Dec.GenerateControlled(z, n, ctl, lengths, 0, nil)
	if want := greedyControlled(m.Dec, z, ctl, lengths); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("greedy decoding under controls:\n got %v\nwant %v", got, want)
	}
	// The controls matter: other controls, another decoding.
	other := randSlice(rng, len(ctl))
	if slices.EqualFunc(got, m.Dec.GenerateControlled(z, n, other, lengths, 0, nil), slices.Equal) {
		t.Error("other controls gave the same decodings")
	}
	a := m.Dec.GenerateControlled(z, n, ctl, lengths, 1, rand.New(rand.NewPCG(7, 7)))
	b := m.Dec.GenerateControlled(z, n, ctl, lengths, 1, rand.New(rand.NewPCG(7, 7)))
	if !slices.EqualFunc(a, b, slices.Equal) {
		t.Errorf("the same seed gave different sequences")
	}
	for i, s := range a {
		if len(s) != lengths[i] {
			t.Errorf("sequence %d: %d steps, want %d", i, len(s), lengths[i])
		}
	}
}

// TestWiden checks that a model widened with zero control columns from one that reads
// fewer controls computes the same function, whatever the controls: the same NLL, mu and
// decodings before the first fine-tuning step; and that it refuses another architecture.
func TestWiden(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	src, err := New(DefaultConfig(), rng) // mel2-tiny: no controls
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Name, cfg.Controls, cfg.Steps = "wide", 7, 48
	m, err := New(cfg, rng)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Widen(src); err != nil {
		t.Fatal(err)
	}
	const n = 3
	b := randomBatch(rng, n, DefaultConfig())
	wb := models.NewBatch(n, 48, 90, true)
	wb.SetControls(7)
	for i := 0; i < n; i++ {
		wb.SetClasses(i, b.Classes[i*32:(i+1)*32])
		for j := range wb.ExampleControls(i) {
			wb.ExampleControls(i)[j] = float32(rng.NormFloat64())
		}
		wb.SetLength(i, 32)
	}
	rec, kl := src.VAE().Score(b, nil)
	wrec, wkl := m.VAE().Score(wb, nil)
	for i := range rec {
		if math.Abs(rec[i]-wrec[i]) > 1e-4*rec[i] || math.Abs(kl[i]-wkl[i]) > 1e-4*kl[i] {
			t.Errorf("example %d: reconstruction %g and KL %g widened, %g and %g before", i, wrec[i], wkl[i], rec[i], kl[i])
		}
	}
	if got, want := m.Reconstruct(wb), src.Reconstruct(b); !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("widened reconstruction %v, before %v", got, want)
	}
	other := DefaultConfig()
	other.Z, other.Controls = 32, 7
	o, _ := New(other, rng)
	if err := o.Widen(src); err == nil {
		t.Error("widened a model of another latent size")
	}
	if err := src.Widen(m); err == nil {
		t.Error("narrowed a model's controls")
	}
}

// TestScheduledSamplingRagged runs scheduled sampling on a batch of controls and of
// examples shorter than it: the padding's class −1 is fed as an all-zero input (it once
// indexed the weights at −1).
func TestScheduledSamplingRagged(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 2))
	cfg := controlledConfig(2)
	d := NewControlledDecoder(cfg.Classes, cfg.Controls, cfg.Steps, cfg.Z, cfg.DecoderHidden, rng)
	b := raggedBatch(rng, cfg, []int{5, 2, 3}, false)
	z := randSlice(rng, b.N*cfg.Z)
	// Some of the padding's inputs stay teacher-forced, so −1.
	d.SampleProb, d.Rng = 0.5, rand.New(rand.NewPCG(5, 5))
	models.ZeroGrads(d.Params())
	for i, v := range d.NLL(z, b, true) {
		if math.IsNaN(v) || v <= 0 {
			t.Errorf("example %d: NLL %v", i, v)
		}
	}
	d.Backward([]float32{1, 1, 1})
	for _, p := range d.Params() {
		for _, g := range p.Grad {
			if math.IsNaN(float64(g)) {
				t.Fatalf("%s: NaN gradient", p.Name)
			}
		}
	}
}
