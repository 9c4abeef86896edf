package conv

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"musae/models"
)

// randomImages returns n binarised images of random pixels, like the PyTorch peer's
// benchmark batch.
func randomImages(rng *rand.Rand, n int) *models.Batch {
	b := models.NewBatch(n, side, side, false)
	for i := range b.X {
		if rng.IntN(2) == 0 {
			b.X[i] = 1
		}
	}
	return b
}

// BenchmarkTrainStep times one training step of mnist-conv at batch 64, as
// torch_reference.py bench does (without the optimiser update): VAE.Step and zeroing the
// gradients. examples/s is the figure to compare with the peer's.
func BenchmarkTrainStep(b *testing.B) {
	for _, name := range []string{"mnist-conv", "mnist-conv2"} {
		b.Run(name, func(b *testing.B) { benchTrainStep(b, name) })
	}
}

// BenchmarkTrainStepKernels is BenchmarkTrainStep for mnist-conv with each kernel set the
// CPU supports: what a CPU without AVX-512 (or without AVX2) would get, measured here.
func BenchmarkTrainStepKernels(b *testing.B) {
	for _, k := range []isa{isaAVX512, isaAVX2, isaGo} {
		if !supported(k) {
			continue
		}
		b.Run("mnist-conv-"+k.String(), func(b *testing.B) {
			withKernels(b, k)
			benchTrainStep(b, "mnist-conv")
		})
	}
}

func benchTrainStep(b *testing.B, name string) {
	rng := rand.New(rand.NewPCG(1, 2))
	cfg, _ := ConfigByName(name)
	m, err := New(cfg, rng)
	if err != nil {
		b.Fatal(err)
	}
	v := m.VAE()
	params := v.Params()
	const batch = 64
	data := make([]*models.Batch, 4)
	for i := range data {
		data[i] = randomImages(rng, batch)
	}
	for i := 0; i < 2; i++ { // warm up the buffers
		models.ZeroGrads(params)
		v.Step(data[i], 1, 0, rng)
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		models.ZeroGrads(params)
		v.Step(data[i%len(data)], 1, 0, rng)
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "examples/s")
	// CPU time (all threads) per step: less sensitive than wall time to other
	// work on a shared machine.
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
}

// BenchmarkConv2D times the forward and backward passes of each convolution of mnist-conv
// at batch 64 and reports the arithmetic rate (2 flops per multiply-add).
func BenchmarkConv2D(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, l := range []struct {
		name          string
		in, out, side int
		inputGrad     bool
	}{
		{"c1", 1, 32, 28, false},
		{"c2", 32, 64, 14, true},
		{"c3", 64, 32, 14, true},
		{"c4", 32, 1, 28, true},
	} {
		const n = 64
		c := NewConv2D(l.name, l.in, l.out, 3, 3, 1, rng)
		c.NoInputGrad = !l.inputGrad
		x := randSlice(rng, n*l.in*l.side*l.side)
		dy := randSlice(rng, n*l.out*l.side*l.side)
		macs := float64(n * l.in * l.out * 9 * l.side * l.side)
		b.Run(l.name+"/forward", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				c.Forward(x, n, l.side, l.side)
			}
			b.ReportMetric(2*macs*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		passes := 1.0 // dW
		if l.inputGrad {
			passes = 2 // dW and dx
		}
		b.Run(l.name+"/backward", func(b *testing.B) {
			c.Forward(x, n, l.side, l.side)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				c.Backward(dy)
			}
			b.ReportMetric(passes*2*macs*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkKernels times the two compute kernels alone, on data in cache, one core, with
// each kernel set the CPU supports.
func BenchmarkKernels(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []isa{isaAVX512, isaAVX2, isaGo} {
		if !supported(k) {
			continue
		}
		b.Run(fmt.Sprintf("tileConv-%s", k), func(b *testing.B) {
			withKernels(b, k)
			nci, ldb := 64, 200
			offs := []int{0, 1, 2, 15, 16, 17, 30, 31, 32}
			w := randSlice(rng, nci*9*mr)
			in := randSlice(rng, nci*ldb+100)
			c := make([]float32, mr*nr)
			for i := 0; i < b.N; i++ {
				tileConv(w, in, offs, nci, ldb, c, nr)
			}
			b.ReportMetric(2*float64(mr*nr*nci*9)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("tileDot-%s", k), func(b *testing.B) {
			withKernels(b, k)
			abuf, bbuf := randSlice(rng, 4*1024+64), randSlice(rng, 4*1024+64)
			aoff := [ar]int{0, 1024, 2048, 3072}
			boff := [br]int{1, 2, 3, 1025, 1026, 1027}
			acc := make([]float32, ar*br*lanes)
			steps := 1024 / lanes
			for i := 0; i < b.N; i++ {
				tileDot(steps, abuf, &aoff, bbuf, &boff, acc)
			}
			b.ReportMetric(2*float64(ar*br*steps*lanes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkSeqEncoder times SeqEncoder's forward and backward passes over a batch of 64
// two-bar melodies (DefaultSeqConfig), gathering the first convolution from classes.
func BenchmarkSeqEncoder(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	e, err := NewSeqEncoder(DefaultSeqConfig(), rng)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 64
	x := seqBatch(rng, batch, e.Steps, e.Classes, true)
	dmu, dlv := randSlice(rng, batch*e.Z), randSlice(rng, batch*e.Z)
	e.Encode(x, true)
	e.Backward(dmu, dlv)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		e.Encode(x, true)
		e.Backward(dmu, dlv)
	}
	b.ReportMetric(float64(batch*b.N)/b.Elapsed().Seconds(), "examples/s")
	b.ReportMetric((cpuTime()-cpu0).Seconds()*1e3/float64(b.N), "cpu-ms/op")
}

// BenchmarkImportance times the importance-weighted estimate of −log p(x) for mnist-conv:
// 16 images × 64 samples a pass through the encoder and the K = 64 decoder passes of each.
// samples/s (decoder passes per second) sizes an evaluation: the test set at K = 5000 is
// 5·10⁷ of them.
func BenchmarkImportance(b *testing.B) {
	for _, chunk := range []int{32, 64, 256} {
		b.Run(fmt.Sprintf("chunk%d", chunk), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			m, err := New(DefaultConfig(), rng)
			if err != nil {
				b.Fatal(err)
			}
			const n, k = 16, 64
			x := randomImages(rng, n)
			s := models.Importance{K: k, Chunk: chunk}
			b.ResetTimer()
			for range b.N {
				if _, err := s.Estimate(context.Background(), m.VAE(), x, rng); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n*k)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
