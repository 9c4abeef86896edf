package conv

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"musae/models"
)

func TestConfigs(t *testing.T) {
	for _, tc := range []struct {
		name string
		z    int
		err  bool
	}{
		{"mnist-conv", 16, false},
		{"mnist-conv32", 32, false},
		{"mnist-conv2", 2, false},
		{"mel2-tiny", 0, true},
	} {
		cfg, err := ConfigByName(tc.name)
		if (err != nil) != tc.err || cfg.Z != tc.z {
			t.Errorf("ConfigByName(%q) = %+v, %v", tc.name, cfg, err)
		}
	}
	if DefaultConfig().Name != "mnist-conv" {
		t.Errorf("DefaultConfig() = %+v, want mnist-conv", DefaultConfig())
	}
	if _, err := New(Config{Name: "x", Z: 0}, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("New accepted a zero latent size")
	}
}

// TestConfigLimits checks the latent size's bound and that the parameter counts a config
// implies, computed without allocating, are those New allocates.
func TestConfigLimits(t *testing.T) {
	if err := (Config{Name: "x", Z: 1e9}).Validate(); err == nil || !strings.Contains(err.Error(), "latent size 1000000000, want 1 to 4096") {
		t.Errorf("Validate() = %v", err)
	}
	for _, cfg := range []Config{DefaultConfig(), {Name: "mnist-conv2", Z: 2}} {
		m, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
		if err != nil {
			t.Fatal(err)
		}
		enc, dec := int64(models.CountParams(m.Enc.Params())), int64(models.CountParams(m.Dec.Params()))
		if cfg.EncoderParams() != enc || cfg.DecoderParams() != dec {
			t.Errorf("%s: counted %d + %d parameters, New allocates %d + %d", cfg.Name, cfg.EncoderParams(), cfg.DecoderParams(), enc, dec)
		}
	}
}

