package torch

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"musae/models"
)

// cases are every canonical model with every encoder the zoo puts on it.
var cases = []twinCase{
	{"mnist-conv", ""}, {"mnist-conv2", ""}, {"mnist-conv", "rnn"},
	{"mel2-tiny", ""}, {"mel2-small", ""}, {"mel2-tiny", "conv"},
}

// parityTol is the largest relative error of per-example nats the twins may have.
const parityTol = 1e-5

// tieMargin is the lead of the best class over the runner-up below which a greedy choice
// is a tie in float32: the twin may pick the other class there.
const tieMargin = 1e-4

// parityInputs returns a batch for m: n binary images with 20% of pixels set, or n
// melodies of random classes.
func parityInputs(m *model, n int, seed uint64) *models.Batch {
	rng := rand.New(rand.NewPCG(seed, 7))
	if m.Images != nil {
		b := models.NewBatch(n, 28, 28, false)
		for i := range b.X {
			if rng.Float64() < 0.2 {
				b.X[i] = 1
			}
		}
		return b
	}
	d := m.Melody
	b := models.NewBatch(n, d.Steps, d.Classes, true)
	cls := make([]int32, d.Steps)
	for i := 0; i < n; i++ {
		for t := range cls {
			cls[t] = int32(rng.IntN(d.Classes))
		}
		b.SetClasses(i, cls)
	}
	return b
}

// musaeOutputs are musae's figures for a batch, with z = mu, as eval computes them.
type musaeOutputs struct {
	mu, logvar, logits []float32
	rec, kl            []float64
	greedy             [][]int32
}

func musaeRun(m *model, b *models.Batch) musaeOutputs {
	var o musaeOutputs
	mu, lv := m.VAE.Enc.Encode(b, false)
	o.mu, o.logvar = slices.Clone(mu), slices.Clone(lv)
	o.rec, o.kl = m.VAE.Score(b, nil)
	if m.Images != nil {
		o.logits = slices.Clone(m.Images.Logits(o.mu, b.N))
	} else {
		o.greedy = m.Melody.Generate(o.mu, b.N, 0, nil)
	}
	return o
}

// writeParityInput writes m's weights and metadata, the batch and musae's greedy decoding
// as a musae checkpoint with test.* tensors.
func writeParityInput(t *testing.T, path string, m *model, b *models.Batch, o musaeOutputs) {
	t.Helper()
	ts := models.ParamTensors(m.VAE.Params())
	if b.Classes == nil {
		ts["test.x"] = models.F32Tensor(b.X, b.N, b.T, b.D)
	} else {
		ts["test.x"] = models.I64Tensor(i64(b.Classes), b.N, b.T)
		var g []int32
		for _, s := range o.greedy {
			g = append(g, s...)
		}
		ts["test.greedy"] = models.I64Tensor(i64(g), b.N, b.T)
	}
	js, err := json.Marshal(m.Meta)
	if err != nil {
		t.Fatal(err)
	}
	if err := models.WriteTensors(path, ts, map[string]string{"format": models.Format, "musae": string(js)}); err != nil {
		t.Fatal(err)
	}
}

func i64(xs []int32) []int64 {
	out := make([]int64, len(xs))
	for i, x := range xs {
		out[i] = int64(x)
	}
	return out
}

// parity is what one model's comparison measured.
type parity struct {
	nats, rec, kl   float64 // max relative error per example
	mu, logits      float64 // max abs error over the largest magnitude
	steps, agree    int     // greedy decoding, per step
	seqs, seqsAgree int
	ties            int // steps where the twin chose otherwise on musae's prefix, by less than tieMargin
	wrong           int // ... by more: a real disagreement
}

func (p parity) String() string {
	s := fmt.Sprintf("nats max rel err %.2g (rec %.2g, kl %.2g), mu %.2g", p.nats, p.rec, p.kl, p.mu)
	if p.steps > 0 {
		s += fmt.Sprintf(", greedy decoding %d/%d steps and %d/%d melodies equal (%d near-ties, %d disagreements on musae's prefix)",
			p.agree, p.steps, p.seqsAgree, p.seqs, p.ties, p.wrong)
	} else {
		s += fmt.Sprintf(", logits %.2g", p.logits)
	}
	return s
}

