package models

import (
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func newRNG() *rand.Rand { return rand.New(rand.NewPCG(1, 2)) }

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64())
	}
	return s
}

func TestGemm(t *testing.T) {
	rng := newRNG()
	for _, tc := range []struct {
		name       string
		m, n, k    int
		tA, tB     bool
		accumulate bool
	}{
		{"plain", 5, 7, 3, false, false, false},
		{"transA", 64, 33, 90, true, false, false},
		{"transB", 64, 300, 128, false, true, true},
		{"both", 17, 9, 31, true, true, true},
		{"large", 128, 256, 512, false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := randSlice(rng, tc.m*tc.k), randSlice(rng, tc.k*tc.n)
			c := randSlice(rng, tc.m*tc.n)
			want := make([]float64, len(c))
			for i := 0; i < tc.m; i++ {
				for j := 0; j < tc.n; j++ {
					var s float64
					for p := 0; p < tc.k; p++ {
						av := a[i*tc.k+p]
						if tc.tA {
							av = a[p*tc.m+i]
						}
						bv := b[p*tc.n+j]
						if tc.tB {
							bv = b[j*tc.k+p]
						}
						s += float64(av) * float64(bv)
					}
					if tc.accumulate {
						s += float64(c[i*tc.n+j])
					}
					want[i*tc.n+j] = s
				}
			}
			beta := float32(0)
			if tc.accumulate {
				beta = 1
			}
			Gemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, a, b, beta, c)
			for i := range c {
				if math.Abs(float64(c[i])-want[i]) > 1e-3*(1+math.Abs(want[i])) {
					t.Fatalf("c[%d] = %g, want %g", i, c[i], want[i])
				}
			}
		})
	}
}

func TestDenseGradient(t *testing.T) {
	rng := newRNG()
	d := NewDense("d", 7, 5, rng)
	n := 3
	x := randSlice(rng, n*7)
	xp := WrapParam("x", x, n, 7)
	w := randSlice(rng, n*5) // loss = Σ w·y, a generic linear functional of the output
	loss := func() float64 {
		y := d.Forward(x, n)
		var s float64
		for i, v := range y {
			s += float64(w[i] * v)
		}
		return s
	}
	backward := func() {
		d.Forward(x, n)
		dx := d.Backward(w)
		for i, v := range dx {
			xp.Grad[i] += v
		}
	}
	if err := GradCheck([]*Param{d.W, d.B, xp}, loss, backward, 20, 1e-2, 1e-2, rng); err != nil {
		t.Fatal(err)
	}
}

func TestLikelihoodGradients(t *testing.T) {
	rng := newRNG()
	t.Run("bernoulli", func(t *testing.T) {
		logits := randSlice(rng, 2*6)
		targets := []float32{0, 1, 1, 0, 0.5, 1, 1, 1, 0, 0, 1, 0}
		p := WrapParam("logits", logits, 12)
		nll := make([]float64, 2)
		d := make([]float32, 12)
		loss := func() float64 { BernoulliNLL(nll, logits, targets, 2, nil); return nll[0] + nll[1] }
		backward := func() { BernoulliNLL(nll, logits, targets, 2, d); copy(p.Grad, d) }
		if err := GradCheck([]*Param{p}, loss, backward, 12, 1e-2, 1e-2, rng); err != nil {
			t.Fatal(err)
		}
		// Against the textbook form -[t log σ(l) + (1−t) log(1−σ(l))].
		BernoulliNLL(nll, logits, targets, 2, nil)
		var want float64
		for j := 0; j < 6; j++ {
			s := 1 / (1 + math.Exp(-float64(logits[j])))
			want -= float64(targets[j])*math.Log(s) + (1-float64(targets[j]))*math.Log(1-s)
		}
		if math.Abs(nll[0]-want) > 1e-6*math.Max(1, want) { // float32 terms
			t.Fatalf("nll %g, want %g", nll[0], want)
		}
	})
	t.Run("bernoulli-range", func(t *testing.T) {
		// Logits from -100 to 100 against float64, with binary and soft targets, through
		// each kernel (4001 values: whole vectors and a tail).
		const d = 4001
		logits, targets := make([]float32, 3*d), make([]float32, 3*d)
		for r, tv := range []float32{0, 1, 0.3} {
			for j := 0; j < d; j++ {
				logits[r*d+j] = float32(j-d/2) / 20
				targets[r*d+j] = tv
			}
		}
		eachKernel(t, func(t *testing.T) {
			nll, dl := make([]float64, 3), make([]float32, 3*d)
			BernoulliNLL(nll, logits, targets, 3, dl)
			for r := 0; r < 3; r++ {
				var want float64
				for j := r * d; j < (r+1)*d; j++ {
					l, tv := float64(logits[j]), float64(targets[j])
					want += math.Max(l, 0) - tv*l + math.Log1p(math.Exp(-math.Abs(l)))
					if g, w := float64(dl[j]), 1/(1+math.Exp(-l))-tv; math.Abs(g-w) > 1e-7 {
						t.Fatalf("row %d: d/dl at %g = %g, want %g", r, l, g, w)
					}
				}
				if math.Abs(nll[r]-want) > 1e-6*want {
					t.Errorf("row %d: nll %.9g, want %.9g", r, nll[r], want)
				}
			}
			// Without gradients the likelihood is the same.
			nll2 := make([]float64, 3)
			BernoulliNLL(nll2, logits, targets, 3, nil)
			if !slices.Equal(nll, nll2) {
				t.Errorf("nll without gradients %v, with %v", nll2, nll)
			}
		})
	})
	t.Run("softmax", func(t *testing.T) {
		logits := randSlice(rng, 3*5)
		targets := []int32{4, 0, 2}
		p := WrapParam("logits", logits, 15)
		nll := make([]float64, 3)
		d := make([]float32, 15)
		loss := func() float64 { SoftmaxNLL(nll, logits, targets, 5, nil); return nll[0] + nll[1] + nll[2] }
		backward := func() { SoftmaxNLL(nll, logits, targets, 5, d); copy(p.Grad, d) }
		if err := GradCheck([]*Param{p}, loss, backward, 15, 1e-2, 1e-2, rng); err != nil {
			t.Fatal(err)
		}
	})
}

