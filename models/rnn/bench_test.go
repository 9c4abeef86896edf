package rnn

import (
	"math/rand/v2"
	"testing"

	"musae/models"
)

// BenchmarkTrainStep times one training step at batch 64 as torch_reference.py bench does:
// zero the gradients, forward, backward, Adam update, on random sequences (8 batches in turn).
// examples/s = 64 / step time is the figure to set beside PyTorch's.
func BenchmarkTrainStep(b *testing.B) {
	for _, name := range []string{"mel2-tiny", "mel2-small"} {
		b.Run(name, func(b *testing.B) {
			if name != "mel2-tiny" && testing.Short() {
				b.Skip("mel2-small skipped with -short")
			}
			cfg, _ := ConfigByName(name)
			rng := rand.New(rand.NewPCG(1, 2))
			m, err := New(cfg, rng)
			if err != nil {
				b.Fatal(err)
			}
			const batch = 64
			data := make([]*models.Batch, 8)
			for i := range data {
				data[i] = randomBatch(rng, batch, cfg)
			}
			ac := models.DefaultAdamConfig()
			ac.ClipNorm = 0 // the PyTorch bench does not clip
			params := m.Params()
			opt := models.NewAdam(params, ac)
			v := m.VAE()
			step := func(i int) {
				models.ZeroGrads(params)
				v.Step(data[i%len(data)], 1, 0, rng)
				opt.Update()
			}
			for i := 0; i < 3; i++ {
				step(i)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				step(i)
			}
			b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}

// BenchmarkLSTMForwardBackward times the decoder-sized layer of mel2-tiny on dense inputs:
// 64 sequences of 32 steps, 154 inputs, 256 units, forward and backpropagation through time.
func BenchmarkLSTMForwardBackward(b *testing.B) {
	const n, steps, in, h = 64, 32, 154, 256
	rng := rand.New(rand.NewPCG(1, 2))
	l := NewLSTM("lstm", "_l0", in, h, rng)
	x := randSlice(rng, n*steps*in)
	h0, c0 := randSlice(rng, n*h), randSlice(rng, n*h)
	dhs := randSlice(rng, n*steps*h)
	step := func() {
		models.ZeroGrads(l.Params())
		l.Forward(x, n, steps, h0, c0, true)
		l.Backward(dhs, nil, nil)
	}
	step() // buffers grow once
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		step()
	}
}
