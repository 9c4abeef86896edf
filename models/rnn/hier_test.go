package rnn

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"musae/models"
	"musae/models/internal/gorgoniatest"
)

// tinyHier is a hierarchical config small enough for finite differences everywhere.
func tinyHier(conductor, layers int) HierConfig {
	c := HierConfig{Config: tinyConfig(layers), Bars: 3, ConductorHidden: make([]int, conductor)}
	c.Steps = 12
	for i := range c.ConductorHidden {
		c.ConductorHidden[i] = 5
	}
	return c
}

func newHierDecoder(t *testing.T, c HierConfig, rng *rand.Rand) *HierDecoder {
	t.Helper()
	m, err := NewHier(c, rng)
	if err != nil {
		t.Fatal(err)
	}
	return m.Dec.(*HierDecoder)
}

// TestHierGradients checks d NLL/d params and d NLL/d z of the hierarchical decoder by
// finite differences, with a different weight for every bar (BackwardBars) and with one
// weight per example (Backward), for one- and two-layer conductors and bar decoders.
func TestHierGradients(t *testing.T) {
	for _, layers := range [][2]int{{1, 1}, {2, 1}, {1, 2}} {
		rng := rand.New(rand.NewPCG(7, uint64(layers[0]*3+layers[1])))
		c := tinyHier(layers[0], layers[1])
		d := newHierDecoder(t, c, rng)
		scaleParams(d.Params(), 2)
		n := 2
		b := randomBatch(rng, n, c.Config)
		z := randSlice(rng, n*c.Z)
		zp := models.WrapParam("z", z, n, c.Z)
		w := randSlice(rng, c.Bars*n)
		loss := func() float64 {
			var s float64
			for r, v := range d.BarNLL(z, b, true) {
				s += float64(w[r]) * v
			}
			return s
		}
		backward := func() {
			loss()
			models.AddTo(zp.Grad, d.BackwardBars(w))
		}
		if err := models.GradCheck(append(d.Params(), zp), loss, backward, 30, 1e-2, 2e-2, rng); err != nil {
			t.Errorf("%v layers, per bar: %v", layers, err)
		}
		we := []float32{0.7, -1.3}
		loss = func() float64 {
			var s float64
			for i, v := range d.NLL(z, b, true) {
				s += float64(we[i]) * v
			}
			return s
		}
		backward = func() {
			loss()
			models.AddTo(zp.Grad, d.Backward(we))
		}
		if err := models.GradCheck(append(d.Params(), zp), loss, backward, 30, 1e-2, 2e-2, rng); err != nil {
			t.Errorf("%v layers, per example: %v", layers, err)
		}
	}
}

// TestHierGradientsFullSize checks hier16-tiny's gradients at full size (16 bars of 16
// steps, 256 steps in all) through the whole VAE loss, at a few positions of every
// parameter.
func TestHierGradientsFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("full size")
	}
	rng := rand.New(rand.NewPCG(11, 12))
	m, err := NewHier(Hier16Config(), rng)
	if err != nil {
		t.Fatal(err)
	}
	checkVAEGradients(t, m, randomBatch(rng, 2, m.Config), rng)
}

// checkVAEGradients checks the gradients of m's whole VAE loss on b (beta 0.5, 1 free nat)
// by finite differences at a few positions of every parameter.
func checkVAEGradients(t *testing.T, m *HierModel, b *models.Batch, rng *rand.Rand) {
	t.Helper()
	v := m.VAE()
	noise := func() *rand.Rand { return rand.New(rand.NewPCG(3, 3)) }
	const beta, free = 0.5, 1
	loss := func() float64 {
		rec, kl := v.Score(b, noise())
		var s float64
		for i := range rec {
			s += rec[i] + beta*max(kl[i]-free, 0)
		}
		return s / float64(len(rec))
	}
	backward := func() { v.Step(b, beta, free, noise()) }
	// The loss sums hundreds of steps' NLL in float32: differences of 2e-2 in it carry
	// noise of a few 1e-4, which a gradient of 4e-3 sees as 5%.
	if err := models.GradCheck(m.Params(), loss, backward, 4, 1e-2, 8e-2, rng); err != nil {
		t.Error(err)
	}
}