// TestKLMonteCarlo checks the closed form against E_q[log q(z) − log p(z)] estimated by sampling.
func TestKLMonteCarlo(t *testing.T) {
	rng := newRNG()
	mu := []float32{0.5, -1.2, 0, 2}
	lv := []float32{-0.3, 0.4, -2, 0.1}
	want := KL(mu, lv)
	const n = 200000
	var sum float64
	for i := 0; i < n; i++ {
		for j := range mu {
			s := math.Exp(0.5 * float64(lv[j]))
			e := rng.NormFloat64()
			z := float64(mu[j]) + s*e
			logq := -0.5*e*e - math.Log(s)
			logp := -0.5 * z * z
			sum += logq - logp
		}
	}
	mc := sum / n
	if math.Abs(mc-want) > 0.02 {
		t.Fatalf("Monte Carlo KL %.4f, closed form %.4f", mc, want)
	}
	if KL([]float32{0, 0}, []float32{0, 0}) != 0 {
		t.Fatal("KL of the prior with itself is not 0")
	}
}

func TestBetaSchedule(t *testing.T) {
	l := Loss{MaxBeta: 0.2, BetaRate: 0.99999}
	if l.Beta(0) != 0 {
		t.Fatalf("beta at step 0 = %g, want 0", l.Beta(0))
	}
	if b := l.Beta(100000); math.Abs(b-0.2*(1-math.Pow(0.99999, 100000))) > 1e-12 || b < 0.12 || b > 0.2 {
		t.Fatalf("beta at 100k = %g", b)
	}
	if (Loss{MaxBeta: 1}).Beta(7) != 1 {
		t.Fatal("rate 0 must keep beta at its maximum")
	}
}

// TestAdam compares one update with the formula written out, and checks clipping.
func TestAdam(t *testing.T) {
	p := NewParam("w", 2)
	copy(p.Data(), []float32{1, -1})
	cfg := DefaultAdamConfig()
	a := NewAdam([]*Param{p}, cfg)
	copy(p.Grad, []float32{3, 4}) // norm 5, clipped to 1: g = (0.6, 0.8)
	norm := a.Update()
	if math.Abs(norm-5) > 1e-6 {
		t.Fatalf("norm %g, want 5", norm)
	}
	// After one step Adam moves each weight by lr·sign(g) (bias-corrected m/sqrt(v) = ±1).
	want := []float32{1 - 1e-3, -1 - 1e-3}
	for i, w := range p.Data() {
		if math.Abs(float64(w-want[i])) > 1e-6 {
			t.Fatalf("w[%d] = %.7f, want %.7f", i, w, want[i])
		}
	}
	if lr := a.LR(); math.Abs(lr-((1e-3-1e-5)*0.9999+1e-5)) > 1e-12 {
		t.Fatalf("lr after one step %g", lr)
	}
}