func compareParity(t *testing.T, outPath string, b *models.Batch, o musaeOutputs) parity {
	t.Helper()
	got, _, err := models.ReadTensors(outPath)
	if err != nil {
		t.Fatal(err)
	}
	need := func(name string, n int) models.Tensor {
		x, ok := got[name]
		if !ok || x.Len() != n {
			t.Fatalf("%s: %s missing or of %d values, want %d", outPath, name, x.Len(), n)
		}
		return x
	}
	var p parity
	rec, kl := need("torch.reconstruction_nats", b.N).F32, need("torch.kl_nats", b.N).F32
	for i := range o.rec {
		p.rec = max(p.rec, relErr(float64(rec[i]), o.rec[i]))
		p.kl = max(p.kl, relErr(float64(kl[i]), o.kl[i]))
		p.nats = max(p.nats, relErr(float64(rec[i])+float64(kl[i]), o.rec[i]+o.kl[i]))
	}
	p.mu = max(scaledErr(need("torch.mu", len(o.mu)).F32, o.mu), scaledErr(need("torch.logvar", len(o.logvar)).F32, o.logvar))
	if o.logits != nil {
		p.logits = scaledErr(need("torch.logits", len(o.logits)).F32, o.logits)
		return p
	}
	T := b.T
	g := need("torch.greedy", b.N*T).I64
	forced, margin := need("torch.forced", b.N*T).I64, need("torch.forced_margin", b.N*T).F32
	for i, seq := range o.greedy {
		same := true
		for s, c := range seq {
			p.steps++
			if g[i*T+s] == int64(c) {
				p.agree++
			} else {
				same = false
			}
			if forced[i*T+s] != int64(c) {
				if margin[i*T+s] < tieMargin {
					p.ties++
				} else {
					p.wrong++
				}
			}
		}
		p.seqs++
		if same {
			p.seqsAgree++
		}
	}
	return p
}

func relErr(got, want float64) float64 { return math.Abs(got-want) / math.Abs(want) }

// scaledErr returns max |got − want| over max |want|.
func scaledErr(got, want []float32) float64 {
	var d, s float64
	for i := range want {
		d = max(d, math.Abs(float64(got[i])-float64(want[i])))
		s = max(s, math.Abs(float64(want[i])))
	}
	return d / s
}

// TestTorchParity runs every canonical model (and encoder swap) in musae and in its PyTorch
// twin on the same weights and inputs, z = mu: the per-example nats (reconstruction + KL)
// agree within 1e-5, and so do the greedy decodings, step for step (a step may differ only
// where float32 cannot tell two classes apart). The weights are a fresh initialisation and,
// where musae has one built in, the trained model.
func TestTorchParity(t *testing.T) {
	python(t)
	type run struct {
		name  string
		model func(t *testing.T) *model
	}
	var runs []run
	for _, c := range cases {
		runs = append(runs, run{c.String() + "/init", func(t *testing.T) *model { return newModel(t, c, 3) }})
		if c.Encoder == "" && builtin(c.Name) != "" {
			runs = append(runs, run{c.Name + "/built-in", func(t *testing.T) *model { return openModel(t, builtin(c.Name)) }})
		}
	}
	for _, r := range runs {
		t.Run(r.name, func(t *testing.T) {
			m := r.model(t)
			b := parityInputs(m, 16, 11)
			o := musaeRun(m, b)
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.safetensors"), filepath.Join(dir, "out.safetensors")
			writeParityInput(t, in, m, b, o)
			runPython(t, nil, "musae_torch.parity", in, "-o", out)
			p := compareParity(t, out, b, o)
			t.Logf("parity %s: %v", r.name, p)
			if p.nats > parityTol || p.rec > parityTol || p.kl > parityTol {
				t.Errorf("nats differ: max relative error %.3g (reconstruction %.3g, KL %.3g), want ≤ %g", p.nats, p.rec, p.kl, parityTol)
			}
			if p.mu > parityTol || p.logits > parityTol {
				t.Errorf("encoder or decoder outputs differ: mu/logvar %.3g, logits %.3g of their largest magnitude, want ≤ %g", p.mu, p.logits, parityTol)
			}
			if p.wrong > 0 {
				t.Errorf("greedy decoding: on %d steps the twin, fed musae's decoding so far, chose another class by more than %g", p.wrong, tieMargin)
			}
			if p.ties == 0 && p.seqsAgree != p.seqs {
				t.Errorf("greedy decoding: %d of %d melodies differ with no near-tie to explain it", p.seqs-p.seqsAgree, p.seqs)
			}
		})
	}
}

// TestTorchCheckpointRoundTrip reads musae checkpoints, with the optimiser's state and
// provenance, into the twins and writes them back from the twins' state_dict: the files
// are byte-identical.
func TestTorchCheckpointRoundTrip(t *testing.T) {
	python(t)
	for _, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			m := newModel(t, c, 5)
			params := m.VAE.Params()
			opt := models.NewAdam(params, models.DefaultAdamConfig())
			rng := rand.New(rand.NewPCG(1, 2))
			for _, p := range params {
				for i := range p.Grad {
					p.Grad[i] = float32(rng.NormFloat64())
				}
			}
			opt.Update()
			meta := m.Meta
			meta.Steps, meta.Epochs = 1, 0.25
			meta.Dataset = `a <corpus> & "quotes", ±5 — ünïcode`
			meta.Metrics = map[string]float64{"accuracy": 0.5, "loss": 1e-7, "kl": 12345678901234567890}
			dir := t.TempDir()
			in, out := filepath.Join(dir, "musae.safetensors"), filepath.Join(dir, "torch.safetensors")
			if err := models.SaveCheckpoint(in, params, opt, meta); err != nil {
				t.Fatal(err)
			}
			runPython(t, nil, "musae_torch.convert", in, out)
			a, _ := os.ReadFile(in)
			b, _ := os.ReadFile(out)
			if !bytes.Equal(a, b) {
				t.Fatalf("the round trip changed the file: %d bytes in, %d out", len(a), len(b))
			}
			ta, _, _ := models.ParseTensors(a, in)
			t.Logf("%s: %d tensors, %d bytes, identical", c, len(slices.Collect(maps.Keys(ta))), len(a))
		})
	}
}