// TestHierMetersGradientsFullSize is TestHierGradientsFullSize for hier16-meters at full
// size, on phrases of 16 bars of 3/4 and of 12/8 (bars of 12 and 24 of its 24 steps, the
// meter's controls): the encoder and decoder read the controls, the bars their lengths.
func TestHierMetersGradientsFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("full size")
	}
	rng := rand.New(rand.NewPCG(13, 14))
	c := Hier16MetersConfig()
	m, err := NewHier(c, rng)
	if err != nil {
		t.Fatal(err)
	}
	lens := [][]int{make([]int, 16), make([]int, 16)}
	for bar := range 16 {
		lens[0][bar], lens[1][bar] = 12, 24
	}
	checkVAEGradients(t, m, meterBatch(rng, c, lens), rng)
}

// TestHierMatchesComposition rebuilds the hierarchical NLL from independent parts: the
// conductor stepped with LSTM.Next on zero inputs from tanh(conductor_init(z)), then each
// bar scored by a Decoder of its own from that bar's embedding, its first input the true
// class before the bar.
func TestHierMatchesComposition(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	c := tinyHier(2, 1)
	d := newHierDecoder(t, c, rng)
	scaleParams(d.Params(), 1.5)
	n := 3
	b := randomBatch(rng, n, c.Config)
	z := randSlice(rng, n*c.Z)
	got := slices.Clone(d.NLL(z, b, false))

	H, L := d.Hidden, len(d.Conductor)
	st := d.Init.Forward(z, n)
	states := make([]*State, L)
	for k := range states {
		states[k] = d.Conductor[k].NewState(n)
		for i := 0; i < n; i++ {
			row := st[(i*L+k)*2*H:]
			for j := 0; j < H; j++ {
				states[k].H[i*H+j] = float32(math.Tanh(float64(row[j])))
				states[k].C[i*H+j] = float32(math.Tanh(float64(row[H+j])))
			}
		}
	}
	S := c.Steps / c.Bars
	want := make([]float64, n)
	for bar := 0; bar < c.Bars; bar++ {
		in := make([]float32, n) // the zero input
		for k, l := range d.Conductor {
			l.Next(states[k], in)
			in = states[k].H
		}
		emb := slices.Clone(states[L-1].H)
		one := models.NewBatch(n, S, c.Classes, true)
		start := make([]int32, n)
		for i := 0; i < n; i++ {
			one.SetClasses(i, b.Classes[i*c.Steps+bar*S:i*c.Steps+(bar+1)*S])
			start[i] = -1
			if bar > 0 {
				start[i] = b.Classes[i*c.Steps+bar*S-1]
			}
		}
		d.Bar.Start = start
		for i, v := range d.Bar.NLL(emb, one, false) {
			want[i] += v
		}
		d.Bar.Start = nil
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-4*math.Abs(want[i]) {
			t.Errorf("example %d: NLL %g, composed %g", i, got[i], want[i])
		}
	}
}