func TestCheckpointRoundTripAndRefusals(t *testing.T) {
	rng := newRNG()
	dir := t.TempDir()
	d := NewDense("enc", 4, 3, rng)
	opt := NewAdam(d.Params(), DefaultAdamConfig())
	copy(d.W.Grad, randSlice(rng, 12))
	opt.Update()
	path := filepath.Join(dir, "m.safetensors")
	meta := Meta{Model: "tiny", Domain: "mnist", Seed: 7, Steps: 1}
	if err := SaveCheckpoint(path, d.Params(), opt, meta); err != nil {
		t.Fatal(err)
	}
	c, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Meta.Model != "tiny" || c.Meta.Seed != 7 || c.Meta.Version != Version {
		t.Fatalf("metadata did not survive: %+v", c.Meta)
	}
	d2 := NewDense("enc", 4, 3, rand.New(rand.NewPCG(9, 9)))
	if err := c.Restore(d2.Params()); err != nil {
		t.Fatal(err)
	}
	for i, v := range d.W.Data() {
		if d2.W.Data()[i] != v {
			t.Fatal("weights differ after the round trip")
		}
	}
	opt2 := NewAdam(d2.Params(), DefaultAdamConfig())
	if err := opt2.Restore(c.Tensors, 1); err != nil {
		t.Fatal(err)
	}

	raw, _ := os.ReadFile(path)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	plain := write("plain.safetensors", mustEncode(t, ParamTensors(d.Params()), nil))
	for _, tc := range []struct {
		name, path, want string
		is               error
	}{
		{"not safetensors", write("junk", []byte("MThd\x00\x00\x00\x06 this is a MIDI file")), "not a safetensors file", nil},
		{"empty", write("empty", nil), "too short", nil},
		{"truncated", write("trunc", raw[:len(raw)-10]), "truncated", nil},
		{"no musae metadata", plain, "not a musae checkpoint", ErrNotCheckpoint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadCheckpoint(tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("error %v, want one naming %s and saying %q", err, tc.path, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Fatalf("error %v is not %v", err, tc.is)
			}
		})
	}
	t.Run("wrong config", func(t *testing.T) {
		other := NewDense("enc", 5, 3, rng)
		err := c.Restore(other.Params())
		if !errors.Is(err, ErrWrongModel) || !strings.Contains(err.Error(), "enc.weight has shape [3 4], the model wants [3 5]") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("atomic", func(t *testing.T) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.Contains(e.Name(), ".tmp") {
				t.Fatalf("temporary file %s left behind", e.Name())
			}
		}
	})
}

func mustEncode(t *testing.T, m map[string]Tensor, meta map[string]string) []byte {
	t.Helper()
	b, err := EncodeTensors(m, meta)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestReadsPyTorchExport checks the reader against a file written by torch_reference.py.
func TestReadsPyTorchExport(t *testing.T) {
	tensors, meta, err := ReadTensors("../testdata/torch/mnist-conv.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if meta["model"] != "mnist-conv" {
		t.Fatalf("metadata %v", meta)
	}
	w := tensors["c1.weight"]
	if w.DType != "F32" || len(w.Shape) != 4 || w.Shape[0] != 32 || len(w.F32) != 288 {
		t.Fatalf("c1.weight: %+v", w.Shape)
	}
	// Writing it back gives a file that reads the same.
	b := mustEncode(t, tensors, meta)
	again, _, err := ParseTensors(b, "re-encoded")
	if err != nil || !slices.Equal(again["test.logits"].F32, tensors["test.logits"].F32) {
		t.Fatalf("re-encoded file differs: %v", err)
	}
}

func TestReLU(t *testing.T) {
	x := []float32{-2, -0.0, 0, 1e-40, 3, float32(math.Inf(-1)), float32(math.Inf(1))}
	x[1] = float32(math.Copysign(0, -1))
	y := ReLU(make([]float32, len(x)), x)
	want := []float32{0, 0, 0, 1e-40, 3, 0, float32(math.Inf(1))}
	if !slices.Equal(y, want) || math.Signbit(float64(y[1])) {
		t.Fatalf("ReLU(%v) = %v, want %v", x, y, want)
	}
	y[2] = float32(math.Copysign(0, -1)) // a −0 output also blocks the gradient
	dy := []float32{1, 2, 3, 4, 5, 6, 7}
	ReLUBackward(dy, y)
	if wantDy := []float32{0, 0, 0, 4, 5, 0, 7}; !slices.Equal(dy, wantDy) {
		t.Fatalf("ReLUBackward gives %v, want %v", dy, wantDy)
	}
}