// gradTol bounds the difference between musae's hand-written gradients and PyTorch's
// autograd ones, relative to each parameter's largest gradient.
const gradTol = 1e-4

// adamStep is the number of updates done before the one TestTorchGradientParity compares
// (so that the learning rate has decayed and the bias corrections are not the first's).
const adamStep = 1000

// updateTol bounds the difference of the weights after one update: 2% of the most Adam
// moves a weight in it (2.3e-3). Adam divides by |gradient| + 1e-8, so for a weight whose
// gradient is near 1e-8 a float32 difference of 1e-9 in the gradient moves it 1e-5 more or
// less; a learning rate off by its decay (10%) would be 2e-4 off.
const updateTol = 5e-5

// TestTorchGradientParity computes the gradients of musae's training loss (VAE.Step: the
// batch mean of reconstruction + beta·max(KL − free nats, 0), z = mu) in musae and with
// autograd in the twin, on the same weights and inputs, with free nats between the
// examples' KLs so that both sides of the hinge occur: every parameter's gradient agrees.
// Then one update, clipped and at a decayed learning rate, in musae's Adam and in the
// trainer's (musae_torch.train.update): the weights agree. That is what makes
// musae_torch.train minimise what musae train minimises, the same way.
func TestTorchGradientParity(t *testing.T) {
	python(t)
	for _, c := range cases {
		t.Run(c.String(), func(t *testing.T) {
			m := newModel(t, c, 4)
			b := parityInputs(m, 8, 13)
			o := musaeRun(m, b)
			kls := slices.Clone(o.kl)
			slices.Sort(kls)
			free := (kls[3] + kls[4]) / 2
			const beta = 0.5
			params := m.VAE.Params()
			models.ZeroGrads(params)
			m.VAE.Step(b, beta, free, nil)
			dir := t.TempDir()
			in, out := filepath.Join(dir, "in.safetensors"), filepath.Join(dir, "out.safetensors")
			writeParityInput(t, in, m, b, o)
			ts, meta, err := models.ReadTensors(in)
			if err != nil {
				t.Fatal(err)
			}
			ts["test.beta"] = models.F32Tensor([]float32{beta}, 1)
			ts["test.free_nats"] = models.F32Tensor([]float32{float32(free)}, 1)
			ts["test.adam_step"] = models.I64Tensor([]int64{adamStep}, 1)
			if err := models.WriteTensors(in, ts, meta); err != nil {
				t.Fatal(err)
			}
			runPython(t, nil, "musae_torch.parity", in, "-o", out)
			got, _, err := models.ReadTensors(out)
			if err != nil {
				t.Fatal(err)
			}
			worst, where := 0.0, ""
			for _, p := range params {
				g, ok := got["torch.grad."+p.Name]
				if !ok || len(g.F32) != p.Len() {
					t.Fatalf("no gradient of %s from the twin", p.Name)
				}
				if e := scaledErr(g.F32, p.Grad); e > worst {
					worst, where = e, p.Name
				}
			}
			t.Logf("gradients %s: max error %.2g of the parameter's largest gradient (%s)", c, worst, where)
			if worst > gradTol {
				t.Errorf("gradients differ: %s by %.3g of its largest, want ≤ %g", where, worst, gradTol)
			}

			// One update of the trainer's: clipped to norm 1, Adam at the learning rate
			// decayed for adamStep steps, from zero moments.
			opt := models.NewAdam(params, models.DefaultAdamConfig())
			opt.Step = adamStep
			norm := opt.Update()
			var moved, diff, mdiff float64
			state := opt.State()
			for _, p := range params {
				mdiff = max(mdiff, scaledErr(got["torch.m."+p.Name].F32, state["optimizer.m."+p.Name].F32))
				w := got["torch.updated."+p.Name].F32
				for i, v := range p.Data() {
					diff = max(diff, math.Abs(float64(w[i])-float64(v)))
					moved = max(moved, math.Abs(float64(w[i])-float64(ts[p.Name].F32[i])))
				}
			}
			t.Logf("update %s (gradient norm %.3g, clipped to 1): weights moved up to %.3g, musae and the trainer differ by %.2g; first moments (the clipped gradients) by %.2g of their largest", c, norm, moved, diff, mdiff)
			if diff > updateTol || mdiff > gradTol || norm <= 1 {
				t.Errorf("after one update the weights differ by %.3g, the moments by %.3g (want ≤ %g and %g; the gradient norm %.3g must exceed the clip, 1)", diff, mdiff, updateTol, gradTol, norm)
			}
		})
	}
}