// TestHierGenerate checks that greedy decoding and teacher forcing agree: a greedy
// sequence, teacher-forced, is its own argmax at every step (which holds only if both read
// the same first input in every bar), and that GenerateKeeping keeps the bars it is told
// to and decodes the others as Generate does when none is kept.
func TestHierGenerate(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	c := tinyHier(1, 2)
	d := newHierDecoder(t, c, rng)
	scaleParams(d.Params(), 2)
	n := 4
	z := randSlice(rng, n*c.Z)
	seqs := d.Generate(z, n, 0, nil)
	b := models.NewBatch(n, c.Steps, c.Classes, true)
	for i, s := range seqs {
		b.SetClasses(i, s)
	}
	if hits, total := d.TeacherForcedAccuracy(z, b); hits != total {
		t.Errorf("greedy sequences teacher-forced: %d of %d steps are their own argmax", hits, total)
	}
	if hits, total := d.Accuracy(z, b); hits != total {
		t.Errorf("greedy accuracy on greedy sequences: %d of %d", hits, total)
	}
	none := make([][]int32, n)
	for i := range none {
		none[i] = make([]int32, c.Steps)
	}
	if again := d.GenerateKeeping(z, n, nil, make([]bool, c.Bars), none, 0, nil); !slices.EqualFunc(again, seqs, slices.Equal) {
		t.Errorf("keeping no bar: %v, Generate %v", again, seqs)
	}
	kept := make([][]int32, n)
	for i := range kept {
		kept[i] = make([]int32, c.Steps)
		for j := range kept[i] {
			kept[i][j] = int32(rng.IntN(c.Classes))
		}
	}
	keep := []bool{true, false, true}
	S := c.Steps / c.Bars
	out := d.GenerateKeeping(z, n, nil, keep, kept, 0, nil)
	for i := range out {
		for bar, k := range keep {
			if k && !slices.Equal(out[i][bar*S:(bar+1)*S], kept[i][bar*S:(bar+1)*S]) {
				t.Errorf("sequence %d bar %d: %v, kept %v", i, bar, out[i][bar*S:(bar+1)*S], kept[i][bar*S:(bar+1)*S])
			}
		}
	}
	// The free bar was decoded from its embedding reading the kept bar's last class:
	// teacher-forced from the same start, each of its steps is its own argmax.
	d.conduct(z, n, false)
	emb := slices.Clone(d.emb[1*n*d.Hidden : 2*n*d.Hidden])
	one := models.NewBatch(n, S, c.Classes, true)
	start := make([]int32, n)
	for i := range out {
		one.SetClasses(i, out[i][S:2*S])
		start[i] = out[i][S-1]
	}
	d.Bar.Start = start
	if hits, total := d.Bar.TeacherForcedAccuracy(emb, one); hits != total {
		t.Errorf("the decoded bar after a kept one, teacher-forced from the kept bar's last class: %d of %d steps are their own argmax", hits, total)
	}
	d.Bar.Start = nil
}

// TestDecoderStart checks Decoder.Start: a greedy sequence decoded from a start class is
// its own argmax when teacher-forced from the same start, and the start class matters.
func TestDecoderStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	cfg := tinyConfig(1)
	d := NewDecoder(cfg.Classes, cfg.Steps, cfg.Z, cfg.DecoderHidden, rng)
	scaleParams(d.Params(), 3)
	n := 6
	z := randSlice(rng, n*cfg.Z)
	start := []int32{0, 1, 2, 3, 4, 5}
	d.Start = start
	seqs := d.Generate(z, n, 0, nil)
	b := models.NewBatch(n, cfg.Steps, cfg.Classes, true)
	for i, s := range seqs {
		b.SetClasses(i, s)
	}
	if hits, total := d.TeacherForcedAccuracy(z, b); hits != total {
		t.Errorf("with Start: %d of %d steps are their own argmax", hits, total)
	}
	with := slices.Clone(d.NLL(z, b, false))
	d.Start = nil
	without := d.NLL(z, b, false)
	differ := 0
	for i := range with {
		if with[i] != without[i] {
			differ++
		}
	}
	if differ == 0 {
		t.Errorf("Start changes no NLL: %v", with)
	}
}

