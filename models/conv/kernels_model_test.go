package conv

import (
	"math"
	"math/rand/v2"
	"testing"

	"musae/models"
)

// TestModelKernels runs a training step of mnist-conv with the Go kernels and with each
// assembly set, and requires the same loss and gradients: a check of every kernel in
// place, with the shapes, offsets and row lengths the model gives them. The batch is not a
// multiple of chunk, so partial chunks run too.
func TestModelKernels(t *testing.T) {
	step := func(t *testing.T) (float64, []*models.Param) {
		m, err := New(DefaultConfig(), rand.New(rand.NewPCG(41, 42)))
		if err != nil {
			t.Fatal(err)
		}
		v := m.VAE()
		b := smallBatch(rand.New(rand.NewPCG(43, 44)), 11)
		models.ZeroGrads(v.Params())
		return v.Step(b, 0.5, 0, nil).Loss, v.Params()
	}
	var wantLoss float64
	var want []*models.Param
	t.Run("go", func(t *testing.T) {
		withKernels(t, isaGo)
		wantLoss, want = step(t)
	})
	forEachKernels(t, func(t *testing.T) {
		loss, got := step(t)
		if math.Abs(loss-wantLoss) > 1e-5*math.Abs(wantLoss) {
			t.Errorf("loss %.6f, with the Go kernels %.6f", loss, wantLoss)
		}
		for i, p := range got {
			if e := relErr(p.Grad, want[i].Grad); e > 1e-4 {
				t.Errorf("%s: gradient's relative error %.3g from the Go kernels'", p.Name, e)
			}
		}
	})
}
