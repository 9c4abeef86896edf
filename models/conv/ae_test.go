package conv

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"musae/models"
)

func TestAEShapesAndGradients(t *testing.T) {
	for _, name := range []string{"digits-ae", "digits-superres14", "digits-superres7"} {
		t.Run(name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(21, 22))
			cfg, err := AEConfigByName(name)
			if err != nil {
				t.Fatal(err)
			}
			a, err := NewAE(cfg, rng)
			if err != nil {
				t.Fatal(err)
			}
			const n = 2
			x := make([]float32, n*cfg.In*cfg.In)
			for i := range x {
				x[i] = float32(rng.Float64())
			}
			if got := len(a.Logits(x, n)); got != n*pixels {
				t.Fatalf("%d logits, want %d", got, n*pixels)
			}
			// loss = Σ r·logits, whose gradient with respect to the logits is r.
			r := randSlice(rng, n*pixels)
			loss := func() float64 {
				var s float64
				for i, v := range a.Logits(x, n) {
					s += float64(v) * float64(r[i])
				}
				return s
			}
			models.ZeroGrads(a.Params())
			a.Logits(x, n)
			a.Backward(r)
			// A network of rectifiers and max-pools is piecewise linear: a step of the
			// finite difference sometimes crosses a kink, and the difference is then off.
			// So most positions must agree, not all; a wrong backward pass gets most wrong.
			const eps = 2e-4
			var checked, off int
			for _, p := range a.Params() {
				d := p.Data()
				for range 6 {
					i := rng.IntN(len(d))
					o := d[i]
					d[i] = o + eps
					lp := loss()
					d[i] = o - eps
					lm := loss()
					d[i] = o
					num, ana := (lp-lm)/(2*eps), float64(p.Grad[i])
					checked++
					if math.Abs(num-ana) > 0.05*math.Max(math.Abs(num), math.Abs(ana))+5e-3 {
						off++
						t.Logf("%s[%d]: analytic %.5f, numeric %.5f", p.Name, i, ana, num)
					}
				}
			}
			if off > checked/10 {
				t.Errorf("%d of %d gradients disagree with finite differences", off, checked)
			}
		})
	}
}

func TestPadCrop(t *testing.T) {
	src := []float32{1, 2, 3, 4, 5, 6} // one 2×3 plane
	dst := make([]float32, 12)
	padPlanes(dst, src, 1, 2, 3)
	want := []float32{1, 2, 3, 0, 4, 5, 6, 0, 0, 0, 0, 0}
	for i := range want {
		if dst[i] != want[i] {
			t.Fatalf("pad: %v, want %v", dst, want)
		}
	}
	back := make([]float32, 6)
	cropPlanes(back, dst, 1, 2, 3)
	for i := range src {
		if back[i] != src[i] {
			t.Fatalf("crop: %v, want %v", back, src)
		}
	}
}

func TestAEConfigRefusals(t *testing.T) {
	for _, c := range []AEConfig{{Task: TaskAE, In: 14}, {Task: TaskSuperRes, In: 28}, {Task: "colour", In: 28}} {
		if _, err := NewAE(c, rand.New(rand.NewPCG(1, 1))); err == nil {
			t.Errorf("%+v: no error", c)
		}
	}
	if _, err := AEConfigByName("digits-vae"); err == nil {
		t.Error("unknown name: no error")
	}
}

// barPairs are 28×28 pictures of one bright row each, input and target alike.
type barPairs int

func (p barPairs) Len() int { return int(p) }

func (p barPairs) Fill(in, target []float32, idx []int, _ *rand.Rand) {
	clear(in[:len(idx)*pixels])
	clear(target[:len(idx)*pixels])
	for i, k := range idx {
		row := 4 + k%20
		for x := 4; x < 24; x++ {
			in[i*pixels+row*side+x], target[i*pixels+row*side+x] = 1, 1
		}
	}
}

func TestTrainAELearns(t *testing.T) {
	cfg, _ := AEConfigByName("digits-ae")
	a, err := NewAE(cfg, rand.New(rand.NewPCG(5, 6)))
	if err != nil {
		t.Fatal(err)
	}
	data := barPairs(64)
	in, target := make([]float32, 64*pixels), make([]float32, 64*pixels)
	idx := make([]int, 64)
	for i := range idx {
		idx[i] = i
	}
	data.Fill(in, target, idx, nil)
	before := a.Loss(in, target, 64, false)
	opt := models.DefaultAdamConfig()
	opt.LR, opt.ClipNorm = 3e-3, 0
	steps, _, err := TrainAE(context.Background(), a, data, AETrainConfig{Epochs: 8, Batch: 16, Optim: opt, Seed: 1})
	if err != nil || steps != 32 {
		t.Fatalf("TrainAE: %d steps, %v", steps, err)
	}
	if after := a.Loss(in, target, 64, false); after > 0.5*before {
		t.Errorf("loss %.1f before, %.1f after 32 steps: want it halved", before, after)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := TrainAE(ctx, a, data, AETrainConfig{Epochs: 1, Batch: 16, Optim: opt}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestAECheckpointRoundTrip(t *testing.T) {
	cfg, _ := AEConfigByName("digits-superres7")
	a, _ := NewAE(cfg, rand.New(rand.NewPCG(7, 8)))
	path := filepath.Join(t.TempDir(), "sr.safetensors")
	if err := SaveAE(path, a, models.Meta{Steps: 3}); err != nil {
		t.Fatal(err)
	}
	b, c, err := LoadAE(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.AEConfig != a.AEConfig || c.Meta.Steps != 3 {
		t.Errorf("read back %+v, %d steps", b.AEConfig, c.Meta.Steps)
	}
	for i, p := range a.Params() {
		if !slices.Equal(p.Data(), b.Params()[i].Data()) {
			t.Fatalf("%s differs", p.Name)
		}
	}
	// A VAE's checkpoint is refused, by its domain.
	m, _ := New(DefaultConfig(), rand.New(rand.NewPCG(1, 1)))
	vae := filepath.Join(t.TempDir(), "vae.safetensors")
	if err := models.SaveCheckpoint(vae, m.Params(), nil, models.Meta{Model: "mnist-conv", Domain: "mnist"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadAE(vae); !errors.Is(err, ErrNotAE) || !strings.Contains(err.Error(), vae) {
		t.Errorf("a VAE's checkpoint: %v", err)
	}
}