// TestLSTMGorgonia256 holds the fused LSTM to gorgonia over 256 steps, the length of a
// 16-bar melody (gorgonia's graph here uses no Slice, whose one-byte index hash aliases
// at 256 and above).
func TestLSTMGorgonia256(t *testing.T) {
	if testing.Short() {
		t.Skip("256 steps")
	}
	rng := rand.New(rand.NewPCG(51, 52))
	n, steps, in, h := 2, 256, 6, 17
	l := NewLSTM("lstm", "_l0", in, h, rng)
	x := randSlice(rng, n*steps*in)
	h0, c0 := randSlice(rng, n*h), randSlice(rng, n*h)
	r, rc := randSlice(rng, n*steps*h), randSlice(rng, n*h)
	want := lstmGorgonia(t, l, x, h0, c0, r, rc, n, steps)
	models.ZeroGrads(l.Params())
	gorgoniatest.Check(t, "h", l.Forward(x, n, steps, h0, c0, true), want.hs)
	dx, dh0, dc0 := l.Backward(r, nil, rc)
	gorgoniatest.Check(t, "d weight_ih", l.WIH.Grad, want.dwih)
	gorgoniatest.Check(t, "d weight_hh", l.WHH.Grad, want.dwhh)
	gorgoniatest.Check(t, "d bias_ih", l.BIH.Grad, want.dbih)
	gorgoniatest.Check(t, "dx", dx, want.dx)
	gorgoniatest.Check(t, "d h0", dh0, want.dh0)
	gorgoniatest.Check(t, "d c0", dc0, want.dc0)
}

// TestHierParams checks that DecoderParams counts what NewHier allocates.
func TestHierParams(t *testing.T) {
	for _, c := range []HierConfig{Hier16Config(), Hier16MetersConfig(), Flat16Config(), tinyHier(2, 2)} {
		m, err := NewHier(c, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		var got, enc int64
		for _, p := range m.Dec.Params() {
			got += int64(len(p.Data()))
		}
		for _, p := range m.Enc.Params() {
			enc += int64(len(p.Data()))
		}
		if want := c.DecoderParams(); got != want {
			t.Errorf("%s: decoder has %d values, DecoderParams says %d", c.Name, got, want)
		}
		if want := c.EncoderParams(); enc != want {
			t.Errorf("%s: encoder has %d values, EncoderParams says %d", c.Name, enc, want)
		}
	}
	// hier16-meters' encoder and bar decoder are mel2-meters' shapes, for --init.
	meters, err := New(MetersConfig(), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	shapes := map[string][]int{}
	for _, p := range meters.Params() {
		shapes[p.Name] = p.Shape()
	}
	h, err := NewHier(Hier16MetersConfig(), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	same := 0
	for _, p := range h.Params() {
		if s, ok := shapes[p.Name]; ok && slices.Equal(s, p.Shape()) {
			same++
		}
	}
	if same != len(shapes) {
		t.Errorf("hier16-meters has %d of mel2-meters' %d tensors by name and shape", same, len(shapes))
	}
	bad := Hier16Config()
	bad.Bars = 15
	if bad.Validate() == nil {
		t.Error("15 bars of 256 steps validated")
	}
}

// BenchmarkGenerate16 decodes one 16-bar phrase from a latent with each 16-bar model.
func BenchmarkGenerate16(b *testing.B) {
	for _, c := range []HierConfig{Hier16Config(), Flat16Config()} {
		b.Run(c.Name, func(b *testing.B) {
			m, err := NewHier(c, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				b.Fatal(err)
			}
			z := randSlice(rand.New(rand.NewPCG(2, 2)), c.Z)
			rng := rand.New(rand.NewPCG(3, 3))
			for b.Loop() {
				m.Dec.Generate(z, 1, 0.5, rng)
			}
		})
	}
}

// BenchmarkStep16 times a training forward and backward pass (no optimiser) of batch 32 for
// the 16-bar models and a hierarchical one with a bar decoder of 128 units.
func BenchmarkStep16(b *testing.B) {
	small := Hier16Config()
	small.Name, small.DecoderHidden = "hier16-bar128", []int{128}
	for _, c := range []HierConfig{Hier16Config(), small, Flat16Config()} {
		b.Run(c.Name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			m, err := NewHier(c, rng)
			if err != nil {
				b.Fatal(err)
			}
			batch := randomBatch(rng, 32, c.Config)
			v := m.VAE()
			for b.Loop() {
				v.Step(batch, 0.2, 256, rng)
			}
			b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}