// TestParams checks names, shapes and order against PyTorch's ConvVAE.state_dict().
func TestParams(t *testing.T) {
	m, err := New(DefaultConfig(), rand.New(rand.NewPCG(1, 1)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range m.Params() {
		got = append(got, fmt.Sprint(p.Name, p.Shape()))
	}
	want := "c1.weight[32 1 3 3] c1.bias[32] c2.weight[64 32 3 3] c2.bias[64] mu.weight[16 3136] mu.bias[16] " +
		"lv.weight[16 3136] lv.bias[16] d1.weight[3136 16] d1.bias[3136] c3.weight[32 64 3 3] c3.bias[32] " +
		"c4.weight[1 32 3 3] c4.bias[1]"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("params\n got %s\nwant %s", s, want)
	}
	if n := models.CountParams(m.Params()); n != 191265 {
		t.Errorf("%d parameters, want 191265 (PyTorch's count)", n)
	}
	// PyTorch's default init: uniform within ±1/sqrt(fan_in).
	for _, p := range m.Params() {
		bound := 1 / math.Sqrt(float64(map[string]int{"c1": 9, "c2": 288, "mu": 3136, "lv": 3136, "d1": 16, "c3": 576, "c4": 288}[p.Name[:2]]))
		for _, v := range p.Data() {
			if math.Abs(float64(v)) > bound {
				t.Fatalf("%s holds %g, outside ±%g", p.Name, v, bound)
			}
		}
	}
}

// relErr returns max |got − want| / max |want|: the error relative to the tensor's scale.
func relErr(got, want []float32) float64 {
	var d, s float64
	for i := range want {
		d = math.Max(d, math.Abs(float64(got[i])-float64(want[i])))
		s = math.Max(s, math.Abs(float64(want[i])))
	}
	return d / s
}

// TestTorchParity loads the weights PyTorch exported with a fixed batch and its outputs
// (testdata/torch, written by torch_reference.py export) and requires the same outputs.
func TestTorchParity(t *testing.T) {
	for _, name := range []string{"mnist-conv", "mnist-conv2"} {
		t.Run(name, func(t *testing.T) {
			ts, _, err := models.ReadTensors(filepath.Join("..", "..", "testdata", "torch", name+".safetensors"))
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := ConfigByName(name)
			if err != nil {
				t.Fatal(err)
			}
			m, err := New(cfg, rand.New(rand.NewPCG(1, 1)))
			if err != nil {
				t.Fatal(err)
			}
			if err := models.LoadParams(m.Params(), ts); err != nil {
				t.Fatal(err)
			}
			x := ts["test.x"]
			n := x.Shape[0]
			b := &models.Batch{N: n, T: side, D: side, X: x.F32}
			mu, lv := m.Enc.Encode(b, false)
			mu, lv = append([]float32(nil), mu...), append([]float32(nil), lv...)
			logits := m.Dec.Logits(ts["test.mu"].F32, n)
			rec, kl := m.VAE().Score(b, nil)
			rec32, kl32 := make([]float32, n), make([]float32, n)
			for i := range rec {
				rec32[i], kl32[i] = float32(rec[i]), float32(kl[i])
			}
			for _, c := range []struct {
				what      string
				got, want []float32
			}{
				{"mu", mu, ts["test.mu"].F32},
				{"logvar", lv, ts["test.logvar"].F32},
				{"logits", logits, ts["test.logits"].F32},
				{"reconstruction nats", rec32, ts["test.reconstruction_nats"].F32},
				{"KL nats", kl32, ts["test.kl_nats"].F32},
			} {
				if len(c.got) != len(c.want) {
					t.Errorf("%s: %d values, PyTorch has %d", c.what, len(c.got), len(c.want))
					continue
				}
				e := relErr(c.got, c.want)
				t.Logf("%s: relative error %.2g", c.what, e)
				if e > 1e-4 {
					t.Errorf("%s: relative error %.3g from PyTorch, want ≤ 1e-4", c.what, e)
				}
			}
		})
	}
}

// smallBatch returns n images of structured noise: a bright bar at a random place on a dim
// background, as probabilities in [0, 1].
func smallBatch(rng *rand.Rand, n int) *models.Batch {
	b := models.NewBatch(n, side, side, false)
	for i := 0; i < n; i++ {
		x := b.Example(i)
		r0, c0, vertical := 4+rng.IntN(16), 4+rng.IntN(16), rng.IntN(2) == 0
		for k := 0; k < 8; k++ {
			r, c := r0, c0+k
			if vertical {
				r, c = r0+k, c0
			}
			x[r*side+c], x[r*side+c+1] = 1, 0.8
		}
		for j := range x {
			if x[j] == 0 {
				x[j] = 0.05 * float32(rng.Float64())
			}
		}
	}
	return b
}

// TestVAEGradients checks the whole model's gradients (decoder NLL, KL, encoder), as
// VAE.Step computes them with z = mu, against finite differences of a float64 reference of
// the same loss (ref_test.go), which must also agree with Step's own loss. A ReLU and
// max-pool network is only piecewise smooth: the steps are small and the images are
// uniform noise, because flat regions (like smallBatch's bars) make near-ties in the
// pooling windows that a step crosses, or that float32 and float64 break differently.
func TestVAEGradients(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	m, err := New(Config{Name: "tiny", Z: 3}, rng)
	if err != nil {
		t.Fatal(err)
	}
	v := m.VAE()
	b := models.NewBatch(2, side, side, false)
	for i := range b.X {
		b.X[i] = float32(rng.Float64())
	}
	const beta = 0.7
	if got, want := v.Step(b, beta, 0, nil).Loss, refLoss(m, b, beta); math.Abs(got-want) > 1e-5*math.Abs(want) {
		t.Fatalf("Step's loss %.6f, the float64 reference's %.6f", got, want)
	}
	loss := func() float64 { return refLoss(m, b, beta) }
	backward := func() { v.Step(b, beta, 0, nil) }
	if err := models.GradCheck(v.Params(), loss, backward, 5, 1e-5, 1e-2, rng); err != nil {
		t.Error(err)
	}
}

// TestTrainingReducesLoss trains on a few hundred structured images with plain SGD and
// requires the mean loss of the last steps to fall well below that of the first.
func TestTrainingReducesLoss(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	m, err := New(DefaultConfig(), rng)
	if err != nil {
		t.Fatal(err)
	}
	v := m.VAE()
	params := v.Params()
	data := smallBatch(rng, 256)
	const batch, steps, lr = 16, 40, 2e-3
	b := models.NewBatch(batch, side, side, false)
	var first, last float64
	for s := 0; s < steps; s++ {
		for i := 0; i < batch; i++ {
			copy(b.Example(i), data.Example(rng.IntN(data.N)))
		}
		models.ZeroGrads(params)
		terms := v.Step(b, 1, 0, rng)
		if math.IsNaN(terms.Loss) {
			t.Fatalf("step %d: loss is NaN", s)
		}
		for _, p := range params {
			d := p.Data()
			for j, g := range p.Grad {
				d[j] -= lr * g
			}
		}
		if s < 5 {
			first += terms.Loss / 5
		}
		if s >= steps-5 {
			last += terms.Loss / 5
		}
	}
	t.Logf("mean loss over the first 5 steps %.1f, last 5 %.1f nats", first, last)
	if last > 0.8*first {
		t.Errorf("loss fell from %.1f to only %.1f nats", first, last)
	}
}

// TestBatchInvariance checks that an example's results do not depend on the batch around
// it: batch sizes that are not a multiple of chunk, and switching between sizes, change
// the layouts inside the layers.
func TestBatchInvariance(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	m, err := New(DefaultConfig(), rng)
	if err != nil {
		t.Fatal(err)
	}
	v := m.VAE()
	const n = 13
	b := smallBatch(rng, n)
	rec, kl := v.Score(b, nil)
	for _, i := range []int{0, 7, 8, 12} {
		one := models.NewBatch(1, side, side, false)
		copy(one.X, b.Example(i))
		r1, k1 := v.Score(one, nil)
		if math.Abs(r1[0]-rec[i]) > 1e-4*math.Abs(rec[i]) || math.Abs(k1[0]-kl[i]) > 1e-4*math.Abs(kl[i])+1e-6 {
			t.Errorf("example %d: alone %.6f + %.6f nats, in a batch of %d %.6f + %.6f", i, r1[0], k1[0], n, rec[i], kl[i])
		}
	}
	rec2, _ := v.Score(b, nil) // back to the batch size after the single examples
	for i := range rec {
		if rec2[i] != rec[i] {
			t.Fatalf("example %d: %.6f nats, then %.6f after other batch sizes", i, rec[i], rec2[i])
		}
	}
}
